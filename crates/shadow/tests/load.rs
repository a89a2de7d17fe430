//! Loading statements into a shadow database: the batch, the fallback and the error locations.

use schemactl_shadow::{load, Error, Shadow};
use schemactl_source::Statement;
use std::path::PathBuf;

/// A statement starting at `line`:1 of `file`.
fn stmt(file: &str, line: usize, sql: &str) -> Statement {
    Statement {
        sql: sql.to_string(),
        file: PathBuf::from(file),
        line,
        column: 1,
        kind: String::new(),
        transactional: true,
        origins: Vec::new(),
    }
}

fn non_transactional(mut s: Statement) -> Statement {
    s.transactional = false;
    s
}

async fn with_database<F, Fut>(f: F)
where
    F: FnOnce(tokio_postgres::Client) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let shadow = Shadow::start(None, None).await.unwrap();
    let url = shadow.create_database().await.unwrap();
    f(url.connect().await.unwrap()).await;
    shadow.close().await.unwrap();
}

async fn tables(client: &tokio_postgres::Client) -> Vec<String> {
    let rows = client
        .query("SELECT relname::text FROM pg_class WHERE relnamespace = 'public'::regnamespace AND relkind IN ('r', 'v') ORDER BY 1", &[])
        .await
        .unwrap();
    rows.iter().map(|r| r.get(0)).collect()
}

#[tokio::test]
async fn ordered_statements_load_in_one_batch() {
    with_database(|client| async move {
        let statements = vec![
            stmt("schema/a.sql", 1, "CREATE TYPE mood AS ENUM ('ok', 'sad')"),
            stmt("schema/a.sql", 2, "CREATE TABLE person (id int PRIMARY KEY, m mood) -- trailing comment"),
            non_transactional(stmt("schema/a.sql", 3, "CREATE INDEX CONCURRENTLY person_m ON person (m)")),
            stmt("schema/a.sql", 4, "CREATE VIEW happy AS SELECT * FROM person WHERE m = 'ok'"),
        ];
        load(&client, &statements).await.unwrap();
        assert_eq!(tables(&client).await, ["happy", "person"]);
        let row = client.query_one("SELECT count(*) FROM pg_indexes WHERE indexname = 'person_m'", &[]).await.unwrap();
        assert_eq!(row.get::<_, i64>(0), 1);
    })
    .await;
}

#[tokio::test]
async fn out_of_order_statements_are_retried() {
    with_database(|client| async move {
        let statements = vec![
            stmt("v.sql", 1, "CREATE VIEW v AS SELECT a.id, b.x FROM app.a JOIN b ON b.id = a.id"),
            stmt("b.sql", 1, "CREATE TABLE b (id int PRIMARY KEY, x mood REFERENCES a2 (id))"),
            stmt("a.sql", 1, "CREATE TABLE app.a (id int)"),
            stmt("s.sql", 1, "CREATE SCHEMA app"),
            stmt("t.sql", 1, "CREATE TYPE mood AS ENUM ('ok')"),
            stmt("a2.sql", 1, "CREATE TABLE a2 (id mood PRIMARY KEY)"),
        ];
        load(&client, &statements).await.unwrap();
        assert_eq!(tables(&client).await, ["a2", "b", "v"]);
    })
    .await;
}

#[tokio::test]
async fn enum_value_used_in_the_same_batch_falls_back() {
    // ALTER TYPE ... ADD VALUE cannot be used in the transaction that added it: the batch fails
    // (55P04) and the one-by-one fallback, in autocommit, succeeds.
    with_database(|client| async move {
        let statements = vec![
            stmt("t.sql", 1, "CREATE TYPE mood AS ENUM ('ok')"),
            stmt("t.sql", 2, "ALTER TYPE mood ADD VALUE 'sad'"),
            stmt("t.sql", 3, "CREATE TABLE t (m mood DEFAULT 'sad')"),
        ];
        load(&client, &statements).await.unwrap();
        assert_eq!(tables(&client).await, ["t"]);
    })
    .await;
}

#[tokio::test]
async fn missing_type_is_reported_at_its_position() {
    with_database(|client| async move {
        let statements = vec![
            stmt("schema/types.sql", 1, "CREATE TYPE mood AS ENUM ('ok')"),
            stmt("schema/tables.sql", 3, "CREATE TABLE person (\n    id int,\n    m moood\n)"),
        ];
        let err = load(&client, &statements).await.unwrap_err();
        assert!(matches!(err, Error::Load { .. }), "{err:?}");
        assert_eq!(err.to_string(), "schema/tables.sql:5:7: type \"moood\" does not exist");
    })
    .await;
}

#[tokio::test]
async fn other_errors_stop_at_once() {
    with_database(|client| async move {
        let statements = vec![
            stmt("a.sql", 1, "CREATE TABLE t (id int PRIMARY KEY)"),
            stmt("a.sql", 2, "CREATE TABLE t (id int)"),
            stmt("a.sql", 3, "CREATE TABLE never_reached (id int)"),
        ];
        let err = load(&client, &statements).await.unwrap_err();
        assert_eq!(err.to_string(), "a.sql:2:1: relation \"t\" already exists");
        // Autocommit fallback: what came before the failure is there, what came after is not.
        assert_eq!(tables(&client).await, ["t"]);
    })
    .await;
}

#[tokio::test]
async fn hint_is_kept() {
    with_database(|client| async move {
        let statements = vec![stmt("f.sql", 7, "SELECT lower(1, 2)")];
        let err = load(&client, &statements).await.unwrap_err();
        let Error::Load { location, hint, .. } = &err else { panic!("{err:?}") };
        assert_eq!(location, "f.sql:7:8");
        assert!(hint.as_deref().unwrap_or("").contains("No function matches"), "{err}");
        assert!(err.to_string().contains("\n  hint: "), "{err}");
    })
    .await;
}

#[tokio::test]
async fn empty_input_is_fine() {
    with_database(|client| async move {
        load(&client, &[]).await.unwrap();
    })
    .await;
}

#[tokio::test]
async fn parsed_files_load_and_errors_point_into_them() {
    let text = "CREATE TYPE mood AS ENUM ('ok');\n\nCREATE TABLE person (id int, m moood);\n";
    let statements = schemactl_source::parse_source(std::path::Path::new("schema/tables.sql"), text).unwrap();
    with_database(|client| async move {
        let err = load(&client, &statements).await.unwrap_err();
        assert_eq!(err.to_string(), "schema/tables.sql:3:32: type \"moood\" does not exist");
    })
    .await;
    let text = "CREATE VIEW v AS SELECT id FROM person;\nCREATE TABLE person (id int);\n";
    let statements = schemactl_source::parse_source(std::path::Path::new("schema/all.sql"), text).unwrap();
    with_database(|client| async move {
        load(&client, &statements).await.unwrap();
        assert_eq!(tables(&client).await, ["person", "v"]);
    })
    .await;
}

/// A statement still running after the shadow's load timeout is cancelled, and the error names
/// its file, position and text, in the batch path and in the script path alike.
#[tokio::test]
async fn slow_statements_hit_the_load_timeout() {
    let mut shadow = Shadow::start(None, None).await.unwrap();
    shadow.set_load_timeout(std::time::Duration::from_millis(300));
    let statements = vec![
        stmt("schema/views.sql", 1, "CREATE TABLE t (id int)"),
        stmt("schema/views.sql", 3, "CREATE MATERIALIZED VIEW slow AS\n  SELECT 1 AS x FROM pg_sleep(30)"),
    ];
    let expected = "schema/views.sql:3:1: loading this statement took longer than the shadow's load timeout \
                    (300ms): CREATE MATERIALIZED VIEW slow AS SELECT 1 AS x FROM pg_sleep(30)\n  hint: ";
    for script in [false, true] {
        let url = shadow.create_database().await.unwrap();
        let client = url.connect().await.unwrap();
        let started = std::time::Instant::now();
        let err = if script {
            schemactl_shadow::run_script(&client, &statements, false).await
        } else {
            load(&client, &statements).await
        }
        .unwrap_err()
        .to_string();
        assert!(err.starts_with(expected), "{err}");
        assert!(err.contains("[shadow]") && err.contains("SCHEMACTL_SHADOW_LOAD_TIMEOUT"), "{err}");
        // Not a measurement: 30 s would mean the statement ran to its end.
        assert!(started.elapsed() < std::time::Duration::from_secs(20), "{:?}", started.elapsed());
    }
    // Zero: no timeout.
    shadow.set_load_timeout(std::time::Duration::ZERO);
    let url = shadow.create_database().await.unwrap();
    let client = url.connect().await.unwrap();
    let row = client.query_one("SELECT current_setting('statement_timeout')", &[]).await.unwrap();
    assert_eq!(row.get::<_, String>(0), "0");
    shadow.close().await.unwrap();
}
