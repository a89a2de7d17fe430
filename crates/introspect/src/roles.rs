//! Managed roles and their memberships (`[roles] manage`): cluster-wide facts, read with the
//! same queries from a live server and from a shadow, where the engine runs them inside the
//! transaction that declared the roles (see `schemactl_engine`'s roles module).

use crate::{Error, Result};
use schemactl_model::{Membership, Role, Scope};
use tokio_postgres::{Client, Row};

/// One row per managed role. `rolvaliduntil` is printed in UTC, so the session's time zone
/// does not show up as a difference.
pub const ROLES: &str = concat!(
    r#"
SELECT r.rolname::text, r.rolsuper, r.rolinherit, r.rolcreaterole, r.rolcreatedb, r.rolcanlogin, r.rolreplication,
       r.rolbypassrls, r.rolconnlimit,
       CASE WHEN r.rolvaliduntil IS NULL OR NOT isfinite(r.rolvaliduntil) THEN NULL
            ELSE to_char(r.rolvaliduntil AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS') || '+00' END,
       COALESCE((SELECT s.setconfig FROM pg_db_role_setting s WHERE s.setrole = r.oid AND s.setdatabase = 0),
                '{}'::text[]),
       shobj_description(r.oid, 'pg_authid')
FROM pg_roles r WHERE "#,
    managed_role!("r.oid"),
    "\n"
);

/// One row per (role, managed member): role, member, admin option, and on PostgreSQL 16+ the
/// inherit and set options (several grantors may grant the same membership; their options
/// are combined, as the member gets them).
pub const MEMBERSHIPS: &str = concat!(
    r#"
SELECT pg_get_userbyid(m.roleid)::text, pg_get_userbyid(m.member)::text, bool_or(m.admin_option),
       "#,
    since!(160000, "bool_or(m.inherit_option), bool_or(m.set_option)", "NULL::bool, NULL::bool"),
    r#"
FROM pg_auth_members m WHERE "#,
    managed_role!("m.member"),
    r#"
GROUP BY 1, 2
"#
);

pub fn role(r: &Row) -> Role {
    let settings: Vec<String> = r.get(10);
    Role {
        name: r.get(0),
        superuser: r.get(1),
        inherit: r.get(2),
        create_role: r.get(3),
        create_db: r.get(4),
        login: r.get(5),
        replication: r.get(6),
        bypass_rls: r.get(7),
        connection_limit: r.get(8),
        valid_until: r.get(9),
        settings: settings.into_iter().collect(),
        comment: r.get(11),
    }
}

pub fn membership(r: &Row) -> Membership {
    Membership { role: r.get(0), member: r.get(1), admin: r.get(2), inherit: r.get(3), set: r.get(4) }
}

/// Reads the managed roles and memberships inside the caller's open transaction (the scope's
/// settings are set local to it), with the same queries a live read uses.
pub async fn read_roles_in_transaction(client: &Client, scope: &Scope) -> Result<(Vec<Role>, Vec<Membership>)> {
    let version = crate::read::server_version(client).await?;
    let server = version.to_string();
    let q = |what: &'static str| {
        let server = server.clone();
        move |source| Error::Query { what, server, source }
    };
    client.batch_execute(&crate::scope::scope_settings(scope)).await.map_err(q("scope settings"))?;
    let roles = client.query(&crate::version::resolve(ROLES, version.num), &[]).await.map_err(q("roles"))?;
    let members =
        client.query(&crate::version::resolve(MEMBERSHIPS, version.num), &[]).await.map_err(q("role memberships"))?;
    Ok((roles.iter().map(role).collect(), members.iter().map(membership).collect()))
}
