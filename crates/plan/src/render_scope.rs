//! What a plan says about the objects its scope left out: per reason, how many and the first
//! few names (`schemactl_model::summarize`). Left-out objects are in no step; this is the only
//! place a plan mentions them. Kept apart from the step renderers so that each format only
//! appends a section (human, Markdown) or a key (JSON).

use crate::Plan;
use schemactl_model::LeftOutGroup;
use std::fmt::Write;

/// The `human` section: empty when nothing was left out.
pub fn left_out_human(groups: &[LeftOutGroup]) -> String {
    if groups.is_empty() {
        return String::new();
    }
    let mut out = String::from("\nLeft out of scope (neither compared nor changed):\n");
    for g in groups {
        let _ = writeln!(out, "  {} {}: {}", g.count, g.reason, list(g, |s| s.to_string()));
    }
    out
}

/// The Markdown section: empty when nothing was left out. Names go in code spans.
pub fn left_out_markdown(groups: &[LeftOutGroup]) -> String {
    if groups.is_empty() {
        return String::new();
    }
    let mut out = String::from("\n### Left out of scope\n\nNeither compared nor changed.\n\n");
    for g in groups {
        let reason = g.reason.replace('|', "\\|");
        let _ = writeln!(out, "- **{}** {}: {}", g.count, reason, list(g, code_span));
    }
    out
}

/// The `json` plan with a `left_out` key (`[{"reason", "count", "examples"}]`) when anything
/// was left out; exactly `render_json` otherwise.
pub fn render_json_scoped(plan: &Plan, groups: &[LeftOutGroup]) -> String {
    if groups.is_empty() {
        return crate::render_json(plan);
    }
    let mut value = serde_json::to_value(plan).unwrap_or_default();
    if let Some(map) = value.as_object_mut() {
        map.insert("left_out".into(), serde_json::to_value(groups).unwrap_or_default());
    }
    let mut s = serde_json::to_string_pretty(&value).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    s.push('\n');
    s
}

/// One line for stderr (next to an `sql` script, which must stay executable).
pub fn left_out_note(groups: &[LeftOutGroup]) -> Option<String> {
    if groups.is_empty() {
        return None;
    }
    let parts: Vec<String> =
        groups.iter().map(|g| format!("{} {} ({})", g.count, g.reason, list(g, |s| s.to_string()))).collect();
    Some(format!("left out of scope, not compared: {}", parts.join("; ")))
}

fn list(g: &LeftOutGroup, show: impl Fn(&str) -> String) -> String {
    let mut names: Vec<String> = g.examples.iter().map(|e| show(&sanitize(e))).collect();
    if g.count > g.examples.len() {
        names.push(format!("and {} more", g.count - g.examples.len()));
    }
    names.join(", ")
}

/// Names come from the database: control characters never reach a terminal or a page.
fn sanitize(text: &str) -> String {
    text.chars().map(|c| if c.is_control() { '?' } else { c }).collect()
}

fn code_span(text: &str) -> String {
    let longest = text.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest + 1);
    let pad = if text.starts_with('`') || text.ends_with('`') { " " } else { "" };
    format!("{fence}{pad}{text}{pad}{fence}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn groups() -> Vec<LeftOutGroup> {
        vec![LeftOutGroup {
            reason: "bookkeeping of Alembic (include it to manage it)".into(),
            count: 7,
            examples: (1..=5).map(|i| format!("table s{i}.alembic_version")).collect(),
        }]
    }

    #[test]
    fn sections() {
        assert_eq!(left_out_human(&[]), "");
        let human = left_out_human(&groups());
        assert!(human.contains("7 bookkeeping of Alembic"), "{human}");
        assert!(human.contains("table s1.alembic_version, ") && human.ends_with("and 2 more\n"), "{human}");
        let md = left_out_markdown(&groups());
        assert!(md.contains("- **7** bookkeeping of Alembic") && md.contains("`table s5.alembic_version`"), "{md}");
        let json: serde_json::Value = serde_json::from_str(&render_json_scoped(&Plan::default(), &groups())).unwrap();
        assert_eq!(json["left_out"][0]["count"], 7);
        assert_eq!(render_json_scoped(&Plan::default(), &[]), crate::render_json(&Plan::default()));
        assert!(left_out_note(&groups()).unwrap().starts_with("left out of scope, not compared: 7 bookkeeping"));
    }
}
