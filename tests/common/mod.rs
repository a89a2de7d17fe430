//! Shared by the end-to-end tests: loading schema text into a database through the engine,
//! reading catalogs, and finding the `schemactl` binary.
#![allow(dead_code)]

use schemactl_connect::DbUrl;
use schemactl_engine::Source;
use schemactl_model::Catalog;
use std::path::{Path, PathBuf};

/// Loads schema text into `url` as `schemactl` loads a schema file into a shadow database
/// (the engine's own loader: pg_query split, dependency order, batches).
pub async fn load_schema(url: &DbUrl, file: &Path, text: &str) -> Result<(), String> {
    load_source(url, &Source::sql_text(file, text).map_err(|e| e.to_string())?).await
}

/// Loads schema files (`*.sql`, `*.yaml`, a directory of them) as `schemactl` does.
pub async fn load_files(url: &DbUrl, path: &Path) -> Result<(), String> {
    let arg = path.to_str().ok_or("path is not UTF-8")?;
    load_source(url, &Source::resolve(arg).map_err(|e| e.to_string())?).await
}

async fn load_source(url: &DbUrl, source: &Source) -> Result<(), String> {
    let client = url.connect().await.map_err(|e| e.to_string())?;
    schemactl_engine::load(&client, source, false).await.map_err(|e| e.to_string())
}

pub async fn catalog(url: &DbUrl) -> Catalog {
    let client = url.connect().await.expect("connect");
    schemactl_introspect::introspect(&client).await.expect("introspect")
}

/// The first lines where two catalogs differ, for failure messages.
pub fn catalog_difference(a: &Catalog, b: &Catalog) -> String {
    let a = serde_json::to_string_pretty(a).unwrap_or_default();
    let b = serde_json::to_string_pretty(b).unwrap_or_default();
    let (al, bl): (Vec<_>, Vec<_>) = (a.lines().collect(), b.lines().collect());
    let first = al.iter().zip(&bl).position(|(x, y)| x != y).unwrap_or(al.len().min(bl.len()));
    let start = first.saturating_sub(6);
    let show = |l: &[&str]| l.iter().skip(start).take(14).cloned().collect::<Vec<_>>().join("\n");
    format!("--- after applying the plan\n{}\n--- desired\n{}", show(&al), show(&bl))
}

/// The `schemactl` binary of this build: the root package owns it, so Cargo builds it (same
/// profile) before these tests and tells them where it is.
pub fn schemactl_bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_schemactl"))
}

pub fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

/// Runs schemactl in a project directory, with `dev` (the test server) as the shadow so no
/// embedded cluster starts per test, and without the caller's `DATABASE_URL`.
pub fn run_in_project(dir: &Path, dev: &str, args: &[&str]) -> std::process::Output {
    std::process::Command::new(schemactl_bin())
        .args(args)
        .current_dir(dir)
        .env("SCHEMACTL_DEV_URL", dev)
        .env_remove("DATABASE_URL")
        .output()
        .expect("run schemactl")
}

/// stdout then stderr of a finished command, for assertions and failure messages.
pub fn output_text(o: &std::process::Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

/// The revision files of a project (not the state cache), sorted.
pub fn revision_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir.join("generated"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "sql") && !p.ends_with("state.sql"))
        .collect();
    files.sort();
    files
}
