use crate::cli::{DiffArgs, Format};
use crate::error::CliResult;
use crate::sources::{catalog_of, server_major, Source};
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
            Source::Files { .. } | Source::Empty => None,
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
        let (a, b) = tokio::join!(catalog_of(&from, shadow.as_ref()), catalog_of(&to, shadow.as_ref()));
        let (a, b) = (a?, b?);
        Ok(schemactl_plan::plan(&a, &b)?)
    }
    .await;
    if let Some(shadow) = shadow {
        shadow.close().await?;
    }
    let plan = result?;
    let text = match args.format {
        Format::Sql => schemactl_plan::render_sql(&plan),
        Format::Human => schemactl_plan::render_human(&plan),
        Format::Json => schemactl_plan::render_json(&plan),
    };
    print!("{text}");
    Ok(())
}
