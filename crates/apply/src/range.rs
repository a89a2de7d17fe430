//! Pure logic: what the database applied (its history), whether that agrees with the revision
//! files, and which revisions a command runs.

use std::collections::BTreeSet;
use std::ops::Range;

use schemactl_lint::{AllowedHazards, Finding};
use schemactl_model::HazardKind;
use schemactl_revision::format::Section;
use schemactl_revision::{Revision, RevisionKind, Segment};

use crate::error::{Error, HazardRefusal, Refusal, Result};

/// One row of `schemactl.history`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Applied {
    pub revision: String,
    pub checksum: String,
    pub message: String,
    /// `YYYY-MM-DD HH:MM:SS UTC`.
    pub applied_at: String,
    pub applied_by: String,
    /// `None` for revisions recorded by `stamp` (nothing ran).
    pub duration_ms: Option<i64>,
    /// What a baseline replaced, as recorded (`alembic a1b2c3d4e5f6`); `None` for other
    /// revisions, and in databases whose history predates the column.
    pub replaces: Option<String>,
    /// The revision's up and down sections as applied; `None` in rows written before the
    /// history kept them.
    pub up_sql: Option<String>,
    pub down_sql: Option<String>,
    /// The `schema-after` fingerprint of a planned revision; `None` for hand-written ones and
    /// rows written before the history kept it.
    pub schema_after: Option<String>,
}

/// Another migration tool's bookkeeping table, found in the database (see
/// [`schemactl_revision::Replaced::TOOLS`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ToolVersion {
    /// `alembic`.
    pub tool: String,
    /// The revisions the table records, sorted (one row, unless the tool had several heads;
    /// none when it is at its base).
    pub revisions: Vec<String>,
}

/// One row of `schemactl.steps`: a segment of a revision that is part-way applied or undone.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StepRecord {
    pub revision: String,
    pub section: Section,
    pub segment: usize,
    /// False when the segment started (a non-transactional statement) but never finished.
    pub done: bool,
}

/// The last thing the log says about a revision.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogEntry {
    pub revision: String,
    /// `up`, `down` or `stamp`.
    pub action: String,
    pub at: String,
    pub by: String,
}

/// What a database says about itself. Empty when it has no `schemactl` schema.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct State {
    /// Ordered by revision id.
    pub history: Vec<Applied>,
    pub steps: Vec<StepRecord>,
    /// The latest log entry per revision.
    pub last_log: Vec<LogEntry>,
    /// Other tools' bookkeeping tables the database has (only those that exist).
    pub tools: Vec<ToolVersion>,
}

impl State {
    /// The newest applied revision; `None` is `base`.
    pub fn current(&self) -> Option<&str> {
        self.history.iter().map(|a| a.revision.as_str()).max()
    }

    pub fn applied(&self, id: &str) -> Option<&Applied> {
        self.history.iter().find(|a| a.revision == id)
    }

    /// What `tool`'s bookkeeping table records; `None` when the database has no such table.
    pub fn tool(&self, tool: &str) -> Option<&ToolVersion> {
        self.tools.iter().find(|t| t.tool == tool)
    }

    /// Segments of `revision`'s `section` that are recorded as done.
    pub fn done_segments(&self, revision: &str, section: Section) -> BTreeSet<usize> {
        self.steps
            .iter()
            .filter(|s| s.revision == revision && s.section == section && s.done)
            .map(|s| s.segment)
            .collect()
    }

    /// Segments that started and never finished (a run died inside them).
    pub fn interrupted_segments(&self, revision: &str, section: Section) -> BTreeSet<usize> {
        self.steps
            .iter()
            .filter(|s| s.revision == revision && s.section == section && !s.done)
            .map(|s| s.segment)
            .collect()
    }

    /// Revisions with step records in `section`: part-way applied (up) or undone (down).
    pub fn partial(&self, section: Section) -> BTreeSet<&str> {
        self.steps.iter().filter(|s| s.section == section).map(|s| s.revision.as_str()).collect()
    }
}

/// Checks the history against the files and returns how many revisions (a prefix of `list`)
/// are applied. Any disagreement refuses the whole command, naming every file involved.
pub fn verify(list: &[Revision], state: &State) -> Result<usize> {
    let mut problems = Vec::new();
    for row in &state.history {
        match list.iter().find(|r| r.id == row.revision) {
            None => problems.push(Refusal::Missing { revision: row.revision.clone(), message: row.message.clone() }),
            Some(r) if r.checksum != row.checksum => problems.push(Refusal::Edited { file: r.file_name.clone() }),
            Some(_) => {}
        }
    }
    let applied = list.iter().rposition(|r| state.applied(&r.id).is_some()).map_or(0, |last| last + 1);
    if applied > 0 {
        let last = &list[applied - 1].file_name;
        for r in list[..applied].iter().filter(|r| state.applied(&r.id).is_none()) {
            problems.push(Refusal::Skipped { file: r.file_name.clone(), before: last.clone() });
        }
    }
    if problems.is_empty() {
        Ok(applied)
    } else {
        Err(Error::Refused { problems })
    }
}

/// Refuses to record a baseline that replaces another tool's revision on a database whose
/// table of that tool records anything else: the schema there is not the one the baseline was
/// dumped from. A database without the table (a new one) is fine: the baseline creates it all.
pub fn check_replaced<'a>(revisions: impl IntoIterator<Item = &'a Revision>, state: &State) -> Result<()> {
    let mut problems = Vec::new();
    for r in revisions {
        let Some(replaced) = &r.replaces else { continue };
        let Some(found) = state.tool(&replaced.tool) else { continue };
        if found.revisions != [replaced.revision.clone()] {
            problems.push(Refusal::Replaced {
                file: r.file_name.clone(),
                tool: replaced.tool_name(),
                expected: replaced.revision.clone(),
                found: found.revisions.clone(),
            });
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(Error::Refused { problems })
    }
}

/// Where `apply` stops.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum UpTarget {
    Head,
    /// The next N pending revisions.
    Next(usize),
    /// A revision id, unique prefix or file name.
    Revision(String),
}

impl UpTarget {
    /// `head`, `+N`, or a revision.
    pub fn parse(text: &str) -> Result<UpTarget> {
        let text = text.trim();
        if text == "head" {
            return Ok(UpTarget::Head);
        }
        if let Some(n) = text.strip_prefix('+') {
            return n
                .parse()
                .map(UpTarget::Next)
                .map_err(|_| Error::Target(format!("`{text}`: +N needs a number of revisions, such as +1")));
        }
        Ok(UpTarget::Revision(text.to_string()))
    }
}

/// The revisions `apply` runs: `list[range]`, in order. An already applied target is an empty range.
pub fn up_range(list: &[Revision], applied: usize, target: &UpTarget) -> Result<Range<usize>> {
    let pending = list.len() - applied;
    let end = match target {
        UpTarget::Head => list.len(),
        UpTarget::Next(n) if *n > pending => {
            return Err(Error::Target(format!("--to +{n}: only {pending} revision(s) are pending")));
        }
        UpTarget::Next(n) => applied + n,
        UpTarget::Revision(spec) => (schemactl_revision::find(list, spec)? + 1).max(applied),
    };
    Ok(applied..end)
}

/// Where `down` stops.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DownTarget {
    /// Undo the last N.
    Count(usize),
    /// Undo everything after this revision (it stays applied).
    Revision(String),
    /// Undo everything.
    Base,
}

/// The revisions `down` undoes: `list[range]`, run newest first.
pub fn down_range(list: &[Revision], applied: usize, target: &DownTarget) -> Result<Range<usize>> {
    let start = match target {
        DownTarget::Base => 0,
        DownTarget::Count(n) if *n > applied && applied > 0 => {
            return Err(Error::Target(format!("cannot undo {n} revision(s): only {applied} are applied")));
        }
        DownTarget::Count(n) => applied.saturating_sub(*n),
        DownTarget::Revision(spec) => {
            let index = schemactl_revision::find(list, spec)?;
            if index >= applied {
                let at = applied.checked_sub(1).map_or("base", |i| list[i].id.as_str());
                return Err(Error::Target(format!(
                    "{} is not applied (the database is at {at}): nothing to undo down to it",
                    list[index].id
                )));
            }
            index + 1
        }
    };
    Ok(start..applied)
}

/// Refuses a down range containing revisions whose down section has no statement (empty, or
/// only comments), naming all of them, before anything runs.
pub fn check_reversible(plans: &[(&Revision, Vec<Segment>)]) -> Result<()> {
    let missing: Vec<&str> =
        plans.iter().filter(|(_, segments)| segments.is_empty()).map(|(r, _)| r.file_name.as_str()).collect();
    if missing.is_empty() {
        return Ok(());
    }
    Err(Error::Target(format!(
        "cannot undo: {} ha{} an empty down section (write one, or use `schemactl stamp` to move the history without running SQL): {}",
        if missing.len() == 1 { "this revision" } else { "these revisions" },
        if missing.len() == 1 { "s" } else { "ve" },
        missing.join(", ")
    )))
}

/// Refuses, before anything runs, when revisions about to run have hazards `allowed` does not
/// allow, naming each revision and its kinds. `found` holds each revision with what lint found
/// in the section that runs. Going up, a revision's hazards are also those its header records
/// (the planner's, which know more than lint can: enum value removals, narrowing types);
/// going down, the header says nothing about the down section, so lint's alone.
///
/// One verdict: in the up section of a planned revision, what lint can only guess without the
/// catalog ([`Finding::needs_catalog`]: whether a type change rewrites or loses values, whether
/// a dropped schema is empty) is left to the header, which the planner wrote with the same
/// function knowing the catalog. Otherwise a varchar widening planned hazard-free would be
/// refused here as a possible rewrite and data loss, and an environment allowing exactly the
/// recorded hazards could never apply it. What lint finds for certain still counts (lint's
/// tests check that every plan records it anyway), so a planned revision edited by hand and
/// resealed cannot slip a DROP TABLE past its header.
pub fn check_hazards(section: Section, found: &[(&Revision, Vec<Finding>)], allowed: AllowedHazards) -> Result<()> {
    let is_allowed = |name: &str| name.parse::<HazardKind>().map_or(allowed.is_all(), |k| allowed.allows(k));
    let mut refused = Vec::new();
    for (revision, findings) in found {
        let recorded = match section {
            Section::Up => revision.hazards.clone(),
            Section::Down => Vec::new(),
        };
        let header_decides = section == Section::Up && revision.kind == RevisionKind::Planned;
        // Left to the header: lint's guesses about a planned revision.
        let counted = |f: &&Finding| !(header_decides && f.needs_catalog);
        let linted: Vec<&Finding> = findings.iter().filter(counted).filter(|f| !allowed.allows(f.hazard)).collect();
        let mut kinds: BTreeSet<String> = recorded.into_iter().filter(|k| !is_allowed(k)).collect();
        kinds.extend(linted.iter().map(|f| f.hazard.to_string()));
        let findings = linted.iter().map(ToString::to_string).collect();
        if !kinds.is_empty() {
            refused.push(HazardRefusal {
                file: revision.file_name.clone(),
                kinds: kinds.into_iter().collect(),
                findings,
            });
        }
    }
    if refused.is_empty() {
        return Ok(());
    }
    let action = match section {
        Section::Up => "apply",
        Section::Down => "undo",
    };
    Err(Error::Hazards { action, refused })
}

/// Refuses to go on when a revision is half done in the other direction: finishing it first
/// is the only way to know what the database holds.
pub fn check_no_partial(list: &[Revision], state: &State, running: Section) -> Result<()> {
    let other = match running {
        Section::Up => Section::Down,
        Section::Down => Section::Up,
    };
    let Some(id) = state.partial(other).into_iter().next() else { return Ok(()) };
    let file = list.iter().find(|r| r.id == id).map_or(id, |r| r.file_name.as_str());
    Err(Error::Partial(match other {
        Section::Up => format!(
            "{file} is partly applied (a run stopped between its non-transactional steps): \
             run `schemactl apply --to {id}` to finish it first"
        ),
        Section::Down => format!(
            "{file} is partly undone (a `schemactl down` stopped between its non-transactional steps): \
             run `schemactl down -n 1` to finish undoing it first"
        ),
    }))
}

/// The history rows of revisions no file in the revisions directory has, oldest first: a
/// branch's revisions, applied to a shared database before the branch was merged (and the
/// revision re-planned under another id) or dropped.
pub fn unknown<'a>(list: &[Revision], state: &'a State) -> Vec<&'a Applied> {
    state.history.iter().filter(|row| !list.iter().any(|r| r.id == row.revision)).collect()
}

/// A database whose newest applied revisions the files do not have, but whose schema is the
/// one a revision of the files leaves: what `apply` records instead (see [`recognise`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Recognition {
    /// The unknown revisions, oldest first: their history rows go.
    pub unknown: Vec<String>,
    /// `list[from..=to]` are recorded as applied without running anything; `list[to]` leaves
    /// the schema the newest unknown revision left.
    pub from: usize,
    pub to: usize,
}

/// Whether the database's unknown revisions ([`unknown`]) are a re-planned revision of the
/// files. All of these must hold, else the reason is returned:
///
/// 1. the unknown revisions are the newest applied ones (every row the files have sorts
///    before the oldest unknown one) and none of them is part-way;
/// 2. the other rows agree with the files, as [`verify`] checks: they are `list[..from]`,
///    unedited;
/// 3. no revision of the files that the database lacks sorts before the oldest unknown one
///    (`list[from]`, if any, sorts after it): the database applied every revision of the files
///    that came before the unknown ones;
/// 4. the newest unknown revision's history row records a schema-after fingerprint (planned
///    revisions applied since the history keeps it);
/// 5. some revision of `list[from..]` is planned with that same schema-after; `list[to]` is the
///    first such;
/// 6. every revision of `list[from..=to]` is planned: recording a hand-written one without
///    running it would skip its SQL (a data migration), which no fingerprint vouches for.
///
/// The schema-after of a planned revision fingerprints the whole schema its revisions leave,
/// so equal fingerprints mean the database already has `list[to]`'s schema.
pub fn recognise(list: &[Revision], state: &State) -> std::result::Result<Recognition, String> {
    let unknown = unknown(list, state);
    let (Some(oldest), Some(newest)) = (unknown.first(), unknown.last()) else {
        return Err("the database applied no revision the files do not have".into());
    };
    let is_unknown = |row: &Applied| unknown.iter().any(|u| u.revision == row.revision);
    if let Some(later) = state.history.iter().find(|row| !is_unknown(row) && row.revision > oldest.revision) {
        return Err(format!(
            "{} was applied after {}, and the files have it: the unknown revisions are not the newest applied ones",
            later.revision, oldest.revision
        ));
    }
    if let Some(step) = state.steps.iter().find(|s| unknown.iter().any(|u| u.revision == s.revision)) {
        return Err(format!("{} is part-way (a run stopped between its non-transactional steps)", step.revision));
    }
    let known =
        State { history: state.history.iter().filter(|row| !is_unknown(row)).cloned().collect(), ..State::default() };
    let from = verify(list, &known).map_err(|e| format!("the revisions it shares with the files disagree ({e})"))?;
    if let Some(missed) = list.get(from).filter(|r| r.id < oldest.revision) {
        return Err(format!(
            "{} sorts before {} but was never applied here: the unknown revisions were not planned after it",
            missed.file_name, oldest.revision
        ));
    }
    let Some(after) = newest.schema_after.as_deref().filter(|a| !a.is_empty()) else {
        return Err(format!(
            "the history records no schema-after for {} (hand-written, or applied before schemactl kept it)",
            newest.revision
        ));
    };
    let Some(offset) = list[from..].iter().position(|r| crate::sql::schema_after(r) == Some(after)) else {
        return Err(format!(
            "no pending planned revision leaves the schema {} left (schema-after {after})",
            newest.revision
        ));
    };
    let to = from + offset;
    if let Some(manual) = list[from..=to].iter().find(|r| r.kind != RevisionKind::Planned) {
        return Err(format!(
            "{} is hand-written and would be recorded without running: its SQL is not in the schema fingerprint",
            manual.file_name
        ));
    }
    Ok(Recognition { unknown: unknown.iter().map(|u| u.revision.clone()).collect(), from, to })
}

/// Refuses to undo the unknown revisions unless they are the newest applied ones and each has
/// its down SQL in the history (rows written before the history kept it have none).
pub fn check_unknown_revertible(list: &[Revision], state: &State) -> Result<()> {
    let unknown = unknown(list, state);
    let Some(oldest) = unknown.first() else { return Ok(()) };
    let later: Vec<&str> = state
        .history
        .iter()
        .filter(|row| row.revision > oldest.revision && !unknown.iter().any(|u| u.revision == row.revision))
        .map(|row| row.revision.as_str())
        .collect();
    if !later.is_empty() {
        return Err(Error::Target(format!(
            "cannot undo the unknown revisions: {} applied after {} and the files have {}; undo {} first \
             (`schemactl down`), or check out the branch that has {}",
            later.join(", "),
            oldest.revision,
            if later.len() == 1 { "it" } else { "them" },
            if later.len() == 1 { "it" } else { "them" },
            oldest.revision
        )));
    }
    let missing: Vec<&str> = unknown.iter().filter(|u| u.down_sql.is_none()).map(|u| u.revision.as_str()).collect();
    if !missing.is_empty() {
        return Err(Error::Target(format!(
            "cannot undo {}: the history has no down SQL for {} (applied before schemactl stored it); check out a \
             branch that has the revision file and run `schemactl down` there",
            missing.join(", "),
            if missing.len() == 1 { "it" } else { "them" }
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use schemactl_revision::format::{build, Draft};

    fn revisions(n: usize) -> Vec<Revision> {
        (0..n)
            .map(|i| {
                build(Draft {
                    id: format!("2026010100000{i}"),
                    slug: format!("r{i}"),
                    parent: i.checked_sub(1).map(|p| format!("2026010100000{p}")),
                    message: format!("revision {i}"),
                    kind: RevisionKind::Manual,
                    before: String::new(),
                    after: String::new(),
                    hazards: Vec::new(),
                    expects: Vec::new(),
                    up: format!("CREATE TABLE t{i} ();"),
                    down: if i == 1 { String::new() } else { format!("DROP TABLE t{i};") },
                })
            })
            .collect()
    }

    fn state_with(list: &[Revision], applied: &[usize]) -> State {
        let history = applied
            .iter()
            .map(|&i| Applied {
                revision: list[i].id.clone(),
                checksum: list[i].checksum.clone(),
                message: list[i].message.clone(),
                applied_at: String::new(),
                applied_by: String::new(),
                duration_ms: Some(1),
                replaces: None,
                up_sql: Some(list[i].up.clone()),
                down_sql: Some(list[i].down.clone()),
                schema_after: Some(list[i].after.clone()),
            })
            .collect();
        State { history, ..State::default() }
    }

    fn planned(id: &str, after: &str) -> Revision {
        build(Draft {
            id: id.into(),
            slug: format!("r{id}"),
            parent: None,
            message: format!("revision {id}"),
            kind: RevisionKind::Planned,
            before: String::new(),
            after: after.into(),
            hazards: Vec::new(),
            expects: Vec::new(),
            up: format!("CREATE TABLE t{id} ();"),
            down: format!("DROP TABLE t{id};"),
        })
    }

    /// The history of a database that applied `known` (of `list`) and then `unknown` (id, its
    /// schema-after), with the SQL stored.
    fn branch_state(list: &[Revision], known: &[usize], unknown: &[(&str, Option<&str>)]) -> State {
        let mut state = state_with(list, known);
        for (id, after) in unknown {
            state.history.push(Applied {
                revision: id.to_string(),
                message: format!("branch {id}"),
                schema_after: after.map(str::to_string),
                ..state_with(&[planned(id, "x")], &[0]).history[0].clone()
            });
        }
        state.history.sort_by(|a, b| a.revision.cmp(&b.revision));
        state
    }

    #[test]
    fn a_replanned_revision_is_recognised_by_its_schema_after() {
        // P -> A -> B' in the files; the database applied P, A and the branch's B.
        let list = [planned("20260101000000", "p"), planned("20260101000100", "a"), planned("20260101000200", "b")];
        let state = branch_state(&list, &[0, 1], &[("20260101000150", Some("b"))]);
        assert_eq!(unknown(&list, &state).len(), 1);
        assert_eq!(
            recognise(&list, &state),
            Ok(Recognition { unknown: vec!["20260101000150".into()], from: 2, to: 2 })
        );
        // Two branch revisions, the newest with B's schema: both go, B' is recorded.
        let state = branch_state(&list, &[0, 1], &[("20260101000120", Some("half")), ("20260101000150", Some("b"))]);
        assert_eq!(recognise(&list, &state).unwrap().unknown.len(), 2);
        // A database at P that applied B on a branch without A: A and B' are recorded.
        let state = branch_state(&list, &[0], &[("20260101000050", Some("b"))]);
        assert_eq!(
            recognise(&list, &state).unwrap(),
            Recognition { unknown: vec!["20260101000050".into()], from: 1, to: 2 }
        );
        // A's schema is already applied: the first pending match only.
        let state = branch_state(&list, &[0, 1], &[("20260101000150", Some("a"))]);
        assert!(recognise(&list, &state).unwrap_err().contains("no pending planned revision"));
    }

    #[test]
    fn recognition_refuses_what_it_cannot_vouch_for() {
        let list = [planned("20260101000000", "p"), planned("20260101000100", "a"), planned("20260101000200", "b")];
        let why = |state: &State| recognise(&list, state).unwrap_err();
        // Another schema.
        let err = why(&branch_state(&list, &[0, 1], &[("20260101000150", Some("other"))]));
        assert!(err.contains("no pending planned revision leaves the schema 20260101000150 left"), "{err}");
        // Nothing recorded (an older history, or hand-written).
        let err = why(&branch_state(&list, &[0, 1], &[("20260101000150", None)]));
        assert!(err.contains("records no schema-after for 20260101000150"), "{err}");
        // The unknown revision is not the newest applied.
        let err = why(&branch_state(&list, &[0, 1], &[("20260101000050", Some("b"))]));
        assert!(err.contains("20260101000100 was applied after 20260101000050"), "{err}");
        // A revision of the files sorting before the unknown one was never applied here.
        let err = why(&branch_state(&list, &[0], &[("20260101000150", Some("b"))]));
        assert!(err.contains("_r20260101000100.sql sorts before 20260101000150 but was never applied"), "{err}");
        // The shared revisions disagree.
        let mut state = branch_state(&list, &[0, 1], &[("20260101000150", Some("b"))]);
        state.history[0].checksum = "edited".into();
        assert!(why(&state).contains("disagree"));
        // Part-way.
        let mut state = branch_state(&list, &[0, 1], &[("20260101000150", Some("b"))]);
        state.steps.push(StepRecord {
            revision: "20260101000150".into(),
            section: Section::Down,
            segment: 0,
            done: true,
        });
        assert!(why(&state).contains("part-way"));
        // A hand-written revision on the way would be skipped.
        let mut list = list.to_vec();
        list[1].kind = RevisionKind::Manual;
        let state = branch_state(&list, &[0], &[("20260101000050", Some("b"))]);
        let err = recognise(&list, &state).unwrap_err();
        assert!(err.contains("_r20260101000100.sql is hand-written"), "{err}");
    }

    #[test]
    fn unknown_revisions_are_undone_only_newest_first_and_with_their_sql() {
        let list = [planned("20260101000000", "p"), planned("20260101000100", "a")];
        assert!(
            check_unknown_revertible(&list, &branch_state(&list, &[0, 1], &[("20260101000150", Some("b"))])).is_ok()
        );
        let err = check_unknown_revertible(&list, &branch_state(&list, &[0, 1], &[("20260101000050", None)]))
            .unwrap_err()
            .to_string();
        assert!(err.contains("20260101000100 applied after 20260101000050"), "{err}");
        let mut state = branch_state(&list, &[0, 1], &[("20260101000150", Some("b"))]);
        state.history[2].down_sql = None;
        let err = check_unknown_revertible(&list, &state).unwrap_err().to_string();
        assert!(err.contains("cannot undo 20260101000150: the history has no down SQL"), "{err}");
    }

    #[test]
    fn a_baseline_is_recorded_only_where_the_tool_is_at_the_revision_it_replaces() {
        let mut list = revisions(2);
        list[0].replaces = Some(schemactl_revision::Replaced::new("alembic", "a1b2c3d4e5f6").unwrap());
        let at = |revisions: &[&str]| State {
            tools: vec![ToolVersion {
                tool: "alembic".into(),
                revisions: revisions.iter().map(|r| r.to_string()).collect(),
            }],
            ..State::default()
        };
        assert!(check_replaced(&list, &State::default()).is_ok(), "no alembic_version: a new database");
        assert!(check_replaced(&list, &at(&["a1b2c3d4e5f6"])).is_ok());
        for found in [&["ffff0000aaaa"][..], &[], &["a1b2c3d4e5f6", "b2"]] {
            let err = check_replaced(&list, &at(found)).unwrap_err().to_string();
            assert!(err.contains("replaces Alembic revision a1b2c3d4e5f6"), "{err}");
            assert!(err.contains("alembic upgrade a1b2c3d4e5f6"), "{err}");
        }
        assert!(check_replaced(&list[1..], &at(&["other"])).is_ok(), "only baselines are checked");
    }

    #[test]
    fn an_agreeing_history_is_a_prefix() {
        let list = revisions(3);
        assert_eq!(verify(&list, &State::default()).unwrap(), 0);
        assert_eq!(verify(&list, &state_with(&list, &[0, 1])).unwrap(), 2);
    }

    #[test]
    fn every_disagreement_is_named() {
        let list = revisions(3);
        let mut state = state_with(&list, &[0, 2]);
        state.history[0].checksum = "other".into();
        state.history.push(Applied { revision: "20990101000000".into(), ..state.history[1].clone() });
        let Err(Error::Refused { problems }) = verify(&list, &state) else { panic!("refused expected") };
        assert_eq!(
            problems,
            [
                Refusal::Edited { file: list[0].file_name.clone() },
                Refusal::Missing { revision: "20990101000000".into(), message: "revision 2".into() },
                Refusal::Skipped { file: list[1].file_name.clone(), before: list[2].file_name.clone() },
            ]
        );
    }

    #[test]
    fn up_targets() {
        let list = revisions(4);
        assert_eq!(up_range(&list, 1, &UpTarget::Head).unwrap(), 1..4);
        assert_eq!(up_range(&list, 1, &UpTarget::parse("+2").unwrap()).unwrap(), 1..3);
        assert_eq!(up_range(&list, 4, &UpTarget::Head).unwrap(), 4..4);
        assert_eq!(up_range(&list, 1, &UpTarget::parse("20260101000002").unwrap()).unwrap(), 1..3);
        // An applied target means nothing to do, never a down.
        assert_eq!(up_range(&list, 3, &UpTarget::parse("20260101000000").unwrap()).unwrap(), 3..3);
        assert!(up_range(&list, 3, &UpTarget::Next(2)).unwrap_err().to_string().contains("only 1 revision(s)"));
        assert!(UpTarget::parse("+x").is_err());
        assert!(matches!(up_range(&list, 0, &UpTarget::parse("nope").unwrap()), Err(Error::Revision(_))));
    }

    #[test]
    fn down_targets() {
        let list = revisions(4);
        assert_eq!(down_range(&list, 3, &DownTarget::Count(1)).unwrap(), 2..3);
        assert_eq!(down_range(&list, 3, &DownTarget::Base).unwrap(), 0..3);
        assert_eq!(down_range(&list, 3, &DownTarget::Revision("20260101000000".into())).unwrap(), 1..3);
        assert!(down_range(&list, 1, &DownTarget::Count(2)).is_err());
        assert_eq!(down_range(&list, 0, &DownTarget::Count(1)).unwrap(), 0..0, "nothing applied, nothing to undo");
        let err = down_range(&list, 1, &DownTarget::Revision("20260101000002".into())).unwrap_err();
        assert!(err.to_string().contains("20260101000002 is not applied (the database is at 20260101000000)"), "{err}");
    }

    #[test]
    fn empty_down_sections_are_refused_by_name() {
        let list = revisions(3);
        let dir = std::path::Path::new("generated");
        let plans: Vec<_> = list.iter().map(|r| (r, r.down_segments(dir).unwrap())).collect();
        assert!(check_reversible(&plans[2..]).is_ok());
        let err = check_reversible(&plans).unwrap_err().to_string();
        assert!(
            err.contains("this revision has an empty down section") && err.ends_with("20260101000001_r1.sql"),
            "{err}"
        );
    }

    #[test]
    fn hazards_not_allowed_are_refused_by_revision() {
        let mut list = revisions(2);
        list[0].hazards = vec!["index-build".into(), "lockdown".into()];
        let dir = std::path::Path::new("generated");
        let found = |section: Section| -> Vec<(&Revision, Vec<Finding>)> {
            list.iter()
                .map(|r| {
                    let segments = match section {
                        Section::Up => r.up_segments(dir).unwrap(),
                        Section::Down => r.down_segments(dir).unwrap(),
                    };
                    (r, schemactl_lint::lint_statements(segments.iter().flat_map(|s| &s.statements)).unwrap())
                })
                .collect()
        };
        let none = AllowedHazards::none();
        let err = check_hazards(Section::Up, &found(Section::Up), none).unwrap_err().to_string();
        assert!(
            err.starts_with(
                "refusing to apply: hazards that are not allowed:\n  20260101000000_r0.sql: index-build, lockdown\n"
            ),
            "{err}"
        );
        assert!(!err.contains("_r1.sql"), "{err}");
        // A kind the header names but schemactl does not know is allowed by `all` only.
        let index_build = AllowedHazards::from_kinds([HazardKind::IndexBuild]);
        let err = check_hazards(Section::Up, &found(Section::Up), index_build).unwrap_err().to_string();
        assert!(err.contains("_r0.sql: lockdown"), "{err}");
        assert!(check_hazards(Section::Up, &found(Section::Up), AllowedHazards::all()).is_ok());

        // Going down, only the down section counts, with what lint found where.
        let err = check_hazards(Section::Down, &found(Section::Down), index_build).unwrap_err().to_string();
        let line = list[0].text.lines().position(|l| l == "DROP TABLE t0;").unwrap() + 1;
        assert!(
            err.starts_with("refusing to undo: hazards that are not allowed:\n  20260101000000_r0.sql: data-loss\n"),
            "{err}"
        );
        assert!(
            err.contains(&format!("\n    generated/20260101000000_r0.sql:{line}:1: data-loss: drops table t0 and all its rows [drop-object]")),
            "{err}"
        );
        assert!(err.contains("--allow-hazard KIND"), "{err}");
        let data_loss = AllowedHazards::from_kinds([HazardKind::DataLoss]);
        assert!(check_hazards(Section::Down, &found(Section::Down), data_loss).is_ok());
    }

    #[test]
    fn a_planned_type_change_is_judged_by_its_header() {
        let mut list = revisions(1);
        let up = "ALTER TABLE t ALTER COLUMN c TYPE varchar(100);";
        let statements = schemactl_source::split_script(std::path::Path::new("r.sql"), up).unwrap();
        let findings = schemactl_lint::lint_statements(&statements).unwrap();
        // Planned with the old type known: a widening, no hazard recorded, none refused.
        list[0].kind = RevisionKind::Planned;
        assert_eq!(findings.len(), 3, "lint, not seeing the old type, assumes the worst: {findings:?}");
        assert!(findings.iter().all(|f| f.needs_catalog), "{findings:?}");
        assert!(check_hazards(Section::Up, &[(&list[0], findings.clone())], AllowedHazards::none()).is_ok());
        // What the header records is still refused.
        list[0].hazards = vec!["data-loss".into()];
        let err = check_hazards(Section::Up, &[(&list[0], findings.clone())], AllowedHazards::none()).unwrap_err();
        assert!(err.to_string().contains("_r0.sql: data-loss\n"), "{err}");
        // Written by hand, lint's worst case is the verdict (reseal records it in the header).
        list[0].kind = RevisionKind::Manual;
        list[0].hazards.clear();
        let err = check_hazards(Section::Up, &[(&list[0], findings)], AllowedHazards::none()).unwrap_err().to_string();
        assert!(err.contains("_r0.sql: access-exclusive-lock, data-loss, table-rewrite"), "{err}");
        // A planned revision edited by hand is still refused for what lint is sure of.
        list[0].kind = RevisionKind::Planned;
        let statements = schemactl_source::split_script(std::path::Path::new("r.sql"), "DROP TABLE t;").unwrap();
        let findings = schemactl_lint::lint_statements(&statements).unwrap();
        let err = check_hazards(Section::Up, &[(&list[0], findings)], AllowedHazards::none()).unwrap_err().to_string();
        assert!(err.contains("r.sql:1:1: data-loss: drops table t and all its rows"), "{err}");
    }

    #[test]
    fn a_half_done_revision_blocks_the_other_direction() {
        let list = revisions(2);
        let mut state = state_with(&list, &[0]);
        state.steps.push(StepRecord { revision: list[1].id.clone(), section: Section::Up, segment: 0, done: true });
        assert!(check_no_partial(&list, &state, Section::Up).is_ok());
        let err = check_no_partial(&list, &state, Section::Down).unwrap_err().to_string();
        assert!(err.contains("20260101000001_r1.sql is partly applied"), "{err}");
    }
}
