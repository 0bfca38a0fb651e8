//! Schedules and their firings in the database. A firing is claimed by one conditional
//! update — `SET next_run_at = <next>, revision = revision + 1 WHERE id = ? AND revision =
//! <seen> AND enabled` — so of any number of processes that saw a schedule due, exactly
//! one changes the row and fires it; the others affect no row and move on. A change made
//! through the API bumps the revision too, so a claim based on an older reading fails.
use chrono::{DateTime, Utc};
use sea_orm::{
    sea_query::Expr, ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseConnection, DbErr, EntityTrait,
    QueryFilter, QueryOrder, QuerySelect,
};

use super::{cron::CronPattern, types::FiringOutcome};
use crate::entities::{schedule, schedule_run};

/// A request that passed every check: its pattern parsed, its script exists.
pub struct ValidSchedule {
    pub cron: String,
    pub pattern: CronPattern,
    pub script_id: Option<i64>,
    pub test_data: Option<String>,
    pub enabled: bool,
}

impl ValidSchedule {
    fn next_run_at(&self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.enabled.then(|| self.pattern.next_after(now)).flatten()
    }
}

pub async fn create(
    db: &DatabaseConnection,
    valid: ValidSchedule,
    created_by: &str,
) -> Result<schedule::Model, DbErr> {
    let now = Utc::now();
    schedule::ActiveModel {
        next_run_at: Set(valid.next_run_at(now)),
        cron: Set(valid.cron),
        script_id: Set(valid.script_id),
        test_data: Set(valid.test_data),
        enabled: Set(valid.enabled),
        disabled_reason: Set(None),
        last_run_at: Set(None),
        revision: Set(0),
        created_by: Set(created_by.to_owned()),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await
}

/// Every field replaced; the next firing counted from now; the reason the server disabled
/// it is kept until it is enabled again.
pub async fn replace(
    db: &DatabaseConnection,
    existing: schedule::Model,
    valid: ValidSchedule,
) -> Result<schedule::Model, DbErr> {
    let now = Utc::now();
    let revision = existing.revision + 1;
    let disabled_reason = existing.disabled_reason.clone().filter(|_| !valid.enabled);
    let mut row: schedule::ActiveModel = existing.into();
    row.next_run_at = Set(valid.next_run_at(now));
    row.cron = Set(valid.cron);
    row.script_id = Set(valid.script_id);
    row.test_data = Set(valid.test_data);
    row.enabled = Set(valid.enabled);
    row.disabled_reason = Set(disabled_reason);
    row.revision = Set(revision);
    row.updated_at = Set(now);
    row.update(db).await
}

pub async fn find(db: &DatabaseConnection, id: i64) -> Result<Option<schedule::Model>, DbErr> {
    schedule::Entity::find_by_id(id).one(db).await
}

pub async fn list(db: &DatabaseConnection) -> Result<Vec<schedule::Model>, DbErr> {
    schedule::Entity::find().order_by_asc(schedule::Column::Id).all(db).await
}

/// Deletes the schedule and its history; `false` if there was none.
pub async fn delete(db: &DatabaseConnection, id: i64) -> Result<bool, DbErr> {
    schedule_run::Entity::delete_many().filter(schedule_run::Column::ScheduleId.eq(id)).exec(db).await?;
    Ok(schedule::Entity::delete_by_id(id).exec(db).await?.rows_affected == 1)
}

/// Enabled schedules whose next firing is at or before `now`.
pub async fn due(db: &DatabaseConnection, now: DateTime<Utc>) -> Result<Vec<schedule::Model>, DbErr> {
    schedule::Entity::find()
        .filter(schedule::Column::Enabled.eq(true))
        .filter(schedule::Column::NextRunAt.lte(now))
        .order_by_asc(schedule::Column::NextRunAt)
        .all(db)
        .await
}

/// Claims the firing `seen` was due for; `true` if this caller won it. The next firing is
/// the pattern's first time after `now`: a server that was down for an hour fires a
/// per-minute schedule once on its return, not sixty times.
pub async fn claim(
    db: &DatabaseConnection,
    seen: &schedule::Model,
    pattern: &CronPattern,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let claimed = schedule::Entity::update_many()
        .col_expr(schedule::Column::NextRunAt, Expr::value(pattern.next_after(now)))
        .col_expr(schedule::Column::LastRunAt, Expr::value(now))
        .col_expr(schedule::Column::Revision, Expr::col(schedule::Column::Revision).add(1))
        .filter(schedule::Column::Id.eq(seen.id))
        .filter(schedule::Column::Revision.eq(seen.revision))
        .filter(schedule::Column::Enabled.eq(true))
        .exec(db)
        .await?;
    Ok(claimed.rows_affected == 1)
}

/// The script is gone: its schedules stop, saying why.
pub async fn disable_for_deleted_script(db: &DatabaseConnection, script_id: i64) -> Result<u64, DbErr> {
    let disabled = schedule::Entity::update_many()
        .col_expr(schedule::Column::Enabled, Expr::value(false))
        .col_expr(schedule::Column::NextRunAt, Expr::value(Option::<DateTime<Utc>>::None))
        .col_expr(schedule::Column::DisabledReason, Expr::value(format!("script {script_id} was deleted")))
        .col_expr(schedule::Column::Revision, Expr::col(schedule::Column::Revision).add(1))
        .col_expr(schedule::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(schedule::Column::ScriptId.eq(script_id))
        .filter(schedule::Column::Enabled.eq(true))
        .exec(db)
        .await?;
    Ok(disabled.rows_affected)
}

/// What one firing did, for the history.
pub struct Firing {
    pub outcome: FiringOutcome,
    pub execution_id: Option<i64>,
    pub batch_id: Option<i64>,
    pub detail: Option<String>,
}

pub async fn record_firing(
    db: &DatabaseConnection,
    schedule_id: i64,
    due_at: DateTime<Utc>,
    firing: Firing,
) -> Result<schedule_run::Model, DbErr> {
    schedule_run::ActiveModel {
        schedule_id: Set(schedule_id),
        due_at: Set(due_at),
        fired_at: Set(Utc::now()),
        outcome: Set(firing.outcome),
        execution_id: Set(firing.execution_id),
        batch_id: Set(firing.batch_id),
        detail: Set(firing.detail),
        ..Default::default()
    }
    .insert(db)
    .await
}

/// The newest firings of a schedule, newest first.
pub async fn firings(
    db: &DatabaseConnection,
    schedule_id: i64,
    limit: u64,
) -> Result<Vec<schedule_run::Model>, DbErr> {
    schedule_run::Entity::find()
        .filter(schedule_run::Column::ScheduleId.eq(schedule_id))
        .order_by_desc(schedule_run::Column::Id)
        .limit(limit)
        .all(db)
        .await
}

/// The last firing that started something: whether it is still going decides a skip.
pub async fn last_started(
    db: &DatabaseConnection,
    schedule_id: i64,
) -> Result<Option<schedule_run::Model>, DbErr> {
    schedule_run::Entity::find()
        .filter(schedule_run::Column::ScheduleId.eq(schedule_id))
        .filter(schedule_run::Column::Outcome.eq(FiringOutcome::Started))
        .order_by_desc(schedule_run::Column::Id)
        .one(db)
        .await
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;
    use crate::schedules::cron;

    async fn database() -> (tempfile::TempDir, DatabaseConnection) {
        let dir = tempfile::tempdir().unwrap();
        let db = crate::db::connect(&format!("sqlite://{}/ved.db", dir.path().display())).await.unwrap();
        (dir, db)
    }

    fn every_minute(enabled: bool) -> ValidSchedule {
        ValidSchedule {
            cron: "* * * * *".into(),
            pattern: cron::parse("* * * * *").unwrap(),
            script_id: None,
            test_data: None,
            enabled,
        }
    }

    /// Makes the schedule due at `at`, as the clock reaching it would.
    async fn due_at(db: &DatabaseConnection, id: i64, at: DateTime<Utc>) -> schedule::Model {
        schedule::Entity::update_many()
            .col_expr(schedule::Column::NextRunAt, Expr::value(at))
            .filter(schedule::Column::Id.eq(id))
            .exec(db)
            .await
            .unwrap();
        find(db, id).await.unwrap().unwrap()
    }

    #[tokio::test]
    async fn of_many_claimants_of_one_due_time_exactly_one_wins() {
        let (_dir, db) = database().await;
        let created = create(&db, every_minute(true), "ed1").await.unwrap();
        let now = Utc::now();
        let seen = due_at(&db, created.id, now - chrono::Duration::seconds(5)).await;
        assert_eq!(due(&db, now).await.unwrap().len(), 1);

        let pattern = cron::parse("* * * * *").unwrap();
        let claims = (0..8).map(|_| {
            let (db, seen, pattern) = (db.clone(), seen.clone(), pattern.clone());
            tokio::spawn(async move { claim(&db, &seen, &pattern, now).await.unwrap() })
        });
        let won =
            futures::future::join_all(claims).await.into_iter().filter(|won| *won.as_ref().unwrap()).count();
        assert_eq!(won, 1);

        let after = find(&db, created.id).await.unwrap().unwrap();
        assert_eq!(after.revision, seen.revision + 1);
        assert_eq!(after.last_run_at, Some(now));
        assert!(after.next_run_at.unwrap() > now, "the next firing is ahead");
        assert!(due(&db, now).await.unwrap().is_empty(), "nothing is due until then");
    }

    #[tokio::test]
    async fn a_server_back_after_an_hour_fires_once_then_keeps_to_the_pattern() {
        let (_dir, db) = database().await;
        let created = create(&db, every_minute(true), "ed1").await.unwrap();
        let now = Utc.with_ymd_and_hms(2026, 12, 4, 15, 0, 20).unwrap();
        let seen = due_at(&db, created.id, now - chrono::Duration::hours(1)).await;
        assert!(claim(&db, &seen, &cron::parse("* * * * *").unwrap(), now).await.unwrap());
        let after = find(&db, created.id).await.unwrap().unwrap();
        assert_eq!(after.next_run_at, Some(Utc.with_ymd_and_hms(2026, 12, 4, 15, 1, 0).unwrap()));
        assert!(due(&db, now).await.unwrap().is_empty());
    }

    #[tokio::test]
    async fn a_disabled_or_changed_schedule_cannot_be_claimed_from_an_old_reading() {
        let (_dir, db) = database().await;
        let pattern = cron::parse("* * * * *").unwrap();
        let now = Utc::now();
        let created = create(&db, every_minute(true), "ed1").await.unwrap();
        let seen = due_at(&db, created.id, now - chrono::Duration::seconds(1)).await;
        let changed = replace(&db, seen.clone(), every_minute(true)).await.unwrap();
        assert!(!claim(&db, &seen, &pattern, now).await.unwrap(), "changed since it was read");
        assert!(changed.next_run_at.unwrap() > now, "counted from the change");

        let paused = create(&db, every_minute(false), "ed1").await.unwrap();
        assert_eq!(paused.next_run_at, None);
        let seen = due_at(&db, paused.id, now - chrono::Duration::seconds(1)).await;
        assert!(due(&db, now).await.unwrap().iter().all(|row| row.id != paused.id));
        assert!(!claim(&db, &seen, &pattern, now).await.unwrap());
    }

    #[tokio::test]
    async fn a_due_time_is_recorded_once_and_the_history_reads_newest_first() {
        let (_dir, db) = database().await;
        let created = create(&db, every_minute(true), "ed1").await.unwrap();
        let due_time = Utc.with_ymd_and_hms(2026, 12, 4, 15, 0, 0).unwrap();
        let skipped =
            || Firing { outcome: FiringOutcome::Skipped, execution_id: None, batch_id: None, detail: None };
        record_firing(&db, created.id, due_time, skipped()).await.unwrap();
        assert!(
            record_firing(&db, created.id, due_time, skipped()).await.is_err(),
            "the same due time twice"
        );
        let later = due_time + chrono::Duration::minutes(1);
        record_firing(&db, created.id, later, skipped()).await.unwrap();
        let history = firings(&db, created.id, 10).await.unwrap();
        assert_eq!(history.iter().map(|row| row.due_at).collect::<Vec<_>>(), [later, due_time]);
        assert!(last_started(&db, created.id).await.unwrap().is_none(), "nothing was started");
        assert!(delete(&db, created.id).await.unwrap());
        assert!(firings(&db, created.id, 10).await.unwrap().is_empty());
    }
}
