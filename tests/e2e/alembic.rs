//! Moving from Alembic, end to end with the real binary on an Alembic-shaped database (tables
//! with rows plus `alembic_version` at one revision; Alembic itself is not needed): `dump`
//! leaves `alembic_version` out and says so; the baseline planned with `--replaces` names the
//! Alembic revision in its header; `stamp head` checks it against `alembic_version` and records
//! it in `schemactl.history`; `status` reports both; the day-to-day (plan, apply) keeps the rows
//! and never touches `alembic_version`. A new database gets the baseline from `apply`; a
//! database at another Alembic revision is refused, live and by the `--sql` script.

use crate::common;

use common::{output_text as text, run_in_project as run};
use schemactl_testkit::TestDb;
use std::path::Path;
use std::process::Output;

const REVISION: &str = "a1b2c3d4e5f6";

/// What `alembic upgrade head` left: the app's tables with rows, and Alembic's table.
const ALEMBIC_DATABASE: &str = "
CREATE TABLE public.users (id serial PRIMARY KEY, email text NOT NULL UNIQUE, created_at timestamptz NOT NULL DEFAULT now());
CREATE TABLE public.posts (id bigserial PRIMARY KEY, user_id int NOT NULL REFERENCES public.users (id), title text NOT NULL);
CREATE INDEX posts_user_id ON public.posts (user_id);
INSERT INTO public.users (email) VALUES ('ada@example.com'), ('bob@example.com');
INSERT INTO public.posts (user_id, title) SELECT id, 'hello' FROM public.users;
CREATE TABLE public.alembic_version (version_num varchar(32) NOT NULL, CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num));
";

fn ok(o: &Output) -> String {
    assert!(o.status.success(), "exit {:?}\n{}", o.status.code(), text(o));
    String::from_utf8_lossy(&o.stdout).into_owned()
}

async fn alembic_database(at: &str) -> TestDb {
    let db = TestDb::new().await;
    db.execute_script(ALEMBIC_DATABASE).await;
    db.execute_script(&format!("INSERT INTO public.alembic_version VALUES ({});", schemactl_sqltext::literal(at)))
        .await;
    db
}

async fn count(db: &TestDb, sql: &str) -> i64 {
    db.client().await.query_one(sql, &[]).await.unwrap_or_else(|e| panic!("{sql}: {e}")).get(0)
}

async fn replaces_recorded(db: &TestDb) -> Vec<Option<String>> {
    let rows = db.client().await.query("SELECT replaces FROM schemactl.history ORDER BY revision", &[]).await.unwrap();
    rows.iter().map(|r| r.get(0)).collect()
}

/// Every file under `dir`, concatenated.
fn all_text(dir: &Path) -> String {
    let mut out = String::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.push_str(&all_text(&path));
        } else {
            out.push_str(&std::fs::read_to_string(&path).unwrap());
        }
    }
    out
}

/// A project adopted from an Alembic database at [`REVISION`]: dumped, baseline planned with
/// `--replaces alembic` read from the database. Returns the project directory and the database.
async fn adopted(dev: &str) -> (tempfile::TempDir, TestDb) {
    let db = alembic_database(REVISION).await;
    let url = db.url.to_secret_url();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    ok(&run(dir, dev, &["init", "."]));
    std::fs::remove_file(dir.join("schema/example.sql")).unwrap();

    let dump = run(dir, dev, &["dump", "--db", &url, "--out", "schema"]);
    ok(&dump);
    let notes = String::from_utf8_lossy(&dump.stderr);
    assert!(
        notes.contains("note: not dumped, out of scope: table public.alembic_version: bookkeeping of Alembic"),
        "{notes}"
    );
    let files = all_text(&dir.join("schema"));
    assert!(files.contains("CREATE TABLE public.users") && files.contains("CREATE TABLE public.posts"), "{files}");
    assert!(!files.contains("alembic_version"), "{files}");

    let plan = run(dir, dev, &["plan", "-m", "Baseline", "--replaces", "alembic", "--db", &url]);
    let out = ok(&plan);
    assert!(text(&plan).contains(&format!("is at Alembic revision {REVISION}")), "{}", text(&plan));
    assert!(out.contains(&format!("it replaces Alembic revision {REVISION}")), "{out}");
    let files = common::revision_files(dir);
    assert_eq!(files.len(), 1, "{files:?}");
    let baseline = std::fs::read_to_string(&files[0]).unwrap();
    let header: Vec<&str> = baseline.lines().take(4).collect();
    assert_eq!(header[1..3], ["-- parent: none", "-- replaces: alembic a1b2c3d4e5f6"], "{baseline}");
    assert!(baseline.contains("CREATE TABLE public.users") && !baseline.contains("alembic_version"), "{baseline}");
    (tmp, db)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_alembic_database_moves_to_schemactl_and_keeps_its_rows() {
    let dev = schemactl_testkit::server().await.to_secret_url();
    let (tmp, db) = adopted(&dev).await;
    let (dir, url) = (tmp.path(), db.url.to_secret_url());

    // The database has the schema: record the baseline, run nothing.
    let stamp = ok(&run(dir, &dev, &["stamp", "head", "--db", &url]));
    assert!(stamp.contains("_baseline") && stamp.contains("no SQL was run"), "{stamp}");
    assert_eq!(replaces_recorded(&db).await, [Some(format!("alembic {REVISION}"))]);

    let status = run(dir, &dev, &["status", "--db", &url]);
    let report = ok(&status);
    assert!(report.contains("current:  ") && report.contains("_baseline (applied "), "{report}");
    assert!(
        report.contains(&format!("alembic:  {REVISION}, the revision ")) && report.contains("_baseline replaced"),
        "{report}"
    );
    assert!(report.contains(&format!("history: replaces alembic {REVISION}")), "{report}");
    assert!(report.contains("pending:  none") && report.contains("drift:    none"), "{report}");
    let history = ok(&run(dir, &dev, &["history", "--db", &url]));
    assert!(history.contains(&format!("(not run), replacing alembic {REVISION}")), "{history}");
    assert!(ok(&run(dir, &dev, &["plan", "--check"])).contains("No changes"));

    // From now on the day-to-day: change schema/, plan, apply.
    let schema = dir.join("schema");
    let file = std::fs::read_dir(&schema)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| std::fs::read_to_string(p).unwrap().contains("CREATE TABLE public.users ("))
        .expect("the file declaring public.users");
    let sql = std::fs::read_to_string(&file).unwrap();
    std::fs::write(
        &file,
        sql.replacen("CREATE TABLE public.users (\n", "CREATE TABLE public.users (\n    nickname text,\n", 1),
    )
    .unwrap();
    let plan = ok(&run(dir, &dev, &["plan", "-m", "users get a nickname"]));
    assert!(plan.contains("ALTER TABLE public.users ADD COLUMN nickname text"), "{plan}");
    assert!(!plan.contains("alembic_version"), "{plan}");
    let second = std::fs::read_to_string(&common::revision_files(dir)[1]).unwrap();
    assert!(!second.contains("-- replaces:"), "only the baseline replaces anything: {second}");
    ok(&run(dir, &dev, &["apply", "--db", &url]));
    assert_eq!(count(&db, "SELECT count(*) FROM public.users").await, 2);
    assert_eq!(count(&db, "SELECT count(*) FROM public.posts").await, 2);
    let nickname =
        "SELECT count(*) FROM information_schema.columns WHERE table_name = 'users' AND column_name = 'nickname'";
    assert_eq!(count(&db, nickname).await, 1);
    let alembic = format!("SELECT count(*) FROM public.alembic_version WHERE version_num = '{REVISION}'");
    assert_eq!(count(&db, &alembic).await, 1, "alembic_version is left alone");
    assert_eq!(count(&db, "SELECT count(*) FROM public.alembic_version").await, 1);
    assert_eq!(replaces_recorded(&db).await, [Some(format!("alembic {REVISION}")), None]);
    let report = ok(&run(dir, &dev, &["status", "--db", &url]));
    assert!(report.contains("_users_get_a_nickname") && report.contains("drift:    none"), "{report}");
    assert!(report.contains(&format!("alembic:  {REVISION}, the revision ")), "{report}");
    assert!(ok(&run(dir, &dev, &["plan", "--check"])).contains("No changes"));

    // Once no deploy runs Alembic any more, its table can go; status then names what the
    // baseline replaced from the history alone.
    db.execute_script("DROP TABLE public.alembic_version;").await;
    let report = ok(&run(dir, &dev, &["status", "--db", &url]));
    assert!(report.contains(&format!("alembic:  no alembic_version table; the baseline replaced alembic {REVISION}")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_database_gets_the_baseline_from_apply() {
    let dev = schemactl_testkit::server().await.to_secret_url();
    let (tmp, _alembic) = adopted(&dev).await;
    let dir = tmp.path();

    // No alembic_version there: nothing to check, the baseline creates everything. Its history
    // was created by an earlier schemactl, without the `replaces` column: apply adds it.
    let fresh = TestDb::new().await;
    fresh
        .execute_script(
            "CREATE SCHEMA schemactl;
             CREATE TABLE schemactl.history (revision text PRIMARY KEY, checksum text NOT NULL, message text NOT NULL DEFAULT '',
                 applied_at timestamptz NOT NULL DEFAULT now(), duration_ms bigint, applied_by text NOT NULL DEFAULT current_user);",
        )
        .await;
    let url = fresh.url.to_secret_url();
    let status = run(dir, &dev, &["status", "--db", &url, "--no-drift"]);
    assert_eq!(status.status.code(), Some(8), "{}", text(&status));
    assert!(!text(&status).contains("alembic:"), "{}", text(&status));
    let applied = ok(&run(dir, &dev, &["apply", "--db", &url]));
    assert!(applied.contains("applied ") && applied.contains("_baseline"), "{applied}");
    assert_eq!(count(&fresh, "SELECT count(*) FROM public.users").await, 0);
    assert_eq!(count(&fresh, "SELECT count(*) FROM pg_tables WHERE tablename = 'alembic_version'").await, 0);
    assert_eq!(replaces_recorded(&fresh).await, [Some(format!("alembic {REVISION}"))]);
    ok(&run(dir, &dev, &["status", "--db", &url]));

    // The offline script does the same: it records what the baseline replaced.
    let script = ok(&run(dir, &dev, &["apply", "--sql", "--from", "base"]));
    let offline = TestDb::new().await;
    offline.execute_script(&script).await;
    assert_eq!(replaces_recorded(&offline).await, [Some(format!("alembic {REVISION}"))]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_at_another_alembic_revision_is_refused() {
    let dev = schemactl_testkit::server().await.to_secret_url();
    let (tmp, _alembic) = adopted(&dev).await;
    let dir = tmp.path();
    let other = alembic_database("ffff00001111").await;
    let url = other.url.to_secret_url();

    let status = run(dir, &dev, &["status", "--db", &url, "--no-drift"]);
    assert_eq!(status.status.code(), Some(8), "{}", text(&status));
    assert!(
        text(&status).contains("alembic:  ffff00001111, but ") && text(&status).contains("`stamp` and `apply` refuse"),
        "{}",
        text(&status)
    );
    for args in [&["stamp", "head", "--db", &url][..], &["apply", "--db", &url]] {
        let out = run(dir, &dev, args);
        assert_eq!(out.status.code(), Some(5), "{args:?}: {}", text(&out));
        let message = text(&out);
        assert!(
            message.contains(&format!(
                "_baseline.sql replaces Alembic revision {REVISION}, but this database is at Alembic revision ffff00001111"
            )) && message.contains(&format!("`alembic upgrade {REVISION}`")),
            "{message}"
        );
        assert_eq!(count(&other, "SELECT count(*) FROM schemactl.history").await, 0, "nothing recorded");
    }
    let untouched = "SELECT count(*) FROM public.alembic_version WHERE version_num = 'ffff00001111'";
    assert_eq!(count(&other, untouched).await, 1);

    // The offline script stops at the baseline's guard, before anything runs.
    let script = ok(&run(dir, &dev, &["apply", "--sql", "--from", "base"]));
    let err = other.client().await.batch_execute(&script).await.unwrap_err();
    let err = format!("{err:?}");
    assert!(err.contains("replaces Alembic revision a1b2c3d4e5f6, but this database is at ffff00001111"), "{err}");
    assert_eq!(count(&other, "SELECT count(*) FROM schemactl.history").await, 0);

    // Alembic at its base, or at two heads: refused too.
    other.execute_script("DELETE FROM public.alembic_version;").await;
    let out = run(dir, &dev, &["stamp", "head", "--db", &url]);
    assert!(text(&out).contains("records no Alembic revision (it is at Alembic's base)"), "{}", text(&out));

    // `--replaces` is for the baseline only, names a known tool, and reads exactly one revision.
    let out = run(dir, &dev, &["plan", "-m", "again", "--replaces", "alembic:ffff00001111"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(text(&out).contains("--replaces marks the baseline, the first revision"), "{}", text(&out));
    let empty = tempfile::tempdir().unwrap();
    ok(&run(empty.path(), &dev, &["init", "."]));
    let out = run(empty.path(), &dev, &["plan", "-m", "b", "--replaces", "flyway:1"]);
    assert!(text(&out).contains("unknown tool `flyway` to replace (known: alembic)"), "{}", text(&out));
    other.execute_script("INSERT INTO public.alembic_version VALUES ('b1'), ('b2');").await;
    let out = run(empty.path(), &dev, &["plan", "-m", "b", "--replaces", "alembic", "--db", &url]);
    assert!(text(&out).contains("is at 2 Alembic revisions at once (b1, b2)"), "{}", text(&out));
}
