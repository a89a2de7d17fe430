use crate::{depend, foreign, grants, objects, objects_more, queries, roles, unmanaged, version};
use crate::{Error, Result};
use futures_util::future::join_all;
use schemactl_model::*;
use std::collections::BTreeMap;
use tokio_postgres::error::SqlState;
use tokio_postgres::{Client, Row};

/// Reads every managed object of the connected database, in the default scope (everything
/// but other migration tools' bookkeeping and schemactl's own schema).
pub async fn introspect(client: &Client) -> Result<Catalog> {
    introspect_scoped(client, &Scope::default()).await
}

/// Reads the objects of the connected database that `scope` manages. The scope prunes in the
/// catalog queries themselves (see `scope.rs`); what it left out is listed in `left_out`.
pub async fn introspect_scoped(client: &Client, scope: &Scope) -> Result<Catalog> {
    let version = server_version(client).await?;
    let server = version.to_string();
    let q = |what: &'static str| {
        let server = server.clone();
        move |source| Error::Query { what, server, source }
    };
    // Both sides of a diff are read at once on the same machine, often the same server:
    // parallel workers would only compete with the other side's queries. The scope's
    // settings go in the same round trip, local to the snapshot's transaction.
    let begin = format!(
        "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; SET LOCAL search_path = pg_catalog; \
         SET LOCAL max_parallel_workers_per_gather = 0; {}",
        crate::scope::scope_settings(scope)
    );
    client.batch_execute(&begin).await.map_err(q("snapshot"))?;
    let queries: [(&str, &'static str); 38] = [
        (queries::SCHEMAS, "schemas"),
        (queries::EXTENSIONS, "extensions"),
        (queries::ENUMS, "enum types"),
        (queries::SEQUENCES, "sequences"),
        (queries::TABLES, "tables"),
        (queries::COLUMNS, "columns"),
        (queries::COLUMN_TYPES, "column types"),
        (queries::COLUMN_COMMENTS, "column comments"),
        (queries::CONSTRAINTS, "constraints"),
        (queries::INDEXES, "indexes"),
        (queries::EXTENSION_TYPES, "extension types"),
        (queries::ASSIGNMENT_CASTS, "casts"),
        (objects::VIEWS, "views"),
        (objects::VIEW_INDEXES, "materialized view indexes"),
        (objects::ROUTINES, "functions"),
        (objects::TRIGGERS, "triggers"),
        (objects::POLICIES, "policies"),
        (objects::COMPOSITE_TYPES, "composite types"),
        (objects::DOMAINS, "domains"),
        (objects_more::AGGREGATES, "aggregates"),
        (objects_more::COLLATIONS, "collations"),
        (objects_more::RANGE_TYPES, "range types"),
        (objects_more::STATISTICS, "extended statistics"),
        (objects_more::RULES, "rules"),
        (objects_more::EVENT_TRIGGERS, "event triggers"),
        (objects_more::PUBLICATIONS, "publications"),
        (foreign::WRAPPERS, "foreign-data wrappers"),
        (foreign::SERVERS, "foreign servers"),
        (foreign::FOREIGN_TABLES, "foreign tables"),
        (depend::DEPENDENCIES, "dependencies"),
        (unmanaged::UNMANAGED, "unmanaged objects"),
        (grants::GRANTS, "privileges"),
        (grants::DEFAULT_PRIVILEGES, "default privileges"),
        (grants::SESSION_ROLE, "session role"),
        (crate::scope::LEFT_OUT, "objects out of scope"),
        (grants::OWNERS, "owners"),
        (roles::ROLES, "roles"),
        (roles::MEMBERSHIPS, "role memberships"),
    ];
    let texts: Vec<String> = queries.iter().map(|(sql, _)| version::resolve(sql, version.num)).collect();
    // The queries are independent: issuing them together lets tokio-postgres pipeline them.
    // All are awaited, not the first failure: after one query fails, the later ones only say
    // "current transaction is aborted", and whichever is polled first must not hide the cause.
    let results = join_all(texts.iter().map(|sql| client.query(sql.as_str(), &[]))).await;
    let end = client.batch_execute("COMMIT").await.map_err(q("snapshot"));
    let aborted = |e: &tokio_postgres::Error| e.code() == Some(&SqlState::IN_FAILED_SQL_TRANSACTION);
    if let Some(first) = results.iter().position(|r| r.as_ref().is_err_and(|e| !aborted(e))) {
        let (_, what) = queries[first];
        if let Some(Err(e)) = results.into_iter().nth(first) {
            return Err(q(what)(e));
        }
        unreachable!("the result at {first} is an error");
    }
    let mut rows = Vec::with_capacity(results.len());
    for (result, (_, what)) in results.into_iter().zip(queries) {
        rows.push(result.map_err(q(what))?);
    }
    end?;
    let mut rows = rows.into_iter();
    let mut next = || rows.next().unwrap_or_default();
    let (schemas, extensions, enums, sequences, tables, columns, column_types, column_comments) =
        (next(), next(), next(), next(), next(), next(), next(), next());
    let (constraints, indexes) = (next(), next());
    let (ext_types, casts, views, view_indexes, routines, triggers, policies, composites, domains) =
        (next(), next(), next(), next(), next(), next(), next(), next(), next());
    let (aggregates, collations, ranges, statistics, rules, event_triggers, publications) =
        (next(), next(), next(), next(), next(), next(), next());
    let (wrappers, servers, foreign_tables, dependencies, unmanaged_rows, grant_rows) =
        (next(), next(), next(), next(), next(), next());
    let (default_privilege_rows, session_role, left_out_rows) = (next(), next(), next());
    let (owner_rows, role_rows, membership_rows) = (next(), next(), next());

    let mut catalog = Catalog::default();
    for r in &schemas {
        let name: String = r.get(0);
        catalog.schemas.insert(name.clone(), Schema { name, comment: r.get(1) });
    }
    for r in &extensions {
        let name: String = r.get(0);
        catalog
            .extensions
            .insert(name.clone(), Extension { name, schema: r.get(1), version: r.get(2), comment: r.get(3) });
    }
    for r in &enums {
        let name = qual(r, 0, 1);
        let kind = TypeKind::Enum { labels: r.get(2) };
        catalog.types.insert(name.clone(), TypeDef { name, kind, comment: r.get(3) });
    }
    for r in &sequences {
        let name = qual(r, 0, 1);
        let owned_by = r
            .get::<_, Option<String>>(9)
            .map(|schema| ColumnRef { table: QualName::new(schema, r.get::<_, String>(10)), column: r.get(11) });
        let options = SequenceOptions {
            data_type: r.get(2),
            start: r.get(3),
            increment: r.get(4),
            min_value: r.get(5),
            max_value: r.get(6),
            cache: r.get(7),
            cycle: r.get(8),
        };
        catalog.sequences.insert(name.clone(), Sequence { name, options, owned_by, comment: r.get(12) });
    }
    for r in &tables {
        let name = qual(r, 0, 1);
        let bound: Option<String> = r.get(7);
        let parent_schemas: Vec<String> = r.get(8);
        let parent_names: Vec<String> = r.get(9);
        let mut parents: Vec<QualName> =
            parent_schemas.into_iter().zip(parent_names).map(|(s, n)| QualName::new(s, n)).collect();
        let mut table = Table {
            name: name.clone(),
            unlogged: r.get(2),
            row_security: r.get(4),
            force_row_security: r.get(5),
            columns: Vec::new(),
            constraints: BTreeMap::new(),
            indexes: BTreeMap::new(),
            comment: r.get(3),
            partition_by: r.get(6),
            partition_of: None,
            inherits: Vec::new(),
        };
        match bound {
            Some(bound) if !parents.is_empty() => {
                table.partition_of = Some(PartitionOf { parent: parents.remove(0), bound });
            }
            _ => table.inherits = parents,
        }
        catalog.tables.insert(name, table);
    }
    let type_names: BTreeMap<(u32, i32), (String, String)> =
        column_types.iter().map(|r| ((r.get(0), r.get(1)), (r.get(2), r.get(3)))).collect();
    let mut numbered: BTreeMap<QualName, Vec<(i16, Column)>> = BTreeMap::new();
    let mut comments: BTreeMap<(u32, i16), String> =
        column_comments.iter().map(|r| ((r.get(0), r.get(1)), r.get(2))).collect();
    for r in &columns {
        let Some((data_type, base_type)) = type_names.get(&(r.get(3), r.get(4))) else { continue };
        let table = qual(r, 0, 1);
        let mut column = read_column(r, &table, data_type, base_type);
        column.comment = comments.remove(&(r.get(30), r.get(26)));
        numbered.entry(table).or_default().push((r.get(26), column));
    }
    for (name, mut cols) in numbered {
        if let Some(table) = catalog.tables.get_mut(&name) {
            cols.sort_by_key(|(attnum, _)| *attnum);
            table.columns = cols.into_iter().map(|(_, c)| c).collect();
        }
    }
    for r in &constraints {
        if let Some(table) = catalog.tables.get_mut(&qual(r, 0, 1)) {
            let c = read_constraint(r);
            table.constraints.insert(c.name.clone(), c);
        }
    }
    for r in &indexes {
        if let Some(table) = catalog.tables.get_mut(&qual(r, 0, 1)) {
            let name: String = r.get(2);
            let definition: String = r.get(3);
            // A partitioned table's index reads `ON ONLY`, which would create it without the
            // partitions' indexes: planned, it is created on the whole tree.
            let definition = definition.replacen(" ON ONLY ", " ON ", 1);
            let index = Index {
                name: name.clone(),
                definition,
                unique: r.get(4),
                comment: r.get(5),
                inherited: r.get(6),
                valid: r.get(7),
            };
            table.indexes.insert(name, index);
        }
    }
    for r in &ext_types {
        catalog.extension_types.insert(qual(r, 0, 1), r.get(2));
    }
    for r in &casts {
        catalog.assignment_casts.insert((r.get(0), r.get(1)));
    }
    let definitions = views
        .iter()
        .map(objects::view)
        .chain(view_indexes.iter().map(objects::view_index))
        .chain(routines.iter().map(objects::routine))
        .chain(triggers.iter().map(objects::trigger))
        .chain(policies.iter().map(objects::policy))
        .chain(composites.iter().map(objects::composite_type))
        .chain(domains.iter().map(objects::domain))
        .chain(aggregates.iter().map(objects_more::aggregate))
        .chain(collations.iter().map(objects_more::collation))
        .chain(ranges.iter().map(objects_more::range_type))
        .chain(statistics.iter().map(objects_more::statistics))
        .chain(rules.iter().map(objects_more::rule))
        .chain(event_triggers.iter().map(objects_more::event_trigger))
        .chain(publications.iter().map(objects_more::publication))
        .chain(foreign_tables.iter().map(foreign::foreign_table));
    for object in definitions {
        catalog.objects.insert(object.id.clone(), object);
    }
    let wrapper_parts = wrappers.iter().map(foreign::wrapper_parts);
    for (object, parts) in wrapper_parts.chain(servers.iter().map(foreign::server_parts)) {
        catalog.foreign.insert(object.id.clone(), parts);
        catalog.objects.insert(object.id.clone(), object);
    }
    for domain in domains.iter().map(objects_more::domain_parts) {
        catalog.domains.insert(domain.name.clone(), domain);
    }
    for composite in composites.iter().map(objects::composite_parts) {
        catalog.composites.insert(composite.name.clone(), composite);
    }
    catalog
        .unmanaged
        .extend(unmanaged_rows.iter().map(|r| format!("{} {}", r.get::<_, String>(0), r.get::<_, String>(1))));
    catalog.dependencies.extend(dependencies.iter().filter_map(depend::edge));
    catalog.grants.extend(grant_rows.iter().map(grants::grant));
    catalog.default_privileges.extend(default_privilege_rows.iter().map(grants::default_privilege));
    catalog.session_role = session_role.first().map(|r| r.get(0)).unwrap_or_default();
    catalog.left_out = crate::scope::left_out(scope, &left_out_rows);
    for owner in owner_rows.iter().map(grants::owner) {
        catalog.owners.insert(owner.target.key.clone(), owner);
    }
    for role in role_rows.iter().map(roles::role) {
        catalog.roles.insert(role.name.clone(), role);
    }
    catalog.memberships.extend(membership_rows.iter().map(roles::membership));
    Ok(catalog)
}

/// The version of the server `client` is connected to, which picks the queries' gated parts.
pub async fn server_version(client: &Client) -> Result<version::ServerVersion> {
    let row = client
        .query_one("SELECT current_setting('server_version_num')::int, current_setting('server_version')", &[])
        .await
        .map_err(|source| Error::Query { what: "server version", server: "the server".to_string(), source })?;
    let text: String = row.get(1);
    // `14.23 (Debian 14.23-1.pgdg120+1)`: the number is what a reader needs.
    let text = text.split_whitespace().next().unwrap_or_default().to_string();
    Ok(version::ServerVersion { num: row.get(0), text })
}

fn qual(r: &Row, schema: usize, name: usize) -> QualName {
    QualName::new(r.get::<_, String>(schema), r.get::<_, String>(name))
}

fn read_column(r: &Row, table: &QualName, data_type: &str, base_type: &str) -> Column {
    let identity: String = r.get(10);
    let generated: String = r.get(11);
    let name: String = r.get(2);
    // Only a name PostgreSQL would not have picked is kept: the same column then reads the
    // same on every major, and plans state names only where they matter (pg_dump does too).
    let not_null_name = r.get::<_, Option<String>>(27).filter(|n| *n != Column::default_not_null_name(table, &name));
    let expr: Option<String> = r.get(9);
    let virtual_generated = generated == "v";
    let (default, generated) = if generated.is_empty() { (expr, None) } else { (None, expr) };
    let identity = (!identity.is_empty()).then(|| Identity {
        always: identity == "a",
        sequence: QualName::new(r.get::<_, String>(22), r.get::<_, String>(23)),
        options: SequenceOptions {
            data_type: r.get(13),
            start: r.get(14),
            increment: r.get(15),
            min_value: r.get(16),
            max_value: r.get(17),
            cache: r.get(18),
            cycle: r.get(19),
        },
    });
    let seq_schemas: Vec<String> = r.get(20);
    let seq_names: Vec<String> = r.get(21);
    Column {
        name,
        data_type: data_type.to_string(),
        base_type: base_type.to_string(),
        type_ref: r.get::<_, Option<String>>(5).map(|s| QualName::new(s, r.get::<_, String>(6))),
        collation: r.get(7),
        not_null: r.get(8),
        default,
        default_sequences: seq_schemas.into_iter().zip(seq_names).map(|(s, n)| QualName::new(s, n)).collect(),
        identity,
        generated,
        comment: None, // from COLUMN_COMMENTS, by the caller
        local: r.get(24),
        inherited: r.get(25),
        generated_virtual: virtual_generated,
        not_null_name,
        not_null_not_valid: r.get(28),
        not_null_no_inherit: r.get(29),
    }
}

fn read_constraint(r: &Row) -> Constraint {
    let kind = match r.get::<_, String>(3).as_str() {
        "p" => ConstraintKind::PrimaryKey,
        "u" => ConstraintKind::Unique,
        "f" => ConstraintKind::ForeignKey,
        "x" => ConstraintKind::Exclusion,
        _ => ConstraintKind::Check,
    };
    let definition: String = r.get(4);
    // Validation is tracked separately so that "same constraint, now validated" is one VALIDATE.
    let definition = definition.strip_suffix(" NOT VALID").map(str::to_string).unwrap_or(definition);
    let foreign = r.get::<_, Option<String>>(7).map(|schema| ForeignKeyTarget {
        table: QualName::new(schema, r.get::<_, String>(8)),
        columns: r.get(9),
        key: r.get(10),
    });
    Constraint {
        name: r.get(2),
        kind,
        definition,
        columns: r.get(6),
        foreign,
        validated: r.get(5),
        comment: r.get(11),
        inherited: r.get(12),
    }
}
