//! What a declared rename renames, shared by the schema-file reader (which finds the
//! `-- schemactl:renamed-from` annotations) and the planner (which turns them into steps).

/// What an annotation renames.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum RenameKind {
    Schema,
    Table,
    View,
    MaterializedView,
    Sequence,
    Index,
    /// Enum, composite and range types.
    Type,
    Domain,
    /// Functions and procedures (renamed without their argument list: the name must be
    /// unique in its schema).
    Routine,
    Column,
    /// A table constraint (and the index behind a primary key, unique or exclusion constraint).
    Constraint,
    EnumValue,
}

impl RenameKind {
    /// Lower-case words for messages: "materialized view", "enum value".
    pub fn as_str(self) -> &'static str {
        match self {
            RenameKind::Schema => "schema",
            RenameKind::Table => "table",
            RenameKind::View => "view",
            RenameKind::MaterializedView => "materialized view",
            RenameKind::Sequence => "sequence",
            RenameKind::Index => "index",
            RenameKind::Type => "type",
            RenameKind::Domain => "domain",
            RenameKind::Routine => "routine",
            RenameKind::Column => "column",
            RenameKind::Constraint => "constraint",
            RenameKind::EnumValue => "enum value",
        }
    }

    /// Kinds that can move to another schema (`ALTER ... SET SCHEMA`): indexes, constraints
    /// and columns go with their table, enum labels with their type.
    pub fn movable(self) -> bool {
        matches!(
            self,
            RenameKind::Table
                | RenameKind::View
                | RenameKind::MaterializedView
                | RenameKind::Sequence
                | RenameKind::Type
                | RenameKind::Domain
                | RenameKind::Routine
        )
    }

    /// Renames run by phase: schemas, then what lives in a schema, then what lives in a table
    /// or type. Each names its container by its new name, so containers go first.
    pub fn phase(self) -> u8 {
        match self {
            RenameKind::Schema => 0,
            RenameKind::Column | RenameKind::Constraint | RenameKind::EnumValue => 2,
            _ => 1,
        }
    }

    /// Kinds whose names PostgreSQL keeps unique together (relations; types), so that two
    /// annotations claiming one name can be caught.
    pub fn namespace(self) -> u8 {
        match self {
            RenameKind::Schema => 0,
            RenameKind::Table
            | RenameKind::View
            | RenameKind::MaterializedView
            | RenameKind::Sequence
            | RenameKind::Index => 1,
            RenameKind::Type | RenameKind::Domain => 2,
            RenameKind::Routine => 6,
            RenameKind::Column => 3,
            RenameKind::Constraint => 4,
            RenameKind::EnumValue => 5,
        }
    }

    /// The object of this kind as it would be called under `name`, for messages: `column
    /// app.users.email`. `container` is the table (columns, constraints) or enum type (values).
    pub fn describe(self, schema: &str, container: Option<&str>, name: &str) -> String {
        let container = container.unwrap_or_default();
        match self {
            RenameKind::Schema => format!("schema {name}"),
            RenameKind::Column => format!("column {schema}.{container}.{name}"),
            RenameKind::Constraint => format!("constraint {name} on {schema}.{container}"),
            RenameKind::EnumValue => format!("value '{name}' of type {schema}.{container}"),
            kind => format!("{} {schema}.{name}", kind.as_str()),
        }
    }
}
