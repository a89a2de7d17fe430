//! The drift guard: a planned revision records fingerprints of the objects it changes, and
//! `apply` refuses to run it where those objects were changed outside the revisions.

use crate::common;

use common::{output_text as text, run_in_project as run};
use schemactl_testkit::TestDb;

/// A project with two planned revisions: create `app.items`, then add a column to it.
async fn two_revisions() -> (tempfile::TempDir, String) {
    let dev = schemactl_testkit::server().await.to_secret_url();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    assert!(run(dir, &dev, &["init"]).status.success());
    std::fs::remove_file(dir.join("schema/example.sql")).unwrap();
    let v1 = "CREATE SCHEMA app;\nCREATE TABLE app.items (id int PRIMARY KEY, name text NOT NULL);\n";
    std::fs::write(dir.join("schema/app.sql"), v1).unwrap();
    assert!(run(dir, &dev, &["plan", "-m", "items"]).status.success());
    std::fs::write(dir.join("schema/app.sql"), v1.replace("name text NOT NULL", "name text NOT NULL, price numeric"))
        .unwrap();
    let out = run(dir, &dev, &["plan", "-m", "prices"]);
    assert!(out.status.success(), "{}", text(&out));
    (tmp, dev)
}

#[tokio::test]
async fn revisions_record_what_they_expect() {
    let (tmp, _) = two_revisions().await;
    let mut files: Vec<_> = std::fs::read_dir(tmp.path().join("generated"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.file_name().unwrap().to_string_lossy().starts_with("20"))
        .collect();
    files.sort();
    let first = std::fs::read_to_string(&files[0]).unwrap();
    assert!(first.contains("-- expects: relation \"app\".\"items\" absent\n"), "{first}");
    assert!(first.contains("-- expects: schema \"app\" absent\n"), "{first}");
    let second = std::fs::read_to_string(&files[1]).unwrap();
    let line = second.lines().find(|l| l.starts_with("-- expects: relation \"app\".\"items\" ")).unwrap();
    assert_eq!(line.rsplit(' ').next().unwrap().len(), 32, "an md5 fingerprint: {line}");
}

#[tokio::test]
async fn a_hand_made_change_is_refused_until_forced() {
    let (tmp, dev) = two_revisions().await;
    let dir = tmp.path();
    let db = TestDb::new().await;
    let url = db.url.to_secret_url();
    let out = run(dir, &dev, &["apply", "--db", &url, "--to", "+1"]);
    assert!(out.status.success(), "{}", text(&out));
    db.execute_script("ALTER TABLE app.items ADD COLUMN note text;").await;

    let refused = run(dir, &dev, &["apply", "--db", &url]);
    assert_eq!(refused.status.code(), Some(7), "{}", text(&refused));
    let message = text(&refused);
    assert!(message.contains("_prices.sql: the database drifted"), "{message}");
    assert!(message.contains("relation app.items"), "names the object: {message}");
    // Not only hashes: the parts the table has now, by name, and where to see the difference.
    assert!(message.contains("it has now: columns ") && message.contains("note text"), "{message}");
    assert!(message.contains("`schemactl status` shows the statements"), "{message}");
    let client = db.client().await;
    let columns: i64 = client
        .query_one(
            "SELECT count(*) FROM information_schema.columns WHERE table_name = 'items' AND column_name = 'price'",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(columns, 0, "nothing ran");

    let forced = run(dir, &dev, &["apply", "--db", &url, "--force"]);
    assert!(forced.status.success(), "{}", text(&forced));
    let columns: i64 = client
        .query_one(
            "SELECT count(*) FROM information_schema.columns WHERE table_name = 'items' AND column_name = 'price'",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(columns, 1);
}

#[tokio::test]
async fn an_adopted_table_in_another_column_order_is_not_drift() {
    let (tmp, dev) = two_revisions().await;
    let dir = tmp.path();
    let db = TestDb::new().await;
    let url = db.url.to_secret_url();
    // Built by hand, columns in another order, then adopted at the first revision.
    db.execute_script("CREATE SCHEMA app; CREATE TABLE app.items (name text NOT NULL, id int PRIMARY KEY);").await;
    let first = std::fs::read_dir(dir.join("generated"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .find(|n| n.ends_with("_items.sql"))
        .unwrap();
    let out = run(dir, &dev, &["stamp", "--db", &url, &first[..14]]);
    assert!(out.status.success(), "{}", text(&out));
    let out = run(dir, &dev, &["apply", "--db", &url]);
    assert!(out.status.success(), "column order is not drift: {}", text(&out));
}
