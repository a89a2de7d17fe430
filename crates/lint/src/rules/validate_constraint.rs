//! `VALIDATE CONSTRAINT` reads every row, but holds only a SHARE UPDATE EXCLUSIVE lock:
//! reads and writes go on, so it is a scan, not a lock hazard.

use pg_query::protobuf::AlterTableType;
use schemactl_model::HazardKind;

use crate::ast::alter_commands;
use crate::context::Context;
use crate::{hit, Hit, Input};

pub(crate) fn check(input: &Input<'_>, context: &Context) -> Vec<Hit> {
    let Some((table, commands)) = alter_commands(input.node) else { return Vec::new() };
    if context.is_new(&table) {
        return Vec::new();
    }
    commands
        .into_iter()
        .filter(|(kind, _)| *kind == AlterTableType::AtValidateConstraint)
        .map(|(_, cmd)| {
            hit(
                HazardKind::ValidationScan,
                format!("VALIDATE CONSTRAINT {} scans every row of {table} (reads and writes go on)", cmd.name),
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use crate::rules::hits;
    use schemactl_model::HazardKind::ValidationScan;

    #[test]
    fn validation_scans() {
        assert_eq!(
            hits("validate-constraint", "ALTER TABLE t VALIDATE CONSTRAINT fk"),
            [(ValidationScan, "VALIDATE CONSTRAINT fk scans every row of t (reads and writes go on)".into())]
        );
    }

    #[test]
    fn near_misses() {
        assert!(hits("validate-constraint", "ALTER TABLE t DROP CONSTRAINT fk").is_empty());
        let new = "CREATE TABLE t (n int);\nALTER TABLE t ADD CONSTRAINT c CHECK (n > 0) NOT VALID;\n\
                   ALTER TABLE t VALIDATE CONSTRAINT c";
        assert!(hits("validate-constraint", new).is_empty());
    }
}
