//! The scope: what is not ours (another tool's bookkeeping, an extra schema, a pattern-excluded
//! table, a platform's schemas) is left out of both sides of every diff, of `status` and of
//! `dump`, and the plan says so; what is ours may still depend on it.

use crate::common;

use common::{output_text as text, run_in_project as run, schemactl_bin};
use schemactl_model::{ScopeConfig, SAFE_DEFAULTS};
use schemactl_testkit::TestDb;
use std::path::Path;
use std::process::{Command, Output};

fn schemactl(args: &[&str]) -> Output {
    Command::new(schemactl_bin())
        .args(args)
        .current_dir(std::env::temp_dir())
        .env_remove("SCHEMACTL_DEV_URL")
        .env_remove("DATABASE_URL")
        .output()
        .expect("run schemactl")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).to_string()
}

fn write(dir: &Path, name: &str, text: &str) {
    std::fs::write(dir.join(name), text).expect("write schema file");
}

async fn count(db: &TestDb, sql: &str) -> i64 {
    db.client().await.query_one(sql, &[]).await.unwrap_or_else(|e| panic!("{sql}: {e}")).get(0)
}

/// A database as found: the app's schema, Alembic's table with its row, a schema of another
/// team, and a cache table the project excludes by pattern.
const FOUND: &str = "
CREATE SCHEMA app;
CREATE TABLE app.users (id int PRIMARY KEY, email text NOT NULL);
CREATE TABLE app.tmp_cache (k text PRIMARY KEY, v text);
INSERT INTO app.tmp_cache VALUES ('a', 'cached');
CREATE TABLE public.alembic_version (version_num varchar(32) NOT NULL PRIMARY KEY);
INSERT INTO public.alembic_version VALUES ('4f2e1c0b9a87');
CREATE SCHEMA extra;
CREATE TABLE extra.reports (id serial PRIMARY KEY, body text);
INSERT INTO extra.reports (body) VALUES ('keep me');
";

const DESIRED: &str = "
CREATE SCHEMA app;
CREATE TABLE app.users (id int PRIMARY KEY, email text NOT NULL, name text);
CREATE TABLE app.orders (id int PRIMARY KEY, user_id int REFERENCES app.users (id));
";

#[tokio::test]
async fn objects_out_of_scope_are_untouched_by_diff_and_apply() {
    let db = TestDb::new().await;
    db.execute_script(FOUND).await;
    let dev = schemactl_testkit::server().await.to_secret_url();
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "app.sql", DESIRED);
    let url = db.url.to_secret_url();
    let to = dir.path().to_str().unwrap();
    let scope = ["--exclude", "schema:extra", "--exclude", "app.tmp_*"];
    let diff = |format: &str| {
        let mut args = vec!["diff", "--from", &url, "--to", to, "--dev-url", &dev, "--format", format];
        args.extend(scope);
        schemactl(&args)
    };

    let human = diff("human");
    assert!(human.status.success(), "{}", text(&human));
    let human = stdout(&human);
    let (steps, left_out) = human.split_once("Left out of scope").unwrap_or_else(|| panic!("no summary: {human}"));
    for name in ["alembic_version", "extra", "tmp_cache", "DROP"] {
        assert!(!steps.contains(name), "the steps mention {name}:\n{human}");
    }
    assert!(steps.contains("CREATE TABLE app.orders") && steps.contains("ADD COLUMN name"), "{human}");
    assert!(
        left_out.contains("bookkeeping of Alembic") && left_out.contains("table public.alembic_version"),
        "{human}"
    );
    assert!(left_out.contains("excluded by `schema:extra`: schema extra (2 relations)"), "{human}");
    assert!(left_out.contains("excluded by `app.tmp_*`: table app.tmp_cache"), "{human}");

    let json: serde_json::Value = serde_json::from_str(&stdout(&diff("json"))).unwrap();
    let reasons: Vec<&str> =
        json["left_out"].as_array().unwrap().iter().map(|g| g["reason"].as_str().unwrap()).collect();
    assert_eq!(reasons.len(), 3, "{json}");
    assert!(json["steps"].as_array().unwrap().iter().all(|s| !s["sql"].as_str().unwrap().contains("extra.")));
    let markdown = stdout(&diff("markdown"));
    assert!(markdown.contains("### Left out of scope") && markdown.contains("`table public.alembic_version`"));

    let sql = diff("sql");
    assert!(sql.status.success(), "{}", text(&sql));
    assert!(String::from_utf8_lossy(&sql.stderr).contains("left out of scope"), "{}", text(&sql));
    db.execute_script(&stdout(&sql)).await;
    assert_eq!(count(&db, "SELECT count(*) FROM public.alembic_version WHERE version_num = '4f2e1c0b9a87'").await, 1);
    assert_eq!(count(&db, "SELECT count(*) FROM extra.reports WHERE body = 'keep me'").await, 1);
    assert_eq!(count(&db, "SELECT count(*) FROM app.tmp_cache").await, 1);
    assert_eq!(count(&db, "SELECT count(*) FROM app.orders").await, 0, "the managed table was created");

    let again = diff("sql");
    assert!(again.status.success(), "{}", text(&again));
    assert_eq!(stdout(&again), "", "converged, and nothing out of scope planned");
    // Without the patterns, the same desired state would drop what is not ours: the scope is
    // what protects it.
    let unscoped = schemactl(&["diff", "--from", &url, "--to", to, "--dev-url", &dev]);
    let unscoped = stdout(&unscoped);
    assert!(unscoped.contains("DROP TABLE app.tmp_cache") && unscoped.contains("DROP SCHEMA extra"), "{unscoped}");
    assert!(!unscoped.contains("alembic_version"), "the safe default holds without any flag: {unscoped}");
}

#[tokio::test]
async fn a_view_and_a_foreign_key_over_an_excluded_table_plan_against_it() {
    let db = TestDb::new().await;
    // The legacy team's table has a column the project's files do not know about.
    db.execute_script(
        "CREATE SCHEMA legacy; CREATE TABLE legacy.accounts (id int PRIMARY KEY, name text, note text);
         INSERT INTO legacy.accounts VALUES (1, 'ada', 'theirs');",
    )
    .await;
    let dev = schemactl_testkit::server().await.to_secret_url();
    let dir = tempfile::tempdir().unwrap();
    // The files declare the excluded table as far as the managed objects need it (a stub, so
    // that the shadow can load them); it is never planned.
    write(
        dir.path(),
        "schema.sql",
        "CREATE SCHEMA legacy; CREATE TABLE legacy.accounts (id int PRIMARY KEY, name text);
         CREATE SCHEMA app;
         CREATE TABLE app.orders (id int PRIMARY KEY, account_id int NOT NULL REFERENCES legacy.accounts (id));
         CREATE VIEW app.order_names AS SELECT o.id, a.name FROM app.orders o JOIN legacy.accounts a ON a.id = o.account_id;",
    );
    let url = db.url.to_secret_url();
    let to = dir.path().to_str().unwrap();
    let args = ["diff", "--from", &url, "--to", to, "--dev-url", &dev, "--exclude", "schema:legacy"];
    let out = schemactl(&args);
    assert!(out.status.success(), "{}", text(&out));
    let sql = stdout(&out);
    assert!(sql.contains("REFERENCES legacy.accounts(id)"), "the key is planned against the excluded table: {sql}");
    assert!(sql.contains("JOIN legacy.accounts a"), "{sql}");
    assert!(!sql.contains("CREATE TABLE legacy") && !sql.contains("DROP") && !sql.contains("note"), "{sql}");
    let view = sql.find("CREATE OR REPLACE VIEW app.order_names").expect("view planned");
    assert!(sql.find("CREATE TABLE app.orders").unwrap() < view, "ordered after what it reads: {sql}");
    db.execute_script(&sql).await;
    db.execute_script("INSERT INTO app.orders VALUES (7, 1);").await;
    assert_eq!(count(&db, "SELECT count(*) FROM app.order_names WHERE name = 'ada'").await, 1);
    assert_eq!(count(&db, "SELECT count(*) FROM legacy.accounts WHERE note = 'theirs'").await, 1);
    let again = schemactl(&args);
    assert_eq!(stdout(&again), "", "{}", text(&again));
}

#[tokio::test]
async fn dump_leaves_other_tools_tables_out_and_says_so() {
    let db = TestDb::new().await;
    db.execute_script(FOUND).await;
    db.execute_script(
        "CREATE TABLE public.flyway_schema_history (installed_rank int PRIMARY KEY, version varchar(50));
         CREATE TABLE public.goose_db_version (id serial PRIMARY KEY, version_id bigint NOT NULL);",
    )
    .await;
    let url = db.url.to_secret_url();
    let out = schemactl(&["dump", "--db", &url]);
    assert!(out.status.success(), "{}", text(&out));
    let (dump, notes) = (stdout(&out), String::from_utf8_lossy(&out.stderr).to_string());
    for table in ["alembic_version", "flyway_schema_history", "goose_db_version"] {
        assert!(!dump.contains(table), "{table} dumped:\n{dump}");
        assert!(notes.contains(&format!("table public.{table}")), "{table} not reported: {notes}");
    }
    assert!(
        notes.contains("not dumped, out of scope: table public.alembic_version: bookkeeping of Alembic"),
        "{notes}"
    );
    assert!(dump.contains("CREATE TABLE app.users") && dump.contains("CREATE TABLE extra.reports"), "{dump}");

    // One schema: nothing else, and no complaint that `public` is missing from it.
    let out = schemactl(&["dump", "--db", &url, "--schema", "app", "--exclude", "app.tmp_*"]);
    assert!(out.status.success(), "{}", text(&out));
    let dump = stdout(&out);
    assert!(dump.contains("CREATE TABLE app.users") && !dump.contains("tmp_cache"), "{dump}");
    assert!(!dump.contains("extra") && !dump.contains("public"), "{dump}");
    assert!(!text(&out).contains("not declarable"), "{}", text(&out));

    // Named explicitly, a bookkeeping table is dumped like any other.
    let out = schemactl(&["dump", "--db", &url, "--include", "public.alembic_version"]);
    assert!(stdout(&out).contains("CREATE TABLE public.alembic_version"), "{}", text(&out));
}

#[tokio::test]
async fn presets_from_the_project_file_and_the_command_line() {
    let db = TestDb::new().await;
    db.execute_script(
        "CREATE SCHEMA auth; CREATE TABLE auth.users (id uuid PRIMARY KEY);
         CREATE SCHEMA storage; CREATE TABLE storage.objects (id uuid PRIMARY KEY, owner uuid);
         CREATE SCHEMA cron; CREATE TABLE cron.job (jobid bigint PRIMARY KEY);
         CREATE PUBLICATION supabase_realtime;
         CREATE SCHEMA app; CREATE TABLE app.profiles (id uuid PRIMARY KEY);",
    )
    .await;
    let url = db.url.to_secret_url();
    let dev = schemactl_testkit::server().await.to_secret_url();
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "schemactl.toml", "scope = \"supabase\"\n[environments.prod]\nurl_env = \"PROD_URL\"\n");
    std::fs::create_dir(dir.path().join("schema")).unwrap();
    let out = run(dir.path(), &dev, &["dump", "--db", &url]);
    assert!(out.status.success(), "{}", text(&out));
    let dump = stdout(&out);
    assert!(dump.contains("CREATE TABLE app.profiles"), "{dump}");
    for gone in ["auth", "storage", "cron", "supabase_realtime"] {
        assert!(!dump.contains(gone), "{gone} dumped:\n{dump}");
    }
    assert!(text(&out).contains("schema auth (1 relation): preset `supabase`"), "{}", text(&out));

    // The same on the command line; without it the desired state would drop the platform's.
    write(dir.path(), "schema/app.sql", "CREATE SCHEMA app; CREATE TABLE app.profiles (id uuid PRIMARY KEY);");
    let to = dir.path().join("schema");
    let to = to.to_str().unwrap();
    let out = schemactl(&["diff", "--from", &url, "--to", to, "--dev-url", &dev, "--scope", "supabase"]);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(stdout(&out), "", "{}", text(&out));
    let out = schemactl(&["diff", "--from", &url, "--to", to, "--dev-url", &dev, "--scope", "pg_cron"]);
    let sql = stdout(&out);
    assert!(sql.contains("DROP SCHEMA auth") && !sql.contains("cron"), "{sql}");
    let out = schemactl(&["diff", "--from", &url, "--to", to, "--dev-url", &dev, "--scope", "heroku"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out).contains("unknown scope preset `heroku` (known: supabase, postgis, pg_cron, timescaledb)"));
}

#[tokio::test]
async fn plan_apply_and_status_leave_what_is_not_ours_alone() {
    let dev = schemactl_testkit::server().await.to_secret_url();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    assert!(run(dir, &dev, &["init"]).status.success());
    std::fs::remove_file(dir.join("schema/example.sql")).unwrap();
    write(&dir.join("schema"), "app.sql", "CREATE SCHEMA app;\nCREATE TABLE app.items (id int PRIMARY KEY);\n");
    let out = run(dir, &dev, &["plan", "-m", "items"]);
    assert!(out.status.success(), "{}", text(&out));
    let db = TestDb::new().await;
    let url = db.url.to_secret_url();
    // Alembic was here first; the revisions neither know nor touch its table.
    db.execute_script(
        "CREATE TABLE public.alembic_version (version_num varchar(32) PRIMARY KEY);
         INSERT INTO public.alembic_version VALUES ('ae1027a6acf');",
    )
    .await;
    let out = run(dir, &dev, &["apply", "--db", &url]);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(count(&db, "SELECT count(*) FROM public.alembic_version WHERE version_num = 'ae1027a6acf'").await, 1);
    db.execute_script("CREATE TABLE app.scratch (x int);").await;
    let out = run(dir, &dev, &["status", "--db", &url]);
    let report = text(&out);
    assert!(report.contains("app.scratch"), "a table of ours that no revision made is drift: {report}");
    assert!(!report.contains("alembic_version"), "{report}");
    let out = run(dir, &dev, &["status", "--db", &url, "--exclude", "app.scratch"]);
    assert!(out.status.success(), "no drift once excluded: {}", text(&out));
}

/// The globs become regular expressions the server evaluates; both must agree on names full of
/// regex metacharacters, dots, quotes and non-ASCII letters.
#[tokio::test]
async fn the_server_prunes_exactly_what_the_globs_match() {
    let db = TestDb::new().await;
    let names = [
        "plain",
        "a.b",
        "a$b",
        "a*b",
        "a(b)",
        "x|y",
        "t_1",
        "t-2",
        "T_3",
        "ünï",
        "brack[et]",
        "q'uote",
        "back\\slash",
        "sp ace",
        "a^b+c?",
    ];
    let mut sql = String::from("CREATE SCHEMA \"s.1\"; CREATE SCHEMA s2;");
    for (i, n) in names.iter().enumerate() {
        let quoted = format!("\"{}\"", n.replace('"', "\"\""));
        let schema = if i % 2 == 0 { "\"s.1\"" } else { "s2" };
        sql.push_str(&format!("CREATE TABLE {schema}.{quoted} (id int);"));
    }
    db.execute_script(&sql).await;
    let patterns = [
        "a.b",
        "*.a.b",
        "a$b",
        "a\\*b",
        "a(b)",
        "x|y",
        "t_?",
        "t[-_]*",
        "[!t]*",
        "{plain,ünï}",
        "brack\\[et]",
        "q'uote",
        "back\\\\slash",
        "sp ace",
        "a^b+c\\?",
        "s2.*",
        "table:s2.t*",
        "view:*",
        "s?1.*",
        "*",
    ];
    let client = db.client().await;
    let mut pruned = 0;
    for pattern in patterns {
        let config = ScopeConfig { exclude: vec![pattern.to_string()], ..Default::default() };
        let scope = config.compile().unwrap_or_else(|e| panic!("{pattern}: {e}"));
        let catalog = schemactl_introspect::introspect_scoped(&client, &scope).await.unwrap();
        for schema in ["s.1", "s2"] {
            for name in names {
                let Some(kept) =
                    catalog.tables.keys().find(|q| q.schema == schema && q.name == name).map(|_| true).or_else(|| {
                        // A table only exists in one of the two schemas.
                        let exists = names.iter().position(|n| *n == name).unwrap() % 2 == usize::from(schema == "s2");
                        exists.then_some(false)
                    })
                else {
                    continue;
                };
                let client_side = scope.reason_out("table", schema, name).is_none();
                pruned += usize::from(!kept);
                assert_eq!(kept, client_side, "pattern {pattern:?} on {schema}.{name}: server kept {kept}");
            }
        }
    }
    assert!(pruned > 40, "the patterns prune: {pruned}");
    // The safe defaults, too.
    assert_eq!(SAFE_DEFAULTS.len(), 9);
}

/// A managed view over a table the scope leaves out (declared in schema/ as a stub): every
/// replay into a shadow (plan's self-check, the state cache, status's drift check, verify)
/// first runs the stub, so the project plans, applies, and checks clean afterwards.
#[tokio::test]
async fn a_project_whose_view_reads_an_out_of_scope_table_plans_and_checks_clean() {
    let dev = schemactl_testkit::server().await.to_secret_url();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    assert!(run(dir, &dev, &["init"]).status.success());
    std::fs::remove_file(dir.join("schema/example.sql")).unwrap();
    let toml = std::fs::read_to_string(dir.join("schemactl.toml")).unwrap();
    write(dir, "schemactl.toml", &format!("{toml}\n[scope]\nexclude = [\"schema:legacy\"]\n"));
    let schema = dir.join("schema");
    write(
        &schema,
        "legacy.sql",
        "-- The legacy team's table, as far as our objects need it (out of scope: never planned).\n\
         CREATE SCHEMA legacy;\nCREATE TABLE legacy.accounts (id int, name text);\n\
         ALTER TABLE legacy.accounts ADD PRIMARY KEY (id);\nCOMMENT ON TABLE legacy.accounts IS 'theirs';\n",
    );
    write(
        &schema,
        "app.sql",
        "CREATE SCHEMA app;\n\
         CREATE TABLE app.orders (id int PRIMARY KEY, account_id int NOT NULL REFERENCES legacy.accounts (id));\n\
         CREATE VIEW app.order_names AS SELECT o.id, a.name FROM app.orders o JOIN legacy.accounts a ON a.id = o.account_id;\n",
    );
    let out = run(dir, &dev, &["plan", "-m", "orders"]);
    assert!(out.status.success(), "{}", text(&out));
    let first = std::fs::read_to_string(&common::revision_files(dir)[0]).unwrap();
    assert!(first.contains("CREATE VIEW app.order_names") || first.contains("VIEW app.order_names"), "{first}");
    assert!(!first.contains("CREATE TABLE legacy") && !first.contains("CREATE SCHEMA legacy"), "{first}");

    // The live database has the real table (with a column the stub leaves out).
    let db = TestDb::new().await;
    db.execute_script(
        "CREATE SCHEMA legacy; CREATE TABLE legacy.accounts (id int PRIMARY KEY, name text, note text);
         INSERT INTO legacy.accounts VALUES (1, 'ada', 'keep');",
    )
    .await;
    let url = db.url.to_secret_url();
    let out = run(dir, &dev, &["apply", "--db", &url]);
    assert!(out.status.success(), "{}", text(&out));
    db.execute_script("INSERT INTO app.orders VALUES (7, 1);").await;
    assert_eq!(count(&db, "SELECT count(*) FROM app.order_names WHERE name = 'ada'").await, 1);

    // A second change plans from the state cache, which reads the stub too.
    let app = std::fs::read_to_string(schema.join("app.sql")).unwrap();
    write(
        &schema,
        "app.sql",
        &app.replace("REFERENCES legacy.accounts (id));", "REFERENCES legacy.accounts (id), total numeric);"),
    );
    let out = run(dir, &dev, &["plan", "-m", "totals"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(stdout(&out).contains("ADD COLUMN total numeric"), "{}", text(&out));
    let out = run(dir, &dev, &["apply", "--db", &url]);
    assert!(out.status.success(), "{}", text(&out));

    let out = run(dir, &dev, &["plan", "--check"]);
    assert!(out.status.success(), "{}", text(&out));
    let out = run(dir, &dev, &["status", "--db", &url]);
    assert!(out.status.success() && stdout(&out).contains("drift:    none"), "{}", text(&out));
    let out = run(dir, &dev, &["verify"]);
    assert!(out.status.success(), "{}", text(&out));
    // Without the cache, the replay of every revision reads the stub as well.
    std::fs::remove_file(dir.join("generated/state.sql")).unwrap();
    let out = run(dir, &dev, &["plan", "--check"]);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(count(&db, "SELECT count(*) FROM legacy.accounts WHERE note = 'keep'").await, 1);
}
