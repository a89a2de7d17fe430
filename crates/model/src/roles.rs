//! Roles and object owners, managed only when the project opts in (`[roles] manage` in
//! schemactl.toml). Roles are cluster-wide: a catalog holds only the roles the scope manages,
//! and the owners that are such roles.

use crate::GrantTarget;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// One managed role: its attributes as `pg_roles` shows them. Passwords are never read,
/// compared or written.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Role {
    pub name: String,
    pub superuser: bool,
    pub inherit: bool,
    pub create_role: bool,
    pub create_db: bool,
    pub login: bool,
    pub replication: bool,
    pub bypass_rls: bool,
    /// -1: no limit.
    pub connection_limit: i32,
    /// `rolvaliduntil` in UTC (`2027-01-01 00:00:00+00`), `None` when it never expires.
    pub valid_until: Option<String>,
    /// Server-wide settings (`ALTER ROLE ... SET name = value`), as `name=value` entries the
    /// way `pg_db_role_setting` stores them, sorted.
    pub settings: BTreeSet<String>,
    pub comment: Option<String>,
}

impl Role {
    /// A role as `CREATE ROLE name` makes it.
    pub fn new(name: &str) -> Role {
        Role {
            name: name.to_string(),
            superuser: false,
            inherit: true,
            create_role: false,
            create_db: false,
            login: false,
            replication: false,
            bypass_rls: false,
            connection_limit: -1,
            valid_until: None,
            settings: BTreeSet::new(),
            comment: None,
        }
    }
}

/// `GRANT role TO member`: kept for members the scope manages.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Membership {
    pub role: String,
    pub member: String,
    /// `WITH ADMIN OPTION`.
    pub admin: bool,
    /// PostgreSQL 16+: whether the member uses the role's privileges without `SET ROLE`
    /// (`None` before 16, where the member's `INHERIT` attribute decides).
    pub inherit: Option<bool>,
    /// PostgreSQL 16+: whether the member may `SET ROLE` to it.
    pub set: Option<bool>,
}

/// The owner of an object, when it is a managed role.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Owner {
    /// How the object is named in `ALTER <kind> <name> OWNER TO`.
    pub target: GrantTarget,
    /// The `ALTER` keyword: `TABLE`, `VIEW`, `MATERIALIZED VIEW`, `SEQUENCE`, `FUNCTION`,
    /// `PROCEDURE`, `AGGREGATE`, `SCHEMA`, `TYPE` or `DOMAIN`.
    pub alter: String,
    pub role: String,
}
