//! `load` against `psql -f` on a 5000-table schema (ignored: a measurement, run with
//! `cargo test -p schemactl-shadow --test bench_load -- --ignored --nocapture`).

use schemactl_shadow::{load, Shadow};
use schemactl_source::Statement;
use std::time::Instant;

const TABLES: usize = 5000;

fn table_sql(i: usize) -> String {
    format!("CREATE TABLE t{i} (id bigint PRIMARY KEY, name text NOT NULL, created timestamptz DEFAULT now())")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore]
async fn load_beats_psql_on_5000_tables() {
    let shadow = Shadow::start(None, None).await.unwrap();
    let statements: Vec<Statement> = (0..TABLES)
        .map(|i| Statement {
            sql: table_sql(i),
            file: "big.sql".into(),
            line: i + 1,
            column: 1,
            kind: "CreateStmt".into(),
            transactional: true,
            origins: Vec::new(),
        })
        .collect();

    // The raw batch, to tell server time from our overhead (and from a silent fallback).
    let raw = shadow.create_database().await.unwrap();
    let start = Instant::now();
    let sql: Vec<&str> = statements.iter().map(|s| s.sql.as_str()).collect();
    raw.connect().await.unwrap().batch_execute(&sql.join(";\n")).await.unwrap();
    println!("one raw batch: {:?}", start.elapsed());

    let url = shadow.create_database().await.unwrap();
    let client = url.connect().await.unwrap();
    let start = Instant::now();
    load(&client, &statements).await.unwrap();
    let ours = start.elapsed();
    let row = client.query_one("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'", &[]).await.unwrap();
    assert_eq!(row.get::<_, i64>(0), TABLES as i64);

    let file = tempfile::NamedTempFile::new().unwrap();
    let text: String = (0..TABLES).map(|i| format!("{};\n", table_sql(i))).collect();
    std::fs::write(file.path(), text).unwrap();
    let psql_db = shadow.create_database().await.unwrap();
    let (bindir, _) = schemactl_shadow::find_server_binaries(None).unwrap();
    let start = Instant::now();
    let status = std::process::Command::new(bindir.join("psql"))
        .arg(psql_db.to_secret_url())
        .args(["-q", "-v", "ON_ERROR_STOP=1", "-f"])
        .arg(file.path())
        .status()
        .unwrap();
    let psql = start.elapsed();
    assert!(status.success());
    println!("load: {ours:?}, psql -f: {psql:?}");
    assert!(ours < psql, "load {ours:?} should beat psql -f {psql:?}");
    shadow.close().await.unwrap();
}
