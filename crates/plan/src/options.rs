//! How a plan is made and written: online DDL or plain DDL, and the timeouts its script sets.

pub use schemactl_model::Timeouts;
use std::time::Duration;

/// Choices that shape a plan.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PlanOptions {
    /// Rewrite changes to tables that already exist so that reads and writes continue:
    /// `CREATE`/`DROP INDEX CONCURRENTLY`, constraints added `NOT VALID` then validated,
    /// `SET NOT NULL` through a validated check, keys added `USING INDEX`.
    pub online: bool,
    /// When set, the SQL script starts with `SET lock_timeout` and `SET statement_timeout`
    /// and raises the statement timeout around long steps. `None`: the script sets nothing.
    pub timeouts: Option<Timeouts>,
}

impl Default for PlanOptions {
    /// Online, without timeouts in the script.
    fn default() -> PlanOptions {
        PlanOptions { online: true, timeouts: None }
    }
}

impl PlanOptions {
    /// Plain DDL, as PostgreSQL runs it inside one transaction.
    pub fn offline() -> PlanOptions {
        PlanOptions { online: false, timeouts: None }
    }
}

/// A duration as a PostgreSQL setting value: `5s`, `1min`, `1h`, `250ms`.
pub fn setting(d: Duration) -> String {
    let ms = d.as_millis();
    if ms == 0 {
        "0".into()
    } else if ms.is_multiple_of(3_600_000) {
        format!("{}h", ms / 3_600_000)
    } else if ms.is_multiple_of(60_000) {
        format!("{}min", ms / 60_000)
    } else if ms.is_multiple_of(1000) {
        format!("{}s", ms / 1000)
    } else {
        format!("{ms}ms")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_read_like_a_person_wrote_them() {
        assert_eq!(setting(Duration::from_secs(5)), "5s");
        assert_eq!(setting(Duration::from_secs(60)), "1min");
        assert_eq!(setting(Duration::from_secs(5400)), "90min");
        assert_eq!(setting(Duration::from_secs(7200)), "2h");
        assert_eq!(setting(Duration::from_millis(200)), "200ms");
        assert_eq!(setting(Duration::from_millis(1500)), "1500ms");
        assert_eq!(setting(Duration::ZERO), "0");
    }
}
