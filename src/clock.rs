//! Where time comes from. Everything that reads the time takes a [`Clock`], so tests and the
//! console can move time forward without waiting for it.

use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};

/// The last year any time in shiftcoach may fall in. Schedules are searched up to the year 5000
/// by the cron library and both databases store and read back times up to 9999; stopping the
/// clock at the end of 3999 leaves room for every time computed from "now" (next occurrences,
/// retries, leases, expiries) to stay within both.
pub const LATEST_YEAR: i32 = 3999;

/// The last instant a [`VirtualClock`] may show: the end of [`LATEST_YEAR`].
pub fn latest() -> DateTime<Utc> {
    chrono::NaiveDate::from_ymd_opt(LATEST_YEAR, 12, 31)
        .and_then(|day| day.and_hms_opt(23, 59, 59))
        .expect("a valid date")
        .and_utc()
}

/// A source of the current time, in UTC.
pub trait Clock: Send + Sync + std::fmt::Debug {
    fn now(&self) -> DateTime<Utc>;
}

/// A shareable clock handle.
pub type SharedClock = Arc<dyn Clock>;

/// The wall clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A clock that stands still until it is moved, and only ever moves forward.
#[derive(Debug, Clone)]
pub struct VirtualClock {
    now: Arc<Mutex<DateTime<Utc>>>,
}

/// Why a [`VirtualClock`] did not move.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ClockError {
    /// The target is before the clock's time.
    #[error(transparent)]
    WentBack(#[from] ClockWentBack),
    /// The target lies after [`latest`].
    #[error("the clock cannot go past {} (times after that could not be stored and read back)", latest().to_rfc3339_opts(chrono::SecondsFormat::Secs, true))]
    TooLate,
}

/// Returned when asked to move a [`VirtualClock`] backwards.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("the clock only moves forward: it is already {}", now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))]
pub struct ClockWentBack {
    pub now: DateTime<Utc>,
}

impl VirtualClock {
    /// A clock showing `start` (which is not checked against [`latest`]: starting times come
    /// from the system clock or from a time this clock showed before).
    pub fn starting_at(start: DateTime<Utc>) -> Self {
        Self {
            now: Arc::new(Mutex::new(start)),
        }
    }

    /// Moves the clock to `target`; moving to the current time is allowed and does nothing.
    ///
    /// # Errors
    /// [`ClockError::WentBack`] for a time before the current one, [`ClockError::TooLate`]
    /// for one after [`latest`]; the clock does not move.
    pub fn set(&self, target: DateTime<Utc>) -> Result<(), ClockError> {
        let mut now = self.lock();
        if target < *now {
            return Err(ClockWentBack { now: *now }.into());
        }
        if target > latest() {
            return Err(ClockError::TooLate);
        }
        *now = target;
        Ok(())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, DateTime<Utc>> {
        // The guarded value is a plain timestamp, so a panic elsewhere cannot leave it half
        // written: recovering from poisoning is safe.
        self.now
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl Clock for VirtualClock {
    fn now(&self) -> DateTime<Utc> {
        *self.lock()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn virtual_clock_moves_forward_and_refuses_to_go_back() {
        let start = Utc.with_ymd_and_hms(2026, 3, 1, 9, 0, 0).unwrap();
        let clock = VirtualClock::starting_at(start);
        let later = start + chrono::Duration::days(3);
        clock.set(later).unwrap();
        assert_eq!(clock.now(), later);
        assert_eq!(clock.set(start), Err(ClockWentBack { now: later }.into()));
        assert_eq!(clock.now(), later);
        assert_eq!(clock.set(latest()), Ok(()));
        let beyond = latest() + chrono::Duration::seconds(1);
        assert_eq!(clock.set(beyond), Err(ClockError::TooLate));
        assert_eq!(clock.now(), latest());
    }
}
