//! The fleet commands: `apply --targets ...`, `status --targets ...`, `fleet targets`,
//! `fleet render`. The fleet crate does the work; this wires flags and the project file to it
//! and prints. One line per target on stdout as each finishes (a log), notes and retries on
//! stderr, and on a terminal a live line (done, running, failed, pending, ETA) on stderr,
//! drawn by `progress.rs` like the other progress lines.

use std::path::Path;
use std::time::Duration;

use schemactl_apply::{Options, ScriptFrom, UpTarget};
use schemactl_config::{Fleet, OnError, Project};
use schemactl_fleet::{render, stages, survey, targets, FleetEvent, Outcome, RunOptions, Stage, TargetSource};

use crate::cli::{
    ApplyArgs, DbArgs, FleetRenderArgs, FleetTargetsArgs, OnErrorArg, ReportFormat, StatusArgs, TargetArgs,
};
use crate::error::{CliError, CliResult};
use crate::project;

/// `apply --targets`: some target did not reach the revision (failed, timed out, or skipped
/// after a halt). A rerun finishes what is left.
pub const INCOMPLETE: u8 = 10;

const DEFAULT_PARALLEL: usize = 8;
const DEFAULT_RETRIES: u32 = 2;

/// The project's `[fleets.NAME]`, when `--fleet` names one.
fn fleet_config<'p>(project: &'p Project, name: Option<&str>) -> CliResult<Option<&'p Fleet>> {
    let Some(name) = name else { return Ok(None) };
    match project.fleets.get(name) {
        Some(fleet) => Ok(Some(fleet)),
        None => Err(CliError::Usage(format!(
            "--fleet {name}: schemactl.toml defines {}",
            if project.fleets.is_empty() {
                "no fleet (add a [fleets.NAME] table)".to_string()
            } else {
                format!("the fleets {}", project.fleets.keys().cloned().collect::<Vec<_>>().join(", "))
            }
        ))),
    }
}

/// Where the targets come from: the flags, else the fleet's settings.
fn source(project: &Project, args: &TargetArgs, db: &DbArgs, fleet: Option<&Fleet>) -> CliResult<TargetSource> {
    let file = args.targets.clone().or_else(|| fleet.and_then(|f| f.targets.clone()));
    let query = args.targets_query.clone().or_else(|| fleet.and_then(|f| f.targets_query.clone()));
    let command = args.targets_cmd.clone().or_else(|| fleet.and_then(|f| f.targets_cmd.clone()));
    if let Some(file) = file {
        return Ok(TargetSource::File(file));
    }
    let mut hidden = schemactl_engine::hidden_variables(project);
    hidden.extend(project.fleets.values().filter_map(|f| f.control_url_env.clone()));
    if let Some(sql) = query {
        let control = match (&args.control_url, fleet.and_then(|f| f.control_url_env.as_deref())) {
            (Some(url), _) => schemactl_connect::DbUrl::parse(url)?,
            (None, Some(var)) => {
                let address = std::env::var(var).ok().filter(|v| !v.is_empty()).ok_or_else(|| {
                    CliError::Usage(format!("the fleet's control database is read from ${var}, which is not set"))
                })?;
                schemactl_connect::DbUrl::parse(&address)?
            }
            (None, None) => project::database(project, db)?,
        };
        return Ok(TargetSource::Query { control: Box::new(control), sql });
    }
    if let Some(command) = command {
        return Ok(TargetSource::Command { command, dir: project.root.clone(), hidden });
    }
    Err(CliError::Usage(
        "no targets: give --targets FILE, --targets-query SQL, --targets-cmd CMD or --fleet NAME".into(),
    ))
}

/// The fleet's stages with their targets, as every command on it sees them.
async fn load_stages(
    project: &Project,
    args: &TargetArgs,
    db: &DbArgs,
    stage: Option<&str>,
) -> CliResult<(Vec<Stage>, Option<Fleet>)> {
    if db.db.is_some() {
        return Err(CliError::Usage(
            "--db names one database; a fleet's come from --targets, --targets-query, --targets-cmd or --fleet".into(),
        ));
    }
    let fleet = fleet_config(project, args.fleet.as_deref())?.cloned();
    let source = source(project, args, db, fleet.as_ref())?;
    let list = targets::load(&source, &|v| std::env::var(v).ok()).await?;
    let configured = fleet.as_ref().map(|f| f.stages.clone()).unwrap_or_default();
    let stages = stages::select(stages::assign(list, &configured), stage, args.shard)?;
    Ok((stages, fleet))
}

fn parallel(args: &TargetArgs, fleet: Option<&Fleet>) -> usize {
    args.parallel.map(|p| p as usize).or_else(|| fleet.and_then(|f| f.parallel)).unwrap_or(DEFAULT_PARALLEL)
}

pub async fn apply(config: Option<&Path>, args: ApplyArgs) -> CliResult<u8> {
    let project = project::required(config)?;
    let revisions = schemactl_revision::load_dir(&project.revisions_dir)?;
    let target = UpTarget::parse(&args.to)?;
    if args.direct_url.is_some() {
        return Err(CliError::Usage(
            "--direct-url names one database; a fleet's targets give their own addresses".into(),
        ));
    }
    let (stages, fleet) = load_stages(&project, &args.targets, &args.db, args.fleet.stage.as_deref()).await?;
    let env = args.db.env.clone().or_else(|| fleet.as_ref().and_then(|f| f.env.clone()));
    let db = DbArgs { env, ..args.db.clone() };
    let allowed = crate::apply_cmd::allowed(&project, &db, &args.allow_hazards)?;
    if args.sql {
        return scripts(&stages, &revisions, &target, allowed, &args, fleet.as_ref()).await;
    }
    let settings = project.settings(db.env.as_deref());
    let apply_options = Options {
        wait: db.wait,
        lock_timeout: args.lock_timeout,
        force: args.force,
        allowed,
        lock_retries: settings.lock_retries,
        statement_lock_timeout: settings.timeouts.lock,
        limits: settings.limits,
    };
    let timeout = match (args.fleet.target_timeout, fleet.as_ref().and_then(|f| f.timeout.as_deref())) {
        (Some(t), _) => Some(t),
        (None, Some(text)) => Some(schemactl_config::parse_duration(text).map_err(CliError::Usage)?),
        (None, None) => None,
    };
    let options = RunOptions {
        parallel: parallel(&args.targets, fleet.as_ref()),
        timeout,
        retries: args.fleet.retries.or_else(|| fleet.as_ref().and_then(|f| f.retries)).unwrap_or(DEFAULT_RETRIES),
        retry_pause: Duration::from_secs(1),
        on_error: args.fleet.on_error.map(|o| match o {
            OnErrorArg::Halt => OnError::Halt,
            OnErrorArg::Continue => OnError::Continue,
        }),
    };
    let total: usize = stages.iter().map(|s| s.targets.len()).sum();
    let json = args.format == ReportFormat::Json;
    if !json {
        let shape: Vec<String> = stages.iter().map(|s| format!("{} {}", s.name, s.targets.len())).collect();
        errln!(
            "fleet: {total} target{} in {} stage{} ({}), {} at a time{}",
            plural(total),
            stages.len(),
            plural(stages.len()),
            shape.join(", "),
            options.parallel,
            args.targets.shard.map(|s| format!(", shard {s}")).unwrap_or_default()
        );
    }
    let mut live = Live::new(total);
    let report = schemactl_fleet::run::apply(&stages, &revisions, &target, apply_options, &options, &mut |event| {
        if !json {
            // The output layer takes the live line down around each line it writes.
            print_event(&event);
        }
        live.observe(&event);
        if !json {
            live.draw();
        }
    })
    .await;
    crate::progress::finish();
    if let Some(path) = &args.fleet.report {
        std::fs::write(path, report.to_json()).map_err(|source| CliError::Io { path: path.clone(), source })?;
    }
    let s = &report.summary;
    if json {
        out!("{}", report.to_json());
    } else {
        let halted = report
            .halted
            .as_ref()
            .map(|h| format!("; halted in stage {} when {} failed", h.stage, h.target))
            .unwrap_or_default();
        outln!(
            "fleet: {} target{}: {} applied, {} up to date, {} failed, {} timed out, {} skipped{halted} ({:.1}s)",
            s.targets,
            plural(s.targets),
            s.applied,
            s.up_to_date,
            s.failed,
            s.timed_out,
            s.skipped,
            report.duration_ms as f64 / 1000.0
        );
        if !s.complete() {
            errln!("some targets are not at the revision: fix what failed, then run the same command again (each database's history says what is left)");
        }
    }
    Ok(if s.complete() { 0 } else { INCOMPLETE })
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

fn print_event(event: &FleetEvent) {
    match event {
        FleetEvent::Stage { name, index, of, targets } => {
            outln!("stage {name} ({index} of {of}): {targets} target{}", plural(*targets))
        }
        FleetEvent::Started { .. } => {}
        FleetEvent::Retrying { name, attempt, of, pause, reason } => {
            errln!("{name}: {reason}; retrying in {:.0}s (attempt {attempt} of {of})", pause.as_secs_f64())
        }
        FleetEvent::Note { name, text } => errln!("{name}: {text}"),
        FleetEvent::Halted { stage, target } => errln!(
            "halting: {target} failed in stage {stage} (on_error = halt); running targets finish, nothing more starts"
        ),
        FleetEvent::Finished(t) => {
            let took = format!("{} ms", t.duration_ms);
            match t.outcome {
                // Successes are the log's bulk: `-q` keeps failures and the summary only.
                Outcome::Applied if !crate::output::quiet() => {
                    outln!("{}: applied {} ({took})", t.name, t.ran.join(", "))
                }
                Outcome::UpToDate if !crate::output::quiet() => {
                    outln!("{}: up to date at {} ({took})", t.name, t.after.as_deref().unwrap_or("base"))
                }
                Outcome::Applied | Outcome::UpToDate => {}
                Outcome::Skipped => {}
                Outcome::Failed | Outcome::TimedOut => {
                    let ran =
                        if t.ran.is_empty() { String::new() } else { format!(" after applying {}", t.ran.join(", ")) };
                    let error = t.error.as_deref().unwrap_or_default().replace('\n', "\n    ");
                    outln!(
                        "{}: {} ({}, attempt {}, {took}){ran}\n    {error}",
                        t.name,
                        t.outcome.as_str().to_uppercase(),
                        t.error_kind.as_deref().unwrap_or("error"),
                        t.attempts
                    );
                }
            }
        }
    }
}

/// What the live line counts (drawn by `progress::fleet`, on a terminal only).
struct Live {
    total: usize,
    done: usize,
    running: usize,
    failed: usize,
}

impl Live {
    fn new(total: usize) -> Live {
        Live { total, done: 0, running: 0, failed: 0 }
    }

    fn observe(&mut self, event: &FleetEvent) {
        match event {
            FleetEvent::Started { .. } => self.running += 1,
            FleetEvent::Finished(t) => {
                if t.outcome != Outcome::Skipped {
                    self.running = self.running.saturating_sub(1);
                }
                self.done += 1;
                if t.outcome.failed() {
                    self.failed += 1;
                }
            }
            _ => {}
        }
    }

    fn draw(&self) {
        crate::progress::fleet(self.done, self.total, self.running, self.failed);
    }
}

/// `apply --targets --sql`: one script per revision the targets start from, each headed by
/// the targets it is for.
async fn scripts(
    stages: &[Stage],
    revisions: &schemactl_revision::Revisions,
    target: &UpTarget,
    allowed: schemactl_lint::AllowedHazards,
    args: &ApplyArgs,
    fleet: Option<&Fleet>,
) -> CliResult<u8> {
    if args.from.is_some() {
        return Err(CliError::Usage(
            "--from gives one starting revision; with targets each database's own history says where it is".into(),
        ));
    }
    let all: Vec<schemactl_fleet::Target> = stages.iter().flat_map(|s| s.targets.iter().cloned()).collect();
    let positions = survey::positions(&all, revisions, None, parallel(&args.targets, fleet), args.db.wait).await;
    let survey::Starts { starts, errors } = survey::by_start(&positions);
    if !errors.is_empty() {
        let lines: Vec<String> = errors.iter().map(|(t, e)| format!("{}: {}", t.name, e.replace('\n', " "))).collect();
        return Err(CliError::Usage(format!(
            "cannot tell where {} stand{}, so no script is printed for the fleet:\n  {}",
            if lines.len() == 1 { "1 target".to_string() } else { format!("{} targets", lines.len()) },
            if lines.len() == 1 { "s" } else { "" },
            lines.join("\n  ")
        )));
    }
    let mut first = true;
    for (applied, targets) in &starts {
        let from = match applied.checked_sub(1) {
            Some(i) => revisions.list[i].id.clone(),
            None => "base".to_string(),
        };
        let script = schemactl_apply::apply_script(
            revisions,
            ScriptFrom::Given(&from),
            target,
            allowed,
            &mut crate::apply_cmd::report,
        )
        .await?;
        if !first {
            out!("\n");
        }
        first = false;
        outln!(
            "{}",
            schemactl_sqltext::comment(&format!(
                "schemactl: for the {} target{} at {from}",
                targets.len(),
                plural(targets.len())
            ))
        );
        for t in targets {
            outln!("{}", schemactl_sqltext::comment(&format!("  {}", t.name)));
        }
        out!("{script}");
    }
    Ok(0)
}

/// `status --targets`: targets grouped by revision and schema fingerprint, drift checked on
/// one target per group. Exit: 7 when a group drifted, 3 when a target could not be read, 8
/// when some are behind, else 0 (`--exit-zero`: always 0).
pub async fn status(config: Option<&Path>, args: StatusArgs) -> CliResult<u8> {
    let project = project::required(config)?;
    let engine = crate::scope_args::engine(config, args.db.env.as_deref(), &args.shadow.scope)?;
    let revisions = schemactl_revision::load_dir(&project.revisions_dir)?;
    let (stages, fleet) = load_stages(&project, &args.targets, &args.db, None).await?;
    let all: Vec<schemactl_fleet::Target> = stages.into_iter().flat_map(|s| s.targets).collect();
    let positions =
        survey::positions(&all, &revisions, Some(&engine), parallel(&args.targets, fleet.as_ref()), args.db.wait).await;
    let mut groups = survey::group(&positions, &revisions);
    if !args.no_drift {
        let prelude = engine.project_prelude(&project.schema_dir);
        for (group, sample) in groups.iter_mut() {
            let Some(applied) = group.applied else { continue };
            let drift =
                engine.drift(&revisions, applied, &prelude, &sample.url, args.shadow.dev_url.as_deref()).await?;
            group.drift_steps = Some(drift.steps.len());
        }
    }
    let drifted = groups.iter().any(|(g, _)| g.drift_steps.is_some_and(|n| n > 0));
    let unreadable = groups.iter().any(|(g, _)| g.error.is_some());
    let behind = groups.iter().any(|(g, _)| g.pending.is_some_and(|n| n > 0));
    let code = match (args.exit_zero, drifted, unreadable, behind) {
        (true, ..) => 0,
        (false, true, _, _) => crate::status::DRIFT,
        (false, false, true, _) => 3,
        (false, false, false, true) => crate::status::PENDING,
        _ => 0,
    };
    if args.format == ReportFormat::Json {
        let doc = serde_json::json!({
            "command": "status-fleet",
            "format_version": 1,
            "targets": all.len(),
            "head": revisions.list.last().map(|r| r.id.clone()),
            "groups": groups.iter().map(|(g, _)| g).collect::<Vec<_>>(),
            "exit_code": code,
        });
        out!("{}\n", serde_json::to_string_pretty(&doc).expect("plain data"));
        return Ok(code);
    }
    outln!(
        "fleet: {} target{} in {} group{} (head: {})",
        all.len(),
        plural(all.len()),
        groups.len(),
        plural(groups.len()),
        revisions.list.last().map(schemactl_apply::stem).unwrap_or_else(|| "base".into())
    );
    for (g, _) in &groups {
        let names = shown_names(&g.targets);
        let count = format!("{} target{}", g.targets.len(), plural(g.targets.len()));
        if let Some(error) = &g.error {
            outln!("  unreadable  {count}: {names}\n      {error}");
            continue;
        }
        let at = match g.applied.and_then(|n| n.checked_sub(1)) {
            Some(i) => schemactl_apply::stem(&revisions.list[i]),
            None => "base".into(),
        };
        let pending = match g.pending {
            Some(0) => "at head".to_string(),
            Some(n) => format!("{n} pending"),
            None => String::new(),
        };
        let fingerprint = g.fingerprint.as_deref().map(|f| &f[..f.len().min(12)]).unwrap_or("?");
        let drift = match g.drift_steps {
            None => "drift not checked".to_string(),
            Some(0) => "no drift".to_string(),
            Some(n) => format!("DRIFT ({n} step{})", plural(n)),
        };
        outln!("  {at} ({pending})  schema {fingerprint}  {drift}  {count}: {names}");
    }
    if drifted {
        outln!("(`schemactl status --db URL` on one target of a drifted group shows the statements)");
    }
    Ok(code)
}

/// A few names of a group, and how many more.
fn shown_names(names: &[String]) -> String {
    const SHOWN: usize = 5;
    let mut text = names.iter().take(SHOWN).cloned().collect::<Vec<_>>().join(", ");
    if names.len() > SHOWN {
        text.push_str(&format!(", ... ({} more)", names.len() - SHOWN));
    }
    text
}

/// `fleet targets`.
pub async fn list(config: Option<&Path>, args: FleetTargetsArgs) -> CliResult<()> {
    let project = project::required(config)?;
    let (stages, _) = load_stages(&project, &args.targets, &args.db, args.stage.as_deref()).await?;
    for stage in &stages {
        outln!(
            "stage {} (on_error = {}): {} target{}",
            stage.name,
            stage.on_error.as_str(),
            stage.targets.len(),
            plural(stage.targets.len())
        );
        for t in &stage.targets {
            let labels: Vec<String> =
                t.labels.iter().filter(|(k, _)| *k != "name").map(|(k, v)| format!("{k}={v}")).collect();
            outln!("  {}  {}  {}", t.name, t.address(), labels.join(" "));
        }
    }
    Ok(())
}

/// `fleet render`.
pub fn render(config: Option<&Path>, args: FleetRenderArgs) -> CliResult<()> {
    if !args.k8s && !args.argo {
        return Err(CliError::Usage("fleet render: say what to write: --k8s, --argo, or both".into()));
    }
    let project = project::load(config)?;
    let fleet = fleet_config(&project, args.fleet.as_deref())?;
    let stages: Vec<String> = {
        let configured =
            fleet.map(|f| f.stages.clone()).filter(|s| !s.is_empty()).unwrap_or_else(stages::default_stages);
        let mut names: Vec<String> = configured.into_iter().map(|s| s.name).collect();
        if !names.iter().any(|n| n == "rest") {
            names.push("rest".into());
        }
        names
    };
    let options = render::RenderOptions {
        name: args.name.clone(),
        namespace: args.namespace.clone(),
        image: args.image.clone(),
        shards: args.shards,
        parallel: args.parallel.or_else(|| fleet.and_then(|f| f.parallel)).unwrap_or(DEFAULT_PARALLEL),
        source: match &args.fleet {
            Some(name) => render::Source::Fleet(name.clone()),
            None => render::Source::TargetsFile,
        },
        stages,
    };
    let mut documents = Vec::new();
    if args.k8s {
        let yaml = render::to_yaml(&render::kubernetes_job(&options)?, "Kubernetes Indexed Job")?;
        documents.push(("job.yaml", yaml));
    }
    if args.argo {
        let yaml = render::to_yaml(&render::argo_workflow_template(&options)?, "Argo WorkflowTemplate")?;
        documents.push(("argo-workflow-template.yaml", yaml));
    }
    match &args.out {
        Some(dir) => {
            std::fs::create_dir_all(dir).map_err(|source| CliError::Io { path: dir.clone(), source })?;
            for (file, yaml) in &documents {
                let path = dir.join(file);
                std::fs::write(&path, yaml).map_err(|source| CliError::Io { path: path.clone(), source })?;
                outln!("wrote {}", project::shown(&path));
            }
        }
        None => {
            for (i, (_, yaml)) in documents.iter().enumerate() {
                if i > 0 {
                    outln!("---");
                }
                out!("{yaml}");
            }
        }
    }
    if args.fleet.is_none() {
        errln!(
            "the pods read the targets file from the Secret {name}-targets: `kubectl create secret generic {name}-targets --from-file=targets=FILE`; env:NAME targets read their addresses from the Secret {name}-env",
            name = args.name
        );
    }
    Ok(())
}
