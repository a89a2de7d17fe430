//! [`Shadow`]: where throwaway databases come from, a `--dev-url` server or an embedded cluster.

use crate::cluster::EmbeddedCluster;
use crate::dropdb::drop_database_on;
use crate::error::{Error, Result};
use crate::{process, registry};
use schemactl_connect::DbUrl;
use schemactl_sqltext::quoted_ident;
use std::sync::Mutex;
use std::time::Duration;
use tokio_postgres::error::SqlState;

const PREFIX: &str = "schemactl_shadow_";

const CREATEDB_HINT: &str = "the --dev-url role needs CREATEDB (ALTER ROLE ... CREATEDB), \
                             or leave out --dev-url to use an embedded server";

/// How long one schema statement may run while it is loaded, unless configured otherwise.
/// Schema statements are declarations; the few that run queries (materialized views, a
/// function called by a default or an index expression over rows that do not exist yet) finish
/// in well under a second on an empty database. A statement still running after this is
/// stuck, or doing something a schema file should not (`pg_sleep`, an endless loop).
pub const DEFAULT_LOAD_TIMEOUT: Duration = Duration::from_secs(60);

/// The environment variable that overrides the load timeout (`30s`, `5m`, `0` for none), for
/// every command, including `diff`, which reads no project file.
pub const LOAD_TIMEOUT_ENV: &str = "SCHEMACTL_SHADOW_LOAD_TIMEOUT";

/// The project's `[shadow] load_timeout`, once the binary has read it.
static CONFIGURED_LOAD_TIMEOUT: Mutex<Option<Duration>> = Mutex::new(None);

/// Sets the load timeout of the shadows started from now on in this process (the binary calls
/// it with the project's `[shadow] load_timeout`); [`LOAD_TIMEOUT_ENV`] still wins. Zero means
/// no timeout. It is the `statement_timeout` of the shadow's databases, so it bounds every
/// statement there (catalog reads too, which take far less on a schema of any size).
pub fn set_load_timeout(timeout: Duration) {
    *CONFIGURED_LOAD_TIMEOUT.lock().unwrap_or_else(|e| e.into_inner()) = Some(timeout);
}

/// [`LOAD_TIMEOUT_ENV`], else what [`set_load_timeout`] set, else [`DEFAULT_LOAD_TIMEOUT`].
fn effective_load_timeout() -> Result<Duration> {
    if let Some(text) = std::env::var(LOAD_TIMEOUT_ENV).ok().filter(|v| !v.trim().is_empty()) {
        return schemactl_model::parse_duration(&text)
            .map_err(|reason| Error::Setting { name: LOAD_TIMEOUT_ENV.into(), reason });
    }
    let configured = *CONFIGURED_LOAD_TIMEOUT.lock().unwrap_or_else(|e| e.into_inner());
    Ok(configured.unwrap_or(DEFAULT_LOAD_TIMEOUT))
}

/// The project's `postgres = N`, once the binary has read it.
static PINNED_MAJOR: Mutex<Option<u32>> = Mutex::new(None);
/// Whether a `--dev-url` server of another major than the one wanted may be used anyway.
static ALLOW_MAJOR_MISMATCH: Mutex<bool> = Mutex::new(false);

/// The major a shadow is made of when no target database says (the project's
/// `postgres = N`): plans from files alone are then made for the servers the project runs,
/// not for whatever this machine has newest.
pub fn set_pinned_major(major: u32) {
    *PINNED_MAJOR.lock().unwrap_or_else(|e| e.into_inner()) = Some(major);
}

pub fn pinned_major() -> Option<u32> {
    *PINNED_MAJOR.lock().unwrap_or_else(|e| e.into_inner())
}

/// Lets a `--dev-url` server of another major than the one wanted lend the shadow databases
/// (`--allow-major-mismatch`); without it such a server is refused.
pub fn set_allow_major_mismatch(allow: bool) {
    *ALLOW_MAJOR_MISMATCH.lock().unwrap_or_else(|e| e.into_inner()) = allow;
}

/// The major a shadow must have, and why: the target database's, else the project's pin.
pub fn wanted_major(target: Option<u32>) -> Option<(u32, String)> {
    match (target, pinned_major()) {
        (Some(major), _) => Some((major, format!("the target database runs PostgreSQL {major}"))),
        (None, Some(major)) => Some((major, format!("schemactl.toml pins `postgres = {major}`"))),
        (None, None) => None,
    }
}

/// A server where we may create and drop throwaway databases.
#[derive(Debug)]
pub struct Shadow {
    server: DbUrl,
    major: u32,
    cluster: Option<EmbeddedCluster>,
    /// The `statement_timeout` of every database we create (zero: none).
    load_timeout: Duration,
    /// Databases created and not yet dropped, with their signal-cleanup registration.
    created: Mutex<Vec<(String, u64)>>,
}

impl Shadow {
    /// `dev_url`: a server the user lent us (`--dev-url`/`SCHEMACTL_DEV_URL`), whose role may
    /// create databases; `None`: start an embedded cluster. `prefer_major`: the target
    /// database's major version, used to pick the embedded server's binaries. Statements
    /// loaded into its databases get the load timeout (see [`set_load_timeout`]).
    pub async fn start(dev_url: Option<&DbUrl>, target_major: Option<u32>) -> Result<Shadow> {
        let load_timeout = effective_load_timeout()?;
        let wanted = wanted_major(target_major);
        match dev_url {
            Some(url) => {
                let client = url.connect().await?;
                let row = client
                    .query_one("SELECT current_setting('server_version_num')::int", &[])
                    .await
                    .map_err(|e| Error::sql("reading the server version", url, &e))?;
                let num: i32 = row.get(0);
                let major = (num / 10000) as u32;
                if let Some((want, why)) = wanted {
                    let allowed = *ALLOW_MAJOR_MISMATCH.lock().unwrap_or_else(|e| e.into_inner());
                    if major != want && !allowed {
                        return Err(Error::DevMajorMismatch { dev: major, wanted: want, why });
                    }
                }
                tracing::trace!("shadow: using the --dev-url server {url} (PostgreSQL {major})");
                Ok(Shadow { server: url.clone(), major, cluster: None, load_timeout, created: Mutex::default() })
            }
            None => {
                let prefer_major = wanted.map(|(major, _)| major);
                let started = std::time::Instant::now();
                let cluster = tokio::task::spawn_blocking(move || EmbeddedCluster::start(prefer_major))
                    .await
                    .map_err(|e| Error::io("starting the embedded server", std::io::Error::other(e.to_string())))??;
                tracing::trace!(
                    "shadow: started an embedded PostgreSQL {} cluster at {} in {} ms",
                    cluster.major_version(),
                    cluster.url(),
                    started.elapsed().as_millis()
                );
                Ok(Shadow {
                    server: cluster.url(),
                    major: cluster.major_version(),
                    cluster: Some(cluster),
                    load_timeout,
                    created: Mutex::default(),
                })
            }
        }
    }

    /// Creates an empty database (`schemactl_shadow_<pid>_<n>_<random>`, from `template0`).
    pub async fn create_database(&self) -> Result<DbUrl> {
        let name = process::unique_name(PREFIX);
        let client = self.server.connect().await?;
        // Registered before creation: a Ctrl-C in between still drops it (IF EXISTS).
        let signal_id = if self.cluster.is_none() { registry::register_dev_database(&self.server, &name) } else { 0 };
        let sql = format!("CREATE DATABASE {} TEMPLATE template0", quoted_ident(&name));
        if let Err(e) = client.batch_execute(&sql).await {
            registry::forget_dev_database(signal_id);
            let mut error = Error::sql(format!("creating shadow database {name}"), &self.server, &e);
            if e.code() == Some(&SqlState::INSUFFICIENT_PRIVILEGE) {
                if let Error::Sql { hint, .. } = &mut error {
                    hint.get_or_insert_with(|| CREATEDB_HINT.into());
                }
            }
            return Err(error);
        }
        tracing::trace!("shadow: created database {name}");
        self.lock_created().push((name.clone(), signal_id));
        // A database default rather than a `SET` by the loader: it holds for every session
        // that loads into the database, whoever opens it. (A failure leaves the database in
        // `created`, dropped with the others.)
        let millis = self.load_timeout.as_millis();
        if millis > 0 {
            let sql = format!("ALTER DATABASE {} SET statement_timeout = {millis}", quoted_ident(&name));
            client
                .batch_execute(&sql)
                .await
                .map_err(|e| Error::sql(format!("setting the load timeout of {name}"), &self.server, &e))?;
        }
        Ok(self.server.with_dbname(&name))
    }

    /// The `statement_timeout` of the databases this shadow creates from now on (zero: none).
    pub fn set_load_timeout(&mut self, timeout: Duration) {
        self.load_timeout = timeout;
    }

    pub fn load_timeout(&self) -> Duration {
        self.load_timeout
    }

    /// Drops a database made by [`Shadow::create_database`], disconnecting its sessions.
    pub async fn drop_database(&self, url: &DbUrl) -> Result<()> {
        let name = url.dbname().to_string();
        drop_database_on(&self.server, &name).await?;
        tracing::trace!("shadow: dropped database {name}");
        let mut created = self.lock_created();
        if let Some(index) = created.iter().position(|(n, _)| *n == name) {
            registry::forget_dev_database(created.remove(index).1);
        }
        Ok(())
    }

    /// Drops every database still around and stops the embedded cluster, removing its files.
    pub async fn close(mut self) -> Result<()> {
        if let Some(cluster) = self.cluster.take() {
            // The databases go with the cluster.
            self.lock_created().clear();
            tracing::trace!("shadow: stopping the embedded cluster (its databases go with it)");
            return tokio::task::spawn_blocking(move || cluster.stop())
                .await
                .map_err(|e| Error::io("stopping the embedded server", std::io::Error::other(e.to_string())));
        }
        let created = std::mem::take(&mut *self.lock_created());
        let mut first_error = None;
        for (name, signal_id) in created {
            match drop_database_on(&self.server, &name).await {
                Ok(()) => {
                    tracing::trace!("shadow: dropped database {name}");
                    registry::forget_dev_database(signal_id)
                }
                Err(e) => {
                    first_error.get_or_insert(e);
                }
            }
        }
        first_error.map_or(Ok(()), Err)
    }

    /// The maintenance database: `postgres` on the embedded cluster, the `--dev-url` database as
    /// given otherwise.
    pub fn server_url(&self) -> &DbUrl {
        &self.server
    }

    pub fn major_version(&self) -> u32 {
        self.major
    }

    /// True when the databases live in an embedded cluster rather than on a `--dev-url` server.
    pub fn is_embedded(&self) -> bool {
        self.cluster.is_some()
    }

    fn lock_created(&self) -> std::sync::MutexGuard<'_, Vec<(String, u64)>> {
        self.created.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Without `close()` (an early return, a panic): drop what we created on a `--dev-url` server.
/// The embedded cluster stops through its own `Drop`.
impl Drop for Shadow {
    fn drop(&mut self) {
        let created = std::mem::take(&mut *self.lock_created());
        if self.cluster.is_some() || created.is_empty() {
            return;
        }
        let server = self.server.clone();
        // Async work in Drop: a thread with its own runtime works inside and outside tokio.
        let worker = std::thread::spawn(move || {
            let Ok(rt) = tokio::runtime::Builder::new_current_thread().enable_all().build() else {
                return;
            };
            rt.block_on(async {
                for (name, signal_id) in created {
                    if drop_database_on(&server, &name).await.is_ok() {
                        registry::forget_dev_database(signal_id);
                    }
                }
            });
        });
        let _ = worker.join();
    }
}
