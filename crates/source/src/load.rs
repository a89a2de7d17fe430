//! Reading schema files and directories from disk.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use crate::classify::Verdict;
use crate::error::{Error, Result};
use crate::order::order_with_deps;
use crate::parse::{analyze, parse_file, Parsed};
use crate::renames::{check_conflicts, extract, Rename};
use crate::text::LineIndex;
use crate::Statement;

/// Loads a `.sql` file, or every `*.sql` file below a directory, in
/// dependency order; see the crate documentation.
pub fn load_sql_files(path: &Path) -> Result<Vec<Statement>> {
    Ok(load(path, false, &[])?.0)
}

/// [`load_sql_files`], plus the `-- schemactl:renamed-from` annotations of every file (file
/// order), checked for conflicts across files; see [`crate::parse_renames`].
pub fn load_sql_files_with_renames(path: &Path) -> Result<(Vec<Statement>, Vec<Rename>)> {
    load(path, true, &[])
}

/// A desired-state file format other than SQL, read by a crate above this one (YAML:
/// `schemactl-yaml`), so that this crate needs no parser for it. Its statements are
/// classified, ordered and loaded exactly like those of `*.sql` files.
pub trait Format {
    /// Whether `path` is a file of this format (by its extension).
    fn accepts(&self, path: &Path) -> bool;
    /// The statements one file declares, in file order, and its rename declarations. `file`
    /// is only used for positions; errors should already name it.
    fn read(&self, file: &Path, text: &str) -> std::result::Result<FormatOutput, FormatError>;
}

/// What a [`Format`] reads from one file.
#[derive(Debug, Default)]
pub struct FormatOutput {
    pub statements: Vec<Statement>,
    pub renames: Vec<Rename>,
}

/// A [`Format`]'s own error, shown as it displays (see [`Error::Format`]).
pub type FormatError = Box<dyn std::error::Error + Send + Sync>;

/// [`load_sql_files_with_renames`], also reading the files `formats` accept: a directory's files
/// of every format are ordered together, so a YAML table may use a type declared in SQL and
/// the other way round. A single file is read by the first format that accepts it, as SQL
/// otherwise.
pub fn load_files_with_formats(path: &Path, formats: &[&dyn Format]) -> Result<(Vec<Statement>, Vec<Rename>)> {
    load(path, true, formats)
}

fn load(path: &Path, with_renames: bool, formats: &[&dyn Format]) -> Result<(Vec<Statement>, Vec<Rename>)> {
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| Error::Io { path, source }
    };
    let metadata = std::fs::metadata(path).map_err(io(path))?;
    let files = if metadata.is_dir() {
        let files = schema_files(path, formats)?;
        if files.is_empty() {
            return Err(Error::NoSqlFiles { path: path.to_path_buf() });
        }
        files
    } else {
        vec![path.to_path_buf()]
    };

    // In file order: `drops::settle` asks what came before each drop.
    let mut parsed: Vec<Parsed> = Vec::new();
    let mut renames = Vec::new();
    for file in files {
        let bytes = std::fs::read(&file).map_err(io(&file))?;
        let text = decode(&file, bytes)?;
        if let Some(format) = formats.iter().find(|f| f.accepts(&file)) {
            let output = format.read(&file, &text).map_err(Error::Format)?;
            for mut statement in output.statements {
                if let Some(deps) = classify_generated(&mut statement)? {
                    parsed.push(Parsed { statement, deps, dropped: None });
                }
            }
            renames.extend(output.renames);
            continue;
        }
        parsed.extend(parse_file(&file, &text)?);
        if with_renames {
            renames.extend(extract(&file, &text)?);
        }
    }
    check_conflicts(&renames)?;
    let (statements, deps) = crate::drops::settle(parsed)?.into_iter().map(|p| (p.statement, p.deps)).unzip();
    Ok((order_with_deps(statements, deps), renames))
}

/// Holds a statement another format generated to the rules of schema files, sets its kind
/// and whether it runs in a transaction, and returns its dependency facts (`None` for a
/// statement that is skipped, such as `SET`).
fn classify_generated(statement: &mut Statement) -> Result<Option<crate::deps::Deps>> {
    let (file, line, column) = (statement.file.clone(), statement.line, statement.column);
    let analysis = analyze(&statement.sql).map_err(|message| Error::Syntax {
        file: file.clone(),
        line,
        column,
        message: crate::parse::explain(message),
    })?;
    match analysis.verdict {
        Verdict::Keep { transactional } => {
            statement.kind = analysis.kind;
            statement.transactional = transactional;
            Ok(Some(analysis.deps))
        }
        // Generated statements never drop; were one to, it would be as harmless as in a file
        // with nothing before it.
        Verdict::Skip | Verdict::DropIfExists(_) => Ok(None),
        Verdict::NotSchema(statement) => Err(Error::NotSchema { file, line, column, statement }),
        Verdict::Unsupported { statement, reason } => {
            Err(Error::Unsupported { file, line, column, statement, reason: reason.to_string() })
        }
    }
}

/// Every `*.sql` file (and file a format accepts) below `dir`, sorted by path. Symbolic
/// links are followed, each directory visited once (so a link cycle cannot loop).
fn looks_like_yaml(path: &Path) -> bool {
    path.extension().is_some_and(|e| e == "yaml" || e == "yml")
}

fn schema_files(dir: &Path, formats: &[&dyn Format]) -> Result<Vec<PathBuf>> {
    let is_schema = |path: &Path| is_sql(path) || formats.iter().any(|f| f.accepts(path));
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| Error::Io { path, source }
    };
    let mut files = Vec::new();
    let mut visited = BTreeSet::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(dir) = pending.pop() {
        let canonical = std::fs::canonicalize(&dir).map_err(io(&dir))?;
        if !visited.insert(canonical) {
            continue;
        }
        for entry in std::fs::read_dir(&dir).map_err(io(&dir))? {
            let path = entry.map_err(io(&dir))?.path();
            // `metadata` follows links; a dangling link is an error worth
            // reporting only if it looks like a schema file.
            match std::fs::metadata(&path) {
                Ok(m) if m.is_dir() => pending.push(path),
                // Read by a format this call was not given (YAML is read by a crate above this
                // one): skipping it would silently leave its objects out of the schema.
                Ok(m) if m.is_file() && formats.is_empty() && looks_like_yaml(&path) => {
                    return Err(Error::UnreadFormat { path })
                }
                Ok(m) if m.is_file() && is_schema(&path) => files.push(path),
                Ok(_) => {}
                Err(e) if is_schema(&path) => return Err(Error::Io { path, source: e }),
                Err(_) => {}
            }
        }
    }
    files.sort();
    Ok(files)
}

fn is_sql(path: &Path) -> bool {
    path.extension().is_some_and(|e| e.eq_ignore_ascii_case("sql"))
}

/// The file's text, or the position of its first byte that is not UTF-8.
fn decode(file: &Path, bytes: Vec<u8>) -> Result<String> {
    String::from_utf8(bytes).map_err(|e| {
        let valid = e.utf8_error().valid_up_to();
        let bytes = e.as_bytes();
        // The valid prefix is valid UTF-8 by definition.
        let prefix = std::str::from_utf8(&bytes[..valid]).unwrap_or_default();
        let (line, column) = LineIndex::new(prefix).position(valid);
        Error::NotUtf8 { file: file.to_path_buf(), line, column }
    })
}
