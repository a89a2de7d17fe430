//! The main correctness test: for every case in `fixtures/`, plan from `from.sql` to `to.sql`,
//! apply the plan, check the catalogs are equal, and check a second plan is empty. The plan's
//! SQL and human forms are insta snapshots stored next to the case.
//!
//! One test per case (libtest-mimic, `harness = false`): `cargo test --test fixtures -- CASE`
//! runs the cases whose name contains CASE (`--exact` for just one), and a run lists every
//! failing case. The cases share one tokio runtime and one test server.
//!
//! Servers of other majors print some things differently (extension versions, view text), so
//! a case may hold `plan.sql@pg<N>.snap` / `plan.human@pg<N>.snap` beside the shared snapshots:
//! used on major N when present. `SCHEMACTL_MAJOR_SNAPSHOTS=1` (with `INSTA_UPDATE=always`)
//! writes them for the cases whose plan differs from the shared snapshot on the server at hand.
//! A case that needs syntax older servers lack names the oldest in `min-server`
//! (`server_version_num`, e.g. `150000`), and is reported as ignored below it.
//!
//! A case whose change touches data holds `rows.sql`, run on the current state before the
//! plan is applied (the plan must convert those rows), and `check.sql`, one query run after,
//! whose every row must be a single `true` (what the user would look at: the values converted).
//! `-- schemactl:using` annotations in `to.sql` are read as the engine reads them. A case whose
//! `to.sql` holds `-- schemactl:renamed-from` annotations is planned by the engine itself
//! (`Engine::diff` from the database of `from.sql`, which it never changes), renames first.
//!
//! A case whose roles are the project's (`[roles] manage`) lists their globs in
//! `manage-roles`, one per line: both catalogs are then read in that scope (owners that are
//! those roles, privileges of those roles and `PUBLIC` only). The roles themselves are
//! cluster-wide, so `roles.sql` creates them once for both sides.

mod common;

use common::{catalog_difference, fixtures_dir, load_schema};
use libtest_mimic::{Arguments, Failed, Trial};
use schemactl_testkit::TestDb;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Cases mostly wait for the server, so more of them run at once than there are cores.
const CASES_AT_ONCE_PER_CORE: usize = 3;

fn main() {
    let mut args = Arguments::from_args();
    if args.test_threads.is_none() {
        let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2);
        args.test_threads = Some((cores * CASES_AT_ONCE_PER_CORE).max(6));
    }
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(fixtures_dir())
        .expect("fixtures/ exists")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.join("from.sql").exists() && p.join("to.sql").exists())
        .collect();
    dirs.sort();
    assert!(dirs.len() >= 40, "expected at least 40 fixture cases, found {}", dirs.len());

    let runtime = Arc::new(
        tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("tokio runtime"),
    );
    let version = runtime.block_on(server_version());
    let trials = dirs
        .into_iter()
        .map(|dir| {
            let case = dir.file_name().unwrap_or_default().to_string_lossy().to_string();
            let too_old = min_server(&dir).is_some_and(|min| version < min);
            let runtime = runtime.clone();
            Trial::test(case, move || run_case(&runtime, &dir, version / 10000)).with_ignored_flag(too_old)
        })
        .collect();
    libtest_mimic::run(&args, trials).exit();
}

/// The test server's `server_version_num`.
async fn server_version() -> i32 {
    let client = schemactl_testkit::server().await.connect().await.expect("connect to the test server");
    client.query_one("SELECT current_setting('server_version_num')::int", &[]).await.expect("server version").get(0)
}

/// The oldest server a case can run on (`min-server`), when it says.
fn min_server(dir: &Path) -> Option<i32> {
    let text = std::fs::read_to_string(dir.join("min-server")).ok()?;
    Some(text.trim().parse().unwrap_or_else(|_| panic!("{}/min-server: not a server_version_num", dir.display())))
}

/// Runs one case, then compares its plan with the snapshots next to it (see the module's
/// documentation for per-major snapshots).
fn run_case(runtime: &tokio::runtime::Runtime, dir: &Path, major: i32) -> Result<(), Failed> {
    let plan = runtime.block_on(check_case(dir))?;
    let sql = snapshot_name(dir, "plan.sql", &plan.sql, major);
    let human = snapshot_name(dir, "plan.human", &plan.human, major);
    // insta panics on a mismatch, after printing the diff (and writing `.snap.new`).
    let snapshot = std::panic::catch_unwind(|| {
        let mut settings = insta::Settings::clone_current();
        settings.set_snapshot_path(dir);
        settings.set_prepend_module_to_snapshot(false);
        settings.set_omit_expression(true);
        settings.bind(|| {
            insta::assert_snapshot!(sql, plan.sql);
            insta::assert_snapshot!(human, plan.human);
        });
    });
    snapshot.map_err(|_| "plan differs from its snapshot (see the diff above)".into())
}

/// `base@pg<major>` when the case has that snapshot, or when asked to write it for a plan that
/// differs from the shared one; else `base`, the snapshot every major shares.
fn snapshot_name(dir: &Path, base: &str, text: &str, major: i32) -> String {
    let variant = format!("{base}@pg{major}");
    if dir.join(format!("{variant}.snap")).exists() {
        return variant;
    }
    let writing = std::env::var("SCHEMACTL_MAJOR_SNAPSHOTS").is_ok_and(|v| v == "1");
    let shared = std::fs::read_to_string(dir.join(format!("{base}.snap"))).unwrap_or_default();
    // The snapshot's content follows its `---` header.
    let content = shared.splitn(3, "---\n").nth(2).unwrap_or_default();
    if writing && content.trim_end() != text.trim_end() {
        return variant;
    }
    base.to_string()
}

/// A case's plan, as SQL and for review.
struct Rendered {
    sql: String,
    human: String,
}

/// The name of the role the cases run as (the OS user, `postgres`, ...) in default privileges
/// (`ALTER DEFAULT PRIVILEGES FOR ROLE me`), replaced in snapshots so they hold the same text
/// whoever runs the tests. A quoted identifier: the snapshots stay SQL that parses (the lint
/// tests read them).
const CONNECTING_ROLE: &str = "\"<connecting role>\"";

fn without_connecting_role(text: &str, role: &str) -> String {
    // As the plan writes it in SQL, and in the review's headings.
    let names = [schemactl_sqltext::ident(role), schemactl_sqltext::display_ident(role)];
    let mut text = text.to_string();
    for name in &names {
        for prefix in ["FOR ROLE ", "for role "] {
            for suffix in [" ", "\n", ";"] {
                let (from, to) = (format!("{prefix}{name}{suffix}"), format!("{prefix}{CONNECTING_ROLE}{suffix}"));
                text = text.replace(&from, &to);
            }
        }
    }
    text
}

async fn check_case(dir: &Path) -> Result<Rendered, String> {
    let from_db = TestDb::new().await;
    let to_db = TestDb::new().await;
    // Roles are cluster-global and not managed: a case that grants to roles creates them first.
    let roles = dir.join("roles.sql");
    if roles.exists() {
        let text = std::fs::read_to_string(&roles).map_err(|e| format!("{}: {e}", roles.display()))?;
        from_db.client().await.batch_execute(&text).await.map_err(|e| format!("roles.sql: {e}"))?;
    }
    for (db, file) in [(&from_db, "from.sql"), (&to_db, "to.sql")] {
        let path = dir.join(file);
        let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        load_schema(&db.url, &path, &text).await.map_err(|e| format!("loading {file}: {e}"))?;
    }
    let scope = scope(dir)?;
    let (from, mut to) = (catalog_in(&from_db.url, &scope).await, catalog_in(&to_db.url, &scope).await);
    to.conversions = conversions(&dir.join("to.sql"))?;
    let plan = if has_renames(&dir.join("to.sql"))? {
        planned_by_the_engine(&from_db, &dir.join("to.sql")).await?
    } else {
        schemactl_plan::plan(&from, &to).map_err(|e| e.to_string())?
    };
    let sql = schemactl_plan::render_sql(&plan);

    let client = from_db.client().await;
    let rows = dir.join("rows.sql");
    if rows.exists() {
        let text = std::fs::read_to_string(&rows).map_err(|e| format!("{}: {e}", rows.display()))?;
        client.batch_execute(&text).await.map_err(|e| {
            format!("rows.sql: {}", e.as_db_error().map_or_else(|| e.to_string(), |d| d.message().to_string()))
        })?;
    }
    let failed = |e: tokio_postgres::Error| {
        let detail = e.as_db_error().map(|d| d.message().to_string()).unwrap_or_else(|| e.to_string());
        format!("applying the plan failed: {detail}\n{sql}")
    };
    // As psql runs it: in one transaction (`psql -1`) when every step can run in one, else
    // statement by statement, each in its own (CREATE INDEX CONCURRENTLY refuses a block).
    if plan.steps.iter().all(|s| s.transactional) {
        client.batch_execute(&format!("BEGIN;\n{sql}\nCOMMIT;")).await.map_err(failed)?;
    } else {
        let statements = schemactl_source::split_script(Path::new("plan.sql"), &sql).map_err(|e| e.to_string())?;
        for statement in statements {
            client.batch_execute(&statement.sql).await.map_err(failed)?;
        }
    }
    let check = dir.join("check.sql");
    if check.exists() {
        let text = std::fs::read_to_string(&check).map_err(|e| format!("{}: {e}", check.display()))?;
        let rows = client.query(text.as_str(), &[]).await.map_err(|e| {
            format!("check.sql: {}", e.as_db_error().map_or_else(|| e.to_string(), |d| d.message().to_string()))
        })?;
        let passed = !rows.is_empty() && rows.iter().all(|r| r.len() == 1 && r.try_get::<_, bool>(0).is_ok_and(|b| b));
        if !passed {
            return Err(format!("check.sql is not true on every row after the plan:\n{text}\n{sql}"));
        }
    }
    let after = catalog_in(&from_db.url, &scope).await;
    if !after.same_schema(&to) {
        return Err(format!("catalogs differ after applying the plan\n{}", catalog_difference(&after, &to)));
    }
    let again = schemactl_plan::plan(&after, &to).map_err(|e| e.to_string())?;
    if !again.is_empty() {
        return Err(format!("re-plan is not empty:\n{}", schemactl_plan::render_sql(&again)));
    }
    let role: String = client.query_one("SELECT current_user::text", &[]).await.map_err(|e| e.to_string())?.get(0);
    let human = schemactl_plan::render_human(&plan);
    Ok(Rendered { sql: without_connecting_role(&sql, &role), human: without_connecting_role(&human, &role) })
}

/// The scope a case is read in: the default, with the roles `manage-roles` lists.
fn scope(dir: &Path) -> Result<schemactl_model::Scope, String> {
    let roles = match std::fs::read_to_string(dir.join("manage-roles")) {
        Ok(text) => text.lines().map(str::trim).filter(|l| !l.is_empty()).map(str::to_string).collect(),
        Err(_) => Vec::new(),
    };
    schemactl_model::ScopeConfig { roles, ..Default::default() }.compile().map_err(|e| format!("manage-roles: {e}"))
}

async fn catalog_in(url: &schemactl_connect::DbUrl, scope: &schemactl_model::Scope) -> schemactl_model::Catalog {
    let client = url.connect().await.expect("connect");
    schemactl_introspect::introspect_scoped(&client, scope).await.expect("introspect")
}

fn has_renames(file: &Path) -> Result<bool, String> {
    let text = std::fs::read_to_string(file).map_err(|e| format!("{}: {e}", file.display()))?;
    Ok(!schemactl_source::parse_renames(file, &text).map_err(|e| e.to_string())?.is_empty())
}

/// The plan `schemactl diff --from DB --to to.sql` prints: renames run on a shadow copy of the
/// database, never on it.
async fn planned_by_the_engine(from: &TestDb, to: &Path) -> Result<schemactl_plan::Plan, String> {
    let dev = schemactl_testkit::server().await.to_secret_url();
    let from = from.url.to_secret_url();
    let to = to.to_str().ok_or("fixture path is not UTF-8")?;
    let engine = schemactl_engine::Engine::new(schemactl_model::Scope::default());
    let request = schemactl_engine::DiffRequest { from: Some(&from), to, dev_url: Some(&dev), offline: false };
    engine.diff(&request).await.map_err(|e| e.to_string())
}

/// The `-- schemactl:using` conversions of a schema file, by column, as the engine reads them.
fn conversions(file: &Path) -> Result<std::collections::BTreeMap<(schemactl_model::QualName, String), String>, String> {
    let text = std::fs::read_to_string(file).map_err(|e| format!("{}: {e}", file.display()))?;
    let statements = schemactl_source::parse_source(file, &text).map_err(|e| e.to_string())?;
    let mut out = std::collections::BTreeMap::new();
    for statement in &statements {
        for c in schemactl_source::conversions(statement).map_err(|e| e.to_string())? {
            out.insert((schemactl_model::QualName::new(c.schema, c.table), c.column), c.expression);
        }
    }
    Ok(out)
}
