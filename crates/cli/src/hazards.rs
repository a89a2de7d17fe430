//! Which hazard kinds a command may go ahead with: the project's (or environment's)
//! `allow_hazards` plus `--allow-hazard KIND` flags (`all` allows every kind).

use crate::error::{CliError, CliResult};
use schemactl_model::HazardKind;
use std::collections::BTreeSet;

/// The allowed set from settings and flags.
pub fn allowed(settings: &schemactl_config::Settings, flags: &[String]) -> CliResult<BTreeSet<HazardKind>> {
    let mut allowed = settings.allow_hazards.clone();
    for flag in flags {
        if flag.trim().eq_ignore_ascii_case("all") {
            allowed.extend(HazardKind::ALL);
        } else {
            allowed.insert(flag.parse::<HazardKind>().map_err(|e| CliError::Usage(format!("--allow-hazard: {e}")))?);
        }
    }
    Ok(allowed)
}

/// The refusal for hazards that are not allowed: each kind, why it matters, where it occurs.
pub fn refusal(what: &str, found: &[(HazardKind, String)], allowed: &BTreeSet<HazardKind>) -> Option<CliError> {
    let refused: BTreeSet<HazardKind> = found.iter().map(|(k, _)| *k).filter(|k| !allowed.contains(k)).collect();
    if refused.is_empty() {
        return None;
    }
    let mut text = format!("{what} has hazards that are not allowed:");
    for kind in &refused {
        text.push_str(&format!("\n  {kind}: {}", kind.explanation()));
        for (_, place) in found.iter().filter(|(k, _)| k == kind) {
            text.push_str(&format!("\n    - {place}"));
        }
    }
    let flags: Vec<String> = refused.iter().map(|k| format!("--allow-hazard {k}")).collect();
    text.push_str(&format!(
        "\nreview them, then allow them with {} (or `allow_hazards` in schemactl.toml)",
        flags.join(" ")
    ));
    Some(CliError::HazardsNotAllowed(text))
}
