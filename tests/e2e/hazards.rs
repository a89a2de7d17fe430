//! Hazards of revisions, refused and then allowed: `apply` and `down` refuse revisions whose
//! hazards are not allowed (exit 6) before running anything, `--allow-hazard` and
//! `allow_hazards` in schemactl.toml (per environment) allow them, `reseal` records the hazards
//! of hand-written revisions, and `schemactl lint` prints what it finds where.

use crate::project;

use project::{ok, stderr, stdout, stem, Project};
use schemactl_revision::RevisionKind;
use schemactl_testkit::TestDb;
use std::process::Output;

async fn strings(db: &TestDb, sql: &str) -> Vec<String> {
    let client = db.client().await;
    client.query(sql, &[]).await.unwrap_or_else(|e| panic!("{sql}: {e}")).iter().map(|r| r.get(0)).collect()
}

async fn exists(db: &TestDb, relation: &str) -> bool {
    strings(db, &format!("SELECT (to_regclass('{relation}') IS NOT NULL)::text")).await == ["true"]
}

async fn applied(db: &TestDb) -> Vec<String> {
    let sql = "SELECT coalesce(string_agg(revision, ' ' ORDER BY revision), '') FROM schemactl.history";
    strings(db, sql).await
}

fn refused(out: &Output) -> String {
    assert_eq!(out.status.code(), Some(6), "exit 6 expected\n--- stdout\n{}--- stderr\n{}", stdout(out), stderr(out));
    stderr(out)
}

/// The 1-based line of the first line of `text` equal to `line`.
fn line_of(text: &str, line: &str) -> usize {
    text.lines().position(|l| l == line).unwrap_or_else(|| panic!("no line {line:?} in\n{text}")) + 1
}

/// Two revisions: one creates a table with rows, the next drops it.
fn create_then_drop(p: &mut Project) -> (schemactl_revision::Revision, schemactl_revision::Revision) {
    let r1 =
        p.add("victims", "CREATE TABLE victims (id int);\nINSERT INTO victims VALUES (1), (2);", "DROP TABLE victims;");
    let r2 = p.add("drop victims", "DROP TABLE victims;", "CREATE TABLE victims (id int);");
    (r1, r2)
}

#[tokio::test]
async fn apply_refuses_a_drop_until_data_loss_is_allowed() {
    let db = TestDb::new().await;
    let url = db.url.to_secret_url();
    let mut p = Project::new();
    let (r1, r2) = create_then_drop(&mut p);

    let err = refused(&p.run(&["apply", "--db", &url]));
    let line = line_of(&r2.text, "DROP TABLE victims;");
    assert!(err.contains("refusing to apply: hazards that are not allowed:"), "{err}");
    assert!(err.contains(&format!("\n  {}: data-loss\n", r2.file_name)), "names the revision and the kind: {err}");
    assert!(
        err.contains(&format!(
            "generated/{}:{line}:1: data-loss: drops table victims and all its rows [drop-object]",
            r2.file_name
        )),
        "{err}"
    );
    assert!(err.contains("--allow-hazard KIND"), "says how to allow it: {err}");
    assert!(!err.contains(&r1.file_name), "the first revision has no hazard: {err}");
    // Refused before anything ran: not even the harmless first revision.
    assert!(!exists(&db, "victims").await);
    assert_eq!(applied(&db).await, [""]);
    // The offline script is as dangerous, and refused the same way.
    refused(&p.run(&["apply", "--sql", "--from", "base"]));
    // Allowing another kind does not help.
    refused(&p.run(&["apply", "--db", &url, "--allow-hazard", "index-build"]));

    let out = ok(&p.run(&["apply", "--db", &url, "--allow-hazard", "data-loss"]));
    assert!(
        out.contains(&format!("applied {}", stem(&r1))) && out.contains(&format!("applied {}", stem(&r2))),
        "{out}"
    );
    assert!(!exists(&db, "victims").await);
    assert_eq!(applied(&db).await, [format!("{} {}", r1.id, r2.id)]);
}

#[tokio::test]
async fn environments_allow_their_own_hazards() {
    let db = TestDb::new().await;
    let url = db.url.to_secret_url();
    let mut p = Project::new();
    let (_, r2) = create_then_drop(&mut p);
    let config = p.generated().parent().unwrap().join("schemactl.toml");
    let quoted = format!("{url:?}");
    std::fs::write(
        &config,
        format!(
            "revisions = \"generated\"\nallow_hazards = [\"index-build\"]\n\n\
             [environments.live]\nurl = {quoted}\nallow_hazards = [\"data-loss\"]\n\n\
             [environments.uat]\nurl = {quoted}\n"
        ),
    )
    .unwrap();

    // uat inherits the project's list, which does not allow data-loss.
    let err = refused(&p.run(&["apply", "--env", "uat"]));
    assert!(err.contains(&format!("{}: data-loss", r2.file_name)), "{err}");
    assert!(!exists(&db, "victims").await);
    let out = ok(&p.run(&["apply", "--env", "live"]));
    assert!(out.contains(&format!("applied {}", stem(&r2))), "{out}");
    assert!(!exists(&db, "victims").await);
}

#[tokio::test]
async fn down_refuses_a_down_section_that_loses_data() {
    let db = TestDb::new().await;
    let url = db.url.to_secret_url();
    let mut p = Project::new();
    let r1 = p.add(
        "kept",
        "CREATE TABLE kept (id int);\nINSERT INTO kept VALUES (1);",
        "UPDATE kept SET id = 0;\nDROP TABLE kept;",
    );
    ok(&p.run(&["apply", "--db", &url]));

    let err = refused(&p.run(&["down", "--db", &url]));
    assert!(err.contains("refusing to undo: hazards that are not allowed:"), "{err}");
    assert!(err.contains(&format!("\n  {}: data-loss\n", r1.file_name)), "{err}");
    let (update, drop) = (line_of(&r1.text, "UPDATE kept SET id = 0;"), line_of(&r1.text, "DROP TABLE kept;"));
    assert!(
        err.contains(&format!(
            "generated/{}:{update}:1: data-loss: UPDATE without WHERE overwrites id in every row of kept",
            r1.file_name
        )),
        "{err}"
    );
    assert!(err.contains(&format!("generated/{}:{drop}:1: data-loss: drops table kept", r1.file_name)), "{err}");
    assert_eq!(strings(&db, "SELECT string_agg(id::text, ',') FROM kept").await, ["1"], "nothing ran");
    assert_eq!(applied(&db).await, std::slice::from_ref(&r1.id));
    refused(&p.run(&["down", "--sql", "--db", &url]));

    let out = ok(&p.run(&["down", "--db", &url, "--allow-hazard", "data-loss"]));
    assert!(out.starts_with(&format!("reverted {}", stem(&r1))), "{out}");
    assert!(!exists(&db, "kept").await);
    assert_eq!(applied(&db).await, [""]);
}

#[test]
fn reseal_records_the_hazards_of_hand_written_revisions() {
    let mut p = Project::new();
    p.add("planned", "CREATE TABLE t (id int);", "DROP TABLE t;");
    let manual = p.add_kind(
        RevisionKind::Manual,
        "purge and index",
        "DELETE FROM t;\nCREATE INDEX t_id ON t (id);",
        "DROP INDEX t_id;",
    );
    assert!(manual.text.contains("\n-- hazards: none\n"));
    let out = ok(&p.run(&["reseal"]));
    let path = p.generated().join(&manual.file_name);
    assert!(out.contains(&format!("generated/{}: hazards: data-loss, index-build", manual.file_name)), "{out}");
    let text = std::fs::read_to_string(&path).unwrap();
    assert_eq!(
        text,
        manual.text.replace("\n-- hazards: none\n", "\n-- hazards: data-loss, index-build\n"),
        "only the hazards line changes"
    );
    // The new text is what was sealed; a second reseal changes nothing.
    let again = ok(&p.run(&["reseal"]));
    assert!(!again.contains("hazards:"), "{again}");
    assert_eq!(std::fs::read_to_string(&path).unwrap(), text);
    ok(&p.run(&["history", "--offline"]));
    // A planned revision keeps the planner's hazards: its DROP in the down section is not recorded.
    let planned = std::fs::read_to_string(p.generated().join(&p.revisions[0].file_name)).unwrap();
    assert_eq!(planned, p.revisions[0].text);
}

#[test]
fn lint_prints_each_finding_where_it_is() {
    let p = Project::new();
    let dir = p.generated().parent().unwrap().to_path_buf();
    std::fs::write(
        dir.join("migration.sql"),
        "-- Hand-written.\nUPDATE users SET plan = 'free' WHERE plan IS NULL;\n\
         CREATE INDEX users_plan ON users (plan);\n  ALTER TABLE users DROP COLUMN legacy;\n\
         CREATE TABLE scratch (id int);\nCREATE INDEX ON scratch (id);\n",
    )
    .unwrap();
    let expected =
        "migration.sql:3:1: index-build: CREATE INDEX users_plan builds from every row of users while writes \
                    wait; use CREATE INDEX CONCURRENTLY [create-index]\n\
                    migration.sql:4:3: data-loss: drops column legacy of users and its values [drop-column]\n";
    let out = p.run(&["lint", "migration.sql"]);
    assert_eq!(out.status.code(), Some(6), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        format!(
            "{expected}2 hazard(s) in 1 file(s): data-loss 1, index-build 1; not allowed: data-loss, index-build\n"
        )
    );
    assert!(stderr(&out).contains("--allow-hazard data-loss --allow-hazard index-build"), "{}", stderr(&out));

    let out = ok(&p.run(&["lint", "migration.sql", "--allow-hazard", "all"]));
    assert_eq!(out, format!("{expected}2 hazard(s) in 1 file(s): data-loss 1, index-build 1; all allowed\n"));
    let partly = p.run(&["lint", "migration.sql", "--allow-hazard", "data-loss"]);
    assert_eq!(partly.status.code(), Some(6));

    std::fs::write(dir.join("broken.sql"), "SELECT 1;\nDELETE FORM users;\n").unwrap();
    let out = p.run(&["lint", "broken.sql"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("broken.sql:2:8: syntax error"), "{}", stderr(&out));
}

#[test]
fn lint_without_files_warns_about_do_blocks_in_schema_files() {
    let mut p = Project::new();
    p.add("users", "CREATE TABLE users (id int);", "DROP TABLE users;");
    let schema = p.generated().parent().unwrap().join("schema");
    std::fs::create_dir(&schema).unwrap();
    std::fs::write(
        schema.join("app.sql"),
        "CREATE TABLE users (id int);\nDO $$ BEGIN EXECUTE 'CREATE TABLE audit (id int)'; END $$;\n",
    )
    .unwrap();
    let out = p.run(&["lint"]);
    // A warning only: the revisions' hazards decide the exit status.
    assert_eq!(out.status.code(), Some(6), "{}", stderr(&out));
    let printed = stdout(&out);
    let lines: Vec<&str> = printed.lines().collect();
    let warning = lines.iter().find(|l| l.contains("[do-block]")).unwrap_or_else(|| panic!("{lines:?}"));
    assert!(warning.ends_with("schema/app.sql:2:1: warning: a DO block in a schema file: what it creates cannot be reviewed as declared state; write the objects it makes as declarative statements (CREATE ..., GRANT ..., COMMENT ON ...) [do-block]"), "{warning}");
    let out = ok(&p.run(&["lint", "--allow-hazard", "all"]));
    assert!(out.contains("[do-block]"), "{out}");
}

#[test]
fn lint_without_files_reads_every_revision_section() {
    let mut p = Project::new();
    let r1 = p.add("users", "CREATE TABLE users (id int);\nCREATE INDEX users_id ON users (id);", "DROP TABLE users;");
    let r2 = p.add("ssn", "ALTER TABLE users ADD COLUMN ssn text UNIQUE;", "ALTER TABLE users DROP COLUMN ssn;");
    let out = p.run(&["lint"]);
    assert_eq!(out.status.code(), Some(6), "{}", stderr(&out));
    let (drop, add, drop_column) = (
        line_of(&r1.text, "DROP TABLE users;"),
        line_of(&r2.text, "ALTER TABLE users ADD COLUMN ssn text UNIQUE;"),
        line_of(&r2.text, "ALTER TABLE users DROP COLUMN ssn;"),
    );
    let lines: Vec<String> = stdout(&out).lines().map(str::to_string).collect();
    assert_eq!(
        lines,
        [
            format!("generated/{}:{drop}:1: data-loss: drops table users and all its rows [drop-object]", r1.file_name),
            format!(
                "generated/{}:{add}:1: index-build: UNIQUE builds its index on users while writes wait; CREATE UNIQUE \
                 INDEX CONCURRENTLY first, then ADD CONSTRAINT ... UNIQUE USING INDEX [add-constraint]",
                r2.file_name
            ),
            format!(
                "generated/{}:{drop_column}:1: data-loss: drops column ssn of users and its values [drop-column]",
                r2.file_name
            ),
            "3 hazard(s) in 2 file(s): data-loss 2, index-build 1; not allowed: data-loss, index-build".to_string(),
        ]
    );
    // A revision file named on the command line is linted section by section too.
    let one = p.run(&["lint", &format!("generated/{}", r1.file_name), "--allow-hazard", "data-loss"]);
    assert_eq!(
        ok(&one),
        format!(
            "generated/{}:{drop}:1: data-loss: drops table users and all its rows [drop-object]\n\
             1 hazard(s) in 1 file(s): data-loss 1; all allowed\n",
            r1.file_name
        )
    );
}

/// `max_rewrite_rows` / `max_scan_rows`: an environment refuses a rewrite or an index build of
/// a table bigger than its limit before anything runs, even with every hazard allowed; another
/// environment with room for it applies the same revision. And a plan made against the live
/// database prices its hazards with that table's size.
#[tokio::test]
async fn environments_refuse_rewrites_and_scans_of_tables_over_their_size_limits() {
    let db = TestDb::new().await;
    let url = db.url.to_secret_url();
    let mut p = Project::new();
    let r1 = p.add("events", "CREATE TABLE events (id int, kind int);", "DROP TABLE events;");
    let config = p.generated().parent().unwrap().join("schemactl.toml");
    let quoted = format!("{url:?}");
    std::fs::write(
        &config,
        format!(
            "revisions = \"generated\"\nmax_rewrite_rows = 1000\n\n\
             [environments.small]\nurl = {quoted}\nmax_scan_rows = 1000\n\n\
             [environments.big]\nurl = {quoted}\nmax_rewrite_rows = 1000000\nmax_scan_rows = 1000000\n"
        ),
    )
    .unwrap();
    ok(&p.run(&["apply", "--env", "small", "--allow-hazard", "all"]));
    db.execute_script("INSERT INTO events SELECT g, g % 7 FROM generate_series(1, 5000) g; ANALYZE events;").await;

    // Priced against the live database, in the script and in the JSON.
    let target = p.generated().parent().unwrap().join("wanted.sql");
    std::fs::write(&target, "CREATE TABLE public.events (id int, kind bigint);\n").unwrap();
    let dev = schemactl_testkit::server().await.to_secret_url();
    let diff = |format: &str| {
        ok(&p.run(&["diff", "--from", &url, "--to", target.to_str().unwrap(), "--dev-url", &dev, "--format", format]))
    };
    let script = diff("sql");
    assert!(script.contains("may rewrite the table (public.events: 5000 rows, "), "{script}");
    assert!(script.contains("; expect about a second)"), "{script}");
    let json: serde_json::Value = serde_json::from_str(&diff("json")).unwrap();
    let size = &json["steps"][0]["hazards"][0]["size"];
    assert_eq!((size["table"].as_str(), size["rows"].as_u64()), (Some("public.events"), Some(5000)), "{json}");

    let r2 = p.add_kind(
        RevisionKind::Manual,
        "widen kind",
        "ALTER TABLE events ALTER COLUMN kind TYPE bigint;\nCREATE INDEX events_id ON events (id);",
        "DROP INDEX events_id;\nALTER TABLE events ALTER COLUMN kind TYPE int;",
    );
    let err = refused(&p.run(&["apply", "--env", "small", "--allow-hazard", "all"]));
    assert!(err.contains("refusing to apply: tables too big for this environment's limits:"), "{err}");
    let rewrite = line_of(&r2.text, "ALTER TABLE events ALTER COLUMN kind TYPE bigint;");
    assert!(
        err.contains(&format!(
            "{}: generated/{}:{rewrite}:1: table-rewrite of public.events (5000 rows, ",
            r2.file_name, r2.file_name
        )),
        "{err}"
    );
    assert!(err.contains("over the max_rewrite_rows limit of 1000 rows"), "{err}");
    assert!(err.contains("index-build of public.events (5000 rows, "), "{err}");
    assert!(err.contains("over the max_scan_rows limit of 1000 rows"), "{err}");
    assert_eq!(applied(&db).await, [r1.id.as_str()], "nothing ran");
    assert_eq!(strings(&db, "SELECT format_type(atttypid, NULL) FROM pg_attribute WHERE attrelid = 'events'::regclass AND attname = 'kind'").await, ["integer"]);

    // status prices the pending work and says what this environment would refuse.
    let status = p.run(&["status", "--env", "small", "--no-drift"]);
    assert_eq!(status.status.code(), Some(8), "pending: {}", stderr(&status));
    let said = stdout(&status);
    assert!(
        said.contains(&format!(
            "      table-rewrite of public.events (5000 rows, {}; expect about a second; over max_rewrite_rows = 1000: apply refuses it) at generated/{}:{rewrite}:1",
            said.split("(5000 rows, ").nth(1).and_then(|r| r.split(';').next()).unwrap_or("?"),
            r2.file_name
        )),
        "{said}"
    );
    let status = p.run(&["status", "--env", "big", "--no-drift"]);
    assert!(stdout(&status).contains("index-build of public.events (5000 rows, "), "{}", stdout(&status));
    assert!(!stdout(&status).contains("apply refuses it"), "{}", stdout(&status));

    let out = ok(&p.run(&["apply", "--env", "big", "--allow-hazard", "all"]));
    assert!(out.contains(&format!("applied {}", stem(&r2))), "{out}");
    assert_eq!(strings(&db, "SELECT count(*)::text FROM events").await, ["5000"]);
}
