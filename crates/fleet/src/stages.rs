//! Stages: the order a fleet is changed in. Each stage takes, from the targets earlier stages
//! left, those with its labels, up to its count or percentage of the whole fleet, in list
//! order; what no stage took runs last, as `rest`. Without stages a fleet runs a canary of one
//! target, then the rest. The assignment depends only on the list, so every process that reads
//! the same list (the pods of a Kubernetes Job, the steps of an Argo workflow) agrees on it.

use schemactl_config::{OnError, Stage as StageConfig};

use crate::error::{Error, Result};
use crate::targets::{Shard, Target};

/// A stage with its targets.
#[derive(Clone, Debug)]
pub struct Stage {
    pub name: String,
    pub on_error: OnError,
    pub targets: Vec<Target>,
}

/// The stages of a fleet without any configured: one canary, then the rest.
pub fn default_stages() -> Vec<StageConfig> {
    vec![StageConfig { name: "canary".into(), count: Some(1), ..Default::default() }]
}

/// Assigns `targets` (in list order) to `configured` stages (defaults when empty), then the
/// rest to a last stage `rest`.
pub fn assign(targets: Vec<Target>, configured: &[StageConfig]) -> Vec<Stage> {
    let defaults;
    let configured = if configured.is_empty() {
        defaults = default_stages();
        &defaults
    } else {
        configured
    };
    let total = targets.len();
    let mut left: Vec<Option<Target>> = targets.into_iter().map(Some).collect();
    let mut stages = Vec::new();
    for config in configured {
        let limit = match (config.count, config.percent) {
            (Some(count), _) => count,
            (None, Some(percent)) => (total * percent as usize).div_ceil(100),
            (None, None) => usize::MAX,
        };
        let mut taken = Vec::new();
        for slot in left.iter_mut() {
            if taken.len() >= limit {
                break;
            }
            let matches = slot
                .as_ref()
                .is_some_and(|t| config.labels.iter().all(|(k, v)| t.labels.get(k).is_some_and(|have| have == v)));
            if matches {
                taken.extend(slot.take());
            }
        }
        stages.push(Stage { name: config.name.clone(), on_error: config.on_error.unwrap_or_default(), targets: taken });
    }
    let rest: Vec<Target> = left.into_iter().flatten().collect();
    if !rest.is_empty() || !configured.iter().any(|c| c.name == "rest") {
        let on_error = configured.iter().find(|c| c.name == "rest").and_then(|c| c.on_error).unwrap_or_default();
        match stages.iter_mut().find(|s| s.name == "rest") {
            Some(stage) => stage.targets.extend(rest),
            None => stages.push(Stage { name: "rest".into(), on_error, targets: rest }),
        }
    }
    stages
}

/// Keeps the stage `only` (when given) and, of each stage, the targets of `shard`.
pub fn select(stages: Vec<Stage>, only: Option<&str>, shard: Option<Shard>) -> Result<Vec<Stage>> {
    let stages = match only {
        None => stages,
        Some(name) => {
            let known: Vec<String> = stages.iter().map(|s| s.name.clone()).collect();
            let kept: Vec<Stage> = stages.into_iter().filter(|s| s.name == name).collect();
            if kept.is_empty() {
                return Err(Error::Usage(format!("--stage {name}: the fleet's stages are {}", known.join(", "))));
            }
            kept
        }
    };
    Ok(match shard {
        None => stages,
        Some(shard) => stages.into_iter().map(|s| Stage { targets: shard.select(s.targets), ..s }).collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn fleet(n: usize) -> Vec<Target> {
        let text: String = (0..n)
            .map(|i| format!("postgresql://db/t{i:02} region={} tier={}\n", ["eu", "us"][i % 2], i % 3))
            .collect();
        crate::targets::parse(&text, "f", &|_| None).unwrap()
    }

    fn names(stage: &Stage) -> Vec<&str> {
        stage.targets.iter().map(|t| t.name.trim_start_matches("db/")).collect()
    }

    #[test]
    fn without_stages_a_canary_then_the_rest() {
        let stages = assign(fleet(5), &[]);
        assert_eq!(stages.len(), 2);
        assert_eq!((stages[0].name.as_str(), names(&stages[0])), ("canary", vec!["t00"]));
        assert_eq!(names(&stages[1]), ["t01", "t02", "t03", "t04"]);
        assert_eq!(stages[1].on_error, OnError::Halt);
    }

    #[test]
    fn labels_percentages_and_the_rest() {
        let config = [
            StageConfig { name: "canary".into(), count: Some(1), ..Default::default() },
            StageConfig {
                name: "eu".into(),
                labels: BTreeMap::from([("region".into(), "eu".into())]),
                percent: Some(20),
                on_error: Some(OnError::Continue),
                ..Default::default()
            },
            StageConfig {
                name: "tier0".into(),
                labels: BTreeMap::from([("tier".into(), "0".into())]),
                ..Default::default()
            },
        ];
        let stages = assign(fleet(10), &config);
        let got: Vec<(&str, Vec<&str>)> = stages.iter().map(|s| (s.name.as_str(), names(s))).collect();
        assert_eq!(
            got,
            [
                ("canary", vec!["t00"]),
                ("eu", vec!["t02", "t04"]),
                ("tier0", vec!["t03", "t06", "t09"]),
                ("rest", vec!["t01", "t05", "t07", "t08"]),
            ]
        );
        assert_eq!(stages[1].on_error, OnError::Continue);
    }

    #[test]
    fn a_stage_and_a_shard_are_selected() {
        let stages = assign(fleet(9), &[]);
        let err = select(stages.clone(), Some("eu"), None).unwrap_err();
        assert_eq!(err.to_string(), "--stage eu: the fleet's stages are canary, rest");
        let rest = select(stages, Some("rest"), Some(Shard { index: 1, of: 3 })).unwrap();
        assert_eq!(names(&rest[0]), ["t02", "t05", "t08"]);
    }
}
