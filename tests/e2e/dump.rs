//! `schemactl dump` round trips: a database dumped, the dump loaded into a shadow database
//! as `diff --to DIR` loads it, and the plan between the two must be empty. For every case in
//! `fixtures/` (its `to.sql`) and the example `schema/`, in both formats; and the example
//! through the real binary in every layout.

use crate::common;

use common::{fixtures_dir, load_files, load_schema, schemactl_bin};
use schemactl_dump::{Format, Layout};
use schemactl_testkit::TestDb;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

/// Fixture cases whose YAML dump needs `.sql` files next to the YAML, and why. Every other
/// case is dumped as YAML alone.
const YAML_NEEDS_SQL: &[(&str, &str)] = &[
    ("aggregate_added", "the format has no aggregates"),
    ("aggregate_changed_used_by_view", "the format has no aggregates"),
    ("event_trigger_added", "the format has no event triggers"),
    ("event_trigger_changed_and_dropped", "the format has no event triggers"),
    ("foreign_server_options_changed", "the format has no foreign data wrappers, servers or foreign tables"),
    ("foreign_tables_added", "the format has no foreign data wrappers, servers or foreign tables"),
    ("foreign_tables_changed", "the format has no foreign data wrappers, servers or foreign tables"),
    ("grant_option_changes", "one role's privileges share one with_grant_option in the format"),
    ("grant_sequence_usage", "the format has no grants on an identity column's sequence"),
    (
        "partitioning_from_empty",
        "a partition's own column default and NOT NULL: partitions take their columns from the parent",
    ),
    ("publication_added", "the format has no publications"),
    ("publication_changed_and_dropped", "the format has no publications"),
    ("publication_of_tables_any_major", "the format has no publications"),
    ("quoted_identifiers", "a name with a dot (sequence \"Deal.Seq\"): keys read `schema.name`"),
    ("range_type_with_canonical_function", "a canonical function needs a shell type, which the format cannot state"),
    ("rule_added", "the format has no rules"),
    ("rule_changed_and_dropped", "the format has no rules"),
];

/// What a round trip gave: the number of statements YAML could not express.
struct Trip {
    sql_fallbacks: usize,
}

/// Loads a case's desired state into a new database: `to.sql` (after `roles.sql`), or a
/// directory of schema files.
async fn source(case: &Path) -> Result<TestDb, String> {
    let db = TestDb::new().await;
    let roles = case.join("roles.sql");
    if roles.exists() {
        let text = std::fs::read_to_string(&roles).map_err(|e| format!("{}: {e}", roles.display()))?;
        db.client().await.batch_execute(&text).await.map_err(|e| format!("roles.sql: {e}"))?;
    }
    let to = case.join("to.sql");
    if to.exists() {
        let text = std::fs::read_to_string(&to).map_err(|e| format!("{}: {e}", to.display()))?;
        load_schema(&db.url, &to, &text).await.map_err(|e| format!("loading to.sql: {e}"))?;
    } else {
        load_files(&db.url, case).await?;
    }
    Ok(db)
}

/// Dumps `db` in `format` and `layout`, loads the files into another new database the way
/// `diff --to DIR` does, and fails unless the plan between the two is empty.
async fn round_trip(db: &TestDb, format: Format, layout: Layout) -> Result<Trip, String> {
    let client = db.client().await;
    let catalog = schemactl_introspect::introspect(&client).await.map_err(|e| e.to_string())?;
    let version: i32 = client
        .query_one("SELECT current_setting('server_version_num')::int", &[])
        .await
        .map_err(|e| e.to_string())?
        .get(0);
    let dump = schemactl_dump::dump(&catalog, version, format, layout).map_err(|e| e.to_string())?;
    if !dump.undeclarable.is_empty() {
        return Err(format!("not declarable: {:?}", dump.undeclarable));
    }
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    for file in &dump.files {
        let path = dir.path().join(&file.path);
        std::fs::create_dir_all(path.parent().unwrap_or(dir.path())).map_err(|e| e.to_string())?;
        std::fs::write(&path, &file.text).map_err(|e| e.to_string())?;
    }
    let shown = || {
        let all: String = dump.files.iter().map(|f| format!("--- {}\n{}", f.path.display(), f.text)).collect();
        all.chars().take(6000).collect::<String>()
    };
    let shadow = TestDb::new().await;
    load_files(&shadow.url, dir.path()).await.map_err(|e| format!("loading the dump: {e}\n{}", shown()))?;
    let client = shadow.client().await;
    let loaded = schemactl_introspect::introspect(&client).await.map_err(|e| e.to_string())?;
    let loaded = schemactl_engine::Opened {
        catalog: loaded,
        client,
        shadow_db: None,
        declared_roles: Vec::new(),
        create_roles: false,
    };
    let plan = schemactl_engine::states::plan_from(&catalog, &loaded).await.map_err(|e| e.to_string())?;
    if !plan.is_empty() {
        return Err(format!(
            "the dump does not give the database back:\n{}\n{}",
            schemactl_plan::render_sql(&plan),
            shown()
        ));
    }
    Ok(Trip { sql_fallbacks: dump.sql_fallbacks })
}

#[tokio::test]
async fn a_new_database_holds_exactly_what_dumps_take_for_granted() {
    let db = TestDb::new().await;
    let client = db.client().await;
    let catalog = schemactl_introspect::introspect(&client).await.unwrap();
    let version: i32 = client.query_one("SELECT current_setting('server_version_num')::int", &[]).await.unwrap().get(0);
    let fresh = schemactl_dump::fresh_catalog(&catalog, version);
    assert!(catalog.same_schema(&fresh), "{}", common::catalog_difference(&catalog, &fresh));
}

/// Every fixture case with a `to.sql`, and the example schema.
fn cases() -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(fixtures_dir())
        .expect("fixtures/ exists")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.join("to.sql").exists())
        .collect();
    dirs.sort();
    dirs.push(Path::new(env!("CARGO_MANIFEST_DIR")).join("schema"));
    dirs
}

fn case_name(dir: &Path) -> String {
    dir.file_name().unwrap_or_default().to_string_lossy().to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_fixture_round_trips_through_a_dump_in_both_formats() {
    let started = std::time::Instant::now();
    let dirs = cases();
    assert!(dirs.len() > 100, "expected the fixture cases, found {}", dirs.len());
    let limit = Arc::new(tokio::sync::Semaphore::new(4));
    let tasks: Vec<_> = dirs
        .into_iter()
        .enumerate()
        .map(|(i, dir)| {
            let limit = limit.clone();
            tokio::spawn(async move {
                let _permit = limit.acquire_owned().await;
                let db = match source(&dir).await {
                    Ok(db) => db,
                    Err(e) => return (case_name(&dir), Err(e), Err(String::new())),
                };
                // Both layouts are exercised: every other case is dumped one file per object.
                let layout = if i % 2 == 0 { Layout::PerSchema } else { Layout::PerObject };
                let sql = round_trip(&db, Format::Sql, layout).await;
                let yaml = round_trip(&db, Format::Yaml, layout).await;
                (case_name(&dir), sql, yaml)
            })
        })
        .collect();
    let mut failures = Vec::new();
    let (mut sql_ok, mut yaml_ok, mut yaml_alone) = (0, 0, 0);
    let mut with_sql = Vec::new();
    for task in tasks {
        let (case, sql, yaml) = task.await.expect("case task");
        match sql {
            Ok(_) => sql_ok += 1,
            Err(e) => failures.push(format!("=== {case} (sql): {e}")),
        }
        match yaml {
            Ok(trip) => {
                yaml_ok += 1;
                if trip.sql_fallbacks == 0 {
                    yaml_alone += 1;
                } else {
                    with_sql.push(case.clone());
                }
                let expected = YAML_NEEDS_SQL.iter().any(|(c, _)| *c == case);
                if expected != (trip.sql_fallbacks > 0) {
                    failures.push(format!(
                        "=== {case} (yaml): {} statement(s) written as SQL; YAML_NEEDS_SQL says {}",
                        trip.sql_fallbacks,
                        if expected { "some" } else { "none" }
                    ));
                }
            }
            Err(e) if e.is_empty() => {}
            Err(e) => failures.push(format!("=== {case} (yaml): {e}")),
        }
    }
    eprintln!(
        "dump round trips: sql {sql_ok}, yaml {yaml_ok} ({yaml_alone} in YAML alone; with .sql files: {}) in {:.1}s",
        with_sql.join(", "),
        started.elapsed().as_secs_f64()
    );
    assert!(failures.is_empty(), "{} round trip(s) failed:\n{}", failures.len(), failures.join("\n\n"));
}

/// A schema using most of what the format has (the fixtures are plan cases, and some kinds,
/// such as triggers, appear in none of them): in YAML it needs no SQL at all.
const RICH: &str = r#"
CREATE SCHEMA app;
CREATE TYPE app.mood AS ENUM ('sad', 'ok', 'happy');
CREATE TYPE app.address AS (street text, city text COLLATE "C");
CREATE TYPE app.floatrange AS RANGE (subtype = float8, subtype_diff = float8mi);
CREATE DOMAIN app.email AS text COLLATE "C" DEFAULT '' NOT NULL CONSTRAINT has_at CHECK (VALUE LIKE '%@%');
ALTER DOMAIN app.email ADD CONSTRAINT short CHECK (length(VALUE) < 200) NOT VALID;
CREATE SEQUENCE app.counter AS integer INCREMENT BY -2 MINVALUE -1000 MAXVALUE 0 START WITH 0 CACHE 5 CYCLE;
CREATE TABLE app.accounts (
    id bigint GENERATED BY DEFAULT AS IDENTITY (START WITH 100 INCREMENT BY 10) PRIMARY KEY,
    email app.email NOT NULL,
    "Display Name" text COLLATE "C",
    mood app.mood DEFAULT 'ok',
    home app.address,
    score numeric(10, 2) GENERATED ALWAYS AS (id * 2) STORED,
    counter integer DEFAULT nextval('app.counter'),
    CONSTRAINT accounts_email_key UNIQUE NULLS NOT DISTINCT (email) INCLUDE (mood) DEFERRABLE,
    CONSTRAINT positive CHECK (id > 0) NO INHERIT
);
ALTER TABLE app.accounts ADD CONSTRAINT later CHECK (length(email) > 3) NOT VALID;
CREATE TABLE app.notes (
    account_id bigint,
    n integer,
    body text,
    during tstzrange,
    PRIMARY KEY (account_id, n),
    CONSTRAINT notes_account_fk FOREIGN KEY (account_id) REFERENCES app.accounts (id)
        MATCH FULL ON UPDATE CASCADE ON DELETE SET NULL DEFERRABLE INITIALLY DEFERRED,
    CONSTRAINT no_overlap EXCLUDE USING gist (during WITH &&) WHERE (n > 0)
);
CREATE INDEX notes_body_idx ON app.notes (lower(body) text_pattern_ops DESC NULLS LAST) INCLUDE (n)
    WITH (fillfactor = 70) WHERE body IS NOT NULL;
CREATE UNIQUE INDEX notes_n_idx ON app.notes (n) NULLS NOT DISTINCT;
COMMENT ON TABLE app.notes IS 'Notes: it''s "quoted"';
COMMENT ON COLUMN app.notes.body IS 'two
lines';
COMMENT ON CONSTRAINT notes_account_fk ON app.notes IS 'the owner';
COMMENT ON INDEX app.notes_body_idx IS 'by body';
CREATE FUNCTION app.touch() RETURNS trigger LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
    AS $$ BEGIN NEW.n := NEW.n + 1; RETURN NEW; END $$;
CREATE TRIGGER notes_touch BEFORE INSERT OR UPDATE OF body, n ON app.notes
    FOR EACH ROW WHEN (NEW.n IS NOT NULL) EXECUTE FUNCTION app.touch();
CREATE TRIGGER notes_gone AFTER DELETE ON app.notes FOR EACH STATEMENT EXECUTE FUNCTION app.touch();
COMMENT ON TRIGGER notes_touch ON app.notes IS 'counts';
ALTER TABLE app.notes ENABLE ROW LEVEL SECURITY;
ALTER TABLE app.notes FORCE ROW LEVEL SECURITY;
CREATE POLICY own ON app.notes AS RESTRICTIVE FOR SELECT TO schemactl_dump_reader USING (account_id > 0);
CREATE POLICY everyone ON app.notes WITH CHECK (true);
CREATE FUNCTION app.area(w integer, h integer DEFAULT 1) RETURNS integer
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE COST 5 AS 'SELECT w * h';
CREATE FUNCTION app.area(r double precision) RETURNS double precision
    LANGUAGE sql STABLE LEAKPROOF AS $$SELECT pi() * r * r$$;
COMMENT ON FUNCTION app.area(double precision) IS 'circle';
CREATE FUNCTION app.rows_of(a integer) RETURNS SETOF integer
    LANGUAGE sql ROWS 10 SECURITY DEFINER AS 'SELECT generate_series(1, a)';
REVOKE EXECUTE ON FUNCTION app.rows_of(integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION app.rows_of(integer) TO schemactl_dump_reader;
CREATE PROCEDURE app.cleanup(keep integer) LANGUAGE sql SECURITY DEFINER
    AS $$DELETE FROM app.notes WHERE n > keep$$;
CREATE VIEW app.open_notes WITH (security_barrier = true) AS
    SELECT n, body FROM app.notes WHERE body IS NOT NULL WITH LOCAL CHECK OPTION;
COMMENT ON VIEW app.open_notes IS 'open ones';
GRANT SELECT ON app.open_notes TO schemactl_dump_reader;
CREATE MATERIALIZED VIEW app.note_counts WITH (fillfactor = 80) AS
    SELECT account_id, count(*) AS c FROM app.notes GROUP BY account_id WITH NO DATA;
CREATE UNIQUE INDEX note_counts_idx ON app.note_counts (account_id);
CREATE TABLE app.events (id bigint, at date NOT NULL, kind text DEFAULT 'x') PARTITION BY RANGE (at);
CREATE TABLE app.events_2024 PARTITION OF app.events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
CREATE TABLE app.events_other PARTITION OF app.events DEFAULT;
CREATE TABLE app.parent (a integer);
CREATE TABLE app.child (b integer) INHERITS (app.parent);
CREATE UNLOGGED TABLE app.scratch ();
GRANT SELECT (body), UPDATE (body) ON app.notes TO schemactl_dump_reader;
GRANT USAGE ON SCHEMA app TO schemactl_dump_reader WITH GRANT OPTION;
GRANT SELECT, INSERT ON app.accounts TO schemactl_dump_reader;
REVOKE USAGE ON TYPE app.mood FROM PUBLIC;
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_schema_using_most_of_the_format_round_trips_and_needs_no_sql_next_to_its_yaml() {
    let db = TestDb::new().await;
    let roles = "DO $$ BEGIN\n\
                 BEGIN CREATE ROLE schemactl_dump_reader; EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END;\n\
                 BEGIN CREATE ROLE schemactl_dump_writer; EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END;\n\
                 END $$;";
    db.client().await.batch_execute(roles).await.unwrap();
    load_schema(&db.url, Path::new("rich.sql"), RICH).await.unwrap();
    // Default privileges set after some objects exist: those objects lack what later ones get.
    db.client()
        .await
        .batch_execute(
            "CREATE TABLE app.before_defaults (id integer);\n\
             ALTER DEFAULT PRIVILEGES IN SCHEMA app GRANT SELECT ON TABLES TO schemactl_dump_writer;\n\
             ALTER DEFAULT PRIVILEGES REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC;\n\
             ALTER DEFAULT PRIVILEGES GRANT USAGE ON TYPES TO schemactl_dump_reader WITH GRANT OPTION;\n\
             CREATE TABLE app.after_defaults (id integer);\n\
             CREATE FUNCTION app.after() RETURNS integer LANGUAGE sql AS 'SELECT 1';",
        )
        .await
        .unwrap();
    for layout in [Layout::PerSchema, Layout::PerObject] {
        round_trip(&db, Format::Sql, layout).await.unwrap_or_else(|e| panic!("sql {layout:?}: {e}"));
        let yaml = round_trip(&db, Format::Yaml, layout).await.unwrap_or_else(|e| panic!("yaml {layout:?}: {e}"));
        assert_eq!(yaml.sql_fallbacks, 0, "{layout:?}");
    }
}

/// Runs schemactl in `dir` with the test server as the shadow.
fn run(dir: &Path, args: &[&str], dev: &str) -> std::process::Output {
    Command::new(schemactl_bin())
        .args(args)
        .current_dir(dir)
        .env("SCHEMACTL_DEV_URL", dev)
        .env_remove("DATABASE_URL")
        .output()
        .expect("run schemactl")
}

fn ok(o: &std::process::Output) -> String {
    assert!(
        o.status.success(),
        "exit {:?}\n--- stdout\n{}--- stderr\n{}",
        o.status.code(),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// The files below `dir`, relative to it, sorted.
fn tree(dir: &Path) -> Vec<String> {
    let mut found = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(d) = pending.pop() {
        for entry in std::fs::read_dir(&d).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                pending.push(path);
            } else {
                found.push(path.strip_prefix(dir).unwrap().display().to_string());
            }
        }
    }
    found.sort();
    found
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_example_dumped_by_the_binary_diffs_empty_in_every_format_and_layout() {
    let db = source(&Path::new(env!("CARGO_MANIFEST_DIR")).join("schema")).await.unwrap();
    let dev = schemactl_testkit::server().await.to_secret_url();
    let url = db.url.to_secret_url();
    let cwd = tempfile::tempdir().unwrap();
    let layouts = [
        ("sql", false, vec!["extensions.sql", "portal.sql"]),
        ("yaml", false, vec!["extensions.yaml", "portal.yaml"]),
        (
            "sql",
            true,
            vec![
                "extensions/citext.sql",
                "portal/schema.sql",
                "portal/sequences/user_number_seq.sql",
                "portal/tables/audit_log.sql",
                "portal/tables/dashboards.sql",
                "portal/tables/users.sql",
                "portal/tables/widgets.sql",
                "portal/types/audit_action.sql",
                "portal/types/user_role.sql",
                "portal/types/widget_kind.sql",
            ],
        ),
        (
            "yaml",
            true,
            vec![
                "extensions/citext.yaml",
                "portal/schema.yaml",
                "portal/sequences/user_number_seq.yaml",
                "portal/tables/audit_log.yaml",
                "portal/tables/dashboards.yaml",
                "portal/tables/users.yaml",
                "portal/tables/widgets.yaml",
                "portal/types/audit_action.yaml",
                "portal/types/user_role.yaml",
                "portal/types/widget_kind.yaml",
            ],
        ),
    ];
    for (format, split, files) in layouts {
        let out = tempfile::tempdir().unwrap();
        let dir = out.path().join("schema");
        let dir_arg = dir.to_str().unwrap();
        let mut args = vec!["dump", "--db", &url, "--format", format, "--out", dir_arg];
        if split {
            args.push("--split");
        }
        let dumped = run(cwd.path(), &args, &dev);
        ok(&dumped);
        assert!(stderr(&dumped).contains(&format!("wrote {} file(s)", files.len())), "{}", stderr(&dumped));
        assert_eq!(tree(&dir), files, "{format} split={split}");
        let diff = run(cwd.path(), &["diff", "--from", &url, "--to", dir_arg, "--dev-url", &dev], &dev);
        assert_eq!(ok(&diff), "", "{format} split={split}: the dump does not diff empty");
        // A second dump into the same directory would declare everything twice.
        let again = run(cwd.path(), &args, &dev);
        assert_eq!(again.status.code(), Some(1));
        assert!(stderr(&again).contains("already holds schema files"), "{}", stderr(&again));
    }
    // Printed, each format is one stream that loads as one file, and dumps are deterministic.
    for (format, file) in [("sql", "dump.sql"), ("yaml", "dump.yaml")] {
        let printed = ok(&run(cwd.path(), &["dump", "--db", &url, "--format", format], &dev));
        assert_eq!(printed, ok(&run(cwd.path(), &["dump", "--db", &url, "--format", format], &dev)));
        let path = cwd.path().join(file);
        std::fs::write(&path, &printed).unwrap();
        let diff = run(cwd.path(), &["diff", "--from", &url, "--to", path.to_str().unwrap()], &dev);
        assert_eq!(ok(&diff), "", "{format} printed: the dump does not diff empty");
    }
    let split_alone = run(cwd.path(), &["dump", "--db", &url, "--split"], &dev);
    assert_eq!(split_alone.status.code(), Some(2), "{}", stderr(&split_alone));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn what_a_dump_cannot_hold_is_reported_not_dropped() {
    let db = TestDb::new().await;
    db.client()
        .await
        .batch_execute(
            "CREATE FUNCTION public.same(integer, integer) RETURNS boolean LANGUAGE sql AS 'SELECT $1 = $2';\n\
             CREATE OPERATOR public.=== (LEFTARG = integer, RIGHTARG = integer, FUNCTION = public.same);\n\
             CREATE SCHEMA app;\nCREATE TABLE app.t (id integer PRIMARY KEY);\nDROP SCHEMA public CASCADE;",
        )
        .await
        .unwrap();
    let dev = schemactl_testkit::server().await.to_secret_url();
    let url = db.url.to_secret_url();
    let out = tempfile::tempdir().unwrap();
    let dumped = run(out.path(), &["dump", "--db", &url, "--out", "schema"], &dev);
    ok(&dumped);
    let err = stderr(&dumped);
    assert!(err.contains("warning: not dumped: a new database has schema public"), "{err}");
    assert_eq!(tree(&out.path().join("schema")), ["app.sql", "database.sql"]);
    let database = std::fs::read_to_string(out.path().join("schema/database.sql")).unwrap();
    assert!(database.contains("-- Not declarable: a new database has these"), "{database}");
    assert!(database.contains("--   schema public\n"), "{database}");
    // The operator went with the public schema; one elsewhere is listed as unmanaged.
    db.client()
        .await
        .batch_execute(
            "CREATE FUNCTION app.same(integer, integer) RETURNS boolean LANGUAGE sql AS 'SELECT $1 = $2';\n\
             CREATE OPERATOR app.=== (LEFTARG = integer, RIGHTARG = integer, FUNCTION = app.same);",
        )
        .await
        .unwrap();
    let printed = run(out.path(), &["dump", "--db", &url], &dev);
    let text = ok(&printed);
    assert!(stderr(&printed).contains("warning: unmanaged object, not dumped: operator app.===(integer, integer)"));
    assert!(text.contains("-- Not dumped: objects schemactl does not manage"), "{text}");
    assert!(text.contains("--   operator app.===(integer, integer)\n"), "{text}");
    assert!(
        text.contains("CREATE FUNCTION app.same") || text.contains("FUNCTION app.same(integer, integer)"),
        "{text}"
    );
}

#[test]
fn a_dump_never_prints_the_password() {
    let dir = tempfile::tempdir().unwrap();
    let out = run(dir.path(), &["dump", "--db", "postgresql://me:hunter2@/app?host=/nonexistent"], "");
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.starts_with("error: ") && !err.contains("hunter2"), "{err}");
}
