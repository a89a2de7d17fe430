//! Everything schemactl prints goes through here, because `println!` panics when the write
//! fails, and Rust ignores SIGPIPE: `schemactl … | head -1` ended in a panic (exit 101).
//!
//! A closed pipe (EPIPE) silences that stream for the rest of the run, and the command goes on
//! to finish with its own exit status: a tool that runs DDL must not stop halfway through an
//! `apply` because whoever was reading its log went away. Any other error writing stdout (a
//! full disk) is remembered and fails the command at the end, since the output is its product.

use anstyle::{AnsiColor, Effects, Style};
use std::io::{self, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

static STDOUT_GONE: AtomicBool = AtomicBool::new(false);
static STDERR_GONE: AtomicBool = AtomicBool::new(false);
static STDOUT_ERROR: Mutex<Option<io::Error>> = Mutex::new(None);
static QUIET: AtomicBool = AtomicBool::new(false);
static STDOUT_COLOR: AtomicBool = AtomicBool::new(false);
static STDERR_COLOR: AtomicBool = AtomicBool::new(false);

/// `--color`. Explicit beats the environment, as with clap and anstream: `always` colors even
/// with NO_COLOR set (someone asked for it on this command line), `auto` leaves color off under
/// NO_COLOR and turns it on under CLICOLOR_FORCE, and otherwise only on a terminal.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum ColorWhen {
    #[default]
    Auto,
    Always,
    Never,
}

/// Decides, once per stream, whether what is printed there gets color. Without color every
/// byte printed is what the commands produced: styles are only ever added, never stripped.
pub fn set_color(when: ColorWhen) {
    let choice = match when {
        ColorWhen::Auto => anstream::ColorChoice::Auto,
        ColorWhen::Always => anstream::ColorChoice::Always,
        ColorWhen::Never => anstream::ColorChoice::Never,
    };
    choice.write_global();
    let on = |c: anstream::ColorChoice| c != anstream::ColorChoice::Never;
    STDOUT_COLOR.store(on(anstream::AutoStream::choice(&io::stdout())), Ordering::Relaxed);
    STDERR_COLOR.store(on(anstream::AutoStream::choice(&io::stderr())), Ordering::Relaxed);
}

pub fn stderr_color() -> bool {
    STDERR_COLOR.load(Ordering::Relaxed)
}

const ERROR: Style = AnsiColor::Red.on_default().effects(Effects::BOLD);
const WARNING: Style = AnsiColor::Yellow.on_default().effects(Effects::BOLD);
const HINT: Style = AnsiColor::Cyan.on_default().effects(Effects::BOLD);
const CREATE: Style = AnsiColor::Green.on_default().effects(Effects::BOLD);
const ALTER: Style = AnsiColor::Yellow.on_default().effects(Effects::BOLD);
const DROP: Style = AnsiColor::Red.on_default().effects(Effects::BOLD);
const HAZARD: Style = AnsiColor::Yellow.on_default();

fn paint(style: Style, text: &str) -> String {
    format!("{style}{text}{style:#}")
}

/// `text` with its first `prefix` painted, when it starts with it.
fn paint_prefix(text: &str, prefix: &str, style: Style) -> Option<String> {
    text.strip_prefix(prefix).map(|rest| format!("{}{rest}", paint(style, prefix)))
}

/// The human plan (`render_human`'s text) for stdout: with color, the signs of the steps
/// (`+` create, `~` alter, `-` drop) and the hazard lines painted. The text is matched line by
/// line, so the plan crate stays free of terminal concerns.
pub fn paint_plan(text: String) -> String {
    if !STDOUT_COLOR.load(Ordering::Relaxed) {
        return text;
    }
    painted_plan(&text)
}

fn painted_plan(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 256);
    for line in text.split_inclusive('\n') {
        let painted = if let Some(rest) = line.strip_prefix("Hazards:") {
            Some(format!("{}{rest}", paint(WARNING, "Hazards:")))
        } else if let Some(rest) = line.strip_prefix("         ! ") {
            let (kind, message) = rest.split_once(": ").unwrap_or((rest, ""));
            Some(format!("         {} {}: {message}", paint(WARNING, "!"), paint(HAZARD, kind)))
        } else {
            step_sign(line).map(|(style, sign, rest)| format!("  {}{rest}", paint(style, sign)))
        };
        out.push_str(painted.as_deref().unwrap_or(line));
    }
    out
}

/// A step's line, `  + NNN. SQL`: the style of its sign, the sign, and the rest of the line.
/// Lines of a statement that continue it are indented further and never match.
fn step_sign(line: &str) -> Option<(Style, &str, &str)> {
    let rest = line.strip_prefix("  ")?;
    let (sign, after) = (rest.get(..1)?, rest.get(1..)?);
    let style = match sign {
        "+" => CREATE,
        "~" => ALTER,
        "-" => DROP,
        _ => return None,
    };
    let (number, _) = after.strip_prefix(' ')?.trim_start().split_once(". ")?;
    (!number.is_empty() && number.bytes().all(|b| b.is_ascii_digit())).then_some((style, sign, after))
}

/// A note or warning (`noteln!`): its `warning:` or `note:` painted on a terminal, at the
/// start of the line or after the `file:line:column: ` it is about.
pub fn write_note(text: &str) {
    let painted = stderr_color().then(|| painted_note(text)).flatten();
    write_stderr(format_args!("{}", painted.as_deref().unwrap_or(text)));
}

fn painted_note(text: &str) -> Option<String> {
    let found = [("warning:", WARNING), ("note:", HINT)].into_iter().filter_map(|(word, style)| {
        let at = if text.starts_with(word) { Some(0) } else { text.find(&format!(": {word}")).map(|i| i + 2) };
        at.map(|at| (at, word, style))
    });
    // The first one: the level of the note, not a word inside its message.
    let (at, word, style) = found.min_by_key(|(at, _, _)| *at)?;
    Some(format!("{}{}{}", &text[..at], paint(style, word), &text[at + word.len()..]))
}

/// The error that stops the command: `error: ` and its message. With color, `error:` and the
/// `hint:` lines are painted, and when the message starts at a place in a file that exists
/// (`file:line:column: ...`, a schema file that does not parse or load), the source line is
/// shown under the first line with a caret at the column.
pub fn write_error(message: &str) {
    if !stderr_color() {
        write_stderr(format_args!("error: {message}\n"));
        return;
    }
    let (first, rest) = message.split_once('\n').map_or((message, None), |(f, r)| (f, Some(r)));
    let mut text = format!("{} {first}\n", paint(ERROR, "error:"));
    if let Some(snippet) = crate::snippet::for_message(first, true) {
        text.push_str(&snippet);
    }
    for line in rest.into_iter().flat_map(|r| r.split('\n')) {
        let indent = &line[..line.len() - line.trim_start().len()];
        let painted = paint_prefix(line.trim_start(), "hint:", HINT).map(|p| format!("{indent}{p}"));
        text.push_str(painted.as_deref().unwrap_or(line));
        text.push('\n');
    }
    write_stderr(format_args!("{text}"));
}

/// `print!` that never panics.
macro_rules! out {
    ($($arg:tt)*) => { $crate::output::write_stdout(format_args!($($arg)*)) };
}

/// `println!` that never panics.
macro_rules! outln {
    () => { $crate::output::write_stdout(format_args!("\n")) };
    ($($arg:tt)*) => { $crate::output::write_stdout(format_args!("{}\n", format_args!($($arg)*))) };
}

/// `eprintln!` that never panics.
macro_rules! errln {
    ($($arg:tt)*) => { $crate::output::write_stderr(format_args!("{}\n", format_args!($($arg)*))) };
}

/// A note or warning on stderr, left out under `-q` (errors use `errln!`).
macro_rules! noteln {
    ($($arg:tt)*) => {
        if !$crate::output::quiet() {
            $crate::output::write_note(&format!("{}\n", format_args!($($arg)*)))
        }
    };
}

/// `-q`: notes and warnings are left out from now on.
pub fn set_quiet(quiet: bool) {
    QUIET.store(quiet, Ordering::Relaxed);
}

pub fn quiet() -> bool {
    QUIET.load(Ordering::Relaxed)
}

/// Where `-v`'s log lines go: stderr through [`write_stderr`], so a closed stderr silences the
/// log instead of tracing-subscriber reporting the failed write with a panicking `eprintln!`.
pub struct LogWriter;

impl Write for LogWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        write_stderr(format_args!("{}", String::from_utf8_lossy(buf)));
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// `-v` (debug: statements run and step times) and `-vv` (trace: shadow lifecycle, catalog
/// reads); without either, no subscriber, so the default output is what it always was.
pub fn init_logging(verbosity: u8) {
    let level = match verbosity {
        0 => return,
        1 => tracing::Level::DEBUG,
        _ => tracing::Level::TRACE,
    };
    let _ = tracing_subscriber::fmt()
        .with_max_level(level)
        .with_writer(|| LogWriter)
        .with_ansi(false)
        .without_time()
        .with_target(false)
        .try_init();
}

pub fn write_stdout(args: std::fmt::Arguments<'_>) {
    if STDOUT_GONE.load(Ordering::Relaxed) {
        return;
    }
    // A progress line on the terminal is taken down while a line is printed, then redrawn.
    let written = crate::progress::suspend(|| {
        let mut out = io::stdout().lock();
        // Flushed at once: an error must surface here, not in a flush at exit that nobody checks.
        out.write_fmt(args).and_then(|()| out.flush())
    });
    if let Err(e) = written {
        STDOUT_GONE.store(true, Ordering::Relaxed);
        if e.kind() != io::ErrorKind::BrokenPipe {
            let mut first = STDOUT_ERROR.lock().unwrap_or_else(|p| p.into_inner());
            first.get_or_insert(e);
        }
    }
}

pub fn write_stderr(args: std::fmt::Arguments<'_>) {
    if STDERR_GONE.load(Ordering::Relaxed) {
        return;
    }
    // Nowhere is left to report a failure to write stderr: stop trying.
    if crate::progress::suspend(|| io::stderr().lock().write_fmt(args)).is_err() {
        STDERR_GONE.store(true, Ordering::Relaxed);
    }
}

/// The first error writing stdout other than a closed pipe, if any.
pub fn stdout_error() -> Option<io::Error> {
    STDOUT_ERROR.lock().unwrap_or_else(|p| p.into_inner()).take()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_painted_plan_is_the_plain_one_with_styles_around_signs_and_hazards() {
        let plain = "Plan: 2 steps (1 create, 0 alter, 1 drop)\nHazards: 1 data-loss\n  data-loss: rows go\n\n\
                     table t\n  -   1. ALTER TABLE t DROP COLUMN c\n         ! data-loss: drops column c\n\
                     \x20 +  12. CREATE VIEW v AS\n         SELECT 1\n           - 2. AS x\n";
        let painted = painted_plan(plain);
        let unstyled: String = {
            let mut out = String::new();
            let mut chars = painted.chars();
            while let Some(c) = chars.next() {
                if c == '\u{1b}' {
                    chars.by_ref().find(|&c| c == 'm');
                } else {
                    out.push(c);
                }
            }
            out
        };
        assert_eq!(unstyled, plain);
        let lines: Vec<&str> = painted.lines().collect();
        assert!(lines[1].starts_with(&paint(WARNING, "Hazards:")), "{painted}");
        assert_eq!(lines[5], format!("  {}   1. ALTER TABLE t DROP COLUMN c", paint(DROP, "-")));
        assert!(lines[6].contains(&paint(HAZARD, "data-loss")), "{painted}");
        assert!(lines[7].starts_with(&format!("  {}", paint(CREATE, "+"))), "{painted}");
        assert_eq!(painted_note("warning: x\n"), Some(format!("{} x\n", paint(WARNING, "warning:"))));
        assert_eq!(painted_note("a.sql:1:2: warning: y"), Some(format!("a.sql:1:2: {} y", paint(WARNING, "warning:"))));
        assert_eq!(painted_note("note: z"), Some(format!("{} z", paint(HINT, "note:"))));
        assert_eq!(painted_note("resuming x"), None);
        // Continuation lines of a statement stay as they are, whatever they start with.
        assert_eq!(&lines[8..], ["         SELECT 1", "           - 2. AS x"]);
    }
}
