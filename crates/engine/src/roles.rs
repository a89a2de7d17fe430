//! Roles as desired state (`[roles] manage`). Roles are cluster-wide, while every state a
//! command reads (the revisions' state, schema/, a copy to re-plan on) is a database of one
//! shadow cluster: loading `CREATE ROLE app` twice would fail, and a role one state created
//! would show up in the others. So role statements do not load with the rest. Each state runs
//! its own in a transaction on its shadow database: the managed roles that already exist in the
//! cluster (placeholders the load created, the dev server's own) are renamed out of the way,
//! the statements run, the roles are read with the very queries a live read uses, and the
//! transaction is rolled back. The cluster is left as it was, even a `--dev-url` server.

use crate::error::{Error, Result};
use crate::{Engine, Source};
use schemactl_model::{Membership, Role};
use schemactl_source::Statement;
use std::sync::atomic::{AtomicU64, Ordering};
use tokio_postgres::Client;

/// Within one process, one role transaction at a time: two would wait on each other's
/// renames of the same roles.
static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());
static PARKED: AtomicU64 = AtomicU64::new(0);

/// The error SQLSTATE PostgreSQL gives for a role that does not exist (yet).
const UNDEFINED_OBJECT: &str = "42704";

impl Engine {
    /// Takes the role statements out of a source. Schema files may hold them only when the
    /// project manages roles, and only for managed roles. A script (revisions, the state
    /// cache) keeps them in place when roles are not managed: a hand-written revision that
    /// creates a role runs as written.
    pub(crate) fn split_roles(&self, source: &Source) -> Result<(Vec<Statement>, Option<Source>)> {
        let (statements, files) = match source {
            Source::Files { statements } => (statements, true),
            Source::Script { statements } => (statements, false),
            Source::Empty | Source::Database(_) => return Ok((Vec::new(), None)),
        };
        let manages = self.scope().manages_roles();
        if !files && !manages {
            return Ok((Vec::new(), None));
        }
        let mut roles = Vec::new();
        let mut rest = Vec::new();
        for statement in statements {
            let Some(declared) = schemactl_source::declared_roles(statement) else {
                rest.push(statement.clone());
                continue;
            };
            if files && !manages {
                return Err(Error::Roles {
                    at: statement.location(),
                    message: "roles are cluster-wide, and this project does not manage any: list the roles it \
                              owns in schemactl.toml (`[roles]` / `manage = [\"app_*\"]`) to declare them here"
                        .into(),
                });
            }
            if let Some(other) = declared.iter().find(|r| files && !self.scope().manages_role(r)) {
                return Err(Error::Roles {
                    at: statement.location(),
                    message: format!(
                        "role {other} is not one the project manages (`[roles] manage` in schemactl.toml), so \
                         what this statement declares about it would be ignored: add it there, or leave the \
                         statement out"
                    ),
                });
            }
            roles.push(statement.clone());
        }
        let rest = match source {
            Source::Files { .. } => Source::Files { statements: rest },
            _ => Source::Script { statements: rest },
        };
        Ok((roles, Some(rest)))
    }

    /// Sets a shadow catalog's roles to those `declared` (nothing when roles are not managed).
    pub(crate) async fn read_declared_roles(
        &self,
        catalog: &mut schemactl_model::Catalog,
        client: &Client,
        declared: &[Statement],
        create_roles: bool,
    ) -> Result<()> {
        if self.scope().manages_roles() {
            let (roles, memberships) = self.declared_roles(client, declared, create_roles).await?;
            catalog.roles = roles.into_iter().map(|r| (r.name.clone(), r)).collect();
            catalog.memberships = memberships.into_iter().collect();
        }
        Ok(())
    }

    /// Runs a script (a plan, a revision's section) on a shadow database the way a source is
    /// loaded: when roles are managed, its role statements are not run but added to
    /// `declared`, for [`Engine::read_declared_roles`].
    pub(crate) async fn run_script_on_shadow(
        &self,
        client: &Client,
        statements: &[Statement],
        create_roles: bool,
        declared: &mut Vec<Statement>,
    ) -> std::result::Result<(), schemactl_shadow::Error> {
        if !self.scope().manages_roles() {
            return schemactl_shadow::run_script(client, statements, create_roles).await;
        }
        let (roles, rest): (Vec<Statement>, Vec<Statement>) =
            statements.iter().cloned().partition(|s| schemactl_source::declared_roles(s).is_some());
        declared.extend(roles);
        schemactl_shadow::run_script(client, &rest, create_roles).await
    }

    /// The managed roles and memberships that `statements` declare, on an otherwise empty
    /// cluster (see the module documentation). `create_roles`: other roles they name are
    /// created (`NOLOGIN`, rolled back with the rest), as an embedded shadow does on load.
    pub(crate) async fn declared_roles(
        &self,
        client: &Client,
        statements: &[Statement],
        create_roles: bool,
    ) -> Result<(Vec<Role>, Vec<Membership>)> {
        let _turn = ONE_AT_A_TIME.lock().await;
        let db = |context: &str| {
            let context = context.to_string();
            move |e: tokio_postgres::Error| Error::Database { context, message: describe(&e) }
        };
        client.batch_execute("BEGIN").await.map_err(db("starting the roles transaction"))?;
        let result = self.declare(client, statements, create_roles).await;
        let rollback = client.batch_execute("ROLLBACK").await.map_err(db("rolling the roles transaction back"));
        let read = result?;
        rollback?;
        Ok(read)
    }

    async fn declare(
        &self,
        client: &Client,
        statements: &[Statement],
        create_roles: bool,
    ) -> Result<(Vec<Role>, Vec<Membership>)> {
        let regex = self.scope().server().roles;
        let existing = client
            .query(
                "SELECT rolname::text FROM pg_catalog.pg_roles WHERE oid >= 16384 AND rolname ~ $1 ORDER BY 1",
                &[&regex],
            )
            .await
            .map_err(|e| Error::Database { context: "listing the shadow's roles".into(), message: describe(&e) })?;
        for row in &existing {
            let name: String = row.get(0);
            let parked = format!("schemactl_parked_{}_{}", std::process::id(), PARKED.fetch_add(1, Ordering::Relaxed));
            let sql = format!(
                "ALTER ROLE {} RENAME TO {}",
                schemactl_sqltext::ident(&name),
                schemactl_sqltext::ident(&parked)
            );
            client.batch_execute(&sql).await.map_err(|e| Error::Database {
                context: format!(
                    "setting the shadow's role {name} aside to read what the schema declares about it (is it the \
                     shadow's own user? then `[roles] manage` must not name it)"
                ),
                message: describe(&e),
            })?;
        }
        // File order first; a statement naming a role declared further on waits for a later pass.
        let mut pending: Vec<&Statement> = statements.iter().collect();
        while !pending.is_empty() {
            let mut deferred = Vec::new();
            let mut first_missing = None;
            for statement in &pending {
                let create = |role: &str| create_roles && !self.scope().manages_role(role);
                match run(client, statement, &create).await? {
                    Ok(()) => {}
                    Err(e) if e.code().is_some_and(|c| c.code() == UNDEFINED_OBJECT) => {
                        first_missing.get_or_insert((statement.location(), describe(&e)));
                        deferred.push(*statement);
                    }
                    Err(e) => return Err(Error::Roles { at: statement.location(), message: describe(&e) }),
                }
            }
            if deferred.len() == pending.len() {
                if let Some((at, message)) = first_missing {
                    return Err(Error::Roles { at, message });
                }
            }
            pending = deferred;
        }
        let (roles, memberships) = schemactl_introspect::read_roles_in_transaction(client, self.scope()).await?;
        Ok((roles, memberships))
    }
}

/// Runs one statement under a savepoint, so that its failure leaves the transaction usable.
/// The outer error is the connection's; the inner one the statement's.
async fn run(
    client: &Client,
    statement: &Statement,
    create: &dyn Fn(&str) -> bool,
) -> Result<std::result::Result<(), tokio_postgres::Error>> {
    let savepoint = |sql: &'static str| async move {
        client
            .batch_execute(sql)
            .await
            .map_err(|e| Error::Database { context: "the roles transaction".into(), message: describe(&e) })
    };
    // A statement may name several missing roles: one creation per attempt.
    let mut attempts = 0;
    loop {
        attempts += 1;
        savepoint("SAVEPOINT schemactl_role").await?;
        match client.batch_execute(&statement.sql).await {
            Ok(()) => {
                savepoint("RELEASE SAVEPOINT schemactl_role").await?;
                return Ok(Ok(()));
            }
            Err(e) => {
                savepoint("ROLLBACK TO SAVEPOINT schemactl_role").await?;
                // A role the project does not manage (one granted to a managed role, say) is
                // created as the embedded shadow's load would, then the statement runs again.
                let missing = e.as_db_error().and_then(|d| {
                    let rest = d.message().strip_prefix("role \"")?;
                    rest.strip_suffix("\" does not exist").map(str::to_string)
                });
                match missing {
                    Some(role) if attempts < 16 && create(&role) => {
                        let create = format!("CREATE ROLE {} NOLOGIN", schemactl_sqltext::quoted_ident(&role));
                        if client.batch_execute(&create).await.is_err() {
                            return Ok(Err(e));
                        }
                    }
                    _ => return Ok(Err(e)),
                }
            }
        }
    }
}

/// The server's message, with its detail, for a user.
fn describe(e: &tokio_postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => match db.detail() {
            Some(detail) => format!("{} ({detail})", db.message()),
            None => db.message().to_string(),
        },
        None => e.to_string(),
    }
}
