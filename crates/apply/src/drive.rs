//! The one place that decides how a revision runs: which statements share a transaction and
//! which bookkeeping commits with them. A [`Runner`] carries it out, against a live database
//! or into a script, so both always do the same thing.

use std::collections::BTreeSet;

use schemactl_revision::format::Section;
use schemactl_revision::{Revision, Segment};
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
}

/// Runs `section` of `revision` (already split into `segments`), skipping the segments in
/// `done`. A section without non-transactional statements is a single segment: one
/// transaction together with its history change, so a crash leaves the revision either
/// wholly applied or not at all. Otherwise every segment is a recorded step and a rerun resumes.
pub(crate) async fn run_revision<R: Runner>(
    runner: &mut R,
    revision: &Revision,
    section: Section,
    segments: &[Segment],
    done: &BTreeSet<usize>,
) -> Result<()> {
    let empty = [Segment { statements: Vec::new(), transactional: true }];
    let segments = if segments.is_empty() { &empty[..] } else { segments };
    let tracked = segments.len() > 1 || segments.iter().any(|s| !s.transactional);
    let last = segments.len() - 1;
    for (index, segment) in segments.iter().enumerate() {
        if done.contains(&index) && index != last {
            continue;
        }
        let after =
            if index == last { sql::finish(revision, section) } else { sql::step_done(revision, section, index) };
        let step = Step {
            revision,
            section,
            index,
            count: segments.len(),
            statements: &segment.statements,
            transactional: segment.transactional,
            before: (tracked && !segment.transactional).then(|| sql::step_started(revision, section, index)),
            after,
        };
        runner.step(&step).await?;
    }
    Ok(())
}
