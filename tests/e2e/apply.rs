//! `schemactl apply`, `down`, `current`, `history`, `stamp` as a user runs them, each test on a
//! database of its own: history and resumption after a kill, concurrent appliers, waiting for a
//! database that is starting, refusing tampered revisions, the lock, and `--sql` scripts.

use crate::project;

use project::{ok, stderr, stdout, stem, Project};
use schemactl_revision::RevisionKind;
use schemactl_testkit::TestDb;
use std::future::Future;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

async fn query_strings(db: &TestDb, sql: &str) -> Vec<String> {
    let client = db.client().await;
    client.query(sql, &[]).await.unwrap_or_else(|e| panic!("{sql}: {e}")).iter().map(|r| r.get(0)).collect()
}

async fn history(db: &TestDb) -> Vec<String> {
    query_strings(db, "SELECT revision || ' ' || checksum FROM schemactl.history ORDER BY revision").await
}

async fn exists(db: &TestDb, relation: &str) -> bool {
    let sql = format!("SELECT (to_regclass('{relation}') IS NOT NULL)::text");
    query_strings(db, &sql).await == ["true"]
}

/// Polls `probe` every 50 ms until it yields a value; panics naming `what` after `limit`.
async fn wait_for<T, F: Future<Output = Option<T>>>(what: &str, limit: Duration, mut probe: impl FnMut() -> F) -> T {
    let start = Instant::now();
    loop {
        if let Some(value) = probe().await {
            return value;
        }
        assert!(start.elapsed() < limit, "timed out after {limit:?} waiting for {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The pid of the backend running a statement starting with `prefix` (and in state `wait`, if given).
async fn backend_running(db: &TestDb, prefix: &str, wait_event_type: Option<&str>) -> Option<i32> {
    let client = db.client().await;
    let sql = "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() \
               AND state = 'active' AND query LIKE $1 || '%' AND ($2::text IS NULL OR wait_event_type = $2)";
    client.query_opt(sql, &[&prefix, &wait_event_type]).await.unwrap().map(|r| r.get(0))
}

async fn backend_gone(db: &TestDb, pid: i32) -> Option<()> {
    let client = db.client().await;
    let row = client.query_one("SELECT count(*) FROM pg_stat_activity WHERE pid = $1", &[&pid]).await.unwrap();
    (row.get::<_, i64>(0) == 0).then_some(())
}

fn widgets_and_gadgets(p: &mut Project) -> (schemactl_revision::Revision, schemactl_revision::Revision) {
    let r1 = p.add("create widgets", "CREATE TABLE widgets (id int PRIMARY KEY, name text);", "DROP TABLE widgets;");
    let r2 =
        p.add("add gadgets", "CREATE TABLE gadgets (id int);\nINSERT INTO gadgets VALUES (1);", "DROP TABLE gadgets;");
    (r1, r2)
}

#[tokio::test]
async fn apply_down_history_and_stamp() {
    let db = TestDb::new().await;
    let url = db.url.to_secret_url();
    let mut p = Project::new();
    let (r1, r2) = widgets_and_gadgets(&mut p);

    let out = ok(&p.run(&["apply", "--db", &url]));
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 2, "{out}");
    assert!(lines[0].starts_with(&format!("applied {} (", stem(&r1))) && lines[0].ends_with(" ms)"), "{out}");
    assert!(lines[1].starts_with(&format!("applied {} (", stem(&r2))), "{out}");
    assert!(exists(&db, "widgets").await && exists(&db, "gadgets").await);
    assert_eq!(history(&db).await, [format!("{} {}", r1.id, r1.checksum), format!("{} {}", r2.id, r2.checksum)]);

    assert_eq!(ok(&p.run(&["apply", "--db", &url])), format!("nothing to apply (at {})\n", r2.id));
    assert_eq!(ok(&p.run(&["current", "--db", &url])), format!("{}\n", r2.id));
    let listing = ok(&p.run(&["history", "--db", &url]));
    let lines: Vec<&str> = listing.lines().collect();
    assert_eq!(lines.len(), 2, "{listing}");
    assert!(lines[0].starts_with(&r1.id) && lines[0].contains("create widgets") && lines[0].contains(" UTC by "));
    assert!(lines[0].contains(" ms)") && !lines[0].contains("(current)"), "{listing}");
    assert!(lines[1].starts_with(&r2.id) && lines[1].ends_with("(current)"), "{listing}");

    let out = ok(&p.run(&["down", "-n", "1", "--db", &url, "--allow-hazard", "all"]));
    assert!(out.starts_with(&format!("reverted {} (", stem(&r2))) && out.ends_with(&format!("now at {}\n", r1.id)));
    assert!(exists(&db, "widgets").await && !exists(&db, "gadgets").await);
    assert_eq!(ok(&p.run(&["current", "--db", &url])), format!("{}\n", r1.id));
    let listing = ok(&p.run(&["history", "--db", &url]));
    assert!(listing.lines().nth(1).is_some_and(|l| l.contains("pending (undone ")), "{listing}");

    let out = ok(&p.run(&["apply", "--db", &url]));
    assert!(out.starts_with(&format!("applied {} (", stem(&r2))), "{out}");
    assert_eq!(query_strings(&db, "SELECT count(*)::text FROM gadgets").await, ["1"]);

    let out = ok(&p.run(&["down", "--to", "base", "--db", &url, "--allow-hazard", "all"]));
    assert!(out.contains(&format!("reverted {}", stem(&r2))) && out.contains(&format!("reverted {}", stem(&r1))));
    assert!(out.ends_with("now at base\n"), "{out}");
    assert!(!exists(&db, "widgets").await && !exists(&db, "gadgets").await);
    assert_eq!(ok(&p.run(&["current", "--db", &url])), "base\n");
    assert_eq!(ok(&p.run(&["down", "--db", &url])), "nothing to undo (at base)\n");
    let actions = query_strings(&db, "SELECT string_agg(action, ' ' ORDER BY id) FROM schemactl.log").await;
    assert_eq!(actions, ["up up down up down down"]);

    // Adopting a database whose tables already exist: stamp, then apply has nothing to do.
    db.execute_script(&format!("{}\n{}", r1.up, r2.up)).await;
    let out = ok(&p.run(&["stamp", "head", "--db", &url]));
    assert_eq!(out, format!("recorded {}\nrecorded {}\nstamped {} (no SQL was run)\n", stem(&r1), stem(&r2), r2.id));
    assert_eq!(ok(&p.run(&["apply", "--db", &url])), format!("nothing to apply (at {})\n", r2.id));
    let listing = ok(&p.run(&["history", "--db", &url]));
    assert!(listing.lines().all(|l| l.contains("(not run)")), "{listing}");

    let out = ok(&p.run(&["stamp", "base", "--db", &url]));
    assert!(
        out.ends_with("stamped base (no SQL was run)\n") && out.contains(&format!("forgot {}", stem(&r1))),
        "{out}"
    );
    assert_eq!(ok(&p.run(&["current", "--db", &url])), "base\n");
    assert!(exists(&db, "widgets").await, "stamp runs no SQL");

    let offline = ok(&p.run(&["history", "--offline"]));
    assert_eq!(offline, format!("{}  create widgets\n{}  add gadgets\n", r1.id, r2.id));
}

#[tokio::test]
async fn a_failed_statement_names_its_position_and_leaves_the_revision_unapplied() {
    let db = TestDb::new().await;
    let url = db.url.to_secret_url();
    let mut p = Project::new();
    let r1 = p.add("broken", "CREATE TABLE ok (id int);\nINSERT INTO missing_table VALUES (1);", "DROP TABLE ok;");
    let out = p.run(&["apply", "--db", &url]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let err = stderr(&out);
    // The position is in the file (generated/, relative to the project) and at the table name.
    let line = r1.text.lines().position(|l| l.starts_with("INSERT")).unwrap() + 1;
    let location = format!("generated/{}:{line}:13: ", r1.file_name);
    assert!(err.contains(&format!("{location}ERROR: relation \"missing_table\" does not exist")), "{err}");
    assert!(err.contains("was rolled back"), "{err}");
    assert!(!exists(&db, "ok").await);
    assert!(history(&db).await.is_empty());
}

#[tokio::test]
async fn down_refuses_a_revision_without_down_section_before_running_anything() {
    let db = TestDb::new().await;
    let url = db.url.to_secret_url();
    let mut p = Project::new();
    let r1 = p.add("one way", "CREATE TABLE kept (id int);", "-- the data cannot come back");
    let r2 = p.add("two way", "CREATE TABLE gone (id int);", "DROP TABLE gone;");
    ok(&p.run(&["apply", "--db", &url]));
    let out = p.run(&["down", "--to", "base", "--db", &url]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("empty down section") && stderr(&out).contains(&r1.file_name));
    assert!(exists(&db, "gone").await, "nothing ran, not even {}", r2.file_name);
    ok(&p.run(&["down", "--db", &url, "--allow-hazard", "all"]));
    assert!(!exists(&db, "gone").await);
}

#[tokio::test]
async fn killed_inside_a_revision_leaves_a_revision_boundary_and_a_rerun_completes() {
    let db = TestDb::new().await;
    let url = db.url.to_secret_url();
    let mut p = Project::new();
    // Sleeps only while the marker table exists, so the rerun is quick.
    let up = "CREATE TABLE half (id int);\n\
              SELECT pg_sleep(30) WHERE EXISTS (SELECT FROM pg_tables WHERE tablename = 'slow_mode');";
    let r1 = p.add("slow", up, "DROP TABLE half;");
    db.execute_script("CREATE TABLE slow_mode ();").await;

    let mut child = p.spawn(&["apply", "--db", &url]);
    let pid =
        wait_for("the revision to sleep", Duration::from_secs(30), || backend_running(&db, "SELECT pg_sleep", None))
            .await;
    child.kill().expect("SIGKILL apply");
    child.wait().expect("reap apply");
    // The server notices the dead client on its own (client_connection_check_interval), rolls
    // back and releases the lock well before the 30 s sleep would end.
    wait_for("the killed applier's backend to end", Duration::from_secs(15), || backend_gone(&db, pid)).await;
    assert!(!exists(&db, "half").await, "the revision's transaction was rolled back");
    assert!(history(&db).await.is_empty());

    db.execute_script("DROP TABLE slow_mode;").await;
    let out = ok(&p.run(&["apply", "--db", &url, "--lock-timeout", "5s"]));
    assert!(out.starts_with(&format!("applied {}", stem(&r1))), "{out}");
    assert!(exists(&db, "half").await);
    assert_eq!(history(&db).await, [format!("{} {}", r1.id, r1.checksum)]);
}

#[tokio::test]
async fn killed_during_a_concurrent_index_build_resumes_at_that_step() {
    let db = TestDb::new().await;
    let url = db.url.to_secret_url();
    let mut p = Project::new();
    p.add(
        "items",
        "CREATE TABLE items (id int PRIMARY KEY, note text);\n\
         INSERT INTO items SELECT g, 'note ' || g FROM generate_series(1, 1000) g;",
        "DROP TABLE items;",
    );
    let r2 = p.add(
        "index notes",
        "ALTER TABLE items ADD COLUMN kind text;\n\
         CREATE INDEX CONCURRENTLY items_note ON items (note);\n\
         COMMENT ON INDEX items_note IS 'by note';",
        "DROP INDEX CONCURRENTLY items_note;\nALTER TABLE items DROP COLUMN kind;",
    );
    ok(&p.run(&["apply", "--to", "+1", "--db", &url]));

    // An open snapshot elsewhere in the database makes the build wait in its last phase, when
    // the (still invalid) index already exists.
    let blocker = db.client().await;
    blocker.batch_execute("BEGIN ISOLATION LEVEL REPEATABLE READ; SELECT count(*) FROM pg_class;").await.unwrap();
    let mut child = p.spawn(&["apply", "--db", &url, "--allow-hazard", "all"]);
    let pid = wait_for("the index build to wait", Duration::from_secs(30), || {
        backend_running(&db, "CREATE INDEX CONCURRENTLY", Some("Lock"))
    })
    .await;
    child.kill().expect("SIGKILL apply");
    child.wait().expect("reap apply");
    wait_for("the killed applier's backend to end", Duration::from_secs(15), || backend_gone(&db, pid)).await;
    blocker.batch_execute("ROLLBACK").await.unwrap();

    let valid = "SELECT indisvalid::text FROM pg_index WHERE indexrelid = 'items_note'::regclass";
    assert_eq!(query_strings(&db, valid).await, ["false"], "the interrupted build left an invalid index");
    assert!(!history(&db).await.iter().any(|h| h.starts_with(&r2.id)));
    let steps =
        "SELECT format('%s %s %s', section, segment, (applied_at IS NOT NULL)::text) FROM schemactl.steps ORDER BY 1";
    assert_eq!(query_strings(&db, steps).await, ["up 0 true", "up 1 false"]);
    assert_eq!(
        query_strings(&db, "SELECT count(*)::text FROM information_schema.columns WHERE column_name = 'kind'").await,
        ["1"]
    );

    let out = p.run(&["apply", "--db", &url, "--allow-hazard", "all"]);
    let text = ok(&out);
    assert!(text.starts_with(&format!("applied {}", stem(&r2))), "{text}");
    let err = stderr(&out);
    assert!(err.contains(&format!("resuming {} at step 2 of 3", stem(&r2))), "{err}");
    assert!(err.contains("dropping the invalid index public.items_note"), "{err}");
    assert_eq!(query_strings(&db, valid).await, ["true"]);
    assert_eq!(query_strings(&db, "SELECT obj_description('items_note'::regclass)").await, ["by note"]);
    assert_eq!(query_strings(&db, steps).await, Vec::<String>::new());
    assert!(history(&db).await.iter().any(|h| h.starts_with(&r2.id)));

    let out = ok(&p.run(&["down", "--db", &url, "--allow-hazard", "all"]));
    assert!(out.starts_with(&format!("reverted {}", stem(&r2))), "{out}");
    assert!(!exists(&db, "items_note").await);
}

#[tokio::test]
async fn two_appliers_at_once_apply_each_revision_once() {
    let db = TestDb::new().await;
    let url = db.url.to_secret_url();
    let mut p = Project::new();
    // The short sleep keeps the first applier inside the lock while the second one arrives.
    let r1 = p.add("counter", "CREATE TABLE counter (n int);\nSELECT pg_sleep(0.5);", "DROP TABLE counter;");
    let r2 = p.add("count one", "INSERT INTO counter VALUES (1);", "DELETE FROM counter;");
    let a = p.spawn(&["apply", "--db", &url]);
    let b = p.spawn(&["apply", "--db", &url]);
    let (a, b) = (a.wait_with_output().unwrap(), b.wait_with_output().unwrap());
    let outputs = format!("{}{}", ok(&a), ok(&b));
    assert_eq!(outputs.matches("applied ").count(), 2, "{outputs}");
    assert!(outputs.contains(&format!("nothing to apply (at {})", r2.id)), "{outputs}");
    assert_eq!(history(&db).await, [format!("{} {}", r1.id, r1.checksum), format!("{} {}", r2.id, r2.checksum)]);
    assert_eq!(query_strings(&db, "SELECT count(*)::text FROM counter").await, ["1"]);
}

/// Forwards TCP connections on `listener` to the test server (unix socket or TCP).
fn proxy(listener: TcpListener, server: schemactl_connect::DbUrl) {
    use tokio_postgres::config::Host;
    let port = server.config().get_ports().first().copied().unwrap_or(5432);
    let host = server.config().get_hosts().first().cloned().expect("test server host");
    std::thread::spawn(move || {
        for client in listener.incoming().flatten() {
            match &host {
                Host::Unix(dir) => {
                    let upstream = std::os::unix::net::UnixStream::connect(dir.join(format!(".s.PGSQL.{port}")));
                    let upstream = upstream.expect("connect to the server socket");
                    let up2 = upstream.try_clone().unwrap();
                    pipe(client, upstream, up2);
                }
                Host::Tcp(name) => {
                    let upstream = TcpStream::connect((name.as_str(), port)).expect("connect to the server");
                    let up2 = upstream.try_clone().unwrap();
                    pipe(client, upstream, up2);
                }
            }
        }
    });
}

fn pipe<S: Read + Write + Send + 'static>(client: TcpStream, mut upstream: S, mut upstream_writer: S) {
    let mut client_reader = client.try_clone().unwrap();
    std::thread::spawn(move || {
        let _ = std::io::copy(&mut client_reader, &mut upstream_writer);
    });
    let mut client_writer = client;
    std::thread::spawn(move || {
        let _ = std::io::copy(&mut upstream, &mut client_writer);
        let _ = client_writer.shutdown(std::net::Shutdown::Both);
    });
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// The test database's address through 127.0.0.1:`port`.
fn via_port(db: &TestDb, port: u16) -> String {
    let password = db.url.config().get_password().map(|p| format!(":{}", String::from_utf8_lossy(p)));
    format!("postgresql://{}{}@127.0.0.1:{port}/{}", db.url.user(), password.unwrap_or_default(), db.name)
}

#[tokio::test]
async fn apply_waits_for_a_database_that_comes_up_later() {
    let db = TestDb::new().await;
    let mut p = Project::new();
    let r1 = p.add("first", "CREATE TABLE waited (id int);", "DROP TABLE waited;");
    let port = free_port();
    let address = via_port(&db, port);
    let started = Instant::now();
    let child = p.spawn(&["apply", "--wait", "30s", "--db", &address]);
    tokio::time::sleep(Duration::from_secs(3)).await;
    proxy(TcpListener::bind(("127.0.0.1", port)).expect("bind the proxy port"), schemactl_testkit::server().await);
    let out = child.wait_with_output().unwrap();
    assert!(started.elapsed() >= Duration::from_secs(3));
    assert!(ok(&out).starts_with(&format!("applied {}", stem(&r1))), "{}", stdout(&out));
    let err = stderr(&out);
    let shown = format!("postgresql://{}@127.0.0.1:{port}/{}", db.url.user(), db.name);
    assert!(err.contains(&format!("cannot connect to {shown}")) && err.contains("; retrying for up to 30.0s"), "{err}");
    assert!(err.contains(&format!("connected to {shown} after ")), "{err}");
    assert!(exists(&db, "waited").await);
}

#[test]
fn apply_gives_up_waiting_with_exit_3() {
    let mut p = Project::new();
    p.add("first", "CREATE TABLE never (id int);", "DROP TABLE never;");
    let port = free_port();
    let started = Instant::now();
    let out = p.run(&["apply", "--wait", "1s", "--db", &format!("postgresql://app:s3cret@127.0.0.1:{port}/app")]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(started.elapsed() < Duration::from_secs(10));
    let err = stderr(&out);
    assert!(err.contains(&format!("cannot connect to postgresql://app@127.0.0.1:{port}/app")), "{err}");
    assert!(err.contains("gave up after waiting 1s") && !err.contains("s3cret"), "{err}");
}

/// A project with two applied revisions, for the integrity tests.
async fn applied_project() -> (TestDb, Project, String) {
    let db = TestDb::new().await;
    let url = db.url.to_secret_url();
    let mut p = Project::new();
    widgets_and_gadgets(&mut p);
    ok(&p.run(&["apply", "--db", &url]));
    (db, p, url)
}

fn refused(p: &Project, url: &str) -> String {
    let out = p.run(&["apply", "--db", url]);
    assert_eq!(out.status.code(), Some(5), "{}{}", stdout(&out), stderr(&out));
    stderr(&out)
}

#[tokio::test]
async fn an_edited_and_resealed_applied_revision_is_refused() {
    let (db, p, url) = applied_project().await;
    let r1 = &p.revisions[0];
    let path = p.generated().join(&r1.file_name);
    std::fs::write(&path, r1.text.replace("name text", "name varchar(10)")).unwrap();
    p.reseal();
    let err = refused(&p, &url);
    assert!(err.contains(&format!("{}: changed since it was applied", r1.file_name)), "{err}");
    assert_eq!(history(&db).await.len(), 2);
}

#[tokio::test]
async fn an_applied_revision_whose_file_was_deleted_is_refused() {
    let (_db, p, url) = applied_project().await;
    let r2 = &p.revisions[1];
    std::fs::remove_file(p.generated().join(&r2.file_name)).unwrap();
    p.reseal();
    let err = refused(&p, &url);
    assert!(
        err.contains(&format!(
            "the database applied a revision that no file in the revisions directory has:\n  {} (add gadgets), applied ",
            r2.id
        )),
        "{err}"
    );
    assert!(err.contains("`schemactl down --unknown`"), "{err}");
}

#[tokio::test]
async fn a_revision_inserted_before_applied_ones_is_refused() {
    let (db, p, url) = applied_project().await;
    let (r1, r2) = (&p.revisions[0], &p.revisions[1]);
    // A revision from another branch, older than the applied r2, sealed into the chain.
    let middle_id = format!("{}30", &r1.id[..12]);
    let inserted = p.write(&middle_id, Some(r1.id.clone()), RevisionKind::Manual, "from a branch", "SELECT 1;", "");
    p.write(&r2.id, Some(middle_id), RevisionKind::Planned, "add gadgets", &r2.up, &r2.down);
    p.reseal();
    let err = refused(&p, &url);
    assert!(
        err.contains(&format!("{}: not applied, but it sorts before the applied revision", inserted.file_name)),
        "{err}"
    );
    assert_eq!(history(&db).await.len(), 2);
}

#[tokio::test]
async fn an_edited_unsealed_revision_is_refused_by_the_seal() {
    let (_db, p, url) = applied_project().await;
    let r1 = &p.revisions[0];
    std::fs::write(p.generated().join(&r1.file_name), r1.text.replace("name text", "name varchar(10)")).unwrap();
    let err = refused(&p, &url);
    assert!(err.contains(&format!("{}: edited after it was sealed", r1.file_name)), "{err}");
    assert!(err.contains("never applied to any database, accept the edit with `schemactl reseal`"), "{err}");
    assert!(err.contains("make the change a new revision"), "{err}");
}

#[tokio::test]
async fn the_lock_held_elsewhere_gives_exit_4() {
    let db = TestDb::new().await;
    let url = db.url.to_secret_url();
    let mut p = Project::new();
    p.add("first", "CREATE TABLE locked_out (id int);", "DROP TABLE locked_out;");
    let holder = db.client().await;
    holder.execute("SELECT pg_advisory_lock($1)", &[&schemactl_apply::LOCK_KEY]).await.unwrap();
    let started = Instant::now();
    let out = p.run(&["apply", "--lock-timeout", "1s", "--db", &url]);
    assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
    assert!(started.elapsed() < Duration::from_secs(10));
    let err = stderr(&out);
    assert!(err.contains("could not obtain the schemactl lock") && err.contains("within 1s"), "{err}");
    assert!(err.contains("another session holds it (pid "), "{err}");
    assert!(!exists(&db, "locked_out").await);

    holder.execute("SELECT pg_advisory_unlock($1)", &[&schemactl_apply::LOCK_KEY]).await.unwrap();
    ok(&p.run(&["apply", "--lock-timeout", "1s", "--db", &url]));
    assert!(exists(&db, "locked_out").await);
}

#[tokio::test]
async fn a_data_migration_backfills_every_row() {
    let db = TestDb::new().await;
    let url = db.url.to_secret_url();
    let mut p = Project::new();
    p.add(
        "users",
        "CREATE SCHEMA portal;\nCREATE TABLE portal.users (id int PRIMARY KEY, email text NOT NULL);\n\
         INSERT INTO portal.users VALUES (1, 'ann@example.com'), (2, 'bob@corp.example'), (3, 'cy@example.com');",
        "DROP SCHEMA portal CASCADE;",
    );
    p.add_kind(
        RevisionKind::Manual,
        "backfill email domains",
        "ALTER TABLE portal.users ADD COLUMN email_domain text;\n\
         UPDATE portal.users SET email_domain = split_part(email, '@', 2);\n\
         ALTER TABLE portal.users ALTER COLUMN email_domain SET NOT NULL;",
        "ALTER TABLE portal.users DROP COLUMN email_domain;",
    );
    ok(&p.run(&["apply", "--db", &url, "--allow-hazard", "all"]));
    let domains = query_strings(&db, "SELECT id || ' ' || email_domain FROM portal.users ORDER BY id").await;
    assert_eq!(domains, ["1 example.com", "2 corp.example", "3 example.com"]);
    let not_null = "SELECT attnotnull::text FROM pg_attribute WHERE attrelid = 'portal.users'::regclass \
                    AND attname = 'email_domain'";
    assert_eq!(query_strings(&db, not_null).await, ["true"]);
}

fn psql(db: &TestDb, script: &str) -> std::process::Output {
    let mut child = Command::new("psql")
        .args(["-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", &db.url.to_secret_url(), "-f", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run psql");
    child.stdin.take().unwrap().write_all(script.as_bytes()).unwrap();
    child.wait_with_output().unwrap()
}

/// The schema outside `schemactl`, as pg_dump prints it, without comments and session keys.
fn schema_dump(db: &TestDb) -> String {
    let out = Command::new("pg_dump")
        .args(["--schema-only", "--no-owner", "--exclude-schema=schemactl", "-d", &db.url.to_secret_url()])
        .output()
        .expect("run pg_dump");
    let text = ok(&out);
    text.lines()
        .filter(|l| !l.starts_with("--") && !l.starts_with("\\restrict") && !l.starts_with("\\unrestrict"))
        .filter(|l| !l.trim().is_empty())
        .collect::<Vec<_>>()
        .join("\n")
}

fn sql_project() -> Project {
    let mut p = Project::new();
    p.add(
        "widgets",
        "CREATE TABLE widgets (id bigint PRIMARY KEY, note text, made timestamptz DEFAULT now());\n\
         INSERT INTO widgets (id, note) VALUES (1, 'it''s'), (2, E'back\\\\slash');",
        "DROP TABLE widgets;",
    );
    p.add(
        "index notes",
        "ALTER TABLE widgets ADD COLUMN kind text NOT NULL DEFAULT 'plain';\n\
         CREATE INDEX CONCURRENTLY widgets_note ON widgets (note);\n\
         CREATE VIEW plain_widgets AS SELECT id, note FROM widgets WHERE kind = 'plain';",
        "DROP VIEW plain_widgets;\nDROP INDEX CONCURRENTLY widgets_note;\nALTER TABLE widgets DROP COLUMN kind;",
    );
    p
}

#[tokio::test]
async fn the_sql_script_run_by_psql_equals_apply() {
    let live = TestDb::new().await;
    let scripted = TestDb::new().await;
    let p = sql_project();
    let (r1, r2) = (&p.revisions[0], &p.revisions[1]);
    ok(&p.run(&["apply", "--db", &live.url.to_secret_url(), "--allow-hazard", "all"]));

    // Half by apply, the rest by a script computed from the database's history.
    let scripted_url = scripted.url.to_secret_url();
    ok(&p.run(&["apply", "--to", "+1", "--db", &scripted_url]));
    let script = ok(&p.run(&["apply", "--sql", "--db", &scripted_url, "--allow-hazard", "all"]));
    assert!(
        script.starts_with(&format!("-- schemactl apply: 1 revision(s), from {} to {}\n", r1.id, r2.id)),
        "{script}"
    );
    assert!(!script.contains(&r1.file_name), "only the pending revision: {script}");
    assert_eq!(
        ok(&p.run(&["apply", "--sql", "--from", &r1.id, "--db", &scripted_url, "--allow-hazard", "all"])),
        script
    );
    assert_eq!(history(&scripted).await.len(), 1, "--sql changes nothing");
    let run = psql(&scripted, &script);
    assert!(run.status.success(), "{}", stderr(&run));

    assert_eq!(schema_dump(&scripted), schema_dump(&live));
    assert_eq!(history(&scripted).await, history(&live).await);
    // The script stores each revision's SQL and schema-after as apply does, byte for byte.
    let stored = "SELECT concat_ws(' | ', revision, up_sql, down_sql, schema_after) FROM schemactl.history ORDER BY 1";
    let scripted_rows = query_strings(&scripted, stored).await;
    assert_eq!(scripted_rows, query_strings(&live, stored).await);
    assert!(scripted_rows[1].contains(&r2.down) && scripted_rows[0].contains(&r1.up), "{scripted_rows:?}");
    assert_eq!(
        query_strings(&scripted, "SELECT string_agg(note, ',' ORDER BY id) FROM widgets").await,
        ["it's,back\\slash"]
    );

    // Run again, the script stops at its guard instead of applying anything twice.
    let again = psql(&scripted, &script);
    assert!(!again.status.success());
    assert!(
        stderr(&again).contains(&format!("schemactl: revision {} is already applied", r2.id)),
        "{}",
        stderr(&again)
    );
    assert_eq!(history(&scripted).await, history(&live).await);

    // down --sql undoes it the same way.
    let down = ok(&p.run(&["down", "--sql", "--to", "base", "--db", &scripted_url, "--allow-hazard", "all"]));
    assert!(down.contains("DELETE FROM schemactl.history"), "{down}");
    let run = psql(&scripted, &down);
    assert!(run.status.success(), "{}", stderr(&run));
    assert!(history(&scripted).await.is_empty());
    assert!(!exists(&scripted, "widgets").await);
}

#[tokio::test]
async fn the_sql_script_from_base_needs_no_database() {
    let p = sql_project();
    let closed = format!("postgresql://nobody@127.0.0.1:{}/nowhere", free_port());
    let script = ok(&p.run(&["apply", "--sql", "--from", "base", "--db", &closed, "--allow-hazard", "all"]));
    assert!(script.starts_with(&format!("-- schemactl apply: 2 revision(s), from base to {}", p.revisions[1].id)));
    let fresh = TestDb::new().await;
    let run = psql(&fresh, &script);
    assert!(run.status.success(), "{}", stderr(&run));
    assert_eq!(history(&fresh).await.len(), 2);
    // Without --from the same command must connect, and cannot.
    let out = p.run(&["apply", "--sql", "--db", &closed]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
}

/// A login role named `schemactl` resolves the default search_path's `"$user"` to the
/// bookkeeping schema once apply has created it: unqualified names in revisions must still
/// land in `public`, as they would under any other role.
#[tokio::test]
async fn a_role_named_like_the_bookkeeping_schema_still_creates_in_public() {
    let server = schemactl_testkit::tcp_server().await;
    let admin = server.admin.connect().await.expect("connect to the TCP test server");
    let password = "Bookkeeping-r0le";
    // The embedded cluster's bootstrap superuser may already carry the name; elsewhere the role
    // is created (two test processes may race: the loser's error is harmless).
    let _ = admin.batch_execute("CREATE ROLE schemactl LOGIN").await;
    admin
        .batch_execute(&format!("ALTER ROLE schemactl LOGIN PASSWORD '{password}'"))
        .await
        .expect("give the role a password");
    let db = schemactl_shadow::unique_name("schemactl_test_");
    admin.batch_execute(&format!("CREATE DATABASE {db} OWNER schemactl")).await.expect("create the database");

    let mut project = Project::new();
    project.add("items", "CREATE TABLE items (id int);", "DROP TABLE items;");
    let url = format!("postgresql://schemactl:{password}@127.0.0.1:{}/{db}?sslmode=disable", server.port);
    let applied = project.run(&["apply", "--db", &url]);
    let first = ok(&applied);
    // A second run connects again with the bookkeeping schema now present, the case that used
    // to resolve "$user" to it.
    project.add("notes", "CREATE TABLE notes (id int);", "DROP TABLE notes;");
    let second = project.run(&["apply", "--db", &url]);
    let second = ok(&second);

    let client = server.admin.with_dbname(&db).connect().await.expect("connect to the new database");
    let row = client
        .query_one(
            "SELECT to_regclass('public.items') IS NOT NULL, to_regclass('public.notes') IS NOT NULL, \
             to_regclass('schemactl.notes') IS NULL",
            &[],
        )
        .await
        .expect("look the tables up");
    let found: (bool, bool, bool) = (row.get(0), row.get(1), row.get(2));
    drop(client);
    let _ = admin.batch_execute(&format!("DROP DATABASE {db} WITH (FORCE)")).await;
    assert_eq!(found, (true, true, true), "tables were created in the wrong schema\n{first}\n{second}");
}
