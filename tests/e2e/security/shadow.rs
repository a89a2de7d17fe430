//! The shadow is a sandbox: schema files are loaded there by PostgreSQL as superuser, so
//! whatever they do must not reach schemactl's secrets, hang it, or be silently dropped; and a
//! schemactl killed while its embedded shadow runs leaves nothing behind past the next run.
//!
//! Every test here uses the embedded shadow (no `--dev-url`): that is the server whose
//! processes schemactl starts, and whose environment it chooses.

use crate::common::{output_text, schemactl_bin};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

const CANARY: &str = "S3cr3t-canary";

/// A directory holding `schema/` with the given files.
fn schema_dir(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::create_dir(dir.path().join("schema")).expect("schema/");
    for (name, text) in files {
        std::fs::write(dir.path().join("schema").join(name), text).expect("schema file");
    }
    dir
}

/// `schemactl ARGS` in `dir` with the embedded shadow: no dev server and no database address
/// from the caller's environment.
fn schemactl(dir: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new(schemactl_bin());
    cmd.args(args)
        .current_dir(dir)
        .env_remove("SCHEMACTL_DEV_URL")
        .env_remove("DATABASE_URL")
        .env_remove("SCHEMACTL_SHADOW_LOAD_TIMEOUT")
        .stdin(Stdio::null());
    cmd
}

fn run(cmd: &mut Command) -> Output {
    cmd.output().expect("run schemactl")
}

/// What `/proc/<pid>/stat` says: alive unless gone or a zombie.
fn alive(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => stat.rsplit_once(')').and_then(|(_, rest)| rest.split_whitespace().next()) != Some("Z"),
        Err(_) => false,
    }
}

/// The embedded clusters' directories under `tmp` (schemactl's `TMPDIR`).
fn cluster_dirs(tmp: &Path) -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(tmp)
        .map(|entries| {
            entries
                .flatten()
                .filter(|e| e.file_name().to_string_lossy().starts_with("schemactl-pg-"))
                .map(|e| e.path())
                .collect()
        })
        .unwrap_or_default();
    dirs.sort();
    dirs
}

/// The postmaster pid of a cluster directory once its server is ready (`postmaster.pid` line
/// 8 says `ready`), waiting up to a minute.
fn wait_for_ready_server(tmp: &Path) -> (PathBuf, u32) {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        for dir in cluster_dirs(tmp) {
            let Ok(text) = std::fs::read_to_string(dir.join("data").join("postmaster.pid")) else { continue };
            let lines: Vec<&str> = text.lines().collect();
            if lines.len() >= 8 && lines[7].trim() == "ready" {
                return (dir, lines[0].trim().parse().expect("postmaster pid"));
            }
        }
        assert!(Instant::now() < deadline, "no embedded server became ready in {}", tmp.display());
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Issue 10: the embedded shadow's postmaster inherited schemactl's whole environment, and a
/// materialized view casting `/proc/<postmaster>/environ` to int brought `PGPASSWORD` back in
/// schemactl's own error message. Now the server gets PATH, a locale and a time zone only.
#[test]
fn shadow_server_environment_holds_no_secrets() {
    // The postmaster's pid is the first line of postmaster.pid in the data directory; its
    // environment, NULs shown as \000, lands in the cast's error message.
    let leak = "CREATE MATERIALIZED VIEW leak AS SELECT encode(pg_read_binary_file('/proc/' || \
                split_part(pg_read_file('postmaster.pid'), E'\\n', 1) || '/environ'), 'escape')::int AS x;\n";
    let dir = schema_dir(&[("leak.sql", leak)]);
    let out = run(schemactl(dir.path(), &["diff", "--to", "schema"])
        .env("PGPASSWORD", CANARY)
        .env("DATABASE_URL", format!("postgresql://u:{CANARY}@h/db"))
        .env("SCHEMACTL_TEST_API_TOKEN", CANARY));
    let text = output_text(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    // The read happened and its result is in the message: the test would pass vacuously
    // otherwise.
    assert!(text.contains("leak.sql:1:") && text.contains("invalid input syntax for type integer"), "{text}");
    assert!(text.contains("PATH="), "the environment was not shown: {text}");
    for secret in [CANARY, "PGPASSWORD", "DATABASE_URL", "SCHEMACTL_TEST_API_TOKEN"] {
        assert!(!text.contains(secret), "{secret} reached the shadow server: {text}");
    }
}

/// Issue 10: `\i other.sql` was dropped without a word, so what it included vanished from the
/// desired state. Now it is an error at its position that says where the file belongs.
#[test]
fn include_meta_command_is_an_error_pointing_to_schema_dir() {
    let dir = schema_dir(&[
        ("a.sql", "CREATE TABLE a (id int);\n\n\\i other.sql\n"),
        ("other.sql", "CREATE TABLE other (id int);\n"),
    ]);
    let out = run(&mut schemactl(dir.path(), &["diff", "--to", "schema"]));
    let text = output_text(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("a.sql:3:1: psql meta-command `\\i`"), "{text}");
    assert!(text.contains("put `other.sql` in schema/ instead"), "{text}");
    assert!(String::from_utf8_lossy(&out.stdout).is_empty(), "no plan on failure: {text}");
}

/// Issue 10: `\set` lines were skipped silently (and each cost a parse of the whole file).
#[test]
fn set_meta_command_is_an_error_at_its_position() {
    let dir = schema_dir(&[("b.sql", "CREATE TABLE b (id int);\n  \\set x 1\nCREATE TABLE c (id int);\n")]);
    let out = run(&mut schemactl(dir.path(), &["diff", "--to", "schema"]));
    let text = output_text(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("b.sql:2:3: psql meta-command `\\set` is not SQL"), "{text}");
    // pg_dump's guards are the exception: a plain-text dump still loads.
    let dir = schema_dir(&[("dump.sql", "\\restrict k1\nCREATE TABLE d (id int);\n\\unrestrict k1\n")]);
    let out = run(&mut schemactl(dir.path(), &["diff", "--to", "schema"]));
    let text = output_text(&out);
    assert!(out.status.success() && text.contains("CREATE TABLE"), "{text}");
}

/// The slow statement of the timeout tests: it would run 60 s without a timeout.
const SLOW: &str = "CREATE TABLE t (id int);\nCREATE MATERIALIZED VIEW slow AS SELECT 1 AS x FROM pg_sleep(60);\n";

/// Issue 10: loading into the shadow had no timeout (`pg_sleep(45)` in a view: 47 s). Now
/// `[shadow] load_timeout` bounds every statement, and the error names the file, position and
/// statement.
#[test]
fn project_load_timeout_stops_a_slow_statement() {
    let dir = schema_dir(&[("views.sql", SLOW)]);
    std::fs::write(dir.path().join("schemactl.toml"), "[shadow]\nload_timeout = \"1s\"\n").unwrap();
    std::fs::create_dir(dir.path().join("generated")).unwrap();
    let started = Instant::now();
    let out = run(&mut schemactl(dir.path(), &["plan", "--dry-run"]));
    let elapsed = started.elapsed();
    let text = output_text(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        text.contains(
            "views.sql:2:1: loading this statement took longer than the shadow's load timeout (1s): \
             CREATE MATERIALIZED VIEW slow AS SELECT 1 AS x FROM pg_sleep(60)"
        ),
        "{text}"
    );
    assert!(text.contains("load_timeout"), "the hint says what to change: {text}");
    // Not a measurement: 60 s would mean the statement ran to its end.
    assert!(elapsed < Duration::from_secs(40), "took {elapsed:?}");
    eprintln!("plan stopped by a 1 s load timeout after {:.1} s", elapsed.as_secs_f64());
}

/// `diff` reads no project file: the environment variable sets the timeout there (and wins
/// over a project's).
#[test]
fn environment_load_timeout_stops_a_slow_statement_in_diff() {
    let dir = schema_dir(&[("views.sql", SLOW)]);
    let out = run(schemactl(dir.path(), &["diff", "--to", "schema"]).env("SCHEMACTL_SHADOW_LOAD_TIMEOUT", "1500ms"));
    let text = output_text(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("views.sql:2:1: loading this statement took longer than the shadow's load timeout (1500ms)"));
    let out = run(schemactl(dir.path(), &["diff", "--to", "schema"]).env("SCHEMACTL_SHADOW_LOAD_TIMEOUT", "soon"));
    let text = output_text(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("SCHEMACTL_SHADOW_LOAD_TIMEOUT: `soon` is not a duration"), "{text}");
}

/// Starts `schemactl diff` on a statement that runs a minute, with `TMPDIR` private to the
/// test; returns it once its embedded server is ready, with the server's directory and pid.
fn diff_with_running_shadow(tmp: &Path, dir: &Path) -> (std::process::Child, PathBuf, u32) {
    let child = schemactl(dir, &["diff", "--to", "schema"])
        .env("TMPDIR", tmp)
        .env("SCHEMACTL_SHADOW_LOAD_TIMEOUT", "0")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start schemactl");
    let (cluster, postmaster) = wait_for_ready_server(tmp);
    assert!(alive(postmaster));
    (child, cluster, postmaster)
}

/// Issue 10: SIGKILL leaves `schemactl-pg-*` directories (37 MB each). The server dies with its
/// owner (parent-death signal), and the next run sweeps directories whose owner is dead.
#[test]
fn sigkill_leftovers_are_swept_by_the_next_run() {
    let tmp = tempfile::tempdir().expect("TMPDIR");
    let dir = schema_dir(&[("views.sql", SLOW)]);
    let (mut child, cluster, postmaster) = diff_with_running_shadow(tmp.path(), dir.path());

    child.kill().expect("SIGKILL"); // no destructor, no atexit, no signal handler runs
    child.wait().expect("reap schemactl");
    let deadline = Instant::now() + Duration::from_secs(10);
    while alive(postmaster) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(!alive(postmaster), "postmaster {postmaster} outlived the killed schemactl");
    assert!(cluster.exists(), "nothing could remove {} yet", cluster.display());

    let next = schema_dir(&[("t.sql", "CREATE TABLE t (id int);\n")]);
    let out = run(schemactl(next.path(), &["diff", "--to", "schema"]).env("TMPDIR", tmp.path()));
    assert!(out.status.success(), "{}", output_text(&out));
    assert!(!cluster.exists(), "{} was not swept", cluster.display());
    assert_eq!(cluster_dirs(tmp.path()), Vec::<PathBuf>::new(), "the next run left its own directory");
}

/// SIGHUP (a closed terminal) cleans up like SIGINT and SIGTERM: server stopped, directory
/// removed, exit 128 + 1.
#[test]
fn sighup_stops_the_shadow_and_removes_its_files() {
    let tmp = tempfile::tempdir().expect("TMPDIR");
    let dir = schema_dir(&[("views.sql", SLOW)]);
    let (child, cluster, postmaster) = diff_with_running_shadow(tmp.path(), dir.path());
    let kill = Command::new("kill").args(["-HUP", &child.id().to_string()]).status().expect("run kill");
    assert!(kill.success());
    let out = child.wait_with_output().expect("wait for schemactl");
    assert_eq!(out.status.code(), Some(129), "{}", output_text(&out));
    assert!(!alive(postmaster), "postmaster {postmaster} still runs");
    assert!(!cluster.exists(), "{} still exists", cluster.display());
}
