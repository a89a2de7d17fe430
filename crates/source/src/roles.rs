//! Role statements in schema files (`CREATE ROLE`, `ALTER ROLE`, `GRANT role TO role`,
//! `COMMENT ON ROLE`): desired state only when the project manages roles (`[roles] manage`).
//! Roles are cluster-wide, so these statements do not load with the rest: the engine runs them
//! in a transaction of their own and reads what they declare (see the engine's roles module).

use pg_query::protobuf::{self, ObjectType, RoleSpecType};
use pg_query::NodeEnum;

use crate::names::string;
use crate::Statement;

/// Why a role statement cannot be desired state, if it cannot.
pub(crate) fn refusal(node: &NodeEnum) -> Option<&'static str> {
    match node {
        NodeEnum::CreateRoleStmt(s) if has_password(&s.options) => Some(PASSWORD),
        NodeEnum::AlterRoleStmt(s) if has_password(&s.options) => Some(PASSWORD),
        NodeEnum::AlterRoleSetStmt(s) if !s.database.is_empty() => {
            Some("settings for one database (IN DATABASE) name a database, which schema files do not; use ALTER ROLE ... SET")
        }
        NodeEnum::AlterRoleSetStmt(s) if s.role.as_ref().is_none_or(|r| !named(r)) => {
            Some("ALTER ROLE ALL changes every role of the server; name the role")
        }
        NodeEnum::AlterRoleStmt(s) if s.role.as_ref().is_none_or(|r| !named(r)) => Some("name the role"),
        NodeEnum::GrantRoleStmt(s) if !s.is_grant => {
            Some("schema files declare memberships with GRANT; leave a membership out to revoke it")
        }
        _ => None,
    }
}

const PASSWORD: &str = "passwords never belong in schema files (they would sit in the repository and every plan); \
     set them out of band, e.g. `ALTER ROLE app PASSWORD ...` by your secrets tooling";

fn has_password(options: &[protobuf::Node]) -> bool {
    options.iter().any(|o| matches!(&o.node, Some(NodeEnum::DefElem(d)) if d.defname == "password"))
}

fn named(role: &protobuf::RoleSpec) -> bool {
    role.roletype == RoleSpecType::RolespecCstring as i32
}

/// The roles a role statement declares something about (the role created or altered, the
/// members of a membership, the role commented on); `None` for any other statement. Each must
/// be a managed role: what is declared for another role would be ignored.
pub fn declared_roles(statement: &Statement) -> Option<Vec<String>> {
    let candidate = matches!(
        statement.kind.as_str(),
        "CreateRoleStmt" | "AlterRoleStmt" | "AlterRoleSetStmt" | "GrantRoleStmt" | "CommentStmt" | "DropRoleStmt"
    );
    if !candidate {
        return None;
    }
    let parsed = pg_query::parse(&statement.sql, 0).ok()?;
    let node = parsed.protobuf.stmts.first()?.stmt.as_ref()?.node.as_ref()?;
    let spec = |r: &Option<protobuf::RoleSpec>| r.as_ref().map(|r| r.rolename.clone()).into_iter().collect();
    match node {
        NodeEnum::CreateRoleStmt(s) => {
            let mut roles = vec![s.role.clone()];
            for o in &s.options {
                if let Some(NodeEnum::DefElem(d)) = &o.node {
                    if matches!(d.defname.as_str(), "rolemembers" | "adminmembers") {
                        roles.extend(role_list(d.arg.as_deref()));
                    }
                }
            }
            Some(roles)
        }
        NodeEnum::AlterRoleStmt(s) => Some(spec(&s.role)),
        // In scripts only (plans, revisions): schema files refuse it.
        NodeEnum::DropRoleStmt(s) => Some(
            s.roles
                .iter()
                .filter_map(|n| match &n.node {
                    Some(NodeEnum::RoleSpec(r)) => Some(r.rolename.clone()),
                    _ => None,
                })
                .collect(),
        ),
        NodeEnum::AlterRoleSetStmt(s) => Some(spec(&s.role)),
        NodeEnum::GrantRoleStmt(s) => Some(
            s.grantee_roles
                .iter()
                .filter_map(|n| match &n.node {
                    Some(NodeEnum::RoleSpec(r)) => Some(r.rolename.clone()),
                    _ => None,
                })
                .collect(),
        ),
        NodeEnum::CommentStmt(s) if s.objtype == ObjectType::ObjectRole as i32 => {
            Some(s.object.as_deref().and_then(string).map(str::to_string).into_iter().collect())
        }
        _ => None,
    }
}

/// The role names of a `ROLE a, b` option (a list of `RoleSpec`).
fn role_list(arg: Option<&protobuf::Node>) -> Vec<String> {
    let Some(NodeEnum::List(list)) = arg.and_then(|a| a.node.as_ref()) else { return Vec::new() };
    list.items
        .iter()
        .filter_map(|n| match &n.node {
            Some(NodeEnum::RoleSpec(r)) => Some(r.rolename.clone()),
            _ => None,
        })
        .collect()
}
