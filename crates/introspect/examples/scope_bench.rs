//! Measures what the scope saves: reads a database's catalog with the whole-database scope
//! and with `--schema SCHEMA`, several times each, and prints the median time and what was read.
//! The statements are the same either way (`BEGIN` with the scope's settings in one message,
//! 34 catalog queries pipelined, `COMMIT`): the scope changes what each query reads. `bench/scope.sh` builds
//! the 5,000-table database and runs this.
//!
//! `cargo run --release -p schemactl-introspect --example scope_bench -- 'host=/var/run/postgresql dbname=x' app 5`

use schemactl_model::{Catalog, ScopeConfig};
use std::time::{Duration, Instant};

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let conninfo = args.get(1).expect("conninfo");
    let schema = args.get(2).cloned().unwrap_or_else(|| "app".into());
    let runs: usize = args.get(3).and_then(|n| n.parse().ok()).unwrap_or(5);
    let (client, connection) = tokio_postgres::connect(conninfo, tokio_postgres::NoTls).await.expect("connect");
    tokio::spawn(connection);
    let whole = ScopeConfig::default().compile().expect("scope");
    let one = ScopeConfig { schemas: vec![schema.clone()], ..Default::default() }.compile().expect("scope");
    for (label, scope) in [("whole database", &whole), (&*format!("--schema {schema}"), &one)] {
        let mut times: Vec<Duration> = Vec::new();
        let mut last = Catalog::default();
        for _ in 0..runs {
            let start = Instant::now();
            last = schemactl_introspect::introspect_scoped(&client, scope).await.expect("introspect");
            times.push(start.elapsed());
        }
        times.sort();
        let columns: usize = last.tables.values().map(|t| t.columns.len()).sum();
        println!(
            "{label:>16}: median {:>7.1} ms (min {:.1}, max {:.1}) over {runs} runs; read {} tables, {} columns, {} indexes, {} dependency edges; left out {}",
            ms(times[runs / 2]),
            ms(times[0]),
            ms(times[runs - 1]),
            last.tables.len(),
            columns,
            last.tables.values().map(|t| t.indexes.len() + t.constraints.len()).sum::<usize>(),
            last.dependencies.len(),
            last.left_out.iter().map(|l| l.to_string()).collect::<Vec<_>>().join(", "),
        );
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
