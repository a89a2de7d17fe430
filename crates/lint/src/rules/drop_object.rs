//! `DROP TABLE / SCHEMA / TYPE / SEQUENCE / MATERIALIZED VIEW`: the object and what it holds
//! are gone. Relations the script created itself held nothing before it ran.

use pg_query::protobuf::{DropBehavior, ObjectType};
use pg_query::NodeEnum;
use schemactl_model::HazardKind;

use crate::ast::{object_name, Name};
use crate::context::Context;
use crate::{guess, hit, Hit, Input};

pub(crate) fn check(input: &Input<'_>, context: &Context) -> Vec<Hit> {
    let NodeEnum::DropStmt(s) = input.node else { return Vec::new() };
    // What is lost, for one object and for several.
    let (noun, one_holds, nouns, holds) = match ObjectType::try_from(s.remove_type) {
        Ok(ObjectType::ObjectTable) => ("table", "and all its rows", "tables", "and all their rows"),
        Ok(ObjectType::ObjectSchema) => {
            ("schema", "(it must be empty unless CASCADE)", "schemas", "(they must be empty unless CASCADE)")
        }
        Ok(ObjectType::ObjectType) => {
            ("type", "(no column may use it unless CASCADE)", "types", "(no column may use them unless CASCADE)")
        }
        Ok(ObjectType::ObjectSequence) => {
            ("sequence", "and its current value", "sequences", "and their current values")
        }
        Ok(ObjectType::ObjectMatview) => {
            ("materialized view", "and its stored rows", "materialized views", "and their stored rows")
        }
        _ => return Vec::new(),
    };
    let relation = matches!(noun, "table" | "sequence" | "materialized view");
    let names: Vec<String> = s
        .objects
        .iter()
        .filter(|o| {
            let created = match &o.node {
                Some(NodeEnum::List(l)) => Name::from_list(&l.items).is_some_and(|n| context.is_new(&n)),
                _ => false,
            };
            !(relation && created)
        })
        .map(object_name)
        .collect();
    let mut message = match names.as_slice() {
        [] => return Vec::new(),
        [one] => format!("drops {noun} {one} {one_holds}"),
        many => format!("drops {nouns} {} {holds}", many.join(", ")),
    };
    if s.behavior == DropBehavior::DropCascade as i32 {
        message.push_str(
            "; CASCADE also drops every object that depends on it (views, foreign keys, columns of its type...), \
             unnamed here",
        );
    }
    // A table's rows and a sequence's value are lost whatever the catalog says. A schema or a
    // type holds nothing unless CASCADE (or the catalog) says otherwise, and a materialized
    // view's rows are derived: the planner, seeing the catalog, decides those.
    let cascade = s.behavior == DropBehavior::DropCascade as i32;
    if matches!(noun, "table" | "sequence") || cascade {
        vec![hit(HazardKind::DataLoss, message)]
    } else {
        vec![guess(HazardKind::DataLoss, message)]
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::hits;
    use schemactl_model::HazardKind::DataLoss;

    #[test]
    fn drops_lose_data() {
        assert_eq!(
            hits("drop-object", "DROP TABLE app.users"),
            [(DataLoss, "drops table app.users and all its rows".into())]
        );
        assert_eq!(hits("drop-object", "DROP TABLE a, b"), [(DataLoss, "drops tables a, b and all their rows".into())]);
        let cascade = hits("drop-object", "DROP SCHEMA app CASCADE");
        assert!(cascade[0].1.starts_with("drops schema app (it must be empty unless CASCADE); CASCADE also drops"));
        assert_eq!(hits("drop-object", "DROP TYPE mood").len(), 1);
        assert_eq!(hits("drop-object", "DROP SEQUENCE s").len(), 1);
        assert_eq!(hits("drop-object", "DROP MATERIALIZED VIEW m").len(), 1);
    }

    #[test]
    fn near_misses() {
        // Plain views hold no data; a table created by the same script held nothing before.
        assert!(hits("drop-object", "DROP VIEW v").is_empty());
        assert!(hits("drop-object", "CREATE TABLE scratch (id int);\nDROP TABLE scratch").is_empty());
        let other = hits("drop-object", "CREATE TABLE scratch (id int);\nDROP TABLE scratch, kept");
        assert_eq!(other, [(DataLoss, "drops table kept and all its rows".into())]);
    }
}
