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

    /// `Err(retry_after)` when either key has used up its failures in the window.
    pub fn check(&self, username: &str, addr: IpAddr) -> Result<(), Duration> {
        let now = Instant::now();
        let mut failures = self.failures.lock().expect("throttle lock poisoned");
        let mut wait = Duration::ZERO;
        for key in keys(username, addr) {
            if let Some(times) = failures.get_mut(&key) {
                while times.front().is_some_and(|t| now.duration_since(*t) >= self.limits.window) {
                    times.pop_front();
                }
                if times.len() >= self.limits.max_failures as usize {
                    let oldest = *times.front().expect("non-empty");
                    wait = wait.max(self.limits.window - now.duration_since(oldest));
                }
            }
        }
        if wait.is_zero() {
            Ok(())
        } else {
            Err(wait)
        }
    }

    /// Records a failure and returns how long to delay the answer: the delay grows with
    /// each failure so that guessing gets slower before it is refused.
    pub fn record_failure(&self, username: &str, addr: IpAddr) -> Duration {
        let now = Instant::now();
        let mut failures = self.failures.lock().expect("throttle lock poisoned");
        let mut most = 0;
        for key in keys(username, addr) {
            let times = failures.entry(key).or_default();
            times.push_back(now);
            most = most.max(times.len());
        }
        // Keep memory bounded under a spray of distinct usernames.
        if failures.len() > 10_000 {
            let window = self.limits.window;
            failures.retain(|_, times| times.back().is_some_and(|t| now.duration_since(*t) < window));
        }
        Duration::from_millis(100 * most.min(5) as u64)
    }

    pub fn record_success(&self, username: &str) {
        let mut failures = self.failures.lock().expect("throttle lock poisoned");
        failures.remove(&format!("user:{}", username.to_lowercase()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn throttle() -> LoginThrottle {
        LoginThrottle::new(LoginLimits { max_failures: 5, window: Duration::from_secs(60) })
    }

    #[test]
    fn five_failures_for_a_username_block_the_sixth_attempt_from_anywhere() {
        let throttle = throttle();
        for i in 0..5u8 {
            assert!(throttle.check("ed1", [10, 0, 0, i].into()).is_ok());
            throttle.record_failure("ed1", [10, 0, 0, i].into());
        }
        let wait = throttle.check("ED1", [10, 0, 0, 99].into()).unwrap_err();
        assert!(wait > Duration::from_secs(55) && wait <= Duration::from_secs(60), "{wait:?}");
        assert!(throttle.check("mo1", [10, 0, 0, 99].into()).is_ok());
    }

    #[test]
    fn five_failures_from_one_address_block_every_username() {
        let throttle = throttle();
        let addr: IpAddr = [127, 0, 0, 1].into();
        for i in 0..5 {
            throttle.record_failure(&format!("user{i}"), addr);
        }
        assert!(throttle.check("someone-else", addr).is_err());
    }

    #[test]
    fn success_clears_the_username_but_not_the_address() {
        let throttle = throttle();
        let addr: IpAddr = [127, 0, 0, 1].into();
        for _ in 0..4 {
            throttle.record_failure("ed1", addr);
        }
        throttle.record_success("ed1");
        throttle.record_failure("ed1", addr);
        assert!(throttle.check("ed1", [10, 1, 1, 1].into()).is_ok());
        assert!(throttle.check("x", addr).is_err());
    }
}
