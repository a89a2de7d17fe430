//! Project chores, run as `cargo xtask <task>` (the alias is in `.cargo/config.toml`).
//!
//! - `walk-gen`: regenerates `crates/source/src/walk_gen.rs` from the pg_query that
//!   schemactl-source resolves to; `walk-gen --check` only says whether the file is current.
//!   The `walk_gen_is_current` test below runs the check with every `cargo test --workspace`.

mod walker;

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

/// Where the generated walker lives, relative to the workspace root.
const WALK_GEN: &str = "crates/source/src/walk_gen.rs";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let result = match args.as_slice() {
        ["walk-gen"] => walk_gen(false),
        ["walk-gen", "--check"] => walk_gen(true),
        _ => Err("usage: cargo xtask walk-gen [--check]".to_string()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("xtask: {message}");
            ExitCode::FAILURE
        }
    }
}

fn walk_gen(check: bool) -> Result<(), String> {
    let (root, generated) = generate_walker()?;
    let path = root.join(WALK_GEN);
    let current = std::fs::read_to_string(&path).unwrap_or_default();
    if current == generated {
        return Ok(());
    }
    if check {
        return Err(format!("{WALK_GEN} is stale: run `cargo xtask walk-gen`"));
    }
    std::fs::write(&path, generated).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    eprintln!("wrote {WALK_GEN}");
    Ok(())
}

/// The workspace root and the walker generated from the pg_query source cargo resolved.
fn generate_walker() -> Result<(PathBuf, String), String> {
    let pg_query = locate_pg_query()?;
    let read = |file: &str| {
        let path = pg_query.dir.join("src").join(file);
        std::fs::read_to_string(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))
    };
    let text = walker::generate(&pg_query.version, &read("protobuf.rs")?, &read("node_ref.rs")?)?;
    Ok((pg_query.workspace_root, text))
}

struct PgQuery {
    workspace_root: PathBuf,
    version: String,
    /// The package's manifest directory (in the cargo registry, a vendor directory or a git
    /// checkout: wherever cargo took it from).
    dir: PathBuf,
}

/// Asks cargo which pg_query package schemactl-source depends on, rather than guessing a
/// registry path: the version comes from Cargo.lock, so the walker always matches the parser
/// the build links.
fn locate_pg_query() -> Result<PgQuery, String> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let output = Command::new(cargo)
        .args(["metadata", "--format-version", "1"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .map_err(|e| format!("cannot run cargo metadata: {e}"))?;
    if !output.status.success() {
        return Err(format!("cargo metadata failed: {}", String::from_utf8_lossy(&output.stderr).trim()));
    }
    let meta: serde_json::Value =
        serde_json::from_slice(&output.stdout).map_err(|e| format!("cargo metadata printed no JSON: {e}"))?;
    let str_of = |v: &serde_json::Value, key: &str| v[key].as_str().map(str::to_string);
    let workspace_root = str_of(&meta, "workspace_root").ok_or("cargo metadata: no workspace_root")?;
    let packages = meta["packages"].as_array().ok_or("cargo metadata: no packages")?;
    let members = meta["workspace_members"].as_array().ok_or("cargo metadata: no workspace_members")?;
    let source_id = packages
        .iter()
        .find(|p| p["name"] == "schemactl-source" && members.contains(&p["id"]))
        .and_then(|p| str_of(p, "id"))
        .ok_or("cargo metadata: no schemactl-source package in the workspace")?;
    let nodes = meta["resolve"]["nodes"].as_array().ok_or("cargo metadata: no resolve graph")?;
    let pg_query_id = nodes
        .iter()
        .find(|n| n["id"] == source_id.as_str())
        .and_then(|n| n["deps"].as_array())
        .and_then(|deps| deps.iter().find(|d| d["name"] == "pg_query"))
        .and_then(|d| str_of(d, "pkg"))
        .ok_or("cargo metadata: schemactl-source does not depend on pg_query")?;
    let package = packages
        .iter()
        .find(|p| p["id"] == pg_query_id.as_str())
        .ok_or_else(|| format!("cargo metadata: no package {pg_query_id}"))?;
    let manifest = str_of(package, "manifest_path").ok_or("cargo metadata: pg_query has no manifest_path")?;
    let dir = Path::new(&manifest).parent().ok_or("cargo metadata: odd manifest_path")?.to_path_buf();
    let version = str_of(package, "version").ok_or("cargo metadata: pg_query has no version")?;
    Ok(PgQuery { workspace_root: workspace_root.into(), version, dir })
}

#[cfg(test)]
mod tests {
    /// Fails when someone upgraded pg_query (or edited the file by hand) without regenerating.
    #[test]
    fn walk_gen_is_current() {
        let (root, generated) = super::generate_walker().unwrap();
        let current = std::fs::read_to_string(root.join(super::WALK_GEN)).unwrap();
        assert!(
            current == generated,
            "{} is stale (not what pg_query's source generates): run `cargo xtask walk-gen`",
            super::WALK_GEN
        );
    }
}
