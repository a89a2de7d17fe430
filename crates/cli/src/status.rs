//! `schemactl status`: where the database is in the revision history, what is pending, and
//! whether its schema drifted from what the applied revisions produce. The exit code says it
//! too, so that a deploy check or a monitor needs no parsing: 0 at head without drift,
//! [`PENDING`] when revisions wait to be applied, [`DRIFT`] when the schema drifted (whatever
//! is pending); `--exit-zero` reports and exits 0.

use crate::cli::StatusArgs;
use crate::error::CliResult;
use crate::project;
use std::path::Path;

/// Revisions are pending (or one stopped part-way): `schemactl apply` has work to do.
pub const PENDING: u8 = 8;
/// The schema differs from what the applied revisions produce: someone must look. Shares its
/// code with `apply`'s refusal to run over drift.
pub const DRIFT: u8 = 7;

pub async fn run(config: Option<&Path>, args: StatusArgs) -> CliResult<u8> {
    let project = project::required(config)?;
    let engine = crate::scope_args::engine(config, args.db.env.as_deref(), &args.shadow.scope)?;
    let revisions = schemactl_revision::load_dir(&project.revisions_dir)?;
    let url = project::database(&project, &args.db)?;
    let state = schemactl_apply::read_state(&url, args.db.wait, &mut |_| {}).await?;
    let list = &revisions.list;
    let human = args.format == crate::cli::ReportFormat::Human;
    // With `--format json` the lines are not printed: the same facts go into one document.
    macro_rules! say {
        ($($arg:tt)*) => {
            if human {
                outln!($($arg)*)
            }
        };
    }

    say!("database: {url}");
    let unknown_rows: Vec<schemactl_apply::Applied> =
        schemactl_apply::unknown(list, &state).into_iter().cloned().collect();
    let (unknown, state) = unknown_lines(list, state);
    for line in &unknown.lines {
        say!("{line}");
    }
    let applied = schemactl_apply::verify(list, &state)?;
    match applied.checked_sub(1).map(|i| &list[i]) {
        Some(r) => {
            let row = state.applied(&r.id);
            let when = row
                .filter(|a| !a.applied_at.is_empty())
                .map(|a| format!(" (applied {} by {})", a.applied_at, a.applied_by))
                .unwrap_or_default();
            say!("current:  {}{when}", schemactl_apply::stem(r));
        }
        None => say!("current:  base (no revision applied)"),
    }
    for line in replaced_lines(list, &state) {
        say!("{line}");
    }
    let pending = &list[applied..];
    let mut work = Vec::new();
    let limits = project.settings(args.db.env.as_deref()).limits;
    if pending.is_empty() {
        say!("pending:  none, the database is at head");
    } else {
        say!("pending:  {} revision(s)", pending.len());
        // What the pending revisions rewrite, scan or index, priced by this database.
        let plans = pending
            .iter()
            .map(|r| Ok((r, r.up_segments(&revisions.dir)?)))
            .collect::<Result<Vec<_>, schemactl_revision::Error>>()?;
        let client = url.connect().await?;
        work = schemactl_apply::sized_work(&client, &plans, schemactl_revision::format::Section::Up).await?;
        for r in pending {
            say!("  {}  {}", schemactl_apply::stem(r), r.message);
            for w in work.iter().filter(|w| w.file == r.file_name) {
                let over = match w.limit(limits) {
                    Some((limit, setting)) if w.size.rows > limit => {
                        format!("; over {setting} = {limit}: apply refuses it")
                    }
                    _ => String::new(),
                };
                say!(
                    "      {} of {} ({}; expect {}{over}) at {}",
                    w.kind,
                    w.table,
                    w.size,
                    w.size.duration_class(),
                    project::shown(Path::new(&w.at))
                );
            }
        }
    }
    let mut partial = false;
    for name in state.partial(schemactl_revision::format::Section::Up) {
        say!("partial:  {name} stopped part-way; `schemactl apply` resumes it");
        partial = true;
    }
    let behind = !pending.is_empty() || partial || unknown.recognised;
    let json = |drift: Option<(usize, String)>, exit_code: u8| {
        if !human {
            let facts = schemactl_engine::report::StatusFacts {
                database: url.to_string(),
                list,
                state: &state,
                applied,
                unknown: unknown_rows.clone(),
                unknown_recognised: unknown.recognised,
                work: &work,
                limits,
                drift,
                exit_code,
            };
            out!("{}", schemactl_engine::report::to_text(&schemactl_engine::report::status(&facts)));
        }
        exit_code
    };
    let code = |drifted: bool| match (args.exit_zero, drifted, behind) {
        (true, _, _) | (false, false, false) => 0,
        (false, true, _) => DRIFT,
        (false, false, true) => PENDING,
    };
    if unknown.any {
        // The schema holds what the unknown revisions did: any drift reported would be theirs.
        say!("drift:    not checked while the database has revisions the files do not have");
        return Ok(json(None, if args.exit_zero || unknown.recognised { code(false) } else { UNKNOWN }));
    }
    if args.no_drift {
        return Ok(json(None, code(false)));
    }
    // What schema/ declares out of scope runs first: the revisions may use it.
    let prelude = engine.project_prelude(&project.schema_dir);
    let drift = engine.drift(&revisions, applied, &prelude, &url, args.shadow.dev_url.as_deref()).await?;
    if drift.steps.is_empty() {
        say!("drift:    none, the schema is what the applied revisions produce");
    } else {
        say!(
            "drift:    the schema differs from what the applied revisions produce; this would restore it ({} {}):",
            drift.steps.len(),
            if drift.steps.len() == 1 { "step" } else { "steps" }
        );
        for line in schemactl_plan::render_sql(&drift).lines() {
            say!("  {line}");
        }
        if schemactl_engine::unadopted(&state, &drift) {
            outln!("hint:     {}", schemactl_apply::ADOPT);
        }
    }
    let sql = (drift.steps.len(), schemactl_plan::render_sql(&drift));
    Ok(json(Some(sql), code(!drift.steps.is_empty())))
}

/// The database applied revisions the files do not have, and `apply` cannot recognise them:
/// it refuses with the same code.
pub const UNKNOWN: u8 = 5;

/// What status says about applied revisions the files do not have.
struct Unknown {
    lines: Vec<String>,
    /// Some are there.
    any: bool,
    /// `apply` will recognise them as a revision of the files.
    recognised: bool,
}

/// The applied revisions the files do not have, each named, with what `apply` will do about
/// them or how to undo them; and the state the rest of the report reads: as `apply` will
/// leave it once it recognised them, else without them.
fn unknown_lines(
    list: &[schemactl_revision::Revision],
    mut state: schemactl_apply::State,
) -> (Unknown, schemactl_apply::State) {
    let rows: Vec<schemactl_apply::Applied> = schemactl_apply::unknown(list, &state).into_iter().cloned().collect();
    if rows.is_empty() {
        return (Unknown { lines: Vec::new(), any: false, recognised: false }, state);
    }
    let mut lines = vec![format!("unknown:  {} applied revision(s) that no revision file has:", rows.len())];
    lines.extend(rows.iter().map(|row| format!("  {}", schemactl_apply::describe_unknown(row))));
    let recognised = schemactl_apply::recognise(list, &state);
    match &recognised {
        Ok(r) => {
            let target = &list[r.to];
            lines.push(format!(
                "  the database has the schema {} leaves (same schema-after): `schemactl apply` records {} as \
                 applied without running {}, forgets the unknown revision(s), and goes on from there",
                schemactl_apply::stem(target),
                list[r.from..=r.to].iter().map(schemactl_apply::stem).collect::<Vec<_>>().join(", "),
                if r.to == r.from { "it" } else { "them" }
            ));
            let recorded: Vec<schemactl_apply::Applied> = list[r.from..=r.to]
                .iter()
                .map(|rev| schemactl_apply::Applied {
                    revision: rev.id.clone(),
                    checksum: rev.checksum.clone(),
                    message: rev.message.clone(),
                    applied_at: String::new(),
                    applied_by: String::new(),
                    duration_ms: None,
                    replaces: None,
                    up_sql: None,
                    down_sql: None,
                    schema_after: None,
                })
                .collect();
            state.history.retain(|row| !r.unknown.contains(&row.revision));
            state.history.extend(recorded);
            state.history.sort_by(|a, b| a.revision.cmp(&b.revision));
        }
        Err(reason) => {
            lines.push(format!("  not a re-planned revision of the files: {reason}"));
            lines.push(
                "  `schemactl apply` refuses this database; undo them with the down SQL the database stored: \
                 `schemactl down --unknown`, then `schemactl apply`"
                    .into(),
            );
            state.history.retain(|row| !rows.iter().any(|u| u.revision == row.revision));
        }
    }
    (Unknown { lines, any: true, recognised: recognised.is_ok() }, state)
}

/// What the database says about the tools a baseline can replace (Alembic), next to the
/// revision the baseline replaced: recorded in its history row once stamped or applied, else
/// named in its file's header. Reported only; the exit code stays that of the revisions.
fn replaced_lines(list: &[schemactl_revision::Revision], state: &schemactl_apply::State) -> Vec<String> {
    let mut lines = Vec::new();
    for (tool, table, _) in schemactl_revision::Replaced::TOOLS {
        let baseline = list.iter().rev().find(|r| r.replaces.as_ref().is_some_and(|x| x.tool == *tool));
        let recorded = baseline.and_then(|b| state.applied(&b.id)).and_then(|row| row.replaces.clone());
        let Some(found) = state.tool(tool) else {
            if let Some(recorded) = recorded {
                lines.push(format!("{tool}:  no {table} table; the baseline replaced {recorded}"));
            }
            continue;
        };
        let at = match found.revisions.as_slice() {
            [] => "at its base (no revision)".to_string(),
            many => many.iter().map(|r| schemactl_sqltext::visible(r)).collect::<Vec<_>>().join(", "),
        };
        let Some(baseline) = baseline else {
            lines.push(format!(
                "{tool}:  {at}; no revision replaces it (a baseline does: `schemactl plan -m Baseline --replaces {tool}`)"
            ));
            continue;
        };
        let replaced = baseline.replaces.as_ref().map(|r| r.revision.clone()).unwrap_or_default();
        let stem = schemactl_apply::stem(baseline);
        let matches = found.revisions == [replaced.clone()];
        lines.push(match (matches, &recorded) {
            (true, Some(recorded)) => format!(
                "{tool}:  {at}, the revision {stem} replaced (history: replaces {recorded}); {table} is left alone: \
                 drop it once no deploy runs {} any more",
                baseline.replaces.as_ref().map(|r| r.tool_name()).unwrap_or_default()
            ),
            (true, None) => {
                format!("{tool}:  {at}, the revision {stem} replaces; `schemactl stamp` or `apply` records it")
            }
            (false, Some(_)) => format!(
                "{tool}:  {at}, but {stem} replaced {replaced}: something ran {tool} here after the baseline was \
                 recorded (check that no deploy still runs it)"
            ),
            (false, None) => format!(
                "{tool}:  {at}, but {stem} replaces {replaced}: `stamp` and `apply` refuse this database until {tool} \
                 has brought it to {replaced}"
            ),
        });
    }
    lines
}
