//! TLS against a real server from the test kit ([`schemactl_testkit::tcp_server`]): the one
//! `SCHEMACTL_TEST_DATABASE_URL` names when it has `ssl = on` (Debian's clusters do, with the
//! self-signed "snakeoil" certificate), else an embedded cluster with a throwaway self-signed
//! certificate. The kit gives a superuser over the unix socket; these tests reach the same
//! server over TCP on 127.0.0.1, where pg_hba asks for a password, so each test makes a login
//! role with a random password and drops it again.

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use schemactl_connect::{DbUrl, SslMode};
use std::io::Read;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// A bundle of public roots that never holds a local self-signed certificate.
const PUBLIC_ROOTS: &str = "/etc/ssl/certs/ca-certificates.crt";

/// A login role on the test server, dropped when the value is.
struct Role {
    base: DbUrl,
    name: String,
    password: String,
    port: u16,
    /// The server's certificate file (`ssl_cert_file`).
    cert_file: String,
}

impl Role {
    async fn new() -> Role {
        let server = schemactl_testkit::tcp_server().await;
        let (base, port) = (server.admin, server.port);
        let cert_file = server.cert_file.display().to_string();
        let admin = base.connect().await.unwrap_or_else(|e| panic!("{e}"));
        let name = format!("schemactl_tls_{}_{}", std::process::id(), random_hex(4));
        let password = random_hex(16);
        admin.batch_execute(&format!("CREATE ROLE {name} LOGIN PASSWORD '{password}'")).await.unwrap();
        Role { base, name, password, port, cert_file }
    }

    fn url(&self, host: &str, params: &str) -> DbUrl {
        let address = format!("postgresql://{}:{}@{host}:{}/postgres?{params}", self.name, self.password, self.port);
        DbUrl::parse(&address).unwrap_or_else(|e| panic!("{e}"))
    }

    /// Whether the session is encrypted, as the server sees it.
    async fn ssl_in_use(&self, url: &DbUrl) -> bool {
        let client = url.connect().await.unwrap_or_else(|e| panic!("{e}"));
        let row = client.query_one("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()", &[]).await.unwrap();
        row.get(0)
    }

    /// The connection error's text, checked to name the address and not the password.
    async fn failure(&self, url: &DbUrl) -> String {
        let err = match url.connect().await {
            Ok(_) => panic!("connecting to {url} should have failed"),
            Err(e) => e.to_string(),
        };
        assert!(!err.contains(&self.password), "password in error: {err}");
        assert!(err.contains(&url.to_string()), "error does not name {url}: {err}");
        err
    }

    /// Whether the server's certificate names `host` (rustls's own check, the one verify-full uses).
    fn cert_names(&self, host: &str) -> bool {
        let cert = CertificateDer::from_pem_file(&self.cert_file)
            .unwrap_or_else(|e| panic!("cannot read the server certificate {}: {e}", self.cert_file));
        let parsed = rustls::server::ParsedCertificate::try_from(&cert).unwrap();
        rustls::client::verify_server_name(&parsed, &ServerName::try_from(host.to_string()).unwrap()).is_ok()
    }
}

impl Drop for Role {
    fn drop(&mut self) {
        let (base, sql) = (self.base.clone(), format!("DROP ROLE IF EXISTS {}", self.name));
        // The test's runtime may be gone or single-threaded: drop from a runtime of our own.
        let worker = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            rt.block_on(async {
                if let Ok(client) = base.connect().await {
                    let _ = client.batch_execute(&sql).await;
                }
            });
        });
        let _ = worker.join();
    }
}

fn random_hex(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    std::fs::File::open("/dev/urandom").and_then(|mut f| f.read_exact(&mut buf)).unwrap();
    buf.iter().map(|b| format!("{b:02x}")).collect()
}

#[tokio::test]
async fn require_prefer_allow_encrypt_and_disable_does_not() {
    let role = Role::new().await;
    for (mode, encrypted) in [("require", true), ("prefer", true), ("allow", true), ("disable", false)] {
        let url = role.url("127.0.0.1", &format!("sslmode={mode}"));
        assert_eq!(role.ssl_in_use(&url).await, encrypted, "sslmode={mode}");
    }
    // No sslmode at all is libpq's default, prefer.
    assert!(role.ssl_in_use(&role.url("127.0.0.1", "")).await);
}

#[tokio::test]
async fn unix_sockets_never_use_tls() {
    let role = Role::new().await;
    for mode in ["prefer", "require", "verify-full"] {
        let url = role.base.with_dbname("postgres");
        let url = DbUrl::parse(&format!("{}&sslmode={mode}", url.to_secret_url())).unwrap();
        assert_eq!(url.ssl_mode().as_str(), mode);
        assert!(!role.ssl_in_use(&url).await, "sslmode={mode} over a socket");
    }
}

#[tokio::test]
async fn verify_full_with_system_roots_rejects_the_self_signed_certificate() {
    let role = Role::new().await;
    // Debian puts the snakeoil certificate in /etc/ssl/certs, so the system store may well trust
    // it; it still names no IP address, so the check fails on the name if not on the issuer.
    assert!(!role.cert_names("127.0.0.1"), "the server certificate names 127.0.0.1: this test needs one that does not");
    let url = role.url("127.0.0.1", "sslmode=verify-full");
    let err = role.failure(&url).await;
    assert!(err.contains("certificate verify failed"), "{err}");
    // Waiting for a server to come up does not wait out a certificate that will not change.
    let started = std::time::Instant::now();
    assert!(url.connect_waiting(std::time::Duration::from_secs(60)).await.is_err());
    assert!(started.elapsed() < std::time::Duration::from_secs(10), "waited {:?}", started.elapsed());
}

#[tokio::test]
async fn verify_ca_trusts_the_given_root_and_ignores_the_name() {
    let role = Role::new().await;
    let rootcert = format!("sslrootcert={}", role.cert_file);
    let url = role.url("127.0.0.1", &format!("sslmode=verify-ca&{rootcert}"));
    assert_eq!(url.ssl_mode(), SslMode::VerifyCa);
    assert!(role.ssl_in_use(&url).await);
    // require with a root certificate checks the chain too (libpq), and passes here.
    assert!(role.ssl_in_use(&role.url("127.0.0.1", &format!("sslmode=require&{rootcert}"))).await);
}

#[tokio::test]
async fn a_root_that_did_not_sign_the_certificate_is_refused() {
    let role = Role::new().await;
    for mode in ["verify-ca", "require", "verify-full"] {
        let err = role.failure(&role.url("127.0.0.1", &format!("sslmode={mode}&sslrootcert={PUBLIC_ROOTS}"))).await;
        assert!(err.contains("certificate verify failed"), "sslmode={mode}: {err}");
        assert!(err.contains("self-signed or not issued by a trusted root"), "sslmode={mode}: {err}");
    }
}

#[tokio::test]
async fn verify_full_checks_the_host_name() {
    let role = Role::new().await;
    let params = format!("sslmode=verify-full&sslrootcert={}", role.cert_file);
    // The chain is fine (the root is the certificate itself) but the name is not: the
    // certificate has no IP address entry for 127.0.0.1.
    let err = role.failure(&role.url("127.0.0.1", &params)).await;
    assert!(err.contains("certificate not valid for name \"127.0.0.1\""), "{err}");
    // Through `localhost` it depends on the names the certificate carries: Debian's snakeoil
    // certificate names the machine's host name, which is `localhost` on some machines.
    let url = role.url("localhost", &params);
    if role.cert_names("localhost") {
        assert!(role.ssl_in_use(&url).await);
    } else {
        let err = role.failure(&url).await;
        assert!(err.contains("certificate not valid for name \"localhost\""), "{err}");
    }
}

#[tokio::test]
async fn unreadable_root_certificate_is_named() {
    let role = Role::new().await;
    let err = role.failure(&role.url("127.0.0.1", "sslmode=verify-ca&sslrootcert=/nonexistent/root.crt")).await;
    assert!(err.contains("cannot read sslrootcert `/nonexistent/root.crt`"), "{err}");

    let not_pem = std::env::temp_dir().join(format!("{}.crt", role.name));
    std::fs::write(&not_pem, "not a certificate\n").unwrap();
    let params = format!("sslmode=verify-full&sslrootcert={}", not_pem.display());
    let err = role.failure(&role.url("127.0.0.1", &params)).await;
    std::fs::remove_file(&not_pem).unwrap();
    assert!(err.contains("holds no usable PEM certificate"), "{err}");
}

/// A server that refuses TLS: answers `N` to the SSLRequest, as a server with ssl = off does.
#[tokio::test]
async fn require_refuses_a_server_without_tls() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = tokio::spawn(async move {
        let (mut socket, _) = listener.accept().await.unwrap();
        let mut request = [0u8; 8];
        socket.read_exact(&mut request).await.unwrap();
        // Length 8, then the SSLRequest code 1234.5679.
        assert_eq!(request, [0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f]);
        socket.write_all(b"N").await.unwrap();
    });
    let url = DbUrl::parse(&format!("postgresql://u:s3cret@127.0.0.1:{port}/db?sslmode=require")).unwrap();
    let err = match url.connect().await {
        Ok(_) => panic!("connecting to {url} should have failed"),
        Err(e) => e.to_string(),
    };
    assert_eq!(
        err,
        format!("cannot connect to postgresql://u@127.0.0.1:{port}/db?sslmode=require: server does not support TLS (sslmode=require)")
    );
    server.await.unwrap();
}
