//! What a new database already holds. A dump declares the difference between the source
//! catalog and this, so that loading the dump into a new database (a shadow) gives the source
//! catalog back: `public` and `plpgsql` are never declared unless they were changed.

use schemactl_model::{Catalog, Extension, Grant, GrantTarget, ObjKey, Schema};

/// The catalog of a database just created from `template0` on a server of version
/// `server_version_num` (`150004`), as schemactl reads it. The session role is the source's:
/// objects a dump creates are created by whoever loads it.
pub fn fresh_catalog(source: &Catalog, server_version_num: i32) -> Catalog {
    let mut fresh = Catalog { session_role: source.session_role.clone(), ..Catalog::default() };
    fresh
        .schemas
        .insert("public".into(), Schema { name: "public".into(), comment: Some("standard public schema".into()) });
    fresh.extensions.insert(
        "plpgsql".into(),
        Extension {
            name: "plpgsql".into(),
            schema: "pg_catalog".into(),
            version: "1.0".into(),
            comment: Some("PL/pgSQL procedural language".into()),
        },
    );
    // PostgreSQL 15 took CREATE on `public` away from PUBLIC (and gave the schema to
    // pg_database_owner, whose own privileges are the owner's and not read).
    let privileges: &[&str] = if server_version_num >= 150000 { &["USAGE"] } else { &["USAGE", "CREATE"] };
    for privilege in privileges {
        fresh.grants.insert(Grant {
            target: GrantTarget {
                key: ObjKey::Schema { name: "public".into() },
                kind: "SCHEMA".into(),
                name: "public".into(),
            },
            column: None,
            grantee: "PUBLIC".into(),
            privilege: (*privilege).into(),
            grantable: false,
        });
    }
    // What the scope left out of the source is left out of a new database too: a dump in the
    // scope of `--schema app` does not declare that `public` is missing.
    let left_out = |kind: &str, name: &str| source.left_out.iter().any(|l| l.kind == kind && l.name == name);
    if left_out("schema", "public") {
        fresh.schemas.remove("public");
        fresh.grants.retain(|g| g.target.key != ObjKey::Schema { name: "public".into() });
    }
    if left_out("extension", "plpgsql") {
        fresh.extensions.remove("plpgsql");
    }
    fresh
}
