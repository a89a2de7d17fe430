//! Revisions the database applied that the revision files do not have: a branch's revision
//! applied to a shared database, then re-planned under another id at the merge, or dropped.
//! `apply` recognises a re-planned one by its schema-after fingerprint ([`recognise`]) and
//! records the files' revision instead; `down --unknown` undoes them from the down SQL the
//! history stored. Both say what they did; nothing happens silently.

use std::path::Path;
use std::time::Instant;

use schemactl_revision::format::Section;
use schemactl_revision::{Revision, RevisionKind, Segment};
use schemactl_sqltext::visible;

use crate::error::{Error, Refusal, Result};
use crate::live::{self, LiveRunner, Session};
use crate::range::{check_unknown_revertible, recognise, unknown, verify, Applied, Recognition, State};
use crate::{sql, stem, Event, Options};

/// What `down --unknown` did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Reverted {
    /// The revisions undone, newest first (`id (message)`).
    pub reverted: Vec<String>,
    /// The database's revision afterwards; `None` is base.
    pub at: Option<String>,
}

/// `id (message), applied AT by WHO`: how output names a revision the files do not have.
pub fn describe_unknown(row: &Applied) -> String {
    // Rows are the database's text: shown, never let loose on a terminal.
    format!(
        "{} ({}), applied {} by {}",
        visible(&row.revision),
        visible(&row.message),
        row.applied_at,
        visible(&row.applied_by)
    )
}

/// The refusal for unknown revisions `apply` cannot recognise, with every other disagreement.
pub(crate) fn unknown_error(list: &[Revision], state: &State, reason: String) -> Error {
    let problems = match verify(list, state) {
        Err(Error::Refused { problems }) => {
            problems.into_iter().filter(|p| !matches!(p, Refusal::Missing { .. })).collect()
        }
        _ => Vec::new(),
    };
    Error::Unknown { unknown: unknown(list, state).into_iter().map(describe_unknown).collect(), problems, reason }
}

/// Applies the rule of [`recognise`] to a locked database: records `list[from..=to]` as
/// applied and forgets the unknown rows, in one transaction, logged as `recognise`. Returns
/// the state afterwards. A database without unknown revisions is left as it is.
pub(crate) async fn recognise_live(
    session: &Session,
    list: &[Revision],
    state: State,
    on: &mut dyn FnMut(Event),
) -> Result<State> {
    if unknown(list, &state).is_empty() {
        return Ok(state);
    }
    let recognition = recognise(list, &state).map_err(|reason| unknown_error(list, &state, reason))?;
    let Recognition { unknown: ids, from, to } = &recognition;
    let target = &list[*to];
    crate::check_replaced(&list[*from..=*to], &state)?;
    let newest = ids.last().map(String::as_str).unwrap_or_default();
    let after = sql::schema_after(target).unwrap_or_default();
    let mut script = String::from("BEGIN;\n");
    for revision in &list[*from..=*to] {
        let note = format!(
            "recorded without running: the database applied {newest}, which the revision files do not have, \
             and its schema-after ({after}) is that of {}",
            target.file_name
        );
        script.push_str(&sql::recognise_insert(revision, &note));
        script.push('\n');
    }
    for id in ids {
        let note = format!("not in the revision files; recognised as {} (same schema-after {after})", target.file_name);
        script.push_str(&sql::forget_unknown(id, &note));
        script.push('\n');
    }
    script.push_str("COMMIT;");
    if let Err(e) = session.client.batch_execute(&script).await {
        let _ = session.client.batch_execute("ROLLBACK").await;
        return Err(live::database("recording the recognised revisions", &e));
    }
    on(Event::Recognised {
        unknown: ids
            .iter()
            .filter_map(|id| state.applied(id))
            .map(|row| format!("{} ({})", visible(&row.revision), visible(&row.message)))
            .collect(),
        as_revision: stem(target),
        recorded: list[*from..=*to].iter().map(stem).collect(),
    });
    session.read_state().await
}

/// A revision made from a history row, to run its stored down SQL with the machinery of a
/// file's: its statements are located in `schemactl.history/<id>/down_sql`.
fn stored_revision(row: &Applied) -> Revision {
    Revision {
        id: row.revision.clone(),
        file_name: format!("{} (stored in schemactl.history)", row.revision),
        parent: None,
        replaces: None,
        message: row.message.clone(),
        // Hand-written revisions run their statements as written, together.
        kind: RevisionKind::Manual,
        before: String::new(),
        after: String::new(),
        hazards: Vec::new(),
        expects: Vec::new(),
        up: row.up_sql.clone().unwrap_or_default(),
        down: row.down_sql.clone().unwrap_or_default(),
        checksum: row.checksum.clone(),
        text: String::new(),
    }
}

/// The stored down SQL of `row`, split into segments as a revision file's down section is.
fn stored_down_segments(row: &Applied) -> Result<Vec<Segment>> {
    let path = Path::new("schemactl.history").join(&row.revision).join("down_sql");
    let sql = row.down_sql.as_deref().unwrap_or_default();
    let statements = schemactl_source::split_script(&path, sql)
        .map_err(|e| Error::Revision(schemactl_revision::Error::Statement { message: e.to_string() }))?;
    Ok(schemactl_revision::group_segments(statements))
}

/// `down --unknown`: undoes the revisions the database applied and the files do not have,
/// newest first, each from the down SQL its history row stored, in its own transaction with its
/// row removed and a log entry. Refused before anything runs when they are not the newest
/// applied, when a row has no stored down SQL or an empty one, or for hazards and sizes as
/// `down` refuses them.
pub async fn down_unknown(
    url: &schemactl_connect::DbUrl,
    list: &[Revision],
    options: Options,
    on: &mut dyn FnMut(Event),
) -> Result<Reverted> {
    let (session, state) = crate::locked_session(url, options, on).await?;
    let rows: Vec<Applied> = unknown(list, &state).into_iter().rev().cloned().collect();
    if rows.is_empty() {
        session.unlock().await;
        return Ok(Reverted { reverted: Vec::new(), at: state.current().map(str::to_string) });
    }
    check_unknown_revertible(list, &state)?;
    // A revision part-way applied sits on top of whatever is undone here: finish it first.
    crate::check_no_partial(list, &state, Section::Down)?;
    let revisions: Vec<Revision> = rows.iter().map(stored_revision).collect();
    let plans =
        revisions.iter().zip(&rows).map(|(r, row)| Ok((r, stored_down_segments(row)?))).collect::<Result<Vec<_>>>()?;
    let empty: Vec<&str> = plans.iter().filter(|(_, s)| s.is_empty()).map(|(r, _)| r.id.as_str()).collect();
    if !empty.is_empty() {
        return Err(Error::Target(format!(
            "cannot undo {}: the down SQL the history stored has no statement (use `schemactl stamp` to move the \
             history without running SQL)",
            empty.join(", ")
        )));
    }
    crate::refuse_hazards(&plans, Section::Down, options.allowed)?;
    crate::refuse_oversized(&session, &plans, Section::Down, options.limits).await?;
    let mut outcome = Reverted::default();
    for ((revision, segments), row) in plans.iter().zip(&rows) {
        let done = state.done_segments(&revision.id, Section::Down);
        let interrupted = state.interrupted_segments(&revision.id, Section::Down);
        session.revision_defaults(options.statement_lock_timeout).await?;
        let started = Instant::now();
        let mut runner = LiveRunner { session: &session, interrupted, attempts: options.lock_retries, on: &mut *on };
        let finish = sql::finish_unknown_down(&revision.id);
        crate::drive::run_revision_finishing(&mut runner, revision, Section::Down, segments, &done, &finish).await?;
        let name = format!("{} ({})", visible(&row.revision), visible(&row.message));
        on(Event::RevertedUnknown { name: name.clone(), elapsed: started.elapsed() });
        outcome.reverted.push(name);
    }
    let after = session.read_state().await?;
    outcome.at = after.current().map(str::to_string);
    session.unlock().await;
    Ok(outcome)
}
