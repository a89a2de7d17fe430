//! The one place that decides how a revision runs: which statements share a transaction and
//! which bookkeeping commits with them. A [`Runner`] carries it out, against a live database
//! or into a script, so both always do the same thing.

use std::collections::BTreeSet;

use pg_query::protobuf::AlterTableType;
use pg_query::NodeEnum;
use schemactl_revision::format::Section;
use schemactl_revision::{Revision, RevisionKind, Segment};
use schemactl_source::Statement;

use crate::error::Result;
use crate::sql;

/// One segment of a revision with its bookkeeping.
pub(crate) struct Step<'a> {
    pub revision: &'a Revision,
    pub section: Section,
    /// The segment's index (what `schemactl.steps` records) and how many the section has.
    pub index: usize,
    pub count: usize,
    pub statements: &'a [Statement],
    /// How many statements of the section come before this step's, and how many it has in all:
    /// progress is reported as statement i of n.
    pub statements_before: usize,
    pub statements_total: usize,
    /// True: the statements and `after` commit together. False: one statement that runs
    /// outside a transaction, then `after` in a transaction of its own.
    pub transactional: bool,
    /// Committed before a non-transactional statement runs, so that a run killed inside it is
    /// recognised as interrupted there.
    pub before: Option<String>,
    /// The step record, or for the last segment the history change that completes the revision.
    pub after: String,
}

/// Carries out steps.
pub(crate) trait Runner {
    async fn step(&mut self, step: &Step<'_>) -> Result<()>;

    /// Session settings (`SET ...`) of segments a previous run completed: a resumed run
    /// skips those segments, but the steps after them expect their settings (timeouts).
    async fn replay_settings(&mut self, _statements: &[&Statement]) -> Result<()> {
        Ok(())
    }
}

/// The segments a revision runs as. In a planned revision, `VALIDATE CONSTRAINT` also runs in
/// a transaction of its own: its scan takes a lock that lets reads and writes continue, and
/// must not hold on to the locks of the steps before it (the `ADD CONSTRAINT ... NOT VALID`
/// it follows takes one that blocks them). Hand-written revisions keep their statements in
/// one transaction, as written.
pub(crate) fn segments(revision: &Revision, segments: &[Segment]) -> Vec<Segment> {
    if revision.kind != RevisionKind::Planned {
        return segments.to_vec();
    }
    let mut out: Vec<Segment> = Vec::new();
    for segment in segments {
        if !segment.transactional {
            out.push(segment.clone());
            continue;
        }
        let mut current: Vec<Statement> = Vec::new();
        for statement in &segment.statements {
            if validates(&statement.sql) {
                if !current.is_empty() {
                    out.push(Segment { statements: std::mem::take(&mut current), transactional: true });
                }
                out.push(Segment { statements: vec![statement.clone()], transactional: true });
            } else {
                current.push(statement.clone());
            }
        }
        if !current.is_empty() {
            out.push(Segment { statements: current, transactional: true });
        }
    }
    out
}

fn parsed(sql: &str) -> Option<NodeEnum> {
    pg_query::parse(sql, 0).ok()?.protobuf.stmts.into_iter().next()?.stmt?.node
}

/// `ALTER TABLE ... VALIDATE CONSTRAINT ...` and nothing else, or `ALTER DOMAIN ... VALIDATE
/// CONSTRAINT ...`.
fn validates(sql: &str) -> bool {
    let s = match parsed(sql) {
        Some(NodeEnum::AlterTableStmt(s)) => s,
        Some(NodeEnum::AlterDomainStmt(d)) => return d.subtype == "V",
        _ => return false,
    };
    !s.cmds.is_empty()
        && s.cmds.iter().all(|c| {
            matches!(&c.node, Some(NodeEnum::AlterTableCmd(cmd)) if cmd.subtype == AlterTableType::AtValidateConstraint as i32)
        })
}

/// A session-level `SET` (not `SET LOCAL`, which ends with its transaction).
fn sets_session(sql: &str) -> bool {
    matches!(parsed(sql), Some(NodeEnum::VariableSetStmt(s)) if !s.is_local)
}

/// Runs `section` of `revision` (already split into `segments`), skipping the segments in
/// `done`. A section without non-transactional statements (nor, planned, validations: see
/// [`segments`]) is a single segment: one transaction together with its history change, so a
/// crash leaves the revision either wholly applied or not at all. Otherwise every segment is a
/// recorded step and a rerun resumes, with the settings (`SET`) of the skipped ones restored.
pub(crate) async fn run_revision<R: Runner>(
    runner: &mut R,
    revision: &Revision,
    section: Section,
    segments: &[Segment],
    done: &BTreeSet<usize>,
) -> Result<()> {
    run_revision_finishing(runner, revision, section, segments, done, &sql::finish(revision, section)).await
}

/// [`run_revision`] with `finish` as the bookkeeping that completes it (a revision undone from
/// the SQL the history stored is recorded differently).
pub(crate) async fn run_revision_finishing<R: Runner>(
    runner: &mut R,
    revision: &Revision,
    section: Section,
    segments: &[Segment],
    done: &BTreeSet<usize>,
    finish: &str,
) -> Result<()> {
    let empty = [Segment { statements: Vec::new(), transactional: true }];
    let split = self::segments(revision, segments);
    let segments = if split.is_empty() { &empty[..] } else { &split[..] };
    let tracked = segments.len() > 1 || segments.iter().any(|s| !s.transactional);
    let last = segments.len() - 1;
    let statements_total = segments.iter().map(|s| s.statements.len()).sum();
    let mut statements_before = 0;
    for (index, segment) in segments.iter().enumerate() {
        let before_this = statements_before;
        statements_before += segment.statements.len();
        if done.contains(&index) && index != last {
            let settings: Vec<&Statement> = segment.statements.iter().filter(|s| sets_session(&s.sql)).collect();
            if !settings.is_empty() {
                runner.replay_settings(&settings).await?;
            }
            continue;
        }
        let after = if index == last { finish.to_string() } else { sql::step_done(revision, section, index) };
        let step = Step {
            revision,
            section,
            index,
            count: segments.len(),
            statements: &segment.statements,
            statements_before: before_this,
            statements_total,
            transactional: segment.transactional,
            before: (tracked && !segment.transactional).then(|| sql::step_started(revision, section, index)),
            after,
        };
        runner.step(&step).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use schemactl_revision::format::{build, Draft};
    use std::path::Path;

    fn revision(kind: RevisionKind, up: &str) -> Revision {
        build(Draft {
            id: "20261126014500".into(),
            slug: "s".into(),
            parent: None,
            message: "m".into(),
            kind,
            before: "b".into(),
            after: "a".into(),
            hazards: Vec::new(),
            expects: Vec::new(),
            up: up.into(),
            down: String::new(),
        })
    }

    fn shape(kind: RevisionKind, up: &str) -> Vec<(Vec<String>, bool)> {
        let r = revision(kind, up);
        let split = r.up_segments(Path::new(".")).unwrap();
        segments(&r, &split)
            .into_iter()
            .map(|s| (s.statements.iter().map(|st| st.sql.clone()).collect(), s.transactional))
            .collect()
    }

    #[test]
    fn a_planned_validation_runs_in_a_transaction_of_its_own() {
        let up = "SET lock_timeout = '5s';\nALTER TABLE t ADD CONSTRAINT c CHECK (a > 0) NOT VALID;\n\
                  SET statement_timeout = '1h';\nALTER TABLE t VALIDATE CONSTRAINT c;\n\
                  SET statement_timeout = '1min';\nCREATE INDEX CONCURRENTLY i ON t (a);\nALTER TABLE t ADD COLUMN b int;";
        let owned = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            shape(RevisionKind::Planned, up),
            [
                (
                    owned(&[
                        "SET lock_timeout = '5s'",
                        "ALTER TABLE t ADD CONSTRAINT c CHECK (a > 0) NOT VALID",
                        "SET statement_timeout = '1h'"
                    ]),
                    true
                ),
                (owned(&["ALTER TABLE t VALIDATE CONSTRAINT c"]), true),
                (owned(&["SET statement_timeout = '1min'"]), true),
                (owned(&["CREATE INDEX CONCURRENTLY i ON t (a)"]), false),
                (owned(&["ALTER TABLE t ADD COLUMN b int"]), true),
            ]
        );
        // Hand-written revisions keep their statements together, as written.
        assert_eq!(shape(RevisionKind::Manual, up).len(), 3);
    }

    #[test]
    fn settings_and_validations_are_recognised_by_the_parser() {
        assert!(validates("alter table only \"T\" validate constraint c"));
        assert!(!validates("ALTER TABLE t VALIDATE CONSTRAINT c, ADD COLUMN x int"));
        assert!(validates("ALTER DOMAIN d VALIDATE CONSTRAINT c"));
        assert!(!validates("ALTER DOMAIN d ADD CONSTRAINT c CHECK (VALUE > 0) NOT VALID"));
        assert!(sets_session("SET statement_timeout = '1h'"));
        assert!(sets_session("set lock_timeout to 5000"));
        assert!(!sets_session("SET LOCAL statement_timeout = '1h'"));
        assert!(!sets_session("SELECT set_config('a.b', 'c', false)"));
    }
}
