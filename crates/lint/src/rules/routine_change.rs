//! Replacing, dropping, renaming or moving a function or procedure: PostgreSQL does not track
//! which function bodies call it, so callers break when they run, not when the migration does.
//! A plain `CREATE FUNCTION` (not OR REPLACE) has no callers yet.

use pg_query::protobuf::ObjectType;
use pg_query::NodeEnum;
use schemactl_model::HazardKind;

use crate::ast::{dotted, object_name};
use crate::context::Context;
use crate::{guess, hit, Hit, Input};

const CALLERS: &str = "function bodies that call it are not tracked by PostgreSQL and break when they run";

pub(crate) fn check(input: &Input<'_>, _context: &Context) -> Vec<Hit> {
    let routine = |t: i32| match ObjectType::try_from(t) {
        Ok(ObjectType::ObjectFunction) => Some("function"),
        Ok(ObjectType::ObjectProcedure) => Some("procedure"),
        Ok(ObjectType::ObjectRoutine) => Some("routine"),
        Ok(ObjectType::ObjectAggregate) => Some("aggregate"),
        _ => None,
    };
    let message = match input.node {
        // Whether the routine exists yet (and so has callers) is the catalog's to say.
        NodeEnum::CreateFunctionStmt(s) if s.replace => {
            let noun = if s.is_procedure { "procedure" } else { "function" };
            let message = format!(
                "CREATE OR REPLACE {} {} changes it for every caller at once; {CALLERS} (a changed signature \
                 creates a second {noun} instead)",
                noun.to_uppercase(),
                dotted(&s.funcname)
            );
            return vec![guess(HazardKind::UntrackableDependencies, message)];
        }
        NodeEnum::DropStmt(s) => match routine(s.remove_type) {
            Some(noun) => {
                let names: Vec<String> = s.objects.iter().map(object_name).collect();
                format!("drops {noun} {}; {CALLERS}", names.join(", "))
            }
            None => return Vec::new(),
        },
        NodeEnum::RenameStmt(s) => match routine(s.rename_type) {
            Some(noun) => {
                let name = s.object.as_deref().map_or_else(|| "?".into(), object_name);
                format!("renames {noun} {name} to {}; {CALLERS}", s.newname)
            }
            None => return Vec::new(),
        },
        NodeEnum::AlterObjectSchemaStmt(s) => match routine(s.object_type) {
            Some(noun) => {
                let name = s.object.as_deref().map_or_else(|| "?".into(), object_name);
                format!("moves {noun} {name} to schema {}; {CALLERS}", s.newschema)
            }
            None => return Vec::new(),
        },
        _ => return Vec::new(),
    };
    vec![hit(HazardKind::UntrackableDependencies, message)]
}

#[cfg(test)]
mod tests {
    use crate::rules::hits;
    use schemactl_model::HazardKind::UntrackableDependencies;

    #[test]
    fn routines_change_under_their_callers() {
        let replaced = hits(
            "routine-change",
            "CREATE OR REPLACE FUNCTION app.slug(t text) RETURNS text LANGUAGE sql AS $$ SELECT lower(t) $$",
        );
        assert_eq!(replaced.len(), 1);
        assert_eq!(replaced[0].0, UntrackableDependencies);
        assert!(replaced[0].1.starts_with("CREATE OR REPLACE FUNCTION app.slug changes it"), "{}", replaced[0].1);
        assert_eq!(
            hits("routine-change", "DROP FUNCTION app.slug(text)")[0].1,
            "drops function app.slug(text); function bodies that call it are not tracked by PostgreSQL and break when they run"
        );
        assert!(hits("routine-change", "DROP PROCEDURE app.tidy")[0].1.starts_with("drops procedure app.tidy;"));
        assert!(hits("routine-change", "ALTER FUNCTION app.slug(text) RENAME TO slugify")[0]
            .1
            .starts_with("renames function app.slug(text) to slugify;"));
        assert_eq!(hits("routine-change", "ALTER FUNCTION app.slug(text) SET SCHEMA util").len(), 1);
    }

    #[test]
    fn near_misses() {
        assert!(hits("routine-change", "CREATE FUNCTION f() RETURNS int LANGUAGE sql AS 'SELECT 1'").is_empty());
        assert!(hits("routine-change", "ALTER FUNCTION f() OWNER TO admin").is_empty());
        assert!(hits("routine-change", "ALTER TABLE f RENAME TO g").is_empty());
    }
}
