//! `ALTER COLUMN ... TYPE`: PostgreSQL rewrites the table (and its indexes) under an ACCESS
//! EXCLUSIVE lock unless the old type converts to the new one without work (varchar(n) to
//! text or to a longer varchar, numeric to unconstrained numeric...). Lint cannot see the old
//! type, so it says both; and values may not survive the conversion.

use pg_query::protobuf::AlterTableType;
use schemactl_model::HazardKind;

use crate::ast::{alter_commands, column_def, type_name};
use crate::context::Context;
use crate::{hit, Hit, Input};

pub(crate) fn check(input: &Input<'_>, context: &Context) -> Vec<Hit> {
    let Some((table, commands)) = alter_commands(input.node) else { return Vec::new() };
    if context.is_new(&table) {
        return Vec::new();
    }
    let mut hits = Vec::new();
    for (kind, cmd) in commands {
        if kind != AlterTableType::AtAlterColumnType {
            continue;
        }
        let new_type = column_def(cmd).and_then(|c| c.type_name.as_ref()).map_or_else(|| "?".into(), type_name);
        let column = &cmd.name;
        hits.push(hit(
            HazardKind::TableRewrite,
            format!(
                "ALTER COLUMN {column} TYPE {new_type} rewrites {table} and its indexes, unless the change is a \
                 binary-coercible widening such as varchar(n) to text (lint cannot see the old type)"
            ),
        ));
        hits.push(hit(
            HazardKind::AccessExclusiveLock,
            format!("reads and writes of {table} wait (ACCESS EXCLUSIVE) while {column} is converted"),
        ));
        hits.push(hit(
            HazardKind::DataLoss,
            format!(
                "values of {column} may not fit {new_type}: narrower types fail, and conversions (or a USING \
                 expression) may round or truncate them"
            ),
        ));
    }
    hits
}

#[cfg(test)]
mod tests {
    use crate::rules::hits;
    use schemactl_model::HazardKind::{AccessExclusiveLock, DataLoss, TableRewrite};

    #[test]
    fn type_changes_rewrite_lock_and_may_lose_values() {
        let found = hits("alter-column-type", "ALTER TABLE t ALTER COLUMN name TYPE varchar(20)");
        let kinds: Vec<_> = found.iter().map(|(k, _)| *k).collect();
        assert_eq!(kinds, [TableRewrite, AccessExclusiveLock, DataLoss]);
        assert!(found[0].1.starts_with("ALTER COLUMN name TYPE varchar(20) rewrites t"), "{}", found[0].1);
        assert!(found[0].1.contains("varchar(n) to text"));
        assert!(found[2].1.starts_with("values of name may not fit varchar(20)"));
    }

    #[test]
    fn near_misses() {
        assert!(hits("alter-column-type", "ALTER TABLE t ALTER COLUMN name SET DEFAULT ''").is_empty());
        assert!(
            hits("alter-column-type", "CREATE TABLE t (n int);\nALTER TABLE t ALTER COLUMN n TYPE bigint").is_empty()
        );
    }
}
