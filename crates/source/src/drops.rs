//! `DROP ... IF EXISTS` in schema files.
//!
//! A schema file means the catalog that results from running it on an empty database. There,
//! a `DROP ... IF EXISTS` of something no earlier statement created does nothing: that is what
//! `pg_dump --clean --if-exists` writes before each object, and what people write to make a
//! script re-runnable (`DROP SCHEMA IF EXISTS app CASCADE; CREATE SCHEMA app;`). Such drops are
//! skipped. A drop of something an earlier statement (in file order) created would change the
//! result, and a declaration has no place for it: refused, at its position.

use pg_query::protobuf::{Node, ObjectType};
use pg_query::NodeEnum;

use crate::error::{Error, Result};
use crate::names::{string, strings};
use crate::parse::Parsed;
use crate::subject::Subject;

/// What a `DROP ... IF EXISTS` names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Dropped {
    /// `DROP TABLE`, `DROP SCHEMA`...: for messages.
    pub statement: String,
    /// `DROP SCHEMA`: the names are schemas.
    pub schemas: bool,
    /// `(schema as written, name)` of each object.
    pub names: Vec<(Option<String>, String)>,
}

impl Dropped {
    pub(crate) fn of(stmt: &pg_query::protobuf::DropStmt, statement: String) -> Dropped {
        let schemas = stmt.remove_type == ObjectType::ObjectSchema as i32;
        let names = stmt.objects.iter().filter_map(qualified_name).collect();
        Dropped { statement, schemas, names }
    }

    /// Whether this drops something `created` holds (subjects of earlier statements that create).
    pub(crate) fn hits(&self, created: &[Subject]) -> bool {
        let resolved = |schema: &Option<String>| schema.clone().unwrap_or_else(|| "public".to_string());
        self.names.iter().any(|(schema, name)| {
            created.iter().any(|c| {
                if self.schemas {
                    c.kind == "schema" && c.name == *name
                } else {
                    c.kind != "schema" && c.name == *name && resolved(&c.schema) == resolved(schema)
                }
            })
        })
    }
}

/// `[schema.]name` of one object of a DROP: a list of names, one name, a type name, or a
/// routine with its arguments. Triggers, rules and policies (`name ON table`) come out with
/// the table as their "schema", which never matches a creation: they are not checked.
fn qualified_name(node: &Node) -> Option<(Option<String>, String)> {
    let parts: Vec<&str> = match node.node.as_ref()? {
        NodeEnum::List(l) => strings(&l.items),
        NodeEnum::TypeName(t) => strings(&t.names),
        NodeEnum::ObjectWithArgs(o) => strings(&o.objname),
        _ => vec![string(node)?],
    };
    let (name, rest) = parts.split_last()?;
    Some((rest.last().map(|s| s.to_string()), name.to_string()))
}

/// Skips each `DROP ... IF EXISTS` of `parsed` (in file order) that drops nothing an earlier
/// statement created, and refuses the others at their position.
pub(crate) fn settle(parsed: Vec<Parsed>) -> Result<Vec<Parsed>> {
    let mut created: Vec<Subject> = Vec::new();
    let mut kept = Vec::with_capacity(parsed.len());
    for p in parsed {
        match &p.dropped {
            Some(dropped) if dropped.hits(&created) => {
                let s = &p.statement;
                return Err(Error::Unsupported {
                    file: s.file.clone(),
                    line: s.line,
                    column: s.column,
                    statement: format!("{} IF EXISTS", dropped.statement),
                    reason: "it drops what an earlier statement of the schema files creates; they declare the end \
                             state, so leave out both the creation and the drop"
                        .into(),
                });
            }
            Some(_) => {}
            None => {
                created.extend(crate::subjects(&p.statement.sql).into_iter().filter(|s| s.creates));
                kept.push(p);
            }
        }
    }
    Ok(kept)
}
