use crate::cli::{DiffArgs, Format};
use crate::error::CliError;
use crate::error::CliResult;
use crate::sources::{open, server_major, Opened, Source};
use schemactl_connect::DbUrl;
use schemactl_shadow::Shadow;

pub async fn run(args: DiffArgs) -> CliResult<()> {
    // The scope of schemactl.toml (when there is one), then the flags: the same on both sides.
    crate::scope_args::install(None, None, &args.scope)?;
    let from = match &args.from {
        Some(arg) => Source::resolve(arg)?,
        None => Source::Empty,
    };
    let (to, renames) = resolve_desired(&args.to)?;
    // Nothing can be renamed in an empty database: the annotations are not even looked at.
    let renames = if args.from.is_none() { Vec::new() } else { renames };
    let live_from = matches!(from, Source::Database(_));
    let shadow = if from.needs_shadow() || to.needs_shadow() {
        let dev = args.dev_url.as_deref().map(DbUrl::parse).transpose()?;
        let target = [&from, &to].into_iter().find_map(|s| match s {
            Source::Database(url) => Some(url),
            Source::Files { .. } | Source::Script { .. } | Source::Empty => None,
        });
        let prefer = match target {
            Some(url) => Some(server_major(url).await?),
            None => None,
        };
        Some(Shadow::start(dev.as_ref(), prefer).await?)
    } else {
        None
    };
    let result: CliResult<_> = async {
        let (from, to) = tokio::join!(open(&from, shadow.as_ref()), open(&to, shadow.as_ref()));
        let mut opened: Vec<Opened> = Vec::new();
        let mut first_error = None;
        for side in [from, to] {
            match side {
                Ok(o) => opened.push(o),
                Err(e) => first_error = first_error.or(Some(e)),
            }
        }
        let planned = match (&opened[..], first_error) {
            (_, Some(e)) => Err(e),
            ([current, desired], None) => 'plan: {
                // Annotated renames run first (on a shadow copy when --from is a live database)
                // and the plan starts from the renamed state.
                let renamed =
                    match crate::renames::for_diff(live_from, current, desired, &renames, shadow.as_ref()).await {
                        Ok(renamed) => renamed,
                        Err(e) => break 'plan Err(e),
                    };
                let current_catalog = renamed.catalog.as_ref().unwrap_or(&current.catalog);
                let mut wanted = desired.catalog.clone();
                schemactl_introspect::reconcile_checks(current_catalog, &mut wanted, &desired.client).await;
                // Online unless told otherwise: a script with CONCURRENTLY runs statement by
                // statement (psql without -1), as every psql-based runner does.
                let options = schemactl_plan::PlanOptions { online: !args.offline, timeouts: None };
                let mut plan = schemactl_plan::plan_with(current_catalog, &wanted, &options).map_err(CliError::from);
                if let Ok(plan) = &mut plan {
                    renamed.wrap(plan, None);
                }
                plan
            }
            _ => unreachable!("both sides are either opened or failed"),
        };
        for o in opened {
            if let (Some(db), Some(shadow)) = (o.shadow_db, shadow.as_ref()) {
                drop(o.client);
                shadow.drop_database(&db).await?;
            }
        }
        planned
    }
    .await;
    let plan = result?;
    if args.strict && !plan.unmanaged.is_empty() {
        return Err(CliError::Unmanaged(plan.unmanaged));
    }
    if args.format == Format::Sql {
        // The script stays executable; the warning goes where a reviewer sees it.
        for u in &plan.unmanaged {
            errln!("warning: unmanaged object, not compared: {u}");
        }
    }
    let text = crate::scope_args::render(&plan, args.format);
    out!("{text}");
    Ok(())
}

/// The desired side, with the `-- schemactl:renamed-from` annotations of its schema files.
fn resolve_desired(arg: &str) -> CliResult<(Source, Vec<schemactl_source::Rename>)> {
    if crate::sources::is_database(arg) {
        return Ok((Source::resolve(arg)?, Vec::new()));
    }
    let (statements, renames) = schemactl_yaml::load_path_with_renames(std::path::Path::new(arg))?;
    Ok((Source::Files { statements }, renames))
}
