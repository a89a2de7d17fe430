//! Timeouts a planned script runs under. Shared by the project file (which sets them) and the
//! planner (which writes them into scripts), so it lives in the plain-data layer both use.

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
