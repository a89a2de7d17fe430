//! `schemactl fleet render`: the fleet handed to an engine that runs it where one process is
//! not wanted. A Kubernetes Indexed Job runs `apply --shard $(JOB_COMPLETION_INDEX)/N` in N
//! pods (each pod takes its shard of every stage; pods do not wait for each other, so a canary
//! means nothing there); an Argo Workflows template runs the stages in order, the canary in one
//! pod and each later stage in parallel pods (one shard each), a stage starting only when the
//! previous one succeeded. Both run the project's own image, whose entry is `schemactl`.

use serde_json::{json, Value};

use crate::error::{Error, Result};

/// Where the pods read their targets.
#[derive(Clone, Debug)]
pub enum Source {
    /// `[fleets.NAME]` in the schemactl.toml the image holds.
    Fleet(String),
    /// A targets file the pods read from a Secret (`NAME-targets`, key `targets`), mounted at
    /// [`TARGETS_PATH`]: the file holds addresses, so it is never part of the manifest.
    TargetsFile,
}

/// Where the Secret with the targets file is mounted.
pub const TARGETS_DIR: &str = "/etc/schemactl";
pub const TARGETS_PATH: &str = "/etc/schemactl/targets";

/// What the manifests are made of.
#[derive(Clone, Debug)]
pub struct RenderOptions {
    /// The manifests' name (a DNS label): the Job, the template, and the Secrets' prefix.
    pub name: String,
    pub namespace: Option<String>,
    /// The image with schemactl and the project (schemactl.toml, generated/).
    pub image: String,
    /// Pods (shards) of the Job, and of each Argo stage after the canary.
    pub shards: usize,
    /// `--parallel` of each pod.
    pub parallel: usize,
    pub source: Source,
    /// The fleet's stages, in order (the first runs in one pod in Argo).
    pub stages: Vec<String>,
}

impl RenderOptions {
    fn check(&self) -> Result<()> {
        let label = |s: &str| {
            !s.is_empty()
                && s.len() <= 52
                && s.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
                && !s.starts_with('-')
                && !s.ends_with('-')
        };
        if !label(&self.name) {
            return Err(Error::Usage(format!(
                "--name {}: a Kubernetes name is lowercase letters, digits and `-`, at most 52 characters",
                schemactl_sqltext::visible(&self.name)
            )));
        }
        if self.image.trim().is_empty() || self.image.chars().any(char::is_whitespace) {
            return Err(Error::Usage(
                "--image: the image with schemactl and the project (`registry/app-migrations:1.4`)".into(),
            ));
        }
        if self.shards == 0 || self.parallel == 0 {
            return Err(Error::Usage("--shards and --parallel must be at least 1".into()));
        }
        Ok(())
    }

    fn source_args(&self) -> Vec<Value> {
        match &self.source {
            Source::Fleet(name) => vec![json!("--fleet"), json!(name)],
            Source::TargetsFile => vec![json!("--targets"), json!(TARGETS_PATH)],
        }
    }

    fn labels(&self) -> Value {
        json!({
            "app.kubernetes.io/name": "schemactl",
            "app.kubernetes.io/component": "fleet-apply",
            "app.kubernetes.io/instance": self.name,
        })
    }

    fn metadata(&self, name: &str) -> Value {
        let mut meta = json!({ "name": name, "labels": self.labels() });
        if let Some(ns) = &self.namespace {
            meta["namespace"] = json!(ns);
        }
        meta
    }

    /// The container both engines run: schemactl, addresses from Secrets only.
    fn container(&self, args: Vec<Value>) -> Value {
        let mut container = json!({
            "name": "schemactl",
            "image": self.image,
            "command": ["schemactl"],
            "args": args,
            // `env:NAME` targets and the control database's address come from this Secret.
            "envFrom": [{ "secretRef": { "name": format!("{}-env", self.name), "optional": true } }],
            "env": [{ "name": "CI", "value": "true" }],
        });
        if matches!(self.source, Source::TargetsFile) {
            container["volumeMounts"] = json!([{ "name": "targets", "mountPath": TARGETS_DIR, "readOnly": true }]);
        }
        container
    }

    fn volumes(&self) -> Option<Value> {
        matches!(self.source, Source::TargetsFile).then(|| {
            json!([{
                "name": "targets",
                "secret": { "secretName": format!("{}-targets", self.name), "items": [{ "key": "targets", "path": "targets" }] },
            }])
        })
    }
}

/// The Kubernetes Indexed Job.
pub fn kubernetes_job(options: &RenderOptions) -> Result<Value> {
    options.check()?;
    let mut args = vec![json!("apply")];
    args.extend(options.source_args());
    args.extend([
        json!("--shard"),
        // Kubernetes expands $(VAR) in args from the container's environment.
        json!(format!("$(JOB_COMPLETION_INDEX)/{}", options.shards)),
        json!("--parallel"),
        json!(options.parallel.to_string()),
    ]);
    let mut pod = json!({
        "restartPolicy": "Never",
        "containers": [options.container(args)],
    });
    if let Some(volumes) = options.volumes() {
        pod["volumes"] = volumes;
    }
    Ok(json!({
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": options.metadata(&options.name),
        "spec": {
            "completionMode": "Indexed",
            "completions": options.shards,
            "parallelism": options.shards,
            // A failed pod is its shard run again: each target's history makes that a
            // continuation, not a repeat.
            "backoffLimitPerIndex": 1,
            "template": { "metadata": { "labels": options.labels() }, "spec": pod },
        },
    }))
}

/// The Argo Workflows template: one step per stage, in order.
pub fn argo_workflow_template(options: &RenderOptions) -> Result<Value> {
    options.check()?;
    if options.stages.is_empty() {
        return Err(Error::Usage("the fleet has no stage to render".into()));
    }
    let mut steps = Vec::new();
    for (i, stage) in options.stages.iter().enumerate() {
        let step_name = format!("stage-{}", i + 1);
        let step = if i == 0 {
            json!([{
                "name": step_name,
                "template": "apply-stage",
                "arguments": { "parameters": [
                    { "name": "stage", "value": stage },
                    { "name": "shard", "value": "0/1" },
                ]},
            }])
        } else {
            json!([{
                "name": step_name,
                "template": "apply-stage",
                "arguments": { "parameters": [
                    { "name": "stage", "value": stage },
                    { "name": "shard", "value": format!("{{{{item}}}}/{}", options.shards) },
                ]},
                "withSequence": { "count": options.shards.to_string() },
            }])
        };
        steps.push(step);
    }
    let mut args = vec![json!("apply")];
    args.extend(options.source_args());
    args.extend([
        json!("--stage"),
        json!("{{inputs.parameters.stage}}"),
        json!("--shard"),
        json!("{{inputs.parameters.shard}}"),
        json!("--parallel"),
        json!(options.parallel.to_string()),
    ]);
    let apply_stage = json!({
        "name": "apply-stage",
        "inputs": { "parameters": [{ "name": "stage" }, { "name": "shard" }] },
        "retryStrategy": { "limit": "1", "retryPolicy": "OnFailure" },
        "container": options.container(args),
    });
    let mut template = json!({
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "WorkflowTemplate",
        "metadata": options.metadata(&format!("{}-rollout", options.name)),
        "spec": {
            "entrypoint": "rollout",
            "templates": [
                { "name": "rollout", "steps": steps },
                apply_stage,
            ],
        },
    });
    if let Some(volumes) = options.volumes() {
        template["spec"]["volumes"] = volumes;
    }
    Ok(template)
}

/// A manifest as YAML, with a first comment line saying what made it.
pub fn to_yaml(manifest: &Value, what: &str) -> Result<String> {
    let body = serde_saphyr::to_string(manifest).map_err(|e| Error::Render(format!("{what}: {e}")))?;
    Ok(format!("# {what}, written by `schemactl fleet render`\n{body}"))
}
