use schemactl_model::QualName;
use serde::Serialize;
use std::fmt;

/// What an ordering fact is about. Index and sequence names live in their schema's relation
/// namespace, so they are keyed by schema, not by table.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ObjKey {
    Schema { name: String },
    Extension { name: String },
    Type { name: QualName },
    Sequence { name: QualName },
    Table { name: QualName },
    Column { table: QualName, column: String },
    Constraint { table: QualName, name: String },
    Index { name: QualName },
}

impl ObjKey {
    /// The top-level object a step is grouped under in the human plan.
    pub fn group(&self) -> String {
        match self {
            ObjKey::Schema { name } => format!("schema {name}"),
            ObjKey::Extension { name } => format!("extension {name}"),
            ObjKey::Type { name } => format!("type {name}"),
            ObjKey::Sequence { name } => format!("sequence {name}"),
            ObjKey::Table { name }
            | ObjKey::Column { table: name, .. }
            | ObjKey::Constraint { table: name, .. } => {
                format!("table {name}")
            }
            ObjKey::Index { name } => format!("index {name}"),
        }
    }
}

impl fmt::Display for ObjKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ObjKey::Schema { name } => write!(f, "schema {name}"),
            ObjKey::Extension { name } => write!(f, "extension {name}"),
            ObjKey::Type { name } => write!(f, "type {name}"),
            ObjKey::Sequence { name } => write!(f, "sequence {name}"),
            ObjKey::Table { name } => write!(f, "table {name}"),
            ObjKey::Column { table, column } => write!(f, "column {table}.{column}"),
            ObjKey::Constraint { table, name } => write!(f, "constraint {name} on {table}"),
            ObjKey::Index { name } => write!(f, "index {name}"),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Create,
    Alter,
    Drop,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum HazardKind {
    /// Rows or values are deleted and cannot be recovered from the database.
    DataLoss,
    /// The table is rewritten under an ACCESS EXCLUSIVE lock.
    TableRewrite,
    /// An index is built, blocking writes to the table while it runs.
    IndexBuild,
    /// Existing rows are scanned to validate a constraint while writes are blocked.
    ValidationScan,
}

impl fmt::Display for HazardKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = match self {
            HazardKind::DataLoss => "data-loss",
            HazardKind::TableRewrite => "table-rewrite",
            HazardKind::IndexBuild => "index-build",
            HazardKind::ValidationScan => "validation-scan",
        };
        f.write_str(s)
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Hazard {
    pub kind: HazardKind,
    pub message: String,
}

impl Hazard {
    pub fn new(kind: HazardKind, message: impl Into<String>) -> Hazard {
        Hazard {
            kind,
            message: message.into(),
        }
    }
}

/// One statement of a plan, with the facts that order it.
#[derive(Clone, Debug, Serialize)]
pub struct Step {
    pub action: Action,
    /// The object the step changes.
    pub object: ObjKey,
    pub sql: String,
    pub hazards: Vec<Hazard>,
    /// False for statements PostgreSQL refuses inside a transaction block.
    pub transactional: bool,
    /// Objects that exist once this step has run.
    #[serde(skip)]
    pub provides: Vec<ObjKey>,
    /// Objects that must exist before this step runs.
    #[serde(skip)]
    pub requires: Vec<ObjKey>,
    /// Objects that no longer exist once this step has run.
    #[serde(skip)]
    pub removes: Vec<ObjKey>,
    /// Objects the old state of this step's object used: they may only be removed after it.
    #[serde(skip)]
    pub releases: Vec<ObjKey>,
}

impl Step {
    pub fn new(action: Action, object: ObjKey, sql: impl Into<String>) -> Step {
        let (provides, removes) = match action {
            Action::Drop => (vec![], vec![object.clone()]),
            _ => (vec![object.clone()], vec![]),
        };
        Step {
            action,
            object,
            sql: sql.into(),
            hazards: vec![],
            transactional: true,
            provides,
            requires: vec![],
            removes,
            releases: vec![],
        }
    }

    pub fn requires(mut self, keys: impl IntoIterator<Item = ObjKey>) -> Step {
        self.requires.extend(keys);
        self
    }

    pub fn releases(mut self, keys: impl IntoIterator<Item = ObjKey>) -> Step {
        self.releases.extend(keys);
        self
    }

    pub fn provides(mut self, keys: impl IntoIterator<Item = ObjKey>) -> Step {
        self.provides.extend(keys);
        self
    }

    pub fn hazard(mut self, kind: HazardKind, message: impl Into<String>) -> Step {
        self.hazards.push(Hazard::new(kind, message));
        self
    }
}
