//! `DROP INDEX` without CONCURRENTLY takes an ACCESS EXCLUSIVE lock on the index's table: it
//! waits behind running queries and every query waits behind it.

use pg_query::protobuf::ObjectType;
use pg_query::NodeEnum;
use schemactl_model::HazardKind;

use crate::ast::Name;
use crate::context::Context;
use crate::{hit, Hit, Input};

pub(crate) fn check(input: &Input<'_>, context: &Context) -> Vec<Hit> {
    let NodeEnum::DropStmt(s) = input.node else { return Vec::new() };
    if s.remove_type != ObjectType::ObjectIndex as i32 || s.concurrent {
        return Vec::new();
    }
    let names: Vec<String> = s
        .objects
        .iter()
        .filter_map(|o| match &o.node {
            Some(NodeEnum::List(l)) => Name::from_list(&l.items),
            _ => None,
        })
        .filter(|n| !context.is_new(n))
        .map(|n| n.to_string())
        .collect();
    if names.is_empty() {
        return Vec::new();
    }
    vec![hit(
        HazardKind::AccessExclusiveLock,
        format!(
            "DROP INDEX {} locks its table against reads and writes (ACCESS EXCLUSIVE), queued behind running \
             queries; use DROP INDEX CONCURRENTLY",
            names.join(", ")
        ),
    )]
}

#[cfg(test)]
mod tests {
    use crate::rules::hits;
    use schemactl_model::HazardKind::AccessExclusiveLock;

    #[test]
    fn plain_drops_lock_the_table() {
        let found = hits("drop-index", "DROP INDEX app.users_email");
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].0, AccessExclusiveLock);
        assert!(found[0].1.starts_with("DROP INDEX app.users_email locks its table"));
    }

    #[test]
    fn near_misses() {
        assert!(hits("drop-index", "DROP INDEX CONCURRENTLY app.users_email").is_empty());
        assert!(hits("drop-index", "CREATE INDEX i ON t (a);\nDROP INDEX i").is_empty());
    }
}
