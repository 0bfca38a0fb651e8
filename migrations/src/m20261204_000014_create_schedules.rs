use sea_orm_migration::{prelude::*, schema::*};

use crate::id_column;

/// SPEC §17: schedules (a cron pattern and what it runs) and their history, one row per
/// firing — started, skipped or refused. A firing is claimed by a conditional update of
/// the schedule's `revision`; the unique (schedule, due time) index of the history is a
/// second guard that a due time is recorded once, whatever number of processes tick.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Schedules::Table)
                    .if_not_exists()
                    .col(id_column(Schedules::Id))
                    .col(string(Schedules::Cron))
                    // Null: every script on prod (run-all).
                    .col(big_integer_null(Schedules::ScriptId))
                    .col(text_null(Schedules::TestData))
                    .col(boolean(Schedules::Enabled))
                    .col(text_null(Schedules::DisabledReason))
                    .col(timestamp_with_time_zone_null(Schedules::NextRunAt))
                    .col(timestamp_with_time_zone_null(Schedules::LastRunAt))
                    .col(big_integer(Schedules::Revision))
                    .col(string(Schedules::CreatedBy))
                    .col(timestamp_with_time_zone(Schedules::CreatedAt))
                    .col(timestamp_with_time_zone(Schedules::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Schedules::Table, Schedules::ScriptId)
                            .to(Scripts::Table, Scripts::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_schedules_due")
                    .table(Schedules::Table)
                    .col(Schedules::Enabled)
                    .col(Schedules::NextRunAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ScheduleRuns::Table)
                    .if_not_exists()
                    .col(id_column(ScheduleRuns::Id))
                    .col(big_integer(ScheduleRuns::ScheduleId))
                    .col(timestamp_with_time_zone(ScheduleRuns::DueAt))
                    .col(timestamp_with_time_zone(ScheduleRuns::FiredAt))
                    .col(string(ScheduleRuns::Outcome))
                    .col(big_integer_null(ScheduleRuns::ExecutionId))
                    .col(big_integer_null(ScheduleRuns::BatchId))
                    .col(text_null(ScheduleRuns::Detail))
                    .foreign_key(
                        ForeignKey::create()
                            .from(ScheduleRuns::Table, ScheduleRuns::ScheduleId)
                            .to(Schedules::Table, Schedules::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_schedule_runs_due")
                    .table(ScheduleRuns::Table)
                    .col(ScheduleRuns::ScheduleId)
                    .col(ScheduleRuns::DueAt)
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(ScheduleRuns::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(Schedules::Table).to_owned()).await
    }
}

#[derive(DeriveIden)]
enum Schedules {
    Table,
    Id,
    Cron,
    ScriptId,
    TestData,
    Enabled,
    DisabledReason,
    NextRunAt,
    LastRunAt,
    Revision,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum ScheduleRuns {
    Table,
    Id,
    ScheduleId,
    DueAt,
    FiredAt,
    Outcome,
    ExecutionId,
    BatchId,
    Detail,
}

#[derive(DeriveIden)]
enum Scripts {
    Table,
    Id,
}
