//! Which PostgreSQL major the shadow is made of (issue 12): the target database's, else the
//! project's `postgres = N`; binaries found through `[shadow] bindir`; a `--dev-url` server
//! of another major refused unless `--allow-major-mismatch` says otherwise.

use crate::common::schemactl_bin;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Output};

fn write(dir: &Path, name: &str, text: &str) {
    let path = dir.join(name);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

/// A project whose schema is one table, with `toml` as its schemactl.toml.
fn project(toml: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "schemactl.toml", toml);
    write(dir.path(), "schema/app.sql", "CREATE TABLE public.accounts (id bigint PRIMARY KEY, email text NOT NULL);\n");
    dir
}

/// schemactl in `dir`, with nothing of the caller's environment that would pick a server.
fn schemactl(dir: &Path, args: &[&str]) -> Output {
    Command::new(schemactl_bin())
        .args(args)
        .current_dir(dir)
        .env_remove("DATABASE_URL")
        .env_remove("SCHEMACTL_DEV_URL")
        .env_remove("SCHEMACTL_PG_BINDIR")
        .output()
        .expect("run schemactl")
}

fn text(o: &Output) -> (String, String) {
    (String::from_utf8_lossy(&o.stdout).into_owned(), String::from_utf8_lossy(&o.stderr).into_owned())
}

async fn server_major(url: &schemactl_connect::DbUrl) -> u32 {
    let client = url.connect().await.unwrap();
    let num: i32 = client.query_one("SELECT current_setting('server_version_num')::int", &[]).await.unwrap().get(0);
    (num / 10000) as u32
}

/// Another supported major than `major`.
fn other_than(major: u32) -> u32 {
    if major == 14 {
        15
    } else {
        14
    }
}

#[tokio::test]
async fn a_dev_url_server_of_another_major_than_the_pin_is_refused_naming_both() {
    let server = schemactl_testkit::server().await;
    let major = server_major(&server).await;
    let pin = other_than(major);
    let dev = server.to_secret_url();
    let dir = project(&format!("postgres = {pin}\n"));

    let refused = schemactl(dir.path(), &["diff", "--to", "schema", "--dev-url", &dev]);
    let (out, err) = text(&refused);
    assert_eq!(refused.status.code(), Some(1), "stdout:\n{out}\nstderr:\n{err}");
    assert!(out.is_empty(), "nothing planned: {out}");
    assert!(err.contains(&format!("the --dev-url server runs PostgreSQL {major}")), "{err}");
    assert!(err.contains(&format!("schemactl.toml pins `postgres = {pin}`")), "{err}");
    assert!(err.contains("--allow-major-mismatch"), "{err}");

    let allowed = schemactl(dir.path(), &["diff", "--to", "schema", "--dev-url", &dev, "--allow-major-mismatch"]);
    let (out, err) = text(&allowed);
    assert!(allowed.status.success(), "stdout:\n{out}\nstderr:\n{err}");
    assert!(out.contains("CREATE TABLE public.accounts"), "{out}");
    assert!(err.contains(&format!("planning on a PostgreSQL {major} --dev-url server although")), "{err}");
}

#[tokio::test]
async fn the_target_database_decides_the_major_over_the_pin() {
    let server = schemactl_testkit::server().await;
    let major = server_major(&server).await;
    let pin = other_than(major);
    let target = schemactl_testkit::TestDb::new().await;
    let dir = project(&format!("postgres = {pin}\n"));

    // The target and the --dev-url server share a major: the pin does not stand in the way,
    // and the user hears that the project's pin disagrees with the database.
    let from = target.url.to_secret_url();
    let out = schemactl(dir.path(), &["diff", "--from", &from, "--to", "schema", "--dev-url", &server.to_secret_url()]);
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "stdout:\n{stdout}\nstderr:\n{stderr}");
    assert!(stdout.contains("CREATE TABLE public.accounts"), "{stdout}");
    assert!(stderr.contains(&format!("pins `postgres = {pin}`, but the database runs PostgreSQL {major}")), "{stderr}");
}

/// A directory that looks like PostgreSQL 14.99 server binaries to the search, whose
/// `initdb` only says where it was run from.
fn fake_bindir(parent: &Path) -> std::path::PathBuf {
    let bin = parent.join("fake-pg/bin");
    std::fs::create_dir_all(&bin).unwrap();
    let postgres = "#!/bin/sh\n[ \"$1\" = --version ] && { echo 'postgres (PostgreSQL) 14.99'; exit 0; }\nexit 1\n";
    let initdb = "#!/bin/sh\necho 'the fake initdb of [shadow] bindir ran' >&2\nexit 1\n";
    for (name, body) in [("postgres", postgres), ("initdb", initdb)] {
        std::fs::write(bin.join(name), body).unwrap();
        std::fs::set_permissions(bin.join(name), std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    // The embedded server runs as an unprivileged user, who must reach the scripts.
    for dir in [parent, &parent.join("fake-pg"), &bin] {
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    bin
}

#[test]
fn the_pin_picks_the_embedded_servers_major_among_what_shadow_bindir_and_the_machine_have() {
    let dir = project("");
    let bin = fake_bindir(dir.path());
    let bindir = bin.display().to_string();

    // Pinned to 14: the only 14 looked at first is the configured directory's, whose initdb runs.
    write(dir.path(), "schemactl.toml", &format!("postgres = 14\n[shadow]\nbindir = \"{bindir}\"\n"));
    let out = schemactl(dir.path(), &["diff", "--to", "schema"]);
    let (stdout, stderr) = text(&out);
    assert!(!out.status.success(), "stdout:\n{stdout}\nstderr:\n{stderr}");
    assert!(stderr.contains("the fake initdb of [shadow] bindir ran"), "{stderr}");

    // A relative bindir is the project file's neighbour.
    write(dir.path(), "schemactl.toml", "postgres = 14\n[shadow]\nbindir = \"fake-pg/bin\"\n");
    let out = schemactl(dir.path(), &["diff", "--to", "schema"]);
    assert!(text(&out).1.contains("the fake initdb of [shadow] bindir ran"), "{}", text(&out).1);

    // Pinned to the machine's own major, the same configured directory is passed over.
    let installed = installed_major();
    write(dir.path(), "schemactl.toml", &format!("postgres = {installed}\n[shadow]\nbindir = \"{bindir}\"\n"));
    let out = schemactl(dir.path(), &["diff", "--to", "schema"]);
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "stdout:\n{stdout}\nstderr:\n{stderr}");
    assert!(stdout.contains("CREATE TABLE public.accounts"), "{stdout}");
}

/// The major of the server binaries this machine has installed where the shadow looks
/// (the test harness starts its cluster with the same search).
fn installed_major() -> u32 {
    schemactl_shadow::find_server_binaries(None).expect("server binaries on this machine").1
}
