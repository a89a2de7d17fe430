//! The manifests `schemactl fleet render` writes, read back from their YAML and validated
//! against the JSON Schemas of Kubernetes 1.32 (batch/v1 Job, strict) and Argo Workflows
//! (WorkflowTemplate), vendored under fixtures/fleet/schemas/ (see the README there).

use schemactl_fleet::render::{argo_workflow_template, kubernetes_job, to_yaml, RenderOptions, Source, TARGETS_PATH};
use schemactl_fleet::Shard;
use serde_json::Value;

fn schema_dir() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/fleet/schemas")
}

/// Validates `instance` against the schema in `file` at `pointer` ("" for its root).
fn validate(instance: &Value, file: &str, pointer: &str) {
    if let Err(e) = check(instance, file, pointer) {
        panic!("{file}{pointer}: the manifest is not valid:\n{e}\n{}", serde_json::to_string_pretty(instance).unwrap());
    }
}

fn check(instance: &Value, file: &str, pointer: &str) -> Result<(), String> {
    let text = std::fs::read_to_string(schema_dir().join(file)).unwrap();
    let schema: Value = serde_json::from_str(&text).unwrap();
    let url = format!("file:///schemas/{file}");
    let mut compiler = boon::Compiler::new();
    compiler.add_resource(&url, schema).unwrap();
    let mut schemas = boon::Schemas::new();
    let index = compiler.compile(&format!("{url}#{pointer}"), &mut schemas).unwrap();
    schemas.validate(instance, index).map_err(|e| format!("{e:#}"))
}

/// The YAML as a reader gets it back.
fn read_back(manifest: &Value, what: &str) -> Value {
    let yaml = to_yaml(manifest, what).unwrap();
    assert!(yaml.starts_with(&format!("# {what}")), "{yaml}");
    let back: Value = serde_saphyr::from_str(&yaml).unwrap();
    assert_eq!(&back, manifest, "the YAML does not read back as written:\n{yaml}");
    back
}

fn options(source: Source) -> RenderOptions {
    RenderOptions {
        name: "tenants".into(),
        namespace: Some("migrations".into()),
        image: "registry.example.com/dashboard-migrations:1.4".into(),
        shards: 4,
        parallel: 16,
        source,
        stages: vec!["canary".into(), "eu".into(), "rest".into()],
    }
}

fn args(container: &Value) -> Vec<String> {
    container["args"].as_array().unwrap().iter().map(|a| a.as_str().unwrap().to_string()).collect()
}

fn after<'a>(args: &'a [String], flag: &str) -> &'a str {
    let i = args.iter().position(|a| a == flag).unwrap_or_else(|| panic!("{flag} missing from {args:?}"));
    &args[i + 1]
}

#[test]
fn the_kubernetes_job_is_a_valid_indexed_job_with_one_shard_per_pod() {
    for source in [Source::Fleet("tenants".into()), Source::TargetsFile] {
        let job = read_back(&kubernetes_job(&options(source.clone())).unwrap(), "Kubernetes Job");
        validate(&job, "kubernetes-1.32-job-batch-v1.json", "");
        assert_eq!(job["spec"]["completionMode"], "Indexed");
        assert_eq!(job["spec"]["completions"], 4);
        let container = &job["spec"]["template"]["spec"]["containers"][0];
        let args = args(container);
        assert_eq!(args[0], "apply");
        // Each pod's index is its shard: 0/4 .. 3/4, exactly the partition --shard takes.
        let shard = after(&args, "--shard");
        for index in 0..4 {
            let parsed = Shard::parse(&shard.replace("$(JOB_COMPLETION_INDEX)", &index.to_string())).unwrap();
            assert_eq!(parsed, Shard { index, of: 4 });
        }
        assert_eq!(after(&args, "--parallel"), "16");
        match source {
            Source::Fleet(_) => assert_eq!(after(&args, "--fleet"), "tenants"),
            Source::TargetsFile => {
                assert_eq!(after(&args, "--targets"), TARGETS_PATH);
                assert_eq!(job["spec"]["template"]["spec"]["volumes"][0]["secret"]["secretName"], "tenants-targets");
            }
        }
    }
}

#[test]
fn the_argo_template_runs_the_stages_in_order_and_shards_all_but_the_canary() {
    for source in [Source::Fleet("tenants".into()), Source::TargetsFile] {
        let template = read_back(&argo_workflow_template(&options(source)).unwrap(), "Argo WorkflowTemplate");
        validate(&template, "argo-workflows.json", "/definitions/io.argoproj.workflow.v1alpha1.WorkflowTemplate");
        let spec = &template["spec"];
        assert_eq!(spec["entrypoint"], "rollout");
        let steps = spec["templates"][0]["steps"].as_array().unwrap();
        let stages: Vec<&str> =
            steps.iter().map(|group| group[0]["arguments"]["parameters"][0]["value"].as_str().unwrap()).collect();
        assert_eq!(stages, ["canary", "eu", "rest"]);
        assert_eq!(steps[0][0]["arguments"]["parameters"][1]["value"], "0/1");
        assert!(steps[0][0].get("withSequence").is_none());
        for group in &steps[1..] {
            assert_eq!(group[0]["withSequence"]["count"], "4");
            assert_eq!(group[0]["arguments"]["parameters"][1]["value"], "{{item}}/4");
        }
        let args = args(&spec["templates"][1]["container"]);
        assert_eq!(after(&args, "--stage"), "{{inputs.parameters.stage}}");
        assert_eq!(after(&args, "--shard"), "{{inputs.parameters.shard}}");
    }
}

#[test]
fn names_that_kubernetes_refuses_are_refused() {
    let mut bad = options(Source::TargetsFile);
    bad.name = "Tenants_EU".into();
    let err = kubernetes_job(&bad).unwrap_err().to_string();
    assert!(err.contains("a Kubernetes name is lowercase letters"), "{err}");
}

/// The validation can fail: a misspelt field and a wrong type are caught.
#[test]
fn the_schemas_refuse_broken_manifests() {
    let mut job = kubernetes_job(&options(Source::TargetsFile)).unwrap();
    job["spec"]["completionsMode"] = job["spec"]["completionMode"].take();
    let err = check(&job, "kubernetes-1.32-job-batch-v1.json", "").unwrap_err();
    assert!(err.contains("completionsMode"), "{err}");
    let mut template = argo_workflow_template(&options(Source::TargetsFile)).unwrap();
    template["spec"]["templates"][0]["steps"] = Value::String("canary".into());
    let pointer = "/definitions/io.argoproj.workflow.v1alpha1.WorkflowTemplate";
    assert!(check(&template, "argo-workflows.json", pointer).is_err());
}
