//! The bookkeeping SQL, as text: the live runner and the offline script send the very same
//! statements, so a script run by psql leaves the same history as `schemactl apply`.

use schemactl_revision::format::Section;
use schemactl_revision::{Revision, RevisionKind};

/// The advisory lock key every applier takes (the bytes of "schemact" as a big-endian bigint).
/// Advisory locks are per database, so appliers of different databases never wait on each other.
pub const LOCK_KEY: i64 = 8_314_604_121_892_152_180;

/// The schema holding the bookkeeping; introspection leaves it out so diffs never see it.
pub const SCHEMA: &str = "schemactl";

/// Creates the bookkeeping tables when missing, and adds the columns later versions brought to
/// databases created before them (`ADD COLUMN IF NOT EXISTS`). Safe to repeat.
pub const BOOKKEEPING_DDL: &str = "\
CREATE SCHEMA IF NOT EXISTS schemactl;
CREATE TABLE IF NOT EXISTS schemactl.history (
    revision text PRIMARY KEY,
    checksum text NOT NULL,
    message text NOT NULL DEFAULT '',
    applied_at timestamptz NOT NULL DEFAULT now(),
    duration_ms bigint,
    applied_by text NOT NULL DEFAULT current_user
);
ALTER TABLE schemactl.history ADD COLUMN IF NOT EXISTS replaces text;
ALTER TABLE schemactl.history ADD COLUMN IF NOT EXISTS up_sql text;
ALTER TABLE schemactl.history ADD COLUMN IF NOT EXISTS down_sql text;
ALTER TABLE schemactl.history ADD COLUMN IF NOT EXISTS schema_after text;
CREATE TABLE IF NOT EXISTS schemactl.steps (
    revision text NOT NULL,
    section text NOT NULL CHECK (section IN ('up', 'down')),
    segment integer NOT NULL,
    started_at timestamptz NOT NULL DEFAULT now(),
    applied_at timestamptz,
    PRIMARY KEY (revision, section, segment)
);
CREATE TABLE IF NOT EXISTS schemactl.log (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    action text NOT NULL CHECK (action IN ('up', 'down', 'stamp', 'recognise')),
    revision text NOT NULL,
    logged_at timestamptz NOT NULL DEFAULT now(),
    logged_by text NOT NULL DEFAULT current_user
);
ALTER TABLE schemactl.log ADD COLUMN IF NOT EXISTS note text;
ALTER TABLE schemactl.log DROP CONSTRAINT IF EXISTS log_action_check,
    ADD CONSTRAINT log_action_check CHECK (action IN ('up', 'down', 'stamp', 'recognise'));
";

/// String literals come from the one SQL-text module (E'' when they hold a backslash, so they
/// read back the same whatever `standard_conforming_strings` says).
pub use schemactl_sqltext::literal;

pub(crate) fn section_name(section: Section) -> &'static str {
    match section {
        Section::Up => "up",
        Section::Down => "down",
    }
}

fn step_key(revision: &Revision, section: Section, segment: usize) -> String {
    format!("{}, {}, {segment}", literal(&revision.id), literal(section_name(section)))
}

/// Marks a non-transactional segment as started before it runs: if the run dies, the next one
/// knows the statement may have left something behind (an invalid index).
pub fn step_started(revision: &Revision, section: Section, segment: usize) -> String {
    format!(
        "INSERT INTO schemactl.steps (revision, section, segment) VALUES ({}) ON CONFLICT DO NOTHING;",
        step_key(revision, section, segment)
    )
}

/// Records a segment (not the last one) of a revision as done.
pub fn step_done(revision: &Revision, section: Section, segment: usize) -> String {
    format!(
        "INSERT INTO schemactl.steps (revision, section, segment, applied_at) VALUES ({}, now()) \
         ON CONFLICT (revision, section, segment) DO UPDATE SET applied_at = excluded.applied_at;",
        step_key(revision, section, segment)
    )
}

/// What completes a revision, in the transaction of its last segment: the history row (added
/// or removed), the log entry, and the end of its step records.
pub fn finish(revision: &Revision, section: Section) -> String {
    let id = literal(&revision.id);
    let history = match section {
        // The duration covers every segment: from the first step record (earlier segments of a
        // resumed revision) or else from the start of this transaction.
        Section::Up => format!(
            "INSERT INTO schemactl.history (revision, checksum, message, {replaces_column}{STORED_COLUMNS}duration_ms) \
             VALUES ({id}, {}, {}, {replaces_value}{stored}(extract(epoch FROM clock_timestamp() - coalesce((SELECT \
             min(started_at) FROM schemactl.steps WHERE revision = {id} AND section = 'up'), now())) * 1000)::bigint);",
            literal(&revision.checksum),
            literal(&revision.message),
            replaces_column = replaces_column(revision),
            replaces_value = replaces_value(revision),
            stored = stored_values(revision),
        ),
        Section::Down => format!("DELETE FROM schemactl.history WHERE revision = {id};"),
    };
    format!(
        "{history}\nINSERT INTO schemactl.log (action, revision) VALUES ({}, {id});\n\
         DELETE FROM schemactl.steps WHERE revision = {id};",
        literal(section_name(section))
    )
}

/// Inserts a history row without running the revision (`stamp`); no duration.
pub fn stamp_insert(revision: &Revision) -> String {
    format!(
        "INSERT INTO schemactl.history (revision, checksum, {}{STORED_COLUMNS}message) VALUES ({}, {}, {}{}{});",
        replaces_column(revision),
        literal(&revision.id),
        literal(&revision.checksum),
        replaces_value(revision),
        stored_values(revision),
        literal(&revision.message)
    )
}

/// What the history keeps of each revision besides its checksum, so that a database can be
/// understood and undone by a tree that no longer has the file (a branch's revision,
/// re-planned or dropped at the merge): its SQL, and the schema it leaves.
const STORED_COLUMNS: &str = "up_sql, down_sql, schema_after, ";

/// The values of [`STORED_COLUMNS`]. The SQL is dollar-quoted (it reads as written, however
/// many quotes it holds). Only a planned revision vouches for the schema it leaves: a
/// hand-written one's header records the schema its SQL starts from.
fn stored_values(revision: &Revision) -> String {
    format!(
        "{}, {}, {}, ",
        schemactl_sqltext::dollar_quote(&revision.up),
        schemactl_sqltext::dollar_quote(&revision.down),
        schema_after(revision).map_or_else(|| "NULL".to_string(), literal)
    )
}

/// The schema fingerprint the history records for `revision` (see [`stored_values`]).
pub fn schema_after(revision: &Revision) -> Option<&str> {
    (revision.kind == RevisionKind::Planned && !revision.after.is_empty()).then_some(revision.after.as_str())
}

/// Records `revision` as applied without running it, because the database already has the
/// schema it leaves (see [`crate::range::recognise`]); logged as `recognise` with `note`.
pub fn recognise_insert(revision: &Revision, note: &str) -> String {
    format!(
        "{}\nINSERT INTO schemactl.log (action, revision, note) VALUES ('recognise', {}, {});",
        stamp_insert(revision),
        literal(&revision.id),
        literal(note)
    )
}

/// Forgets a history row of a revision the tree does not have, with why in the log.
pub fn forget_unknown(id: &str, note: &str) -> String {
    let id = literal(id);
    format!(
        "DELETE FROM schemactl.history WHERE revision = {id};\nDELETE FROM schemactl.steps WHERE revision = {id};\n\
         INSERT INTO schemactl.log (action, revision, note) VALUES ('recognise', {id}, {});",
        literal(note)
    )
}

/// What completes the undoing of a revision the tree does not have, run from the down SQL
/// the history stored: its row removed and the log saying where the SQL came from.
pub fn finish_unknown_down(id: &str) -> String {
    let id = literal(id);
    format!(
        "DELETE FROM schemactl.history WHERE revision = {id};\n\
         INSERT INTO schemactl.log (action, revision, note) VALUES ('down', {id}, \
         'unknown to the revision files: undone from the down SQL stored in schemactl.history');\n\
         DELETE FROM schemactl.steps WHERE revision = {id};"
    )
}

/// The `replaces` column is named only by rows that fill it: the history row of any other
/// revision is written exactly as before the column existed.
fn replaces_column(revision: &Revision) -> &'static str {
    if revision.replaces.is_some() {
        "replaces, "
    } else {
        ""
    }
}

fn replaces_value(revision: &Revision) -> String {
    revision.replaces.as_ref().map(|r| format!("{}, ", literal(&r.to_string()))).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literals_survive_quotes_and_backslashes() {
        assert_eq!(literal("it's"), "'it''s'");
        assert_eq!(literal(r"a\b'"), r"E'a\\b'''");
    }

    #[test]
    fn the_history_stores_the_sql_dollar_quoted_and_only_a_planned_schema_after() {
        use schemactl_revision::format::{build, Draft};
        let draft = |kind| Draft {
            id: "20260101000000".into(),
            slug: "s".into(),
            parent: None,
            message: "m".into(),
            kind,
            before: "b".into(),
            after: "fp".into(),
            hazards: Vec::new(),
            expects: Vec::new(),
            up: "SELECT $body$x$body$, 'it''s';".into(),
            down: "SELECT 1;".into(),
        };
        let planned = build(draft(RevisionKind::Planned));
        let insert = stamp_insert(&planned);
        assert!(
            insert.contains("$body1$SELECT $body$x$body$, 'it''s';$body1$, $body$SELECT 1;$body$, 'fp', "),
            "{insert}"
        );
        let manual = build(draft(RevisionKind::Manual));
        assert_eq!(schema_after(&manual), None);
        assert!(stamp_insert(&manual).contains("$body$SELECT 1;$body$, NULL, "));
    }

    #[test]
    fn the_lock_key_spells_schemact() {
        assert_eq!(LOCK_KEY.to_be_bytes(), *b"schemact");
    }
}
