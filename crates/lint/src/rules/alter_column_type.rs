//! `ALTER COLUMN ... TYPE`: PostgreSQL rewrites the table (and its indexes) under an ACCESS
//! EXCLUSIVE lock unless the old type converts to the new one without work (varchar(n) to
//! text or to a longer varchar, numeric to unconstrained numeric...). The verdict is the
//! planner's own ([`schemactl_model::type_change_hazards`]); lint cannot see the old type, so
//! it gets the verdict for "any old type", marked as a guess: a planned revision's header,
//! written with the old type known, is the record `apply` checks instead.

use pg_query::protobuf::AlterTableType;
use schemactl_model::{type_change_hazards, OldType};

use crate::ast::{alter_commands, column_def, type_name};
use crate::context::Context;
use crate::{guess, Hit, Input};

pub(crate) fn check(input: &Input<'_>, context: &Context) -> Vec<Hit> {
    let Some((table, commands)) = alter_commands(input.node) else { return Vec::new() };
    if context.is_new(&table) {
        return Vec::new();
    }
    let table = table.to_string();
    let mut hits = Vec::new();
    for (kind, cmd) in commands {
        if kind != AlterTableType::AtAlterColumnType {
            continue;
        }
        let def = column_def(cmd);
        let new_type = def.and_then(|c| c.type_name.as_ref()).map_or_else(|| "?".into(), type_name);
        // ALTER COLUMN TYPE keeps its USING expression where a column keeps its default.
        let using = def.is_some_and(|c| c.raw_default.is_some());
        let old = OldType::Unknown { table: &table, using };
        hits.extend(type_change_hazards(&cmd.name, &new_type, old).into_iter().map(|(k, m)| guess(k, m)));
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
    fn any_value_fits_text_unless_converted_by_hand() {
        let kinds = |sql| hits("alter-column-type", sql).into_iter().map(|(k, _)| k).collect::<Vec<_>>();
        assert_eq!(kinds("ALTER TABLE t ALTER COLUMN name TYPE text"), [TableRewrite, AccessExclusiveLock]);
        assert_eq!(kinds("ALTER TABLE t ALTER COLUMN name TYPE varchar"), [TableRewrite, AccessExclusiveLock]);
        assert_eq!(
            kinds("ALTER TABLE t ALTER COLUMN name TYPE text USING left(name, 3)"),
            [TableRewrite, AccessExclusiveLock, DataLoss]
        );
    }

    #[test]
    fn near_misses() {
        assert!(hits("alter-column-type", "ALTER TABLE t ALTER COLUMN name SET DEFAULT ''").is_empty());
        assert!(
            hits("alter-column-type", "CREATE TABLE t (n int);\nALTER TABLE t ALTER COLUMN n TYPE bigint").is_empty()
        );
    }
}
