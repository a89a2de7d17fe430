//! Statements whose whole point is to rewrite a table, holding an ACCESS EXCLUSIVE lock
//! throughout: `VACUUM FULL`, `CLUSTER`, and `ALTER TABLE` `SET TABLESPACE`, `SET LOGGED`,
//! `SET UNLOGGED`, `SET ACCESS METHOD` (and `ALTER TABLE ALL IN TABLESPACE ... SET TABLESPACE`).

use pg_query::protobuf::AlterTableType;
use pg_query::NodeEnum;
use schemactl_model::HazardKind;

use crate::ast::{alter_commands, option_on, Name};
use crate::context::Context;
use crate::{hit, Hit, Input};

pub(crate) fn check(input: &Input<'_>, context: &Context) -> Vec<Hit> {
    let rewrites = |what: String, subject: &str| {
        vec![
            hit(HazardKind::TableRewrite, what),
            hit(
                HazardKind::AccessExclusiveLock,
                format!("reads and writes of {subject} wait (ACCESS EXCLUSIVE) throughout"),
            ),
        ]
    };
    match input.node {
        NodeEnum::VacuumStmt(s) if s.is_vacuumcmd && option_on(&s.options, "full") => {
            let tables: Vec<String> = s
                .rels
                .iter()
                .filter_map(|r| match &r.node {
                    Some(NodeEnum::VacuumRelation(v)) => v.relation.as_ref().map(Name::of),
                    _ => None,
                })
                .filter(|t| !context.is_new(t))
                .map(|t| t.to_string())
                .collect();
            if s.rels.is_empty() {
                rewrites("VACUUM FULL rewrites every table of the database".into(), "each table")
            } else if tables.is_empty() {
                Vec::new()
            } else {
                let tables = tables.join(", ");
                rewrites(format!("VACUUM FULL rewrites {tables}"), &tables)
            }
        }
        NodeEnum::ClusterStmt(s) => match s.relation.as_ref().map(Name::of) {
            Some(t) if context.is_new(&t) => Vec::new(),
            Some(t) => rewrites(format!("CLUSTER rewrites {t} in index order"), &t.to_string()),
            None => rewrites("CLUSTER rewrites every table clustered before".into(), "each table"),
        },
        NodeEnum::AlterTableMoveAllStmt(s) => rewrites(
            format!("moves every table in tablespace {} to {}", s.orig_tablespacename, s.new_tablespacename),
            "each table",
        ),
        _ => alter_table(input, context, rewrites),
    }
}

fn alter_table(input: &Input<'_>, context: &Context, rewrites: impl Fn(String, &str) -> Vec<Hit>) -> Vec<Hit> {
    let Some((table, commands)) = alter_commands(input.node) else { return Vec::new() };
    if context.is_new(&table) {
        return Vec::new();
    }
    let subject = table.to_string();
    let mut hits = Vec::new();
    for (kind, cmd) in commands {
        let what = match kind {
            AlterTableType::AtSetTableSpace => format!("SET TABLESPACE {} copies {table} there", cmd.name),
            AlterTableType::AtSetLogged => format!("SET LOGGED rewrites {table} into the write-ahead log"),
            AlterTableType::AtSetUnLogged => format!("SET UNLOGGED rewrites {table}"),
            AlterTableType::AtSetAccessMethod => format!("SET ACCESS METHOD rewrites {table}"),
            _ => continue,
        };
        hits.extend(rewrites(what, &subject));
    }
    hits
}

#[cfg(test)]
mod tests {
    use crate::rules::hits;
    use schemactl_model::HazardKind::{AccessExclusiveLock, TableRewrite};

    fn kinds(sql: &str) -> Vec<schemactl_model::HazardKind> {
        hits("rewrite-table", sql).into_iter().map(|(k, _)| k).collect()
    }

    #[test]
    fn rewrites_by_design() {
        for sql in [
            "VACUUM FULL app.events",
            "VACUUM (FULL, ANALYZE) app.events",
            "CLUSTER app.events USING events_at",
            "ALTER TABLE app.events SET TABLESPACE slow",
            "ALTER TABLE app.events SET LOGGED",
            "ALTER TABLE app.events SET UNLOGGED",
        ] {
            assert_eq!(kinds(sql), [TableRewrite, AccessExclusiveLock], "{sql}");
        }
        assert_eq!(hits("rewrite-table", "VACUUM FULL app.events")[0].1, "VACUUM FULL rewrites app.events");
    }

    #[test]
    fn near_misses() {
        assert!(kinds("VACUUM app.events").is_empty());
        assert!(kinds("VACUUM (FULL false) app.events").is_empty());
        assert!(kinds("ANALYZE app.events").is_empty());
        assert!(kinds("ALTER TABLE app.events SET (fillfactor = 80)").is_empty());
        assert!(kinds("CREATE TABLE t (a int);\nALTER TABLE t SET UNLOGGED").is_empty());
    }
}
