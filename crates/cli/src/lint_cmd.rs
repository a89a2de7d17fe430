//! `schemactl lint [FILE...]`: the hazards of hand-written SQL, one line per finding on stdout
//! (`file:line:col: <hazard>: <message> [<rule>]`), then a summary. Without FILE it lints the
//! up and down sections of every revision (sealed or not: linting comes before `reseal`).
//! Exit 6 when a hazard is not allowed by the project's `allow_hazards` or `--allow-hazard`.
//! Without FILE it also reads the schema files (`schemactl_engine::schema_advice`) and prints
//! their warnings (`file:line:col: warning: <message> [<rule>]`, a `DO` block), which never
//! change the exit status: schema files are loaded into a shadow, not run on a database.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use schemactl_lint::Finding;
use schemactl_model::HazardKind;
use schemactl_revision::Revision;

use crate::cli::LintArgs;
use crate::error::{CliError, CliResult};
use crate::{hazards, project};

const REVISION_FIRST_LINE: &str = "-- schemactl revision ";

pub fn run(config: Option<&Path>, args: LintArgs) -> CliResult<()> {
    let project = project::load(config)?;
    let allowed = hazards::allowed(&project.settings(None), &args.allow_hazards)?;
    let mut findings = Vec::new();
    let files = if args.files.is_empty() {
        let dir = PathBuf::from(project::shown(&project.revisions_dir));
        let list = schemactl_revision::read_files(&dir)?;
        for revision in &list {
            findings.extend(lint_revision(&dir, revision)?);
        }
        if project.schema_dir.is_dir() {
            for advice in schemactl_engine::schema_advice(&project.schema_dir)? {
                outln!("{advice}");
            }
        }
        list.len()
    } else {
        for file in &args.files {
            let text = std::fs::read_to_string(file).map_err(|source| CliError::Io { path: file.clone(), source })?;
            findings.extend(lint_file(file, &text)?);
        }
        args.files.len()
    };
    for finding in &findings {
        outln!("{finding}");
    }
    outln!("{}", summary(&findings, files, &allowed));
    // The findings are listed above: the refusal names each kind once.
    let found: Vec<_> = counts(&findings).into_iter().map(|(k, n)| (k, format!("{n} finding(s) above"))).collect();
    match hazards::refusal("the linted SQL", &found, &allowed) {
        Some(refused) => Err(refused),
        None => Ok(()),
    }
}

/// A revision file's up and down sections, each linted as a script of its own (positions are
/// the file's); any other file as one script.
fn lint_file(file: &Path, text: &str) -> CliResult<Vec<Finding>> {
    let name = file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    if text.trim_start_matches('\u{feff}').starts_with(REVISION_FIRST_LINE) {
        let revision = schemactl_revision::format::parse(&name, text)?;
        return lint_revision(file.parent().unwrap_or(Path::new("")), &revision);
    }
    Ok(schemactl_lint::lint(file, text)?)
}

fn lint_revision(dir: &Path, revision: &Revision) -> CliResult<Vec<Finding>> {
    let mut findings = Vec::new();
    for segments in [revision.up_segments(dir)?, revision.down_segments(dir)?] {
        findings.extend(schemactl_lint::lint_statements(segments.iter().flat_map(|s| &s.statements))?);
    }
    Ok(findings)
}

fn counts(findings: &[Finding]) -> BTreeMap<HazardKind, usize> {
    let mut counts = BTreeMap::new();
    for f in findings {
        *counts.entry(f.hazard).or_insert(0) += 1;
    }
    counts
}

/// `3 hazard(s) in 2 file(s): data-loss 2, index-build 1; not allowed: data-loss`.
fn summary(findings: &[Finding], files: usize, allowed: &BTreeSet<HazardKind>) -> String {
    if findings.is_empty() {
        return format!("no hazards in {files} file(s)");
    }
    let counts = counts(findings);
    let listed: Vec<String> = counts.iter().map(|(k, n)| format!("{k} {n}")).collect();
    let refused: Vec<&str> = counts.keys().filter(|k| !allowed.contains(k)).map(|k| k.as_str()).collect();
    let verdict =
        if refused.is_empty() { "all allowed".to_string() } else { format!("not allowed: {}", refused.join(", ")) };
    format!("{} hazard(s) in {files} file(s): {}; {verdict}", findings.len(), listed.join(", "))
}
