//! The `schemactl diff` command as a user runs it: exit codes, output formats, error messages.

use crate::common;

use common::{catalog, schemactl_bin};
use schemactl_testkit::TestDb;
use std::path::Path;
use std::process::{Command, Output};

fn schemactl(args: &[&str]) -> Output {
    Command::new(schemactl_bin()).args(args).env_remove("SCHEMACTL_DEV_URL").output().expect("run schemactl")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).to_string()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).to_string()
}

fn write(dir: &Path, name: &str, text: &str) {
    std::fs::write(dir.join(name), text).expect("write schema file");
}

#[tokio::test]
async fn plan_from_files_applies_and_converges() {
    let target = TestDb::new().await;
    let dev = schemactl_testkit::server().await.to_secret_url();
    let dir = tempfile::tempdir().unwrap();
    // Deliberately named against dependency order: the table file sorts before the type file.
    write(dir.path(), "a_tables.sql", "CREATE TABLE app.t (id int PRIMARY KEY, m app.mood NOT NULL DEFAULT 'ok');\n");
    write(dir.path(), "z_types.sql", "CREATE TYPE app.mood AS ENUM ('ok', 'meh');\nCREATE SCHEMA app;\n");
    let to = dir.path().to_str().unwrap();
    let out = schemactl(&["diff", "--from", &target.url.to_secret_url(), "--to", to, "--dev-url", &dev]);
    assert!(out.status.success(), "diff failed: {}", stderr(&out));
    let sql = stdout(&out);
    assert!(sql.contains("CREATE TYPE app.mood AS ENUM ('ok', 'meh')"), "{sql}");
    target.execute_script(&sql).await;
    let tables = catalog(&target.url).await.tables;
    assert!(tables.keys().any(|k| k.to_string() == "app.t"), "table created: {tables:?}");

    let again = schemactl(&["diff", "--from", &target.url.to_secret_url(), "--to", to, "--dev-url", &dev]);
    assert!(again.status.success(), "{}", stderr(&again));
    assert_eq!(stdout(&again), "", "second plan must be empty");
}

#[tokio::test]
async fn embedded_shadow_plans_the_example_schema() {
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("schema");
    let out = schemactl(&["diff", "--to", example.to_str().unwrap(), "--format", "human"]);
    assert!(out.status.success(), "diff failed: {}", stderr(&out));
    let text = stdout(&out);
    assert!(text.starts_with("Plan: "), "{text}");
    assert!(text.contains("CREATE TABLE portal.users"), "{text}");
}

#[tokio::test]
async fn json_format_is_data() {
    let target = TestDb::new().await;
    let source = TestDb::new().await;
    source.execute_script("CREATE TABLE t (id int); DROP TABLE t; CREATE TABLE u (a text);").await;
    let out = schemactl(&[
        "diff",
        "--from",
        &target.url.to_secret_url(),
        "--to",
        &source.url.to_secret_url(),
        "--format",
        "json",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let plan: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("valid JSON");
    let steps = plan["steps"].as_array().expect("steps");
    assert_eq!(steps.len(), 1);
    assert_eq!(steps[0]["action"], "create");
    assert_eq!(steps[0]["object"]["kind"], "table");
    assert_eq!(steps[0]["sql"], "CREATE TABLE public.u (\n    a text\n)");
}

#[test]
fn syntax_error_points_at_file_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "bad.sql", "CREATE TABLE ok (id int);\n\nCREATE TABEL broken (id int);\n");
    let out = schemactl(&["diff", "--to", dir.path().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("bad.sql:3:8: syntax error at or near \"TABEL\""), "{err}");
}

#[test]
fn data_statements_are_refused_by_name_and_position() {
    let dir = tempfile::tempdir().unwrap();
    for (text, name) in [
        ("CREATE TABLE t (id int);\n  INSERT INTO t VALUES (1);\n", "INSERT"),
        ("CREATE TABLE t (id int);\nUPDATE t SET id = 2;\n", "UPDATE"),
        ("CREATE TABLE t (id int);\nDROP TABLE t;\n", "DROP TABLE"),
    ] {
        write(dir.path(), "s.sql", text);
        let out = schemactl(&["diff", "--to", dir.path().to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(1), "{name}");
        let err = stderr(&out);
        let line = if name == "INSERT" { "s.sql:2:3" } else { "s.sql:2:1" };
        assert!(err.contains(line) && err.contains(name), "{name}: {err}");
    }
}

#[tokio::test]
async fn errors_from_the_shadow_name_the_statement_position() {
    let dev = schemactl_testkit::server().await.to_secret_url();
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "t.sql", "CREATE TYPE mood AS ENUM ('a');\nCREATE TABLE t (\n  id int,\n  m moood\n);\n");
    let out = schemactl(&["diff", "--to", dir.path().to_str().unwrap(), "--dev-url", &dev]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("t.sql:4:5") && err.contains("type \"moood\" does not exist"), "{err}");
}

#[test]
fn unreachable_database_fails_without_leaking_the_password() {
    let out = schemactl(&[
        "diff",
        "--from",
        "postgresql+psycopg2://app:s3cret-pw@127.0.0.1:9/portal",
        "--to",
        "postgresql://app:s3cret-pw@127.0.0.1:9/portal",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("cannot connect to postgresql://app@127.0.0.1:9/portal"), "{err}");
    assert!(!err.contains("s3cret-pw"), "password leaked: {err}");
}

#[tokio::test]
async fn wrong_database_name_is_reported_without_the_password() {
    let server = schemactl_testkit::server().await;
    let mut missing = server.with_dbname("schemactl_no_such_db").to_secret_url();
    if !missing.contains('@') || missing.contains("://@") {
        missing = missing.replacen("://", "://nobody@", 1);
    }
    let out = schemactl(&["diff", "--from", &missing, "--to", &missing]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("schemactl_no_such_db"), "{err}");
}

#[test]
fn missing_schema_path_is_a_clear_error() {
    let out = schemactl(&["diff", "--to", "/nonexistent/schema/dir"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("/nonexistent/schema/dir"), "{}", stderr(&out));
}

#[tokio::test]
async fn unmanaged_objects_are_listed_and_strict_refuses_them() {
    let db = TestDb::new().await;
    db.execute_script(
        "CREATE FUNCTION public.same(integer, integer) RETURNS boolean LANGUAGE sql IMMUTABLE AS 'SELECT $1 = $2';
         CREATE OPERATOR public.=== (LEFTARG = integer, RIGHTARG = integer, FUNCTION = public.same);",
    )
    .await;
    let url = db.url.to_secret_url();
    let human = schemactl(&["diff", "--from", &url, "--to", &url, "--format", "human"]);
    assert!(human.status.success(), "{}", stderr(&human));
    let text = stdout(&human);
    assert!(text.contains("No changes"), "{text}");
    assert!(text.contains("desired: operator public.===(integer, integer)"), "{text}");

    let sql = schemactl(&["diff", "--from", &url, "--to", &url]);
    assert!(sql.status.success());
    assert_eq!(stdout(&sql), "", "the script stays empty");
    assert!(stderr(&sql).contains("unmanaged object, not compared: current: operator public.==="), "{}", stderr(&sql));

    let strict = schemactl(&["diff", "--from", &url, "--to", &url, "--strict"]);
    assert_eq!(strict.status.code(), Some(1));
    assert!(stderr(&strict).contains("--strict: 2 object(s) are not managed"), "{}", stderr(&strict));
}

#[test]
fn roles_named_by_schema_files_exist_in_the_embedded_shadow() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "grants.sql",
        "CREATE TABLE t (id int);\nGRANT SELECT ON t TO schemactl_cli_app_reader;\nALTER TABLE t OWNER TO schemactl_cli_app_owner;\n",
    );
    let out = schemactl(&["diff", "--to", dir.path().to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("GRANT SELECT ON TABLE public.t TO schemactl_cli_app_reader"), "{}", stdout(&out));
}

#[tokio::test]
async fn markdown_format_is_a_pull_request_comment() {
    let target = TestDb::new().await;
    target.execute_script("CREATE TABLE public.old_events (id int);").await;
    let dev = schemactl_testkit::server().await.to_secret_url();
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "schema.sql", "CREATE TABLE widgets (id bigint PRIMARY KEY, kind text NOT NULL);\n");
    let to = dir.path().join("schema.sql");
    let from = target.url.to_secret_url();
    let args = ["diff", "--from", &from, "--to", to.to_str().unwrap(), "--dev-url", &dev, "--format", "markdown"];
    let out = schemactl(&args);
    assert!(out.status.success(), "{}", stderr(&out));
    let md = stdout(&out);
    assert!(md.starts_with("## schemactl plan\n\n**2 steps**: 1 create, 0 alter, 1 drop; **1 hazard**.\n"), "{md}");
    assert!(md.contains("| 1 | **data-loss** | `table public.old_events` |"), "{md}");
    assert!(md.contains("<details>\n<summary>Full SQL script (2 steps)</summary>\n\n```sql\n"), "{md}");
    let script = md.split("```sql\n").nth(1).and_then(|rest| rest.split("\n```\n").next()).expect("a sql block");
    assert!(
        script.contains("DROP TABLE public.old_events;") && script.contains("CREATE TABLE public.widgets ("),
        "{md}"
    );
    assert_eq!(schemactl(&args).stdout, out.stdout, "same plan, same bytes");
}

/// What `pg_dump --clean --if-exists` and role bootstraps put in files: the drops of what does
/// not exist yet are nothing on an empty database, and the DO block runs where it stands, so
/// the grant to the role it creates loads. Through the embedded shadow, as a user runs it.
#[tokio::test]
async fn drops_if_exists_and_do_blocks_load_as_they_would_on_an_empty_database() {
    let target = TestDb::new().await;
    let role = format!("reader_{}", std::process::id());
    // On the real server the role is the platform's business; in the shadow the file makes it.
    target
        .execute_script(&format!("DO $$ BEGIN CREATE ROLE {role}; EXCEPTION WHEN duplicate_object THEN NULL; END $$;"))
        .await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("schema.sql");
    let text = format!(
        "DROP TABLE IF EXISTS app.t;\nDROP SCHEMA IF EXISTS app CASCADE;\n\
         DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{role}') THEN CREATE ROLE {role}; END IF; END $$;\n\
         CREATE SCHEMA app;\nCREATE TABLE app.t (id int PRIMARY KEY);\nGRANT SELECT ON app.t TO {role};\n"
    );
    std::fs::write(&file, text).unwrap();
    let to = file.to_str().unwrap();
    let out = schemactl(&["diff", "--from", &target.url.to_secret_url(), "--to", to]);
    assert!(out.status.success(), "diff failed: {}", stderr(&out));
    let sql = stdout(&out);
    assert!(sql.contains("CREATE TABLE app.t"), "{sql}");
    assert!(sql.contains(&format!("GRANT SELECT ON TABLE app.t TO {role}")), "{sql}");
    assert!(!sql.contains("DROP") && !sql.contains("DO $$"), "{sql}");
    target.execute_script(&sql).await;
    let again = schemactl(&["diff", "--from", &target.url.to_secret_url(), "--to", to]);
    assert!(again.status.success(), "{}", stderr(&again));
    assert_eq!(stdout(&again), "", "second plan must be empty");

    // Dropping what the file itself created is not a declaration: refused where it stands.
    std::fs::write(&file, "CREATE SCHEMA app;\nCREATE TABLE app.t (id int);\nDROP TABLE IF EXISTS app.t;\n").unwrap();
    let refused = schemactl(&["diff", "--to", to]);
    assert_eq!(refused.status.code(), Some(1));
    assert!(stderr(&refused).contains(&format!("{to}:3:1: DROP TABLE IF EXISTS")), "{}", stderr(&refused));
}
