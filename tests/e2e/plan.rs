//! The revision workflow as a user drives it: init, plan -m, plan --check, revision, reseal,
//! verify, the state cache, and the example project in this repository.

use crate::common;

use common::{output_text as text, revision_files, run_in_project as run, schemactl_bin};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn code(o: &Output) -> i32 {
    o.status.code().unwrap_or(-1)
}

async fn dev() -> String {
    schemactl_testkit::server().await.to_secret_url()
}

const USERS_V1: &str = "CREATE SCHEMA portal;\n\
CREATE TABLE portal.users (\n  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,\n  email text NOT NULL UNIQUE\n);\n";

const USERS_V2: &str = "CREATE SCHEMA portal;\n\
CREATE TABLE portal.users (\n  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,\n  email text NOT NULL UNIQUE,\n  \
display_name text\n);\nCREATE INDEX users_display_name_idx ON portal.users (display_name);\n";

fn project(dev_schema: &str) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    let out = Command::new(schemactl_bin()).args(["init", tmp.path().to_str().unwrap()]).output().unwrap();
    assert!(out.status.success(), "{}", text(&out));
    std::fs::remove_file(tmp.path().join("schema/example.sql")).unwrap();
    std::fs::write(tmp.path().join("schema/users.sql"), dev_schema).unwrap();
    tmp
}

#[tokio::test]
async fn init_scaffolds_a_project_that_plans() {
    let dev = dev().await;
    let tmp = tempfile::tempdir().unwrap();
    let out = run(tmp.path(), &dev, &["init"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(tmp.path().join("schemactl.toml").is_file());
    assert!(tmp.path().join("schema/example.sql").is_file());
    let again = run(tmp.path(), &dev, &["init"]);
    assert_eq!(code(&again), 1, "init refuses to overwrite: {}", text(&again));
    let planned = run(tmp.path(), &dev, &["plan", "-m", "first"]);
    assert!(planned.status.success(), "{}", text(&planned));
    assert!(text(&planned).contains("CREATE TABLE public.example"), "{}", text(&planned));
}

#[tokio::test]
async fn plan_writes_sealed_revisions_and_check_gates_ci() {
    let dev = dev().await;
    let tmp = project(USERS_V1);
    let dir = tmp.path();

    let check = run(dir, &dev, &["plan", "--check"]);
    assert_eq!(code(&check), 2, "unplanned schema: {}", text(&check));
    let out = run(dir, &dev, &["plan", "--dry-run", "--format", "sql"]);
    assert!(out.status.success(), "{}", text(&out));
    // A planned script runs under the project's timeouts (defaults: 5s to get a lock, 1min a statement).
    let script = "SET lock_timeout = '5s';\nSET statement_timeout = '1min';\n\nCREATE SCHEMA portal;";
    assert!(String::from_utf8_lossy(&out.stdout).starts_with(script), "{}", text(&out));
    assert!(revision_files(dir).is_empty(), "--dry-run writes nothing");
    let missing_message = run(dir, &dev, &["plan"]);
    assert_eq!(code(&missing_message), 1);
    assert!(text(&missing_message).contains("-m"), "{}", text(&missing_message));

    let first = run(dir, &dev, &["plan", "-m", "Create users"]);
    assert!(first.status.success(), "{}", text(&first));
    let files = revision_files(dir);
    assert_eq!(files.len(), 1);
    let name = files[0].file_name().unwrap().to_string_lossy().to_string();
    assert!(name.ends_with("_create_users.sql"), "{name}");
    let body = std::fs::read_to_string(&files[0]).unwrap();
    assert!(body.contains("-- parent: none\n") && body.contains("-- message: Create users\n"), "{body}");
    assert!(body.contains(&format!("-- schemactl:up\n{script}")), "{body}");
    assert!(body.contains("-- schemactl:down\n") && body.contains("DROP SCHEMA portal;"), "{body}");
    assert!(dir.join("generated/schemactl.sum").is_file() && dir.join("generated/state.sql").is_file());
    assert_eq!(code(&run(dir, &dev, &["plan", "--check"])), 0);

    std::fs::write(dir.join("schema/users.sql"), USERS_V2).unwrap();
    let check = run(dir, &dev, &["plan", "--check"]);
    assert_eq!(code(&check), 2, "{}", text(&check));
    assert!(text(&check).contains("ADD COLUMN display_name text"), "the gate shows what is missing: {}", text(&check));
    // An index on an existing table: not written until its hazards are allowed.
    let refused = run(dir, &dev, &["plan", "-m", "display names", "--format", "sql"]);
    assert_eq!(code(&refused), 6, "{}", text(&refused));
    assert!(text(&refused).contains("index-build: "), "{}", text(&refused));
    assert_eq!(revision_files(dir).len(), 1, "nothing written");
    let second = run(
        dir,
        &dev,
        &[
            "plan",
            "-m",
            "display names",
            "--format",
            "sql",
            "--allow-hazard",
            "index-build",
            "--allow-hazard",
            "non-transactional",
        ],
    );
    assert!(second.status.success(), "{}", text(&second));
    let files = revision_files(dir);
    assert_eq!(files.len(), 2);
    let body = std::fs::read_to_string(&files[1]).unwrap();
    let first_id = name.split('_').next().unwrap();
    assert!(body.contains(&format!("-- parent: {first_id}\n")), "chained to the first: {body}");
    assert!(body.contains("-- hazards: index-build, non-transactional\n"), "{body}");
    assert!(body.contains("DROP COLUMN display_name"), "down section: {body}");
    assert_eq!(code(&run(dir, &dev, &["plan", "--check"])), 0);
    let verify = run(dir, &dev, &["verify"]);
    assert!(verify.status.success(), "{}", text(&verify));
    assert!(text(&verify).contains("verified 2 revision(s)"), "{}", text(&verify));
}

#[tokio::test]
async fn hand_written_revisions_are_sealed_and_tampering_is_refused() {
    let dev = dev().await;
    let tmp = project(USERS_V1);
    let dir = tmp.path();
    assert!(run(dir, &dev, &["plan", "-m", "users"]).status.success());
    let out = run(dir, &dev, &["revision", "-m", "seed admin"]);
    assert!(out.status.success(), "{}", text(&out));
    let manual = revision_files(dir).pop().unwrap();
    let body = std::fs::read_to_string(&manual).unwrap();
    assert!(body.contains("-- kind: manual\n"), "{body}");
    let edited = body.replace(
        "-- schemactl:down",
        "INSERT INTO portal.users (email) VALUES ('admin@example.com');\n\n-- schemactl:down\nDELETE FROM portal.users WHERE email = 'admin@example.com';",
    );
    std::fs::write(&manual, edited).unwrap();

    // Edited after sealing: every command that reads revisions refuses, naming the file.
    let refused = run(dir, &dev, &["plan", "--check"]);
    assert_eq!(code(&refused), 5, "{}", text(&refused));
    let file_name = manual.file_name().unwrap().to_string_lossy().to_string();
    assert!(text(&refused).contains(&format!("{file_name}: edited after it was sealed")), "{}", text(&refused));

    let resealed = run(dir, &dev, &["reseal"]);
    assert!(resealed.status.success(), "{}", text(&resealed));
    assert_eq!(code(&run(dir, &dev, &["plan", "--check"])), 0, "data-only revision: schema unchanged");
    let verify = run(dir, &dev, &["verify"]);
    assert!(verify.status.success(), "{}", text(&verify));

    // A statement that cannot parse is refused by reseal with its position in the file.
    let broken = std::fs::read_to_string(&manual).unwrap().replace("INSERT INTO", "INSERTT INTO");
    std::fs::write(&manual, broken).unwrap();
    let out = run(dir, &dev, &["reseal"]);
    assert_eq!(code(&out), 1);
    assert!(text(&out).contains(&format!("{file_name}:1")), "file:line:col: {}", text(&out));
}

#[tokio::test]
async fn verify_names_a_down_section_that_does_not_undo_its_revision() {
    let dev = dev().await;
    let tmp = project(USERS_V1);
    let dir = tmp.path();
    assert!(run(dir, &dev, &["plan", "-m", "users"]).status.success());
    std::fs::write(dir.join("schema/users.sql"), USERS_V2).unwrap();
    assert!(run(dir, &dev, &["plan", "-m", "names", "--allow-hazard", "all"]).status.success());
    let second = revision_files(dir).pop().unwrap();
    let body = std::fs::read_to_string(&second).unwrap();
    let (up, _) = body.split_once("-- schemactl:down\n").unwrap();
    std::fs::write(&second, format!("{up}-- schemactl:down\nDROP INDEX portal.users_display_name_idx;\n")).unwrap();
    assert!(run(dir, &dev, &["reseal"]).status.success());
    let out = run(dir, &dev, &["verify"]);
    assert_eq!(code(&out), 1, "{}", text(&out));
    let name = second.file_name().unwrap().to_string_lossy().to_string();
    assert!(text(&out).contains(&format!("the down section of {name} does not restore")), "{}", text(&out));
    assert!(text(&out).contains("display_name"), "shows what is left: {}", text(&out));
}

#[tokio::test]
async fn a_tampered_state_cache_is_not_trusted() {
    let dev = dev().await;
    let tmp = project(USERS_V1);
    let dir = tmp.path();
    assert!(run(dir, &dev, &["plan", "-m", "users"]).status.success());
    // Edited cache: its checksum no longer matches the seal, so plan replays the revisions.
    let state = dir.join("generated/state.sql");
    let cached = std::fs::read_to_string(&state).unwrap();
    std::fs::write(&state, cached.replace("email text NOT NULL", "email text")).unwrap();
    let check = run(dir, &dev, &["plan", "--check"]);
    assert_eq!(code(&check), 0, "planned from a replay, not the edited cache: {}", text(&check));
    // Without a cache at all, plan replays and writes a fresh one.
    std::fs::remove_file(&state).unwrap();
    assert_eq!(code(&run(dir, &dev, &["plan", "--check"])), 0);
    let out = run(dir, &dev, &["plan", "-m", "nothing"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("nothing to plan"), "{}", text(&out));
    assert_eq!(std::fs::read_to_string(&state).unwrap(), cached, "the rebuilt cache is byte for byte the same");
    assert_eq!(revision_files(dir).len(), 1, "no empty revision written");
}

/// The example project in this repository: its revisions produce schema/, and replay cleanly.
#[tokio::test]
async fn the_example_project_is_planned_and_verifies() {
    let dev = dev().await;
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let check = run(root, &dev, &["plan", "--check"]);
    assert_eq!(code(&check), 0, "schema/ has changes without a revision: {}", text(&check));
    let verify = run(root, &dev, &["verify"]);
    assert!(verify.status.success(), "{}", text(&verify));
}

#[tokio::test]
async fn status_shows_current_pending_and_drift() {
    let dev = dev().await;
    let target = schemactl_testkit::TestDb::new().await;
    let db = target.url.to_secret_url();
    let tmp = project(USERS_V1);
    let dir = tmp.path();
    assert!(run(dir, &dev, &["plan", "-m", "users"]).status.success());
    std::fs::write(dir.join("schema/users.sql"), USERS_V2).unwrap();
    assert!(run(dir, &dev, &["plan", "-m", "names", "--allow-hazard", "all"]).status.success());
    let files = revision_files(dir);
    let stem = |p: &PathBuf| p.file_stem().unwrap().to_string_lossy().to_string();

    let out = run(dir, &dev, &["status", "--db", &db]);
    assert_eq!(out.status.code(), Some(8), "pending revisions: {}", text(&out));
    assert!(text(&out).contains("current:  base") && text(&out).contains("pending:  2 revision(s)"), "{}", text(&out));
    let out = run(dir, &dev, &["apply", "--db", &db, "--to", "+1"]);
    assert!(out.status.success(), "{}", text(&out));
    let out = run(dir, &dev, &["status", "--db", &db]);
    assert!(text(&out).contains(&format!("current:  {}", stem(&files[0]))), "{}", text(&out));
    assert!(text(&out).contains(&format!("  {}  names", stem(&files[1]))), "{}", text(&out));
    assert!(text(&out).contains("drift:    none"), "{}", text(&out));

    // A change made by hand, outside the revisions, is reported with what would undo it.
    target.execute_script("ALTER TABLE portal.users ADD COLUMN nickname text;").await;
    let out = run(dir, &dev, &["status", "--db", &db]);
    assert_eq!(out.status.code(), Some(7), "drift: {}", text(&out));
    assert!(text(&out).contains("drift:    the schema differs"), "{}", text(&out));
    assert!(text(&out).contains("DROP COLUMN nickname"), "{}", text(&out));
    assert!(password_free(&text(&out), &db));
}

/// No output may carry the password of an address that has one.
fn password_free(output: &str, url: &str) -> bool {
    match url.split_once("://").and_then(|(_, rest)| rest.split_once('@')).and_then(|(cred, _)| cred.split_once(':')) {
        Some((_, password)) if !password.is_empty() => !output.contains(password),
        _ => true,
    }
}
