//! The concurrent index statements a killed run can leave half done: `CREATE INDEX
//! CONCURRENTLY` leaves an invalid index behind, `DROP INDEX CONCURRENTLY` may have finished.

use pg_query::protobuf::ObjectType;
use pg_query::NodeEnum;

// Always quoted: the names come from the parser, case preserved.
use schemactl_sqltext::quoted_ident as ident;

/// What a concurrent index statement works on, with names quoted for SQL.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Concurrent {
    /// The index lives in the table's schema, so it is found through the table.
    Create {
        table: String,
        index_name: String,
    },
    Drop {
        index: String,
    },
}

/// `None` for anything else, and for an unnamed `CREATE INDEX` (nothing to look for).
pub(crate) fn concurrent_index(sql: &str) -> Option<Concurrent> {
    let parsed = pg_query::parse(sql, 0).ok()?;
    let node = parsed.protobuf.stmts.into_iter().next()?.stmt?.node?;
    match node {
        NodeEnum::IndexStmt(s) if s.concurrent && !s.idxname.is_empty() => {
            let relation = s.relation?;
            Some(Concurrent::Create {
                table: qualified(&relation.schemaname, &relation.relname),
                index_name: s.idxname,
            })
        }
        NodeEnum::DropStmt(s) if s.concurrent && s.remove_type == ObjectType::ObjectIndex as i32 => {
            let Some(NodeEnum::List(names)) = s.objects.first()?.node.as_ref() else { return None };
            let parts: Vec<&str> = names
                .items
                .iter()
                .filter_map(|n| match n.node.as_ref() {
                    Some(NodeEnum::String(s)) => Some(s.sval.as_str()),
                    _ => None,
                })
                .collect();
            match parts.as_slice() {
                [name] => Some(Concurrent::Drop { index: qualified("", name) }),
                [schema, name] => Some(Concurrent::Drop { index: qualified(schema, name) }),
                _ => None,
            }
        }
        _ => None,
    }
}

/// `CREATE INDEX`, concurrent or not: the statements whose progress the server reports.
pub(crate) fn builds_index(sql: &str) -> bool {
    // Most statements are not: the parser only sees the ones that mention an index.
    if !sql.to_ascii_lowercase().contains("index") {
        return false;
    }
    let Ok(parsed) = pg_query::parse(sql, 0) else { return false };
    let first = parsed.protobuf.stmts.into_iter().next().and_then(|s| s.stmt).and_then(|s| s.node);
    matches!(first, Some(NodeEnum::IndexStmt(_)))
}

fn qualified(schema: &str, name: &str) -> String {
    if schema.is_empty() {
        ident(name)
    } else {
        format!("{}.{}", ident(schema), ident(name))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_come_from_the_parser() {
        assert_eq!(
            concurrent_index("CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS \"Idx\" ON app.items USING btree (note)"),
            Some(Concurrent::Create { table: "\"app\".\"items\"".into(), index_name: "Idx".into() })
        );
        assert_eq!(
            concurrent_index("create index concurrently items_note on Items (note)"),
            Some(Concurrent::Create { table: "\"items\"".into(), index_name: "items_note".into() })
        );
        assert_eq!(
            concurrent_index("DROP INDEX CONCURRENTLY IF EXISTS app.items_note"),
            Some(Concurrent::Drop { index: "\"app\".\"items_note\"".into() })
        );
        assert_eq!(concurrent_index("CREATE INDEX CONCURRENTLY ON items (note)"), None);
        assert_eq!(concurrent_index("CREATE INDEX items_note ON items (note)"), None);
        assert_eq!(concurrent_index("VACUUM items"), None);
        assert!(builds_index("CREATE INDEX CONCURRENTLY ON items (note)"));
        assert!(builds_index("create unique index i on t (a)"));
        assert!(!builds_index("DROP INDEX CONCURRENTLY i"));
        assert!(!builds_index("ALTER TABLE t ADD COLUMN index_no int"));
    }
}
