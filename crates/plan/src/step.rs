use serde::Serialize;

pub use schemactl_model::{HazardKind, ObjKey};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Create,
    Alter,
    Drop,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Hazard {
    pub kind: HazardKind,
    pub message: String,
    /// The table whose size the hazard's cost grows with, as the live database reported it:
    /// only when a plan was made against one (`diff --from DB`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub size: Option<HazardSize>,
}

/// A hazard priced for a database: which table, how big, roughly how long.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct HazardSize {
    pub table: String,
    pub rows: u64,
    pub bytes: u64,
    pub duration: schemactl_model::DurationClass,
}

impl Hazard {
    pub fn new(kind: HazardKind, message: impl Into<String>) -> Hazard {
        Hazard { kind, message: message.into(), size: None }
    }

    /// Whether the work behind this hazard grows with the rows of the table the step touches.
    pub fn grows_with_table(&self) -> bool {
        matches!(
            self.kind,
            HazardKind::TableRewrite
                | HazardKind::AccessExclusiveLock
                | HazardKind::ValidationScan
                | HazardKind::IndexBuild
        )
    }

    /// Prices the hazard: its message then says what it touches, in every format
    /// (`... (public.events: 84 M rows, 12 GB; expect minutes)`).
    pub fn priced(&mut self, table: &schemactl_model::QualName, size: schemactl_model::RelationSize) {
        let duration = size.duration_class();
        self.message = format!("{} ({table}: {size}; expect {duration})", self.message);
        self.size = Some(HazardSize { table: table.to_string(), rows: size.rows, bytes: size.bytes, duration });
    }
}

/// One statement of a plan, with the facts that order it.
#[derive(Clone, Debug, Serialize)]
pub struct Step {
    pub action: Action,
    /// The object the step changes.
    pub object: ObjKey,
    /// Where a reviewer looks for it: the table for its columns, constraints and indexes.
    #[serde(skip)]
    pub group: String,
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
            group: object.group(),
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

    pub fn grouped_under(mut self, group: String) -> Step {
        self.group = group;
        self
    }

    pub fn hazard(mut self, kind: HazardKind, message: impl Into<String>) -> Step {
        self.hazards.push(Hazard::new(kind, message));
        self
    }
}
