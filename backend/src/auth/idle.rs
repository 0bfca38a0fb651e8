//! Idle expiry (`VED_SESSION_IDLE_S`): a session lives until it has gone unused that long.
//! Its row's expiry moves forward only once a tenth of the window has passed since it last
//! did, so that a busy client's requests do not each rewrite the session row; a session
//! thus ends between 0.9 and 1 idle windows after its last use.
use std::time::Duration;

use chrono::Utc;
use tower_sessions::Session;

/// When this session's expiry last moved, in Unix seconds.
const TOUCHED_KEY: &str = "touched_at";

/// Marks the session used now, when its expiry is due to move.
pub async fn keep_alive(session: &Session, idle: Duration) -> Result<(), tower_sessions::session::Error> {
    let now = Utc::now().timestamp();
    let touched: Option<i64> = session.get(TOUCHED_KEY).await?;
    if due(touched, now, idle) {
        // Modifying the session makes the session layer save it, with a new expiry.
        session.insert(TOUCHED_KEY, now).await?;
    }
    Ok(())
}

fn due(touched: Option<i64>, now: i64, idle: Duration) -> bool {
    let step = i64::try_from(idle.as_secs() / 10).unwrap_or(i64::MAX).max(1);
    touched.is_none_or(|touched| now - touched >= step)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_expiry_moves_once_a_tenth_of_the_window_has_passed() {
        let idle = Duration::from_secs(12 * 3600);
        assert!(due(None, 1_000, idle), "a session never touched is touched");
        assert!(!due(Some(1_000), 1_000 + 4_319, idle));
        assert!(due(Some(1_000), 1_000 + 4_320, idle));
        assert!(due(Some(1_000), 1_001, Duration::from_secs(5)), "at least every second");
    }
}
