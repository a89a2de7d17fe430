//! `GRANT`, `REVOKE`, `ALTER DEFAULT PRIVILEGES` and `OWNER TO`: roles gain or lose access.
//! Objects the script created count too: who may use them is the point.

use pg_query::protobuf::{self, AlterTableType, GrantTargetType, Node, ObjectType};
use pg_query::NodeEnum;
use schemactl_model::HazardKind;

use crate::ast::{alter_commands, object_name, role};
use crate::context::Context;
use crate::{hit, Hit, Input};

pub(crate) fn check(input: &Input<'_>, _context: &Context) -> Vec<Hit> {
    let message = match input.node {
        NodeEnum::GrantStmt(s) => grant(s),
        NodeEnum::GrantRoleStmt(s) => {
            let granted: Vec<String> = s
                .granted_roles
                .iter()
                .map(|r| match &r.node {
                    Some(NodeEnum::AccessPriv(p)) => p.priv_name.clone(),
                    _ => object_name(r),
                })
                .collect();
            let (verb, to) = if s.is_grant { ("grants", "to") } else { ("revokes", "from") };
            format!("{verb} membership in {} {to} {}", granted.join(", "), roles(&s.grantee_roles))
        }
        NodeEnum::AlterDefaultPrivilegesStmt(s) => match &s.action {
            Some(action) => format!("ALTER DEFAULT PRIVILEGES: objects created later {}", grant(action)),
            None => "ALTER DEFAULT PRIVILEGES changes what objects created later grant".into(),
        },
        NodeEnum::AlterOwnerStmt(s) => {
            let object = s.relation.as_ref().map_or_else(
                || s.object.as_deref().map_or_else(|| "?".into(), object_name),
                |r| crate::ast::Name::of(r).to_string(),
            );
            let owner = s.newowner.as_ref().map_or_else(|| "?".into(), role);
            format!("OWNER TO {owner}: {owner} gets every privilege on {object}, and the old owner loses them")
        }
        _ => return owner_of_table(input),
    };
    vec![hit(HazardKind::AuthorizationChange, message)]
}

fn owner_of_table(input: &Input<'_>) -> Vec<Hit> {
    let Some((table, commands)) = alter_commands(input.node) else { return Vec::new() };
    commands
        .into_iter()
        .filter(|(kind, _)| *kind == AlterTableType::AtChangeOwner)
        .map(|(_, cmd)| {
            let owner = cmd.newowner.as_ref().map_or_else(|| "?".into(), role);
            hit(
                HazardKind::AuthorizationChange,
                format!("OWNER TO {owner}: {owner} gets every privilege on {table}, and the old owner loses them"),
            )
        })
        .collect()
}

/// `grants select, insert on a, b to reader`, `revokes all on every table in schema s from public`.
fn grant(s: &protobuf::GrantStmt) -> String {
    let privileges: Vec<String> = s
        .privileges
        .iter()
        .filter_map(|p| match &p.node {
            Some(NodeEnum::AccessPriv(p)) => Some(p.priv_name.clone()),
            _ => None,
        })
        .collect();
    let privileges = if privileges.is_empty() { "all".to_string() } else { privileges.join(", ") };
    let noun = match ObjectType::try_from(s.objtype) {
        Ok(ObjectType::ObjectSequence) => "sequence",
        Ok(ObjectType::ObjectFunction) => "function",
        Ok(ObjectType::ObjectProcedure) => "procedure",
        Ok(ObjectType::ObjectRoutine) => "routine",
        Ok(ObjectType::ObjectSchema) => "schema",
        Ok(ObjectType::ObjectType) => "type",
        Ok(ObjectType::ObjectDomain) => "domain",
        Ok(ObjectType::ObjectDatabase) => "database",
        _ => "table",
    };
    let objects: Vec<String> = s.objects.iter().map(object_name).collect();
    let on = match GrantTargetType::try_from(s.targtype) {
        Ok(GrantTargetType::AclTargetAllInSchema) => format!("every {noun} in schema {}", objects.join(", ")),
        Ok(GrantTargetType::AclTargetDefaults) => format!("{noun}s"),
        _ => format!("{noun} {}", objects.join(", ")),
    };
    let (verb, to) = if s.is_grant { ("grants", "to") } else { ("revokes", "from") };
    format!("{verb} {privileges} on {on} {to} {}", roles(&s.grantees))
}

fn roles(list: &[Node]) -> String {
    list.iter()
        .map(|r| match &r.node {
            Some(NodeEnum::RoleSpec(r)) => role(r),
            _ => object_name(r),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use crate::rules::hits;
    use schemactl_model::HazardKind::AuthorizationChange;

    #[test]
    fn privileges_change() {
        assert_eq!(
            hits("privileges", "GRANT SELECT, INSERT ON app.users, app.teams TO reader, PUBLIC"),
            [(AuthorizationChange, "grants select, insert on table app.users, app.teams to reader, public".into())]
        );
        assert_eq!(
            hits("privileges", "REVOKE ALL ON ALL TABLES IN SCHEMA app FROM intern"),
            [(AuthorizationChange, "revokes all on every table in schema app from intern".into())]
        );
        assert_eq!(
            hits("privileges", "ALTER DEFAULT PRIVILEGES IN SCHEMA app GRANT SELECT ON TABLES TO reader"),
            [(
                AuthorizationChange,
                "ALTER DEFAULT PRIVILEGES: objects created later grants select on tables to reader".into()
            )]
        );
        assert_eq!(
            hits("privileges", "ALTER TABLE app.users OWNER TO admin")[0].1,
            "OWNER TO admin: admin gets every privilege on app.users, and the old owner loses them"
        );
        assert_eq!(hits("privileges", "ALTER SCHEMA app OWNER TO admin").len(), 1);
        assert_eq!(
            hits("privileges", "GRANT admin TO bob"),
            [(AuthorizationChange, "grants membership in admin to bob".into())]
        );
    }

    #[test]
    fn near_misses() {
        assert!(hits("privileges", "ALTER TABLE app.users RENAME TO people").is_empty());
        assert!(hits("privileges", "COMMENT ON TABLE app.users IS 'grant access to staff'").is_empty());
    }
}
