//! Progress of long work on stderr, drawn with indicatif: which revision and statement `apply`
//! is at, how far an index build has come, how far a large schema has loaded into a shadow. Only on a terminal and never under `-q`, so
//! logs, pipes and tests see exactly the lines they always did; never on stdout.

use std::io::IsTerminal;
use std::sync::Mutex;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use schemactl_apply::IndexProgress;
use schemactl_engine::LoadProgress;

static BAR: Mutex<Option<ProgressBar>> = Mutex::new(None);

fn shown() -> bool {
    !crate::output::quiet() && std::io::stderr().is_terminal()
}

fn bar() -> std::sync::MutexGuard<'static, Option<ProgressBar>> {
    BAR.lock().unwrap_or_else(|p| p.into_inner())
}

/// A bar of `len` steps drawn with `template`, hidden until its first values are set (a first
/// frame without them would flash by).
fn hidden_bar(len: usize, template: &str) -> ProgressBar {
    let bar = ProgressBar::with_draw_target(Some(len as u64), ProgressDrawTarget::hidden());
    bar.set_style(ProgressStyle::with_template(template).unwrap_or_else(|_| ProgressStyle::default_spinner()));
    bar
}

/// Statement `index` of `of` of revision `name` is running: one line, with the time it has
/// taken so far (a validation scan or an index build can take minutes).
pub fn statement(name: &str, index: usize, of: usize, sql: &str) {
    if !shown() {
        return;
    }
    let mut slot = bar();
    let new = slot.is_none();
    // Drawn only once set up: a first frame without its statement would flash by.
    let bar =
        slot.get_or_insert_with(|| hidden_bar(of, "{spinner} {prefix}: statement {pos}/{len}, {elapsed}: {wide_msg}"));
    // The revision's id: the name in full is on the `applied` line that follows.
    bar.set_prefix(name.split('_').next().unwrap_or(name).to_string());
    bar.set_length(of as u64);
    bar.set_position(index as u64);
    bar.reset_elapsed();
    // The first line of the statement, control characters escaped: a name must not move the cursor.
    let first = sql.lines().map(str::trim).find(|l| !l.is_empty()).unwrap_or_default();
    bar.set_message(schemactl_sqltext::visible(first).to_string());
    if new {
        bar.set_draw_target(ProgressDrawTarget::stderr());
        bar.enable_steady_tick(Duration::from_millis(120));
    }
}

/// Schema files loading into a shadow: drawn from the second batch on (a schema that loads in
/// one batch is done before a line would be worth drawing), gone when all is loaded. Loads
/// of two sources at once (`diff`) share the line.
pub fn loading(progress: &LoadProgress) {
    if !shown() {
        return;
    }
    if progress.done >= progress.of {
        finish();
        return;
    }
    if progress.done == 0 {
        return;
    }
    let mut slot = bar();
    let new = slot.is_none();
    let bar = slot.get_or_insert_with(|| {
        let bar = ProgressBar::with_draw_target(Some(progress.of as u64), ProgressDrawTarget::hidden());
        let style = ProgressStyle::with_template(
            "{spinner} loading the schema into the shadow: statement {pos}/{len}, {elapsed}: {wide_msg}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_spinner());
        bar.set_style(style);
        bar
    });
    bar.set_length(progress.of as u64);
    bar.set_position(progress.done as u64);
    let file = progress.file.as_ref().map(|f| f.display().to_string()).unwrap_or_default();
    bar.set_message(schemactl_sqltext::visible(&file));
    if new {
        bar.set_draw_target(ProgressDrawTarget::stderr());
        bar.enable_steady_tick(Duration::from_millis(120));
    }
}

/// What `pg_stat_progress_create_index` says of the index build that is running.
pub fn index(progress: &IndexProgress) {
    let slot = bar();
    let Some(bar) = slot.as_ref() else { return };
    let part = |done: i64, total: i64, what: &str| {
        (total > 0).then(|| format!(", {what} {done}/{total} ({}%)", done.saturating_mul(100) / total))
    };
    bar.set_message(format!(
        "{}{}{}",
        progress.phase,
        part(progress.blocks_done, progress.blocks_total, "blocks").unwrap_or_default(),
        part(progress.tuples_done, progress.tuples_total, "tuples").unwrap_or_default()
    ));
}

/// The revision is done (or the command is): the line goes away.
pub fn finish() {
    if let Some(bar) = bar().take() {
        bar.finish_and_clear();
    }
}

/// Runs `write` with the progress line taken down, so that a printed line does not mix with it.
pub fn suspend<R>(write: impl FnOnce() -> R) -> R {
    let slot = bar();
    match slot.as_ref() {
        Some(bar) => bar.suspend(write),
        None => write(),
    }
}

/// A fleet run: targets done of all, with running, failed and pending in the message and
/// indicatif's ETA. Lines printed meanwhile go through [`suspend`].
pub fn fleet(done: usize, total: usize, running: usize, failed: usize) {
    if !shown() {
        return;
    }
    let mut slot = bar();
    let new = slot.is_none();
    let bar = slot.get_or_insert_with(|| hidden_bar(total, "{spinner} fleet: {pos}/{len} done, {msg}, ETA {eta}"));
    bar.set_position(done as u64);
    let pending = total.saturating_sub(done + running);
    bar.set_message(format!("{running} running, {failed} failed, {pending} pending"));
    if new {
        bar.set_draw_target(ProgressDrawTarget::stderr());
        bar.enable_steady_tick(Duration::from_millis(200));
    }
}
