//! The main correctness test: for every case in `fixtures/`, plan from `from.sql` to `to.sql`,
//! apply the plan, check the catalogs are equal, and check a second plan is empty. The plan's
//! SQL and human forms are insta snapshots stored next to the case.

mod common;

use common::{catalog, catalog_difference, fixtures_dir, load_schema};
use schemactl_testkit::TestDb;
use std::path::{Path, PathBuf};
use std::sync::Arc;

struct Outcome {
    case: String,
    dir: PathBuf,
    sql: String,
    human: String,
    failure: Option<String>,
}

async fn run_case(dir: PathBuf) -> Outcome {
    let case = dir.file_name().unwrap_or_default().to_string_lossy().to_string();
    let mut outcome = Outcome { case, dir: dir.clone(), sql: String::new(), human: String::new(), failure: None };
    if let Err(e) = check_case(&dir, &mut outcome).await {
        outcome.failure = Some(e);
    }
    outcome
}

async fn check_case(dir: &Path, outcome: &mut Outcome) -> Result<(), String> {
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
    let (from, to) = (catalog(&from_db.url).await, catalog(&to_db.url).await);
    let plan = schemactl_plan::plan(&from, &to).map_err(|e| e.to_string())?;
    outcome.sql = schemactl_plan::render_sql(&plan);
    outcome.human = schemactl_plan::render_human(&plan);

    let client = from_db.client().await;
    let failed = |e: tokio_postgres::Error| {
        let detail = e.as_db_error().map(|d| d.message().to_string()).unwrap_or_else(|| e.to_string());
        format!("applying the plan failed: {detail}\n{}", outcome.sql)
    };
    // As psql runs it: in one transaction (`psql -1`) when every step can run in one, else
    // statement by statement, each in its own (CREATE INDEX CONCURRENTLY refuses a block).
    if plan.steps.iter().all(|s| s.transactional) {
        client.batch_execute(&format!("BEGIN;\n{}\nCOMMIT;", outcome.sql)).await.map_err(failed)?;
    } else {
        let statements =
            schemactl_source::split_script(Path::new("plan.sql"), &outcome.sql).map_err(|e| e.to_string())?;
        for statement in statements {
            client.batch_execute(&statement.sql).await.map_err(failed)?;
        }
    }
    let after = catalog(&from_db.url).await;
    if !after.same_schema(&to) {
        return Err(format!("catalogs differ after applying the plan\n{}", catalog_difference(&after, &to)));
    }
    let again = schemactl_plan::plan(&after, &to).map_err(|e| e.to_string())?;
    if !again.is_empty() {
        return Err(format!("re-plan is not empty:\n{}", schemactl_plan::render_sql(&again)));
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_fixture_converges_and_matches_its_snapshots() {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(fixtures_dir())
        .expect("fixtures/ exists")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.join("from.sql").exists() && p.join("to.sql").exists())
        .collect();
    dirs.sort();
    assert!(dirs.len() >= 40, "expected at least 40 fixture cases, found {}", dirs.len());

    let limit = Arc::new(tokio::sync::Semaphore::new(6));
    let tasks: Vec<_> = dirs
        .into_iter()
        .map(|dir| {
            let limit = limit.clone();
            tokio::spawn(async move {
                let _permit = limit.acquire_owned().await;
                run_case(dir).await
            })
        })
        .collect();
    let mut failures = Vec::new();
    for task in tasks {
        let outcome = task.await.expect("case task");
        if let Some(f) = &outcome.failure {
            failures.push(format!("=== {}: {f}", outcome.case));
            continue;
        }
        let snapshot = std::panic::catch_unwind(|| {
            let mut settings = insta::Settings::clone_current();
            settings.set_snapshot_path(&outcome.dir);
            settings.set_prepend_module_to_snapshot(false);
            settings.set_omit_expression(true);
            settings.bind(|| {
                insta::assert_snapshot!("plan.sql", outcome.sql);
                insta::assert_snapshot!("plan.human", outcome.human);
            });
        });
        if snapshot.is_err() {
            failures.push(format!("=== {}: plan differs from its snapshot (see above)", outcome.case));
        }
    }
    assert!(failures.is_empty(), "{} fixture case(s) failed:\n{}", failures.len(), failures.join("\n\n"));
}
