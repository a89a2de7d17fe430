//! Hazard kinds: what can go wrong when a statement runs against a live database. Plans attach
//! them to steps, lint finds them in hand-written SQL, revisions record them, and `plan` and
//! `apply` refuse the ones a project or environment does not allow.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum HazardKind {
    /// Rows or values are deleted or may not survive (drops, narrowing type changes, enum
    /// value removal, unqualified DELETE/UPDATE/TRUNCATE).
    DataLoss,
    /// The table is rewritten (every row copied) while it is locked.
    TableRewrite,
    /// An ACCESS EXCLUSIVE lock (reads and writes wait) held for a time that grows with the table.
    AccessExclusiveLock,
    /// An index is built; without CONCURRENTLY, writes to the table wait until it is done.
    IndexBuild,
    /// Existing rows are scanned to validate a constraint.
    ValidationScan,
    /// Privileges change: roles gain or lose access.
    AuthorizationChange,
    /// The object is used in ways PostgreSQL does not track (function bodies): dependents may
    /// break at run time rather than at migration time.
    UntrackableDependencies,
    /// The statement cannot run in a transaction: if it fails, what it did so far stays.
    NonTransactional,
}

impl HazardKind {
    pub const ALL: [HazardKind; 8] = [
        HazardKind::DataLoss,
        HazardKind::TableRewrite,
        HazardKind::AccessExclusiveLock,
        HazardKind::IndexBuild,
        HazardKind::ValidationScan,
        HazardKind::AuthorizationChange,
        HazardKind::UntrackableDependencies,
        HazardKind::NonTransactional,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            HazardKind::DataLoss => "data-loss",
            HazardKind::TableRewrite => "table-rewrite",
            HazardKind::AccessExclusiveLock => "access-exclusive-lock",
            HazardKind::IndexBuild => "index-build",
            HazardKind::ValidationScan => "validation-scan",
            HazardKind::AuthorizationChange => "authorization-change",
            HazardKind::UntrackableDependencies => "untrackable-dependencies",
            HazardKind::NonTransactional => "non-transactional",
        }
    }

    /// One sentence for reviewers: what the hazard means in production.
    pub fn explanation(self) -> &'static str {
        match self {
            HazardKind::DataLoss => {
                "rows or values are deleted, or may not fit the new definition; a backup is the only undo"
            }
            HazardKind::TableRewrite => {
                "every row is copied into a new table file while the table is locked; time and disk grow with the table"
            }
            HazardKind::AccessExclusiveLock => {
                "reads and writes on the table wait for the whole statement, which takes longer as the table grows"
            }
            HazardKind::IndexBuild => {
                "an index is built from every row; without CONCURRENTLY, writes wait until it is done"
            }
            HazardKind::ValidationScan => "every existing row is read to check a constraint",
            HazardKind::AuthorizationChange => "roles gain or lose access; check it is intended",
            HazardKind::UntrackableDependencies => {
                "function bodies may use the object without PostgreSQL knowing; they break when called, not now"
            }
            HazardKind::NonTransactional => {
                "runs outside a transaction: a failure leaves its partial work (schemactl records and resumes it)"
            }
        }
    }
}

impl fmt::Display for HazardKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for HazardKind {
    type Err = String;

    fn from_str(text: &str) -> Result<HazardKind, String> {
        let wanted = text.trim().to_ascii_lowercase().replace('_', "-");
        HazardKind::ALL.into_iter().find(|k| k.as_str() == wanted).ok_or_else(|| {
            let known: Vec<&str> = HazardKind::ALL.iter().map(|k| k.as_str()).collect();
            format!("unknown hazard kind `{text}` (one of: {})", known.join(", "))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for kind in HazardKind::ALL {
            assert_eq!(kind.as_str().parse::<HazardKind>(), Ok(kind));
            assert_eq!(serde_json::to_string(&kind).unwrap(), format!("\"{kind}\""));
        }
        assert_eq!("INDEX_BUILD".parse::<HazardKind>(), Ok(HazardKind::IndexBuild));
        assert!("lockdown".parse::<HazardKind>().unwrap_err().contains("one of: data-loss"));
    }
}
