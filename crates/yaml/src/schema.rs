//! The JSON Schema of the format, for editors (yaml-language-server and others).

/// Where the schema is committed, relative to the repository root.
pub const SCHEMA_PATH: &str = "docs/schemactl.schema.json";

/// The JSON Schema of a YAML desired-state file, generated from the document model, as
/// pretty-printed JSON with a final newline.
pub fn json_schema() -> String {
    let schema = schemars::schema_for!(crate::model::Document);
    let mut text = serde_json::to_string_pretty(&schema).unwrap_or_default();
    text.push('\n');
    text
}

/// The comment that points yaml-language-server at the schema, for the first line of a
/// YAML file: `# yaml-language-server: $schema=<path to the schema from the file>`.
pub fn modeline(schema_path_from_file: &str) -> String {
    format!("# yaml-language-server: $schema={schema_path_from_file}\n")
}
