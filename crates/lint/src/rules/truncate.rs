//! `TRUNCATE`: every row of the tables is gone.

use pg_query::protobuf::DropBehavior;
use pg_query::NodeEnum;
use schemactl_model::HazardKind;

use crate::ast::Name;
use crate::context::Context;
use crate::{hit, Hit, Input};

pub(crate) fn check(input: &Input<'_>, context: &Context) -> Vec<Hit> {
    let NodeEnum::TruncateStmt(s) = input.node else { return Vec::new() };
    let tables: Vec<String> = s
        .relations
        .iter()
        .filter_map(|r| match &r.node {
            Some(NodeEnum::RangeVar(r)) => Some(Name::of(r)),
            _ => None,
        })
        .filter(|t| !context.is_new(t))
        .map(|t| t.to_string())
        .collect();
    if tables.is_empty() {
        return Vec::new();
    }
    let mut message = format!("TRUNCATE deletes every row of {}", tables.join(", "));
    if s.behavior == DropBehavior::DropCascade as i32 {
        message.push_str(", and with CASCADE of every table with a foreign key to them");
    }
    vec![hit(HazardKind::DataLoss, message)]
}

#[cfg(test)]
mod tests {
    use crate::rules::hits;
    use schemactl_model::HazardKind::DataLoss;

    #[test]
    fn truncate_deletes_every_row() {
        assert_eq!(
            hits("truncate", "TRUNCATE audit.log, sessions CASCADE"),
            [(
                DataLoss,
                "TRUNCATE deletes every row of audit.log, sessions, and with CASCADE of every table with a foreign key to them"
                    .into()
            )]
        );
    }

    #[test]
    fn near_misses() {
        assert!(hits("truncate", "CREATE TABLE staging (id int);\nTRUNCATE staging").is_empty());
        assert!(hits("truncate", "DELETE FROM sessions WHERE expires < now()").is_empty());
    }
}
