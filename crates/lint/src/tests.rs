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
