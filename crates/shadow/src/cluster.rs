//! An embedded PostgreSQL cluster: a private, throwaway server reachable only through a unix
//! socket in a private directory, started from the cached template and gone when we are.

use crate::binaries::{self, Installation};
use crate::error::{Error, Result};
use crate::process::{self, RunAs};
use crate::{registry, stale, template};
use schemactl_connect::DbUrl;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// How long a starting server may take to accept connections.
const START_TIMEOUT: Duration = Duration::from_secs(30);

/// What makes an embedded cluster a TLS test server as well: it then also listens on
/// 127.0.0.1 (same port number as its socket), with `ssl = on` and this certificate, and asks
/// for a password over TCP (scram-sha-256); the socket stays as it is.
#[derive(Debug, Clone)]
pub struct ServerTls {
    /// The server certificate, PEM.
    pub cert_pem: String,
    /// Its private key, PEM.
    pub key_pem: String,
}

/// A running embedded server. Stopping it (`stop`, `Drop`, process exit, Ctrl-C with
/// [`crate::install_signal_cleanup`], or our death) kills it and removes its files.
#[derive(Debug)]
pub struct EmbeddedCluster {
    id: u64,
    url: DbUrl,
    root: PathBuf,
    pid: u32,
    major: u32,
    bindir: PathBuf,
    tcp_port: Option<u16>,
}

impl EmbeddedCluster {
    /// Starts a cluster with the server binaries of `prefer_major` if installed, else the newest.
    /// Blocking (about 0.1 s with a cached template; the first start per version runs initdb).
    pub fn start(prefer_major: Option<u32>) -> Result<EmbeddedCluster> {
        Self::start_with(prefer_major, None)
    }

    /// Like [`EmbeddedCluster::start`], also serving TLS over TCP on 127.0.0.1 (see
    /// [`ServerTls`]). For tests of clients: the shadow itself never opens a TCP port.
    pub fn start_with_tls(prefer_major: Option<u32>, tls: &ServerTls) -> Result<EmbeddedCluster> {
        Self::start_with(prefer_major, Some(tls))
    }

    fn start_with(prefer_major: Option<u32>, tls: Option<&ServerTls>) -> Result<EmbeddedCluster> {
        stale::sweep_once();
        let inst = binaries::find_installation(prefer_major)?;
        let run_as = process::run_as()?;
        let template = template::ensure(&inst, run_as)?;
        let root = stale::create_owned_dir(stale::PREFIX)?;
        match Self::start_in(&inst, run_as, &template, &root, tls) {
            Ok(cluster) => Ok(cluster),
            Err(e) => {
                let _ = std::fs::remove_dir_all(&root);
                Err(e)
            }
        }
    }

    fn start_in(
        inst: &Installation,
        run_as: Option<RunAs>,
        template: &Path,
        root: &Path,
        tls: Option<&ServerTls>,
    ) -> Result<EmbeddedCluster> {
        let (data, socket_dir, log) = (root.join("data"), root.join("s"), root.join("server.log"));
        template::copy_tree(template, &data)?;
        std::fs::create_dir(&socket_dir)
            .map_err(|e| Error::io(format!("cannot create {}", socket_dir.display()), e))?;
        process::chown(root, run_as)?;
        process::chown(&socket_dir, run_as)?;
        process::chown_tree(&data, run_as)?;
        let tls_settings = match tls {
            Some(tls) => Some(write_tls_files(root, run_as, tls)?),
            None => None,
        };

        // The socket lives in our private directory, so the port only names the socket file and
        // cannot collide with another server; retry anyway in case the server says otherwise.
        let mut attempt = 0;
        loop {
            attempt += 1;
            let port = 20000 + (process::random_u64() % 40000) as u16;
            match Self::launch(inst, run_as, root, &socket_dir, &log, port, tls_settings.as_deref()) {
                Err(Error::ServerStart { log_tail, .. }) if attempt < 3 && log_tail.contains("already in use") => {
                    continue
                }
                other => return other,
            }
        }
    }

    fn launch(
        inst: &Installation,
        run_as: Option<RunAs>,
        root: &Path,
        socket_dir: &Path,
        log: &Path,
        port: u16,
        tls_settings: Option<&[String]>,
    ) -> Result<EmbeddedCluster> {
        let data = root.join("data");
        let log_file =
            std::fs::File::create(log).map_err(|e| Error::io(format!("cannot create {}", log.display()), e))?;
        let log_err = log_file.try_clone().map_err(|e| Error::io("cannot duplicate the log file handle", e))?;
        let mut cmd = Command::new(inst.bindir.join("postgres"));
        cmd.arg("-D").arg(&data).arg("-k").arg(socket_dir).arg("-p").arg(port.to_string());
        for setting in [
            // No TCP at all: only our socket.
            "listen_addresses=",
            // Thrown away afterwards: durability only costs time.
            "fsync=off",
            "synchronous_commit=off",
            "full_page_writes=off",
            "autovacuum=off",
            "max_connections=100",
            "shared_buffers=128MB",
            // Loading thousands of tables in one transaction takes a lock per relation.
            "max_locks_per_transaction=512",
            // Keep dynamic shared memory inside the data directory, removed with it even when
            // the server is killed (the default posix segments would linger in /dev/shm).
            "dynamic_shared_memory_type=mmap",
            "unix_socket_permissions=0700",
            // Whatever the machine's zone, normalised defaults print the same.
            "TimeZone=UTC",
            "log_timezone=UTC",
        ] {
            cmd.arg("-c").arg(setting);
        }
        // Later settings win: a TLS test server listens on 127.0.0.1 after all.
        for setting in tls_settings.unwrap_or_default() {
            cmd.arg("-c").arg(setting);
        }
        // Its own process group: a Ctrl-C in the terminal reaches schemactl, which decides.
        cmd.process_group(0);
        cmd.current_dir(root).stdin(Stdio::null()).stdout(log_file).stderr(log_err);
        let child = process::spawn_guarded(cmd, run_as)
            .map_err(|e| Error::io(format!("cannot run {}", inst.bindir.join("postgres").display()), e))?;
        let pid = child.id();
        let id = registry::register(child, root.to_path_buf());

        let url = socket_url(socket_dir, port);
        let cluster = url.map(|url| EmbeddedCluster {
            id,
            url,
            root: root.to_path_buf(),
            pid,
            major: inst.major,
            bindir: inst.bindir.clone(),
            tcp_port: tls_settings.map(|_| port),
        });
        let ready = cluster.and_then(|c| c.wait_ready(&data, log).map(|()| c));
        if ready.is_err() {
            // Kill the server but keep `root` for a retry; `start` removes it if all fail.
            if let Some(mut live) = registry::take(id) {
                registry::kill(&mut live);
                stale::release_shared_memory(&data);
            }
        }
        ready
    }

    /// Waits until `postmaster.pid` says "ready" (what pg_ctl watches), then proves it with a
    /// real connection; fails early, with the log, if the server exits.
    fn wait_ready(&self, data: &Path, log: &Path) -> Result<()> {
        let deadline = Instant::now() + START_TIMEOUT;
        let fail = |reason: String| Error::ServerStart { bindir: self.bindir.clone(), reason, log_tail: log_tail(log) };
        loop {
            match registry::with_child(self.id, |c| c.try_wait()) {
                Some(Ok(Some(status))) => return Err(fail(format!("it exited ({status})"))),
                Some(Err(e)) => return Err(fail(format!("cannot watch it: {e}"))),
                None => return Err(fail("it was stopped while starting".into())),
                Some(Ok(None)) => {}
            }
            if pidfile_ready(data, self.pid) {
                break;
            }
            if Instant::now() > deadline {
                return Err(fail(format!("not ready after {} s", START_TIMEOUT.as_secs())));
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        let remaining = deadline.saturating_duration_since(Instant::now()).max(Duration::from_secs(2));
        check_connection(&self.url, remaining).map_err(|e| fail(format!("cannot connect: {e}")))
    }

    /// The maintenance database (`postgres`) as the superuser, over the unix socket.
    pub fn url(&self) -> DbUrl {
        self.url.clone()
    }

    pub fn major_version(&self) -> u32 {
        self.major
    }

    /// The TCP port on 127.0.0.1 of a cluster started with [`EmbeddedCluster::start_with_tls`].
    pub fn tcp_port(&self) -> Option<u16> {
        self.tcp_port
    }

    /// The postmaster's process id.
    pub fn pid(&self) -> u32 {
        self.pid
    }

    /// The directory holding the data directory, the socket and `server.log`.
    pub fn dir(&self) -> &Path {
        &self.root
    }

    /// Stops the server and removes its files (blocking; a few milliseconds).
    pub fn stop(self) {
        // Drop does the work, so every exit path behaves the same.
        drop(self)
    }
}

impl Drop for EmbeddedCluster {
    fn drop(&mut self) {
        if let Some(live) = registry::take(self.id) {
            registry::stop(live);
        }
    }
}

/// Writes the certificate, key and an hba file (trust on the private socket as always, a
/// password over TCP: the port is reachable by every local user) into `root`, owned by the
/// server's user, and returns the settings that use them.
fn write_tls_files(root: &Path, run_as: Option<RunAs>, tls: &ServerTls) -> Result<Vec<String>> {
    use std::os::unix::fs::PermissionsExt;
    let hba = "local all all trust\nhost all all 127.0.0.1/32 scram-sha-256\n";
    let mut settings = Vec::new();
    for (name, text, setting) in [
        ("server.crt", tls.cert_pem.as_str(), "ssl_cert_file"),
        // PostgreSQL refuses a key that others may read.
        ("server.key", tls.key_pem.as_str(), "ssl_key_file"),
        ("pg_hba.conf", hba, "hba_file"),
    ] {
        let path = root.join(name);
        std::fs::write(&path, text).map_err(|e| Error::io(format!("cannot write {}", path.display()), e))?;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600))
            .map_err(|e| Error::io(format!("cannot restrict {}", path.display()), e))?;
        process::chown(&path, run_as)?;
        // `-c` values are taken literally (no quoting), whatever the path holds.
        settings.push(format!("{setting}={}", path.display()));
    }
    settings.extend(["listen_addresses=127.0.0.1", "ssl=on", "password_encryption=scram-sha-256"].map(String::from));
    Ok(settings)
}

fn socket_url(socket_dir: &Path, port: u16) -> Result<DbUrl> {
    // Conninfo values are quoted with backslash escapes, so any path works.
    let quoted = socket_dir.display().to_string().replace('\\', "\\\\").replace('\'', "\\'");
    let conninfo = format!("host='{quoted}' port={port} user={} dbname=postgres", template::SUPERUSER);
    Ok(DbUrl::parse(&conninfo)?)
}

/// Line 8 of `postmaster.pid` is the server status, `ready` once it accepts connections.
fn pidfile_ready(data: &Path, pid: u32) -> bool {
    let Ok(text) = std::fs::read_to_string(data.join("postmaster.pid")) else {
        return false;
    };
    let mut lines = text.lines();
    lines.next().map(str::trim) == Some(&pid.to_string()) && lines.nth(6).map(str::trim) == Some("ready")
}

/// Connects once from a helper thread with its own runtime: `start` is synchronous and may be
/// called from inside a runtime, where blocking on another one is not allowed.
fn check_connection(url: &DbUrl, wait: Duration) -> std::result::Result<(), String> {
    let url = url.clone();
    let handle = std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().map_err(|e| e.to_string())?;
        rt.block_on(async {
            let client = url.connect_waiting(wait).await.map_err(|e| e.to_string())?;
            client.simple_query("SELECT 1").await.map_err(|e| e.to_string())?;
            Ok(())
        })
    });
    handle.join().unwrap_or_else(|_| Err("the connection check panicked".into()))
}

/// The last lines of the server log, for error messages.
fn log_tail(log: &Path) -> String {
    let text = std::fs::read_to_string(log).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    let tail = lines[lines.len().saturating_sub(20)..].join("\n");
    if tail.is_empty() {
        "(empty)".into()
    } else {
        tail
    }
}
