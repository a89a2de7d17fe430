//! Views and materialized views (with their indexes): the query as text.

use schemactl_model::{DbObject, Index, ObjKey, ObjectKind, QualName};
use schemactl_yaml::model::{CheckOption, IndexMap, MaterializedView, View};

use super::grants::express_created;
use super::{nameable, Builder};
use crate::text::{matching_paren, qualified, split_top, unquote};

pub(super) fn all(b: &mut Builder<'_>) {
    let objects: Vec<&DbObject> = b.source.objects.values().collect();
    for object in objects {
        let id = &object.id;
        if !nameable(&id.schema) || !nameable(&id.name) || id.table.is_some() {
            continue;
        }
        let name = QualName::new(&id.schema, &id.name);
        let key = ObjKey::Object { id: id.clone() };
        match id.kind {
            ObjectKind::View => {
                let Some(mut view) = view(&name, object) else { continue };
                view.grants = express_created(b, &key, "TABLES");
                let (doc, k) = b.doc_key(&key, &name.schema, &name.name);
                doc.views.insert(k, view);
            }
            ObjectKind::MaterializedView => {
                let Some(mut view) = materialized_view(&name, object) else { continue };
                let indexes: Vec<&DbObject> = b
                    .source
                    .objects
                    .values()
                    .filter(|o| o.id.kind == ObjectKind::ViewIndex && o.id.table.as_ref() == Some(&name))
                    .collect();
                for index in indexes {
                    let as_index = Index {
                        name: index.id.name.clone(),
                        definition: index.create.clone(),
                        unique: index.create.starts_with("CREATE UNIQUE INDEX "),
                        comment: index.comment.clone(),
                        inherited: false,
                        valid: true,
                    };
                    if let Some(i) = super::tables::index(&as_index, &name) {
                        view.indexes.insert(index.id.name.clone(), i);
                        b.covered.objects.insert(index.id.clone(), index.clone());
                    }
                }
                view.grants = express_created(b, &key, "TABLES");
                let (doc, k) = b.doc_key(&key, &name.schema, &name.name);
                doc.materialized_views.insert(k, view);
            }
            _ => continue,
        }
        b.covered.objects.insert(id.clone(), object.clone());
    }
}

/// `CREATE OR REPLACE VIEW s.v WITH (security_barrier=true, check_option=local) AS\n query`.
fn view(name: &QualName, object: &DbObject) -> Option<View> {
    let head = format!("CREATE OR REPLACE VIEW {}", qualified(&name.schema, &name.name));
    let rest = object.create.strip_prefix(&head)?;
    let (mut with, query) = options_and_query(rest)?;
    // PostgreSQL keeps `WITH ... CHECK OPTION` as the last option.
    let check_option = match with.last() {
        Some((k, v)) if k == "check_option" && v == "local" => Some(CheckOption::Local),
        Some((k, v)) if k == "check_option" && v == "cascaded" => Some(CheckOption::Cascaded),
        _ => None,
    };
    if check_option.is_some() {
        with.pop();
    }
    Some(View {
        query: query.to_string(),
        with,
        check_option,
        comment: object.comment.clone(),
        column_comments: column_comments(object),
        ..View::default()
    })
}

/// `CREATE MATERIALIZED VIEW s.m WITH (fillfactor=70) AS\n query\nWITH NO DATA`.
fn materialized_view(name: &QualName, object: &DbObject) -> Option<MaterializedView> {
    let head = format!("CREATE MATERIALIZED VIEW {}", qualified(&name.schema, &name.name));
    let rest = object.create.strip_prefix(&head)?;
    let (rest, with_data) = match (rest.strip_suffix("\nWITH DATA"), rest.strip_suffix("\nWITH NO DATA")) {
        (Some(r), _) => (r, true),
        (None, Some(r)) => (r, false),
        _ => return None,
    };
    let (with, query) = options_and_query(rest)?;
    Some(MaterializedView {
        query: query.to_string(),
        with,
        with_data,
        comment: object.comment.clone(),
        column_comments: column_comments(object),
        ..MaterializedView::default()
    })
}

/// The comments on a view's columns, by column.
fn column_comments(object: &DbObject) -> IndexMap<String, String> {
    object.column_comments.iter().map(|(k, v)| (k.clone(), v.clone())).collect()
}

/// `[ WITH (a=1, b=x)] AS\n<query>` -> the options and the query (without the space
/// `pg_get_viewdef` starts it with).
fn options_and_query(rest: &str) -> Option<(IndexMap<String, String>, &str)> {
    let mut with = IndexMap::new();
    let mut rest = rest;
    if let Some(after) = rest.strip_prefix(" WITH ") {
        let close = matching_paren(after, 0)?;
        for option in split_top(&after[1..close], ", ") {
            let (name, value) = option.split_once('=')?;
            with.insert(unquote(name)?, value.to_string());
        }
        rest = &after[close + 1..];
    }
    let query = rest.strip_prefix(" AS\n")?.trim_start();
    (!query.is_empty()).then_some((with, query))
}
