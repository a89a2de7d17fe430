//! `ALTER COLUMN ... SET NOT NULL` scans the whole table for NULLs under an ACCESS EXCLUSIVE
//! lock, unless a valid `CHECK (col IS NOT NULL)` already proves it (PostgreSQL 12+): the
//! online way is to add that check NOT VALID, validate it, then set NOT NULL.

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
    let mut hits = Vec::new();
    for (kind, cmd) in commands {
        let column = &cmd.name;
        if kind != AlterTableType::AtSetNotNull || context.proves_not_null(&table, column) {
            continue;
        }
        hits.push(hit(
            HazardKind::ValidationScan,
            format!("SET NOT NULL scans every row of {table} for NULLs in {column}"),
        ));
        hits.push(hit(
            HazardKind::AccessExclusiveLock,
            format!(
                "reads and writes of {table} wait (ACCESS EXCLUSIVE) during the scan; instead add CHECK ({column} IS NOT \
                 NULL) NOT VALID, VALIDATE CONSTRAINT it, then SET NOT NULL (no scan) and drop the check"
            ),
        ));
    }
    hits
}

#[cfg(test)]
mod tests {
    use crate::rules::hits;
    use schemactl_model::HazardKind::{AccessExclusiveLock, ValidationScan};

    #[test]
    fn set_not_null_scans_under_an_exclusive_lock() {
        let found = hits("set-not-null", "ALTER TABLE app.users ALTER COLUMN email SET NOT NULL");
        assert_eq!(found[0], (ValidationScan, "SET NOT NULL scans every row of app.users for NULLs in email".into()));
        assert_eq!(found[1].0, AccessExclusiveLock);
        assert!(found[1].1.contains("CHECK (email IS NOT NULL) NOT VALID"));
    }

    #[test]
    fn near_misses() {
        // The online sequence: the validated check proves the column, so SET NOT NULL skips its scan.
        let online = "ALTER TABLE app.users ADD CONSTRAINT email_nn CHECK (email IS NOT NULL) NOT VALID;\n\
                      ALTER TABLE app.users VALIDATE CONSTRAINT email_nn;\n\
                      ALTER TABLE app.users ALTER COLUMN email SET NOT NULL";
        assert!(hits("set-not-null", online).is_empty());
        // Not validated, or validated but dropped before: still a scan.
        let unvalidated = "ALTER TABLE users ADD CONSTRAINT e CHECK (email IS NOT NULL) NOT VALID;\n\
                           ALTER TABLE users ALTER COLUMN email SET NOT NULL";
        assert_eq!(hits("set-not-null", unvalidated).len(), 2);
        let dropped = "ALTER TABLE users ADD CONSTRAINT e CHECK (email IS NOT NULL);\n\
                       ALTER TABLE users DROP CONSTRAINT e;\n\
                       ALTER TABLE users ALTER COLUMN email SET NOT NULL";
        assert_eq!(hits("set-not-null", dropped).len(), 2);
        assert!(hits("set-not-null", "ALTER TABLE users ALTER COLUMN email DROP NOT NULL").is_empty());
        assert!(hits("set-not-null", "CREATE TABLE t (c int);\nALTER TABLE t ALTER COLUMN c SET NOT NULL").is_empty());
    }
}
