use crate::cli::{DiffArgs, Format};
use crate::error::CliError;
use crate::error::CliResult;
use crate::sources::{open, server_major, Opened, Source};
use schemactl_connect::DbUrl;
use schemactl_shadow::Shadow;

pub async fn run(args: DiffArgs) -> CliResult<()> {
    let from = match &args.from {
        Some(arg) => Source::resolve(arg)?,
        None => Source::Empty,
    };
    let to = Source::resolve(&args.to)?;
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
            ([current, desired], None) => {
                let mut wanted = desired.catalog.clone();
                schemactl_introspect::reconcile_checks(&current.catalog, &mut wanted, &desired.client).await;
                schemactl_plan::plan(&current.catalog, &wanted).map_err(CliError::from)
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
            eprintln!("warning: unmanaged object, not compared: {u}");
        }
    }
    let text = match args.format {
        Format::Sql => schemactl_plan::render_sql(&plan),
        Format::Human => schemactl_plan::render_human(&plan),
        Format::Json => schemactl_plan::render_json(&plan),
        Format::Markdown => schemactl_plan::render_markdown(&plan),
    };
    print!("{text}");
    Ok(())
}
