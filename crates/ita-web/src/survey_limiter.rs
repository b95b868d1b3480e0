//! The survey's rate limits, per network address and in memory only (nothing about a respondent's address is ever
//! stored): a token bucket of submissions per minute, and at most ten wrong IIT access codes in fifteen minutes.
//! An IPv6 address counts by its /64 prefix, the block one household or phone is usually given.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How long wrong access codes are remembered.
pub const CODE_WINDOW: Duration = Duration::from_secs(15 * 60);
/// How many wrong access codes an address may send in [`CODE_WINDOW`].
pub const MAX_WRONG_CODES: usize = 10;
/// Above this many remembered addresses, the idle ones are forgotten.
const PRUNE_ABOVE: usize = 10_000;

/// The part of an address that counts: an IPv4 address, or an IPv6 /64 prefix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum AddressKey {
    V4(u32),
    V6(u64),
}

impl AddressKey {
    fn of(address: IpAddr) -> AddressKey {
        match address {
            IpAddr::V4(v4) => AddressKey::V4(u32::from(v4)),
            IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
                Some(v4) => AddressKey::V4(u32::from(v4)),
                None => AddressKey::V6((u128::from(v6) >> 64) as u64),
            },
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

/// The two limits of the public survey routes.
#[derive(Debug)]
pub struct SurveyLimiter {
    per_minute: u32,
    buckets: Mutex<HashMap<AddressKey, Bucket>>,
    wrong_codes: Mutex<HashMap<AddressKey, Vec<Instant>>>,
}

impl SurveyLimiter {
    /// At most `per_minute` submissions a minute from one address, in bursts of up to as many.
    pub fn new(per_minute: u32) -> SurveyLimiter {
        SurveyLimiter {
            per_minute: per_minute.max(1),
            buckets: Mutex::new(HashMap::new()),
            wrong_codes: Mutex::new(HashMap::new()),
        }
    }

    /// Takes one submission from `address`'s allowance, or says in how many whole seconds the next is allowed.
    pub fn take_submission(&self, address: IpAddr) -> Result<(), u64> {
        self.take_submission_at(address, Instant::now())
    }

    fn take_submission_at(&self, address: IpAddr, now: Instant) -> Result<(), u64> {
        let capacity = f64::from(self.per_minute);
        let per_second = capacity / 60.0;
        let mut buckets = self.buckets.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if buckets.len() > PRUNE_ABOVE {
            // A bucket that has filled up again says nothing more than a missing one.
            buckets.retain(|_, bucket| {
                bucket.tokens + now.saturating_duration_since(bucket.at).as_secs_f64() * per_second < capacity
            });
        }
        let bucket = buckets.entry(AddressKey::of(address)).or_insert(Bucket { tokens: capacity, at: now });
        let elapsed = now.saturating_duration_since(bucket.at).as_secs_f64();
        bucket.tokens = (bucket.tokens + elapsed * per_second).min(capacity);
        bucket.at = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            Ok(())
        } else {
            Err(((1.0 - bucket.tokens) / per_second).ceil().max(1.0) as u64)
        }
    }

    /// Whether `address` may try another access code now.
    pub fn allows_code(&self, address: IpAddr) -> bool {
        self.allows_code_at(address, Instant::now())
    }

    fn allows_code_at(&self, address: IpAddr, now: Instant) -> bool {
        let mut wrong = self.wrong_codes.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        match wrong.get_mut(&AddressKey::of(address)) {
            Some(times) => {
                times.retain(|at| now.saturating_duration_since(*at) < CODE_WINDOW);
                times.len() < MAX_WRONG_CODES
            }
            None => true,
        }
    }

    pub fn record_wrong_code(&self, address: IpAddr) {
        self.record_wrong_code_at(address, Instant::now());
    }

    fn record_wrong_code_at(&self, address: IpAddr, now: Instant) {
        let mut wrong = self.wrong_codes.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if wrong.len() > PRUNE_ABOVE {
            wrong.retain(|_, times| times.iter().any(|at| now.saturating_duration_since(*at) < CODE_WINDOW));
        }
        wrong.entry(AddressKey::of(address)).or_default().push(now);
    }

    /// Whole seconds until the oldest remembered wrong code of `address` is forgotten.
    pub fn code_retry_after(&self, address: IpAddr) -> u64 {
        let now = Instant::now();
        let wrong = self.wrong_codes.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        wrong
            .get(&AddressKey::of(address))
            .and_then(|times| times.iter().min())
            .map(|oldest| CODE_WINDOW.saturating_sub(now.saturating_duration_since(*oldest)).as_secs().max(1))
            .unwrap_or(1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn address(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn a_burst_from_one_address_is_stopped_while_another_address_is_still_served() {
        let limiter = SurveyLimiter::new(120);
        let start = Instant::now();
        for _ in 0..120 {
            assert!(limiter.take_submission_at(address("10.0.0.1"), start).is_ok());
        }
        let retry = limiter.take_submission_at(address("10.0.0.1"), start).unwrap_err();
        assert_eq!(retry, 1, "two a second come back: the next in half a second, said as 1 s");
        assert!(limiter.take_submission_at(address("10.0.0.2"), start).is_ok());
        assert!(
            limiter.take_submission_at(address("10.0.0.1"), start + Duration::from_secs(1)).is_ok(),
            "a second later the address may send again"
        );
    }

    #[test]
    fn a_slow_limit_says_how_long_to_wait() {
        let limiter = SurveyLimiter::new(2);
        let start = Instant::now();
        assert!(limiter.take_submission_at(address("10.0.0.1"), start).is_ok());
        assert!(limiter.take_submission_at(address("10.0.0.1"), start).is_ok());
        assert_eq!(limiter.take_submission_at(address("10.0.0.1"), start), Err(30));
    }

    #[test]
    fn one_ipv6_network_counts_as_one_address_and_mapped_ipv4_as_ipv4() {
        let limiter = SurveyLimiter::new(1);
        let start = Instant::now();
        assert!(limiter.take_submission_at(address("2001:db8:1:2::1"), start).is_ok());
        assert!(limiter.take_submission_at(address("2001:db8:1:2::ffff"), start).is_err(), "same /64");
        assert!(limiter.take_submission_at(address("2001:db8:1:3::1"), start).is_ok(), "another /64");
        assert!(limiter.take_submission_at(address("192.0.2.7"), start).is_ok());
        assert!(limiter.take_submission_at(address("::ffff:192.0.2.7"), start).is_err());
    }

    #[test]
    fn ten_wrong_codes_close_the_door_for_fifteen_minutes_for_that_address_only() {
        let limiter = SurveyLimiter::new(120);
        let start = Instant::now();
        for _ in 0..MAX_WRONG_CODES {
            assert!(limiter.allows_code_at(address("10.0.0.1"), start));
            limiter.record_wrong_code_at(address("10.0.0.1"), start);
        }
        assert!(!limiter.allows_code_at(address("10.0.0.1"), start + Duration::from_secs(60)));
        assert!(limiter.allows_code_at(address("10.0.0.2"), start));
        assert!(limiter.allows_code_at(address("10.0.0.1"), start + CODE_WINDOW));
    }
}
