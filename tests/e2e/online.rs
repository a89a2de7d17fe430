//! Online DDL on a real database, driven as a user drives it (`plan`, then `apply` on a
//! database with rows): each online rewrite planned and applied while another session holds a
//! conflicting lock (the lock times out, apply retries, succeeds once the lock is released,
//! and gives up after the configured number of attempts when it never is); and an index built
//! concurrently while a writer keeps inserting, measured against the same build offline.

use crate::common;

use common::schemactl_bin;
use schemactl_testkit::TestDb;
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// Small timeouts so that a held lock is noticed quickly; three attempts in all.
const TOML: &str = "schema = \"schema\"\nrevisions = \"generated\"\nlock_retries = 3\n\n[timeouts]\nlock = \"200ms\"\n";

const ITEMS_V1: &str = "CREATE TABLE public.users (id bigint PRIMARY KEY);\n\
CREATE TABLE public.items (\n  id bigint NOT NULL,\n  user_id bigint,\n  note text,\n  code text\n);\n\
CREATE INDEX items_note_idx ON public.items (note);\n";

const ITEMS_ROWS: &str = "INSERT INTO public.users SELECT g FROM generate_series(1, 100) g;\n\
INSERT INTO public.items SELECT g, 1 + g % 100, 'note ' || g, 'code ' || g FROM generate_series(1, 5000) g;\n";

struct Project {
    dir: tempfile::TempDir,
    dev: String,
    db: String,
}

impl Project {
    async fn new(db: &TestDb, toml: &str, schema: &str) -> Project {
        let dir = tempfile::tempdir().expect("project dir");
        std::fs::write(dir.path().join("schemactl.toml"), toml).expect("schemactl.toml");
        std::fs::create_dir(dir.path().join("schema")).expect("schema/");
        let dev = schemactl_testkit::server().await.to_secret_url();
        let project = Project { dir, dev, db: db.url.to_secret_url() };
        project.schema(schema);
        project
    }

    fn schema(&self, text: &str) {
        std::fs::write(self.dir.path().join("schema/app.sql"), text).expect("schema/app.sql");
    }

    fn toml(&self, text: &str) {
        std::fs::write(self.dir.path().join("schemactl.toml"), text).expect("schemactl.toml");
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(schemactl_bin());
        cmd.args(args).current_dir(self.dir.path()).env("SCHEMACTL_DEV_URL", &self.dev).env_remove("DATABASE_URL");
        cmd
    }

    fn run(&self, args: &[&str]) -> Output {
        self.command(args).output().expect("run schemactl")
    }

    /// `plan -m`; returns the text of the revision written.
    fn plan(&self, message: &str) -> String {
        ok(&self.run(&["plan", "-m", message, "--allow-hazard", "all"]));
        let mut files: Vec<PathBuf> = std::fs::read_dir(self.dir.path().join("generated"))
            .expect("generated/")
            .map(|e| e.expect("entry").path())
            .filter(|p| p.extension().is_some_and(|e| e == "sql") && !p.ends_with("state.sql"))
            .collect();
        files.sort();
        std::fs::read_to_string(files.last().expect("a revision")).expect("read revision")
    }

    fn apply_args<'a>(&'a self, extra: &[&'a str]) -> Vec<&'a str> {
        let mut args = vec!["apply", "--db", &self.db, "--allow-hazard", "all"];
        args.extend(extra);
        args
    }

    fn apply(&self, extra: &[&str]) -> Output {
        self.run(&self.apply_args(extra))
    }

    /// Starts `apply`; its stderr lines arrive on the channel as they are printed.
    fn spawn_apply(&self, extra: &[&str]) -> (std::process::Child, tokio::sync::mpsc::UnboundedReceiver<String>) {
        let mut child = self
            .command(&self.apply_args(extra))
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start apply");
        let stderr = child.stderr.take().expect("stderr");
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
        (child, rx)
    }

    /// The live database matches schema/: nothing left to plan.
    fn assert_converged(&self) {
        let out = self.run(&["diff", "--from", &self.db, "--to", "schema"]);
        assert_eq!(ok(&out), "", "the database differs from schema/");
    }
}

fn text(o: &Output) -> String {
    format!("--- stdout\n{}--- stderr\n{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

fn ok(o: &Output) -> String {
    assert!(o.status.success(), "exit {:?}\n{}", o.status.code(), text(o));
    String::from_utf8_lossy(&o.stdout).to_string()
}

async fn scalar(db: &TestDb, sql: &str) -> String {
    let client = db.client().await;
    let row = client.query_one(sql, &[]).await.unwrap_or_else(|e| panic!("{sql}: {e}"));
    row.get(0)
}

/// A project at schema `ITEMS_V1` applied, with rows, then `v2` planned. Returns the project
/// and the text of the second revision.
async fn planned(db: &TestDb, v2: &str) -> (Project, String) {
    let project = Project::new(db, TOML, ITEMS_V1).await;
    project.plan("items");
    ok(&project.apply(&[]));
    db.execute_script(ITEMS_ROWS).await;
    project.schema(v2);
    let revision = project.plan("change items");
    (project, revision)
}

/// Holds `LOCK TABLE items IN ACCESS EXCLUSIVE MODE` in another session while `apply` runs;
/// releases it once apply reports a retry. Returns apply's stderr. `--force` skips the drift
/// check, whose catalog reads would otherwise be the first to wait for the lock: the
/// revision's own statements meet it then.
async fn apply_through_a_held_lock(db: &TestDb, project: &Project, extra: &[&str]) -> String {
    let locker = db.client().await;
    locker.batch_execute("BEGIN; LOCK TABLE public.items IN ACCESS EXCLUSIVE MODE").await.expect("lock");
    let (child, mut lines) = project.spawn_apply(extra);
    let mut seen = Vec::new();
    loop {
        let line = tokio::time::timeout(Duration::from_secs(30), lines.recv())
            .await
            .unwrap_or_else(|_| panic!("no retry reported within 30s:\n{}", seen.join("\n")));
        let Some(line) = line else { panic!("apply ended without a retry:\n{}", seen.join("\n")) };
        seen.push(line.clone());
        if line.contains("lock not granted") {
            if extra.contains(&"--force") {
                assert!(line.contains("_change_items.sql:"), "the retry names the statement: {line}");
            }
            break;
        }
    }
    locker.batch_execute("ROLLBACK").await.expect("release the lock");
    while let Some(line) = lines.recv().await {
        seen.push(line);
    }
    let output = tokio::task::spawn_blocking(move || child.wait_with_output()).await.expect("join").expect("wait");
    let stderr = seen.join("\n");
    assert!(output.status.success(), "apply failed after the lock was released:\n{stderr}");
    assert!(stderr.contains("canceling statement due to lock timeout"), "{stderr}");
    assert!(stderr.contains("retrying (attempt 2 of 3)"), "{stderr}");
    stderr
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_concurrent_index_build_waits_out_a_held_lock() {
    let db = TestDb::new().await;
    let v2 = format!("{ITEMS_V1}CREATE INDEX items_code_idx ON public.items (code);\n");
    let (project, revision) = planned(&db, &v2).await;
    assert!(revision.contains("SET lock_timeout = '200ms';\nSET statement_timeout = '1min';"), "{revision}");
    assert!(revision.contains("SET statement_timeout = '1h';"), "{revision}");
    assert!(
        revision.contains("CREATE INDEX CONCURRENTLY items_code_idx ON public.items USING btree (code);"),
        "{revision}"
    );
    apply_through_a_held_lock(&db, &project, &["--force"]).await;
    let valid =
        scalar(&db, "SELECT indisvalid::text FROM pg_index WHERE indexrelid = 'public.items_code_idx'::regclass").await;
    assert_eq!(valid, "true");
    project.assert_converged();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_changed_index_is_swapped_in_while_a_lock_is_held() {
    let db = TestDb::new().await;
    let v2 = ITEMS_V1.replace("items (note)", "items (note, id)");
    let (project, revision) = planned(&db, &v2).await;
    let create =
        revision.find("CREATE INDEX CONCURRENTLY items_note_idx_ccnew ON public.items USING btree (note, id);");
    let drop = revision.find("DROP INDEX CONCURRENTLY public.items_note_idx;");
    let rename = revision.find("ALTER INDEX public.items_note_idx_ccnew RENAME TO items_note_idx;");
    assert!(create < drop && drop < rename && create.is_some(), "{revision}");
    apply_through_a_held_lock(&db, &project, &["--force"]).await;
    let definition = scalar(&db, "SELECT pg_get_indexdef('public.items_note_idx'::regclass)").await;
    assert!(definition.ends_with("(note, id)"), "{definition}");
    let left = scalar(&db, "SELECT count(*)::text FROM pg_class WHERE relname LIKE '%ccnew%'").await;
    assert_eq!(left, "0");
    project.assert_converged();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn foreign_keys_and_checks_are_validated_after_a_held_lock() {
    let db = TestDb::new().await;
    let v2 = ITEMS_V1.replace(
        "  code text\n);",
        "  code text,\n  CONSTRAINT items_user_fk FOREIGN KEY (user_id) REFERENCES public.users (id),\n  \
         CONSTRAINT items_note_check CHECK (note <> '')\n);",
    );
    let (project, revision) = planned(&db, &v2).await;
    for expected in [
        "ADD CONSTRAINT items_note_check CHECK ((note <> ''::text)) NOT VALID;",
        "ALTER TABLE public.items VALIDATE CONSTRAINT items_note_check;",
        "ADD CONSTRAINT items_user_fk FOREIGN KEY (user_id) REFERENCES public.users(id) NOT VALID;",
        "ALTER TABLE public.items VALIDATE CONSTRAINT items_user_fk;",
    ] {
        assert!(revision.contains(expected), "{expected}\n{revision}");
    }
    apply_through_a_held_lock(&db, &project, &["--force"]).await;
    let validated = scalar(
        &db,
        "SELECT string_agg(conname || '=' || convalidated, ' ' ORDER BY conname) FROM pg_constraint \
         WHERE conrelid = 'public.items'::regclass",
    )
    .await;
    assert_eq!(validated, "items_note_check=true items_user_fk=true");
    project.assert_converged();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn set_not_null_goes_through_a_check_after_a_held_lock() {
    let db = TestDb::new().await;
    let v2 = ITEMS_V1.replace("  note text,", "  note text NOT NULL,");
    let (project, revision) = planned(&db, &v2).await;
    for expected in [
        "ALTER TABLE public.items ADD CONSTRAINT items_note_nn_tmp CHECK (note IS NOT NULL) NOT VALID;",
        "ALTER TABLE public.items VALIDATE CONSTRAINT items_note_nn_tmp;",
        "ALTER TABLE public.items ALTER COLUMN note SET NOT NULL;",
        "ALTER TABLE public.items DROP CONSTRAINT items_note_nn_tmp;",
    ] {
        assert!(revision.contains(expected), "{expected}\n{revision}");
    }
    apply_through_a_held_lock(&db, &project, &["--force"]).await;
    let not_null = scalar(
        &db,
        "SELECT attnotnull::text FROM pg_attribute WHERE attrelid = 'public.items'::regclass AND attname = 'note'",
    )
    .await;
    assert_eq!(not_null, "true");
    let checks = scalar(&db, "SELECT count(*)::text FROM pg_constraint WHERE conname LIKE '%nn_tmp'").await;
    assert_eq!(checks, "0");
    project.assert_converged();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_unique_key_is_made_from_an_index_built_after_a_held_lock() {
    let db = TestDb::new().await;
    let v2 = ITEMS_V1.replace("  code text\n);", "  code text,\n  CONSTRAINT items_code_key UNIQUE (code)\n);");
    let (project, revision) = planned(&db, &v2).await;
    assert!(
        revision.contains("CREATE UNIQUE INDEX CONCURRENTLY items_code_key ON public.items USING btree (code);")
            && revision.contains("ADD CONSTRAINT items_code_key UNIQUE USING INDEX items_code_key;"),
        "{revision}"
    );
    apply_through_a_held_lock(&db, &project, &["--force"]).await;
    let kind = scalar(&db, "SELECT contype::text FROM pg_constraint WHERE conname = 'items_code_key'").await;
    assert_eq!(kind, "u");
    project.assert_converged();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lock_never_released_fails_after_the_configured_attempts_at_a_revision_boundary() {
    let db = TestDb::new().await;
    let v2 = ITEMS_V1.replace("  code text\n);", "  code text,\n  CONSTRAINT items_note_check CHECK (note <> '')\n);");
    let (project, _) = planned(&db, &v2).await;
    let before = ok(&project.run(&["current", "--db", &project.db]));
    let locker = db.client().await;
    locker.batch_execute("BEGIN; LOCK TABLE public.items IN ACCESS EXCLUSIVE MODE").await.expect("lock");
    let started = Instant::now();
    let out = project.apply(&["--force"]);
    let elapsed = started.elapsed();
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert_eq!(stderr.matches("lock not granted").count(), 2, "two retries after the first attempt:\n{stderr}");
    let error = stderr.lines().find(|l| l.starts_with("error: ")).unwrap_or_default();
    let (location, message) = error.split_once(": the lock was not granted after 3 attempt(s)").unwrap_or_default();
    let position: Vec<&str> = location.rsplitn(3, ':').collect();
    assert!(
        location.contains("_change_items.sql:") && position[..2].iter().all(|p| p.parse::<u32>().is_ok()),
        "the error names the statement as file:line:column: {stderr}"
    );
    assert!(message.contains("lock timeout"), "{stderr}");
    assert!(stderr.contains("lock timeout"), "{stderr}");
    // 3 x 200ms lock timeout + 0.5s + 1s of backoff.
    assert!(elapsed >= Duration::from_millis(2100), "{elapsed:?}");
    locker.batch_execute("ROLLBACK").await.expect("release");
    // Nothing of the revision stayed: the database is where it was, with no step recorded.
    let after = project.run(&["current", "--db", &project.db]);
    assert_eq!(ok(&after), before);
    assert!(!String::from_utf8_lossy(&after.stderr).contains("part-way"), "{}", text(&after));
    let checks = scalar(&db, "SELECT count(*)::text FROM pg_constraint WHERE conname = 'items_note_check'").await;
    assert_eq!(checks, "0");
    // Once the lock is free, the same revision applies.
    ok(&project.apply(&[]));
    project.assert_converged();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_drift_check_waits_out_a_held_lock_too() {
    let db = TestDb::new().await;
    // The revision changes items_note_idx: the drift check reads its definition first.
    let v2 = ITEMS_V1.replace("items (note)", "items (note, id)");
    let (project, _) = planned(&db, &v2).await;
    let stderr = apply_through_a_held_lock(&db, &project, &[]).await;
    assert!(stderr.contains("checking for drift") || stderr.contains("fingerprinting objects"), "{stderr}");
    project.assert_converged();
}

/// What a writer inserting a row every ~10 ms saw while `apply` ran.
struct Writes {
    /// The whole apply, as the user waits for it (the index build and little else).
    build: Duration,
    during: usize,
    max_latency: Duration,
}

/// Runs `apply` while a writer inserts into `big` every 10 ms, recording each insert's latency.
async fn apply_under_writes(db: &TestDb, project: &Project) -> Writes {
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let writer = {
        let client = db.client().await;
        let stop = stop.clone();
        tokio::spawn(async move {
            let mut samples: Vec<(Instant, Duration)> = Vec::new();
            let mut n = 0i64;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                n += 1;
                let started = Instant::now();
                client
                    .execute("INSERT INTO public.big (v, payload) VALUES ($1::bigint, md5($1::bigint::text))", &[&n])
                    .await
                    .expect("insert");
                samples.push((started, started.elapsed()));
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
            samples
        })
    };
    tokio::time::sleep(Duration::from_millis(300)).await;
    let args: Vec<String> = project.apply_args(&[]).into_iter().map(String::from).collect();
    let command = project.command(&args.iter().map(String::as_str).collect::<Vec<_>>());
    let started = Instant::now();
    let out = tokio::task::spawn_blocking(move || {
        let mut command = command;
        command.output().expect("run apply")
    })
    .await
    .expect("join");
    let build = started.elapsed();
    ok(&out);
    tokio::time::sleep(Duration::from_millis(300)).await;
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let samples = writer.await.expect("writer");
    let during: Vec<&(Instant, Duration)> =
        samples.iter().filter(|(at, _)| *at >= started && *at <= started + build).collect();
    // An insert that started before the build and waited through it counts too.
    let max_latency = samples.iter().filter(|(at, d)| *at + *d >= started).map(|(_, d)| *d).max().unwrap_or_default();
    Writes { build, during: during.len(), max_latency }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_concurrent_index_build_does_not_block_a_writer_and_a_plain_one_does() {
    let db = TestDb::new().await;
    let v1 = "CREATE TABLE public.big (id bigint GENERATED ALWAYS AS IDENTITY, v bigint, payload text);\n";
    // The default lock timeout: this test is about writes during the build, not retries.
    let toml = "schema = \"schema\"\nrevisions = \"generated\"\n";
    let project = Project::new(&db, toml, v1).await;
    project.plan("big");
    ok(&project.apply(&[]));
    // Autovacuum would wake up for 2M new rows and compete for the table's locks.
    db.execute_script(
        "ALTER TABLE public.big SET (autovacuum_enabled = false);\n\
         INSERT INTO public.big (v, payload) SELECT g, md5(g::text) FROM generate_series(1, 2000000) g; ANALYZE public.big;",
    )
    .await;

    project.schema(&format!("{v1}CREATE INDEX big_payload_idx ON public.big (payload);\n"));
    let revision = project.plan("index payload online");
    assert!(revision.contains("CREATE INDEX CONCURRENTLY big_payload_idx"), "{revision}");
    let online = apply_under_writes(&db, &project).await;

    project.toml(&format!("online = false\n{toml}"));
    project.schema(&format!(
        "{v1}CREATE INDEX big_payload_idx ON public.big (payload);\nCREATE INDEX big_payload_v_idx ON public.big (payload, v);\n"
    ));
    let revision = project.plan("index payload offline");
    assert!(revision.contains("\nCREATE INDEX big_payload_v_idx"), "{revision}");
    let offline = apply_under_writes(&db, &project).await;

    println!(
        "online (CREATE INDEX CONCURRENTLY): build {:?}, {} inserts during the build, max insert latency {:?}",
        online.build, online.during, online.max_latency
    );
    println!(
        "offline (CREATE INDEX): build {:?}, {} inserts during the build, max insert latency {:?}",
        offline.build, offline.during, offline.max_latency
    );
    assert!(online.build >= Duration::from_secs(1), "the build should take seconds: {:?}", online.build);
    // Online: the writer kept going (an insert every ~10 ms, allowing for a busy machine) and
    // no insert waited for more than a fraction of the build.
    let expected = online.build.as_millis() as usize / 10;
    assert!(online.during * 4 >= expected, "{} inserts during a {:?} build", online.during, online.build);
    assert!(online.max_latency * 4 < online.build, "max latency {:?} of {:?}", online.max_latency, online.build);
    // Offline: inserts waited for the build: one insert's latency is most of it.
    assert!(offline.max_latency * 2 >= offline.build, "max latency {:?} of {:?}", offline.max_latency, offline.build);
    assert!(offline.during * 4 < online.during, "offline {} vs online {}", offline.during, online.during);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_invalid_index_left_by_an_interrupted_build_is_dropped_and_built_again() {
    let db = TestDb::new().await;
    let schema = "CREATE TABLE public.t (a int);\nCREATE UNIQUE INDEX t_a_key ON public.t (a);\n";
    db.execute_script("CREATE TABLE public.t (a int); INSERT INTO public.t VALUES (1), (1);").await;
    // A concurrent build that fails (duplicates) leaves its index behind, marked invalid.
    let client = db.client().await;
    let failed = client.batch_execute("CREATE UNIQUE INDEX CONCURRENTLY t_a_key ON public.t (a)").await;
    assert!(failed.is_err());
    let valid =
        scalar(&db, "SELECT indisvalid::text FROM pg_index WHERE indexrelid = 'public.t_a_key'::regclass").await;
    assert_eq!(valid, "false");
    db.execute_script("DELETE FROM public.t WHERE ctid = (SELECT max(ctid) FROM public.t)").await;

    let project = Project::new(&db, TOML, schema).await;
    let script = ok(&project.run(&["diff", "--from", &project.db, "--to", "schema"]));
    let statements: Vec<&str> = script.lines().filter(|l| !l.is_empty() && !l.starts_with("--")).collect();
    assert_eq!(
        statements,
        [
            "DROP INDEX CONCURRENTLY public.t_a_key;",
            "CREATE UNIQUE INDEX CONCURRENTLY t_a_key ON public.t USING btree (a);"
        ]
    );
    for statement in statements {
        client.batch_execute(statement).await.expect(statement);
    }
    let valid =
        scalar(&db, "SELECT indisvalid::text FROM pg_index WHERE indexrelid = 'public.t_a_key'::regclass").await;
    assert_eq!(valid, "true");
    project.assert_converged();
    // --offline plans the same repair as plain DDL.
    db.execute_script("UPDATE pg_index SET indisvalid = false WHERE indexrelid = 'public.t_a_key'::regclass").await;
    let script = ok(&project.run(&["diff", "--offline", "--from", &project.db, "--to", "schema"]));
    assert!(
        script.contains("DROP INDEX public.t_a_key;\n") && script.contains("CREATE UNIQUE INDEX t_a_key"),
        "{script}"
    );
}
