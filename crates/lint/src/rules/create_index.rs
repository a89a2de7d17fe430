//! `CREATE INDEX` without CONCURRENTLY on an existing table: writes wait (SHARE lock) for
//! the whole build.

use pg_query::NodeEnum;
use schemactl_model::HazardKind;

use crate::ast::Name;
use crate::context::Context;
use crate::{hit, Hit, Input};

pub(crate) fn check(input: &Input<'_>, context: &Context) -> Vec<Hit> {
    let NodeEnum::IndexStmt(s) = input.node else { return Vec::new() };
    let Some(table) = s.relation.as_ref().map(Name::of) else { return Vec::new() };
    if s.concurrent || context.is_new(&table) {
        return Vec::new();
    }
    let name = if s.idxname.is_empty() { String::new() } else { format!(" {}", s.idxname) };
    vec![hit(
        HazardKind::IndexBuild,
        format!("CREATE INDEX{name} builds from every row of {table} while writes wait; use CREATE INDEX CONCURRENTLY"),
    )]
}

#[cfg(test)]
mod tests {
    use crate::rules::hits;
    use schemactl_model::HazardKind::IndexBuild;

    #[test]
    fn blocking_builds() {
        assert_eq!(
            hits("create-index", "CREATE UNIQUE INDEX users_email ON app.users (email)"),
            [(
                IndexBuild,
                "CREATE INDEX users_email builds from every row of app.users while writes wait; use CREATE INDEX CONCURRENTLY".into()
            )]
        );
    }

    #[test]
    fn near_misses() {
        assert!(hits("create-index", "CREATE INDEX CONCURRENTLY users_email ON app.users (email)").is_empty());
        assert!(hits("create-index", "CREATE TABLE app.t (a int);\nCREATE INDEX ON app.t (a)").is_empty());
        // An unqualified table is taken to be in public.
        assert!(hits("create-index", "CREATE TABLE public.t (a int);\nCREATE INDEX ON t (a)").is_empty());
        assert_eq!(hits("create-index", "CREATE TABLE app.t (a int);\nCREATE INDEX ON other.t (a)").len(), 1);
    }
}
