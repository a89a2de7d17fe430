//! `ADD CONSTRAINT` (or a constraint written on an added column) on an existing table:
//! - `CHECK` without NOT VALID scans every row while holding an ACCESS EXCLUSIVE lock;
//! - `FOREIGN KEY` without NOT VALID scans every row while writes to both tables wait;
//! - `UNIQUE` / `PRIMARY KEY` without `USING INDEX`, and `EXCLUDE`, build their index while
//!   writes wait.
//!
//! The online way: add it NOT VALID and `VALIDATE CONSTRAINT` later (which lets writes go
//! on), or build the index CONCURRENTLY and add the constraint `USING INDEX`.

use pg_query::protobuf::{AlterTableType, ConstrType, Constraint};
use schemactl_model::HazardKind;

use crate::ast::{alter_commands, column_constraints, column_def, constraint, constraint_type, Name};
use crate::context::Context;
use crate::{hit, Hit, Input};

pub(crate) fn check(input: &Input<'_>, context: &Context) -> Vec<Hit> {
    let Some((table, commands)) = alter_commands(input.node) else { return Vec::new() };
    if context.is_new(&table) {
        return Vec::new();
    }
    let mut hits = Vec::new();
    for (kind, cmd) in commands {
        match kind {
            AlterTableType::AtAddConstraint => {
                if let Some(c) = constraint(cmd) {
                    hits.extend(constraint_hits(&table, c));
                }
            }
            AlterTableType::AtAddColumn => {
                for c in column_def(cmd).into_iter().flat_map(column_constraints) {
                    hits.extend(constraint_hits(&table, c));
                }
            }
            _ => {}
        }
    }
    hits
}

fn constraint_hits(table: &Name, c: &Constraint) -> Vec<Hit> {
    let name = if c.conname.is_empty() { String::new() } else { format!(" {}", c.conname) };
    let named = if c.conname.is_empty() { "it".to_string() } else { c.conname.clone() };
    match constraint_type(c) {
        Some(ConstrType::ConstrCheck) if !c.skip_validation => vec![
            hit(HazardKind::ValidationScan, format!("CHECK constraint{name} scans every row of {table}")),
            hit(
                HazardKind::AccessExclusiveLock,
                format!(
                    "reads and writes of {table} wait (ACCESS EXCLUSIVE) during the scan; add it NOT VALID, then \
                     VALIDATE CONSTRAINT {named} in a later statement"
                ),
            ),
        ],
        Some(ConstrType::ConstrForeign) if !c.skip_validation => {
            let referenced = c.pktable.as_ref().map_or_else(|| "?".into(), |r| Name::of(r).to_string());
            vec![hit(
                HazardKind::ValidationScan,
                format!(
                    "FOREIGN KEY{name} checks every row of {table} against {referenced} while writes to both wait; \
                     add it NOT VALID, then VALIDATE CONSTRAINT {named} in a later statement"
                ),
            )]
        }
        Some(kind @ (ConstrType::ConstrUnique | ConstrType::ConstrPrimary)) if c.indexname.is_empty() => {
            let what = if kind == ConstrType::ConstrPrimary { "PRIMARY KEY" } else { "UNIQUE" };
            vec![hit(
                HazardKind::IndexBuild,
                format!(
                    "{what}{name} builds its index on {table} while writes wait; CREATE UNIQUE INDEX CONCURRENTLY \
                     first, then ADD CONSTRAINT ... {what} USING INDEX"
                ),
            )]
        }
        Some(ConstrType::ConstrExclusion) => vec![hit(
            HazardKind::IndexBuild,
            format!("EXCLUDE constraint{name} builds its index on {table} while writes wait"),
        )],
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::hits;
    use schemactl_model::HazardKind::{AccessExclusiveLock, IndexBuild, ValidationScan};

    fn kinds(sql: &str) -> Vec<schemactl_model::HazardKind> {
        hits("add-constraint", sql).into_iter().map(|(k, _)| k).collect()
    }

    #[test]
    fn validated_and_indexed_constraints() {
        assert_eq!(kinds("ALTER TABLE t ADD CONSTRAINT positive CHECK (n > 0)"), [ValidationScan, AccessExclusiveLock]);
        let fk = hits("add-constraint", "ALTER TABLE w ADD CONSTRAINT w_d FOREIGN KEY (d) REFERENCES app.d (id)");
        assert_eq!(fk.len(), 1);
        assert_eq!(fk[0].0, ValidationScan);
        assert!(fk[0].1.starts_with("FOREIGN KEY w_d checks every row of w against app.d"), "{}", fk[0].1);
        assert_eq!(kinds("ALTER TABLE t ADD PRIMARY KEY (id)"), [IndexBuild]);
        assert_eq!(kinds("ALTER TABLE t ADD CONSTRAINT u UNIQUE (email)"), [IndexBuild]);
        assert_eq!(kinds("ALTER TABLE t ADD EXCLUDE USING gist (r WITH &&)"), [IndexBuild]);
        assert_eq!(kinds("ALTER TABLE t ADD COLUMN code text UNIQUE"), [IndexBuild]);
    }

    #[test]
    fn near_misses() {
        assert!(kinds("ALTER TABLE t ADD CONSTRAINT positive CHECK (n > 0) NOT VALID").is_empty());
        assert!(kinds("ALTER TABLE w ADD CONSTRAINT w_d FOREIGN KEY (d) REFERENCES d (id) NOT VALID").is_empty());
        assert!(kinds("ALTER TABLE t ADD CONSTRAINT u UNIQUE USING INDEX t_email_idx").is_empty());
        assert!(kinds("ALTER TABLE t ADD CONSTRAINT pk PRIMARY KEY USING INDEX t_id_idx").is_empty());
        assert!(kinds("CREATE TABLE t (id int);\nALTER TABLE t ADD PRIMARY KEY (id)").is_empty());
    }
}
