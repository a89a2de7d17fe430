//! The fleet report (`apply --targets ... --report FILE`): one JSON document, versioned like
//! the other `--format json` documents (docs/json.md), with each target's revision before and
//! after, what ran, how long it took, the outcome and the error. Targets are listed in stage
//! order, then list order, whatever order they finished in.

use std::collections::BTreeMap;
use std::time::Duration;

use schemactl_apply::Event;
use schemactl_revision::Revisions;
use serde::Serialize;

use crate::targets::Target;

/// The shape's version: bumped when a field changes meaning or goes away.
pub const FORMAT_VERSION: u32 = 1;

/// How a target ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Revisions ran; it is at the target revision.
    Applied,
    /// Nothing was pending.
    UpToDate,
    /// It failed (after its retries).
    Failed,
    /// It did not finish within the per-target timeout.
    TimedOut,
    /// It was not started: the run halted first.
    Skipped,
}

impl Outcome {
    pub fn failed(self) -> bool {
        matches!(self, Outcome::Failed | Outcome::TimedOut)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Applied => "applied",
            Outcome::UpToDate => "up to date",
            Outcome::Failed => "failed",
            Outcome::TimedOut => "timed out",
            Outcome::Skipped => "skipped",
        }
    }
}

/// One target's part of the run.
#[derive(Clone, Debug, Serialize)]
pub struct TargetReport {
    pub name: String,
    /// Without the password.
    pub address: String,
    pub labels: BTreeMap<String, String>,
    pub stage: String,
    /// The revision id it was at when this run found it (`null`: base, or never reached).
    pub before: Option<String>,
    /// The revision id it is at now, as far as this run knows.
    pub after: Option<String>,
    /// The revisions this run applied (file names without `.sql`), in order.
    pub ran: Vec<String>,
    pub outcome: Outcome,
    pub attempts: u32,
    pub duration_ms: u64,
    /// `unreachable`, `locked`, `pooler`, `refused`, `statement`, `drift`, `hazards`,
    /// `timeout`, `other`.
    pub error_kind: Option<String>,
    pub error: Option<String>,
    /// An attempt got as far as reading the history: `before` is known.
    #[serde(skip)]
    started: bool,
}

impl TargetReport {
    pub(crate) fn new(t: &Target, stage: &str) -> TargetReport {
        TargetReport {
            name: t.name.clone(),
            address: t.address(),
            labels: t.labels.clone(),
            stage: stage.to_string(),
            before: None,
            after: None,
            ran: Vec::new(),
            outcome: Outcome::Failed,
            attempts: 0,
            duration_ms: 0,
            error_kind: None,
            error: None,
            started: false,
        }
    }

    pub(crate) fn skipped(t: &Target, stage: &str) -> TargetReport {
        TargetReport { outcome: Outcome::Skipped, ..TargetReport::new(t, stage) }
    }

    /// What one attempt's apply events say: where it started and what it applied.
    pub(crate) fn observe(&mut self, events: &[Event], revisions: &Revisions) {
        for event in events {
            match event {
                // A retry starts where the failed attempt left it: "before" is the first read.
                Event::Starting { at, .. } if !self.started => {
                    self.started = true;
                    self.before = at.clone();
                    self.after = at.clone();
                }
                Event::Applied { name, .. } => {
                    self.ran.push(name.clone());
                    let id = revisions.list.iter().find(|r| schemactl_apply::stem(r) == *name).map(|r| r.id.clone());
                    self.after = id.or(self.after.take());
                }
                _ => {}
            }
        }
    }
}

/// A stage as the report lists it.
#[derive(Clone, Debug, Serialize)]
pub struct StageReport {
    pub name: String,
    pub on_error: &'static str,
    pub targets: usize,
}

/// The failure that halted the run.
#[derive(Clone, Debug, Serialize)]
pub struct Halt {
    pub stage: String,
    pub target: String,
}

/// Counts by outcome.
#[derive(Clone, Debug, Default, Serialize, PartialEq, Eq)]
pub struct Summary {
    pub targets: usize,
    pub applied: usize,
    pub up_to_date: usize,
    pub failed: usize,
    pub timed_out: usize,
    pub skipped: usize,
}

impl Summary {
    /// Every target is at the revision asked for.
    pub fn complete(&self) -> bool {
        self.failed == 0 && self.timed_out == 0 && self.skipped == 0
    }
}

/// The whole run.
#[derive(Clone, Debug, Serialize)]
pub struct Report {
    /// `apply-fleet`: which document this is (as the other documents' `command`).
    pub command: &'static str,
    pub format_version: u32,
    pub summary: Summary,
    pub halted: Option<Halt>,
    pub duration_ms: u64,
    pub stages: Vec<StageReport>,
    pub targets: Vec<TargetReport>,
}

impl Report {
    pub(crate) fn new(
        stages: Vec<StageReport>,
        targets: Vec<TargetReport>,
        halted: Option<Halt>,
        elapsed: Duration,
    ) -> Report {
        let mut summary = Summary { targets: targets.len(), ..Summary::default() };
        for t in &targets {
            match t.outcome {
                Outcome::Applied => summary.applied += 1,
                Outcome::UpToDate => summary.up_to_date += 1,
                Outcome::Failed => summary.failed += 1,
                Outcome::TimedOut => summary.timed_out += 1,
                Outcome::Skipped => summary.skipped += 1,
            }
        }
        Report {
            command: "apply-fleet",
            format_version: FORMAT_VERSION,
            summary,
            halted,
            duration_ms: elapsed.as_millis() as u64,
            stages,
            targets,
        }
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("a report is plain data") + "\n"
    }
}
