//! `diff`: the plan between any two sources.

use crate::error::{Error, Result};
use crate::source::{server_major, Opened, Source};
use crate::Engine;
use schemactl_plan::Plan;
use schemactl_shadow::Shadow;

/// What to diff, as the user gave it.
#[derive(Clone, Debug, Default)]
pub struct DiffRequest<'a> {
    /// The current state: a database or schema files; `None` for an empty database.
    pub from: Option<&'a str>,
    /// The desired state: a database or schema files (whose rename annotations are honoured).
    pub to: &'a str,
    /// A server to create shadow databases on, instead of an embedded cluster.
    pub dev_url: Option<&'a str>,
    /// Plain DDL instead of online (CONCURRENTLY) steps.
    pub offline: bool,
}

impl Engine {
    /// The plan from `from` to `to`. Files are read through shadow databases of a cluster of
    /// the same major as the database side (when there is one); annotated renames run first,
    /// on a shadow copy when `from` is a live database, which is never changed.
    pub async fn diff(&self, request: &DiffRequest<'_>) -> Result<Plan> {
        let from = match request.from {
            Some(arg) => Source::resolve(arg)?,
            None => Source::Empty,
        };
        let (to, renames) = Source::desired(request.to)?;
        if let Source::Files { statements } = &to {
            self.advise(statements)?;
        }
        // Nothing can be renamed in an empty database: the annotations are not even looked at.
        let renames = if request.from.is_none() { Vec::new() } else { renames };
        let live_from = matches!(from, Source::Database(_));
        let shadow = if from.needs_shadow() || to.needs_shadow() {
            let target = [&from, &to].into_iter().find_map(|s| match s {
                Source::Database(url) => Some(url),
                Source::Files { .. } | Source::Script { .. } | Source::Empty => None,
            });
            let prefer = match target {
                Some(url) => Some(server_major(url).await?),
                None => None,
            };
            Some(self.start_shadow(request.dev_url, prefer).await?)
        } else {
            None
        };
        let (current, mut desired) =
            futures_util::join!(self.open(&from, shadow.as_ref()), self.open(&to, shadow.as_ref()));
        let planned = match (&current, &mut desired) {
            (Ok(current), Ok(desired)) => {
                self.plan_sides(live_from, current, desired, &renames, shadow.as_ref(), request.offline).await
            }
            (Err(_), _) | (_, Err(_)) => Ok(Plan::default()),
        };
        let mut first_error = None;
        for side in [current, desired] {
            match side {
                Ok(mut o) => {
                    crate::free_in_background(std::mem::take(&mut o.catalog));
                    if let (Some(db), Some(shadow)) = (o.shadow_db, shadow.as_ref()) {
                        drop(o.client);
                        if let Err(e) = shadow.drop_database(&db).await {
                            first_error = first_error.or(Some(e.into()));
                        }
                    }
                }
                Err(e) => first_error = first_error.or(Some(e)),
            }
        }
        match first_error {
            Some(e) => Err(e),
            None => planned,
        }
    }

    async fn plan_sides(
        &self,
        live_from: bool,
        current: &Opened,
        desired: &mut Opened,
        renames: &[schemactl_source::Rename],
        shadow: Option<&Shadow>,
        offline: bool,
    ) -> Result<Plan> {
        let renamed = self.rename_for_diff(live_from, current, desired, renames, shadow).await?;
        let current_catalog = renamed.catalog.as_ref().unwrap_or(&current.catalog);
        // Taken, not cloned: nothing reads the desired side's catalog after this, and a copy
        // of a large catalog is a third more memory at the peak.
        let mut wanted = std::mem::take(&mut desired.catalog);
        schemactl_introspect::reconcile_checks(current_catalog, &mut wanted, &desired.client).await;
        self.note_conversions(current_catalog, &wanted);
        self.note_rename_candidates(current_catalog, &wanted);
        // Online unless told otherwise: a script with CONCURRENTLY runs statement by statement
        // (psql without -1), as every psql-based runner does.
        let options = schemactl_plan::PlanOptions { online: !offline, timeouts: None };
        let mut plan = schemactl_plan::plan_with(current_catalog, &wanted, &options).map_err(Error::from)?;
        crate::free_in_background(wanted);
        renamed.wrap(&mut plan, None);
        // A live current state says how big what the plan touches is.
        if live_from {
            self.price_hazards(&current.client, &mut plan).await;
        }
        Ok(plan)
    }
}
