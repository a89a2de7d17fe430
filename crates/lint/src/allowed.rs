//! Which hazard kinds may run: the project's or environment's `allow_hazards` plus
//! `--allow-hazard KIND` (`all` for every kind), as the CLI works them out.

use std::collections::BTreeSet;
use std::fmt;

use schemactl_model::HazardKind;

/// How to allow a hazard, for the messages of every command that refuses one.
pub const ALLOW_HINT: &str = "allow with `--allow-hazard KIND` (repeatable; `all` allows every kind) or \
                              `allow_hazards = [\"KIND\", ...]` in schemactl.toml (per environment under \
                              [environments.NAME])";

/// A set of allowed hazard kinds. `Copy`, so that option structs holding it stay `Copy`.
#[derive(Clone, Copy, Default, PartialEq, Eq)]
pub struct AllowedHazards {
    /// Bit `i` set: `HazardKind::ALL[i]` is allowed.
    bits: u16,
}

fn bit(kind: HazardKind) -> u16 {
    let index = HazardKind::ALL.iter().position(|k| *k == kind).unwrap_or(0);
    1 << index
}

impl AllowedHazards {
    /// Nothing allowed.
    pub fn none() -> AllowedHazards {
        AllowedHazards::default()
    }

    /// Every kind allowed.
    pub fn all() -> AllowedHazards {
        AllowedHazards::from_kinds(HazardKind::ALL)
    }

    pub fn from_kinds(kinds: impl IntoIterator<Item = HazardKind>) -> AllowedHazards {
        AllowedHazards { bits: kinds.into_iter().fold(0, |bits, k| bits | bit(k)) }
    }

    pub fn allows(self, kind: HazardKind) -> bool {
        self.bits & bit(kind) != 0
    }

    pub fn is_all(self) -> bool {
        self == AllowedHazards::all()
    }

    pub fn kinds(self) -> BTreeSet<HazardKind> {
        HazardKind::ALL.into_iter().filter(|k| self.allows(*k)).collect()
    }

    /// The kinds among `found` that are not allowed, in order.
    pub fn refused(self, found: impl IntoIterator<Item = HazardKind>) -> BTreeSet<HazardKind> {
        found.into_iter().filter(|k| !self.allows(*k)).collect()
    }
}

impl fmt::Debug for AllowedHazards {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.kinds().iter().map(|k| k.as_str())).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_set_of_kinds() {
        let allowed = AllowedHazards::from_kinds([HazardKind::DataLoss, HazardKind::IndexBuild]);
        assert_eq!(allowed.kinds(), [HazardKind::DataLoss, HazardKind::IndexBuild].into());
        assert_eq!(
            allowed.refused([HazardKind::IndexBuild, HazardKind::TableRewrite, HazardKind::DataLoss]),
            [HazardKind::TableRewrite].into()
        );
        assert!(!allowed.is_all() && AllowedHazards::all().is_all());
        assert_eq!(AllowedHazards::none().refused(HazardKind::ALL).len(), HazardKind::ALL.len());
        assert_eq!(format!("{allowed:?}"), "{\"data-loss\", \"index-build\"}");
    }
}
