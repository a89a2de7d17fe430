//! Everything schemactl prints goes through here, because `println!` panics when the write
//! fails, and Rust ignores SIGPIPE: `schemactl … | head -1` ended in a panic (exit 101).
//!
//! A closed pipe (EPIPE) silences that stream for the rest of the run, and the command goes on
//! to finish with its own exit status: a tool that runs DDL must not stop halfway through an
//! `apply` because whoever was reading its log went away. Any other error writing stdout (a
//! full disk) is remembered and fails the command at the end, since the output is its product.

use std::io::{self, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

static STDOUT_GONE: AtomicBool = AtomicBool::new(false);
static STDERR_GONE: AtomicBool = AtomicBool::new(false);
static STDOUT_ERROR: Mutex<Option<io::Error>> = Mutex::new(None);
static QUIET: AtomicBool = AtomicBool::new(false);

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
            $crate::output::write_stderr(format_args!("{}\n", format_args!($($arg)*)))
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
    let mut out = io::stdout().lock();
    // Flushed at once: an error must surface here, not in a flush at exit that nobody checks.
    if let Err(e) = out.write_fmt(args).and_then(|()| out.flush()) {
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
    if io::stderr().lock().write_fmt(args).is_err() {
        STDERR_GONE.store(true, Ordering::Relaxed);
    }
}

/// The first error writing stdout other than a closed pipe, if any.
pub fn stdout_error() -> Option<io::Error> {
    STDOUT_ERROR.lock().unwrap_or_else(|p| p.into_inner()).take()
}
