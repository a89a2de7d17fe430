//! The harness every integration test uses: a real PostgreSQL server and one fresh database per
//! test. Tests never skip for lack of a database: without one they fail, loudly.
//!
//! The server is `SCHEMACTL_TEST_DATABASE_URL` when set (its role must be allowed to create
//! databases), else an embedded cluster started once per test process from the locally
//! installed PostgreSQL binaries. Tests of network clients (TLS, passwords) get a server on
//! 127.0.0.1 with TLS from [`tcp_server`].

use schemactl_connect::DbUrl;
use schemactl_shadow::{EmbeddedCluster, ServerTls};
use std::path::PathBuf;
use std::sync::OnceLock;

/// The variable naming an existing server to test against instead of an embedded cluster.
pub const DATABASE_URL_ENV: &str = "SCHEMACTL_TEST_DATABASE_URL";

/// The process-wide server. Only the address and the cluster handle are kept: every
/// `#[tokio::test]` has its own runtime, and a client must not outlive the runtime it was made
/// on. The cluster is never dropped (it lives in a static); it is stopped at process exit by
/// the shadow crate's `atexit` hook, or by its parent-death signal if the process is killed.
struct Server {
    url: DbUrl,
    _cluster: Option<EmbeddedCluster>,
}

static SERVER: OnceLock<Result<Server, String>> = OnceLock::new();

/// The test server's maintenance database. Panics, explaining what to do, if there is none.
pub async fn server() -> DbUrl {
    if let Some(server) = SERVER.get() {
        return unwrap_server(server);
    }
    // Starting a cluster blocks for a while: keep it off the test's runtime thread. Racing
    // tests wait inside `get_or_init`, and only one cluster is started.
    let server = tokio::task::spawn_blocking(|| SERVER.get_or_init(start_server))
        .await
        .unwrap_or_else(|e| panic!("schemactl-testkit: starting the test server panicked: {e}"));
    unwrap_server(server)
}

fn unwrap_server(server: &Result<Server, String>) -> DbUrl {
    match server {
        Ok(s) => s.url.clone(),
        Err(message) => panic!("{message}"),
    }
}

fn start_server() -> Result<Server, String> {
    if let Some(address) = std::env::var(DATABASE_URL_ENV).ok().filter(|v| !v.trim().is_empty()) {
        return DbUrl::parse(&address)
            .map(|url| Server { url, _cluster: None })
            .map_err(|e| loud(&format!("{DATABASE_URL_ENV} is not a usable database address: {e}")));
    }
    let cluster =
        EmbeddedCluster::start(None).map_err(|e| loud(&format!("cannot start an embedded PostgreSQL server: {e}")))?;
    let url = with_test_role(&cluster.url())?;
    Ok(Server { url, _cluster: Some(cluster) })
}

/// The role tests connect as on an embedded cluster. Not the cluster's bootstrap superuser,
/// which is called `schemactl` like the applier's bookkeeping schema: PostgreSQL's default
/// `search_path` (`"$user", public`) would then send the unqualified names of tests'
/// revisions into that schema. `postgres` is what a stock server has.
pub const EMBEDDED_ROLE: &str = "postgres";

/// Creates [`EMBEDDED_ROLE`] (a superuser, like the bootstrap one) and addresses it instead.
fn with_test_role(bootstrap: &DbUrl) -> Result<DbUrl, String> {
    let role = schemactl_sqltext::quoted_ident(EMBEDDED_ROLE);
    block_on_own_runtime(bootstrap.clone(), move |url| async move {
        let client = url.connect().await.map_err(|e| e.to_string())?;
        let sql = format!("CREATE ROLE {role} SUPERUSER LOGIN");
        client.batch_execute(&sql).await.map_err(|e| describe(&e))
    })
    .map_err(|e| loud(&format!("cannot create the test role on the embedded server: {e}")))?;
    let bootstrap_user = format!("postgresql://{}@", bootstrap.user());
    let address = bootstrap.to_secret_url().replacen(&bootstrap_user, &format!("postgresql://{EMBEDDED_ROLE}@"), 1);
    DbUrl::parse(&address).map_err(|e| loud(&format!("the embedded server's address: {e}")))
}

/// Runs `work` on a runtime of its own in a thread of its own: the callers are synchronous
/// (inside `OnceLock::get_or_init`) and may themselves run on a runtime that cannot block.
fn block_on_own_runtime<T, F, Fut>(url: DbUrl, work: F) -> Result<T, String>
where
    T: Send + 'static,
    F: FnOnce(DbUrl) -> Fut + Send + 'static,
    Fut: std::future::Future<Output = Result<T, String>>,
{
    let worker = std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().map_err(|e| e.to_string())?;
        rt.block_on(work(url))
    });
    worker.join().unwrap_or_else(|_| Err("the worker thread panicked".into()))
}

/// A server for tests of network clients (TLS, password logins): reachable on 127.0.0.1 with
/// a password (pg_hba) and `ssl = on`, and the superuser address to make login roles with.
#[derive(Debug, Clone)]
pub struct TcpServer {
    /// A superuser on the server's maintenance database (over its unix socket).
    pub admin: DbUrl,
    /// The TCP port on 127.0.0.1.
    pub port: u16,
    /// The server's certificate (self-signed), PEM.
    pub cert_file: PathBuf,
}

struct TcpHolder {
    server: TcpServer,
    _cluster: Option<EmbeddedCluster>,
}

static TCP_SERVER: OnceLock<Result<TcpHolder, String>> = OnceLock::new();

/// The TCP test server: `SCHEMACTL_TEST_DATABASE_URL`'s server when it has `ssl = on` (as
/// Debian's clusters do, with the "snakeoil" certificate), else an embedded cluster started
/// once per test process with a throwaway self-signed certificate for `localhost` (it names
/// no IP address). Panics, explaining what to do, if there is none.
pub async fn tcp_server() -> TcpServer {
    let holder = match TCP_SERVER.get() {
        Some(holder) => holder,
        None => tokio::task::spawn_blocking(|| TCP_SERVER.get_or_init(start_tcp_server))
            .await
            .unwrap_or_else(|e| panic!("schemactl-testkit: starting the TCP test server panicked: {e}")),
    };
    match holder {
        Ok(h) => h.server.clone(),
        Err(message) => panic!("{message}"),
    }
}

fn start_tcp_server() -> Result<TcpHolder, String> {
    if let Some(address) = std::env::var(DATABASE_URL_ENV).ok().filter(|v| !v.trim().is_empty()) {
        let admin = DbUrl::parse(&address)
            .map_err(|e| loud(&format!("{DATABASE_URL_ENV} is not a usable database address: {e}")))?;
        if let Some(server) = existing_tcp_server(&admin)? {
            return Ok(TcpHolder { server, _cluster: None });
        }
    }
    let certified = rcgen::generate_simple_self_signed(vec!["localhost".to_string()])
        .map_err(|e| format!("schemactl-testkit: cannot make a test certificate: {e}"))?;
    let tls = ServerTls { cert_pem: certified.cert.pem(), key_pem: certified.key_pair.serialize_pem() };
    let cluster = EmbeddedCluster::start_with_tls(None, &tls)
        .map_err(|e| loud(&format!("cannot start an embedded PostgreSQL server with TLS: {e}")))?;
    let port = cluster.tcp_port().ok_or("schemactl-testkit: the TLS cluster has no TCP port")?;
    let server = TcpServer { admin: cluster.url(), port, cert_file: cluster.dir().join("server.crt") };
    Ok(TcpHolder { server, _cluster: Some(cluster) })
}

/// The server at `admin` as the TCP test server, if it has `ssl = on`.
fn existing_tcp_server(admin: &DbUrl) -> Result<Option<TcpServer>, String> {
    let settings = block_on_own_runtime(admin.clone(), |url| async move {
        let client = url.connect().await.map_err(|e| e.to_string())?;
        let sql = "SELECT current_setting('ssl'), current_setting('port'), current_setting('ssl_cert_file'), \
                   current_setting('data_directory')";
        let row = client.query_one(sql, &[]).await.map_err(|e| describe(&e))?;
        Ok((0..4).map(|i| row.get::<_, String>(i)).collect::<Vec<_>>())
    })
    .map_err(|e| loud(&format!("cannot ask the server {DATABASE_URL_ENV} names for its TLS settings: {e}")))?;
    if settings[0] != "on" {
        return Ok(None);
    }
    let port = settings[1].parse().map_err(|e| format!("schemactl-testkit: the server's port {}: {e}", settings[1]))?;
    // A relative ssl_cert_file is relative to the data directory.
    let cert_file = PathBuf::from(&settings[3]).join(&settings[2]);
    Ok(Some(TcpServer { admin: admin.clone(), port, cert_file }))
}

fn loud(problem: &str) -> String {
    format!(
        "\n\n==================== schemactl-testkit: NO TEST DATABASE ====================\n\
         {problem}\n\n\
         The integration tests need a real PostgreSQL server; they do not skip without one.\n\
         Either install the PostgreSQL server binaries (Debian/Ubuntu: apt-get install postgresql;\n\
         initdb and postgres are found on PATH, via pg_config, or in /usr/lib/postgresql/*/bin),\n\
         or set {DATABASE_URL_ENV}=postgresql://user@host:port/postgres to a server whose role\n\
         may CREATE DATABASE.\n\
         ============================================================================\n"
    )
}

/// A fresh, empty database on the test server, dropped when the value is dropped.
#[derive(Debug)]
pub struct TestDb {
    pub url: DbUrl,
    pub name: String,
    server: DbUrl,
}

impl TestDb {
    /// Creates `schemactl_test_<pid>_<n>_<random>` from `template0`: unique across parallel
    /// tests and parallel test processes sharing one server.
    pub async fn new() -> TestDb {
        let server = server().await;
        let name = schemactl_shadow::unique_name("schemactl_test_");
        let client = match server.connect().await {
            Ok(client) => client,
            Err(e) => panic!("{}", loud(&format!("cannot connect to the test server: {e}"))),
        };
        let sql = format!("CREATE DATABASE {} TEMPLATE template0", schemactl_sqltext::quoted_ident(&name));
        if let Err(e) = client.batch_execute(&sql).await {
            panic!("schemactl-testkit: cannot create test database {name} on {server}: {}", describe(&e));
        }
        TestDb { url: server.with_dbname(&name), name, server }
    }

    /// A new connection to this database, driven by the current runtime.
    pub async fn client(&self) -> tokio_postgres::Client {
        connect(&self.url).await
    }

    /// Runs SQL (any number of statements) in this database; panics with the server's error.
    pub async fn execute_script(&self, sql: &str) {
        let client = self.client().await;
        if let Err(e) = client.batch_execute(sql).await {
            panic!("schemactl-testkit: script failed in {}: {}\n--- script ---\n{sql}", self.name, describe(&e));
        }
    }
}

/// Drops the database (best effort) without needing the caller's runtime, which may be gone or
/// be a current-thread one that cannot be blocked on: a thread with its own runtime does it.
impl Drop for TestDb {
    fn drop(&mut self) {
        let server = self.server.clone();
        let sql = format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", schemactl_sqltext::quoted_ident(&self.name));
        let worker = std::thread::spawn(move || {
            let Ok(rt) = tokio::runtime::Builder::new_current_thread().enable_all().build() else {
                return;
            };
            rt.block_on(async {
                if let Ok(client) = server.connect().await {
                    let _ = client.batch_execute(&sql).await;
                }
            });
        });
        let _ = worker.join();
    }
}

async fn connect(url: &DbUrl) -> tokio_postgres::Client {
    match url.connect().await {
        Ok(client) => client,
        Err(e) => panic!("schemactl-testkit: {e}"),
    }
}

/// The server's message with its detail, hint and position, or the client error.
fn describe(e: &tokio_postgres::Error) -> String {
    let Some(db) = e.as_db_error() else {
        return e.to_string();
    };
    let mut text = format!("{}: {}", db.severity(), db.message());
    if let Some(detail) = db.detail() {
        text.push_str(&format!("\nDETAIL: {detail}"));
    }
    if let Some(hint) = db.hint() {
        text.push_str(&format!("\nHINT: {hint}"));
    }
    if let Some(tokio_postgres::error::ErrorPosition::Original(p)) = db.position() {
        text.push_str(&format!("\nat character {p}"));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn table_names(db: &TestDb) -> Vec<String> {
        let client = db.client().await;
        let rows = client
            .query("SELECT tablename::text FROM pg_tables WHERE schemaname = 'public' ORDER BY 1", &[])
            .await
            .unwrap();
        rows.iter().map(|r| r.get(0)).collect()
    }

    #[tokio::test]
    async fn two_test_databases_are_isolated() {
        let a = TestDb::new().await;
        let b = TestDb::new().await;
        assert_ne!(a.name, b.name);
        assert_eq!(a.url.dbname(), a.name);
        a.execute_script("CREATE TABLE only_in_a (id int); INSERT INTO only_in_a VALUES (1);").await;
        b.execute_script("CREATE TABLE only_in_b (id int);").await;
        assert_eq!(table_names(&a).await, ["only_in_a"]);
        assert_eq!(table_names(&b).await, ["only_in_b"]);
    }

    #[tokio::test]
    async fn dropping_removes_the_database() {
        let db = TestDb::new().await;
        let name = db.name.clone();
        let _open_connection = db.client().await; // WITH (FORCE) disconnects it
        drop(db);
        let client = server().await.connect().await.unwrap();
        let row = client.query_one("SELECT count(*) FROM pg_database WHERE datname = $1", &[&name]).await.unwrap();
        assert_eq!(row.get::<_, i64>(0), 0);
    }

    // Several runtimes (one per test) share the one server: run a few at once.
    #[tokio::test]
    async fn shared_server_a() {
        TestDb::new().await.execute_script("SELECT 1").await;
    }

    #[tokio::test]
    async fn shared_server_b() {
        TestDb::new().await.execute_script("SELECT 1").await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn shared_server_multi_thread() {
        let db = TestDb::new().await;
        db.execute_script("CREATE TABLE t (id int)").await;
        assert_eq!(table_names(&db).await, ["t"]);
    }

    #[tokio::test]
    #[should_panic(expected = "script failed")]
    async fn script_errors_panic_with_the_message() {
        TestDb::new().await.execute_script("SELECT * FROM missing_table").await;
    }
}
