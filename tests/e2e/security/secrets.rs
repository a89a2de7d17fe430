//! No password in any output (issue 10, "No password in any output"). Every malformed or odd
//! address a user might paste goes through the real binary in every way an address is given:
//! `diff --from`, `--db` on `status` and `apply`, and `DATABASE_URL`, always with `PGPASSWORD`
//! set too. Whatever happens (refused as malformed, unreachable, wrong password), no fragment
//! of either secret may appear on stdout or stderr, and the command must fail with a message.
//!
//! Reproducers (failed on 1630823): an unencoded `@` in the password showed the rest of it
//! (`postgresql://u:***@ss:w/rdX@…`), a misspelt scheme was taken for a file name and echoed
//! (`postgresqlx://u:S3cr3t@host/db: No such file or directory`), and conninfo given to
//! `diff --from` was echoed with its `password=`.

use crate::common::schemactl_bin;
use std::path::Path;
use std::process::{Command, Output};

/// The `PGPASSWORD` of every run: it must not show either.
const ENV_SECRET: &str = "EnvPw0rdQ7";

/// A role with a password, reached over TCP (scram-sha-256 in pg_hba), for the wrong-password case.
const PROBE_ROLE: &str = "schemactl_secret_probe";

struct Case {
    what: &'static str,
    address: String,
    /// Fragments of the password: none may appear.
    secrets: &'static [&'static str],
}

fn case(what: &'static str, address: &str, secrets: &'static [&'static str]) -> Case {
    Case { what, address: address.to_string(), secrets }
}

/// The malformed and odd addresses. Hosts are unresolvable (`.invalid`) or refuse at once
/// (127.0.0.1:1), so no case waits on the network.
fn cases(server_port: u16) -> Vec<Case> {
    vec![
        case("unencoded @ in the password", "postgresql://u:Pa55@w0rdX@db.invalid/app", &["Pa55", "w0rdX"]),
        case(
            "@, : and / in the password",
            "postgresql://u:ss:w/rdX@Qz9secret@db.invalid/app",
            &["ss:w", "w/rdX", "rdX", "Qz9secret"],
        ),
        case(
            "@ and / in the password",
            "postgresql://u:Pa55@ss/w@rdX@db.invalid/app",
            &["Pa55", "ss/w", "w@rdX", "rdX"],
        ),
        case(
            ": and / in the password (parses)",
            "postgresql://u:Pa55:w/rdX@127.0.0.1:1/app",
            &["Pa55", "w/rdX", "rdX"],
        ),
        case("scheme typo postgresqlx://", "postgresqlx://u:S3cr3tX1@db.invalid/app", &["S3cr3tX1"]),
        case("scheme typo postgress://", "postgress://u:S3cr3tX2@db.invalid/app", &["S3cr3tX2"]),
        case("single slash postgres:/", "postgres:/u:S3cr3tX3@db.invalid/app", &["S3cr3tX3"]),
        case("http://", "http://u:S3cr3tX4@db.invalid/app", &["S3cr3tX4"]),
        case("no scheme, user:password@host", "u:S3cr3tX5@db.invalid/app", &["S3cr3tX5"]),
        case("SQLAlchemy postgresql+psycopg2://", "postgresql+psycopg2://u:S3cr3tX6@127.0.0.1:1/app", &["S3cr3tX6"]),
        case("conninfo password=", "host=127.0.0.1 port=1 user=u password=S3cr3tX7 dbname=app", &["S3cr3tX7"]),
        case(
            "conninfo quoted password",
            "host=127.0.0.1 port=1 user=u password='S3 cr3tX8' dbname=app",
            &["S3 cr", "cr3tX8"],
        ),
        case("conninfo unclosed quote", "host=127.0.0.1 port=1 password='S3 cr3tX9", &["S3 cr", "cr3tX9"]),
        case("conninfo unquoted space", "host=127.0.0.1 port=1 password=S3 cr3tXa dbname=app", &["cr3tXa"]),
        case("query ?password=", "postgresql://u@127.0.0.1:1/app?password=S3cr3tXb", &["S3cr3tXb"]),
        case("query ?password= malformed", "postgresql://u@127.0.0.1:1/app?password=S3cr3tXc&bogus", &["S3cr3tXc"]),
        case("percent-encoded password", "postgresql://u:S3cr%33tXd@127.0.0.1:1/app", &["S3cr", "tXd", "S3cr3tXd"]),
        case(
            "percent-encoded password, bad port",
            "postgresql://u:S3cr%33tXe@127.0.0.1:99999/app",
            &["S3cr", "tXe", "S3cr3tXe"],
        ),
        case("IPv6 host", "postgresql://u:S3cr3tXf@[::1]:1/app", &["S3cr3tXf"]),
        case("IPv6 host, unclosed bracket", "postgresql://u:S3cr3tXg@[::1/app", &["S3cr3tXg"]),
        case("bad port", "postgresql://u:S3cr3tXh@127.0.0.1:port/app", &["S3cr3tXh"]),
        case("unreachable host, good URL", "postgresql://u:S3cr3tXi@127.0.0.1:1/app", &["S3cr3tXi"]),
        case("unresolvable host, good URL", "postgresql://u:S3cr3tXj@db.invalid/app", &["S3cr3tXj"]),
        case("trailing garbage", "postgresql://u:S3cr3tXk@127.0.0.1:1/app trailing garbage", &["S3cr3tXk"]),
        case("newline inside", "postgresql://u:S3cr3tXl@127.0.0.1:1/ap\np", &["S3cr3tXl"]),
        case("newline in the password", "postgresql://u:S3cr\n3tXm@127.0.0.1:1/app", &["S3cr", "3tXm"]),
        case("space in the password", "postgresql://u:S3 cr3tXn@127.0.0.1:1/app", &["S3 cr", "cr3tXn"]),
        Case {
            what: "wrong password against the real server",
            address: format!(
                "postgresql://{PROBE_ROLE}:Wr0ngS3cr3tXo@127.0.0.1:{server_port}/postgres?sslmode=disable"
            ),
            secrets: &["Wr0ngS3cr3tXo"],
        },
    ]
}

/// A project (for `status` and `apply`) and a schema file (for `diff --to`).
fn workspace() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("schemactl.toml"), "revisions = \"generated\"\n").unwrap();
    std::fs::create_dir(dir.path().join("generated")).unwrap();
    std::fs::write(dir.path().join("schema.sql"), "CREATE TABLE t (id int);\n").unwrap();
    dir
}

/// Runs schemactl in `dir` with `PGPASSWORD` set and nothing inherited that names a database.
fn run(dir: &Path, args: &[&str], database_url: Option<&str>) -> Output {
    let mut cmd = Command::new(schemactl_bin());
    cmd.args(args)
        .current_dir(dir)
        .env("PGPASSWORD", ENV_SECRET)
        .env("PGCONNECT_TIMEOUT", "5")
        .env_remove("DATABASE_URL")
        .env_remove("SCHEMACTL_DEV_URL")
        .env_remove("PGHOST")
        .env_remove("PGPORT");
    if let Some(url) = database_url {
        cmd.env("DATABASE_URL", url);
    }
    cmd.output().expect("run schemactl")
}

/// A login role with a known password, so the wrong one is refused by the server itself.
async fn probe_role() -> u16 {
    // The probes log in over TCP with a password: the harness's server for network clients.
    let server = schemactl_testkit::tcp_server().await;
    let client = server.admin.connect().await.expect("connect to the test server");
    let exists = client
        .query_opt("SELECT 1 FROM pg_roles WHERE rolname = $1", &[&PROBE_ROLE])
        .await
        .expect("look up the probe role")
        .is_some();
    if !exists {
        // Two test processes may race here; the loser's error is harmless.
        let _ = client.batch_execute(&format!("CREATE ROLE {PROBE_ROLE} LOGIN PASSWORD 'R1ghtPassw0rd'")).await;
    }
    server.port
}

#[tokio::test]
async fn no_address_shows_its_password() {
    let port = probe_role().await;
    let dir = workspace();
    let cases = cases(port);
    assert!(cases.len() >= 20, "the table needs at least 20 addresses, has {}", cases.len());
    let mut failures = Vec::new();
    for c in &cases {
        let a = c.address.as_str();
        let ways: [(&str, Vec<&str>, Option<&str>); 5] = [
            ("diff --from", vec!["diff", "--from", a, "--to", "schema.sql"], None),
            ("diff --to", vec!["diff", "--from", "schema.sql", "--to", a], None),
            ("status --db", vec!["status", "--no-drift", "--db", a], None),
            ("apply --db", vec!["apply", "--db", a], None),
            ("DATABASE_URL (status)", vec!["status", "--no-drift"], Some(a)),
        ];
        for (way, args, env) in ways {
            let out = run(dir.path(), &args, env);
            let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
            let stderr = String::from_utf8_lossy(&out.stderr);
            let mut problems = Vec::new();
            for s in c.secrets.iter().chain([&ENV_SECRET]) {
                if text.contains(s) {
                    problems.push(format!("shows {s:?}"));
                }
            }
            if out.status.success() {
                problems.push("exit 0".into());
            }
            if out.status.code() == Some(101) || text.contains("panicked") {
                problems.push("panicked".into());
            }
            // A clear message: one `error:` line that names what went wrong.
            let clear = ["invalid database address", "cannot connect", "unreachable", "authentication failed"];
            if !stderr.starts_with("error: ") || !clear.iter().any(|m| stderr.contains(m)) {
                problems.push("no clear error message".into());
            }
            if !problems.is_empty() {
                failures.push(format!(
                    "{} ({}), {way}: {}\n  exit {:?}\n  {}",
                    c.what,
                    a.escape_debug(),
                    problems.join(", "),
                    out.status.code(),
                    text.trim_end().replace('\n', "\n  ")
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{} failure(s):\n{}", failures.len(), failures.join("\n"));
}

/// The server's own refusal of a wrong password is reported (it says what failed) without it.
#[tokio::test]
async fn wrong_password_is_reported_without_it() {
    let port = probe_role().await;
    let dir = workspace();
    let address = format!("postgresql://{PROBE_ROLE}:Wr0ngS3cr3tXp@127.0.0.1:{port}/postgres?sslmode=disable");
    let out = run(dir.path(), &["status", "--no-drift", "--db", &address], None);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("password authentication failed"), "{stderr}");
    assert!(stderr.contains(&format!("postgresql://{PROBE_ROLE}@127.0.0.1:{port}/postgres")), "{stderr}");
    assert!(!stderr.contains("Wr0ngS3cr3tXp") && !stderr.contains(ENV_SECRET), "{stderr}");
    assert_eq!(out.status.code(), Some(3), "unreachable (auth refused) is exit 3: {stderr}");
}
