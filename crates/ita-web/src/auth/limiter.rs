//! The sign-in rate limit: at most ten failed attempts per address and account name in fifteen minutes. Kept in
//! memory: a restart forgets it, which costs an attacker a restart of our server per ten guesses.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

const WINDOW: Duration = Duration::from_secs(15 * 60);
const MAX_FAILURES: usize = 10;

#[derive(Debug, Default)]
pub struct LoginLimiter {
    failures: Mutex<HashMap<String, Vec<Instant>>>,
}

impl LoginLimiter {
    fn key(address: &str, username: &str) -> String {
        format!("{address}\u{0}{}", username.trim().to_lowercase())
    }

    /// Whether another attempt may be made now.
    pub fn allows(&self, address: &str, username: &str) -> bool {
        let mut failures = self.failures.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let now = Instant::now();
        let entry = failures.entry(LoginLimiter::key(address, username)).or_default();
        entry.retain(|at| now.duration_since(*at) < WINDOW);
        entry.len() < MAX_FAILURES
    }

    pub fn record_failure(&self, address: &str, username: &str) {
        let mut failures = self.failures.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        failures.entry(LoginLimiter::key(address, username)).or_default().push(Instant::now());
        // Forget old entries now and then, so the map stays small.
        if failures.len() > 10_000 {
            let now = Instant::now();
            failures.retain(|_, attempts| attempts.iter().any(|at| now.duration_since(*at) < WINDOW));
        }
    }

    pub fn clear(&self, address: &str, username: &str) {
        let mut failures = self.failures.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        failures.remove(&LoginLimiter::key(address, username));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ten_failures_close_the_door_for_that_address_and_name_only() {
        let limiter = LoginLimiter::default();
        for _ in 0..MAX_FAILURES {
            assert!(limiter.allows("10.0.0.1", "officer"));
            limiter.record_failure("10.0.0.1", "officer");
        }
        assert!(!limiter.allows("10.0.0.1", "Officer"));
        assert!(limiter.allows("10.0.0.2", "officer"));
        assert!(limiter.allows("10.0.0.1", "someone"));
    }
}
