//! Reading schema files and directories from disk.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::order::order_with_deps;
use crate::parse::{parse_file, Parsed};
use crate::text::LineIndex;
use crate::Statement;

/// Loads a `.sql` file, or every `*.sql` file below a directory, in
/// dependency order; see the crate documentation.
pub fn load_path(path: &Path) -> Result<Vec<Statement>> {
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| Error::Io { path, source }
    };
    let metadata = std::fs::metadata(path).map_err(io(path))?;
    let files = if metadata.is_dir() {
        let files = sql_files(path)?;
        if files.is_empty() {
            return Err(Error::NoSqlFiles { path: path.to_path_buf() });
        }
        files
    } else {
        vec![path.to_path_buf()]
    };

    let mut statements = Vec::new();
    let mut deps = Vec::new();
    for file in files {
        let bytes = std::fs::read(&file).map_err(io(&file))?;
        let text = decode(&file, bytes)?;
        for Parsed { statement, deps: d } in parse_file(&file, &text)? {
            statements.push(statement);
            deps.push(d);
        }
    }
    Ok(order_with_deps(statements, deps))
}

/// Every `*.sql` file below `dir`, sorted by path. Symbolic links are
/// followed, each directory visited once (so a link cycle cannot loop).
fn sql_files(dir: &Path) -> Result<Vec<PathBuf>> {
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
                Ok(m) if m.is_file() && is_sql(&path) => files.push(path),
                Ok(_) => {}
                Err(e) if is_sql(&path) => return Err(Error::Io { path, source: e }),
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
