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
            })
            .collect();
        State { history, ..State::default() }
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
