//! Messages that lead somewhere: each failure a user meets early says what to do next, and the
//! binary says where it came from and how to install its completions and manual.

use crate::common;

use common::{output_text, run_in_project, schemactl_bin};
use schemactl_testkit::TestDb;
use std::path::Path;
use std::process::{Command, Output};

fn run(dir: &Path, args: &[&str]) -> Output {
    Command::new(schemactl_bin())
        .args(args)
        .current_dir(dir)
        .env_remove("DATABASE_URL")
        .env_remove("SCHEMACTL_DEV_URL")
        .output()
        .expect("run schemactl")
}

fn ok(o: &Output) -> String {
    assert!(o.status.success(), "exit {:?}\n{}", o.status.code(), output_text(o));
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn outside_a_project_commands_say_to_run_init() {
    let tmp = tempfile::tempdir().unwrap();
    for args in
        [&["plan", "-m", "x"][..], &["apply", "--db", "postgresql://u@127.0.0.1:1/db"], &["verify"], &["reseal"]]
    {
        let out = run(tmp.path(), args);
        let text = output_text(&out);
        assert!(!out.status.success(), "{args:?}: {text}");
        assert!(
            text.contains("no schemactl.toml found in") && text.contains("run `schemactl init`"),
            "{args:?}: {text}"
        );
        assert!(!text.contains("No such file or directory") && !text.contains("missing"), "{args:?}: {text}");
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn initialised() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    ok(&run(tmp.path(), &["init", "."]));
    tmp
}

#[test]
fn a_refused_connection_suggests_waiting() {
    let tmp = initialised();
    let url = format!("postgresql://u@127.0.0.1:{}/db", free_port());
    let out = run(tmp.path(), &["apply", "--db", &url]);
    assert_eq!(out.status.code(), Some(3), "{}", output_text(&out));
    assert!(output_text(&out).contains("(use --wait 60s"), "{}", output_text(&out));
}

#[tokio::test]
async fn a_missing_database_or_an_unknown_user_is_not_waited_for() {
    let db = TestDb::new().await;
    let tmp = initialised();
    let missing = db.url.with_dbname("schemactl_no_such_database").to_secret_url();
    let out = run(tmp.path(), &["apply", "--db", &missing]);
    let text = output_text(&out);
    assert_eq!(out.status.code(), Some(3), "{text}");
    assert!(text.contains("no database `schemactl_no_such_database`") && text.contains("createdb"), "{text}");
    assert!(!text.contains("--wait"), "{text}");

    let url = db.url.to_secret_url();
    let nobody = url.replacen(&format!("//{}@", db.url.user()), "//schemactl_nobody:S3cr3tPw@", 1);
    assert_ne!(nobody, url);
    let out = run(tmp.path(), &["apply", "--db", &nobody]);
    let text = output_text(&out);
    assert_eq!(out.status.code(), Some(3), "{text}");
    assert!(text.contains("check the user name (`schemactl_nobody`) and the password"), "{text}");
    assert!(!text.contains("--wait") && !text.contains("S3cr3tPw"), "{text}");
}

#[tokio::test]
async fn apply_names_the_database_it_runs_against() {
    let db = TestDb::new().await;
    let dev = schemactl_testkit::server().await.to_secret_url();
    let tmp = initialised();
    ok(&run_in_project(tmp.path(), &dev, &["plan", "-m", "first"]));
    let out = run(tmp.path(), &["apply", "--db", &db.url.to_secret_url()]);
    ok(&out);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(&format!("applying to {}", db.url)), "{err}");
}

/// A database that has what the first revision creates, and no schemactl history: both
/// `status` and `apply` say how to adopt it, not only that it drifted.
#[tokio::test]
async fn an_unadopted_database_is_told_how_to_adopt_it() {
    let db = TestDb::new().await;
    let dev = schemactl_testkit::server().await.to_secret_url();
    let tmp = initialised();
    std::fs::write(tmp.path().join("schema/example.sql"), "CREATE TABLE public.widgets (id int PRIMARY KEY);\n")
        .unwrap();
    ok(&run_in_project(tmp.path(), &dev, &["plan", "-m", "first"]));
    db.execute_script("CREATE TABLE public.widgets (id int PRIMARY KEY);").await;
    let url = db.url.to_secret_url();

    let status = run_in_project(tmp.path(), &dev, &["status", "--db", &url]);
    let text = output_text(&status);
    assert_eq!(status.status.code(), Some(7), "{text}");
    assert!(text.contains("this would restore it (1 step):") && text.contains("DROP TABLE public.widgets"), "{text}");
    assert!(text.contains("schemactl has not adopted"), "{text}");
    assert!(text.contains("`schemactl stamp head`") && text.contains("`schemactl dump --out schema`"), "{text}");

    let apply = run_in_project(tmp.path(), &dev, &["apply", "--db", &url]);
    let text = output_text(&apply);
    assert_eq!(apply.status.code(), Some(7), "{text}");
    assert!(text.contains("`schemactl stamp head`") && text.contains("`schemactl plan -m baseline`"), "{text}");
}

/// A column dropped and one of the same type added in one plan: the note names the annotation.
#[tokio::test]
async fn a_dropped_and_added_column_of_one_type_suggests_renamed_from() {
    let db = TestDb::new().await;
    db.execute_script("CREATE TABLE public.people (id int, full_name text);").await;
    let dev = schemactl_testkit::server().await.to_secret_url();
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("people.sql"), "CREATE TABLE public.people (id int, display_name text);\n").unwrap();
    let out = run(tmp.path(), &["diff", "--from", &db.url.to_secret_url(), "--to", ".", "--dev-url", &dev]);
    let text = output_text(&out);
    assert!(out.status.success(), "{text}");
    assert!(text.contains("DROP COLUMN full_name"), "{text}");
    assert!(
        text.contains("`-- schemactl:renamed-from full_name`") && text.contains("before column display_name"),
        "{text}"
    );
}

#[test]
fn version_names_the_commit() {
    let tmp = tempfile::tempdir().unwrap();
    let version = ok(&run(tmp.path(), &["--version"]));
    assert!(version.starts_with(&format!("schemactl {} (commit ", env!("CARGO_PKG_VERSION"))), "{version}");
    let git =
        Command::new("git").args(["rev-parse", "--short", "HEAD"]).current_dir(env!("CARGO_MANIFEST_DIR")).output();
    if let Some(git) = git.ok().filter(|g| g.status.success()) {
        // Built from this checkout (cargo reruns the build script when HEAD moves).
        let commit = String::from_utf8_lossy(&git.stdout).trim().to_string();
        assert!(version.contains(&format!("(commit {commit})")), "{version} vs {commit}");
    }
}

#[test]
fn completions_generate_for_every_shell() {
    let tmp = tempfile::tempdir().unwrap();
    for shell in ["bash", "zsh", "fish", "powershell"] {
        let script = ok(&run(tmp.path(), &["completions", shell]));
        assert!(
            script.contains("schemactl") && script.contains("apply") && script.contains("stamp"),
            "{shell}: {script}"
        );
    }
    let out = run(tmp.path(), &["completions", "tcsh"]);
    assert_eq!(out.status.code(), Some(2), "{}", output_text(&out));
}

#[test]
fn man_prints_a_manual_page() {
    let tmp = tempfile::tempdir().unwrap();
    let page = ok(&run(tmp.path(), &["man"]));
    assert!(page.starts_with(".ie") || page.contains(".TH schemactl"), "{page}");
    assert!(page.contains("apply") && page.contains("completions"), "{page}");
}

/// tokio-postgres prints a server error as "db error": what schemactl reports is the server's
/// message with its hint.
#[tokio::test]
async fn a_failed_query_reports_the_servers_words() {
    let db = TestDb::new().await;
    let client = db.client().await;
    let e = client.query_one("SELECT schemactl_no_such_function(1)", &[]).await.unwrap_err();
    assert_eq!(e.to_string(), "db error", "the reason this exists");
    let text = schemactl_connect::server_message(&e);
    assert!(text.contains("function schemactl_no_such_function(integer) does not exist"), "{text}");
    assert!(text.contains("(HINT: "), "{text}");
}
