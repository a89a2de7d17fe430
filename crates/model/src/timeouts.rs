//! Timeouts a planned script runs under. Shared by the project file (which sets them) and the
//! planner (which writes them into scripts), so it lives in the plain-data layer both use; so
//! does the duration syntax, which the shadow (its load timeout) reads too.

use std::time::Duration;

/// Every statement waits at most `lock` for its locks and runs at most `statement`
/// (`long_statement` for index builds, validations and table rewrites, whose time grows with
/// the table).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Timeouts {
    pub lock: Duration,
    pub statement: Duration,
    pub long_statement: Duration,
}

impl Default for Timeouts {
    fn default() -> Timeouts {
        Timeouts {
            lock: Duration::from_secs(5),
            statement: Duration::from_secs(60),
            long_statement: Duration::from_secs(3600),
        }
    }
}

/// `60s`, `2m`, `1h`, `500ms`, `1min`, or a number of seconds.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let split = text.find(|c: char| !c.is_ascii_digit() && c != '.').unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let value: f64 = number.parse().map_err(|_| format!("`{text}` is not a duration (e.g. 60s, 2m, 500ms)"))?;
    let seconds = match unit.trim() {
        "" | "s" => value,
        "ms" => value / 1000.0,
        "m" | "min" => value * 60.0,
        "h" => value * 3600.0,
        other => return Err(format!("unknown duration unit `{other}` (ms, s, m, h)")),
    };
    Ok(Duration::from_secs_f64(seconds))
}
