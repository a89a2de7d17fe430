//! The server's version, and the parts of the catalog queries that depend on it.
//!
//! One set of queries serves every supported major (14 and newer). Where a catalog differs
//! between majors, the query holds both forms, written with [`since!`]:
//! `since!(150000, "pr.prqual", "NULL::pg_node_tree")` is the first text on servers whose
//! `server_version_num` is at least 150000, the second before. The choice is made once per
//! read, before the queries are sent, as pg_dump does: a column that does not exist cannot
//! even be named in a branch PostgreSQL would not take.

/// What the catalog queries are adapted to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerVersion {
    /// `server_version_num`, e.g. 140023 or 180006.
    pub num: i32,
    /// `server_version` as the server prints it, e.g. `14.23` (for messages).
    pub text: String,
}

impl ServerVersion {
    pub fn major(&self) -> i32 {
        self.num / 10000
    }
}

impl std::fmt::Display for ServerVersion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PostgreSQL {}", self.text)
    }
}

const OPEN: &str = "/*>=";
const ELSE: &str = "/*else*/";
const END: &str = "/*end*/";

/// `sql` with every gated part resolved for a server of version `num`.
///
/// Gates do not nest (none needs to): an inner gate would make the outer one's `else` and
/// `end` ambiguous, so the text between markers is taken as is.
pub fn resolve(sql: &str, num: i32) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut rest = sql;
    while let Some(start) = rest.find(OPEN) {
        out.push_str(&rest[..start]);
        let after = &rest[start + OPEN.len()..];
        let (Some(close), Some(else_at), Some(end_at)) = (after.find("*/"), after.find(ELSE), after.find(END)) else {
            // A malformed gate is a bug in a query: keep the text so that the server says so.
            out.push_str(&rest[start..]);
            return out;
        };
        let since: i32 = after[..close].trim().parse().unwrap_or(i32::MAX);
        let newer = &after[close + 2..else_at];
        let older = &after[else_at + ELSE.len()..end_at];
        out.push_str(if num >= since { newer } else { older });
        rest = &after[end_at + END.len()..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gates_pick_by_version() {
        let sql = concat!("SELECT a, ", since!(150000, "b", "NULL"), ", ", since!(180000, "c", "false"), " FROM t");
        assert_eq!(resolve(sql, 140023), "SELECT a, NULL, false FROM t");
        assert_eq!(resolve(sql, 150000), "SELECT a, b, false FROM t");
        assert_eq!(resolve(sql, 180006), "SELECT a, b, c FROM t");
        assert_eq!(resolve("SELECT '{}'::text[]", 140000), "SELECT '{}'::text[]");
    }
}
