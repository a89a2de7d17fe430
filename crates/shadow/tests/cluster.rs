//! Embedded clusters and shadow databases against the locally installed PostgreSQL.

use schemactl_shadow::{EmbeddedCluster, Shadow};
use std::time::{Duration, Instant};

/// Whether a process still runs (zombies count as gone).
fn alive(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => stat.rsplit_once(')').and_then(|(_, rest)| rest.split_whitespace().next()) != Some("Z"),
        Err(_) => false,
    }
}

fn wait_dead(pid: u32) -> bool {
    let deadline = Instant::now() + Duration::from_secs(10);
    while alive(pid) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    !alive(pid)
}

async fn databases(url: &schemactl_connect::DbUrl) -> Vec<String> {
    let client = url.connect().await.unwrap();
    let rows = client.query("SELECT datname::text FROM pg_database ORDER BY 1", &[]).await.unwrap();
    rows.iter().map(|r| r.get(0)).collect()
}

#[tokio::test]
async fn embedded_cluster_lifecycle() {
    let cluster = tokio::task::spawn_blocking(|| EmbeddedCluster::start(None)).await.unwrap().unwrap();
    let (pid, dir) = (cluster.pid(), cluster.dir().to_path_buf());
    assert!(alive(pid));
    assert!(dir.join("data").join("PG_VERSION").exists());
    let url = cluster.url();
    assert_eq!(url.dbname(), "postgres");
    assert!(url.to_string().contains(&dir.display().to_string()), "{url}");

    let client = url.connect().await.unwrap();
    client.batch_execute("CREATE DATABASE lifecycle_probe TEMPLATE template0").await.unwrap();
    let row =
        client.query_one("SELECT current_setting('fsync'), current_setting('listen_addresses')", &[]).await.unwrap();
    assert_eq!((row.get::<_, String>(0).as_str(), row.get::<_, String>(1).as_str()), ("off", ""));
    client.batch_execute("DROP DATABASE lifecycle_probe").await.unwrap();
    drop(client);

    tokio::task::spawn_blocking(move || cluster.stop()).await.unwrap();
    assert!(!dir.exists(), "{} must be removed", dir.display());
    assert!(wait_dead(pid), "postmaster {pid} must be gone");
}

#[test]
fn dropping_a_cluster_stops_it() {
    let cluster = EmbeddedCluster::start(None).unwrap();
    let (pid, dir) = (cluster.pid(), cluster.dir().to_path_buf());
    drop(cluster);
    assert!(!dir.exists());
    assert!(wait_dead(pid));
}

#[test]
fn start_outside_and_use_inside_separate_runtimes() {
    // The testkit's pattern: one cluster, used from several runtimes (one per test).
    let cluster = EmbeddedCluster::start(Some(15)).unwrap();
    for _ in 0..2 {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        rt.block_on(async {
            let client = cluster.url().connect().await.unwrap();
            client.simple_query("SELECT 1").await.unwrap();
        });
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn embedded_shadow_databases() {
    let shadow = Shadow::start(None, Some(15)).await.unwrap();
    assert!(shadow.is_embedded());
    assert!(shadow.major_version() >= 10);
    let a = shadow.create_database().await.unwrap();
    let b = shadow.create_database().await.unwrap();
    assert_ne!(a.dbname(), b.dbname());
    assert!(a.dbname().starts_with("schemactl_shadow_"));
    let client = a.connect().await.unwrap();
    client.batch_execute("CREATE TABLE t (id int)").await.unwrap();
    // The connection is forced out by DROP ... WITH (FORCE).
    shadow.drop_database(&a).await.unwrap();
    let names = databases(shadow.server_url()).await;
    assert!(!names.contains(&a.dbname().to_string()));
    assert!(names.contains(&b.dbname().to_string()));
    let dir = shadow_dir(&shadow);
    shadow.close().await.unwrap();
    assert!(!dir.exists());
}

/// The embedded cluster's directory, from the socket path in its URL.
fn shadow_dir(shadow: &Shadow) -> std::path::PathBuf {
    match shadow.server_url().config().get_hosts().first() {
        Some(tokio_postgres::config::Host::Unix(p)) => p.parent().unwrap().to_path_buf(),
        other => panic!("unexpected host {other:?}"),
    }
}

#[tokio::test]
async fn dev_url_shadow_databases() {
    // A server lent to us: here an embedded cluster playing the part of the user's dev server.
    let server = tokio::task::spawn_blocking(|| EmbeddedCluster::start(None)).await.unwrap().unwrap();
    let dev_url = server.url();

    let shadow = Shadow::start(Some(&dev_url), None).await.unwrap();
    assert!(!shadow.is_embedded());
    assert_eq!(shadow.major_version(), server.major_version());
    let a = shadow.create_database().await.unwrap();
    let b = shadow.create_database().await.unwrap();
    let _held_open = b.connect().await.unwrap();
    shadow.drop_database(&a).await.unwrap();
    assert!(!databases(&dev_url).await.contains(&a.dbname().to_string()));
    shadow.close().await.unwrap();
    let left: Vec<String> =
        databases(&dev_url).await.into_iter().filter(|d| d.starts_with("schemactl_shadow_")).collect();
    assert!(left.is_empty(), "{left:?}");

    // Without close(): Drop cleans up too.
    let shadow = Shadow::start(Some(&dev_url), None).await.unwrap();
    let c = shadow.create_database().await.unwrap();
    drop(shadow);
    assert!(!databases(&dev_url).await.contains(&c.dbname().to_string()));
}

#[tokio::test]
async fn dev_url_role_without_createdb_gets_a_hint() {
    let server = tokio::task::spawn_blocking(|| EmbeddedCluster::start(None)).await.unwrap().unwrap();
    let admin = server.url().connect().await.unwrap();
    admin.batch_execute("CREATE ROLE weak LOGIN NOCREATEDB").await.unwrap();
    let weak = schemactl_connect::DbUrl::parse(&format!("{} user=weak", conninfo(&server.url()))).unwrap();
    let shadow = Shadow::start(Some(&weak), None).await.unwrap();
    let err = shadow.create_database().await.unwrap_err().to_string();
    assert!(err.contains("permission denied to create database"), "{err}");
    assert!(err.contains("needs CREATEDB"), "{err}");
    assert!(err.contains("weak@"), "{err}");
}

/// The embedded server's address as conninfo, to vary one part of it.
fn conninfo(url: &schemactl_connect::DbUrl) -> String {
    let config = url.config();
    let host = match config.get_hosts().first() {
        Some(tokio_postgres::config::Host::Unix(p)) => p.display().to_string(),
        other => panic!("unexpected host {other:?}"),
    };
    format!("host={host} port={} dbname=postgres", config.get_ports()[0])
}

#[tokio::test]
async fn unreachable_dev_url_is_a_clear_error() {
    let url = schemactl_connect::DbUrl::parse("postgresql://nobody:secret@/nodb?host=/nonexistent&port=1").unwrap();
    let err = Shadow::start(Some(&url), None).await.unwrap_err().to_string();
    assert!(err.contains("cannot connect"), "{err}");
    assert!(!err.contains("secret"), "{err}");
}

#[test]
fn starting_is_quick_once_the_template_is_cached() {
    drop(EmbeddedCluster::start(None).unwrap()); // builds the template if needed
    let start = Instant::now();
    let cluster = EmbeddedCluster::start(None).unwrap();
    let elapsed = start.elapsed();
    cluster.stop();
    eprintln!("embedded cluster start: {elapsed:?}");
    // Generous: CI machines are slow and busy; initdb alone takes about a second.
    assert!(elapsed < Duration::from_secs(5), "{elapsed:?}");
}

/// Set in the child of [`server_environment_holds_nothing_of_ours`] (and its value is the
/// canary the server must not see).
const ENV_CHILD: &str = "SCHEMACTL_SHADOW_ENV_CHILD";

/// Schema SQL runs in the embedded server as superuser and can read the server's environment,
/// so the server gets PATH, a locale and a time zone, nothing of ours. The child has the
/// canary in its environment (`PGPASSWORD`, `DATABASE_URL` and the marker itself), starts a
/// cluster and reads the postmaster's `/proc/<pid>/environ`.
#[test]
fn server_environment_holds_nothing_of_ours() {
    const CANARY: &str = "S3cr3t-canary";
    if std::env::var(ENV_CHILD).is_ok_and(|v| v == CANARY) {
        let cluster = EmbeddedCluster::start(None).unwrap();
        let environ = std::fs::read(format!("/proc/{}/environ", cluster.pid())).unwrap();
        cluster.stop();
        let environ = String::from_utf8_lossy(&environ).to_string();
        let names: Vec<&str> = environ.split('\0').filter_map(|v| v.split_once('=')).map(|(k, _)| k).collect();
        assert!(names.contains(&"PATH") && names.contains(&"LC_ALL"), "{environ:?}");
        assert!(!environ.contains(CANARY), "the canary reached the server: {environ:?}");
        for name in names {
            assert!(["PATH", "LD_LIBRARY_PATH", "LC_ALL", "LANG", "TZ"].contains(&name), "{name} in {environ:?}");
        }
        return;
    }
    let status = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["server_environment_holds_nothing_of_ours", "--exact", "--test-threads=1"])
        .env(ENV_CHILD, CANARY)
        .env("PGPASSWORD", CANARY)
        .env("DATABASE_URL", format!("postgresql://u:{CANARY}@h/db"))
        .status()
        .unwrap();
    assert!(status.success(), "the child failed: {status}");
}
