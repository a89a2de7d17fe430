//! Adopting a database schemactl did not create, end to end with the real binary, in both
//! dump formats: a database with tables and rows -> `dump --out schema` into a new project ->
//! `plan -m baseline` -> `stamp head` -> `status` (at head, no drift) -> a column added in
//! schema/ -> `plan -m` -> `apply` -> the rows are still there and the column exists.

use crate::common;

use common::schemactl_bin;
use schemactl_testkit::TestDb;
use std::path::Path;
use std::process::{Command, Output};

fn run(dir: &Path, dev: &str, args: &[&str]) -> Output {
    Command::new(schemactl_bin())
        .args(args)
        .current_dir(dir)
        .env("SCHEMACTL_DEV_URL", dev)
        .env_remove("DATABASE_URL")
        .output()
        .expect("run schemactl")
}

fn ok(o: &Output) -> String {
    assert!(
        o.status.success(),
        "exit {:?}\n--- stdout\n{}--- stderr\n{}",
        o.status.code(),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// The example dashboard with a few users and dashboards, as a database schemactl never saw.
async fn existing_database() -> TestDb {
    let db = TestDb::new().await;
    let schema = Path::new(env!("CARGO_MANIFEST_DIR")).join("schema");
    common::load_files(&db.url, &schema).await.unwrap();
    let client = db.client().await;
    client
        .batch_execute(
            "INSERT INTO portal.users (email, display_name) VALUES ('ada@example.com', 'Ada'), ('bob@example.com', 'Bob');\n\
             INSERT INTO portal.dashboards (owner_id, title, slug) SELECT id, 'Home', 'home' FROM portal.users;",
        )
        .await
        .unwrap();
    db
}

async fn count(db: &TestDb, sql: &str) -> i64 {
    db.client().await.query_one(sql, &[]).await.unwrap().get(0)
}

/// Adds `nickname text` to portal.users in the dumped files, as a person would edit them.
fn add_nickname(schema: &Path, format: &str) {
    let (file, anchor, line) = match format {
        "sql" => ("portal.sql", "CREATE TABLE portal.users (\n", "    nickname text,\n"),
        _ => ("portal.yaml", "  users:\n    columns:\n", "      nickname: text\n"),
    };
    let path = schema.join(file);
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains(anchor), "{text}");
    std::fs::write(&path, text.replacen(anchor, &format!("{anchor}{line}"), 1)).unwrap();
}

async fn adopt(format: &str) {
    let db = existing_database().await;
    let dev = schemactl_testkit::server().await.to_secret_url();
    let url = db.url.to_secret_url();
    let tmp = tempfile::tempdir().unwrap();
    let project = tmp.path();
    ok(&run(project, &dev, &["init", "."]));
    std::fs::remove_file(project.join("schema/example.sql")).unwrap();

    // 1. The existing schema, as desired-state files.
    ok(&run(project, &dev, &["dump", "--db", &url, "--format", format, "--out", "schema"]));
    // 2. The baseline revision: what creates that schema from nothing.
    let baseline = ok(&run(project, &dev, &["plan", "-m", "baseline"]));
    assert!(baseline.contains("CREATE TABLE portal.users"), "{baseline}");
    // 3. The database has it already: record the baseline as applied, run nothing.
    ok(&run(project, &dev, &["stamp", "head", "--db", &url]));
    let status = ok(&run(project, &dev, &["status", "--db", &url]));
    assert!(status.contains("_baseline"), "{status}");
    assert!(status.contains("pending:  none, the database is at head"), "{status}");
    assert!(status.contains("drift:    none"), "{status}");
    let check = ok(&run(project, &dev, &["plan", "--check"]));
    assert!(check.contains("No changes"), "schema/ and the baseline agree: {check}");

    // 4. From now on, the usual day-to-day: change schema/, plan, apply.
    add_nickname(&project.join("schema"), format);
    let plan = ok(&run(project, &dev, &["plan", "-m", "users get a nickname"]));
    assert!(plan.contains("ALTER TABLE portal.users ADD COLUMN nickname text"), "{plan}");
    ok(&run(project, &dev, &["apply", "--db", &url]));
    assert_eq!(count(&db, "SELECT count(*) FROM portal.users").await, 2);
    assert_eq!(count(&db, "SELECT count(*) FROM portal.dashboards").await, 2);
    let nickname = "SELECT count(*) FROM information_schema.columns \
                    WHERE table_schema = 'portal' AND table_name = 'users' AND column_name = 'nickname'";
    assert_eq!(count(&db, nickname).await, 1);
    let status = ok(&run(project, &dev, &["status", "--db", &url]));
    assert!(status.contains("_users_get_a_nickname"), "{status}");
    assert!(status.contains("pending:  none, the database is at head"), "{status}");
    assert!(status.contains("drift:    none"), "{status}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_existing_database_is_adopted_from_an_sql_dump() {
    adopt("sql").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_existing_database_is_adopted_from_a_yaml_dump() {
    adopt("yaml").await;
}
