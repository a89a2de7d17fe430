//! Recognising text that is (or was meant to be) a database address, and taking passwords out
//! of text that may hold one. Redaction works on raw text, not on a parsed address: it is what
//! shows addresses that do not parse, so it must be conservative and assume the worst about
//! where a password ends (an unencoded `@`, `:`, `/` or space inside it, an unclosed quote).

/// The scheme of `text` when it starts like a URL (`word:/`), however misspelt: `postgresqlx`,
/// `postgress`, `http`, or `postgres` followed by a single slash.
pub fn url_scheme(text: &str) -> Option<&str> {
    let text = text.trim_start();
    let colon = text.find(':')?;
    let scheme = &text[..colon];
    let mut chars = scheme.chars();
    let first_ok = chars.next().is_some_and(|c| c.is_ascii_alphabetic());
    let rest_ok = chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    (first_ok && rest_ok && text[colon + 1..].starts_with('/')).then_some(scheme)
}

/// True when `text` is libpq `key=value` conninfo: it starts with a keyword and `=`.
pub fn looks_like_conninfo(text: &str) -> bool {
    let text = text.trim_start();
    let key_len = text.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).unwrap_or(text.len());
    key_len > 0
        && text.as_bytes()[0].is_ascii_alphabetic()
        && text[key_len..].trim_start_matches([' ', '\t', '\n', '\r']).starts_with('=')
}

/// True when `text` looks like a database address (well formed or not) rather than a file
/// name: a URL scheme, `://`, conninfo, `user:password@`, or a `password=` anywhere. Used to
/// decide that text which is not a file must not be echoed as it is.
pub fn looks_like_address(text: &str) -> bool {
    url_scheme(text).is_some()
        || text.contains("://")
        || looks_like_conninfo(text)
        || text.split_whitespace().any(|t| userinfo_span(t).is_some())
        || find_password_key(text, 0).is_some()
}

/// Removes passwords from text that may hold an address, parsed or not:
/// - a URL's user information: everything between the first `:` after `scheme:/` (or `://`)
///   and the last `@` after it, so that unencoded `@`, `:`, `/`, `?` or spaces in a password
///   are covered;
/// - `user:password@` written without a scheme;
/// - the value of any key ending in `password` (`password=`, `sslpassword=`, `PGPASSWORD=`, a
///   `?password=` query parameter, percent-encoded keys and `=`), quoted (`'a b'`, closed or
///   not) or bare (up to `&` in a query, else up to the next `key=`).
pub fn redact(text: &str) -> String {
    let text = redact_password_values(text);
    redact_userinfo(&text)
}

/// `[start, end)` of the password in a URL or `user:password@` token, if there is one.
fn userinfo_span(text: &str) -> Option<(usize, usize)> {
    let at = text.rfind('@')?;
    let colon = text[..at].find(':')?;
    (colon + 1 < at).then_some((colon + 1, at))
}

fn redact_userinfo(text: &str) -> String {
    let authority = url_authority(text);
    let (head, url) = match authority {
        Some(start) => text.split_at(start),
        None => (text, ""),
    };
    let mut out = String::with_capacity(text.len());
    // Before any URL: `user:password@host` tokens.
    let mut rest = head;
    while !rest.is_empty() {
        let token_end = rest.find(char::is_whitespace).unwrap_or(rest.len());
        let (token, tail) = rest.split_at(token_end);
        push_masked(&mut out, token, userinfo_span(token));
        let ws = tail.len() - tail.trim_start().len();
        out.push_str(&tail[..ws]);
        rest = &tail[ws..];
    }
    // The URL and whatever follows it: whitespace does not end a password here.
    push_masked(&mut out, url, userinfo_span(url));
    out
}

/// Where the authority of the first URL in `text` starts: after `scheme:` and its slashes.
fn url_authority(text: &str) -> Option<usize> {
    let is_scheme_char = |c: char| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.');
    let mut from = 0;
    while let Some(found) = text[from..].find(":/") {
        let colon = from + found;
        let word_start = text[..colon].rfind(|c: char| !is_scheme_char(c)).map(|i| i + 1).unwrap_or(0);
        if text[word_start..colon].starts_with(|c: char| c.is_ascii_alphabetic()) {
            let after = &text[colon + 1..];
            return Some(colon + 1 + after.len() - after.trim_start_matches('/').len());
        }
        from = colon + 1;
    }
    None
}

fn push_masked(out: &mut String, text: &str, span: Option<(usize, usize)>) {
    match span {
        Some((start, end)) => {
            out.push_str(&text[..start]);
            out.push_str("***");
            out.push_str(&text[end..]);
        }
        None => out.push_str(text),
    }
}

fn redact_password_values(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut pos = 0;
    while let Some((key_start, value_start)) = find_password_key(text, pos) {
        let in_query = text[..key_start].ends_with(['?', '&']) || preceded_by_query(text, key_start);
        let value_end = value_end(text, value_start, in_query);
        out.push_str(&text[pos..value_start]);
        out.push_str("***");
        pos = value_end;
    }
    out.push_str(&text[pos..]);
    out
}

/// True when the key at `key_start` is part of a URL query (`?…&…password=`), where `&` ends a
/// value; in conninfo an `&` may be part of the password.
fn preceded_by_query(text: &str, key_start: usize) -> bool {
    let before = &text[..key_start];
    let word_start = before.rfind(|c: char| c.is_whitespace() || c == '?' || c == '&').map(|i| i + 1).unwrap_or(0);
    word_start > 0 && before[..word_start].ends_with(['?', '&']) && before.contains("://")
}

/// The next key ending in `password` (letters possibly percent-encoded, any case) followed by
/// `=` or `%3D`: the key's start and where its value starts.
fn find_password_key(text: &str, from: usize) -> Option<(usize, usize)> {
    const KEY: &[u8] = b"password";
    let bytes = text.as_bytes();
    let mut i = from;
    while i < bytes.len() {
        if let Some(after_key) = match_encoded(bytes, i, KEY) {
            let mut j = after_key;
            while j < bytes.len() && matches!(bytes[j], b' ' | b'\t') {
                j += 1;
            }
            let eq_len = if bytes.get(j) == Some(&b'=') {
                Some(1)
            } else if text.get(j..j + 3).is_some_and(|s| s.eq_ignore_ascii_case("%3d")) {
                Some(3)
            } else {
                None
            };
            if let Some(eq_len) = eq_len {
                let mut v = j + eq_len;
                while v < bytes.len() && matches!(bytes[v], b' ' | b'\t') {
                    v += 1;
                }
                // The key may be longer (`sslpassword`): report where its word starts.
                let key_start = text[..i].rfind(|c: char| !c.is_ascii_alphanumeric() && c != '_' && c != '%');
                return Some((key_start.map(|k| k + 1).unwrap_or(0), v));
            }
        }
        i += 1;
    }
    None
}

/// Matches `word` at `at`, each letter literal (any case) or as `%XX`; returns the end.
fn match_encoded(bytes: &[u8], at: usize, word: &[u8]) -> Option<usize> {
    let mut i = at;
    for &w in word {
        match bytes.get(i) {
            Some(b) if b.eq_ignore_ascii_case(&w) => i += 1,
            Some(b'%') => {
                let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
                let decoded = u8::from_str_radix(hex, 16).ok()?;
                if !decoded.eq_ignore_ascii_case(&w) {
                    return None;
                }
                i += 3;
            }
            _ => return None,
        }
    }
    Some(i)
}

/// Where a password value starting at `start` ends. A quoted value ends at its closing quote
/// (or the end of the text when unclosed); a bare one at `&` in a query, else at the end of the
/// text or before whitespace followed by the next `key=`: a bare password with a space in it
/// (which libpq rejects) is hidden whole.
fn value_end(text: &str, start: usize, in_query: bool) -> usize {
    let bytes = text.as_bytes();
    if let Some(&q @ (b'\'' | b'"')) = bytes.get(start) {
        let mut i = start + 1;
        while i < bytes.len() {
            match bytes[i] {
                b'\\' => i += 2,
                b if b == q => return i + 1,
                _ => i += 1,
            }
        }
        return bytes.len();
    }
    let mut i = start;
    while i < bytes.len() {
        let b = bytes[i];
        if in_query && b == b'&' {
            return i;
        }
        if b.is_ascii_whitespace() && looks_like_conninfo(&text[i..]) {
            return i;
        }
        i += 1;
    }
    bytes.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each address with the fragments of its secret: none may survive redaction.
    const TABLE: &[(&str, &[&str])] = &[
        ("postgres://app:s3cret@h/db", &["s3cret"]),
        ("postgresql://u:ss:w/rdX@S3cr3t@host/db", &["ss:w", "rdX", "S3cr3t"]),
        ("postgresql://u:Pa@ss@host:5432/db", &["Pa@", "@ss", "Pa", "ss@"]),
        ("postgresql://u:p/a?s#s@host/db", &["p/a", "a?s", "s#s"]),
        ("postgresqlx://u:S3cr3t@host/db", &["S3cr3t"]),
        ("postgress://u:S3cr3t@host/db", &["S3cr3t"]),
        ("postgres:/u:S3cr3t@host/db", &["S3cr3t"]),
        ("http://u:S3cr3t@host/db", &["S3cr3t"]),
        ("postgresql+psycopg2://u:S3cr3t@host/db", &["S3cr3t"]),
        ("host=h password=S3cr3t dbname=x", &["S3cr3t"]),
        ("host=h password='S3 cr3t' dbname=x", &["S3", "cr3t"]),
        ("host=h password='S3 \\' cr3t", &["S3", "cr3t"]),
        ("host=h password = \"S3 cr3t\"", &["S3", "cr3t"]),
        ("host=h password=S3 cr3t dbname=x", &["S3", "cr3t"]),
        ("host=h password=S3&cr3t dbname=x", &["S3", "cr3t"]),
        ("postgresql://u@h/db?password=S3cr3t&port=x", &["S3cr3t"]),
        ("postgresql://u@h/db?sslmode=require&password=S3cr3t", &["S3cr3t"]),
        ("postgresql://u@h/db?pass%77ord=S3cr3t", &["S3cr3t"]),
        ("postgresql://u@h/db?password%3DS3cr3t", &["S3cr3t"]),
        ("postgresql://u:S3cr%33t@h:99999/db", &["S3cr", "%33t"]),
        ("postgresql://u:S3cr3t@[::1/db", &["S3cr3t"]),
        ("postgresql://u:S3cr3t@h:54x2/db trailing garbage", &["S3cr3t"]),
        ("postgresql://u:S3\ncr3t@h/db", &["S3", "cr3t"]),
        ("postgresql://u:S3 cr3t@h/db", &["S3", "cr3t"]),
        ("u:S3cr3t@host/db", &["S3cr3t"]),
        ("PGPASSWORD=S3cr3t", &["S3cr3t"]),
        ("host=h sslpassword=S3cr3t", &["S3cr3t"]),
        ("cannot parse postgresql://u:S3cr3t@h/db: bad", &["S3cr3t"]),
    ];

    #[test]
    fn no_secret_survives() {
        for (text, secrets) in TABLE {
            let shown = redact(text);
            for s in *secrets {
                assert!(!shown.contains(s), "{text:?} redacted to {shown:?} still shows {s:?}");
            }
            assert!(shown.contains("***"), "{text:?} redacted to {shown:?}");
            assert!(looks_like_address(text), "{text:?} not seen as an address");
        }
    }

    #[test]
    fn what_is_not_secret_stays() {
        assert_eq!(redact("postgres://app:s3cret@h/db"), "postgres://app:***@h/db");
        assert_eq!(redact("host=h password=s3cret dbname=x"), "host=h password=*** dbname=x");
        assert_eq!(redact("host=h password='a b' dbname=x"), "host=h password=*** dbname=x");
        assert_eq!(redact("postgresql://u@h/db?password=x&port=1"), "postgresql://u@h/db?password=***&port=1");
        assert_eq!(redact("postgresql://u@h:5432/db"), "postgresql://u@h:5432/db");
        assert_eq!(
            redact("error connecting to server: Connection refused (os error 111)"),
            "error connecting to server: Connection refused (os error 111)"
        );
        assert_eq!(redact("schema/users.sql"), "schema/users.sql");
    }

    #[test]
    fn addresses_are_told_from_paths() {
        for path in ["schema", "schema/", "./a.sql", "/tmp/x y/schema.sql", "dir/with:colon.sql"] {
            assert!(!looks_like_address(path), "{path}");
        }
        assert!(looks_like_conninfo("host=h"));
        assert!(looks_like_conninfo("  dbname = x"));
        assert!(!looks_like_conninfo("=x"));
        assert_eq!(url_scheme("postgres:/u@h"), Some("postgres"));
        assert_eq!(url_scheme("schema/a:b"), None);
    }
}
