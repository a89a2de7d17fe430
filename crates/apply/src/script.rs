//! `--sql`: the same steps as a live run, written out as one plain SQL script for a DBA to
//! review and run (psql, or any client that stops at the first error).

use std::ops::Range;
use std::path::Path;

use schemactl_revision::format::Section;
use schemactl_revision::Revision;

use crate::drive::{run_revision, Runner, Step};
use crate::error::Result;
use crate::sql::{literal, BOOKKEEPING_DDL, LOCK_KEY};
use schemactl_sqltext::comment;

/// Writes steps as SQL text.
struct ScriptRunner {
    out: String,
}

impl Runner for ScriptRunner {
    async fn step(&mut self, step: &Step<'_>) -> Result<()> {
        // The guard goes inside the first transaction when there is one: even a client that
        // carries on after errors then only reaches a COMMIT that rolls back.
        let guard = (step.index == 0).then(|| guard(step.revision, step.section));
        let out = &mut self.out;
        if step.transactional {
            out.push_str("BEGIN;\n");
            out.extend(guard);
            for statement in step.statements {
                out.push_str(&statement.sql);
                out.push_str(";\n");
            }
        } else {
            out.extend(guard);
            if let Some(before) = &step.before {
                out.push_str(before);
                out.push('\n');
            }
            for statement in step.statements {
                out.push_str(&statement.sql);
                out.push_str(";\n");
            }
            out.push_str("BEGIN;\n");
        }
        out.push_str(&step.after);
        out.push_str("\nCOMMIT;\n");
        Ok(())
    }
}

/// Raises unless the database is exactly where this revision expects it: run twice, or against
/// another database, the script stops instead of applying anything twice.
fn guard(revision: &Revision, section: Section) -> String {
    let id = literal(&revision.id);
    let current = "coalesce((SELECT max(revision) FROM schemactl.history), 'base')";
    let checks = match section {
        Section::Up => {
            let parent = revision.parent.as_deref().map_or_else(|| "NULL".to_string(), literal);
            let parent_name = literal(revision.parent.as_deref().unwrap_or("base"));
            format!(
                "    IF EXISTS (SELECT FROM schemactl.history WHERE revision = {id}) THEN
        RAISE EXCEPTION 'schemactl: revision % is already applied to this database', {id};
    END IF;
    IF EXISTS (SELECT FROM schemactl.steps WHERE revision = {id}) THEN
        RAISE EXCEPTION 'schemactl: revision % is partly applied here; finish it with schemactl apply', {id};
    END IF;
    IF (SELECT max(revision) FROM schemactl.history) IS DISTINCT FROM {parent} THEN
        RAISE EXCEPTION 'schemactl: revision % follows %, but this database is at %', {id}, {parent_name}, {current};
    END IF;
"
            )
        }
        Section::Down => format!(
            "    IF (SELECT max(revision) FROM schemactl.history) IS DISTINCT FROM {id} THEN
        RAISE EXCEPTION 'schemactl: cannot undo revision %: this database is at %', {id}, {current};
    END IF;
"
        ),
    };
    let (declare, replaced) = match (&revision.replaces, section) {
        (Some(r), Section::Up) => ("DECLARE\n    found text[];\n", replaced_check(revision, r)),
        _ => ("", String::new()),
    };
    // Ids come from file names: the tag is one the literals inside cannot close.
    let body = format!("\n{declare}BEGIN\n{checks}{replaced}END\n");
    let tag = schemactl_sqltext::dollar_tag_named("schemactl", &body);
    format!("DO {tag}{body}{tag};\n")
}

/// The live check of a baseline ([`crate::check_replaced`]) as PL/pgSQL: where the tool's table
/// exists it must record exactly the replaced revision. The table is read through EXECUTE, so
/// that the block compiles on a database without it.
fn replaced_check(revision: &Revision, replaced: &schemactl_revision::Replaced) -> String {
    let (table, column) = replaced.table();
    let column = schemactl_sqltext::ident(column);
    let query = format!(
        "SELECT array_agg({column}::text ORDER BY 1) FROM {} WHERE {column} IS NOT NULL",
        schemactl_sqltext::ident(table)
    );
    let tool = replaced.tool_name();
    // RAISE takes % as a placeholder: the user's text has its own doubled.
    let text = |t: &str| t.replace('%', "%%");
    let message = format!(
        "schemactl: {} replaces {tool} revision {}, but this database is at % (bring it to that revision with {tool} \
         first, then apply the baseline)",
        text(&revision.file_name),
        text(&replaced.revision)
    );
    format!(
        "    IF to_regclass({}) IS NOT NULL THEN
        EXECUTE {} INTO found;
        IF found IS DISTINCT FROM ARRAY[{}] THEN
            RAISE EXCEPTION {}, coalesce(array_to_string(found, ', '), 'its base');
        END IF;
    END IF;
",
        literal(table),
        literal(&query),
        literal(&replaced.revision),
        literal(&message),
    )
}

fn header(out: &mut String, title: &str) {
    out.push_str(&format!(
        "{title}\n\
         -- Written by schemactl. Run it with: psql -v ON_ERROR_STOP=1 -f <this file>\n\
         -- Each revision first checks that the database is at the revision it expects, and its\n\
         -- transactional statements commit together with its schemactl.history row: run twice,\n\
         -- or against another database, the script stops instead of changing anything twice.\n\
         -- Statements that cannot run in a transaction (CREATE INDEX CONCURRENTLY...) run on\n\
         -- their own, each recorded in schemactl.steps so that `schemactl apply` can resume.\n\n\
         -- Wait for any running `schemactl apply` (the same advisory lock; released on disconnect).\n\
         DO $schemactl$ BEGIN PERFORM pg_advisory_lock({LOCK_KEY}); END $schemactl$;\n",
        // Revision ids come from file names: any character may be in them.
        title = comment(title)
    ));
}

fn footer(out: &mut String) {
    out.push_str(&format!("DO $schemactl$ BEGIN PERFORM pg_advisory_unlock({LOCK_KEY}); END $schemactl$;\n"));
}

fn name(index: Option<usize>, list: &[Revision]) -> &str {
    index.map_or("base", |i| list[i].id.as_str())
}

/// The script that applies `list[range]` to a database at `list[range.start - 1]` (or base).
pub async fn render_up(dir: &Path, list: &[Revision], range: Range<usize>) -> Result<String> {
    let mut out = String::new();
    let from = name(range.start.checked_sub(1), list);
    if range.is_empty() {
        return Ok(format!("{}\n", comment(&format!("schemactl: nothing to apply (the database is at {from})"))));
    }
    let to = name(Some(range.end - 1), list);
    header(&mut out, &format!("schemactl apply: {} revision(s), from {from} to {to}", range.len()));
    out.push_str("\n-- Bookkeeping (created when missing).\n");
    out.push_str(BOOKKEEPING_DDL);
    let mut runner = ScriptRunner { out };
    for revision in &list[range] {
        let segments = revision.up_segments(dir)?;
        // File names and messages are the user's text: a line break must not end the comment.
        runner.out.push_str(&format!("\n{}\n", comment(&format!("{}: {}", revision.file_name, revision.message))));
        run_revision(&mut runner, revision, Section::Up, &segments, &Default::default()).await?;
    }
    runner.out.push('\n');
    footer(&mut runner.out);
    Ok(runner.out)
}

/// The script that undoes `list[range]`, newest first, from a database at `list[range.end - 1]`.
pub async fn render_down(dir: &Path, list: &[Revision], range: Range<usize>) -> Result<String> {
    let mut out = String::new();
    if range.is_empty() {
        let at = name(range.end.checked_sub(1), list);
        return Ok(format!("{}\n", comment(&format!("schemactl: nothing to undo (the database is at {at})"))));
    }
    let from = name(Some(range.end - 1), list);
    let to = name(range.start.checked_sub(1), list);
    header(&mut out, &format!("schemactl down: undoes {} revision(s), from {from} back to {to}", range.len()));
    let mut runner = ScriptRunner { out };
    for revision in list[range].iter().rev() {
        let segments = revision.down_segments(dir)?;
        runner.out.push_str(&format!("\n{}\n", comment(&format!("undo {}: {}", revision.file_name, revision.message))));
        run_revision(&mut runner, revision, Section::Down, &segments, &Default::default()).await?;
    }
    runner.out.push('\n');
    footer(&mut runner.out);
    Ok(runner.out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use schemactl_revision::format::{build, Draft};
    use schemactl_revision::RevisionKind;

    fn revision(id: &str, parent: Option<&str>, message: &str, up: &str, down: &str) -> Revision {
        build(Draft {
            id: id.into(),
            slug: schemactl_revision::slug(message),
            parent: parent.map(Into::into),
            message: message.into(),
            kind: RevisionKind::Planned,
            before: "b".into(),
            after: "a".into(),
            hazards: Vec::new(),
            expects: Vec::new(),
            up: up.into(),
            down: down.into(),
        })
    }

    fn sample() -> Vec<Revision> {
        vec![
            revision(
                "20261126014500",
                None,
                "add widgets",
                "CREATE TABLE widgets (id bigint PRIMARY KEY, note text);\nINSERT INTO widgets VALUES (1, 'it''s');",
                "DROP TABLE widgets;",
            ),
            revision(
                "20261127090000",
                Some("20261126014500"),
                "index notes",
                "ALTER TABLE widgets ADD COLUMN kind text;\nCREATE INDEX CONCURRENTLY widgets_note ON widgets (note);\n\
                 COMMENT ON INDEX widgets_note IS 'notes';",
                "DROP INDEX CONCURRENTLY widgets_note;\nALTER TABLE widgets DROP COLUMN kind;",
            ),
        ]
    }

    #[tokio::test]
    async fn up_script() {
        let list = sample();
        insta::assert_snapshot!(render_up(Path::new("generated"), &list, 0..2).await.unwrap());
    }

    #[tokio::test]
    async fn down_script() {
        let list = sample();
        insta::assert_snapshot!(render_down(Path::new("generated"), &list, 0..2).await.unwrap());
    }

    /// Messages and file names are the user's text: written into comments, they stay there.
    #[tokio::test]
    async fn comments_hold_any_message() {
        let mut list = sample();
        list[0].message = "add\nDROP TABLE victim;\r-- widgets".into();
        list[0].file_name = "20261126014500_x\nDROP TABLE victim;.sql".into();
        // Up creates widgets, down drops it: the only DROP TABLE either script may hold.
        for (script, drops) in [
            (render_up(Path::new("generated"), &list, 0..1).await.unwrap(), 0),
            (render_down(Path::new("generated"), &list, 0..1).await.unwrap(), 1),
        ] {
            let parsed = pg_query::parse(&script, 0).unwrap();
            assert_eq!(parsed.statement_types().iter().filter(|k| **k == "DropStmt").count(), drops, "{script}");
            assert!(script.contains("add\\nDROP TABLE victim;\\r-- widgets"), "{script}");
        }
    }

    /// A baseline's script checks Alembic's table where it exists and records what it replaced.
    #[tokio::test]
    async fn a_baseline_script_checks_and_records_what_it_replaces() {
        let mut list = sample();
        list[0].replaces = Some(schemactl_revision::Replaced::new("alembic", "a1b2%c3").unwrap());
        let script = render_up(Path::new("generated"), &list, 0..2).await.unwrap();
        pg_query::parse(&script, 0).unwrap();
        assert!(script.contains("IF to_regclass('alembic_version') IS NOT NULL THEN"), "{script}");
        assert!(script.contains("IS DISTINCT FROM ARRAY['a1b2%c3']"), "{script}");
        assert!(script.contains("replaces Alembic revision a1b2%%c3, but this database is at %"), "{script}");
        assert!(
            script.contains(
                "INSERT INTO schemactl.history (revision, checksum, message, replaces, up_sql, down_sql, schema_after, \
                 duration_ms)"
            ),
            "{script}"
        );
        assert!(script.contains("'alembic a1b2%c3', $body$CREATE TABLE widgets"), "{script}");
        // The next revision's guard and row are as they always were.
        assert_eq!(script.matches("to_regclass('alembic_version')").count(), 1, "{script}");
    }

    #[tokio::test]
    async fn empty_ranges_say_where_the_database_is() {
        let list = sample();
        let up = render_up(Path::new("generated"), &list, 2..2).await.unwrap();
        assert_eq!(up, "-- schemactl: nothing to apply (the database is at 20261127090000)\n");
        let down = render_down(Path::new("generated"), &list, 0..0).await.unwrap();
        assert_eq!(down, "-- schemactl: nothing to undo (the database is at base)\n");
    }
}
