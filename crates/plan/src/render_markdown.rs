//! The plan as Markdown, to paste into a pull-request comment or a CI step summary: a summary,
//! the hazards, the steps grouped by object, and the full script folded away in `<details>`.
//!
//! Names come from user schemas, so everything that is not ours goes into code spans or is
//! escaped: a column called `*` or a comment holding three backticks must not break the page,
//! and control characters are shown escaped (`\n`, `\u{1b}`) rather than written raw.

use crate::step::Action;
use crate::Plan;
use schemactl_sqltext::visible;
use std::fmt::Write;

/// Statements longer than this are cut in the step list; the `<details>` block has them whole.
const SUMMARY_CHARS: usize = 160;

/// Renders the plan as GitHub-flavoured Markdown. Deterministic: same plan, same bytes.
pub fn render_markdown(plan: &Plan) -> String {
    let mut out = String::from("## schemactl plan\n\n");
    if plan.is_empty() {
        out.push_str("No changes: the schemas are in sync.\n");
        out.push_str(&unmanaged_section(plan));
        return out;
    }
    let count = |a: Action| plan.steps.iter().filter(|s| s.action == a).count();
    let hazards: usize = plan.steps.iter().map(|s| s.hazards.len()).sum();
    let _ = write!(
        out,
        "**{}**: {} create, {} alter, {} drop",
        plural(plan.steps.len(), "step"),
        count(Action::Create),
        count(Action::Alter),
        count(Action::Drop)
    );
    if hazards > 0 {
        let _ = write!(out, "; **{}**", plural(hazards, "hazard"));
    }
    out.push_str(".\n");

    if hazards > 0 {
        out.push_str("\n### Hazards\n\n| Step | Hazard | Object | Why |\n| ---: | --- | --- | --- |\n");
        for (i, step) in plan.steps.iter().enumerate() {
            for h in &step.hazards {
                let _ = writeln!(
                    out,
                    "| {} | **{}** | {} | {} |",
                    i + 1,
                    h.kind,
                    table_cell(&code_span(&step.object.to_string())),
                    table_cell(&escape(&h.message))
                );
            }
        }
    }

    out.push_str("\n### Steps\n");
    for (group, members) in groups(plan) {
        let _ = writeln!(out, "\n**{}**\n", code_span(&group));
        for i in members {
            let step = &plan.steps[i];
            let action = match step.action {
                Action::Create => "create",
                Action::Alter => "alter",
                Action::Drop => "drop",
            };
            // "**3.**" rather than "3." so the number never starts a nested ordered list.
            let _ = writeln!(out, "- **{}.** {action} {}", i + 1, code_span(&summary(&step.sql)));
            for h in &step.hazards {
                let _ = writeln!(out, "  - hazard **{}**: {}", h.kind, escape(&h.message));
            }
        }
    }

    if !plan.diagram.tables.is_empty() {
        // GitHub draws a `mermaid` block as a picture in comments and summaries.
        let _ = write!(out, "\n### Tables\n\n```mermaid\n{}```\n", plan.diagram.mermaid());
    }

    let sql = crate::render_sql(plan);
    let fence = "`".repeat(longest_backtick_run(&sql).max(2) + 1);
    let _ = write!(
        out,
        "\n<details>\n<summary>Full SQL script ({})</summary>\n\n{fence}sql\n{sql}{fence}\n\n</details>\n",
        plural(plan.steps.len(), "step")
    );
    out.push_str(&unmanaged_section(plan));
    out
}

/// Steps grouped by the object a reviewer looks for, groups in the order of their first step.
fn groups(plan: &Plan) -> Vec<(String, Vec<usize>)> {
    let mut groups: Vec<(String, Vec<usize>)> = Vec::new();
    for (i, step) in plan.steps.iter().enumerate() {
        match groups.iter_mut().find(|(g, _)| *g == step.group) {
            Some((_, members)) => members.push(i),
            None => groups.push((step.group.clone(), vec![i])),
        }
    }
    groups
}

fn unmanaged_section(plan: &Plan) -> String {
    if plan.unmanaged.is_empty() {
        return String::new();
    }
    let mut out = String::from("\n### Unmanaged\n\nNeither compared nor changed:\n\n");
    for u in &plan.unmanaged {
        let _ = writeln!(out, "- {}", code_span(u));
    }
    out
}

fn plural(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

/// One line per statement: whitespace runs collapsed, long statements cut at a char boundary.
fn summary(sql: &str) -> String {
    let line = sql.split_whitespace().collect::<Vec<_>>().join(" ");
    match line.char_indices().nth(SUMMARY_CHARS) {
        Some((cut, _)) => format!("{} …", line[..cut].trim_end()),
        None => line,
    }
}

/// A code span that survives any content: its delimiter is longer than every backtick run
/// inside, and padding keeps a leading or trailing backtick from joining the delimiter.
fn code_span(text: &str) -> String {
    let text = visible(&text.split_whitespace().collect::<Vec<_>>().join(" "));
    let ticks = "`".repeat(longest_backtick_run(&text) + 1);
    if text.starts_with('`') || text.ends_with('`') {
        format!("{ticks} {text} {ticks}")
    } else {
        format!("{ticks}{text}{ticks}")
    }
}

fn longest_backtick_run(text: &str) -> usize {
    text.split(|c| c != '`').map(str::len).max().unwrap_or(0)
}

/// Escapes the characters that would turn plain text into Markdown or HTML. An underscore
/// between two letters or digits cannot start or end emphasis, so `user_id` stays readable.
fn escape(text: &str) -> String {
    let chars: Vec<char> = visible(&text.split_whitespace().collect::<Vec<_>>().join(" ")).chars().collect();
    let mut out = String::with_capacity(text.len());
    for (i, &c) in chars.iter().enumerate() {
        let intraword = |j: Option<usize>| j.and_then(|j| chars.get(j)).is_some_and(|c| c.is_alphanumeric());
        let special = match c {
            '_' => !(intraword(i.checked_sub(1)) && intraword(Some(i + 1))),
            _ => matches!(c, '\\' | '`' | '*' | '[' | ']' | '<' | '>' | '#' | '|' | '~' | '&' | '@'),
        };
        if special {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// GitHub ends a table cell at any unescaped pipe, even inside a code span.
fn table_cell(markdown: &str) -> String {
    let mut out = String::with_capacity(markdown.len());
    let mut escaped = false;
    for c in markdown.chars() {
        if c == '|' && !escaped {
            out.push('\\');
        }
        escaped = c == '\\' && !escaped;
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::step::{HazardKind, Step};
    use schemactl_model::{ObjKey, QualName};

    fn table(name: &str) -> ObjKey {
        ObjKey::Table { name: QualName::new("public", name) }
    }

    fn column(table: &str, column: &str) -> ObjKey {
        ObjKey::Column { table: QualName::new("public", table), column: column.into() }
    }

    fn sample() -> Plan {
        let steps = vec![
            Step::new(Action::Drop, table("old_events"), "DROP TABLE public.old_events")
                .hazard(HazardKind::DataLoss, "drops table public.old_events and all its rows"),
            Step::new(
                Action::Create,
                table("widgets"),
                "CREATE TABLE public.widgets (\n    id bigint NOT NULL,\n    kind text\n)",
            ),
            Step::new(
                Action::Alter,
                column("users", "a|b"),
                "ALTER TABLE public.users ALTER COLUMN \"a|b\" TYPE bigint",
            )
            .hazard(HazardKind::TableRewrite, "the column is rewritten"),
            Step::new(Action::Drop, column("users", "legacy_flag"), "ALTER TABLE public.users DROP COLUMN legacy_flag")
                .hazard(HazardKind::DataLoss, "drops column legacy_flag and its values"),
            Step::new(
                Action::Create,
                ObjKey::Index { name: QualName::new("public", "widgets_kind_idx") },
                "CREATE INDEX widgets_kind_idx ON public.widgets USING btree (kind)",
            )
            .grouped_under("table public.widgets".into())
            .hazard(HazardKind::IndexBuild, "builds the index while blocking writes to the table"),
            Step::new(Action::Alter, table("widgets"), "COMMENT ON TABLE public.widgets IS 'uses ``` fences'"),
        ];
        Plan { steps, unmanaged: vec!["current: operator public.===(int, int)".into()], ..Plan::default() }
    }

    #[test]
    fn plan_with_hazards_renders_summary_table_groups_and_folded_sql() {
        insta::assert_snapshot!(render_markdown(&sample()));
    }

    #[test]
    fn an_empty_plan_says_so_under_the_heading() {
        assert_eq!(render_markdown(&Plan::default()), "## schemactl plan\n\nNo changes: the schemas are in sync.\n");
    }

    #[test]
    fn the_sql_fence_outgrows_backtick_runs_in_the_script() {
        let md = render_markdown(&sample());
        assert!(md.contains("\n````sql\n") && md.contains("\n````\n\n</details>"), "{md}");
        let plain =
            Plan { steps: vec![Step::new(Action::Create, table("t"), "CREATE TABLE public.t ()")], ..Plan::default() };
        let md = render_markdown(&plain);
        assert!(md.contains("\n```sql\nCREATE TABLE public.t ();\n```\n"), "{md}");
        assert!(md.contains("**1 step**: 1 create, 0 alter, 0 drop.\n"), "{md}");
        assert!(!md.contains("### Hazards"), "{md}");
    }

    #[test]
    fn code_spans_and_cells_survive_hostile_names() {
        assert_eq!(code_span("a`b"), "``a`b``");
        assert_eq!(code_span("`x"), "`` `x ``");
        assert_eq!(table_cell("`a|b`"), "`a\\|b`");
        assert_eq!(table_cell("a\\|b"), "a\\|b");
        assert_eq!(escape("drops <b>*x*</b>"), "drops \\<b\\>\\*x\\*\\</b\\>");
        assert_eq!(escape("user_id _x_ a_"), "user_id \\_x\\_ a\\_");
    }

    #[test]
    fn long_statements_are_cut_on_a_char_boundary() {
        let sql = format!("COMMENT ON TABLE t IS '{}'", "é".repeat(300));
        let line = summary(&sql);
        assert!(line.ends_with(" …") && line.chars().count() == SUMMARY_CHARS + 2, "{line}");
    }
}
