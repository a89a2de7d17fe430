//! Statements PostgreSQL refuses inside a transaction block (`CREATE INDEX CONCURRENTLY`,
//! `VACUUM`...) run on their own: if one fails part-way, what it did stays.

use pg_query::NodeEnum;
use schemactl_model::HazardKind;

use crate::context::Context;
use crate::{hit, Hit, Input};

pub(crate) fn check(input: &Input<'_>, _context: &Context) -> Vec<Hit> {
    if input.statement.transactional {
        return Vec::new();
    }
    let message = match input.node {
        NodeEnum::IndexStmt(_) => {
            "runs outside a transaction: an interrupted CREATE INDEX CONCURRENTLY leaves an invalid index \
             (schemactl apply drops and rebuilds it on the next run)"
        }
        _ => {
            "runs outside a transaction: if it fails part-way, its partial work stays (schemactl records each such \
             step and resumes after it)"
        }
    };
    vec![hit(HazardKind::NonTransactional, message)]
}

#[cfg(test)]
mod tests {
    use crate::rules::hits;
    use schemactl_model::HazardKind::NonTransactional;

    #[test]
    fn statements_outside_transactions() {
        assert_eq!(hits("non-transactional", "CREATE INDEX CONCURRENTLY i ON t (a)")[0].0, NonTransactional);
        assert!(hits("non-transactional", "CREATE INDEX CONCURRENTLY i ON t (a)")[0].1.contains("invalid index"));
        assert_eq!(hits("non-transactional", "VACUUM t").len(), 1);
        // Even on a table created by the script: the statements before it have committed.
        assert_eq!(hits("non-transactional", "CREATE TABLE t (a int);\nDROP INDEX CONCURRENTLY i").len(), 1);
    }

    #[test]
    fn near_misses() {
        assert!(hits("non-transactional", "CREATE INDEX i ON t (a)").is_empty());
        assert!(hits("non-transactional", "ANALYZE t").is_empty());
    }
}
