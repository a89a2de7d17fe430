//! Privileges: what roles other than an object's owner may do with it, and the default
//! privileges new objects receive. Roles are only referenced by name, never managed; ownership
//! is not managed either (objects belong to whoever applies the plan), so the owner's own
//! privileges are left out on both sides.

use crate::ObjKey;
use serde::{Deserialize, Serialize};

/// The object a privilege is on.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct GrantTarget {
    /// The object's key, so that a grant runs after the object exists.
    pub key: ObjKey,
    /// The keyword of `GRANT ... ON <kind>`: `TABLE` (views and materialized views too),
    /// `SEQUENCE`, `FUNCTION`, `PROCEDURE`, `SCHEMA` or `TYPE` (domains too).
    pub kind: String,
    /// The object's name as SQL, quoted and qualified as PostgreSQL prints it, e.g.
    /// `public.t`, `public.f(integer)`, `app`.
    pub name: String,
}

impl GrantTarget {
    /// The `ALTER DEFAULT PRIVILEGES ... ON <object_type>` class whose defaults a new object
    /// of this kind receives.
    pub fn default_object_type(&self) -> &'static str {
        match self.kind.as_str() {
            "SEQUENCE" => "SEQUENCES",
            "FUNCTION" | "PROCEDURE" => "FUNCTIONS",
            "TYPE" => "TYPES",
            "SCHEMA" => "SCHEMAS",
            _ => "TABLES",
        }
    }
}

/// One privilege held by one grantee (a role name, or `PUBLIC`) on an object or one column.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Grant {
    pub target: GrantTarget,
    /// Set for column privileges (`GRANT SELECT (c) ON ...`).
    pub column: Option<String>,
    /// A role name, unquoted, or `PUBLIC`.
    pub grantee: String,
    /// `SELECT`, `INSERT`, `UPDATE`, `DELETE`, `TRUNCATE`, `REFERENCES`, `TRIGGER`, `USAGE`,
    /// `EXECUTE`, `CREATE`, ...
    pub privilege: String,
    /// `WITH GRANT OPTION`.
    pub grantable: bool,
}

/// One entry of `ALTER DEFAULT PRIVILEGES`: what objects `role` creates (in `schema`, or
/// anywhere) receive.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct DefaultPrivilege {
    /// The role whose new objects are affected (`FOR ROLE`), unquoted.
    pub role: String,
    /// `IN SCHEMA`; `None` for the role's database-wide defaults.
    pub schema: Option<String>,
    /// `TABLES`, `SEQUENCES`, `FUNCTIONS`, `TYPES` or `SCHEMAS`.
    pub object_type: String,
    /// A role name, unquoted, or `PUBLIC`.
    pub grantee: String,
    pub privilege: String,
    pub grantable: bool,
    /// A built-in default taken away (`ALTER DEFAULT PRIVILEGES REVOKE EXECUTE ON FUNCTIONS
    /// FROM PUBLIC`): database-wide defaults replace PostgreSQL's built-in ones, so removing
    /// one is a fact of its own.
    pub revoked: bool,
}

/// The privileges PostgreSQL gives every new object of a kind besides its owner's
/// (`acldefault`): `EXECUTE` on routines and `USAGE` on types to `PUBLIC`.
pub fn builtin_default(object_type: &str) -> Option<&'static str> {
    match object_type {
        "FUNCTIONS" => Some("EXECUTE"),
        "TYPES" => Some("USAGE"),
        _ => None,
    }
}
