//! Honest operations (issue 10, "Honest operations"): `status` says with its exit code what it
//! found; a signal says `interrupted` and exits 128 + its number; a reader that goes away never
//! makes schemactl panic.
//!
//! Reproducers (failed on 1630823): `status` exited 0 with revisions pending and with a
//! drifted schema; SIGINT/SIGTERM during `diff` printed `cannot connect … Connection refused`
//! (the shadow was torn down under the running command) and SIGTERM exited 130; writing to a
//! closed pipe (`schemactl … 2>&1 | head -1`) panicked (exit 101).

use crate::common::{output_text, schemactl_bin};
use crate::project::{ok, stdout, Project};
use schemactl_testkit::TestDb;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::Duration;

/// `status`'s codes, as the README's exit-status table documents them.
const PENDING: i32 = 8;
const DRIFT: i32 = 7;

fn status(p: &Project, url: &str, dev: &str, extra: &[&str]) -> Output {
    let mut args = vec!["status", "--db", url, "--dev-url", dev];
    args.extend_from_slice(extra);
    p.run(&args)
}

fn assert_code(out: &Output, code: i32, what: &str) {
    assert_eq!(out.status.code(), Some(code), "{what}: exit {:?}\n{}", out.status.code(), output_text(out));
}

#[tokio::test]
async fn status_exit_code_says_pending_drifted_or_clean() {
    let db = TestDb::new().await;
    let url = db.url.to_secret_url();
    let dev = schemactl_testkit::server().await.to_secret_url();
    let mut p = Project::new();
    p.add("create things", "CREATE TABLE things (id int PRIMARY KEY);", "DROP TABLE things;");

    let pending = status(&p, &url, &dev, &[]);
    assert_code(&pending, PENDING, "a revision is pending");
    assert!(stdout(&pending).contains("pending:  1 revision(s)"), "{}", output_text(&pending));
    assert_code(&status(&p, &url, &dev, &["--no-drift"]), PENDING, "pending, drift not checked");
    assert_code(&status(&p, &url, &dev, &["--exit-zero"]), 0, "pending, report only");

    ok(&p.run(&["apply", "--db", &url]));
    let clean = status(&p, &url, &dev, &[]);
    assert_code(&clean, 0, "at head, no drift");
    assert!(stdout(&clean).contains("drift:    none"), "{}", output_text(&clean));

    db.execute_script("ALTER TABLE things ADD COLUMN note text;").await;
    let drifted = status(&p, &url, &dev, &[]);
    assert_code(&drifted, DRIFT, "the schema drifted");
    assert!(stdout(&drifted).contains("drift:    the schema differs"), "{}", output_text(&drifted));
    assert_code(&status(&p, &url, &dev, &["--exit-zero"]), 0, "drifted, report only");
    assert_code(&status(&p, &url, &dev, &["--no-drift"]), 0, "drift not checked, nothing pending");

    // Both: drift wins, it is the one that needs a person.
    p.add("create more", "CREATE TABLE more_things (id int);", "DROP TABLE more_things;");
    assert_code(&status(&p, &url, &dev, &[]), DRIFT, "drifted and pending");
}

/// A schema big enough that `diff` is still starting or loading its embedded shadow a second
/// after it started.
fn big_schema() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let tables: String = (0..3000)
        .map(|i| format!("CREATE TABLE t{i} (id int PRIMARY KEY, a text NOT NULL DEFAULT 'x', b int CHECK (b > 0));\n"))
        .collect();
    std::fs::write(dir.path().join("tables.sql"), tables).unwrap();
    dir
}

fn interrupt_diff(signal: &str, expected: i32) {
    let schema = big_schema();
    let child = Command::new(schemactl_bin())
        .args(["diff", "--to", schema.path().to_str().unwrap()])
        .env_remove("SCHEMACTL_DEV_URL")
        .env_remove("DATABASE_URL")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start schemactl");
    std::thread::sleep(Duration::from_millis(1000));
    let killed = Command::new("kill").args([&format!("-{signal}"), &child.id().to_string()]).status().unwrap();
    assert!(killed.success(), "kill -{signal}");
    let out = child.wait_with_output().unwrap();
    let text = output_text(&out);
    assert_eq!(out.status.code(), Some(expected), "SIGINT/SIGTERM exit 128 + the signal: {:?}\n{text}", out.status);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains(&format!("interrupted (SIG{signal})")), "{text}");
    assert!(!text.contains("Connection refused") && !text.contains("cannot connect"), "{text}");
    assert!(!text.contains("error:") && !text.contains("panicked"), "{text}");
}

#[test]
fn sigint_during_diff_says_interrupted_and_exits_130() {
    interrupt_diff("INT", 130);
}

#[test]
fn sigterm_during_diff_says_interrupted_and_exits_143() {
    interrupt_diff("TERM", 143);
}

/// Which of the child's streams go to a pipe nobody reads.
#[derive(Clone, Copy, Debug)]
enum Closed {
    Stdout,
    Stderr,
    /// `2>&1 | head -0`: both to the same pipe.
    Both,
}

/// Runs schemactl with `closed` connected to a pipe whose read end is already closed, so
/// every write there fails with EPIPE; the other stream is captured.
fn run_with_closed(dir: &Path, args: &[&str], closed: Closed) -> (Option<i32>, String) {
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let mut cmd = Command::new(schemactl_bin());
    cmd.args(args).current_dir(dir).env_remove("DATABASE_URL").env_remove("SCHEMACTL_DEV_URL");
    match closed {
        Closed::Stdout => cmd.stdout(writer).stderr(Stdio::piped()),
        Closed::Stderr => cmd.stdout(Stdio::piped()).stderr(writer),
        Closed::Both => cmd.stdout(writer.try_clone().unwrap()).stderr(writer),
    };
    let out = cmd.output().expect("run schemactl");
    (out.status.code(), output_text(&out))
}

#[test]
fn closed_stdout_or_stderr_never_panics() {
    let mut p = Project::new();
    p.add("create things", "CREATE TABLE things (id int PRIMARY KEY);", "DROP TABLE things;");
    p.add("create more", "CREATE TABLE more_things (id int);", "DROP TABLE more_things;");
    let dir = p.generated().parent().unwrap().to_path_buf();
    // Any write to a closed pipe fails, so the output need not be long.
    std::fs::write(dir.join("schema.sql"), "CREATE TABLE t (id int);\nCREATE INDEX ON t (id);\n").unwrap();
    std::fs::write(dir.join("bad.sql"), "CREATE TABEL oops (id int);\n").unwrap();

    // (command, its exit code when nothing is closed)
    let commands: [(&[&str], i32); 6] = [
        // A plan on stdout, through the embedded shadow: `schemactl diff … | head -1`.
        (&["diff", "--to", "schema.sql"], 0),
        // Line after line on stdout, no database.
        (&["history", "--offline"], 0),
        (&["apply", "--sql", "--from", "base"], 0),
        (&["show", "head"], 0),
        // An error on stderr.
        (&["diff", "--to", "bad.sql"], 1),
        // clap's own output.
        (&["--help"], 0),
    ];
    let mut failures = Vec::new();
    for (args, code) in commands {
        // With nothing closed, the command writes (so closing the pipe is felt) and exits `code`.
        let open = Command::new(schemactl_bin()).args(args).current_dir(&dir).env_remove("SCHEMACTL_DEV_URL").output();
        let open = open.expect("run schemactl");
        assert_eq!(open.status.code(), Some(code), "{args:?}: {}", output_text(&open));
        assert!(!output_text(&open).is_empty(), "{args:?} writes nothing");
        for closed in [Closed::Stdout, Closed::Stderr, Closed::Both] {
            let (exit, text) = run_with_closed(&dir, args, closed);
            // The command finishes and keeps its own exit status; its output is dropped.
            if exit == Some(101) || text.contains("panicked") || exit != Some(code) {
                failures.push(format!("{args:?} with {closed:?} closed: exit {exit:?} (expected {code})\n{text}"));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
