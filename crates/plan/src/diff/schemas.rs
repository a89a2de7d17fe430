use super::{comment_step, schema_key};
use crate::step::{Action, ObjKey, Step};
use schemactl_model::Catalog;
use schemactl_sqltext::{ident, literal};

pub fn diff_schemas(from: &Catalog, to: &Catalog, steps: &mut Vec<Step>) {
    for (name, schema) in &to.schemas {
        let old = from.schemas.get(name);
        if old.is_none() {
            steps.push(Step::new(Action::Create, schema_key(name), format!("CREATE SCHEMA {}", ident(name))));
        }
        let target = format!("SCHEMA {}", ident(name));
        steps.extend(comment_step(
            &target,
            schema_key(name),
            old.and_then(|s| s.comment.as_ref()),
            schema.comment.as_ref(),
        ));
    }
    for name in from.schemas.keys().filter(|n| !to.schemas.contains_key(*n)) {
        steps.push(Step::new(Action::Drop, schema_key(name), format!("DROP SCHEMA {}", ident(name))));
    }
}

pub fn diff_extensions(from: &Catalog, to: &Catalog, steps: &mut Vec<Step>) {
    for (name, ext) in &to.extensions {
        let key = ObjKey::Extension { name: name.clone() };
        let old = from.extensions.get(name);
        match old {
            None => steps.push(
                Step::new(
                    Action::Create,
                    key.clone(),
                    format!(
                        "CREATE EXTENSION IF NOT EXISTS {} WITH SCHEMA {} VERSION {}",
                        ident(name),
                        ident(&ext.schema),
                        literal(&ext.version)
                    ),
                )
                .requires([schema_key(&ext.schema)]),
            ),
            Some(old) => {
                if old.schema != ext.schema {
                    steps.push(
                        Step::new(
                            Action::Alter,
                            key.clone(),
                            format!("ALTER EXTENSION {} SET SCHEMA {}", ident(name), ident(&ext.schema)),
                        )
                        .requires([schema_key(&ext.schema)])
                        .releases([schema_key(&old.schema)]),
                    );
                }
                if old.version != ext.version {
                    steps.push(Step::new(
                        Action::Alter,
                        key.clone(),
                        format!("ALTER EXTENSION {} UPDATE TO {}", ident(name), literal(&ext.version)),
                    ));
                }
            }
        }
        // A new extension brings its own comment; only later changes are ours to make.
        if let Some(old) = old {
            let target = format!("EXTENSION {}", ident(name));
            steps.extend(comment_step(&target, key, old.comment.as_ref(), ext.comment.as_ref()));
        }
    }
    for (name, ext) in from.extensions.iter().filter(|(n, _)| !to.extensions.contains_key(*n)) {
        steps.push(
            Step::new(
                Action::Drop,
                ObjKey::Extension { name: name.clone() },
                format!("DROP EXTENSION {}", ident(name)),
            )
            .releases([schema_key(&ext.schema)]),
        );
    }
}
