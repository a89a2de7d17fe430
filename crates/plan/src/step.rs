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
}

impl Hazard {
    pub fn new(kind: HazardKind, message: impl Into<String>) -> Hazard {
        Hazard { kind, message: message.into() }
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
