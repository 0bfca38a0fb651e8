//! Slows down and then refuses repeated failed logins, per username and per client address.
use std::{
    collections::{HashMap, VecDeque},
    net::IpAddr,
    sync::Mutex,
    time::{Duration, Instant},
};

use crate::config::LoginLimits;

#[derive(Debug)]
pub struct LoginThrottle {
    limits: LoginLimits,
    failures: Mutex<HashMap<String, VecDeque<Instant>>>,
}

fn keys(username: &str, addr: IpAddr) -> [String; 2] {
    [format!("user:{}", username.to_lowercase()), format!("addr:{addr}")]
}

impl LoginThrottle {
    pub fn new(limits: LoginLimits) -> Self {
        Self { limits, failures: Mutex::default() }
    }

    /// Counts an attempt before its password is checked, in the same step as the check of
    /// the limit, so that parallel guesses cannot all pass the check before any of them is
    /// counted: `Err(retry_after)` when the username or the address has used up its
    /// attempts in the window. The attempt counts as a failure until it is
    /// [`Attempt::succeeded`].
    pub fn begin(&self, username: &str, addr: IpAddr) -> Result<Attempt<'_>, Duration> {
        let now = Instant::now();
        let keys = keys(username, addr);
        let mut failures = self.failures.lock().expect("throttle lock poisoned");
        let mut wait = Duration::ZERO;
        for key in &keys {
            if let Some(times) = failures.get_mut(key) {
                while times.front().is_some_and(|t| now.duration_since(*t) >= self.limits.window) {
                    times.pop_front();
                }
                if times.len() >= self.limits.max_failures as usize {
                    let oldest = *times.front().expect("non-empty");
                    wait = wait.max(self.limits.window - now.duration_since(oldest));
                }
            }
        }
        if !wait.is_zero() {
            return Err(wait);
        }
        let mut most = 0;
        for key in &keys {
            let times = failures.entry(key.clone()).or_default();
            times.push_back(now);
            most = most.max(times.len());
        }
        // Keep memory bounded under a spray of distinct usernames.
        if failures.len() > 10_000 {
            let window = self.limits.window;
            failures.retain(|_, times| times.back().is_some_and(|t| now.duration_since(*t) < window));
        }
        Ok(Attempt { throttle: self, keys, at: now, count: most })
    }
}

/// A login attempt already counted against its username and address.
#[must_use = "an attempt is a failure unless it is marked as succeeded"]
pub struct Attempt<'a> {
    throttle: &'a LoginThrottle,
    keys: [String; 2],
    at: Instant,
    count: usize,
}

impl Attempt<'_> {
    /// The password was wrong: how long to delay the answer, growing with each failure so
    /// that guessing gets slower before it is refused.
    pub fn failed(self) -> Duration {
        Duration::from_millis(100 * self.count.min(5) as u64)
    }

    /// The password was right: the username's failures are forgotten, and this attempt no
    /// longer counts against the address (a shared address is not blocked by its logins).
    pub fn succeeded(self) {
        let [user_key, addr_key] = &self.keys;
        let mut failures = self.throttle.failures.lock().expect("throttle lock poisoned");
        failures.remove(user_key);
        if let Some(times) = failures.get_mut(addr_key) {
            if let Some(at) = times.iter().rposition(|t| *t == self.at) {
                times.remove(at);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn throttle() -> LoginThrottle {
        LoginThrottle::new(LoginLimits { max_failures: 5, window: Duration::from_secs(60) })
    }

    fn fail(throttle: &LoginThrottle, username: &str, addr: IpAddr) {
        throttle.begin(username, addr).expect("not throttled yet").failed();
    }

    #[test]
    fn five_failures_for_a_username_block_the_sixth_attempt_from_anywhere() {
        let throttle = throttle();
        for i in 0..5u8 {
            fail(&throttle, "ed1", [10, 0, 0, i].into());
        }
        let wait = throttle.begin("ED1", [10, 0, 0, 99].into()).err().expect("throttled");
        assert!(wait > Duration::from_secs(55) && wait <= Duration::from_secs(60), "{wait:?}");
        assert!(throttle.begin("mo1", [10, 0, 0, 99].into()).is_ok());
    }

    #[test]
    fn five_failures_from_one_address_block_every_username() {
        let throttle = throttle();
        let addr: IpAddr = [127, 0, 0, 1].into();
        for i in 0..5 {
            fail(&throttle, &format!("user{i}"), addr);
        }
        assert!(throttle.begin("someone-else", addr).is_err());
    }

    #[test]
    fn attempts_in_flight_count_before_their_outcome_is_known() {
        let throttle = throttle();
        let addr: IpAddr = [127, 0, 0, 1].into();
        let in_flight: Vec<_> =
            (0..5).map(|_| throttle.begin("ed1", addr).expect("within the limit")).collect();
        assert!(throttle.begin("ed1", addr).is_err(), "a sixth parallel attempt must wait");
        drop(in_flight);
    }

    #[test]
    fn success_clears_the_username_and_its_own_attempt_only() {
        let throttle = throttle();
        let addr: IpAddr = [127, 0, 0, 1].into();
        for _ in 0..3 {
            fail(&throttle, "ed1", addr);
        }
        throttle.begin("ed1", addr).expect("within the limit").succeeded();
        for _ in 0..10 {
            throttle.begin("mo1", [10, 9, 9, 9].into()).expect("another address").succeeded();
        }
        fail(&throttle, "ed1", addr);
        assert!(throttle.begin("ed1", [10, 1, 1, 1].into()).is_ok());
        // The address still carries its 4 failures, but none of the successful logins.
        fail(&throttle, "x", addr);
        assert!(throttle.begin("y", addr).is_err());
    }
}
