//! `schemactl diff`: the plan between two sources, printed.

use crate::cli::{DiffArgs, Format};
use crate::error::{CliError, CliResult};
use schemactl_engine::DiffRequest;

pub async fn run(args: DiffArgs) -> CliResult<()> {
    // The scope of schemactl.toml (when there is one), then the flags: the same on both sides.
    let engine = crate::scope_args::engine(None, None, &args.scope)?;
    let request = DiffRequest {
        from: args.from.as_deref(),
        to: &args.to,
        dev_url: args.dev_url.as_deref(),
        offline: args.offline,
    };
    let plan = engine.diff(&request).await?;
    if args.strict && !plan.unmanaged.is_empty() {
        return Err(CliError::Unmanaged(plan.unmanaged));
    }
    if args.format == Format::Sql {
        // The script stays executable; the warning goes where a reviewer sees it.
        for u in &plan.unmanaged {
            noteln!("warning: unmanaged object, not compared: {u}");
        }
    }
    out!("{}", crate::scope_args::render(&engine, &plan, args.format));
    Ok(())
}
