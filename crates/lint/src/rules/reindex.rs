//! `REINDEX` without CONCURRENTLY rebuilds indexes while writes to the table wait, and queries
//! that would use an index being rebuilt wait on its ACCESS EXCLUSIVE lock.

use pg_query::protobuf::ReindexObjectType;
use pg_query::NodeEnum;
use schemactl_model::HazardKind;

use crate::ast::{option_on, Name};
use crate::context::Context;
use crate::{hit, Hit, Input};

pub(crate) fn check(input: &Input<'_>, context: &Context) -> Vec<Hit> {
    let NodeEnum::ReindexStmt(s) = input.node else { return Vec::new() };
    if option_on(&s.params, "concurrently") {
        return Vec::new();
    }
    let relation = s.relation.as_ref().map(Name::of);
    if relation.as_ref().is_some_and(|r| context.is_new(r)) {
        return Vec::new();
    }
    let target = match (ReindexObjectType::try_from(s.kind), relation) {
        (Ok(ReindexObjectType::ReindexObjectIndex), Some(r)) => format!("index {r}"),
        (Ok(ReindexObjectType::ReindexObjectTable), Some(r)) => format!("the indexes of {r}"),
        (Ok(ReindexObjectType::ReindexObjectSchema), _) => format!("every index in schema {}", s.name),
        _ => "every index of the database".into(),
    };
    vec![
        hit(HazardKind::IndexBuild, format!("REINDEX rebuilds {target} while writes to the table wait")),
        hit(
            HazardKind::AccessExclusiveLock,
            "queries that would use an index being rebuilt wait (ACCESS EXCLUSIVE on it); use REINDEX (CONCURRENTLY)",
        ),
    ]
}

#[cfg(test)]
mod tests {
    use crate::rules::hits;
    use schemactl_model::HazardKind::{AccessExclusiveLock, IndexBuild};

    #[test]
    fn plain_reindex_blocks() {
        let found = hits("reindex", "REINDEX TABLE app.users");
        assert_eq!(
            found[0],
            (IndexBuild, "REINDEX rebuilds the indexes of app.users while writes to the table wait".into())
        );
        assert_eq!(found[1].0, AccessExclusiveLock);
        assert_eq!(hits("reindex", "REINDEX INDEX i").len(), 2);
    }

    #[test]
    fn near_misses() {
        assert!(hits("reindex", "REINDEX TABLE CONCURRENTLY app.users").is_empty());
        assert!(hits("reindex", "REINDEX (CONCURRENTLY) INDEX i").is_empty());
    }
}
