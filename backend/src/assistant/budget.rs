//! The daily LLM budget of SPEC §13 (`VED_LLM_DAILY_BUDGET_USD`): what one user has spent
//! since UTC midnight, counted from the interaction rows. A row's cost is the upstream's or
//! the price table's (set when it was written); an answered call whose cost is unknown
//! cannot be counted, so it blocks further calls that day rather than letting spending run
//! unchecked. Failed and cancelled calls count at what is known of them (nothing when no
//! cost came back).

use chrono::{DateTime, Days, NaiveTime, Utc};
use sea_orm::{sea_query::Expr, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QuerySelect};

use crate::{
    entities::llm_interaction,
    error::{ApiError, ApiResult},
};

/// A user's spending today, as far as it is known.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Spent {
    micros: i64,
    /// Answered calls of unknown cost.
    unpriced_answers: i64,
}

/// Ok while `user` may start another LLM call; 429 naming the budget and its reset when not.
pub async fn check(db: &DatabaseConnection, daily_micros: Option<i64>, user: &str) -> ApiResult<()> {
    let Some(limit) = daily_micros else { return Ok(()) };
    let now = Utc::now();
    let spent = spent_since(db, user, day_start(now)).await?;
    match verdict(limit, spent) {
        None => Ok(()),
        Some(reason) => {
            let reset = day_start(now) + Days::new(1);
            let retry_after_s = u64::try_from((reset - now).num_seconds()).unwrap_or(0).max(1);
            let detail = format!(
                "{reason} The daily LLM budget (VED_LLM_DAILY_BUDGET_USD) is ${} per user; it \
                 resets at {} (midnight UTC).",
                dollars(limit),
                reset.format("%Y-%m-%d %H:%M UTC"),
            );
            Err(ApiError::TooManyRequests { detail, retry_after_s })
        }
    }
}

/// Why no further call may start, or `None` when one may.
fn verdict(limit: i64, spent: Spent) -> Option<String> {
    if spent.unpriced_answers > 0 {
        return Some(format!(
            "{} of today's answers had no known cost, so spending cannot be checked against the \
             budget (give their model a price in VED_LLM_PRICES).",
            spent.unpriced_answers
        ));
    }
    (spent.micros >= limit)
        .then(|| format!("Today's LLM spending of ${} has reached the budget.", dollars(spent.micros)))
}

/// Whole micro-dollars as the shortest exact decimal: 200 → `0.0002`, 2 500 000 → `2.5`.
fn dollars(micros: i64) -> String {
    rust_decimal::Decimal::new(micros, 6).normalize().to_string()
}

fn day_start(now: DateTime<Utc>) -> DateTime<Utc> {
    now.date_naive().and_time(NaiveTime::MIN).and_utc()
}

async fn spent_since(db: &DatabaseConnection, user: &str, since: DateTime<Utc>) -> ApiResult<Spent> {
    let today = || {
        llm_interaction::Entity::find()
            .filter(llm_interaction::Column::User.eq(user))
            .filter(llm_interaction::Column::CreatedAt.gte(since))
    };
    let micros = today()
        .select_only()
        .column_as(crate::db::sum_as_bigint(llm_interaction::Column::CostMicros), "micros")
        .into_tuple::<Option<i64>>()
        .one(db)
        .await?
        .flatten()
        .unwrap_or(0);
    let unpriced_answers = today()
        .filter(llm_interaction::Column::Status.eq("ok"))
        .filter(llm_interaction::Column::CostMicros.is_null())
        .select_only()
        .column_as(Expr::col(llm_interaction::Column::Id).count(), "unpriced")
        .into_tuple::<i64>()
        .one(db)
        .await?
        .unwrap_or(0);
    Ok(Spent { micros, unpriced_answers })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spending_below_the_limit_may_go_on_and_reaching_it_stops() {
        assert_eq!(verdict(1_000, Spent { micros: 999, unpriced_answers: 0 }), None);
        let reached = verdict(1_000, Spent { micros: 1_000, unpriced_answers: 0 }).unwrap();
        assert!(reached.contains("$0.001 "), "{reached}");
    }

    #[test]
    fn an_answer_of_unknown_cost_blocks_because_it_cannot_be_counted() {
        let blocked = verdict(1_000_000, Spent { micros: 0, unpriced_answers: 2 }).unwrap();
        assert!(blocked.contains("2 of today's answers"), "{blocked}");
        assert!(blocked.contains("VED_LLM_PRICES"), "{blocked}");
    }

    #[test]
    fn the_day_starts_at_utc_midnight() {
        let now: DateTime<Utc> = "2026-12-04T23:59:59Z".parse().unwrap();
        assert_eq!(day_start(now), "2026-12-04T00:00:00Z".parse::<DateTime<Utc>>().unwrap());
    }
}
