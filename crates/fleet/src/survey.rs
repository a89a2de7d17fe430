//! What a fleet is at, read without changing anything: `status --targets` (targets grouped by
//! revision and by a fingerprint of their schema, drift checked once per group) and
//! `apply --targets --sql` (one script per distinct starting revision).

use std::collections::BTreeMap;
use std::time::Duration;

use futures_util::stream::{self, StreamExt};
use schemactl_revision::Revisions;
use serde::Serialize;

use crate::targets::Target;

/// Where one target is.
#[derive(Clone, Debug)]
pub struct Position {
    pub target: Target,
    /// How many revisions of the list it applied, or why that is not known.
    pub applied: Result<usize, String>,
    /// A fingerprint of its schema in scope (sha256 of the script that would create it), when
    /// asked for and readable.
    pub fingerprint: Option<String>,
}

/// Reads each target's history (and, with `engine`, its catalog), `parallel` at a time; the
/// positions come back in list order.
pub async fn positions<'a>(
    targets: &'a [Target],
    revisions: &Revisions,
    engine: Option<&schemactl_engine::Engine>,
    parallel: usize,
    wait: Duration,
) -> Vec<Position> {
    let read = |t: &'a Target| async move {
        let applied = match schemactl_apply::read_state(&t.url, wait, &mut |_| {}).await {
            Ok(state) => schemactl_apply::verify(&revisions.list, &state).map_err(|e| e.to_string()),
            Err(e) => Err(e.to_string()),
        };
        let fingerprint = match (engine, &applied) {
            (Some(engine), Ok(_)) => fingerprint(engine, t).await.ok(),
            _ => None,
        };
        Position { target: t.clone(), applied, fingerprint }
    };
    // Unordered so that one slow target does not hold back the others; list order restored.
    let mut read: Vec<(usize, Position)> = stream::iter(targets.iter().enumerate())
        .map(|(i, t)| {
            let position = read(t);
            async move { (i, position.await) }
        })
        .buffer_unordered(parallel.max(1))
        .collect()
        .await;
    read.sort_by_key(|(i, _)| *i);
    read.into_iter().map(|(_, p)| p).collect()
}

async fn fingerprint(engine: &schemactl_engine::Engine, t: &Target) -> schemactl_engine::Result<String> {
    let client = t.url.connect().await?;
    let catalog = engine.read(&client).await?;
    let script = schemactl_engine::states::creation_script(&Default::default(), &catalog)?;
    Ok(schemactl_engine::states::fingerprint(&script))
}

/// Targets that share a revision and a schema fingerprint (or the same error).
#[derive(Clone, Debug, Serialize)]
pub struct Group {
    /// The revision id (`null`: base); `null` too when unknown (see `error`).
    pub at: Option<String>,
    /// How many revisions of the files the group applied.
    pub applied: Option<usize>,
    pub pending: Option<usize>,
    pub fingerprint: Option<String>,
    /// Steps that would bring the group's schema back to what its revisions produce
    /// (checked on one of its targets); `null` when not checked.
    pub drift_steps: Option<usize>,
    pub error: Option<String>,
    /// Every target's name, sorted.
    pub targets: Vec<String>,
}

/// Groups positions: by revision then fingerprint, errors by their first line; most targets
/// first, then by revision and fingerprint, so that the output is stable.
pub fn group(positions: &[Position], revisions: &Revisions) -> Vec<(Group, Target)> {
    // Keyed by (revisions applied, fingerprint, error); each group keeps its first target as
    // the one drift is checked on.
    type Key = (Option<usize>, Option<String>, Option<String>);
    let mut groups: BTreeMap<Key, (Group, Target)> = BTreeMap::new();
    for p in positions {
        let (applied, error) = match &p.applied {
            Ok(n) => (Some(*n), None),
            Err(e) => (None, Some(e.lines().next().unwrap_or_default().to_string())),
        };
        let key = (applied, p.fingerprint.clone(), error.clone());
        let entry = groups.entry(key).or_insert_with(|| {
            let at = applied.and_then(|n| n.checked_sub(1)).map(|i| revisions.list[i].id.clone());
            let group = Group {
                at,
                applied,
                pending: applied.map(|n| revisions.list.len() - n),
                fingerprint: p.fingerprint.clone(),
                drift_steps: None,
                error,
                targets: Vec::new(),
            };
            (group, p.target.clone())
        });
        entry.0.targets.push(p.target.name.clone());
    }
    let mut list: Vec<(Group, Target)> = groups.into_values().collect();
    for (group, _) in &mut list {
        group.targets.sort();
    }
    list.sort_by(|a, b| {
        (a.0.error.is_some(), std::cmp::Reverse(a.0.targets.len()), a.0.applied, &a.0.fingerprint).cmp(&(
            b.0.error.is_some(),
            std::cmp::Reverse(b.0.targets.len()),
            b.0.applied,
            &b.0.fingerprint,
        ))
    });
    list
}

/// Targets by how many revisions they applied, and those whose history could not be read.
pub struct Starts<'a> {
    pub starts: BTreeMap<usize, Vec<&'a Target>>,
    pub errors: Vec<(&'a Target, &'a str)>,
}

/// Targets by how many revisions they applied (errors apart), for one script per group.
pub fn by_start(positions: &[Position]) -> Starts<'_> {
    let mut starts: BTreeMap<usize, Vec<&Target>> = BTreeMap::new();
    let mut errors = Vec::new();
    for p in positions {
        match &p.applied {
            Ok(n) => starts.entry(*n).or_default().push(&p.target),
            Err(e) => errors.push((&p.target, e.as_str())),
        }
    }
    Starts { starts, errors }
}
