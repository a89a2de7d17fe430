//! `schemactl show REV` and `schemactl current --verbose`: a revision as a reviewer wants to see
//! it, and what the database says about it.

use crate::cli::{DbArgs, ShowArgs};
use crate::error::CliResult;
use crate::project;
use schemactl_config::Project;
use schemactl_connect::DbUrl;
use schemactl_engine::Record;
use std::path::Path;

/// The database `show` asks: only one given (`--db`, `--env`, `$DATABASE_URL`). Unlike the
/// commands that need a database, `show` does not fall back to libpq's `PG*` defaults: a file
/// is worth showing without one.
fn given_database(project: &Project, args: &DbArgs) -> CliResult<Option<DbUrl>> {
    let address = project.database_address(args.db.as_deref(), args.env.as_deref(), |v| std::env::var(v).ok())?;
    Ok(address.map(|a| DbUrl::parse(&a)).transpose()?)
}

pub async fn show(config: Option<&Path>, args: ShowArgs) -> CliResult<()> {
    let project = project::required(config)?;
    let (list, refusal) = schemactl_engine::revisions_to_look_at(&project.revisions_dir)?;
    if let Some(e) = refusal {
        noteln!("warning: {e}");
    }
    let url = given_database(&project, &args.db)?;
    let database = url.as_ref().map(|u| (u, args.db.wait));
    let shown =
        schemactl_engine::show(&list, &project.revisions_dir, &args.revision, database, &mut crate::apply_cmd::report)
            .await?;
    let r = &shown.revision;
    outln!("revision:      {}", r.id);
    outln!("parent:        {}", r.parent.as_deref().unwrap_or("base"));
    outln!("kind:          {}", r.kind.as_str());
    outln!("message:       {}", schemactl_sqltext::visible(&r.message));
    // Header values come from a file anyone may have edited: no terminal control characters.
    let visible = schemactl_sqltext::visible;
    let hazards = if r.hazards.is_empty() { "none".to_string() } else { r.hazards.join(", ") };
    outln!("hazards:       {}", visible(&hazards));
    outln!("schema-before: {}", visible(&r.before));
    outln!("schema-after:  {}", visible(&r.after));
    if let Some(replaced) = &r.replaces {
        outln!("replaces:      {replaced}");
    }
    for e in &r.expects {
        outln!("expects:       {}", visible(&format!("{} {} {}", e.kind, e.display_name(), e.fingerprint)));
    }
    outln!("file:          {}", project::shown(&shown.path));
    match (&url, &shown.record) {
        (Some(url), Some(record)) => {
            let at = match (record, &shown.current) {
                (Record::Applied { .. }, _) | (_, None) => String::new(),
                (_, Some(current)) => format!(" (it is at {})", current.as_deref().unwrap_or("base")),
            };
            outln!("database:      {url}: {}{at}", describe(record))
        }
        _ => outln!("database:      none given (--db, --env or $DATABASE_URL), so not asked whether it applied this"),
    }
    outln!();
    outln!("-- up");
    out!("{}", with_newline(&r.up));
    outln!();
    outln!("-- down");
    out!("{}", with_newline(&r.down));
    Ok(())
}

fn with_newline(text: &str) -> String {
    match text.trim_end() {
        "" => "(empty)\n".to_string(),
        t => format!("{t}\n"),
    }
}

/// `applied 2026-01-01 10:00:00 UTC by app (12 ms)`, `pending`...
fn describe(record: &Record) -> String {
    match record {
        Record::Applied { row, file_changed } => {
            let mut text = match row.duration_ms {
                Some(ms) => format!("applied {} by {} ({ms} ms)", row.applied_at, row.applied_by),
                None => format!("stamped {} by {} (not run)", row.applied_at, row.applied_by),
            };
            if let Some(replaced) = &row.replaces {
                text.push_str(&format!(", replacing {}", schemactl_sqltext::visible(replaced)));
            }
            if *file_changed {
                text.push_str(", but the file changed since");
            }
            text
        }
        Record::PartWay => "part-way (`schemactl apply` resumes it)".into(),
        Record::Pending { undone: Some(l) } => format!("not applied (undone {} by {})", l.at, l.by),
        Record::Pending { undone: None } => "not applied".into(),
    }
}

pub async fn current_verbose(config: Option<&Path>, args: DbArgs) -> CliResult<()> {
    let project = project::required(config)?;
    let (list, refusal) = schemactl_engine::revisions_to_look_at(&project.revisions_dir)?;
    if let Some(e) = refusal {
        noteln!("warning: {e}");
    }
    let url = project::database(&project, &args)?;
    let current =
        schemactl_engine::current(&list, &project.revisions_dir, &url, args.wait, &mut crate::apply_cmd::report)
            .await?;
    match &current.row {
        None => outln!("base (no revision applied)"),
        Some(row) => {
            outln!("{}", row.revision);
            outln!("message:  {}", schemactl_sqltext::visible(&row.message));
            let how = match row.duration_ms {
                Some(ms) => format!("applied {} by {} ({ms} ms)", row.applied_at, row.applied_by),
                None => format!("stamped {} by {} (not run)", row.applied_at, row.applied_by),
            };
            outln!("status:   {how}");
            match &current.revision {
                Some((r, path)) => {
                    let changed = if r.checksum == row.checksum { "" } else { " (changed since it was applied)" };
                    outln!("file:     {}{changed}", project::shown(path));
                }
                None => outln!("file:     none: no revision file has this id"),
            }
        }
    }
    for id in &current.part_way {
        noteln!("note: revision {id} is part-way (a run stopped between its non-transactional steps)");
    }
    Ok(())
}
