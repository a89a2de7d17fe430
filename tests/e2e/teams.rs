//! Working in a team: two branches each plan a revision from the same parent, git merges
//! generated/ without conflicts, `plan --check` names the fork (exit 9), and `rebase` keeps
//! the branch merged into and re-plans the other after it. Each scenario ends with `verify`
//! green and a database at head, with no SQL written by hand but a data migration's.

use crate::common;

use common::output_text as text;
use schemactl_testkit::TestDb;
use std::path::Path;
use std::process::{Command, Output};

const CONFIG: &str = "allow_hazards = [\"validation-scan\", \"access-exclusive-lock\", \"authorization-change\"]\n";

fn schemactl(dir: &Path, args: &[&str]) -> Output {
    Command::new(common::schemactl_bin())
        .args(args)
        .current_dir(dir)
        .env("SCHEMACTL_DEV_URL", dev())
        .env_remove("DATABASE_URL")
        .output()
        .expect("run schemactl")
}

fn dev() -> String {
    std::env::var("SCHEMACTL_TEST_DEV_URL").expect("set by the test")
}

fn ok(o: Output) -> String {
    assert!(o.status.success(), "failed:\n{}", text(&o));
    String::from_utf8_lossy(&o.stdout).to_string()
}

fn git(dir: &Path, args: &[&str]) -> Output {
    Command::new("git")
        .args(["-c", "user.name=Dev", "-c", "user.email=dev@example.com", "-c", "init.defaultBranch=main"])
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run git")
}

fn commit(dir: &Path, message: &str) {
    ok(git(dir, &["add", "-A"]));
    ok(git(dir, &["commit", "-q", "-m", message]));
}

fn write(dir: &Path, file: &str, text: &str) {
    std::fs::write(dir.join(file), text).expect("write");
}

/// Revision ids are UTC seconds: two branches planning in the same second would share one.
fn next_second() {
    std::thread::sleep(std::time::Duration::from_millis(1100));
}

const BASE: &str = "CREATE SCHEMA app;\nCREATE TABLE app.users (id int PRIMARY KEY, email text NOT NULL);\n";

/// A project with one planned revision, committed on `main`.
async fn project() -> tempfile::TempDir {
    let dev = schemactl_testkit::server().await.to_secret_url();
    std::env::set_var("SCHEMACTL_TEST_DEV_URL", dev);
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, "schemactl.toml", CONFIG);
    std::fs::create_dir(root.join("schema")).unwrap();
    write(root, "schema/app.sql", BASE);
    ok(git(root, &["init", "-q"]));
    ok(schemactl(root, &["plan", "-m", "base"]));
    assert!(root.join("generated/.gitattributes").exists(), "the seal brings the merge attributes");
    commit(root, "base");
    dir
}

fn revision_files(root: &Path) -> Vec<String> {
    common::revision_files(root).iter().map(|p| p.file_name().unwrap().to_string_lossy().into_owned()).collect()
}

/// `plan --check` after the merge: exit 9 naming the fork and the command.
fn fork_is_refused(root: &Path) {
    let check = schemactl(root, &["plan", "--check"]);
    assert_eq!(check.status.code(), Some(9), "{}", text(&check));
    let message = text(&check);
    assert!(message.contains("the revision chain forks") && message.contains("schemactl rebase"), "{message}");
}

/// `verify` green, and a fresh database brought to head.
async fn ends_at_head(root: &Path) {
    ok(schemactl(root, &["plan", "--check"]));
    ok(schemactl(root, &["verify"]));
    let db = TestDb::new().await;
    let url = db.url.to_secret_url();
    ok(schemactl(root, &["apply", "--db", &url]));
    let status = schemactl(root, &["status", "--db", &url]);
    assert!(status.status.success(), "{}", text(&status));
}

#[tokio::test]
async fn a_table_on_main_and_a_column_on_a_branch_merge_and_rebase() {
    let dir = project().await;
    let root = dir.path();
    ok(git(root, &["checkout", "-q", "-b", "locale"]));
    next_second();
    write(root, "schema/app.sql", &BASE.replace("email text NOT NULL", "email text NOT NULL, locale text"));
    ok(schemactl(root, &["plan", "-m", "users locale"]));
    commit(root, "locale");
    ok(git(root, &["checkout", "-q", "main"]));
    next_second();
    write(root, "schema/teams.sql", "CREATE TABLE app.teams (id int PRIMARY KEY, name text NOT NULL);\n");
    ok(schemactl(root, &["plan", "-m", "teams"]));
    commit(root, "teams");
    let merge = git(root, &["merge", "-q", "--no-edit", "locale"]);
    assert!(merge.status.success(), "generated/ must merge without conflicts:\n{}", text(&merge));

    fork_is_refused(root);
    let history = ok(schemactl(root, &["history", "--offline"]));
    assert_eq!(history.matches("[branch: follows").count(), 2, "both branches are marked:\n{history}");
    let before = revision_files(root);
    let rebased = ok(schemactl(root, &["rebase"]));
    assert!(rebased.contains("the branch merged into"), "{rebased}");
    let after = revision_files(root);
    let teams = before.iter().find(|f| f.contains("teams")).unwrap();
    assert!(after.contains(teams), "main's revision is kept as it is: {after:?}");
    let locale = after.last().unwrap();
    assert!(locale.contains("users_locale") && !before.contains(locale), "the branch's is re-planned last: {after:?}");
    let text = std::fs::read_to_string(root.join("generated").join(locale)).unwrap();
    let teams_id = teams.split('_').next().unwrap();
    assert!(text.contains(&format!("-- parent: {teams_id}\n")), "{text}");
    assert!(text.contains("ADD COLUMN locale text"), "{text}");
    ends_at_head(root).await;
}

#[tokio::test]
async fn the_same_column_added_differently_is_reported_then_settled_by_schema() {
    let dir = project().await;
    let root = dir.path();
    ok(git(root, &["checkout", "-q", "-b", "short-locale"]));
    next_second();
    write(root, "schema/app.sql", &BASE.replace("email text NOT NULL", "email text NOT NULL, locale varchar(5)"));
    ok(schemactl(root, &["plan", "-m", "users locale short"]));
    commit(root, "short locale");
    ok(git(root, &["checkout", "-q", "main"]));
    next_second();
    let settled = BASE.replace("email text NOT NULL", "email text NOT NULL, locale text");
    write(root, "schema/app.sql", &settled);
    ok(schemactl(root, &["plan", "-m", "users locale"]));
    commit(root, "locale");
    // schema/app.sql conflicts in git, as it should: the user settles it (main's text).
    let merge = git(root, &["merge", "-q", "--no-edit", "short-locale"]);
    assert!(!merge.status.success());
    let conflicted =
        String::from_utf8_lossy(&git(root, &["diff", "--name-only", "--diff-filter=U"]).stdout).to_string();
    assert_eq!(conflicted.trim(), "schema/app.sql", "only the schema file conflicts");
    write(root, "schema/app.sql", &settled);
    commit(root, "merge short-locale");

    fork_is_refused(root);
    let refused = schemactl(root, &["rebase"]);
    assert_eq!(refused.status.code(), Some(9), "{}", text(&refused));
    let message = text(&refused);
    for expected in ["column app.users.locale", "added it, text", "added it, character varying(5)", "--take-schema"] {
        assert!(message.contains(expected), "no `{expected}` in:\n{message}");
    }
    let taken = schemactl(root, &["rebase", "--take-schema"]);
    let out = ok(taken.clone());
    assert!(out.contains("left out, the kept branch already makes its change"), "{out}");
    assert!(text(&taken).contains("planned as schema/ declares it"), "{}", text(&taken));
    ends_at_head(root).await;
}

#[tokio::test]
async fn a_hand_written_revision_on_a_branch_is_replayed_after_main() {
    let dir = project().await;
    let root = dir.path();
    ok(git(root, &["checkout", "-q", "-b", "names"]));
    next_second();
    write(root, "schema/app.sql", &BASE.replace("email text NOT NULL", "email text NOT NULL, display_name text"));
    ok(schemactl(root, &["plan", "-m", "display name"]));
    next_second();
    let made = ok(schemactl(root, &["revision", "-m", "backfill display names"]));
    let file = made.split_whitespace().find(|w| w.ends_with(".sql")).expect("the new file").to_string();
    let path = root.join(&file);
    let body = std::fs::read_to_string(&path).unwrap().replacen(
        "-- schemactl:up\n",
        "-- schemactl:up\nUPDATE app.users SET display_name = split_part(email, '@', 1) WHERE display_name IS NULL;\n",
        1,
    );
    std::fs::write(&path, body).unwrap();
    ok(schemactl(root, &["reseal"]));
    next_second();
    write(
        root,
        "schema/app.sql",
        &BASE.replace("email text NOT NULL", "email text NOT NULL, display_name text NOT NULL"),
    );
    ok(schemactl(root, &["plan", "-m", "display name required"]));
    commit(root, "names");
    ok(git(root, &["checkout", "-q", "main"]));
    next_second();
    write(root, "schema/teams.sql", "CREATE TABLE app.teams (id int PRIMARY KEY, name text NOT NULL);\n");
    ok(schemactl(root, &["plan", "-m", "teams"]));
    commit(root, "teams");
    ok(git(root, &["merge", "-q", "--no-edit", "names"]));

    fork_is_refused(root);
    let rebased = ok(schemactl(root, &["rebase"]));
    assert_eq!(rebased.matches(" -> ").count(), 3, "the branch's three revisions move: {rebased}");
    let files = revision_files(root);
    assert!(files[1].contains("teams") && files[3].contains("backfill"), "{files:?}");
    let backfill = std::fs::read_to_string(root.join("generated").join(&files[3])).unwrap();
    assert!(backfill.contains("-- kind: manual") && backfill.contains("split_part(email, '@', 1)"), "{backfill}");

    // A database with rows at the base: the backfill runs on them before NOT NULL.
    let db = TestDb::new().await;
    let url = db.url.to_secret_url();
    let base_id = files[0].split('_').next().unwrap().to_string();
    ok(schemactl(root, &["apply", "--db", &url, "--to", &base_id]));
    db.execute_script("INSERT INTO app.users VALUES (1, 'ada@example.com'), (2, 'alan@example.com')").await;
    ok(schemactl(root, &["apply", "--db", &url]));
    let names: Vec<String> = db
        .client()
        .await
        .query("SELECT display_name FROM app.users ORDER BY id", &[])
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(names, ["ada", "alan"]);
    ends_at_head(root).await;
}

#[tokio::test]
async fn a_database_that_applied_the_branch_before_the_rebase_is_brought_to_head() {
    let dir = project().await;
    let root = dir.path();
    ok(git(root, &["checkout", "-q", "-b", "locale"]));
    next_second();
    write(root, "schema/app.sql", &BASE.replace("email text NOT NULL", "email text NOT NULL, locale text"));
    ok(schemactl(root, &["plan", "-m", "users locale"]));
    commit(root, "locale");
    // `uat` runs the branch before it is merged.
    let uat = TestDb::new().await;
    let url = uat.url.to_secret_url();
    ok(schemactl(root, &["apply", "--db", &url]));
    uat.execute_script("INSERT INTO app.users VALUES (1, 'ada@example.com', 'en')").await;
    ok(git(root, &["checkout", "-q", "main"]));
    next_second();
    write(root, "schema/teams.sql", "CREATE TABLE app.teams (id int PRIMARY KEY, name text NOT NULL);\n");
    ok(schemactl(root, &["plan", "-m", "teams"]));
    commit(root, "teams");
    ok(git(root, &["merge", "-q", "--no-edit", "locale"]));
    ok(schemactl(root, &["rebase"]));
    commit(root, "rebase locale after teams");

    // The re-planned revision has a new id: uat's is unknown to the tree, and its schema is
    // not one the tree's revisions produce (teams is missing), so apply refuses and says how.
    let status = schemactl(root, &["status", "--db", &url]);
    let said = text(&status);
    assert!(said.contains("users locale") && said.contains("down --unknown"), "{said}");
    let refused = schemactl(root, &["apply", "--db", &url]);
    assert_eq!(refused.status.code(), Some(5), "{}", text(&refused));
    assert!(text(&refused).contains("schemactl down --unknown"), "{}", text(&refused));
    // Undone from the SQL the database kept (the locale column goes: a data-loss hazard),
    // then the tree's revisions run: teams, then locale re-planned after it.
    ok(schemactl(root, &["down", "--unknown", "--db", &url, "--allow-hazard", "data-loss"]));
    ok(schemactl(root, &["apply", "--db", &url]));
    let status = schemactl(root, &["status", "--db", &url]);
    assert!(status.status.success(), "{}", text(&status));
    let rows: i64 = uat.client().await.query_one("SELECT count(*) FROM app.users", &[]).await.unwrap().get(0);
    assert_eq!(rows, 1, "the users' rows stay");
    ok(schemactl(root, &["verify"]));
}
