//! Database addresses: parsing the forms users paste (libpq URLs, SQLAlchemy's
//! `postgresql+psycopg2://`, `key=value` conninfo), connecting, and printing them without the
//! password so that no log or error message ever carries one. TLS follows libpq's `sslmode`
//! (see [`SslMode`]), including the modes and `sslrootcert` that tokio-postgres cannot parse.

mod params;
mod redact;
#[cfg(test)]
mod ssl_tests;
mod tls;

use params::Ssl;
use std::fmt;
use std::path::Path;
use std::time::Duration;
use tokio_postgres::config::Host;
use tokio_postgres::{Client, Config, NoTls};

pub use redact::{looks_like_address, looks_like_conninfo, redact, url_scheme};
pub use tls::SslMode;

/// Errors of this crate; their messages never contain a password.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The text is not a database URL or conninfo string we can use.
    #[error("invalid database address `{address}`: {reason}")]
    Invalid { address: String, reason: String },
    /// The server could not be reached or refused us. `waiting_helps`: the failure is one that
    /// goes away with time (refused, timed out, starting up, too many connections); `advice`
    /// is what to do otherwise (`; check ...`), already part of the message.
    #[error("cannot connect to {address}: {reason}{advice}")]
    Connect { address: String, reason: String, advice: String, waiting_helps: bool },
}

impl Error {
    /// True when retrying later may succeed, so suggesting `--wait` makes sense.
    pub fn waiting_helps(&self) -> bool {
        matches!(self, Error::Connect { waiting_helps: true, .. })
    }
}

pub type Result<T> = std::result::Result<T, Error>;

/// True when `source` looks like a database address rather than a path.
pub fn looks_like_url(source: &str) -> bool {
    let lower = source.to_ascii_lowercase();
    lower.starts_with("postgres://")
        || lower.starts_with("postgresql://")
        || lower.starts_with("postgresql+")
        || lower.starts_with("postgres+")
}

/// A parsed database address.
#[derive(Clone)]
pub struct DbUrl {
    config: Config,
    ssl: Ssl,
}

impl fmt::Debug for DbUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DbUrl({self})")
    }
}

/// The address with the password left out. TLS settings that were given stay in, so that child
/// processes (psql, pg_dump) handed this address connect the same way.
impl fmt::Display for DbUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let user = self.config.get_user().unwrap_or("");
        let port = self.config.get_ports().first().copied().unwrap_or(5432);
        let db = self.config.get_dbname().unwrap_or("");
        let mut query = Vec::new();
        match self.config.get_hosts().first() {
            Some(Host::Tcp(h)) => write!(f, "postgresql://{user}@{h}:{port}/{db}")?,
            Some(Host::Unix(p)) => {
                write!(f, "postgresql://{user}@/{db}")?;
                query.push(format!("host={}", p.display()));
                query.push(format!("port={port}"));
            }
            None => write!(f, "postgresql://{user}@/{db}")?,
        }
        if let Some(mode) = self.ssl.mode {
            query.push(format!("sslmode={mode}"));
        }
        if let Some(rootcert) = &self.ssl.rootcert {
            query.push(format!("sslrootcert={}", percent_encode(rootcert, b"/")));
        }
        if !query.is_empty() {
            write!(f, "?{}", query.join("&"))?;
        }
        Ok(())
    }
}

impl DbUrl {
    /// Parses a URL (`postgres://`, `postgresql://`, `postgresql+driver://`) or conninfo.
    /// Missing parts default the way libpq does: `PGHOST`/`PGPORT`/`PGUSER`/`PGPASSWORD`/
    /// `PGDATABASE`, then the local socket directory and the operating-system user.
    /// TLS: `sslmode` and `sslrootcert` (address, else `PGSSLMODE`/`PGSSLROOTCERT`), as libpq.
    pub fn parse(address: &str) -> Result<DbUrl> {
        DbUrl::parse_with_env(address, |k| std::env::var(k).ok())
    }

    /// [`DbUrl::parse`] with the environment looked up through `env` (tests, and callers that
    /// resolve variables themselves).
    pub fn parse_with_env(address: &str, env: impl Fn(&str) -> Option<String>) -> Result<DbUrl> {
        let env = move |k: &str| env(k).filter(|v| !v.is_empty());
        // Shown on one line: a line break in the address would make the message misleading.
        let invalid = |reason: String| Error::Invalid { address: printable(&redact(address)), reason };
        let normalized = strip_driver(address.trim());
        let extracted = if looks_like_url(&normalized) {
            check_url(&normalized).map_err(invalid)?;
            params::from_url(&normalized).map_err(invalid)?
        } else if let Some(scheme) = url_scheme(&normalized) {
            // A misspelt scheme would otherwise be read as conninfo and fail with a puzzling
            // "unexpected character" (or, as a SOURCE, be taken for a file name).
            return Err(invalid(format!(
                "`{scheme}:/` is not a PostgreSQL address: URLs start with `postgresql://` or `postgres://`"
            )));
        } else if !normalized.is_empty() && !looks_like_conninfo(&normalized) {
            return Err(invalid("neither a `postgresql://` URL nor `key=value` conninfo".into()));
        } else {
            params::from_conninfo(&normalized)
        };
        let mut config: Config =
            extracted.rest.parse().map_err(|e: tokio_postgres::Error| invalid(redact(&with_causes(&e))))?;
        let ssl = Ssl::resolve(extracted.sslmode, extracted.sslrootcert, &env).map_err(invalid)?;
        apply_defaults(&mut config, &env);
        let mut url = DbUrl { config, ssl };
        url.config.ssl_mode(url.ssl_mode().driver());
        Ok(url)
    }

    /// The `sslmode` in force: the one given, else `verify-full` with `sslrootcert=system`, else
    /// `prefer` (libpq's defaults).
    pub fn ssl_mode(&self) -> SslMode {
        match (self.ssl.mode, self.ssl.rootcert.as_deref()) {
            (Some(mode), _) => mode,
            (None, Some("system")) => SslMode::VerifyFull,
            (None, _) => SslMode::Prefer,
        }
    }

    /// The root certificate file in force (given, or `~/.postgresql/root.crt`), or `system`.
    pub fn ssl_root_cert(&self) -> Option<&str> {
        self.ssl.rootcert.as_deref().or(self.ssl.default_rootcert.as_deref())
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    pub fn dbname(&self) -> &str {
        self.config.get_dbname().unwrap_or("")
    }

    pub fn user(&self) -> &str {
        self.config.get_user().unwrap_or("")
    }

    /// The same server and credentials, another database.
    pub fn with_dbname(&self, dbname: &str) -> DbUrl {
        let mut config = self.config.clone();
        config.dbname(dbname);
        DbUrl { config, ssl: self.ssl.clone() }
    }

    /// A full URL including the password, for handing to child processes (never print it).
    pub fn to_secret_url(&self) -> String {
        let mut s = self.to_string();
        if let Some(pw) = self.config.get_password() {
            let user = self.user();
            let enc = percent_encode(&String::from_utf8_lossy(pw), b"");
            s = s.replacen(&format!("postgresql://{user}@"), &format!("postgresql://{user}:{enc}@"), 1);
        }
        s
    }

    /// Connects once; the connection task runs on the current tokio runtime. Unix sockets never
    /// use TLS, whatever the mode (as in libpq).
    pub async fn connect(&self) -> Result<Client> {
        self.try_connect().await.map_err(|(e, _)| e)
    }

    /// Connects once; a failure comes with whether retrying is pointless (TLS settings or
    /// certificates that will not change while we wait).
    async fn try_connect(&self) -> std::result::Result<Client, (Error, bool)> {
        let mode = self.ssl_mode();
        let sockets_only = self.config.get_hosts().iter().all(|h| matches!(h, Host::Unix(_)));
        // Errors of the connection tasks surface on the client as a closed connection.
        if mode == SslMode::Disable || sockets_only {
            let mut config = self.config.clone();
            config.ssl_mode(tokio_postgres::config::SslMode::Disable);
            let (client, connection) = config.connect(NoTls).await.map_err(|e| self.connect_error(&e))?;
            tokio::spawn(async move {
                let _ = connection.await;
            });
            return Ok(client);
        }
        let tls = tls::connector(mode, self.ssl_root_cert()).map_err(|reason| {
            (Error::Connect { address: self.to_string(), reason, advice: String::new(), waiting_helps: false }, true)
        })?;
        let (client, connection) = self.config.connect(tls).await.map_err(|e| self.connect_error(&e))?;
        tokio::spawn(async move {
            let _ = connection.await;
        });
        Ok(client)
    }

    /// Connects, retrying with backoff for the whole of `wait` (servers that are starting up):
    /// the last pause is cut to the time left and a last attempt is made at the deadline, so
    /// `--wait 5s` never gives up after 3. Failures waiting cannot fix (TLS settings, a
    /// certificate) return at once.
    pub async fn connect_waiting(&self, wait: Duration) -> Result<Client> {
        let deadline = tokio::time::Instant::now() + wait;
        let mut delay = Duration::from_millis(50);
        loop {
            match self.try_connect().await {
                Ok(c) => return Ok(c),
                Err((e, true)) => return Err(e),
                Err((e, false)) => {
                    let left = deadline.saturating_duration_since(tokio::time::Instant::now());
                    if left.is_zero() {
                        return Err(e);
                    }
                    tokio::time::sleep(delay.min(left)).await;
                    delay = (delay * 2).min(Duration::from_secs(2));
                }
            }
        }
    }

    fn connect_error(&self, e: &tokio_postgres::Error) -> (Error, bool) {
        let tls_failure = tls::describe_failure(e, self.ssl_mode(), self.ssl_root_cert());
        let permanent = tls_failure.is_some();
        let (reason, advice, waiting_helps) = match (e.as_db_error(), tls_failure) {
            (Some(db), _) => {
                let (advice, waiting_helps) = self.advice(db.code());
                (db.message().to_string(), advice, waiting_helps)
            }
            (None, Some(tls)) => (tls, String::new(), false),
            // Refused, timed out, no socket yet, a name not resolving yet: a server that is
            // still starting looks like this.
            (None, None) => (with_causes(e), String::new(), true),
        };
        let address = self.to_string();
        (Error::Connect { address, reason: redact(&reason), advice: redact(&advice), waiting_helps }, permanent)
    }

    /// What to do about a server's refusal, and whether waiting may cure it.
    fn advice(&self, code: &tokio_postgres::error::SqlState) -> (String, bool) {
        use tokio_postgres::error::SqlState;
        if *code == SqlState::CANNOT_CONNECT_NOW
            || *code == SqlState::TOO_MANY_CONNECTIONS
            || *code == SqlState::ADMIN_SHUTDOWN
            || *code == SqlState::CRASH_SHUTDOWN
        {
            (String::new(), true)
        } else if *code == SqlState::INVALID_PASSWORD || *code == SqlState::INVALID_AUTHORIZATION_SPECIFICATION {
            let advice =
                format!("; check the user name (`{}`) and the password (the address's, else PGPASSWORD)", self.user());
            (advice, false)
        } else if *code == SqlState::INVALID_CATALOG_NAME {
            let db = self.dbname();
            (
                format!(
                    "; the server has no database `{db}`: create it (`createdb {db}`) or fix the name in the address"
                ),
                false,
            )
        } else {
            (String::new(), false)
        }
    }
}

/// What a failed query or statement means to a user: the server's message with its detail and
/// hint, else the client's error with its causes. `tokio_postgres::Error`'s own `Display` is
/// only "db error". Addresses in it are redacted.
pub fn server_message(e: &tokio_postgres::Error) -> String {
    let Some(db) = e.as_db_error() else { return redact(&with_causes(e)) };
    let mut text = db.message().to_string();
    if let Some(detail) = db.detail() {
        text.push_str(&format!(" (DETAIL: {detail})"));
    }
    if let Some(hint) = db.hint() {
        text.push_str(&format!(" (HINT: {hint})"));
    }
    redact(&text)
}

/// The error and its causes ("invalid connection string: invalid value for option `port`").
fn with_causes(e: &tokio_postgres::Error) -> String {
    let mut text = e.to_string();
    let mut src = std::error::Error::source(e);
    while let Some(s) = src {
        text = format!("{text}: {s}");
        src = s.source();
    }
    text
}

/// Control characters as escapes (`\n`), the rest as it is.
fn printable(text: &str) -> String {
    text.chars().map(|c| if c.is_control() { c.escape_default().to_string() } else { c.to_string() }).collect()
}

/// Refuses URLs that tokio-postgres would read differently from what the user meant, in ways
/// that put part of the password where addresses are shown (host, database name): it takes the
/// user information up to the first `@`, so an unencoded `@` in the password leaves the rest
/// of the password in the host. libpq rejects these too. Control characters are refused
/// because they are never part of a usable address and make messages misleading.
fn check_url(url: &str) -> std::result::Result<(), String> {
    const ENCODE: &str =
        "percent-encode `@`, `:`, `/`, `?` and `#` in the user name and password (%40, %3A, %2F, %3F, %23)";
    if url.chars().any(char::is_control) {
        return Err("the address contains a control character (a line break or tab?)".into());
    }
    let rest = &url[url.find("://").map(|i| i + 3).unwrap_or(0)..];
    let Some(at) = rest.find('@') else {
        return Ok(());
    };
    let user = rest[..at].split(':').next().unwrap_or("");
    if user.contains(['/', '?', '#']) {
        return Err(format!("an `@` after the host: {ENCODE}"));
    }
    let after = &rest[at + 1..];
    if after[..after.find('?').unwrap_or(after.len())].contains('@') {
        return Err(format!("more than one `@`: {ENCODE}"));
    }
    Ok(())
}

/// SQLAlchemy URLs name a driver (`postgresql+psycopg2://`); libpq knows only the scheme.
fn strip_driver(address: &str) -> String {
    if let Some(idx) = address.find("://") {
        let scheme = &address[..idx];
        if let Some(plus) = scheme.find('+') {
            return format!("{}{}", &scheme[..plus], &address[idx..]);
        }
    }
    address.to_string()
}

fn apply_defaults(config: &mut Config, env: &dyn Fn(&str) -> Option<String>) {
    if config.get_hosts().is_empty() {
        match env("PGHOST") {
            Some(h) => {
                config.host(&h);
            }
            None => {
                let socket_dir = ["/var/run/postgresql", "/tmp"].into_iter().find(|d| Path::new(d).exists());
                match socket_dir {
                    Some(d) => config.host_path(d),
                    None => config.host("localhost"),
                };
            }
        }
    }
    if config.get_ports().is_empty() {
        if let Some(p) = env("PGPORT").and_then(|p| p.parse().ok()) {
            config.port(p);
        }
    }
    if config.get_user().is_none() {
        let user = env("PGUSER").or_else(|| env("USER")).or_else(|| env("LOGNAME")).unwrap_or_else(os_user);
        config.user(&user);
    }
    if config.get_password().is_none() {
        if let Some(pw) = env("PGPASSWORD") {
            config.password(pw);
        }
    }
    if config.get_dbname().is_none() {
        let db = env("PGDATABASE").unwrap_or_else(|| config.get_user().unwrap_or("postgres").to_string());
        config.dbname(&db);
    }
}

/// The name of the user this process runs as, which libpq takes when neither the address nor
/// `PGUSER` names one: with `$USER` unset (cron, containers, systemd units) a default of
/// `postgres` would connect as someone else than `psql` does with the same address.
fn os_user() -> String {
    #[cfg(unix)]
    {
        // SAFETY: getpwuid_r writes into the buffers we own and hand it, and the name it
        // points to lives in `buf`, read before `buf` is dropped.
        unsafe {
            let mut pwd: libc::passwd = std::mem::zeroed();
            let mut buf = vec![0 as libc::c_char; 4096];
            let mut result: *mut libc::passwd = std::ptr::null_mut();
            let rc = libc::getpwuid_r(libc::geteuid(), &mut pwd, buf.as_mut_ptr(), buf.len(), &mut result);
            if rc == 0 && !result.is_null() && !pwd.pw_name.is_null() {
                let name = std::ffi::CStr::from_ptr(pwd.pw_name).to_string_lossy().into_owned();
                if !name.is_empty() {
                    return name;
                }
            }
        }
    }
    "postgres".into()
}

/// Percent-encodes all but URL-safe characters and those in `keep`.
fn percent_encode(s: &str, keep: &[u8]) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            b if keep.contains(&b) => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlalchemy_driver_is_accepted() {
        let url = DbUrl::parse("postgresql+psycopg2://app:s3cret@db.example:6543/portal").unwrap();
        assert_eq!(url.to_string(), "postgresql://app@db.example:6543/portal");
        assert_eq!(url.dbname(), "portal");
    }

    #[test]
    fn password_never_displayed() {
        let url = DbUrl::parse("postgres://app:s3cret@h/db").unwrap();
        assert!(!format!("{url} {url:?}").contains("s3cret"));
        assert!(url.to_secret_url().contains("s3cret"));
        assert_eq!(redact("postgres://app:s3cret@h/db"), "postgres://app:***@h/db");
        assert_eq!(redact("host=h password=s3cret dbname=x"), "host=h password=*** dbname=x");
    }

    /// Every way an address can be malformed or odd: parsed or refused, whatever it shows
    /// (the error, the address, its Debug form) holds no fragment of the password.
    #[test]
    fn no_address_shows_its_password() {
        let table: &[(&str, &[&str], bool)] = &[
            // (address, secret fragments, parses)
            ("postgresql://u:ss:w/rdX@S3cr3t@host/db", &["ss:w", "rdX", "S3cr3t"], false),
            ("postgresql://u:Pa@ss@host/db", &["Pa@", "ss@"], false),
            ("postgresql://u:Pa@ss/w@rd@host/db", &["Pa@", "ss/w", "w@rd"], false),
            ("postgresql://u:S3:cr/3t@host/db", &["S3:cr", "cr/3t"], true),
            ("postgresqlx://u:S3cr3t@host/db", &["S3cr3t"], false),
            ("postgress://u:S3cr3t@host/db", &["S3cr3t"], false),
            ("postgres:/u:S3cr3t@host/db", &["S3cr3t"], false),
            ("http://u:S3cr3t@host/db", &["S3cr3t"], false),
            ("postgresql+psycopg2://u:S3cr3t@host/db", &["S3cr3t"], true),
            ("host=h password=S3cr3t dbname=x", &["S3cr3t"], true),
            ("host=h password='S3 cr3t' dbname=x", &["S3", "cr3t"], true),
            ("host=h password=S3 cr3t dbname=x", &["S3", "cr3t"], false),
            ("host=h password='S3 cr3t", &["S3", "cr3t"], false),
            ("postgresql://u@h/db?password=S3cr3t", &["S3cr3t"], true),
            ("postgresql://u@h/db?password=S3cr3t&bogus", &["S3cr3t"], false),
            ("postgresql://u:S3cr%33t@h:99999/db", &["S3cr", "%33t"], false),
            ("postgresql://u:S3cr%33t@h/db", &["S3cr", "%33t", "S3cr3t"], true),
            ("postgresql://u:S3cr3t@[::1]:5432/db", &["S3cr3t"], true),
            ("postgresql://u:S3cr3t@[::1/db", &["S3cr3t"], false),
            ("postgresql://u:S3cr3t@h:port/db", &["S3cr3t"], false),
            ("postgresql://u:S3cr3t@h/db trailing garbage", &["S3cr3t"], true),
            ("postgresql://u:S3\ncr3t@h/db", &["S3", "cr3t"], false),
            ("postgresql://u:S3cr3t@h/db\n", &["S3cr3t"], true), // trimmed, as from `$(cat file)`
            ("postgresql://u:S3cr3t@h/d\nb", &["S3cr3t"], false),
            ("postgresql://u:S3cr3t@h/db?application_name=a@b", &["S3cr3t"], true),
            ("u:S3cr3t@host/db", &["S3cr3t"], false),
        ];
        for (address, secrets, parses) in table {
            let shown = match DbUrl::parse_with_env(address, |_| None) {
                Ok(url) => {
                    assert!(parses, "{address:?} parsed: {url}");
                    format!("{url} {url:?}")
                }
                Err(e) => {
                    assert!(!parses, "{address:?} refused: {e}");
                    format!("{e} {e:?}")
                }
            };
            for s in *secrets {
                assert!(!shown.contains(s), "{address:?} shows {s:?}: {shown}");
            }
        }
    }

    #[test]
    fn socket_urls_parse() {
        let url = DbUrl::parse("postgresql://root@/cv_from_7?host=/var/run/postgresql&port=5432").unwrap();
        assert_eq!(url.dbname(), "cv_from_7");
        assert!(matches!(url.config().get_hosts().first(), Some(Host::Unix(_))));
    }

    /// libpq's default user: `PGUSER`, else the OS user (never a fixed `postgres`).
    #[test]
    fn default_user_is_the_os_user_like_libpq() {
        let url = DbUrl::parse_with_env("postgresql://h/db", |k| (k == "PGUSER").then(|| "pg_env".into())).unwrap();
        assert_eq!(url.config().get_user(), Some("pg_env"));
        let url = DbUrl::parse_with_env("postgresql://h/db", |k| (k == "USER").then(|| "alice".into())).unwrap();
        assert_eq!(url.config().get_user(), Some("alice"));
        let url = DbUrl::parse_with_env("postgresql://h/db", |_| None).unwrap();
        assert_eq!(url.config().get_user(), Some(os_user().as_str()));
        #[cfg(unix)]
        {
            let id = std::process::Command::new("id").arg("-un").output().unwrap();
            assert_eq!(os_user(), String::from_utf8_lossy(&id.stdout).trim());
        }
        let url = DbUrl::parse_with_env("postgresql://bob@h/db", |k| (k == "USER").then(|| "alice".into())).unwrap();
        assert_eq!(url.config().get_user(), Some("bob"));
    }

    #[test]
    fn conninfo_parses() {
        let url = DbUrl::parse("host=localhost user=u dbname=d password=p").unwrap();
        assert_eq!(url.to_string(), "postgresql://u@localhost:5432/d");
    }
}
