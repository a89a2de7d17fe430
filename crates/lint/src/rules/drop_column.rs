//! `ALTER TABLE ... DROP COLUMN`: the column's values are gone (unless the script added it).

use pg_query::protobuf::{AlterTableType, DropBehavior};
use schemactl_model::HazardKind;

use crate::ast::alter_commands;
use crate::context::Context;
use crate::{guess, Hit, Input};

pub(crate) fn check(input: &Input<'_>, context: &Context) -> Vec<Hit> {
    let Some((table, commands)) = alter_commands(input.node) else { return Vec::new() };
    if context.is_new(&table) {
        return Vec::new();
    }
    commands
        .into_iter()
        .filter(|(kind, cmd)| *kind == AlterTableType::AtDropColumn && !context.is_new_column(&table, &cmd.name))
        .map(|(_, cmd)| {
            let mut message = format!("drops column {} of {table} and its values", cmd.name);
            if cmd.behavior == DropBehavior::DropCascade as i32 {
                message.push_str("; CASCADE also drops the views and constraints that use it");
            }
            // A generated column's values are derived, so dropping it loses nothing; only the
            // catalog knows which columns are (the planner records no data loss for those).
            guess(HazardKind::DataLoss, message)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use crate::rules::hits;
    use schemactl_model::HazardKind::DataLoss;

    #[test]
    fn dropping_a_column_loses_its_values() {
        assert_eq!(
            hits("drop-column", "ALTER TABLE t DROP COLUMN legacy CASCADE"),
            [(
                DataLoss,
                "drops column legacy of t and its values; CASCADE also drops the views and constraints that use it"
                    .into()
            )]
        );
    }

    #[test]
    fn near_misses() {
        assert!(hits("drop-column", "ALTER TABLE t DROP CONSTRAINT legacy").is_empty());
        assert!(hits("drop-column", "CREATE TABLE t (a int, b int);\nALTER TABLE t DROP COLUMN b").is_empty());
        assert!(hits("drop-column", "ALTER TABLE t ADD COLUMN b int;\nALTER TABLE t DROP COLUMN b").is_empty());
    }
}
