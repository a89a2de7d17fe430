//! How big a table is, for hazards priced by what they touch: a rewrite of 2 rows and one of
//! 200 million read the same otherwise.

use serde::Serialize;
use std::fmt;

/// A relation's size as the live database reports it: rows from the planner's estimate
/// (`reltuples`, else the statistics collector's live rows), bytes with indexes and TOAST
/// (`pg_total_relation_size`); a partitioned table counts its partitions.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct RelationSize {
    pub rows: u64,
    pub bytes: u64,
}

/// How big a table an environment lets a hazard touch, even where the hazard's kind is
/// allowed: `apply` refuses a revision whose rewrite (or scan, or index build) would touch a
/// table with more rows than this, before anything runs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SizeLimits {
    /// Rows of a table a `table-rewrite` may copy (`max_rewrite_rows`).
    pub rewrite_rows: Option<u64>,
    /// Rows of a table a `validation-scan` or `index-build` may read (`max_scan_rows`).
    pub scan_rows: Option<u64>,
}

impl SizeLimits {
    pub fn is_empty(&self) -> bool {
        self.rewrite_rows.is_none() && self.scan_rows.is_none()
    }
}

/// A rough class of how long a statement that reads or copies every row takes: what a reviewer
/// needs to decide whether it may run during the day, not a prediction.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum DurationClass {
    /// Under about a second (under 64 MB).
    Instant,
    /// Seconds (under 4 GB).
    Seconds,
    /// Minutes (under 256 GB).
    Minutes,
    /// Hours or more.
    Hours,
}

impl RelationSize {
    /// By bytes: copying, scanning and indexing run at a few hundred MB/s on ordinary
    /// hardware, so the class boundaries sit a factor 64 apart.
    pub fn duration_class(&self) -> DurationClass {
        const MB: u64 = 1 << 20;
        match self.bytes {
            b if b < 64 * MB => DurationClass::Instant,
            b if b < 4096 * MB => DurationClass::Seconds,
            b if b < 256 * 1024 * MB => DurationClass::Minutes,
            _ => DurationClass::Hours,
        }
    }
}

impl fmt::Display for DurationClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            DurationClass::Instant => "about a second",
            DurationClass::Seconds => "seconds",
            DurationClass::Minutes => "minutes",
            DurationClass::Hours => "hours",
        })
    }
}

/// `84 M rows, 12 GB`: short, rounded the way people say sizes.
impl fmt::Display for RelationSize {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let rows = match self.rows {
            1 => "1 row".to_string(),
            n if n < 10_000 => format!("{n} rows"),
            n if n < 10_000_000 => format!("{} k rows", n / 1_000),
            n if n < 10_000_000_000 => format!("{} M rows", n / 1_000_000),
            n => format!("{} G rows", n / 1_000_000_000),
        };
        write!(f, "{rows}, {}", bytes(self.bytes))
    }
}

fn bytes(b: u64) -> String {
    const UNITS: [&str; 5] = ["bytes", "kB", "MB", "GB", "TB"];
    let mut value = b;
    let mut unit = 0;
    // Whole numbers up to 10,240 of a unit before moving on: "9216 kB" rather than "9 MB".
    while value >= 10 * 1024 && unit + 1 < UNITS.len() {
        value /= 1024;
        unit += 1;
    }
    format!("{value} {}", UNITS[unit])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_like_a_person_wrote_them() {
        let size = |rows, bytes| RelationSize { rows, bytes }.to_string();
        assert_eq!(size(0, 8192), "0 rows, 8192 bytes");
        assert_eq!(size(1, 16384), "1 row, 16 kB");
        assert_eq!(size(84_000_000, 12 * 1024 * 1024 * 1024), "84 M rows, 12 GB");
        assert_eq!(size(2_500_000, 300 * 1024 * 1024), "2500 k rows, 300 MB");
    }

    #[test]
    fn duration_classes_grow_with_bytes() {
        let class = |bytes| RelationSize { rows: 0, bytes }.duration_class();
        assert_eq!(class(8192), DurationClass::Instant);
        assert_eq!(class(1 << 30), DurationClass::Seconds);
        assert_eq!(class(12 << 30), DurationClass::Minutes);
        assert_eq!(class(1 << 40), DurationClass::Hours);
    }
}
