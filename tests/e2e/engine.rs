//! The workflow as a library (`schemactl-engine`), called the way the binary calls it: values
//! and notes come back, nothing is printed, and the plan is the one the binary prints.

use schemactl_engine::{DiffRequest, Engine, Level};
use schemactl_model::Scope;
use schemactl_testkit::TestDb;
use std::sync::{Arc, Mutex};

const CURRENT: &str = "CREATE TABLE public.accounts (id int PRIMARY KEY, name text);";
const DESIRED: &str = "CREATE TABLE public.accounts (\n  id int PRIMARY KEY,\n  name text,\n  -- schemactl:renamed-from nowhere\n  email text\n);\n";

#[tokio::test]
async fn diff_returns_the_plan_and_its_notes_and_prints_nothing() {
    let db = TestDb::new().await;
    db.execute_script(CURRENT).await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("schema.sql");
    std::fs::write(&file, DESIRED).unwrap();
    let dev = schemactl_testkit::server().await.to_secret_url();
    let from = db.url.to_secret_url();
    let to = file.to_str().unwrap();

    let engine = Engine::new(Scope::default());
    let request = DiffRequest { from: Some(&from), to, dev_url: Some(&dev), offline: false };
    let plan = engine.diff(&request).await.expect("diff");
    let sql = schemactl_plan::render_sql(&plan);
    assert!(sql.contains("ALTER TABLE public.accounts ADD COLUMN email text"), "{sql}");
    let notes = engine.take_notes();
    assert_eq!(notes.len(), 1, "{notes:?}");
    assert_eq!(notes[0].level, Level::Warning);
    assert_eq!(notes[0].at.as_deref(), Some(format!("{}:4:3", file.display()).as_str()));
    assert!(notes[0].message.contains("matches nothing"), "{}", notes[0]);
    assert!(engine.take_notes().is_empty(), "notes are handed out once");

    // A sink gets the same notes as they happen, and the binary prints this very plan.
    let seen = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&seen);
    let engine = Engine::new(Scope::default()).with_notes(move |n| sink.lock().unwrap().push(n.to_string()));
    let again = schemactl_plan::render_sql(&engine.diff(&request).await.expect("diff"));
    assert_eq!(again, sql);
    assert!(engine.take_notes().is_empty());
    let seen = seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 1);
    assert!(seen[0].starts_with(&format!("{}:4:3: warning: ", file.display())), "{seen:?}");
    let printed = std::process::Command::new(crate::common::schemactl_bin())
        .args(["diff", "--from", &from, "--to", to, "--dev-url", &dev])
        .env_remove("DATABASE_URL")
        .output()
        .unwrap();
    assert!(printed.status.success(), "{}", crate::common::output_text(&printed));
    assert_eq!(String::from_utf8_lossy(&printed.stdout), sql);
    assert!(String::from_utf8_lossy(&printed.stderr).contains(&seen[0]));
}

#[tokio::test]
async fn a_file_that_does_not_load_is_an_error_value_with_its_position() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("broken.sql");
    std::fs::write(&file, "CREATE TABLE t (id int);\nCREATE TABLE u (id int REFERENCES;\n").unwrap();
    let dev = schemactl_testkit::server().await.to_secret_url();
    let engine = Engine::new(Scope::default());
    let request = DiffRequest { from: None, to: file.to_str().unwrap(), dev_url: Some(&dev), offline: false };
    let e = engine.diff(&request).await.expect_err("a syntax error");
    assert!(matches!(e, schemactl_engine::Error::Source(_)), "{e:?}");
    assert!(e.to_string().contains(&format!("{}:2:", file.display())), "{e}");
}

#[tokio::test]
async fn a_do_block_in_schema_files_is_a_warning_at_its_position() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("schema.sql");
    std::fs::write(&file, "CREATE SCHEMA app;\n\nDO $$ BEGIN EXECUTE 'CREATE TABLE app.t (id int)'; END $$;\n")
        .unwrap();
    let dev = schemactl_testkit::server().await.to_secret_url();
    let engine = Engine::new(Scope::default());
    let request = DiffRequest { from: None, to: file.to_str().unwrap(), dev_url: Some(&dev), offline: false };
    let sql = schemactl_plan::render_sql(&engine.diff(&request).await.expect("diff"));
    // The shadow ran it: the plan holds what it created.
    assert!(sql.contains("CREATE TABLE app.t"), "{sql}");
    let notes = engine.take_notes();
    assert_eq!(notes.len(), 1, "{notes:?}");
    assert_eq!(notes[0].level, Level::Warning);
    assert_eq!(notes[0].at.as_deref(), Some(format!("{}:3:1", file.display()).as_str()));
    assert!(notes[0].message.ends_with("[do-block]"), "{}", notes[0]);
}
