//! Where each object goes: its schema, the section of that schema (tables, views...), and the
//! file that holds it in each layout. Everything that hangs on a table (columns, constraints,
//! indexes, triggers, policies, rules, statistics, comments and grants) goes with the table.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use schemactl_model::{Catalog, ObjKey, ObjectKind, QualName};

/// How the files of a dump are cut.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Layout {
    /// Everything in one file (`dump.sql` / `dump.yaml`), as printed on stdout.
    Single,
    /// One file per schema (`portal.sql`), plus `extensions.sql` and `database.sql` for what
    /// belongs to no schema.
    PerSchema,
    /// One file per object (`portal/tables/users.sql`), plus `portal/schema.sql` for the
    /// schema itself, `extensions/<name>.sql` and `database.sql`.
    PerObject,
}

/// Sections in the order a schema's file lists them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Section {
    Extensions,
    Schema,
    Collations,
    Types,
    Sequences,
    Tables,
    ForeignTables,
    Views,
    Functions,
    Database,
}

impl Section {
    /// The directory of the section below its schema's directory (per-object layout).
    fn dir(self) -> &'static str {
        match self {
            Section::Extensions => "extensions",
            Section::Schema => "",
            Section::Collations => "collations",
            Section::Types => "types",
            Section::Sequences => "sequences",
            Section::Tables => "tables",
            Section::ForeignTables => "foreign_tables",
            Section::Views => "views",
            Section::Functions => "functions",
            Section::Database => "database",
        }
    }
}

/// The object a statement belongs to, for grouping: its schema (none for extensions and
/// database-wide objects), section and name.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Place {
    pub schema: Option<String>,
    pub section: Section,
    pub name: String,
}

impl Place {
    fn new(schema: &str, section: Section, name: &str) -> Place {
        Place { schema: Some(schema.to_string()), section, name: name.to_string() }
    }

    fn database(section: Section, name: &str) -> Place {
        Place { schema: None, section, name: name.to_string() }
    }

    /// The file this place is written to, with extension `ext` (`sql`, `yaml`).
    pub fn path(&self, layout: Layout, ext: &str) -> PathBuf {
        match (layout, &self.schema) {
            (Layout::Single, _) => PathBuf::from(format!("dump.{ext}")),
            (Layout::PerSchema, Some(schema)) => PathBuf::from(format!("{}.{ext}", file_name(schema))),
            (Layout::PerSchema, None) => PathBuf::from(format!("{}.{ext}", self.section.dir())),
            (Layout::PerObject, Some(schema)) => {
                let dir = PathBuf::from(file_name(schema));
                match self.section {
                    Section::Schema => dir.join(format!("schema.{ext}")),
                    section => dir.join(section.dir()).join(format!("{}.{ext}", file_name(&self.name))),
                }
            }
            (Layout::PerObject, None) => match self.section {
                Section::Extensions => PathBuf::from("extensions").join(format!("{}.{ext}", file_name(&self.name))),
                section => PathBuf::from(format!("{}.{ext}", section.dir())),
            },
        }
    }
}

/// The file that lists what a dump leaves out, and holds the objects of no schema.
pub(crate) fn database_file(layout: Layout) -> PathBuf {
    Place::database(Section::Database, "").path(layout, "sql")
}

/// A name usable as a file name everywhere: path separators, characters Windows refuses,
/// control characters and a leading dot become `_`; routine arguments are left out (overloads
/// share a file).
fn file_name(name: &str) -> String {
    let name = name.split('(').next().unwrap_or(name).trim_end();
    let mut out: String =
        name.chars().map(|c| if c.is_control() || "/\\:*?\"<>|".contains(c) { '_' } else { c }).collect();
    if out.is_empty() || out.starts_with('.') {
        out.insert(0, '_');
    }
    out
}

/// Where the statements about each object go (built once per catalog: indexes and relations
/// are looked up by name).
pub(crate) struct Places {
    /// Index -> its table (index names are per schema).
    indexes: BTreeMap<QualName, QualName>,
    /// Views, materialized views and foreign tables: the sections of relations not in `tables`.
    relations: BTreeMap<QualName, Section>,
    tables: BTreeSet<QualName>,
}

impl Places {
    pub fn new(catalog: &Catalog) -> Places {
        let mut indexes = BTreeMap::new();
        for table in catalog.tables.values() {
            for index in table.indexes.keys() {
                indexes.insert(QualName::new(&table.name.schema, index), table.name.clone());
            }
        }
        let relations = catalog
            .objects
            .keys()
            .filter(|id| id.table.is_none())
            .filter_map(|id| {
                let section = match id.kind {
                    ObjectKind::View | ObjectKind::MaterializedView => Section::Views,
                    ObjectKind::ForeignTable => Section::ForeignTables,
                    _ => return None,
                };
                Some((QualName::new(&id.schema, &id.name), section))
            })
            .collect();
        Places { indexes, relations, tables: catalog.tables.keys().cloned().collect() }
    }

    /// Where the statements about `key` go.
    pub fn of(&self, key: &ObjKey) -> Place {
        match key {
            ObjKey::Schema { name } => Place::new(name, Section::Schema, name),
            ObjKey::Extension { name } => Place::database(Section::Extensions, name),
            ObjKey::Type { name } => Place::new(&name.schema, Section::Types, &name.name),
            ObjKey::Sequence { name } => Place::new(&name.schema, Section::Sequences, &name.name),
            ObjKey::Table { name } | ObjKey::Column { table: name, .. } | ObjKey::Constraint { table: name, .. } => {
                self.relation(name)
            }
            ObjKey::Index { name } => match self.indexes.get(name) {
                Some(table) => self.relation(table),
                None => Place::new(&name.schema, Section::Tables, &name.name),
            },
            ObjKey::Object { id } => {
                if let Some(table) = &id.table {
                    return self.relation(table);
                }
                if id.schema.is_empty() {
                    return Place::database(Section::Database, &id.name);
                }
                let section = match id.kind {
                    ObjectKind::Collation => Section::Collations,
                    ObjectKind::Domain | ObjectKind::CompositeType | ObjectKind::RangeType => Section::Types,
                    ObjectKind::Function | ObjectKind::Procedure | ObjectKind::Aggregate => Section::Functions,
                    ObjectKind::View | ObjectKind::MaterializedView | ObjectKind::ViewIndex => Section::Views,
                    ObjectKind::ForeignTable => Section::ForeignTables,
                    _ => Section::Tables,
                };
                Place::new(&id.schema, section, &id.name)
            }
            ObjKey::DefaultPrivileges { schema: Some(schema), .. } => Place::new(schema, Section::Schema, schema),
            ObjKey::DefaultPrivileges { schema: None, role } => Place::database(Section::Database, role),
            // Roles are cluster-wide: with the other database-wide statements.
            ObjKey::Role { name } => Place::database(Section::Database, name),
        }
    }

    /// The place of a table, view, materialized view or foreign table.
    pub fn relation(&self, name: &QualName) -> Place {
        let section = match self.relations.get(name) {
            Some(section) if !self.tables.contains(name) => *section,
            _ => Section::Tables,
        };
        Place::new(&name.schema, section, &name.name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_become_safe_file_names() {
        assert_eq!(file_name("users"), "users");
        assert_eq!(file_name("area(integer, integer)"), "area");
        assert_eq!(file_name("a/b"), "a_b");
        assert_eq!(file_name(".hidden"), "_.hidden");
        assert_eq!(file_name("Ünïcode Name"), "Ünïcode Name");
    }

    #[test]
    fn each_layout_has_its_paths() {
        let users = Place::new("portal", Section::Tables, "users");
        assert_eq!(users.path(Layout::Single, "sql"), PathBuf::from("dump.sql"));
        assert_eq!(users.path(Layout::PerSchema, "sql"), PathBuf::from("portal.sql"));
        assert_eq!(users.path(Layout::PerObject, "yaml"), PathBuf::from("portal/tables/users.yaml"));
        let schema = Place::new("portal", Section::Schema, "portal");
        assert_eq!(schema.path(Layout::PerObject, "sql"), PathBuf::from("portal/schema.sql"));
        let citext = Place::database(Section::Extensions, "citext");
        assert_eq!(citext.path(Layout::PerSchema, "sql"), PathBuf::from("extensions.sql"));
        assert_eq!(citext.path(Layout::PerObject, "sql"), PathBuf::from("extensions/citext.sql"));
        let publication = Place::database(Section::Database, "pub");
        assert_eq!(publication.path(Layout::PerObject, "sql"), PathBuf::from("database.sql"));
    }
}
