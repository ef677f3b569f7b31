//! Where time comes from. Everything that reads the time takes a [`Clock`], so tests and the
//! console can move time forward without waiting for it.

use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};

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

/// Returned when asked to move a [`VirtualClock`] backwards.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("the clock only moves forward: it is already {}", now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))]
pub struct ClockWentBack {
    pub now: DateTime<Utc>,
}

impl VirtualClock {
    pub fn starting_at(start: DateTime<Utc>) -> Self {
        Self {
            now: Arc::new(Mutex::new(start)),
        }
    }

    /// Moves the clock to `target`; moving to the current time is allowed and does nothing.
    pub fn set(&self, target: DateTime<Utc>) -> Result<(), ClockWentBack> {
        let mut now = self.lock();
        if target < *now {
            return Err(ClockWentBack { now: *now });
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
        assert_eq!(clock.set(start), Err(ClockWentBack { now: later }));
        assert_eq!(clock.now(), later);
    }
}
