//! `DELETE` or `UPDATE` without `WHERE`: every row is deleted or overwritten. An `UPDATE`
//! with a `WHERE` is what data migrations are for, and is fine; so is one that only fills
//! columns the script added (a backfill overwrites nothing older than the script).

use pg_query::NodeEnum;
use schemactl_model::HazardKind;

use crate::ast::Name;
use crate::context::Context;
use crate::{hit, Hit, Input};

pub(crate) fn check(input: &Input<'_>, context: &Context) -> Vec<Hit> {
    let message = match input.node {
        NodeEnum::DeleteStmt(s) if s.where_clause.is_none() => s
            .relation
            .as_ref()
            .map(Name::of)
            .and_then(|t| (!context.is_new(&t)).then(|| format!("DELETE without WHERE deletes every row of {t}"))),
        NodeEnum::UpdateStmt(s) if s.where_clause.is_none() => s.relation.as_ref().map(Name::of).and_then(|t| {
            let columns: Vec<&str> = s
                .target_list
                .iter()
                .filter_map(|target| match &target.node {
                    Some(NodeEnum::ResTarget(r)) => Some(r.name.as_str()),
                    _ => None,
                })
                .collect();
            let backfill = columns.iter().all(|c| context.is_new_column(&t, c));
            (!backfill).then(|| format!("UPDATE without WHERE overwrites {} in every row of {t}", columns.join(", ")))
        }),
        _ => None,
    };
    message.map(|m| hit(HazardKind::DataLoss, m)).into_iter().collect()
}

#[cfg(test)]
mod tests {
    use crate::rules::hits;
    use schemactl_model::HazardKind::DataLoss;

    #[test]
    fn statements_without_where_touch_every_row() {
        assert_eq!(
            hits("whole-table-dml", "DELETE FROM s.t"),
            [(DataLoss, "DELETE without WHERE deletes every row of s.t".into())]
        );
        assert_eq!(
            hits("whole-table-dml", "UPDATE users SET name = '', email = NULL"),
            [(DataLoss, "UPDATE without WHERE overwrites name, email in every row of users".into())]
        );
    }

    #[test]
    fn near_misses() {
        assert!(hits("whole-table-dml", "UPDATE users SET name = lower(name) WHERE name <> lower(name)").is_empty());
        assert!(hits("whole-table-dml", "DELETE FROM t WHERE id = 1").is_empty());
        assert!(hits("whole-table-dml", "CREATE TABLE seed (n int);\nUPDATE seed SET n = 1").is_empty());
        let backfill =
            "ALTER TABLE app.users ADD COLUMN domain text;\nUPDATE app.users SET domain = split_part(email, '@', 2)";
        assert!(hits("whole-table-dml", backfill).is_empty());
        let also_old = "ALTER TABLE app.users ADD COLUMN domain text;\nUPDATE app.users SET domain = '', email = ''";
        assert_eq!(hits("whole-table-dml", also_old).len(), 1);
        let maybe_old = "ALTER TABLE app.users ADD COLUMN IF NOT EXISTS domain text;\nUPDATE app.users SET domain = ''";
        assert_eq!(hits("whole-table-dml", maybe_old).len(), 1);
    }
}
