//! Parsing of libpq's TLS settings in every address form, with the environment passed in
//! explicitly: tests run in parallel and the real environment is process-global.

use super::*;
use tokio_postgres::config::SslMode as Driver;

fn no_env(_: &str) -> Option<String> {
    None
}

fn parse(address: &str) -> DbUrl {
    DbUrl::parse_with_env(address, no_env).unwrap_or_else(|e| panic!("{address}: {e}"))
}

fn driver_for(mode: SslMode) -> Driver {
    match mode {
        SslMode::Disable => Driver::Disable,
        SslMode::Allow | SslMode::Prefer => Driver::Prefer,
        _ => Driver::Require,
    }
}

#[test]
fn every_mode_parses_in_every_form() {
    for mode in SslMode::ALL {
        let name = mode.as_str();
        let forms = [
            format!("postgresql://app:pw@db.example:5433/portal?sslmode={name}"),
            format!("postgres://app:pw@db.example:5433/portal?application_name=x&sslmode={name}"),
            format!("postgresql+psycopg://app:pw@db.example:5433/portal?sslmode={name}"),
            format!("host=db.example port=5433 user=app password=pw dbname=portal sslmode={name}"),
            format!("sslmode = '{name}' host=db.example port=5433 user=app password=pw dbname=portal"),
        ];
        for form in forms {
            let url = parse(&form);
            assert_eq!(url.ssl_mode(), mode, "{form}");
            assert_eq!(url.config().get_ssl_mode(), driver_for(mode), "{form}");
            assert_eq!(url.to_string(), format!("postgresql://app@db.example:5433/portal?sslmode={name}"), "{form}");
            // What we print must parse back to the same thing: child processes get this form.
            assert_eq!(parse(&url.to_secret_url()).ssl_mode(), mode);
            assert_eq!(url.with_dbname("other").ssl_mode(), mode);
        }
    }
}

#[test]
fn default_is_prefer_and_not_printed() {
    let url = parse("postgresql://app@db.example/portal");
    assert_eq!(url.ssl_mode(), SslMode::Prefer);
    assert_eq!(url.ssl_root_cert(), None);
    assert_eq!(url.to_string(), "postgresql://app@db.example:5432/portal");
}

#[test]
fn invalid_mode_is_a_clear_error_without_the_password() {
    for address in ["postgresql://app:s3cret@h/db?sslmode=verify_full", "host=h password=s3cret sslmode=Require"] {
        let err = DbUrl::parse_with_env(address, no_env).unwrap_err().to_string();
        assert!(err.contains("invalid sslmode"), "{err}");
        assert!(err.contains("expected one of: disable, allow, prefer, require, verify-ca, verify-full"), "{err}");
        assert!(!err.contains("s3cret"), "{err}");
    }
}

#[test]
fn pgsslmode_is_the_default_and_the_address_wins() {
    let env = |k: &str| match k {
        "PGSSLMODE" => Some("verify-ca".to_string()),
        "PGSSLROOTCERT" => Some("/etc/ca.pem".to_string()),
        _ => None,
    };
    let url = DbUrl::parse_with_env("postgresql://app@h/db", env).unwrap();
    assert_eq!(url.ssl_mode(), SslMode::VerifyCa);
    assert_eq!(url.ssl_root_cert(), Some("/etc/ca.pem"));
    assert_eq!(url.to_string(), "postgresql://app@h:5432/db?sslmode=verify-ca&sslrootcert=/etc/ca.pem");

    let url = DbUrl::parse_with_env("host=h sslmode=disable sslrootcert=/x.pem", env).unwrap();
    assert_eq!(url.ssl_mode(), SslMode::Disable);
    assert_eq!(url.ssl_root_cert(), Some("/x.pem"));

    let bad = |k: &str| (k == "PGSSLMODE").then(|| "on".to_string());
    let err = DbUrl::parse_with_env("postgresql://h/db", bad).unwrap_err().to_string();
    assert!(err.contains("invalid PGSSLMODE `on`"), "{err}");
    // An empty variable counts as unset, as in libpq.
    let empty = |k: &str| (k == "PGSSLMODE").then(String::new);
    assert_eq!(DbUrl::parse_with_env("postgresql://h/db", empty).unwrap().ssl_mode(), SslMode::Prefer);
}

#[test]
fn rootcert_forms_and_encoding() {
    let url = parse("postgresql://app@h/db?sslmode=verify-full&sslrootcert=%2Fcerts%2Fmy%20ca.pem");
    assert_eq!(url.ssl_root_cert(), Some("/certs/my ca.pem"));
    assert_eq!(url.to_string(), "postgresql://app@h:5432/db?sslmode=verify-full&sslrootcert=/certs/my%20ca.pem");
    assert_eq!(parse(&url.to_string()).ssl_root_cert(), Some("/certs/my ca.pem"));

    let url = parse("host=h sslmode=require sslrootcert='/certs/my ca.pem'");
    assert_eq!(url.ssl_root_cert(), Some("/certs/my ca.pem"));
}

#[test]
fn rootcert_system_defaults_to_verify_full_and_refuses_weaker_modes() {
    assert_eq!(parse("postgresql://h/db?sslrootcert=system").ssl_mode(), SslMode::VerifyFull);
    let err = DbUrl::parse_with_env("host=h sslrootcert=system sslmode=require", no_env).unwrap_err().to_string();
    assert!(err.contains("weak sslmode `require` may not be used with sslrootcert=system"), "{err}");
}

#[test]
fn home_root_crt_is_used_when_present() {
    let home = std::env::temp_dir().join(format!("schemactl-connect-home-{}", std::process::id()));
    std::fs::create_dir_all(home.join(".postgresql")).unwrap();
    let home_str = home.to_string_lossy().to_string();
    let env = |k: &str| (k == "HOME").then(|| home_str.clone());
    assert_eq!(DbUrl::parse_with_env("postgresql://h/db", env).unwrap().ssl_root_cert(), None);
    std::fs::write(home.join(".postgresql/root.crt"), "").unwrap();
    let url = DbUrl::parse_with_env("postgresql://h/db", env).unwrap();
    let expected = format!("{home_str}/.postgresql/root.crt");
    assert_eq!(url.ssl_root_cert(), Some(expected.as_str()));
    // libpq finds the file itself; printing it would only leak a local path into addresses.
    assert_eq!(url.to_string(), format!("postgresql://{}@h:5432/db", crate::os_user()));
    std::fs::remove_dir_all(&home).unwrap();
}

#[test]
fn socket_addresses_keep_their_tls_settings() {
    let url = parse("postgresql://me@/app?host=/var/run/postgresql&sslmode=require");
    assert_eq!(url.ssl_mode(), SslMode::Require);
    assert_eq!(url.to_string(), "postgresql://me@/app?host=/var/run/postgresql&port=5432&sslmode=require");
}

#[test]
fn password_never_displayed_with_tls_settings() {
    let url = parse("postgresql://app:s3cret@h/db?sslmode=verify-full&sslrootcert=/ca.pem");
    let shown = format!("{url} {url:?}");
    assert!(!shown.contains("s3cret"), "{shown}");
    assert_eq!(url.to_secret_url(), "postgresql://app:s3cret@h:5432/db?sslmode=verify-full&sslrootcert=/ca.pem");
}
