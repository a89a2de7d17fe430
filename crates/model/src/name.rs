use serde::{Deserialize, Serialize};
use std::fmt;

/// A schema-qualified object name, unquoted (exactly as stored in the catalog).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct QualName {
    pub schema: String,
    pub name: String,
}

impl QualName {
    pub fn new(schema: impl Into<String>, name: impl Into<String>) -> Self {
        QualName { schema: schema.into(), name: name.into() }
    }
}

/// Display form for messages and grouping; SQL rendering quotes identifiers itself.
impl fmt::Display for QualName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.schema, self.name)
    }
}
