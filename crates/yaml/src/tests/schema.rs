//! The committed JSON Schema is the one the model generates.

use std::path::Path;

#[test]
fn the_committed_json_schema_is_up_to_date() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").join(crate::SCHEMA_PATH);
    let generated = crate::json_schema();
    if std::env::var_os("SCHEMACTL_UPDATE_SCHEMA").is_some() {
        std::fs::write(&path, &generated).unwrap();
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "{} is stale: run `SCHEMACTL_UPDATE_SCHEMA=1 cargo test -p schemactl-yaml json_schema` and commit it",
        path.display()
    );
}

#[test]
fn the_json_schema_describes_the_format() {
    let schema: serde_json::Value = serde_json::from_str(&crate::json_schema()).unwrap();
    assert_eq!(schema["additionalProperties"], false);
    let column = &schema["$defs"]["Column"];
    // The short form (a type) or the mapping, which refuses unknown keys.
    assert_eq!(column["anyOf"][0]["type"], "string");
    assert_eq!(column["anyOf"][1]["additionalProperties"], false);
    assert_eq!(column["anyOf"][1]["required"], serde_json::json!(["type"]));
    // SQL texts may be written as YAML numbers and booleans.
    assert_eq!(
        column["anyOf"][1]["properties"]["default"]["type"],
        serde_json::json!(["string", "number", "boolean", "null"])
    );
    assert_eq!(schema["$defs"]["Action"]["enum"][3], "set null");
}
