//! The linter as a whole: positions, context across statements, and a realistic hand-written
//! revision.

use std::path::Path;

use crate::{lint, Finding};

fn render(findings: &[Finding]) -> String {
    findings.iter().map(|f| format!("{f}\n")).collect()
}

#[test]
fn positions_are_file_positions() {
    let text = "-- backfill\nUPDATE t SET a = 1 WHERE a IS NULL;\n\n  DROP TABLE old_t;\nSELECT 1;";
    let findings = lint(Path::new("dir/r.sql"), text).unwrap();
    assert_eq!(render(&findings), "dir/r.sql:4:3: data-loss: drops table old_t and all its rows [drop-object]\n");
}

#[test]
fn do_blocks_in_desired_state_files_are_advised_against_at_their_position() {
    let text = "CREATE TABLE app.t (id int);\n\n  DO $$\nBEGIN\n  EXECUTE 'CREATE TABLE app.u (id int)';\nEND $$;\n\
                DO LANGUAGE plpgsql $x$ BEGIN NULL; END $x$;\n";
    let statements = schemactl_source::split_script(Path::new("schema/app.sql"), text).unwrap();
    let advice: Vec<String> = crate::lint_desired(&statements).unwrap().iter().map(|a| a.to_string()).collect();
    assert_eq!(advice.len(), 2, "{advice:?}");
    assert!(advice[0].starts_with("schema/app.sql:3:3: warning: a DO block in a schema file"), "{advice:?}");
    assert!(advice[0].ends_with("[do-block]"), "{advice:?}");
    assert!(advice[1].starts_with("schema/app.sql:7:1: "), "{advice:?}");
    // In a revision a DO block is a data migration like any other: no hazard of its own.
    assert_eq!(lint(Path::new("r.sql"), "DO $$ BEGIN NULL; END $$;").unwrap(), []);
}

#[test]
fn syntax_errors_are_located() {
    let err = lint(Path::new("r.sql"), "SELECT 1;\nDROP TABEL t;").unwrap_err().to_string();
    assert!(err.starts_with("r.sql:2:"), "{err}");
}

#[test]
fn new_objects_carry_no_lock_or_scan_hazards() {
    let text = "CREATE TABLE app.t (id int, email text);\nCREATE INDEX ON app.t (email);\n\
                ALTER TABLE app.t ADD CONSTRAINT t_pk PRIMARY KEY (id);\n\
                ALTER TABLE app.t ALTER COLUMN email SET NOT NULL;\nINSERT INTO app.t VALUES (1, 'a');";
    assert_eq!(lint(Path::new("r.sql"), text).unwrap(), []);
    // IF NOT EXISTS may find the table there already, with all its rows.
    let maybe = "CREATE TABLE IF NOT EXISTS app.t (id int);\nCREATE INDEX ON app.t (id);";
    assert_eq!(lint(Path::new("r.sql"), maybe).unwrap().len(), 1);
}

#[test]
fn a_hand_written_revision() {
    let text = "\
-- Split users.name into first and last names, keep the data.
ALTER TABLE app.users ADD COLUMN first_name text, ADD COLUMN last_name text;
UPDATE app.users SET first_name = split_part(name, ' ', 1), last_name = split_part(name, ' ', 2)
 WHERE first_name IS NULL;
ALTER TABLE app.users ALTER COLUMN first_name SET NOT NULL;
ALTER TABLE app.users DROP COLUMN name;
CREATE INDEX users_last_name ON app.users (last_name);
CREATE INDEX CONCURRENTLY users_first_name ON app.users (first_name);
ALTER TABLE app.users ADD CONSTRAINT users_team_fk FOREIGN KEY (team_id) REFERENCES app.teams (id) NOT VALID;
ALTER TABLE app.users VALIDATE CONSTRAINT users_team_fk;
CREATE TABLE app.name_log (user_id bigint, old_name text);
CREATE INDEX ON app.name_log (user_id);
TRUNCATE app.sessions;
DELETE FROM app.name_log;
GRANT SELECT ON app.name_log TO reporting;
CREATE OR REPLACE FUNCTION app.full_name(u app.users) RETURNS text
  LANGUAGE sql STABLE AS $$ SELECT u.first_name || ' ' || u.last_name $$;
";
    let findings = lint(Path::new("generated/20260101000000_split_names.sql"), text).unwrap();
    insta::assert_snapshot!(render(&findings));
}

/// One verdict: for every plan the fixtures pin (`fixtures/*/plan.sql.snap`) and every planned
/// revision of the example project, what lint finds for certain (not `needs_catalog`) is among
/// the hazards the planner recorded. Apply counts both for a planned revision, so a kind lint
/// adds would refuse a revision that an environment allowing exactly its header must run.
#[test]
fn lint_agrees_with_every_plan() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut scripts = Vec::new();
    for case in std::fs::read_dir(root.join("fixtures")).unwrap().map(|e| e.unwrap().path()) {
        if let Ok(snapshot) = std::fs::read_to_string(case.join("plan.sql.snap")) {
            // insta's header ends at the second `---` line; hazards are `-- hazard KIND: ...`.
            let sql = snapshot.splitn(3, "---\n").nth(2).unwrap_or_default().to_string();
            let planned: Vec<String> = sql
                .lines()
                .filter_map(|l| Some(l.strip_prefix("-- hazard ")?.split(':').next()?.to_string()))
                .collect();
            scripts.push((case.join("plan.sql"), sql.clone(), planned));
        }
    }
    for file in std::fs::read_dir(root.join("generated")).unwrap().map(|e| e.unwrap().path()) {
        let text = std::fs::read_to_string(&file).unwrap();
        if !text.contains("\n-- kind: planned\n") {
            continue;
        }
        let header = text.lines().find_map(|l| l.strip_prefix("-- hazards: ")).unwrap_or("none");
        let up = text.split("-- schemactl:up\n").nth(1).unwrap().split("-- schemactl:down\n").next().unwrap();
        scripts.push((file, up.to_string(), header.split(", ").map(str::to_string).collect()));
    }
    assert!(scripts.len() > 100, "scripts read: {}", scripts.len());
    let mut disagreements = Vec::new();
    for (file, sql, planned) in &scripts {
        for finding in lint(file, sql).unwrap().into_iter().filter(|f| !f.needs_catalog) {
            if !planned.contains(&finding.hazard.to_string()) {
                disagreements.push(format!("{finding} (recorded: {planned:?})"));
            }
        }
    }
    assert!(disagreements.is_empty(), "lint finds what the plan does not record:\n{}", disagreements.join("\n"));
}
