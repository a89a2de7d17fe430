//! The YAML [`Format`] for schemactl-source's loader, and loaders that read both formats.

use std::path::Path;

use schemactl_source::{Format, FormatError, FormatOutput, Rename, Statement};

/// `*.yaml` and `*.yml` files as desired state.
#[derive(Debug, Clone, Copy, Default)]
pub struct YamlFormat;

/// Whether a path names a YAML file (`.yaml` or `.yml`, any case).
pub fn is_yaml(path: &Path) -> bool {
    path.extension().is_some_and(|e| e.eq_ignore_ascii_case("yaml") || e.eq_ignore_ascii_case("yml"))
}

impl Format for YamlFormat {
    fn accepts(&self, path: &Path) -> bool {
        is_yaml(path)
    }

    fn read(&self, file: &Path, text: &str) -> Result<FormatOutput, FormatError> {
        let (statements, renames) = crate::statements(file, text)?;
        Ok(FormatOutput { statements, renames })
    }
}

/// [`schemactl_source::load_sql_files`] for a directory of `*.sql` and `*.yaml`/`*.yml` files,
/// or one file of either kind, all in one dependency order.
pub fn load_schema_files(path: &Path) -> schemactl_source::Result<Vec<Statement>> {
    Ok(load_schema_files_with_renames(path)?.0)
}

/// [`load_schema_files`] with the rename declarations (`-- schemactl:renamed-from` and
/// `renamed_from:`) of every file.
pub fn load_schema_files_with_renames(path: &Path) -> schemactl_source::Result<(Vec<Statement>, Vec<Rename>)> {
    schemactl_source::load_files_with_formats(path, &[&YamlFormat])
}
