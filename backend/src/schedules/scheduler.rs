//! The scheduler inside `ved serve`: every tick it reads the schedules that are due,
//! claims each firing in the database (`store::claim`: one process wins it, however many
//! tick), and fires it through the executions' job path with `triggered_by:
//! schedule:{id}` — unless the schedule's previous run is still going, which is skipped
//! and recorded. Every firing is a row of the schedule's history and an audit row.
use std::time::Duration;

use chrono::{DateTime, Utc};
use sea_orm::DbErr;

use super::{
    cron,
    store::{self, Firing},
    types::FiringOutcome,
    views,
};
use crate::{
    audit::{self, AuditEvent},
    entities::{schedule, schedule_run},
    error::ApiError,
    executions::{
        records,
        runs::{self, BatchRequest, Source},
    },
    scripts::catalog::{self, CatalogError},
    AppState,
};

pub fn start(state: AppState, every: Duration) {
    tracing::info!(
        tick_ms = every.as_millis() as u64,
        "scheduler running: due schedules fire from this process"
    );
    tokio::spawn(async move {
        loop {
            if let Err(err) = tick(&state, Utc::now()).await {
                tracing::warn!(error = %err, "the scheduler could not read or claim schedules; retrying");
            }
            tokio::time::sleep(every).await;
        }
    });
}

/// Fires every schedule due at `now` that this process wins the claim of.
pub async fn tick(state: &AppState, now: DateTime<Utc>) -> Result<(), DbErr> {
    for seen in store::due(&state.db, now).await? {
        // Stored patterns were checked when they were saved.
        let pattern = match cron::parse(&seen.cron) {
            Ok(pattern) => pattern,
            Err(err) => {
                tracing::error!(schedule = seen.id, error = %err, "a stored schedule no longer parses");
                continue;
            }
        };
        if !store::claim(&state.db, &seen, &pattern, now).await? {
            continue;
        }
        let due_at = seen.next_run_at.unwrap_or(now);
        let firing = fire(state, &seen).await;
        tracing::info!(schedule = seen.id, outcome = ?firing.outcome, detail = ?firing.detail, "schedule fired");
        if let Err(err) = store::record_firing(&state.db, seen.id, due_at, firing).await {
            tracing::error!(schedule = seen.id, %due_at, error = %err, "a firing could not be put on record");
        }
    }
    Ok(())
}

async fn fire(state: &AppState, schedule: &schedule::Model) -> Firing {
    let actor = format!("schedule:{}", schedule.id);
    let previous = match still_going(state, schedule.id).await {
        Ok(previous) => previous,
        Err(err) => return refused(state, &actor, err.into()).await,
    };
    if let Some(previous) = previous {
        let detail = format!("skipped: the previous run ({previous}) is still going");
        audit::record(&state.db, AuditEvent::new("run", &actor).outcome("skipped").detail(detail.clone()))
            .await;
        return Firing {
            outcome: FiringOutcome::Skipped,
            execution_id: None,
            batch_id: None,
            detail: Some(detail),
        };
    }
    let started = match schedule.script_id {
        Some(script_id) => run_script(state, schedule, script_id, &actor).await,
        None => run_all(state, schedule, &actor).await,
    };
    match started {
        Ok(firing) => firing,
        Err(err) => refused(state, &actor, err).await,
    }
}

/// The previous run this schedule started, if it has not ended: "execution 5".
async fn still_going(state: &AppState, schedule_id: i64) -> Result<Option<String>, DbErr> {
    let Some(last) = store::last_started(&state.db, schedule_id).await? else {
        return Ok(None);
    };
    let name = describe(&last);
    let firing = views::firings(&state.db, vec![last]).await?.pop();
    Ok(firing.filter(|firing| firing.status.is_going()).map(|_| name))
}

fn describe(firing: &schedule_run::Model) -> String {
    match (firing.execution_id, firing.batch_id) {
        (Some(id), _) => format!("execution {id}"),
        (None, Some(id)) => format!("run-all {id}"),
        (None, None) => format!("firing {}", firing.id),
    }
}

async fn run_script(
    state: &AppState,
    schedule: &schedule::Model,
    script_id: i64,
    actor: &str,
) -> Result<Firing, ApiError> {
    let script = match catalog::live_script(&state.db, script_id).await {
        Ok(script) => script,
        Err(CatalogError::ScriptNotFound(_)) => {
            store::disable_for_deleted_script(&state.db, script_id).await?;
            return Err(ApiError::NotFound(format!(
                "script {script_id} was deleted; the schedule is disabled"
            )));
        }
        Err(err) => return Err(err.into()),
    };
    let version = runs::version_to_run(&state.db, &script, Source::Prod).await?;
    let event = AuditEvent::new("run", actor).script(script_id, Some(version.id));
    let queued =
        runs::queue_run(state, &version, schedule.test_data.as_deref(), actor, None, Source::Prod).await?;
    audit::record(&state.db, event.detail(format!("execution {}", queued.id))).await;
    Ok(Firing {
        outcome: FiringOutcome::Started,
        execution_id: Some(queued.id),
        batch_id: None,
        detail: None,
    })
}

async fn run_all(state: &AppState, schedule: &schedule::Model, actor: &str) -> Result<Firing, ApiError> {
    let groups = runs::plan_batch(&state.db).await?;
    let batch = records::start_batch(&state.db, actor, false).await?;
    audit::record(&state.db, AuditEvent::new("run_all", actor).detail(format!("batch {}", batch.id))).await;
    let batch_id = batch.id;
    let request = BatchRequest {
        test_data: schedule.test_data.clone(),
        stop_on_failure: false,
        triggered_by: actor.to_owned(),
    };
    runs::run_batch_in_background(state.clone(), batch, groups, request);
    Ok(Firing { outcome: FiringOutcome::Started, execution_id: None, batch_id: Some(batch_id), detail: None })
}

/// Nothing could be started: on record, with a reason a user can act on (an internal
/// cause stays in the log).
async fn refused(state: &AppState, actor: &str, err: ApiError) -> Firing {
    let detail = match &err {
        ApiError::Internal(cause) => {
            tracing::error!(error = ?cause, %actor, "a schedule could not fire");
            "internal error; the cause has been logged".to_owned()
        }
        other => other.to_string(),
    };
    audit::record(&state.db, AuditEvent::new("run", actor).outcome("error").detail(detail.clone())).await;
    Firing { outcome: FiringOutcome::Error, execution_id: None, batch_id: None, detail: Some(detail) }
}
