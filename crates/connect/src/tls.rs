//! TLS with libpq's `sslmode` semantics on rustls (ring provider). libpq's modes differ in what
//! they check about the server's certificate, which rustls expresses as certificate verifiers:
//! nothing (`allow`, `prefer`, `require` without a root certificate), the chain only
//! (`verify-ca`, and `require` with one), or chain and host name (`verify-full`). Handshake
//! signatures are always verified, so even an unchecked certificate proves key possession.

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::{verify_server_cert_signed_by_trust_anchor, WebPkiServerVerifier};
use rustls::crypto::{verify_tls12_signature, verify_tls13_signature, WebPkiSupportedAlgorithms};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::server::ParsedCertificate;
use rustls::{CertificateError, ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};
use std::fmt;
use std::sync::{Arc, OnceLock};
use tokio_postgres_rustls::MakeRustlsConnect;

/// libpq's `sslmode`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum SslMode {
    /// Plain connections only.
    Disable,
    /// libpq tries plain first; like tokio-postgres we try TLS first and fall back to plain.
    Allow,
    /// TLS when the server offers it, else plain; the certificate is not checked (libpq's default).
    Prefer,
    /// TLS or nothing; the certificate is checked only against an `sslrootcert` if there is one.
    Require,
    /// TLS, certificate chain checked against `sslrootcert` (or the system roots), not the name.
    VerifyCa,
    /// TLS, chain and host name checked.
    VerifyFull,
}

impl SslMode {
    pub const ALL: [SslMode; 6] =
        [SslMode::Disable, SslMode::Allow, SslMode::Prefer, SslMode::Require, SslMode::VerifyCa, SslMode::VerifyFull];

    /// The libpq spelling of a mode, or `None` for anything else (libpq is case-sensitive too).
    pub fn from_name(name: &str) -> Option<SslMode> {
        SslMode::ALL.into_iter().find(|m| m.as_str() == name)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            SslMode::Disable => "disable",
            SslMode::Allow => "allow",
            SslMode::Prefer => "prefer",
            SslMode::Require => "require",
            SslMode::VerifyCa => "verify-ca",
            SslMode::VerifyFull => "verify-full",
        }
    }

    /// What tokio-postgres should do during the startup negotiation.
    pub(crate) fn driver(self) -> tokio_postgres::config::SslMode {
        use tokio_postgres::config::SslMode as Driver;
        match self {
            SslMode::Disable => Driver::Disable,
            SslMode::Allow | SslMode::Prefer => Driver::Prefer,
            SslMode::Require | SslMode::VerifyCa | SslMode::VerifyFull => Driver::Require,
        }
    }
}

impl fmt::Display for SslMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A connector for `mode`. `rootcert` is the root certificate file in force (given, or libpq's
/// `~/.postgresql/root.crt`), or `system`; verifying modes without one use the system roots.
pub(crate) fn connector(mode: SslMode, rootcert: Option<&str>) -> Result<MakeRustlsConnect, String> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let algs = provider.signature_verification_algorithms;
    let verifier: Arc<dyn ServerCertVerifier> = match (mode, rootcert) {
        (SslMode::Disable | SslMode::Allow | SslMode::Prefer, _) | (SslMode::Require, None) => {
            Arc::new(AnyCertificate { algs })
        }
        (SslMode::Require | SslMode::VerifyCa, _) => Arc::new(ChainOnly { roots: roots(rootcert)?, algs }),
        (SslMode::VerifyFull, _) => WebPkiServerVerifier::builder_with_provider(roots(rootcert)?, provider.clone())
            .build()
            .map_err(|e| format!("cannot set up certificate verification: {e}"))?,
    };
    let config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("cannot set up TLS: {e}"))?
        .dangerous()
        .with_custom_certificate_verifier(verifier)
        .with_no_client_auth();
    Ok(MakeRustlsConnect::new(config))
}

/// Trust anchors from a PEM file, or the system's (`None` or `system`).
fn roots(rootcert: Option<&str>) -> Result<Arc<RootCertStore>, String> {
    let path = match rootcert {
        None | Some("system") => return system_roots(),
        Some(path) => path,
    };
    let pem = std::fs::read(path).map_err(|e| format!("cannot read sslrootcert `{path}`: {e}"))?;
    let certs = CertificateDer::pem_slice_iter(&pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("sslrootcert `{path}` is not valid PEM: {e}"))?;
    // Bundles may carry a legacy root webpki cannot parse; skip it as long as others remain.
    let mut store = RootCertStore::empty();
    let (_, _) = store.add_parsable_certificates(certs);
    if store.is_empty() {
        return Err(format!("sslrootcert `{path}` holds no usable PEM certificate"));
    }
    Ok(Arc::new(store))
}

/// The operating system's trust store (what OpenSSL, hence libpq's `sslrootcert=system`, uses),
/// read once per process: it is hundreds of files.
fn system_roots() -> Result<Arc<RootCertStore>, String> {
    static SYSTEM: OnceLock<Result<Arc<RootCertStore>, String>> = OnceLock::new();
    SYSTEM
        .get_or_init(|| {
            let found = rustls_native_certs::load_native_certs();
            let mut store = RootCertStore::empty();
            let (_, _) = store.add_parsable_certificates(found.certs);
            if store.is_empty() {
                let why: Vec<String> = found.errors.iter().map(|e| e.to_string()).collect();
                return Err(format!("no system root certificates found ({})", why.join("; ")));
            }
            Ok(Arc::new(store))
        })
        .clone()
}

/// Accepts any certificate (libpq's `require` without a root certificate: encryption, no
/// authentication of the server).
#[derive(Debug)]
struct AnyCertificate {
    algs: WebPkiSupportedAlgorithms,
}

/// Checks the chain up to a trusted root but not the host name (libpq's `verify-ca`).
#[derive(Debug)]
struct ChainOnly {
    roots: Arc<RootCertStore>,
    algs: WebPkiSupportedAlgorithms,
}

impl ServerCertVerifier for AnyCertificate {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(message, cert, dss, &self.algs)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(message, cert, dss, &self.algs)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algs.supported_schemes()
    }
}

impl ServerCertVerifier for ChainOnly {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let cert = ParsedCertificate::try_from(end_entity)?;
        verify_server_cert_signed_by_trust_anchor(&cert, &self.roots, intermediates, now, self.algs.all)?;
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(message, cert, dss, &self.algs)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(message, cert, dss, &self.algs)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algs.supported_schemes()
    }
}

/// A readable reason for a failed connection when TLS is what failed, else `None`. `rootcert`
/// as for [`connector`].
pub(crate) fn describe_failure(e: &tokio_postgres::Error, mode: SslMode, rootcert: Option<&str>) -> Option<String> {
    let mut src = std::error::Error::source(e);
    while let Some(s) = src {
        // tokio-rustls wraps rustls errors in io::Error, whose `source()` skips the inner error.
        let inner = s.downcast_ref::<std::io::Error>().and_then(|io| io.get_ref());
        if let Some(tls) = inner.and_then(|i| i.downcast_ref::<rustls::Error>()) {
            return Some(describe_rustls(tls, mode, rootcert));
        }
        if let Some(tls) = s.downcast_ref::<rustls::Error>() {
            return Some(describe_rustls(tls, mode, rootcert));
        }
        if s.to_string() == "server does not support TLS" {
            return Some(format!("server does not support TLS (sslmode={mode})"));
        }
        src = s.source();
    }
    None
}

fn describe_rustls(e: &rustls::Error, mode: SslMode, rootcert: Option<&str>) -> String {
    let roots = match rootcert {
        None | Some("system") => "the system store".to_string(),
        Some(path) => format!("sslrootcert `{path}`"),
    };
    match e {
        rustls::Error::InvalidCertificate(CertificateError::UnknownIssuer) => format!(
            "certificate verify failed: the server's certificate is self-signed or not issued by a trusted root \
             (sslmode={mode}, trusted roots from {roots})"
        ),
        rustls::Error::InvalidCertificate(
            c @ (CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. }),
        ) => format!("certificate verify failed: {c} (sslmode={mode} checks the host name; verify-ca does not)"),
        rustls::Error::InvalidCertificate(c) => format!("certificate verify failed: {c} (sslmode={mode})"),
        other => format!("TLS handshake failed: {other} (sslmode={mode})"),
    }
}
