//! Revision files: building a planned or hand-written revision, writing it after the head and
//! re-sealing, and re-sealing after deliberate edits.

use crate::error::{Error, Result};
use crate::{states, Planned};
use schemactl_revision::format::{build, build_replacing, Draft};
use schemactl_revision::{seal, Replaced, Revision, RevisionKind, Revisions};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// The revision `planned` becomes after the current head, at `now` (seconds since the epoch,
/// for its id), replacing another tool's history when `replaces` says so.
pub fn planned_revision(
    revisions: &Revisions,
    planned: &Planned,
    message: &str,
    replaces: Option<Replaced>,
    now: u64,
) -> Revision {
    let head = revisions.head().map(|r| r.id.clone());
    let kinds: BTreeSet<String> =
        planned.up.steps.iter().flat_map(|s| s.hazards.iter().map(|h| h.kind.to_string())).collect();
    let draft = Draft {
        id: schemactl_revision::new_id(now, head.as_deref()),
        slug: schemactl_revision::slug(message),
        parent: head,
        message: message.to_string(),
        kind: RevisionKind::Planned,
        before: states::fingerprint(&planned.current_script),
        after: states::fingerprint(&planned.after_script),
        hazards: kinds.into_iter().collect(),
        expects: planned.expects.clone(),
        up: schemactl_plan::render_sql(&planned.up),
        down: schemactl_plan::render_sql(&planned.down),
    };
    build_replacing(draft, replaces)
}

/// An empty revision after the head for hand-written SQL (data migrations).
pub fn manual_revision(revisions: &Revisions, message: &str, now: u64) -> Revision {
    let head = revisions.head();
    let fingerprint = head.map_or_else(|| states::fingerprint(""), |h| h.after.clone());
    build(Draft {
        id: schemactl_revision::new_id(now, head.map(|h| h.id.as_str())),
        slug: schemactl_revision::slug(message),
        parent: head.map(|h| h.id.clone()),
        message: message.to_string(),
        kind: RevisionKind::Manual,
        before: fingerprint.clone(),
        after: fingerprint,
        hazards: Vec::new(),
        expects: Vec::new(),
        up: "-- Hand-written SQL, run in one transaction by `schemactl apply` (data migrations: UPDATE, INSERT...).\n\
             -- Statements that cannot run in a transaction (CREATE INDEX CONCURRENTLY) run on their own.\n\
             -- After editing, run `schemactl reseal` (only while no database has applied this revision)."
            .into(),
        down: "-- SQL that undoes the up section, run by `schemactl down`.".into(),
    })
}

/// Writes `revision` after the current head and re-seals; returns its path. `state_script`:
/// the schema after it, when known (planned revisions); hand-written ones drop the cache,
/// since their effect is known only once they have run. `before_seal` runs on the written file
/// (the post-write hooks, [`crate::post_write`]); its error leaves the file unsealed, and what
/// it makes of the file is what gets sealed.
pub fn write_revision(
    revisions: &Revisions,
    revision: Revision,
    state_script: Option<&str>,
    before_seal: &mut dyn FnMut(&Path) -> Result<()>,
) -> Result<PathBuf> {
    std::fs::create_dir_all(&revisions.dir).map_err(|source| Error::Io { path: revisions.dir.clone(), source })?;
    let path = revisions.dir.join(&revision.file_name);
    if path.exists() {
        return Err(Error::Usage(format!("{} already exists", path.display())));
    }
    std::fs::write(&path, &revision.text).map_err(|source| Error::Io { path: path.clone(), source })?;
    before_seal(&path)?;
    let revision = crate::hooks::reread(&revisions.dir, &path, revision)?;
    let mut list = revisions.list.clone();
    list.push(revision.clone());
    let state = state_script.map(|s| states::state_text(Some(&revision.id), s));
    seal::write(&revisions.dir, &list, state.as_deref())?;
    Ok(path)
}

/// Re-seals the revisions as they are, with the state cache `planned` found (when the cache
/// was missing or stale and nothing was left to plan).
pub fn reseal_state(revisions: &Revisions, planned: &Planned) -> Result<()> {
    let head = revisions.head().map(|r| r.id.as_str());
    let state = states::state_text(head, &planned.current_script);
    Ok(seal::write(&revisions.dir, &revisions.list, Some(&state))?)
}

/// What [`reseal`] did.
#[derive(Debug, Default)]
pub struct Resealed {
    pub count: usize,
    /// Hand-written revisions whose recorded hazards changed, with the kinds now recorded.
    pub hazards: Vec<(PathBuf, Vec<String>)>,
    pub sum_file: PathBuf,
}

/// Re-seals `dir` after deliberate edits. The chain of parents must still hold; checksums of
/// databases that already applied an edited revision will not match (apply refuses them).
pub fn reseal(dir: &Path) -> Result<Resealed> {
    let mut list = schemactl_revision::read_files(dir)?;
    let problems = schemactl_revision::dir::chain_problems(&list);
    if !problems.is_empty() {
        return Err(schemactl_revision::Error::Integrity { problems }.into());
    }
    let mut resealed = Resealed::default();
    for r in &mut list {
        // Statements must parse before we vouch for them.
        let up = r.up_segments(dir)?;
        r.down_segments(dir)?;
        // A hand-written revision records what lint finds in its up section, as a planned one
        // records the planner's hazards (those are kept: the planner knows more than lint).
        if r.kind == RevisionKind::Manual {
            let findings = schemactl_lint::lint_statements(up.iter().flat_map(|s| &s.statements))?;
            let kinds: Vec<String> =
                findings.iter().map(|f| f.hazard.to_string()).collect::<BTreeSet<_>>().into_iter().collect();
            if let Some(text) = schemactl_revision::format::with_hazards(&r.text, &kinds).filter(|t| *t != r.text) {
                let path = dir.join(&r.file_name);
                std::fs::write(&path, &text).map_err(|source| Error::Io { path: path.clone(), source })?;
                *r = schemactl_revision::format::parse(&r.file_name, &text)?;
                resealed.hazards.push((path, kinds));
            }
        }
    }
    seal::write(dir, &list, None)?;
    resealed.count = list.len();
    resealed.sum_file = dir.join(seal::SUM_FILE);
    Ok(resealed)
}
