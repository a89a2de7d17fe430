//! The harness every integration test uses: a real PostgreSQL server and one fresh database per
//! test. Tests never skip for lack of a database: without one they fail, loudly.
//!
//! The server is `SCHEMACTL_TEST_DATABASE_URL` when set (its role must be allowed to create
//! databases), else an embedded cluster started once per test process from the locally
//! installed PostgreSQL binaries.

use schemactl_connect::DbUrl;
use schemactl_shadow::EmbeddedCluster;
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
    match EmbeddedCluster::start(None) {
        Ok(cluster) => Ok(Server { url: cluster.url(), _cluster: Some(cluster) }),
        Err(e) => Err(loud(&format!("cannot start an embedded PostgreSQL server: {e}"))),
    }
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
