use crate::{depend, foreign, grants, objects, objects_more, queries, roles, unmanaged, version};
use crate::{Error, Result};
use futures_util::TryStreamExt;
use schemactl_model::*;
use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
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
    // The queries are independent: issuing them together lets tokio-postgres pipeline them.
    // Each one's rows are turned into model values as they arrive (`stream`), so that no
    // query's result is ever held as rows: at 5000 tables the rows of both sides of a diff,
    // buffered, were most of the peak memory (a row keeps its wire bytes and a range per
    // field). All are awaited, not the first failure: after one query fails, the later ones
    // only say "current transaction is aborted", and whichever is polled first must not hide
    // the cause.
    let v = version.num;
    let sql = |text: &str| version::resolve(text, v);
    let raw = |r: Row| r;
    let (
        (schemas, extensions, enums, sequences, tables, columns, column_types, column_comments),
        (constraints, indexes, ext_types, casts, views, view_indexes, routines, triggers, policies),
        (composites, domains, aggregates, collations, ranges, statistics, rules, event_triggers),
        (
            publications,
            wrappers,
            servers,
            foreign_tables,
            dependency_edges,
            dependency_names,
            unmanaged_rows,
            grant_rows,
        ),
        (default_privilege_rows, session_role, left_out_rows, owner_rows, role_rows, membership_rows),
    ) = futures_util::join!(
        async {
            futures_util::join!(
                stream(client, sql(queries::SCHEMAS), raw),
                stream(client, sql(queries::EXTENSIONS), raw),
                stream(client, sql(queries::ENUMS), raw),
                stream(client, sql(queries::SEQUENCES), raw),
                stream(client, sql(queries::TABLES), raw),
                // Grouped by table as they arrive: one flat vector of 87,000 columns, grown by
                // doubling, was the largest allocation of a read at 5000 tables. A table's
                // vector is cut to its length once the next table's rows start (the scan
                // returns a table's columns together, as CREATE TABLE wrote them): the room
                // doubling left in each was the peak of a read. Once per table: should a plan
                // ever interleave tables, cutting again at every switch would copy each vector
                // over and over.
                fold(
                    client,
                    sql(queries::COLUMNS),
                    (BTreeMap::new(), None, Interner::default(), std::collections::BTreeSet::new()),
                    |(tables, last, names, cut): &mut ColumnFold, r| {
                        let column = read_column(&r, names);
                        if *last != Some(column.rel) {
                            if let Some(rel) = *last {
                                if cut.insert(rel) {
                                    tables.get_mut(&rel).into_iter().for_each(Vec::shrink_to_fit);
                                }
                            }
                            *last = Some(column.rel);
                        }
                        tables.entry(column.rel).or_default().push(column);
                    }
                ),
                stream(client, sql(queries::COLUMN_TYPES), |r| {
                    let key = (r.get::<_, u32>(0), r.get::<_, i32>(1), r.get::<_, u32>(2));
                    let type_ref =
                        r.get::<_, Option<String>>(5).map(|s| Arc::new(QualName::new(s, r.get::<_, String>(6))));
                    let printed = ColumnType {
                        data_type: r.get::<_, &str>(3).into(),
                        base_type: r.get::<_, &str>(4).into(),
                        type_ref,
                        collation: r.get(7),
                    };
                    (key, printed)
                }),
                stream(client, sql(queries::COLUMN_COMMENTS), |r| {
                    ((r.get::<_, u32>(0), r.get::<_, i16>(1)), r.get::<_, String>(2))
                }),
            )
        },
        async {
            futures_util::join!(
                stream(client, sql(queries::CONSTRAINTS), |r| read_constraint(&r)),
                stream(client, sql(queries::INDEXES), |r| (qual(&r, 0, 1), read_index(&r))),
                stream(client, sql(queries::EXTENSION_TYPES), raw),
                stream(client, sql(queries::ASSIGNMENT_CASTS), raw),
                stream(client, sql(objects::VIEWS), |r| objects::view(&r)),
                stream(client, sql(objects::VIEW_INDEXES), |r| objects::view_index(&r)),
                stream(client, sql(objects::ROUTINES), |r| objects::routine(&r)),
                stream(client, sql(objects::TRIGGERS), |r| objects::trigger(&r)),
                stream(client, sql(objects::POLICIES), |r| objects::policy(&r)),
            )
        },
        async {
            futures_util::join!(
                stream(client, sql(objects::COMPOSITE_TYPES), raw),
                stream(client, sql(objects::DOMAINS), raw),
                stream(client, sql(objects_more::AGGREGATES), raw),
                stream(client, sql(objects_more::COLLATIONS), raw),
                stream(client, sql(objects_more::RANGE_TYPES), raw),
                stream(client, sql(objects_more::STATISTICS), raw),
                stream(client, sql(objects_more::RULES), raw),
                stream(client, sql(objects_more::EVENT_TRIGGERS), raw),
            )
        },
        async {
            futures_util::join!(
                stream(client, sql(objects_more::PUBLICATIONS), raw),
                stream(client, sql(foreign::WRAPPERS), raw),
                stream(client, sql(foreign::SERVERS), raw),
                stream(client, sql(foreign::FOREIGN_TABLES), raw),
                stream(client, sql(depend::EDGES), |r| depend::address_pair(&r)),
                stream(client, sql(depend::NAMES), |r| depend::named(&r)),
                stream(client, sql(unmanaged::UNMANAGED), |r| {
                    format!("{} {}", r.get::<_, String>(0), r.get::<_, String>(1))
                }),
                stream(client, sql(grants::GRANTS), |r| grants::grant(&r)),
            )
        },
        async {
            futures_util::join!(
                stream(client, sql(grants::DEFAULT_PRIVILEGES), |r| grants::default_privilege(&r)),
                stream(client, sql(grants::SESSION_ROLE), |r| r.get::<_, String>(0)),
                stream(client, sql(crate::scope::LEFT_OUT), raw),
                // Owners are read for managed roles only: without any, the query can match
                // nothing, and it was one of the slowest (0.8 s a side at 20,000 tables).
                async {
                    match scope.manages_roles() {
                        true => stream(client, sql(grants::OWNERS), |r| grants::owner(&r)).await,
                        false => Ok(Vec::new()),
                    }
                },
                stream(client, sql(roles::ROLES), |r| roles::role(&r)),
                stream(client, sql(roles::MEMBERSHIPS), |r| roles::membership(&r)),
            )
        },
    );
    // Constraint columns are named from the columns read, in the same snapshot: the few that
    // COLUMNS did not read cost one more query, before the snapshot ends.
    let (mut columns, mut constraints) = (columns.map(|(tables, ..)| tables), constraints);
    let mut named = Ok(());
    if let (Ok(columns), Ok(constraints)) = (&mut columns, &mut constraints) {
        named = name_constraint_columns(client, columns, constraints).await;
    }
    let end = client.batch_execute("COMMIT").await.map_err(q("snapshot"));
    let aborted = |e: &tokio_postgres::Error| e.code() == Some(&SqlState::IN_FAILED_SQL_TRANSACTION);
    // In the order the queries were sent: the first failure that is not a consequence of an
    // earlier one, else the first failure.
    macro_rules! first_failure {
        ($($var:ident: $what:literal),* $(,)?) => {
            $(
                if matches!(&$var, Err(e) if !aborted(e)) {
                    if let Err(e) = $var {
                        return Err(q($what)(e));
                    }
                }
            )*
            $(let $var = $var.map_err(q($what))?;)*
        };
    }
    first_failure!(
        schemas: "schemas", extensions: "extensions", enums: "enum types", sequences: "sequences",
        tables: "tables", columns: "columns", column_types: "column types",
        column_comments: "column comments", constraints: "constraints", indexes: "indexes",
        ext_types: "extension types", casts: "casts", views: "views",
        view_indexes: "materialized view indexes", routines: "functions", triggers: "triggers",
        policies: "policies", composites: "composite types", domains: "domains",
        aggregates: "aggregates", collations: "collations", ranges: "range types",
        statistics: "extended statistics", rules: "rules", event_triggers: "event triggers",
        publications: "publications", wrappers: "foreign-data wrappers", servers: "foreign servers",
        foreign_tables: "foreign tables", dependency_edges: "dependencies",
        dependency_names: "names of dependencies",
        unmanaged_rows: "unmanaged objects", grant_rows: "privileges",
        default_privilege_rows: "default privileges", session_role: "session role",
        left_out_rows: "objects out of scope", owner_rows: "owners", role_rows: "roles",
        membership_rows: "role memberships",
    );
    named.map_err(q("constraint columns"))?;
    end?;

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
    let mut table_names: BTreeMap<u32, QualName> = BTreeMap::new();
    for r in &tables {
        let name = qual(r, 0, 1);
        table_names.insert(r.get(10), name.clone());
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
            constraints: NamedMap::new(),
            indexes: NamedMap::new(),
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
    let types: BTreeMap<(u32, i32, u32), ColumnType> = column_types.into_iter().collect();
    let mut comments: BTreeMap<(u32, i16), String> = column_comments.into_iter().collect();
    for (rel, mut rows) in columns {
        // The table of a column is always read (same scope), unless it belongs to an extension.
        let Some(name) = table_names.get(&rel) else { continue };
        let Some(table) = catalog.tables.get_mut(name) else { continue };
        rows.sort_by_key(|row| row.attnum);
        // Exactly as long as the table: the vector the rows arrived in has the capacity it grew to.
        table.columns = Vec::with_capacity(rows.len());
        for ColumnRow { mut column, attnum, type_key, rel } in rows {
            let Some(printed) = types.get(&type_key) else { continue };
            column.data_type = printed.data_type.clone();
            column.base_type = printed.base_type.clone();
            column.type_ref.clone_from(&printed.type_ref);
            column.collation.clone_from(&printed.collation);
            column.comment = comments.remove(&(rel, attnum));
            // Only a name PostgreSQL would not have picked is kept: the same column then reads
            // the same on every major, and plans state names only where they matter (pg_dump
            // does too).
            if column.not_null_name.as_ref().is_some_and(|n| *n == Column::default_not_null_name(name, &column.name)) {
                column.not_null_name = None;
            }
            table.columns.push(column);
        }
    }
    for ConstraintRow { rel, constraint, .. } in constraints {
        if let Some(table) = table_names.get(&rel).and_then(|name| catalog.tables.get_mut(name)) {
            table.constraints.insert(constraint.name.clone(), constraint);
        }
    }
    for (table, index) in indexes {
        if let Some(table) = catalog.tables.get_mut(&table) {
            table.indexes.insert(index.name.clone(), index);
        }
    }
    for r in &ext_types {
        catalog.extension_types.insert(qual(r, 0, 1), r.get(2));
    }
    for r in &casts {
        catalog.assignment_casts.insert((r.get(0), r.get(1)));
    }
    let definitions = views
        .into_iter()
        .chain(view_indexes)
        .chain(routines)
        .chain(triggers)
        .chain(policies)
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
    catalog.unmanaged.extend(unmanaged_rows);
    catalog.dependencies = depend::edges(dependency_edges, dependency_names);
    catalog.grants.extend(grant_rows);
    catalog.default_privileges.extend(default_privilege_rows);
    catalog.session_role = session_role.into_iter().next().unwrap_or_default();
    catalog.left_out = crate::scope::left_out(scope, &left_out_rows);
    for owner in owner_rows {
        catalog.owners.insert(owner.target.key.clone(), owner);
    }
    for role in role_rows {
        catalog.roles.insert(role.name.clone(), role);
    }
    catalog.memberships.extend(membership_rows);
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

/// A column without what other queries give: its type, collation and comment. Its NOT NULL
/// constraint's name is kept whatever it is, until the table's name is known.
fn read_column(r: &Row, names: &mut Interner) -> ColumnRow {
    let identity: String = r.get(7);
    let generated: String = r.get(8);
    let expr: Option<String> = r.get(6);
    let virtual_generated = generated == "v";
    let (default, generated) = if generated.is_empty() { (expr, None) } else { (None, expr) };
    let identity = (!identity.is_empty()).then(|| {
        Box::new(Identity {
            always: identity == "a",
            sequence: QualName::new(r.get::<_, String>(18), r.get::<_, String>(19)),
            options: SequenceOptions {
                data_type: r.get(9),
                start: r.get(10),
                increment: r.get(11),
                min_value: r.get(12),
                max_value: r.get(13),
                cache: r.get(14),
                cycle: r.get(15),
            },
        })
    });
    let seq_schemas: Option<Vec<String>> = r.get(16);
    let seq_names: Option<Vec<String>> = r.get(17);
    let default_sequences = seq_schemas
        .unwrap_or_default()
        .into_iter()
        .zip(seq_names.unwrap_or_default())
        .map(|(s, n)| QualName::new(s, n))
        .collect();
    let column = Column {
        name: names.get(r.get(1)),
        data_type: Arc::from(""),
        base_type: Arc::from(""),
        type_ref: None,
        collation: None,
        not_null: r.get(5),
        default,
        default_sequences,
        identity,
        generated,
        comment: None,
        local: r.get(20),
        inherited: r.get(21),
        generated_virtual: virtual_generated,
        not_null_name: r.get(23),
        not_null_not_valid: r.get(24),
        not_null_no_inherit: r.get(25),
    };
    ColumnRow { column, attnum: r.get(22), type_key: (r.get(2), r.get(3), r.get(4)), rel: r.get(0) }
}

fn read_constraint(r: &Row) -> ConstraintRow {
    let kind = match r.get::<_, String>(2).as_str() {
        "p" => ConstraintKind::PrimaryKey,
        "u" => ConstraintKind::Unique,
        "f" => ConstraintKind::ForeignKey,
        "x" => ConstraintKind::Exclusion,
        _ => ConstraintKind::Check,
    };
    let definition: String = r.get(3);
    // Validation is tracked separately so that "same constraint, now validated" is one VALIDATE.
    let definition = definition.strip_suffix(" NOT VALID").map(str::to_string).unwrap_or(definition);
    let foreign = r.get::<_, Option<String>>(6).map(|schema| {
        Box::new(ForeignKeyTarget {
            table: QualName::new(schema, r.get::<_, String>(7)),
            columns: Vec::new(),
            key: r.get(10),
        })
    });
    let constraint = Constraint {
        name: r.get(1),
        kind,
        definition,
        columns: Vec::new(),
        foreign,
        validated: r.get(4),
        comment: r.get(11),
        inherited: r.get(12),
    };
    ConstraintRow {
        rel: r.get(0),
        constraint,
        keys: r.get::<_, Option<Vec<i16>>>(5).unwrap_or_default(),
        foreign_rel: r.get(8),
        foreign_keys: r.get::<_, Option<Vec<i16>>>(9).unwrap_or_default(),
    }
}

/// A CONSTRAINTS row: the constraint, its table's OID, and its columns and those it
/// references as numbers, until they are named.
struct ConstraintRow {
    rel: u32,
    constraint: Constraint,
    keys: Vec<i16>,
    foreign_rel: u32,
    foreign_keys: Vec<i16>,
}

/// Names the columns of every constraint from the columns read (sorted by number here), and
/// those of tables COLUMNS did not read with one more query.
async fn name_constraint_columns(
    client: &Client,
    columns: &mut BTreeMap<u32, Vec<ColumnRow>>,
    constraints: &mut [ConstraintRow],
) -> std::result::Result<(), tokio_postgres::Error> {
    for rows in columns.values_mut() {
        rows.sort_by_key(|row| row.attnum);
    }
    let read = |rel: u32, attnum: i16| {
        let rows = columns.get(&rel)?;
        rows.binary_search_by_key(&attnum, |row| row.attnum).ok().map(|at| rows[at].column.name.to_string())
    };
    let mut other: BTreeMap<(u32, i16), String> = BTreeMap::new();
    let unread: Vec<u32> = constraints
        .iter()
        .flat_map(|c| {
            let own = c.keys.iter().map(|&n| (c.rel, n));
            own.chain(c.foreign_keys.iter().map(|&n| (c.foreign_rel, n)))
        })
        .filter(|&(rel, attnum)| read(rel, attnum).is_none())
        .map(|(rel, _)| rel)
        .collect::<std::collections::BTreeSet<u32>>()
        .into_iter()
        .collect();
    if !unread.is_empty() {
        for r in client.query(queries::ATTRIBUTE_NAMES, &[&unread]).await? {
            other.insert((r.get(0), r.get(1)), r.get(2));
        }
    }
    let name = |rel: u32, attnum: i16| read(rel, attnum).or_else(|| other.get(&(rel, attnum)).cloned());
    for c in constraints.iter_mut() {
        // A number no column has (none should) is left out, as a join would.
        c.constraint.columns = c.keys.iter().filter_map(|&n| name(c.rel, n)).collect();
        if let Some(foreign) = &mut c.constraint.foreign {
            foreign.columns = c.foreign_keys.iter().filter_map(|&n| name(c.foreign_rel, n)).collect();
        }
    }
    Ok(())
}

/// COLUMNS folded as it streams: columns by table OID, the table of the last row, the column
/// names read so far, and the tables whose vectors were cut to length.
type ColumnFold = (BTreeMap<u32, Vec<ColumnRow>>, Option<u32>, Interner, std::collections::BTreeSet<u32>);

/// One shared copy of each distinct column name. The same few hundred names (`id`,
/// `created_at`) recur across thousands of tables, and a string of its own per column cost
/// more in the allocator's per-block overhead than in the text itself.
#[derive(Default)]
struct Interner(std::collections::BTreeSet<Arc<str>>);

impl Interner {
    fn get(&mut self, text: &str) -> Arc<str> {
        if let Some(shared) = self.0.get(text) {
            return shared.clone();
        }
        let shared: Arc<str> = Arc::from(text);
        self.0.insert(shared.clone());
        shared
    }
}

/// A COLUMNS row: the column, where it goes, and the keys of its type and comment.
struct ColumnRow {
    column: Column,
    attnum: i16,
    /// (type, modifier, collation), as COLUMN_TYPES prints them.
    type_key: (u32, i32, u32),
    /// The table's OID (`attrelid`).
    rel: u32,
}

/// A COLUMN_TYPES row.
struct ColumnType {
    data_type: Arc<str>,
    base_type: Arc<str>,
    type_ref: Option<Arc<QualName>>,
    collation: Option<String>,
}

/// Runs `sql` and turns each row into a value with `f` as it arrives, never holding the rows.
/// Boxed: the 38 query futures joined inline made one future too large for a 2 MiB thread
/// stack in unoptimized builds.
fn stream<'a, T: Send + 'a>(
    client: &'a Client,
    sql: String,
    mut f: impl FnMut(Row) -> T + Send + 'a,
) -> Pin<Box<dyn Future<Output = std::result::Result<Vec<T>, tokio_postgres::Error>> + Send + 'a>> {
    fold(client, sql, Vec::new(), move |values, row| values.push(f(row)))
}

/// [`stream`] into any collection: `f` adds each row to `into` as it arrives.
fn fold<'a, A: Send + 'a>(
    client: &'a Client,
    sql: String,
    mut into: A,
    mut f: impl FnMut(&mut A, Row) + Send + 'a,
) -> Pin<Box<dyn Future<Output = std::result::Result<A, tokio_postgres::Error>> + Send + 'a>> {
    Box::pin(async move {
        let no_params: [&(dyn tokio_postgres::types::ToSql + Sync); 0] = [];
        let rows = client.query_raw(sql.as_str(), no_params).await?;
        futures_util::pin_mut!(rows);
        while let Some(row) = rows.try_next().await? {
            f(&mut into, row);
        }
        Ok(into)
    })
}

fn read_index(r: &Row) -> Index {
    let definition: String = r.get(3);
    Index {
        name: r.get(2),
        // A partitioned table's index reads `ON ONLY`, which would create it without the
        // partitions' indexes: planned, it is created on the whole tree.
        definition: definition.replacen(" ON ONLY ", " ON ", 1),
        unique: r.get(4),
        comment: r.get(5),
        inherited: r.get(6),
        valid: r.get(7),
    }
}
