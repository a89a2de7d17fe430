//! Taking libpq's TLS parameters out of an address before tokio-postgres sees it: its parser
//! knows only `sslmode=disable|prefer|require` and rejects `verify-ca`, `verify-full` and
//! `sslrootcert`, which libpq users rightly expect to work. Then resolving them against the
//! environment the way libpq does.

use crate::SslMode;
use std::path::Path;

/// The address without its TLS parameters, and their raw values (the last one wins, as in libpq).
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Extracted {
    pub rest: String,
    pub sslmode: Option<String>,
    pub sslrootcert: Option<String>,
}

impl Extracted {
    fn take(&mut self, key: &str, value: String) -> bool {
        match key {
            "sslmode" => self.sslmode = Some(value),
            "sslrootcert" => self.sslrootcert = Some(value),
            _ => return false,
        }
        true
    }
}

/// The TLS settings, kept apart from `config` because tokio-postgres can hold only part of them.
#[derive(Clone, Debug)]
pub(crate) struct Ssl {
    /// As given (address or `PGSSLMODE`); `None` means libpq's default.
    pub mode: Option<SslMode>,
    /// As given (address or `PGSSLROOTCERT`): a PEM file, or `system`.
    pub rootcert: Option<String>,
    /// libpq's `~/.postgresql/root.crt`, when it exists and no root certificate was given.
    pub default_rootcert: Option<String>,
}

impl Ssl {
    pub fn resolve(
        mode: Option<String>,
        rootcert: Option<String>,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Ssl, String> {
        let mode = match (mode, env("PGSSLMODE")) {
            (Some(m), _) => Some(parse_mode(&m, "sslmode")?),
            (None, Some(m)) => Some(parse_mode(&m, "PGSSLMODE")?),
            (None, None) => None,
        };
        let rootcert = rootcert.filter(|r| !r.is_empty()).or_else(|| env("PGSSLROOTCERT"));
        if let (Some("system"), Some(m)) = (rootcert.as_deref(), mode) {
            if m != SslMode::VerifyFull {
                return Err(format!("weak sslmode `{m}` may not be used with sslrootcert=system (use verify-full)"));
            }
        }
        let default_rootcert = match rootcert {
            Some(_) => None,
            None => env("HOME").map(|h| format!("{h}/.postgresql/root.crt")).filter(|p| Path::new(p).is_file()),
        };
        Ok(Ssl { mode, rootcert, default_rootcert })
    }
}

fn parse_mode(value: &str, source: &str) -> Result<SslMode, String> {
    SslMode::from_name(value).ok_or_else(|| {
        let names: Vec<&str> = SslMode::ALL.iter().map(|m| m.as_str()).collect();
        format!("invalid {source} `{value}` (expected one of: {})", names.join(", "))
    })
}

/// Splits `postgresql://...?a=b&sslmode=x` into the URL without the TLS parameters and their
/// percent-decoded values. Errors only on a value that does not decode to UTF-8.
pub(crate) fn from_url(url: &str) -> Result<Extracted, String> {
    let query_start = url.find("://").and_then(|s| url[s..].find('?').map(|q| s + q));
    let Some(q) = query_start else {
        return Ok(Extracted { rest: url.to_string(), ..Extracted::default() });
    };
    let mut out = Extracted::default();
    let mut kept = Vec::new();
    for pair in url[q + 1..].split('&') {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        if matches!(key, "sslmode" | "sslrootcert") {
            let decoded = percent_decode(value).ok_or_else(|| format!("`{key}` is not valid percent-encoded UTF-8"))?;
            out.take(key, decoded);
        } else {
            kept.push(pair);
        }
    }
    out.rest = url[..q].to_string();
    if !kept.is_empty() {
        out.rest.push('?');
        out.rest.push_str(&kept.join("&"));
    }
    Ok(out)
}

/// Removes `sslmode` and `sslrootcert` pairs from a `key=value` conninfo string, following the
/// quoting rules of libpq (and tokio-postgres): `'quoted values'` and backslash escapes. Text
/// that does not parse is left in place for tokio-postgres to report.
pub(crate) fn from_conninfo(conninfo: &str) -> Extracted {
    let mut out = Extracted::default();
    let mut pos = 0;
    while let Some((start, end, key, value)) = next_pair(conninfo, pos) {
        if out.take(key, value) {
            out.rest.push_str(&conninfo[pos..start]);
        } else {
            out.rest.push_str(&conninfo[pos..end]);
        }
        pos = end;
    }
    out.rest.push_str(&conninfo[pos..]);
    out
}

/// The next `key = value` pair at or after `from`: its byte span, key and unescaped value.
fn next_pair(s: &str, from: usize) -> Option<(usize, usize, &str, String)> {
    let bytes = s.as_bytes();
    let mut i = from;
    let skip_ws = |mut i: usize| {
        while i < bytes.len() && bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        i
    };
    i = skip_ws(i);
    let start = i;
    while i < bytes.len() && !bytes[i].is_ascii_whitespace() && bytes[i] != b'=' {
        i += 1;
    }
    let key = &s[start..i];
    i = skip_ws(i);
    if key.is_empty() || bytes.get(i) != Some(&b'=') {
        return None;
    }
    i = skip_ws(i + 1);
    let quoted = bytes.get(i) == Some(&b'\'');
    if quoted {
        i += 1;
    }
    let mut value = String::new();
    let mut chars = s[i..].char_indices();
    let mut end = s.len();
    let mut closed = false;
    while let Some((off, c)) = chars.next() {
        match c {
            '\\' => {
                if let Some((_, escaped)) = chars.next() {
                    value.push(escaped);
                }
            }
            '\'' if quoted => {
                end = i + off + 1;
                closed = true;
                break;
            }
            c if c.is_whitespace() && !quoted => {
                end = i + off;
                break;
            }
            c => value.push(c),
        }
    }
    if (quoted && !closed) || (!quoted && value.is_empty()) {
        return None;
    }
    Some((start, end, key, value))
}

fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = s.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_params_are_taken_out_and_decoded() {
        let e =
            from_url("postgresql://u@h/db?sslmode=verify-full&application_name=x&sslrootcert=%2Fa%20b.pem").unwrap();
        assert_eq!(e.rest, "postgresql://u@h/db?application_name=x");
        assert_eq!(e.sslmode.as_deref(), Some("verify-full"));
        assert_eq!(e.sslrootcert.as_deref(), Some("/a b.pem"));

        let e = from_url("postgresql://u@/db?sslmode=require").unwrap();
        assert_eq!(e.rest, "postgresql://u@/db");
        assert!(from_url("postgresql://h/db?sslrootcert=%FF").is_err());
        assert_eq!(from_url("postgresql://h/db").unwrap().sslmode, None);
    }

    #[test]
    fn last_value_wins() {
        let e = from_url("postgresql://h/db?sslmode=disable&sslmode=require").unwrap();
        assert_eq!(e.sslmode.as_deref(), Some("require"));
        let e = from_conninfo("sslmode=disable host=h sslmode=verify-ca");
        assert_eq!(e.sslmode.as_deref(), Some("verify-ca"));
        assert_eq!(e.rest.trim(), "host=h");
    }

    #[test]
    fn conninfo_pairs_are_taken_out_with_quoting() {
        let e = from_conninfo("host=h  sslmode = verify-full user='o k' sslrootcert='/my certs/r\\'s.pem' dbname=d");
        assert_eq!(e.sslmode.as_deref(), Some("verify-full"));
        assert_eq!(e.sslrootcert.as_deref(), Some("/my certs/r's.pem"));
        assert_eq!(e.rest, "host=h   user='o k'  dbname=d");
    }

    #[test]
    fn malformed_conninfo_is_left_for_the_driver() {
        let e = from_conninfo("host=h sslmode");
        assert_eq!(e.rest, "host=h sslmode");
        assert_eq!(e.sslmode, None);
        let e = from_conninfo("sslmode='unterminated");
        assert_eq!(e.rest, "sslmode='unterminated");
    }
}
