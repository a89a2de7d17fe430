//! The `[hooks] post_write` commands as `plan -m` and `revision -m` run them: their output goes
//! to stderr (stdout is the plan and the file written), each after a line naming it.

use schemactl_config::Project;
use std::path::Path;

/// What `write_revision` runs between writing a revision and sealing it.
pub fn hooks(project: &Project) -> impl FnMut(&Path) -> schemactl_engine::Result<()> + '_ {
    move |file| {
        schemactl_engine::post_write(project, file, &mut |run| {
            errln!("hook: {} ({})", run.command, run.status);
            for text in [&run.stdout, &run.stderr] {
                if !text.is_empty() {
                    let newline = if text.ends_with('\n') { "" } else { "\n" };
                    crate::output::write_stderr(format_args!("{text}{newline}"));
                }
            }
        })
    }
}
