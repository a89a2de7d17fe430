//! `apply --targets`: the revisions run on every target, stage by stage, `parallel` at a time,
//! on the one tokio runtime of the process (each target is a future, not a thread, so one
//! process drives thousands). Each target's own history is the truth: a rerun applies what is
//! left, and a target killed part-way resumes as a single `apply` would.

use std::cell::RefCell;
use std::time::{Duration, Instant};

use futures_util::stream::{self, StreamExt};
use schemactl_apply::{Error as ApplyError, Event, Options, UpTarget};
use schemactl_config::OnError;
use schemactl_revision::Revisions;

use crate::report::{Outcome, Report, StageReport, TargetReport};
use crate::stages::Stage;
use crate::targets::Target;

/// How a fleet run behaves besides the stages' own `on_error`.
#[derive(Clone, Debug)]
pub struct RunOptions {
    /// Targets running at once within a stage.
    pub parallel: usize,
    /// How long one target may take, retries included.
    pub timeout: Option<Duration>,
    /// How many more tries a target gets when its failure is one a retry can cure.
    pub retries: u32,
    /// The pause before the first retry; it doubles for each one after.
    pub retry_pause: Duration,
    /// Replaces every stage's `on_error` (`--on-error`).
    pub on_error: Option<OnError>,
}

/// What a fleet run reports as it goes (the CLI prints these; the report has them all).
#[derive(Clone, Debug)]
pub enum FleetEvent {
    /// A stage starts: its name, its position (1-based) and how many targets it has.
    Stage { name: String, index: usize, of: usize, targets: usize },
    /// A target is about to connect.
    Started { name: String },
    /// A target failed in a way a retry can cure and is tried again after `pause`.
    Retrying { name: String, attempt: u32, of: u32, pause: Duration, reason: String },
    /// Something a target's apply said that is worth a line (resuming, waiting for a lock...).
    Note { name: String, text: String },
    /// A target is done, whatever the outcome (skipped targets included).
    Finished(TargetReport),
    /// A failure in a stage with `on_error = halt` stopped the run: nothing more starts.
    Halted { stage: String, target: String },
}

/// The failures worth trying again: the database was not reachable (a failover, a restart), or
/// the schemactl lock or a table lock was not obtained in time (another applier, a long query).
/// A wrong password or a missing database is not retried: only time-curable connection failures.
pub fn retryable(error: &ApplyError) -> bool {
    match error {
        ApplyError::Unreachable { source, .. } => source.waiting_helps(),
        ApplyError::Locked { .. } | ApplyError::LockNotGranted { .. } => true,
        _ => false,
    }
}

/// A short, stable word for the kind of failure (the report's `error_kind`).
pub fn error_kind(error: &ApplyError) -> &'static str {
    match error {
        ApplyError::Unreachable { .. } => "unreachable",
        ApplyError::Locked { .. } | ApplyError::LockNotGranted { .. } => "locked",
        ApplyError::Pooler { .. } => "pooler",
        ApplyError::Refused { .. } | ApplyError::Unknown { .. } => "refused",
        ApplyError::Statement { .. } => "statement",
        ApplyError::Drift { .. } => "drift",
        ApplyError::Hazards { .. } | ApplyError::TooLarge { .. } => "hazards",
        _ => "other",
    }
}

/// Runs the revisions up to `target` on every stage's targets, in stage order.
pub async fn apply<'a>(
    stages: &'a [Stage],
    revisions: &Revisions,
    target: &UpTarget,
    apply_options: Options,
    options: &RunOptions,
    on: &mut dyn FnMut(FleetEvent),
) -> Report {
    let started = Instant::now();
    let on = RefCell::new(on);
    let emit = |event: FleetEvent| (on.borrow_mut())(event);
    // The first failure that halted the run (stage, target): once set, nothing more starts.
    let halted: RefCell<Option<(String, String)>> = RefCell::new(None);
    let mut stage_reports = Vec::new();
    let mut targets = Vec::new();
    for (index, stage) in stages.iter().enumerate() {
        let on_error = options.on_error.unwrap_or(stage.on_error);
        stage_reports.push(StageReport {
            name: stage.name.clone(),
            on_error: on_error.as_str(),
            targets: stage.targets.len(),
        });
        if halted.borrow().is_none() {
            emit(FleetEvent::Stage {
                name: stage.name.clone(),
                index: index + 1,
                of: stages.len(),
                targets: stage.targets.len(),
            });
        }
        let stage_name = &stage.name;
        let run_one = |t: &'a Target| {
            let stage_name = stage_name.clone();
            let halted = &halted;
            let emit = &emit;
            async move {
                if halted.borrow().is_some() {
                    let report = TargetReport::skipped(t, &stage_name);
                    emit(FleetEvent::Finished(report.clone()));
                    return report;
                }
                emit(FleetEvent::Started { name: t.name.clone() });
                let report = run_target(t, &stage_name, revisions, target, apply_options, options, emit).await;
                if report.outcome.failed() && on_error == OnError::Halt && halted.borrow().is_none() {
                    *halted.borrow_mut() = Some((stage_name.clone(), t.name.clone()));
                    emit(FleetEvent::Halted { stage: stage_name.clone(), target: t.name.clone() });
                }
                emit(FleetEvent::Finished(report.clone()));
                report
            }
        };
        // Unordered, so that one slow target holds one slot and not the whole stage (`buffered`
        // counts finished-but-not-yet-yielded targets against the limit); list order is
        // restored after.
        let mut reports: Vec<(usize, TargetReport)> = stream::iter(stage.targets.iter().enumerate())
            .map(|(i, t)| {
                let report = run_one(t);
                async move { (i, report.await) }
            })
            .buffer_unordered(options.parallel.max(1))
            .collect()
            .await;
        reports.sort_by_key(|(i, _)| *i);
        targets.extend(reports.into_iter().map(|(_, r)| r));
    }
    let halted = halted.into_inner().map(|(stage, target)| crate::report::Halt { stage, target });
    Report::new(stage_reports, targets, halted, started.elapsed())
}

/// One target: apply with retries, within the timeout.
async fn run_target(
    t: &Target,
    stage: &str,
    revisions: &Revisions,
    target: &UpTarget,
    apply_options: Options,
    options: &RunOptions,
    emit: &dyn Fn(FleetEvent),
) -> TargetReport {
    let started = Instant::now();
    let mut report = TargetReport::new(t, stage);
    let attempts = async {
        let tries = options.retries + 1;
        for attempt in 1..=tries {
            report.attempts = attempt;
            let mut events = Vec::new();
            let result = schemactl_apply::apply(&t.url, revisions, target, apply_options, &mut |e| {
                match &e {
                    Event::Resuming { .. }
                    | Event::Recovered { .. }
                    | Event::LockRetry { .. }
                    | Event::LockWait { .. } => emit(FleetEvent::Note { name: t.name.clone(), text: note(&e) }),
                    _ => {}
                }
                events.push(e);
            })
            .await;
            report.observe(&events, revisions);
            match result {
                Ok(outcome) => {
                    report.after = outcome.at;
                    report.outcome = if report.ran.is_empty() { Outcome::UpToDate } else { Outcome::Applied };
                    report.error = None;
                    report.error_kind = None;
                    return;
                }
                Err(e) => {
                    report.outcome = Outcome::Failed;
                    report.error = Some(e.to_string());
                    report.error_kind = Some(error_kind(&e).to_string());
                    if !retryable(&e) || attempt == tries {
                        return;
                    }
                    let pause = options.retry_pause.saturating_mul(1 << (attempt - 1).min(6));
                    emit(FleetEvent::Retrying {
                        name: t.name.clone(),
                        attempt: attempt + 1,
                        of: tries,
                        pause,
                        reason: first_line(&e.to_string()),
                    });
                    tokio::time::sleep(pause).await;
                }
            }
        }
    };
    match options.timeout {
        Some(limit) => {
            if tokio::time::timeout(limit, attempts).await.is_err() {
                report.outcome = Outcome::TimedOut;
                report.error = Some(format!(
                    "did not finish within {}s; what ran is in its history, and a rerun goes on from there",
                    limit.as_secs_f64()
                ));
                report.error_kind = Some("timeout".into());
            }
        }
        None => attempts.await,
    }
    report.duration_ms = started.elapsed().as_millis() as u64;
    report
}

fn first_line(text: &str) -> String {
    text.lines().next().unwrap_or_default().to_string()
}

/// An apply event as a note line.
fn note(event: &Event) -> String {
    match event {
        Event::Resuming { name, step, of } => format!("resuming {name} at step {step} of {of}"),
        Event::Recovered { name, note } => format!("{name}: {note}"),
        Event::LockRetry { name, attempt, of, reason } => {
            format!("{name}: lock not granted ({reason}); retrying (attempt {attempt} of {of})")
        }
        Event::LockWait { holder, timeout } => {
            format!("waiting up to {}s for the schemactl lock: {holder}", timeout.as_secs())
        }
        other => format!("{other:?}"),
    }
}
