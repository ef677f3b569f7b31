//! What a schedule's occurrence says, and to whom: the scheduler claims occurrences of every
//! purpose and asks the core to compose each one. Also the one rule for which occurrences are
//! held back (a pause, a quiet day), shared by the scheduler and by what `/nudges` shows.

use chrono::{DateTime, Days, Utc};
use chrono_tz::Tz;

use super::{
    CoreError, Destination, Outgoing,
    when::{CronSpec, start_of_day},
};
use crate::storage::{ChannelAddress, LeasedDelivery, Purpose, QuietPeriod, Schedule, Target};

/// Why an occurrence of `schedule` at `at` is not sent, if it is held back: `"paused"` or
/// `"quiet day"` (a day of the channel's quiet periods, in the schedule's zone).
pub fn held_back(
    schedule: &Schedule,
    zone: Tz,
    at: DateTime<Utc>,
    quiet: &[(ChannelAddress, QuietPeriod)],
) -> Option<&'static str> {
    if schedule.is_paused_at(at) {
        return Some("paused");
    }
    quiet_period_at(schedule, zone, at, quiet).map(|_| "quiet day")
}

fn quiet_period_at(
    schedule: &Schedule,
    zone: Tz,
    at: DateTime<Utc>,
    quiet: &[(ChannelAddress, QuietPeriod)],
) -> Option<QuietPeriod> {
    let day = at.with_timezone(&zone).date_naive();
    quiet
        .iter()
        .find(|(channel, period)| {
            *channel == schedule.channel && period.first_day <= day && day <= period.last_day
        })
        .map(|(_, period)| *period)
}

/// The next `n` times after `from` at which `schedule` really sends: occurrences a pause or a
/// quiet day holds back are left out, and so is anything after [`super::when::HORIZON_YEARS`].
/// Empty for a schedule paused with no end.
pub fn upcoming(
    schedule: &Schedule,
    spec: &CronSpec,
    zone: Tz,
    from: DateTime<Utc>,
    quiet: &[(ChannelAddress, QuietPeriod)],
    n: usize,
) -> Vec<DateTime<Utc>> {
    let mut out = Vec::new();
    if schedule.paused && schedule.paused_until.is_none() {
        return out;
    }
    let Some(horizon) =
        from.checked_add_months(chrono::Months::new(12 * super::when::HORIZON_YEARS))
    else {
        return out;
    };
    let second = chrono::Duration::seconds(1);
    let mut after = from;
    // Each step either finds a time or jumps past a pause or a quiet period; the cap is only a
    // guard.
    for _ in 0..10_000 {
        if out.len() >= n {
            break;
        }
        let Some(next) = spec.next_after(zone, after).filter(|next| *next <= horizon) else {
            break;
        };
        if schedule.is_paused_at(next) {
            after = schedule
                .paused_until
                .map_or(next, |until| (until - second).max(next));
        } else if let Some(period) = quiet_period_at(schedule, zone, next, quiet) {
            let Some(day_after) = period.last_day.checked_add_days(Days::new(1)) else {
                break;
            };
            after = (start_of_day(day_after, zone) - second).max(next);
        } else {
            out.push(next);
            after = next;
        }
    }
    out
}

impl super::Coach {
    /// The message for one claimed occurrence, addressed to the schedule's target; `None`
    /// when this occurrence sends nothing (the off week of a biweekly check-in, a pair that
    /// ended), which the scheduler records as skipped. A channel nudge picks its item once and
    /// keeps it, so a retry sends the same one; a check-in is stored once per occurrence.
    ///
    /// # Errors
    /// [`CoreError::Refused`] when nothing can be composed (the item left the catalog, a
    /// purpose this build does not compose); the scheduler records the occurrence as failed.
    pub async fn compose(&self, delivery: &LeasedDelivery) -> Result<Option<Outgoing>, CoreError> {
        let schedule = &delivery.schedule;
        let mut outgoing = match schedule.purpose {
            Purpose::Checkin => {
                return self.compose_checkin(schedule, delivery.occurrence).await;
            }
            Purpose::Nudge => {
                let slug = match &delivery.slug {
                    Some(slug) => slug.clone(),
                    None => {
                        let pick = self.pick_nudge(schedule).await?;
                        self.storage()
                            .choose_delivery_slug(delivery.id, &pick)
                            .await?
                    }
                };
                self.nudge_message(&slug, &schedule.channel.channel, Some(delivery.id))
                    .ok_or_else(|| {
                        CoreError::Refused("the content item is no longer in the catalog".into())
                    })?
            }
            other => {
                return Err(CoreError::Refused(format!(
                    "this build does not compose {} messages",
                    other.as_str()
                )));
            }
        };
        if let Target::Person(person) = schedule.target() {
            let identity = self.storage().user_identity(person).await?.ok_or_else(|| {
                CoreError::Refused("the person this schedule was for is gone".into())
            })?;
            outgoing.to = Destination::Person(identity.external_id);
        }
        Ok(Some(outgoing))
    }
}
