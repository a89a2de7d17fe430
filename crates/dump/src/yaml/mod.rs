//! The catalog as YAML documents, and what loading them creates (the "covered" catalog).
//!
//! Every piece is converted only when the YAML says exactly what the catalog holds: texts
//! PostgreSQL printed are parsed into the format's fields and printed back the way PostgreSQL
//! prints them, and the piece is kept only if that gives the same text. The covered catalog
//! starts as a new database and receives each converted piece, cloned from the source, so
//! the plan from it to the source holds exactly what YAML could not express.

mod grants;
mod routines;
mod tables;
mod types;
mod views;

use std::collections::BTreeMap;
use std::path::PathBuf;

use schemactl_model::{Catalog, ObjKey, TypeKind};
use schemactl_yaml::model::{Document, EnumType, Extension, SchemaDef, Sequence};

use crate::layout::{Layout, Place, Places};
use crate::text::{ident, qualified};

/// The documents, by path, and the catalog they create in a new database.
pub(crate) struct Converted {
    pub docs: BTreeMap<PathBuf, Document>,
    pub covered: Catalog,
}

pub(crate) fn convert(source: &Catalog, fresh: &Catalog, places: &Places, layout: Layout) -> Converted {
    let mut b = Builder { source, places, layout, docs: BTreeMap::new(), covered: fresh.clone() };
    b.covered.extension_types = source.extension_types.clone();
    extensions(&mut b, fresh);
    schemas(&mut b, fresh);
    grants::default_privileges(&mut b);
    enums(&mut b);
    types::all(&mut b);
    sequences(&mut b);
    for table in source.tables.values() {
        tables::table(&mut b, table);
    }
    views::all(&mut b);
    routines::all(&mut b);
    Converted { docs: b.docs, covered: b.covered }
}

pub(crate) struct Builder<'a> {
    source: &'a Catalog,
    places: &'a Places,
    layout: Layout,
    docs: BTreeMap<PathBuf, Document>,
    covered: Catalog,
}

impl Builder<'_> {
    /// The document the object at `place` goes to.
    fn doc(&mut self, place: &Place) -> &mut Document {
        let schema = if self.layout == Layout::Single { None } else { place.schema.clone() };
        self.docs.entry(place.path(self.layout, "yaml")).or_insert_with(|| Document { schema, ..Document::default() })
    }

    /// The document of object `key`, and the key naming `schema.name` in it: bare in its
    /// own schema's document, qualified elsewhere.
    fn doc_key(&mut self, key: &ObjKey, schema: &str, name: &str) -> (&mut Document, String) {
        let place = self.places.of(key);
        let doc = self.doc(&place);
        let key = if doc.schema.as_deref() == Some(schema) { name.to_string() } else { format!("{schema}.{name}") };
        (doc, key)
    }
}

/// Whether a schema or object name can be a YAML key: keys are `name` or `schema.name`.
pub(crate) fn nameable(name: &str) -> bool {
    !name.is_empty() && !name.contains('.')
}

/// A collation as the YAML format takes it: a `pg_catalog` collation by its name alone (the
/// format quotes it), any other as SQL (with its double quotes, which tell the format so).
pub(crate) fn collation(printed: &str) -> Option<String> {
    let parts = crate::text::split_top(printed, ".");
    let [schema, name] = parts.as_slice() else { return None };
    let (schema, name) = (crate::text::unquote(schema)?, crate::text::unquote(name)?);
    if schema == "pg_catalog" && !name.contains('"') {
        Some(name)
    } else {
        Some(format!("{}.{}", schemactl_sqltext::quoted_ident(&schema), schemactl_sqltext::quoted_ident(&name)))
    }
}

fn extensions(b: &mut Builder<'_>, fresh: &Catalog) {
    for (name, ext) in &b.source.extensions {
        if fresh.extensions.get(name) == Some(ext) {
            continue;
        }
        if fresh.extensions.contains_key(name) {
            continue; // changed built-in extensions are left to the planner (SQL)
        }
        // A new extension brings its own comment (as in plans): only its schema and version.
        let (doc, _) = b.doc_key(&ObjKey::Extension { name: name.clone() }, "", name);
        doc.extensions.insert(
            name.clone(),
            Extension { schema: Some(ext.schema.clone()), version: Some(ext.version.clone()), comment: None },
        );
        b.covered.extensions.insert(name.clone(), ext.clone());
    }
}

fn schemas(b: &mut Builder<'_>, fresh: &Catalog) {
    for (name, schema) in &b.source.schemas {
        if !nameable(name) {
            continue;
        }
        let key = ObjKey::Schema { name: name.clone() };
        let existing = fresh.schemas.get(name);
        let mut def = SchemaDef::default();
        let mut covered = schema.clone();
        match existing {
            // `public`: the YAML can comment on it, not remove its comment.
            Some(old) if schema.comment.is_none() => covered.comment = old.comment.clone(),
            Some(old) if old.comment == schema.comment => {}
            _ => def.comment = schema.comment.clone(),
        }
        let initial = match existing {
            Some(_) => grants::held(&fresh.grants, &key),
            None => grants::initial(b.source, "SCHEMAS", None),
        };
        def.grants = grants::express(b, &key, initial).remove(&None).unwrap_or_default();
        if existing.is_none() || def != SchemaDef::default() {
            let (doc, _) = b.doc_key(&key, name, name);
            doc.schemas.insert(name.clone(), def);
        }
        b.covered.schemas.insert(name.clone(), covered);
    }
}

fn enums(b: &mut Builder<'_>) {
    for (name, t) in &b.source.types {
        let TypeKind::Enum { labels } = &t.kind;
        if !nameable(&name.schema) || !nameable(&name.name) {
            continue;
        }
        let key = ObjKey::Type { name: name.clone() };
        let grants = grants::express_created(b, &key, "TYPES");
        let e = EnumType { values: labels.clone(), comment: t.comment.clone(), grants, renamed_from: None };
        let (doc, k) = b.doc_key(&key, &name.schema, &name.name);
        doc.enums.insert(k, e);
        b.covered.types.insert(name.clone(), t.clone());
    }
}

fn sequences(b: &mut Builder<'_>) {
    for (name, s) in &b.source.sequences {
        if !nameable(&name.schema) || !nameable(&name.name) {
            continue;
        }
        let o = &s.options;
        let d = sequence_defaults(&o.data_type, o.increment);
        let differs = |value: i64, default: i64| (value != default).then_some(value);
        let key = ObjKey::Sequence { name: name.clone() };
        let grants = grants::express_created(b, &key, "SEQUENCES");
        let y = Sequence {
            data_type: (o.data_type != "bigint").then(|| o.data_type.clone()),
            start: differs(o.start, d.start),
            increment: differs(o.increment, 1),
            min_value: differs(o.min_value, d.min_value),
            max_value: differs(o.max_value, d.max_value),
            cache: differs(o.cache, 1),
            cycle: o.cycle,
            owned_by: s
                .owned_by
                .as_ref()
                .map(|c| format!("{}.{}", qualified(&c.table.schema, &c.table.name), ident(&c.column))),
            comment: s.comment.clone(),
            grants,
            renamed_from: None,
        };
        let (doc, k) = b.doc_key(&key, &name.schema, &name.name);
        doc.sequences.insert(k, y);
        b.covered.sequences.insert(name.clone(), s.clone());
    }
}

/// PostgreSQL's defaults for a sequence of `data_type` counting by `increment`.
pub(crate) struct SequenceDefaults {
    pub start: i64,
    pub min_value: i64,
    pub max_value: i64,
}

pub(crate) fn sequence_defaults(data_type: &str, increment: i64) -> SequenceDefaults {
    let (type_min, type_max) = match data_type {
        "smallint" => (i16::MIN as i64, i16::MAX as i64),
        "integer" => (i32::MIN as i64, i32::MAX as i64),
        _ => (i64::MIN, i64::MAX),
    };
    let (min_value, max_value) = if increment > 0 { (1, type_max) } else { (type_min, -1) };
    SequenceDefaults { start: if increment > 0 { min_value } else { max_value }, min_value, max_value }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn collations_are_named_as_the_format_takes_them() {
        assert_eq!(collation("pg_catalog.\"C\"").as_deref(), Some("C"));
        assert_eq!(collation("pg_catalog.\"en_US.utf8\"").as_deref(), Some("en_US.utf8"));
        assert_eq!(collation("public.\"numeric\"").as_deref(), Some("\"public\".\"numeric\""));
        assert_eq!(collation("public.ci").as_deref(), Some("\"public\".\"ci\""));
        assert_eq!(collation("nonsense"), None);
    }
}
