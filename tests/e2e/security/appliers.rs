//! Appliers that never fight: several `apply` at once with a concurrent index build, `--wait`
//! that waits the whole of its time, and a real PgBouncer in transaction pooling mode (refused
//! without a direct address, used safely with one).

use crate::project::{ok, stderr, stdout, Project};
use schemactl_testkit::TestDb;
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};
use tokio_postgres::config::Host;

async fn strings(db: &TestDb, sql: &str) -> Vec<String> {
    let client = db.client().await;
    client.query(sql, &[]).await.unwrap_or_else(|e| panic!("{sql}: {e}")).iter().map(|r| r.get(0)).collect()
}

/// `revision count` for every revision the history holds, and the same for the log's `up` rows.
async fn runs(db: &TestDb) -> (Vec<String>, Vec<String>) {
    let history =
        strings(db, "SELECT revision || ' ' || count(*) FROM schemactl.history GROUP BY revision ORDER BY 1").await;
    let log = strings(
        db,
        "SELECT revision || ' ' || count(*) FROM schemactl.log WHERE action = 'up' GROUP BY revision ORDER BY 1",
    )
    .await;
    (history, log)
}

fn once(project: &Project) -> Vec<String> {
    project.revisions.iter().map(|r| format!("{} 1", r.id)).collect()
}

/// Starts `n` appliers at the same moment and waits for all of them.
fn appliers(project: &Project, n: usize, args: &[&str]) -> Vec<Output> {
    let children: Vec<Child> = (0..n).map(|_| project.spawn(args)).collect();
    children.into_iter().map(|c| c.wait_with_output().expect("wait for an applier")).collect()
}

fn all_ok(outputs: &[Output]) -> String {
    let mut text = String::new();
    for (i, out) in outputs.iter().enumerate() {
        assert!(
            out.status.success(),
            "applier {} of {} exited {:?}\n--- stdout\n{}--- stderr\n{}",
            i + 1,
            outputs.len(),
            out.status.code(),
            stdout(out),
            stderr(out)
        );
        text.push_str(&stdout(out));
        text.push_str(&stderr(out));
    }
    text
}

/// Every index named, valid and ready.
async fn valid(db: &TestDb, names: &[&str]) {
    for name in names {
        let sql = format!(
            "SELECT (indisvalid AND indisready)::text FROM pg_index WHERE indexrelid = to_regclass('public.{name}')"
        );
        assert_eq!(strings(db, &sql).await, ["true"], "index {name}");
    }
}

/// Five appliers start together; the revisions build indexes CONCURRENTLY on a table of 200k
/// rows. A waiting applier used to block in `pg_advisory_lock`, holding a snapshot the
/// holder's index build waits for: a deadlock, and four of five exited 1. Two rounds: a fresh
/// database, then more revisions on the same one.
#[tokio::test]
async fn five_appliers_with_concurrent_index_builds_all_succeed_and_run_each_revision_once() {
    let db = TestDb::new().await;
    let url = db.url.to_secret_url();
    let mut p = Project::new();
    p.add(
        "big table",
        "CREATE TABLE big (id int PRIMARY KEY, v text, w text);\n\
         INSERT INTO big SELECT g, md5(g::text), md5((g * 7)::text) FROM generate_series(1, 200000) g;\n\
         CREATE TABLE runs (revision text);\nINSERT INTO runs VALUES ('1');",
        "DROP TABLE runs;\nDROP TABLE big;",
    );
    p.add(
        "index v",
        "CREATE INDEX CONCURRENTLY big_v ON big (v);\nINSERT INTO runs VALUES ('2');",
        "DROP INDEX CONCURRENTLY big_v;",
    );
    p.add("note", "INSERT INTO runs VALUES ('3');", "DELETE FROM runs WHERE revision = '3';");
    let args = ["apply", "--db", &url, "--allow-hazard", "all", "--lock-timeout", "2m"];
    // Built first, so that the timings below are the appliers' own.
    crate::common::schemactl_bin();

    let started = Instant::now();
    let text = all_ok(&appliers(&p, 5, &args));
    eprintln!("round 1: 5 appliers, all exited 0 in {:.1}s", started.elapsed().as_secs_f64());
    assert_eq!(text.matches("applied ").count(), 3, "{text}");
    assert_eq!(text.matches("nothing to apply").count(), 4, "{text}");
    assert!(!text.contains("deadlock"), "{text}");
    assert_eq!(runs(&db).await, (once(&p), once(&p)));
    assert_eq!(strings(&db, "SELECT string_agg(revision, ',' ORDER BY revision) FROM runs").await, ["1,2,3"]);
    valid(&db, &["big_v"]).await;

    p.add(
        "index w",
        "CREATE INDEX CONCURRENTLY big_w ON big (w);\nINSERT INTO runs VALUES ('4');",
        "DROP INDEX CONCURRENTLY big_w;",
    );
    p.add(
        "index v and w",
        "CREATE INDEX CONCURRENTLY big_vw ON big (v, w);\nINSERT INTO runs VALUES ('5');",
        "DROP INDEX CONCURRENTLY big_vw;",
    );
    let started = Instant::now();
    let text = all_ok(&appliers(&p, 5, &args));
    eprintln!("round 2: 5 appliers, all exited 0 in {:.1}s", started.elapsed().as_secs_f64());
    assert_eq!(text.matches("applied ").count(), 2, "{text}");
    assert_eq!(text.matches("nothing to apply").count(), 4, "{text}");
    assert_eq!(runs(&db).await, (once(&p), once(&p)));
    assert_eq!(strings(&db, "SELECT string_agg(revision, ',' ORDER BY revision) FROM runs").await, ["1,2,3,4,5"]);
    valid(&db, &["big_v", "big_w", "big_vw"]).await;
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// `--wait 2s` against a port nobody listens on: exit 3 after at least 2 s (it used to give up
/// after about 1.6 s), and the message states the time actually waited.
#[test]
fn wait_lasts_the_whole_duration_and_says_how_long_it_waited() {
    let mut p = Project::new();
    p.add("first", "CREATE TABLE never (id int);", "DROP TABLE never;");
    let port = free_port();
    let started = Instant::now();
    let out = p.run(&["apply", "--wait", "2s", "--db", &format!("postgresql://app@127.0.0.1:{port}/app")]);
    let elapsed = started.elapsed();
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(elapsed >= Duration::from_secs(2), "gave up after {elapsed:?}");
    let err = stderr(&out);
    let said = err.split("gave up after waiting ").nth(1).and_then(|rest| rest.split('s').next());
    let said: f64 = said.and_then(|s| s.parse().ok()).unwrap_or_else(|| panic!("no waited time in: {err}"));
    assert!(said >= 2.0 && said <= elapsed.as_secs_f64() + 0.1, "said {said}s, waited {elapsed:?}: {err}");
    eprintln!("--wait 2s: exit 3 after {:.2}s, message says {said}s", elapsed.as_secs_f64());
}

/// A PgBouncer of our own, listening on 127.0.0.1, in front of the test server.
struct Bouncer {
    child: Child,
    port: u16,
    log: PathBuf,
    _dir: tempfile::TempDir,
}

fn pgbouncer_binary() -> PathBuf {
    let found = ["/usr/sbin/pgbouncer", "/usr/bin/pgbouncer", "/usr/local/bin/pgbouncer"]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.is_file())
        .or_else(|| {
            let path = std::env::var_os("PATH")?;
            std::env::split_paths(&path).map(|d| d.join("pgbouncer")).find(|p| p.is_file())
        });
    found.unwrap_or_else(|| {
        panic!(
            "\n\n==================== pgbouncer NOT FOUND ====================\n\
             The pooler tests need a real PgBouncer; they do not skip without one.\n\
             Install it (Debian/Ubuntu: apt-get install pgbouncer; .ci/run does).\n\
             =============================================================\n"
        )
    })
}

impl Bouncer {
    /// Starts PgBouncer with `pool_mode` and extra settings; every database name is forwarded
    /// to the test server.
    async fn start(pool_mode: &str, extra: &str) -> Bouncer {
        use std::os::unix::fs::{MetadataExt, PermissionsExt};
        let binary = pgbouncer_binary();
        let server = schemactl_testkit::server().await;
        let port = server.config().get_ports().first().copied().unwrap_or(5432);
        // PgBouncer refuses to run as root: then it runs as `postgres`, and over the server's
        // socket it can only log in as `postgres` (peer authentication).
        let root = std::fs::metadata("/proc/self").map(|m| m.uid() == 0).unwrap_or(false);
        let target = match server.config().get_hosts().first().expect("test server host") {
            Host::Unix(dir) if root => format!("host={} port={port} user=postgres", dir.display()),
            Host::Unix(dir) => format!("host={} port={port} user={}", dir.display(), server.user()),
            Host::Tcp(name) => {
                let password = server.config().get_password().map(|p| String::from_utf8_lossy(p).to_string());
                let password = password.map(|p| format!(" password={p}")).unwrap_or_default();
                format!("host={name} port={port} user={}{password}", server.user())
            }
        };
        let dir = tempfile::tempdir().expect("pgbouncer dir");
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
        let listen = free_port();
        let ini = dir.path().join("pgbouncer.ini");
        std::fs::write(
            &ini,
            format!(
                "[databases]\n* = {target}\n\n[pgbouncer]\nlisten_addr = 127.0.0.1\nlisten_port = {listen}\n\
                 unix_socket_dir =\nauth_type = any\npool_mode = {pool_mode}\n\
                 ignore_startup_parameters = extra_float_digits,options\n{extra}\n"
            ),
        )
        .unwrap();
        std::fs::set_permissions(&ini, std::fs::Permissions::from_mode(0o644)).unwrap();
        let log = dir.path().join("pgbouncer.log");
        let log_file = std::fs::File::create(&log).unwrap();
        let mut cmd = Command::new(&binary);
        if root {
            cmd.args(["-u", "postgres"]);
        }
        let child = cmd
            .arg(&ini)
            .stdin(Stdio::null())
            .stdout(log_file.try_clone().unwrap())
            .stderr(log_file)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", binary.display()));
        let mut bouncer = Bouncer { child, port: listen, log, _dir: dir };
        let started = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", listen)).is_err() {
            if let Ok(Some(status)) = bouncer.child.try_wait() {
                panic!("pgbouncer exited {status}:\n{}", bouncer.log_text());
            }
            assert!(started.elapsed() < Duration::from_secs(15), "pgbouncer did not listen:\n{}", bouncer.log_text());
            std::thread::sleep(Duration::from_millis(50));
        }
        bouncer
    }

    /// The address of `db` through the pooler (the pooler logs in on its own; no password).
    fn url(&self, db: &TestDb) -> String {
        format!("postgresql://app@127.0.0.1:{}/{}?sslmode=disable", self.port, db.name)
    }

    fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Bouncer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn pooled_project() -> Project {
    let mut p = Project::new();
    p.add(
        "pooled",
        "CREATE TABLE pooled (id int PRIMARY KEY, v text);\n\
         INSERT INTO pooled SELECT g, md5(g::text) FROM generate_series(1, 50000) g;",
        "DROP TABLE pooled;",
    );
    p.add("pooled index", "CREATE INDEX CONCURRENTLY pooled_v ON pooled (v);", "DROP INDEX CONCURRENTLY pooled_v;");
    p.add("pooled counter", "CREATE TABLE ran (n int);\nINSERT INTO ran VALUES (1);", "DROP TABLE ran;");
    p
}

async fn bookkeeping_exists(db: &TestDb) -> bool {
    strings(db, "SELECT (to_regnamespace('schemactl') IS NOT NULL)::text").await == ["true"]
}

/// Through PgBouncer in transaction mode (last-in-first-out, its default, and round robin)
/// without a direct address, apply, down and stamp refuse before running anything, naming
/// the problem and the fix.
#[tokio::test]
async fn a_transaction_pooler_without_a_direct_address_is_refused_before_anything_runs() {
    let db = TestDb::new().await;
    let p = pooled_project();
    for extra in ["", "server_round_robin = 1", "default_pool_size = 1"] {
        let bouncer = Bouncer::start("transaction", extra).await;
        let pooled = bouncer.url(&db);
        for args in [vec!["apply", "--allow-hazard", "all", "--db", &pooled], vec!["stamp", "head", "--db", &pooled]] {
            let out = p.run(&args);
            let err = stderr(&out);
            assert_eq!(out.status.code(), Some(1), "{extra}: {args:?}\n{}{err}", stdout(&out));
            assert!(err.contains("it is a connection pooler in transaction mode ("), "{extra}: {err}");
            assert!(err.contains("direct_url") && err.contains("--direct-url"), "{extra}: {err}");
            assert!(!stdout(&out).contains("applied"), "{}", stdout(&out));
            eprintln!("pool_mode = transaction {extra:?}: {}", err.lines().next().unwrap_or(""));
        }
        assert!(!bookkeeping_exists(&db).await, "{extra}: nothing may run, not even the bookkeeping");
        assert_eq!(strings(&db, "SELECT count(*)::text FROM pg_class WHERE relname = 'pooled'").await, ["0"]);
    }
}

/// Through PgBouncer in transaction mode with a direct address, two appliers started together
/// (one configured with `direct_url` in schemactl.toml, one with `--direct-url`) both exit 0
/// and each revision runs once; read-only commands work through the pooler. The same pooler in
/// session mode needs no direct address.
#[tokio::test]
async fn through_a_transaction_pooler_with_a_direct_address_two_appliers_apply_each_revision_once() {
    let db = TestDb::new().await;
    let direct = db.url.to_secret_url();
    let bouncer = Bouncer::start("transaction", "").await;
    let pooled = bouncer.url(&db);
    let p = pooled_project();
    let config = format!(
        "revisions = \"generated\"\n\n[environments.live]\nurl = \"{pooled}\"\ndirect_url_env = \"SCHEMACTL_TEST_DIRECT\"\n"
    );
    std::fs::write(p.generated().parent().unwrap().join("schemactl.toml"), config).unwrap();
    let by_env = Command::new(crate::common::schemactl_bin())
        .args(["apply", "--env", "live", "--allow-hazard", "all"])
        .current_dir(p.generated().parent().unwrap())
        .env("SCHEMACTL_TEST_DIRECT", &direct)
        .env_remove("DATABASE_URL")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let by_flag = p.spawn(&["apply", "--db", &pooled, "--direct-url", &direct, "--allow-hazard", "all"]);
    let outputs = [by_env.wait_with_output().unwrap(), by_flag.wait_with_output().unwrap()];
    let text = all_ok(&outputs);
    assert_eq!(text.matches("applied ").count(), 3, "{text}");
    assert_eq!(text.matches("nothing to apply").count(), 1, "{text}");
    assert_eq!(runs(&db).await, (once(&p), once(&p)));
    assert_eq!(strings(&db, "SELECT count(*)::text FROM ran").await, ["1"]);
    valid(&db, &["pooled_v"]).await;
    // Reading the history needs no lock: through the pooler it works.
    let head = &p.revisions.last().unwrap().id;
    assert_eq!(ok(&p.run(&["current", "--db", &pooled])).trim(), head.as_str());
    drop(bouncer);

    // No false alarm: in session mode each client keeps its server session.
    let session = Bouncer::start("session", "").await;
    let out = ok(&p.run(&["apply", "--db", &session.url(&db)]));
    assert!(out.contains(&format!("nothing to apply (at {head})")), "{out}");
}
