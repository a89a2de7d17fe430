//! The three faces of a plan: an executable script, a review summary, and data.

use crate::options::setting;
use crate::step::{Action, HazardKind};
use crate::Plan;
use schemactl_sqltext::visible;
use std::collections::BTreeMap;
use std::fmt::Write;

/// The executable script: one statement per step, hazards as comments. Empty when in sync.
/// A plan made with timeouts sets `lock_timeout` and `statement_timeout` first, and raises the
/// statement timeout around long steps (a `SET` only where the value changes).
pub fn render_sql(plan: &Plan) -> String {
    let mut out = String::new();
    if plan.steps.is_empty() {
        return out;
    }
    let mut statement_timeout = None;
    if let Some(t) = &plan.timeouts {
        let _ = writeln!(out, "SET lock_timeout = '{}';", setting(t.lock));
        let _ = writeln!(out, "SET statement_timeout = '{}';\n", setting(t.statement));
        statement_timeout = Some(t.statement);
    }
    if crate::diff::creates_routines(&plan.steps) {
        out.push_str("SET check_function_bodies = false;\n\n");
    }
    for step in &plan.steps {
        if let (Some(t), Some(current)) = (&plan.timeouts, statement_timeout) {
            let wanted = if runs_long(step) { t.long_statement } else { t.statement };
            if wanted != current {
                let _ = writeln!(out, "SET statement_timeout = '{}';\n", setting(wanted));
                statement_timeout = Some(wanted);
            }
        }
        // Messages name user objects: a newline in a name must not end the comment early.
        for h in &step.hazards {
            let _ = writeln!(out, "{}", schemactl_sqltext::comment(&format!("hazard {}: {}", h.kind, h.message)));
        }
        let _ = writeln!(out, "{};", step.sql);
        out.push('\n');
    }
    out.truncate(out.trim_end().len());
    if !out.is_empty() {
        out.push('\n');
    }
    out
}

/// Steps whose time grows with the table: index builds, validations, rewrites.
fn runs_long(step: &crate::Step) -> bool {
    step.hazards
        .iter()
        .any(|h| matches!(h.kind, HazardKind::IndexBuild | HazardKind::ValidationScan | HazardKind::TableRewrite))
}

/// A summary for review: counts, then the steps grouped by the object they change, groups in
/// the order of their first step, statements in execution order.
pub fn render_human(plan: &Plan) -> String {
    if plan.is_empty() {
        return format!("No changes: the schemas are in sync.\n{}", unmanaged_section(plan));
    }
    let count = |a: Action| plan.steps.iter().filter(|s| s.action == a).count();
    let mut hazard_counts: BTreeMap<HazardKind, usize> = BTreeMap::new();
    for h in plan.steps.iter().flat_map(|s| &s.hazards) {
        *hazard_counts.entry(h.kind).or_default() += 1;
    }
    let mut out = format!(
        "Plan: {} {} ({} create, {} alter, {} drop)\n",
        plan.steps.len(),
        if plan.steps.len() == 1 { "step" } else { "steps" },
        count(Action::Create),
        count(Action::Alter),
        count(Action::Drop)
    );
    if !hazard_counts.is_empty() {
        let list: Vec<String> = hazard_counts.iter().map(|(k, n)| format!("{n} {k}")).collect();
        let _ = writeln!(out, "Hazards: {}", list.join(", "));
        for kind in hazard_counts.keys() {
            let _ = writeln!(out, "  {kind}: {}", kind.explanation());
        }
    }
    let mut groups: Vec<(String, Vec<usize>)> = Vec::new();
    for (i, step) in plan.steps.iter().enumerate() {
        let group = step.group.clone();
        match groups.iter_mut().find(|(g, _)| *g == group) {
            Some((_, members)) => members.push(i),
            None => groups.push((group, vec![i])),
        }
    }
    for (group, members) in groups {
        let _ = writeln!(out, "\n{}", visible(&group));
        for i in members {
            let step = &plan.steps[i];
            let sign = match step.action {
                Action::Create => '+',
                Action::Alter => '~',
                Action::Drop => '-',
            };
            let _ = writeln!(out, "  {sign} {:>3}. {}", i + 1, indent_continuation(&step.sql, 9));
            for h in &step.hazards {
                let _ = writeln!(out, "         ! {}: {}", h.kind, visible(&h.message));
            }
        }
    }
    out.push_str(&unmanaged_section(plan));
    out
}

fn unmanaged_section(plan: &Plan) -> String {
    if plan.unmanaged.is_empty() {
        return String::new();
    }
    let mut out = String::from("\nUnmanaged (neither compared nor changed):\n");
    for u in &plan.unmanaged {
        let _ = writeln!(out, "  {}", visible(u));
    }
    out
}

/// The statement's lines indented under its number; control characters inside a line (a
/// carriage return or an escape sequence in a name) shown escaped, never sent to the terminal.
fn indent_continuation(sql: &str, width: usize) -> String {
    let pad = " ".repeat(width);
    sql.lines().map(visible).collect::<Vec<_>>().join(&format!("\n{pad}"))
}

/// The plan as JSON data (`{"steps": [...]}`), for other tools.
pub fn render_json(plan: &Plan) -> String {
    let mut s = serde_json::to_string_pretty(plan).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    s.push('\n');
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::step::{HazardKind, Step};
    use schemactl_model::{ObjKey, QualName};

    /// A plan dropping a table whose name ends a line: the shape of the injection of issue 10.
    fn hostile() -> Plan {
        let name = QualName::new("public", "x\nDROP TABLE public.victim;--\r\u{1b}[2J");
        let sql = format!("DROP TABLE {}", schemactl_sqltext::qualified(&name));
        let step = Step::new(Action::Drop, ObjKey::Table { name: name.clone() }, sql)
            .hazard(HazardKind::DataLoss, format!("drops table {name} and all its rows"));
        Plan { steps: vec![step], unmanaged: vec!["current: operator public.x\ny".into()], ..Plan::default() }
    }

    #[test]
    fn hazard_comments_never_end_early() {
        let sql = render_sql(&hostile());
        let statements = pg_query::split_with_parser(&sql).unwrap();
        assert_eq!(statements.len(), 1, "{sql}");
        let tree = pg_query::parse(&sql, 0).unwrap();
        assert_eq!(tree.statement_types(), ["DropStmt"], "{sql}");
        assert!(
            sql.starts_with("-- hazard data-loss: drops table public.x\\nDROP TABLE public.victim;--\\r\\u{1b}[2J and")
        );
    }

    #[test]
    fn the_summary_never_writes_control_characters() {
        let human = render_human(&hostile());
        assert!(!human.chars().any(|c| c.is_control() && c != '\n'), "{human:?}");
        assert!(
            human.contains("! data-loss: drops table public.x\\nDROP TABLE public.victim;--\\r\\u{1b}[2J"),
            "{human}"
        );
        assert!(human.contains("  current: operator public.x\\ny\n"), "{human}");
        let markdown = crate::render_markdown(&hostile());
        let outside_sql = markdown.split("```sql").next().unwrap();
        assert!(!outside_sql.contains("\u{1b}") && !outside_sql.contains('\r'), "{markdown:?}");
    }
}
