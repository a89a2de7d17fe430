//! `schemactl rebase`: after two branches that each planned revisions are merged, keep one
//! branch's revisions and re-plan the other's after them.
//!
//! A planned revision is re-planned, not patched: its intent is what it made of the state before
//! it on its own branch, and that change is merged three ways (`schemactl_plan::merge`) with the
//! state the kept branch (and the revisions already moved) reached; the new revision is the plan
//! from that state to the merge, run on the shadow and checked to get there. Objects both
//! branches changed differently are reported by object, with what each branch made of them, and
//! nothing is written. A hand-written revision keeps its SQL: it is re-parented, linted again
//! and run on the shadow after the kept branch. A moved revision whose change the kept branch
//! already made (the same column added on both) is left out, and said so.

use crate::error::{Error, Result};
use crate::source::{close_all, Opened, Source};
use crate::{states, Engine};
use schemactl_model::Catalog;
use schemactl_plan::merge::Conflict;
use schemactl_plan::PlanOptions;
use schemactl_revision::format::{build_replacing, Draft};
use schemactl_revision::{Error as RevisionError, Fork, Problem, Revision, RevisionKind};
use schemactl_shadow::Shadow;
use schemactl_source::Statement;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// What `rebase` works on.
pub struct RebaseRequest<'a> {
    pub dir: &'a Path,
    pub schema_dir: &'a Path,
    /// A revision (id, prefix or file) of the branch to keep; else git says (see [`kept_side`]).
    pub keep: Option<&'a str>,
    pub dev_url: Option<&'a str>,
    pub options: PlanOptions,
    /// Seconds since the epoch, for the new ids.
    pub now: u64,
    /// Objects both branches changed differently are taken as schema/ declares them (the
    /// user settled them when merging schema/), instead of stopping the rebase.
    pub take_schema: bool,
}

/// What `rebase` did.
#[derive(Debug, Default)]
pub struct Rebased {
    /// The revisions kept as they are (files), and why that branch.
    pub kept: Vec<String>,
    pub why: String,
    /// Each moved revision: its old file and its new one (`None`: left out, its change is
    /// already made by the kept branch).
    pub moved: Vec<(String, Option<String>)>,
    /// schema/ declares more than the revisions now produce (`plan -m` next).
    pub schema_ahead: bool,
    /// Objects both branches changed differently, settled as schema/ declares them
    /// (`take_schema`), with the moved revision they were in.
    pub settled: Vec<(String, Conflict)>,
}

/// The chain forks but the two branches cannot be put one after the other: objects changed on
/// both in different ways. Nothing was written.
#[derive(Debug)]
pub struct RebaseConflicts {
    /// The moved revision whose change conflicts, and the kept revisions.
    pub revision: String,
    pub conflicts: Vec<Conflict>,
}

impl std::fmt::Display for RebaseConflicts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} cannot follow the kept branch: both branches changed", self.revision)?;
        for c in &self.conflicts {
            write!(f, "\n  {}: the kept branch {}; this revision {}", c.object, c.kept, c.moved)?;
        }
        write!(
            f,
            "\nnothing was written. Once schema/ declares each of these as it should be (as you settled \
             the merge), `schemactl rebase --take-schema` plans them that way"
        )
    }
}

impl Engine {
    /// `before_seal` runs on each new revision file before the directory is sealed (the
    /// project's post-write hooks), as `plan -m` runs it.
    pub async fn rebase(
        &self,
        request: &RebaseRequest<'_>,
        before_seal: &mut dyn FnMut(&Path) -> Result<()>,
    ) -> Result<Rebased> {
        let list = schemactl_revision::read_files(request.dir)?;
        let fork =
            match schemactl_revision::load_dir(request.dir) {
                Ok(_) => {
                    return Ok(Rebased {
                        why: "the revisions form one chain: nothing to rebase".into(),
                        ..Default::default()
                    })
                }
                Err(RevisionError::Forked { forks, problems }) => {
                    // A merge leaves the other branch's files sorted among ours, and maybe unsealed
                    // when conflicts were settled by hand; anything else is not ours to fix.
                    let serious: Vec<Problem> = problems
                        .into_iter()
                        .filter(|p| !matches!(p, Problem::Inserted { .. } | Problem::Unsealed { .. }))
                        .collect();
                    if !serious.is_empty() {
                        return Err(RevisionError::Integrity { problems: serious }.into());
                    }
                    match <[Fork; 1]>::try_from(forks) {
                        Ok([fork]) if fork.children.len() == 2 => fork,
                        _ => return Err(Error::Usage(
                            "the chain forks more than once, or into more than two branches: rebase needs one fork \
                             of two branches (merge and rebase one branch at a time)"
                                .into(),
                        )),
                    }
                }
                Err(e) => return Err(e.into()),
            };
        let branches = [branch(&list, &fork.children[0])?, branch(&list, &fork.children[1])?];
        let prefix = ancestry(&list, fork.parent.as_deref());
        let (keep, moved, why) = kept_side(request, branches)?;
        let (statements, _) = schemactl_yaml::load_schema_files_with_renames(request.schema_dir)?;
        let prelude = states::out_of_scope_prelude(&statements, self.scope());
        let desired = Source::Files { statements };
        let kept_chain: Vec<Revision> = prefix.iter().chain(&keep).cloned().collect();
        let work = states::replay(&prelude, states::replay_statements(&kept_chain, request.dir)?);
        let theirs = states::replay(&prelude, states::replay_statements(&prefix, request.dir)?);
        let shadow = self.start_shadow(request.dev_url, None).await?;
        let outcome = async {
            let opened = self.open_all(&shadow, &[&Source::Empty, &work, &theirs, &desired]).await?;
            let result = self.move_revisions(request, &opened, &kept_chain, &moved).await;
            close_all(&shadow, opened).await;
            result
        }
        .await;
        close(shadow).await;
        let (new, moved_files, schema_ahead, settled) = outcome?;
        for r in &moved {
            let path = request.dir.join(&r.file_name);
            std::fs::remove_file(&path).map_err(|source| Error::Io { path, source })?;
        }
        let mut chain = kept_chain;
        for (r, _) in &new {
            let path = request.dir.join(&r.file_name);
            std::fs::write(&path, &r.text).map_err(|source| Error::Io { path: path.clone(), source })?;
            before_seal(&path)?;
            chain.push(crate::hooks::reread(request.dir, &path, r.clone())?);
        }
        let state = new.last().map(|(_, script)| script.clone());
        let head = chain.last().map(|r| r.id.clone());
        let state = state.map(|s| states::state_text(head.as_deref(), &s));
        schemactl_revision::seal::write(request.dir, &chain, state.as_deref())?;
        Ok(Rebased {
            kept: keep.iter().map(|r| r.file_name.clone()).collect(),
            why,
            moved: moved_files,
            schema_ahead,
            settled,
        })
    }

    /// Moves `moved` after `kept_chain`, on the shadow databases `opened` (empty, the kept
    /// state, the fork point, schema/). Returns the new revisions with the state script after
    /// each, what became of each moved file, and whether schema/ is ahead of the result.
    async fn move_revisions(
        &self,
        request: &RebaseRequest<'_>,
        opened: &[Opened],
        kept_chain: &[Revision],
        moved: &[Revision],
    ) -> Result<Moved> {
        let (empty, work, theirs, desired) = (&opened[0], &opened[1], &opened[2], &opened[3]);
        let mut ours = work.catalog.clone();
        let mut before = theirs.catalog.clone();
        let (mut work_roles, mut their_roles) = (work.declared_roles.clone(), theirs.declared_roles.clone());
        let mut head = kept_chain.last().map(|r| r.id.clone());
        let mut new = Vec::new();
        let mut files = Vec::new();
        let mut settled = Vec::new();
        for m in moved {
            let up: Vec<Statement> = m.up_segments(request.dir)?.into_iter().flat_map(|s| s.statements).collect();
            let after = self.run_and_read(theirs, &up, &mut their_roles).await.map_err(|e| {
                Error::Diverged(format!("{} no longer runs on its own branch's state: {e}", m.file_name))
            })?;
            let before_script = states::creation_script(&empty.catalog, &ours)?;
            let draft = match m.kind {
                RevisionKind::Planned => {
                    let settle = request.take_schema.then_some(&desired.catalog);
                    let (target, conflicts) = schemactl_plan::merge::merge3_settled(&before, &ours, &after, settle);
                    if !conflicts.is_empty() && !request.take_schema {
                        return Err(Error::Rebase(RebaseConflicts { revision: m.file_name.clone(), conflicts }));
                    }
                    settled.extend(conflicts.into_iter().map(|c| (m.file_name.clone(), c)));
                    let up = schemactl_plan::plan_with(&ours, &target, &request.options)?;
                    if up.steps.is_empty() {
                        files.push((m.file_name.clone(), None));
                        before = after;
                        continue;
                    }
                    let expects = crate::drift::expectations(&work.client, &up).await?;
                    let script = schemactl_plan::render_sql(&up);
                    let statements = schemactl_source::split_script(Path::new(&m.file_name), &script)?;
                    let reached = self.run_and_read(work, &statements, &mut work_roles).await.map_err(|e| {
                        Error::Diverged(format!("the re-planned {} failed after the kept branch: {e}", m.file_name))
                    })?;
                    let left = schemactl_plan::plan(&reached, &target)?;
                    if !left.steps.is_empty() {
                        return Err(Error::Diverged(format!(
                            "the re-planned {} does not reach the merged state ({} step(s) left; please report this):\n{}",
                            m.file_name,
                            left.steps.len(),
                            schemactl_plan::render_sql(&left)
                        )));
                    }
                    let down = schemactl_plan::plan_with(&reached, &ours, &request.options)?;
                    let kinds: BTreeSet<String> =
                        up.steps.iter().flat_map(|s| s.hazards.iter().map(|h| h.kind.to_string())).collect();
                    ours = reached;
                    Draft {
                        id: String::new(),
                        slug: String::new(),
                        parent: None,
                        message: m.message.clone(),
                        kind: RevisionKind::Planned,
                        before: states::fingerprint(&before_script),
                        after: String::new(),
                        hazards: kinds.into_iter().collect(),
                        expects,
                        up: script,
                        down: schemactl_plan::render_sql(&down),
                    }
                }
                RevisionKind::Manual => {
                    let findings = schemactl_lint::lint_statements(up.iter())?;
                    let kinds: BTreeSet<String> = findings.iter().map(|f| f.hazard.to_string()).collect();
                    ours = self.run_and_read(work, &up, &mut work_roles).await.map_err(|e| {
                        Error::Diverged(format!("the hand-written {} fails after the kept branch: {e}", m.file_name))
                    })?;
                    Draft {
                        id: String::new(),
                        slug: String::new(),
                        parent: None,
                        message: m.message.clone(),
                        kind: RevisionKind::Manual,
                        before: states::fingerprint(&before_script),
                        after: String::new(),
                        hazards: kinds.into_iter().collect(),
                        expects: Vec::new(),
                        up: m.up.clone(),
                        down: m.down.clone(),
                    }
                }
            };
            before = after;
            let after_script = states::creation_script(&empty.catalog, &ours)?;
            let id = schemactl_revision::new_id(request.now, head.as_deref());
            let slug = m.file_name.strip_suffix(".sql").and_then(|f| f.split_once('_')).map_or("revision", |(_, s)| s);
            let draft = Draft {
                id: id.clone(),
                slug: slug.to_string(),
                parent: head.clone(),
                after: states::fingerprint(&after_script),
                ..draft
            };
            let revision = build_replacing(draft, m.replaces.clone());
            files.push((m.file_name.clone(), Some(revision.file_name.clone())));
            new.push((revision, after_script));
            head = Some(id);
        }
        let ahead = !states::plan_from(&ours, desired).await?.steps.is_empty();
        Ok((new, files, ahead, settled))
    }

    /// Runs statements on a shadow database and reads it (with its roles).
    async fn run_and_read(
        &self,
        db: &Opened,
        statements: &[Statement],
        declared: &mut Vec<Statement>,
    ) -> Result<Catalog> {
        self.run_script_on_shadow(&db.client, statements, db.create_roles, declared).await?;
        let mut catalog = self.read(&db.client).await?;
        self.read_declared_roles(&mut catalog, &db.client, declared, db.create_roles).await?;
        Ok(catalog)
    }
}

/// New revisions with the state script after each, what became of each moved file, whether
/// schema/ is ahead of the result, and the conflicts schema/ settled.
type Moved = (Vec<(Revision, String)>, Vec<(String, Option<String>)>, bool, Vec<(String, Conflict)>);

async fn close(shadow: Shadow) {
    let _ = shadow.close().await;
}

/// The linear chain of revisions that starts with `first` (a file): each followed by the one
/// whose parent it is.
fn branch(list: &[Revision], first: &str) -> Result<Vec<Revision>> {
    let mut children: BTreeMap<Option<&str>, Vec<&Revision>> = BTreeMap::new();
    for r in list {
        children.entry(r.parent.as_deref()).or_default().push(r);
    }
    let mut out: Vec<Revision> = list.iter().filter(|r| r.file_name == first).cloned().collect();
    while let Some(last) = out.last() {
        match children.get(&Some(last.id.as_str())).map(Vec::as_slice) {
            None | Some([]) => break,
            Some([next]) => out.push((*next).clone()),
            Some(_) => {
                return Err(Error::Usage(format!(
                    "{} starts a branch that forks again: rebase needs two linear branches",
                    first
                )))
            }
        }
    }
    Ok(out)
}

/// The revisions from the first up to `parent`, in order.
fn ancestry(list: &[Revision], parent: Option<&str>) -> Vec<Revision> {
    let mut out = Vec::new();
    let mut at = parent;
    while let Some(id) = at {
        let Some(r) = list.iter().find(|r| r.id == id) else { break };
        out.push(r.clone());
        at = r.parent.as_deref();
    }
    out.reverse();
    out
}

/// Which branch stays: the one `--keep` names; else, in a git work tree, the one the current
/// branch had before the merge (during a merge, `HEAD`; after a merge commit, its first
/// parent); else the one planned first.
fn kept_side(
    request: &RebaseRequest<'_>,
    branches: [Vec<Revision>; 2],
) -> Result<(Vec<Revision>, Vec<Revision>, String)> {
    let [a, b] = branches;
    if let Some(spec) = request.keep {
        let holds = |c: &[Revision]| schemactl_revision::find(c, spec).is_ok();
        return match (holds(&a), holds(&b)) {
            (true, false) => Ok((a, b, format!("--keep {spec}"))),
            (false, true) => Ok((b, a, format!("--keep {spec}"))),
            _ => Err(Error::Usage(format!("--keep {spec} names no revision of either branch (or one of both)"))),
        };
    }
    if let Some((files, whose)) = git_ours(request.dir) {
        let ours = |c: &[Revision]| c.first().is_some_and(|r| files.contains(&r.file_name));
        match (ours(&a), ours(&b)) {
            (true, false) => return Ok((a, b, format!("the branch {whose} had"))),
            (false, true) => return Ok((b, a, format!("the branch {whose} had"))),
            _ => {}
        }
    }
    // `a` starts with the smaller id: the fork's children are in id order.
    Ok((a, b, "the branch planned first (no --keep, and git did not tell)".into()))
}

/// The revision files of the branch merged into, from git: `HEAD`'s during a merge that is not
/// committed yet, else the first parent's of a merge commit.
fn git_ours(dir: &Path) -> Option<(BTreeSet<String>, &'static str)> {
    let git = |args: &[&str]| {
        let out = std::process::Command::new("git").args(args).current_dir(dir).output().ok()?;
        out.status.success().then(|| String::from_utf8_lossy(&out.stdout).into_owned())
    };
    let (tree, whose) = if git(&["rev-parse", "-q", "--verify", "MERGE_HEAD"]).is_some() {
        ("HEAD", "being merged into (HEAD)")
    } else if git(&["rev-parse", "-q", "--verify", "HEAD^2"]).is_some() {
        ("HEAD^1", "merged into (the merge commit's first parent)")
    } else {
        return None;
    };
    let listed = git(&["ls-tree", "--name-only", tree, "./"])?;
    let names = listed.lines().filter_map(|l| PathBuf::from(l).file_name().map(|n| n.to_string_lossy().into_owned()));
    Some((names.collect(), whose))
}
