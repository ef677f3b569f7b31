//! When a schedule fires: friendly forms (`weekdays 09:00`, `daily 08:30`,
//! `mon,wed,fri 17:00`) or a 5-field cron expression, evaluated in an IANA time zone (read by
//! [`crate::zone`]).
//!
//! Cron matching and daylight-saving behaviour come from `croner`, which follows the Open Cron
//! Pattern Specification: a fixed time inside the spring-forward gap fires once, just after the
//! gap, and a fixed time inside the repeated fall-back hour fires once, the first time round.
//!
//! Words are read whole and in any case: `mon`, `monday` and `Mondays` are a day, `monthly`
//! is not. An error names the part that was wrong and lists the forms that are accepted.

use std::str::FromStr;

use chrono::{DateTime, Days, Months, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;
use croner::Cron;

/// How far ahead a schedule must fire at least once to be accepted, in years.
pub const HORIZON_YEARS: u32 = 5;

/// How far ahead two schedules are compared for posting at the same moment, in days.
pub const COINCIDENCE_DAYS: u64 = 731;

/// Most occurrences walked when comparing two schedules; the comparison leapfrogs, so this is
/// only reached by schedules that fire every few minutes without ever meeting.
const COINCIDENCE_STEPS: usize = 20_000;

/// A parsed, validated schedule expression.
#[derive(Debug, Clone)]
pub struct CronSpec {
    cron: Cron,
    /// The 5-field cron pattern it stands for.
    pattern: String,
    /// How people wrote it, for display (`weekdays 09:00`).
    label: String,
}

/// What to say when a schedule cannot be read.
pub const WHEN_EXAMPLES: &str =
    "weekdays 09:00, daily 08:30, mon,wed,fri 17:00, or a cron expression such as 0 9 * * 1-5";

/// The day words accepted, for error messages.
const DAY_FORMS: &str = "daily, weekdays, weekends, or days such as mon,wed,fri or mon-fri (sun, mon, tue, wed, thu, fri, sat, or their full names)";

/// Cron's field names, for error messages.
const CRON_FIELDS: &str = "minute hour day-of-month month day-of-week, e.g. 0 9 * * 1-5";

impl CronSpec {
    /// Reads a friendly form or a 5-field cron expression.
    ///
    /// # Errors
    /// A message naming the part that could not be read (the day word, the time, the cron
    /// field count or the cron expression) and the accepted forms.
    pub fn parse(text: &str) -> Result<Self, String> {
        let text = text.trim();
        let words: Vec<&str> = text.split_whitespace().collect();
        let Some(first) = words.first() else {
            return Err(format!("Say when: {WHEN_EXAMPLES}."));
        };
        let cron_like = first.starts_with(|c: char| c.is_ascii_digit() || c == '*' || c == '?');
        if cron_like && parse_time(first).is_none() {
            if words.len() != 5 {
                return Err(format!(
                    "\u{201c}{text}\u{201d} has {} fields; a cron expression here has 5: {CRON_FIELDS}.",
                    words.len()
                ));
            }
            return Self::from_pattern(text, text);
        }
        let pattern = friendly_to_cron(&words)?;
        Self::from_pattern(&pattern, text)
    }

    /// Rebuilds a spec from its stored pattern and label.
    ///
    /// # Errors
    /// A message naming the label when the pattern is not a 5-field cron expression.
    pub fn from_pattern(pattern: &str, label: &str) -> Result<Self, String> {
        let fields = pattern.split_whitespace().count();
        if fields != 5 {
            return Err(format!(
                "I could not read \u{201c}{label}\u{201d} as a schedule. Try {WHEN_EXAMPLES}."
            ));
        }
        let cron = Cron::from_str(pattern).map_err(|err| {
            format!(
                "\u{201c}{label}\u{201d} is not a cron expression I can use ({}). The five fields are {CRON_FIELDS}; or write {WHEN_EXAMPLES}.",
                cron_problem(&err)
            )
        })?;
        Ok(Self {
            cron,
            pattern: pattern.split_whitespace().collect::<Vec<_>>().join(" "),
            label: label.to_owned(),
        })
    }

    /// The 5-field cron pattern.
    pub fn pattern(&self) -> &str {
        &self.pattern
    }

    /// How it was written.
    pub fn label(&self) -> &str {
        &self.label
    }

    /// The first time strictly after `after` at which the schedule fires in `zone`; `None`
    /// when it never does again before the end of time as shiftcoach keeps it
    /// ([`crate::clock::latest`], the end of 3999).
    pub fn next_after(&self, zone: Tz, after: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.cron
            .find_next_occurrence(&after.with_timezone(&zone), false)
            .ok()
            .map(|next| next.with_timezone(&Utc))
            .filter(|next| *next <= crate::clock::latest())
    }

    /// The first time after `from` at which the schedule fires, if that is within
    /// [`HORIZON_YEARS`].
    ///
    /// # Errors
    /// A message saying the schedule never fires (30 February, 31 April, ...) when it has no
    /// occurrence in that time.
    pub fn first_within_horizon(
        &self,
        zone: Tz,
        from: DateTime<Utc>,
    ) -> Result<DateTime<Utc>, String> {
        let horizon = from.checked_add_months(Months::new(12 * HORIZON_YEARS));
        match (self.next_after(zone, from), horizon) {
            (Some(next), Some(horizon)) if next <= horizon => Ok(next),
            _ => Err(format!(
                "\u{201c}{}\u{201d} never fires in {}: it names no time in the next {HORIZON_YEARS} years (a day such as 30 February never comes). Nothing was scheduled.",
                self.label,
                zone.name()
            )),
        }
    }

    /// The first moment, after `from` and within [`COINCIDENCE_DAYS`], at which this schedule
    /// in `zone` and `other` in `other_zone` both fire; `None` when they never meet.
    pub fn first_shared_time(
        &self,
        zone: Tz,
        other: &CronSpec,
        other_zone: Tz,
        from: DateTime<Utc>,
    ) -> Option<DateTime<Utc>> {
        let until = from.checked_add_days(Days::new(COINCIDENCE_DAYS))?;
        let second = chrono::Duration::seconds(1);
        let mut a = self.next_after(zone, from)?;
        let mut b = other.next_after(other_zone, from)?;
        for _ in 0..COINCIDENCE_STEPS {
            if a > until || b > until {
                return None;
            }
            match a.cmp(&b) {
                std::cmp::Ordering::Equal => return Some(a),
                // Move the earlier one to its first time at or after the later one.
                std::cmp::Ordering::Less => a = self.next_after(zone, b - second)?,
                std::cmp::Ordering::Greater => b = other.next_after(other_zone, a - second)?,
            }
        }
        None
    }
}

/// The cron library's complaint, in plain words.
fn cron_problem(err: &croner::errors::CronError) -> String {
    let text = err.to_string();
    text.strip_prefix("Invalid pattern: ")
        .or_else(|| text.strip_prefix("Component error: "))
        .unwrap_or(&text)
        .trim_end_matches('.')
        .to_owned()
}

/// The first instant of `date` in `zone`: its midnight, or, where clocks skip midnight (a
/// spring change at 00:00, as in Asia/Beirut or America/Havana), the first local time that
/// exists that day. A day the zone skipped entirely starts when the next day does.
pub fn start_of_day(date: NaiveDate, zone: Tz) -> DateTime<Utc> {
    let midnight = date.and_time(NaiveTime::MIN);
    // Gaps are at most a day (Pacific/Apia skipped 30 December 2011); walk them by minute.
    (0..=48 * 60)
        .find_map(|minute| {
            zone.from_local_datetime(&(midnight + chrono::Duration::minutes(minute)))
                .earliest()
        })
        .map_or_else(|| midnight.and_utc(), |start| start.with_timezone(&Utc))
}

/// Reads a day written `2026-12-24`, between 1970 and [`crate::clock::LATEST_YEAR`].
///
/// # Errors
/// A message giving the expected form, or the range when the year is outside it.
pub fn parse_date(text: &str) -> Result<NaiveDate, String> {
    let text = text.trim();
    let date = NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map_err(|_| format!("\u{201c}{text}\u{201d} is not a date: write it as 2026-12-24."))?;
    let year = chrono::Datelike::year(&date);
    if !(1970..=crate::clock::LATEST_YEAR).contains(&year) {
        return Err(format!(
            "\u{201c}{text}\u{201d} is outside the years I keep dates for (1970 to {}).",
            crate::clock::LATEST_YEAR
        ));
    }
    Ok(date)
}

/// `weekdays 09:00` and friends as a cron pattern.
fn friendly_to_cron(words: &[&str]) -> Result<String, String> {
    let (time, days) = words.split_last().expect("at least one word");
    let Some((hour, minute)) = parse_time(time) else {
        if days.is_empty() && day_list(&[time]).is_ok() {
            return Err(format!(
                "Say the time too, for example \u{201c}{time} 09:00\u{201d}. Forms: {WHEN_EXAMPLES}."
            ));
        }
        return Err(format!(
            "\u{201c}{time}\u{201d} is not a time of day: write 09:00, 17:30 or 9am (in \u{201c}{}\u{201d}). Forms: {WHEN_EXAMPLES}.",
            words.join(" ")
        ));
    };
    if days.is_empty() {
        return Err(format!(
            "Say which days, for example \u{201c}daily {time}\u{201d} or \u{201c}weekdays {time}\u{201d}. Days are {DAY_FORMS}."
        ));
    }
    let days = day_list(days)
        .map_err(|word| format!("\u{201c}{word}\u{201d} is not a day I know. Say {DAY_FORMS}."))?;
    Ok(format!("{minute} {hour} * * {days}"))
}

/// `09:00`, `9:00`, `17:30`, `9am`, `5:30pm`.
fn parse_time(text: &str) -> Option<(u32, u32)> {
    let text = text.to_ascii_lowercase();
    let (clock, offset) = if let Some(rest) = text.strip_suffix("am") {
        (rest, Some(0))
    } else if let Some(rest) = text.strip_suffix("pm") {
        (rest, Some(12))
    } else {
        (text.as_str(), None)
    };
    let digits = |part: &str| {
        (!part.is_empty() && part.len() <= 2 && part.bytes().all(|b| b.is_ascii_digit()))
            .then(|| part.parse::<u32>().ok())
            .flatten()
    };
    let (hour, minute) = match clock.split_once(':') {
        Some((h, m)) if m.len() == 2 => (digits(h)?, digits(m)?),
        None if offset.is_some() => (digits(clock)?, 0),
        _ => return None,
    };
    let hour = match offset {
        Some(add) if (1..=12).contains(&hour) => hour % 12 + add,
        Some(_) => return None,
        None => hour,
    };
    (hour < 24 && minute < 60).then_some((hour, minute))
}

/// The whole words that name a day, by cron day number (0 is Sunday).
const DAY_WORDS: [&[&str]; 7] = [
    &["sun", "sunday", "sundays"],
    &["mon", "monday", "mondays"],
    &["tue", "tues", "tuesday", "tuesdays"],
    &["wed", "weds", "wednesday", "wednesdays"],
    &["thu", "thur", "thurs", "thursday", "thursdays"],
    &["fri", "friday", "fridays"],
    &["sat", "saturday", "saturdays"],
];

/// `daily`, `weekdays`, `mon,wed,fri`, `mon-fri`, `Monday Wednesday` as cron day numbers;
/// the word that is not a day on failure.
fn day_list(words: &[&str]) -> Result<String, String> {
    let text = words.join(" ").to_lowercase();
    match text.strip_prefix("every ").unwrap_or(&text) {
        "daily" | "day" | "everyday" => return Ok("*".to_owned()),
        "weekdays" | "weekday" => return Ok("1-5".to_owned()),
        "weekends" | "weekend" => return Ok("0,6".to_owned()),
        _ => {}
    }
    let text = text.strip_prefix("every ").unwrap_or(&text);
    let day = |name: &str| {
        DAY_WORDS
            .iter()
            .position(|forms| forms.contains(&name))
            .ok_or_else(|| name.to_owned())
    };
    let mut parts = Vec::new();
    for part in text
        .split(|c: char| c == ',' || c.is_whitespace())
        .filter(|part| !part.is_empty())
    {
        match part.split_once('-') {
            Some((from, to)) => {
                let (from, to) = (day(from)?, day(to)?);
                if from <= to {
                    parts.push(format!("{from}-{to}"));
                } else {
                    // fri-mon wraps round the weekend.
                    parts.push(format!("{from}-6"));
                    parts.push(format!("0-{to}"));
                }
            }
            None => parts.push(day(part)?.to_string()),
        }
    }
    if parts.is_empty() {
        return Err(text.to_owned());
    }
    Ok(parts.join(","))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono_tz::Europe::Berlin;

    fn utc(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, h, min, 0).unwrap()
    }

    #[test]
    fn friendly_forms_become_cron_patterns() {
        for (text, pattern) in [
            ("weekdays 09:00", "0 9 * * 1-5"),
            ("daily 08:30", "30 8 * * *"),
            ("every day 08:30", "30 8 * * *"),
            ("mon,wed,fri 17:00", "0 17 * * 1,3,5"),
            ("Monday-Friday 7:05", "5 7 * * 1-5"),
            ("Mondays 7:05", "5 7 * * 1"),
            ("tues, thurs 7:05", "5 7 * * 2,4"),
            ("fri-mon 7:05", "5 7 * * 5-6,0-1"),
            ("weekends 10am", "0 10 * * 0,6"),
            ("tue 5:30PM", "30 17 * * 2"),
            ("0 9 * * 1-5", "0 9 * * 1-5"),
        ] {
            assert_eq!(CronSpec::parse(text).unwrap().pattern(), pattern, "{text}");
        }
    }

    #[test]
    fn words_are_read_whole_and_the_wrong_part_is_named() {
        // Words that only begin like a day are not days.
        for (bad, named) in [
            ("monthly 09:00", "\u{201c}monthly\u{201d} is not a day"),
            ("sundae 09:00", "\u{201c}sundae\u{201d} is not a day"),
            (
                "wednesdayish 09:00",
                "\u{201c}wednesdayish\u{201d} is not a day",
            ),
            (
                "mon,thuesday 09:00",
                "\u{201c}thuesday\u{201d} is not a day",
            ),
            ("sometimes 09:00", "\u{201c}sometimes\u{201d} is not a day"),
            ("every 09:00", "\u{201c}every\u{201d} is not a day"),
            ("weekdays 25:00", "\u{201c}25:00\u{201d} is not a time"),
            ("weekdays 9:0", "\u{201c}9:0\u{201d} is not a time"),
            ("weekdays 13pm", "\u{201c}13pm\u{201d} is not a time"),
            ("weekdays 0900", "\u{201c}0900\u{201d} is not a time"),
            ("daily", "Say the time"),
            ("09:00", "Say which days"),
            ("0 9 * *", "has 4 fields"),
            ("0 0 9 * * 1-5", "has 6 fields"),
            ("0 9 * * monthly", "not a cron expression"),
            ("61 9 * * *", "not a cron expression"),
            ("", "Say when"),
        ] {
            let err = CronSpec::parse(bad).unwrap_err();
            assert!(err.contains(named), "{bad}: {err}");
        }
        assert!(
            CronSpec::parse("monthly 09:00")
                .unwrap_err()
                .contains("mon-fri")
        );
    }

    #[test]
    fn a_schedule_that_never_fires_is_named() {
        let now = utc(2026, 11, 30, 4, 0);
        for never in ["0 9 30 2 *", "0 9 31 4 *", "0 9 31 11 *"] {
            let spec = CronSpec::parse(never).unwrap();
            let err = spec.first_within_horizon(Tz::UTC, now).unwrap_err();
            assert!(err.contains("never fires"), "{never}: {err}");
        }
        // Near the end of time, a time after it never comes.
        let end = utc(3999, 12, 31, 10, 0);
        let daily = CronSpec::parse("daily 09:00").unwrap();
        assert!(daily.first_within_horizon(Tz::UTC, end).is_err());
        let leap_near_end = CronSpec::parse("0 9 29 2 *").unwrap();
        assert!(
            leap_near_end
                .first_within_horizon(Tz::UTC, utc(3998, 6, 1, 0, 0))
                .is_err()
        );
        // 29 February comes in 2028: rare, but within the horizon.
        let leap = CronSpec::parse("0 9 29 2 *").unwrap();
        assert_eq!(
            leap.first_within_horizon(Tz::UTC, now).unwrap(),
            utc(2028, 2, 29, 9, 0)
        );
    }

    #[test]
    fn schedules_that_post_at_the_same_moment_are_found() {
        let now = utc(2026, 11, 30, 4, 0);
        let london = chrono_tz::Europe::London;
        let daily = CronSpec::parse("daily 09:00").unwrap();
        let cron = CronSpec::parse("0 9 * * *").unwrap();
        let weekdays = CronSpec::parse("weekdays 09:00").unwrap();
        let later = CronSpec::parse("daily 09:01").unwrap();
        let every_minute = CronSpec::parse("* * * * *").unwrap();
        assert_eq!(
            daily.first_shared_time(london, &cron, london, now),
            Some(utc(2026, 11, 30, 9, 0))
        );
        assert_eq!(
            weekdays.first_shared_time(london, &daily, london, utc(2026, 12, 5, 10, 0)),
            Some(utc(2026, 12, 7, 9, 0)),
            "Monday"
        );
        // London is UTC in winter only: they meet in the winter that comes.
        assert_eq!(
            daily.first_shared_time(Tz::UTC, &daily, london, utc(2027, 4, 1, 0, 0)),
            Some(utc(2027, 10, 31, 9, 0))
        );
        assert_eq!(daily.first_shared_time(london, &later, london, now), None);
        let new_york = chrono_tz::America::New_York;
        assert_eq!(daily.first_shared_time(london, &daily, new_york, now), None);
        assert_eq!(
            every_minute.first_shared_time(Tz::UTC, &later, new_york, now),
            Some(utc(2026, 11, 30, 14, 1))
        );
    }

    #[test]
    fn weekday_mornings_follow_the_local_clock_across_the_spring_change() {
        let spec = CronSpec::parse("weekdays 09:00").unwrap();
        // Fri 27 March 2026 is CET (UTC+1); Mon 30 March is CEST (UTC+2).
        let friday = spec.next_after(Berlin, utc(2026, 3, 27, 0, 0)).unwrap();
        assert_eq!(friday, utc(2026, 3, 27, 8, 0));
        let monday = spec.next_after(Berlin, friday).unwrap();
        assert_eq!(monday, utc(2026, 3, 30, 7, 0));
    }

    #[test]
    fn a_time_in_the_spring_gap_fires_once_and_a_repeated_time_fires_once() {
        let spec = CronSpec::parse("daily 02:30").unwrap();
        // 29 March 2026: 02:00 CET jumps to 03:00 CEST, so 02:30 does not exist.
        let gap = spec.next_after(Berlin, utc(2026, 3, 28, 23, 0)).unwrap();
        assert_eq!(
            gap.with_timezone(&Berlin).date_naive().to_string(),
            "2026-03-29"
        );
        let after_gap = spec.next_after(Berlin, gap).unwrap();
        assert_eq!(after_gap, utc(2026, 3, 30, 0, 30), "next day, once");
        // 25 October 2026: 03:00 CEST falls back to 02:00 CET, so 02:30 happens twice.
        let first = spec.next_after(Berlin, utc(2026, 10, 24, 23, 0)).unwrap();
        assert_eq!(first, utc(2026, 10, 25, 0, 30), "the first 02:30 (CEST)");
        let next = spec.next_after(Berlin, first).unwrap();
        assert_eq!(next, utc(2026, 10, 26, 1, 30), "not again at 02:30 CET");
    }

    #[test]
    fn a_day_starts_at_its_first_existing_minute() {
        let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        assert_eq!(
            start_of_day(day(2026, 12, 1), chrono_tz::America::Los_Angeles),
            utc(2026, 12, 1, 8, 0)
        );
        // Clocks skip from 00:00 to 01:00 on these days, so the day starts at 01:00.
        assert_eq!(
            start_of_day(day(2026, 3, 29), chrono_tz::Asia::Beirut),
            utc(2026, 3, 28, 22, 0)
        );
        assert_eq!(
            start_of_day(day(2026, 3, 8), chrono_tz::America::Havana),
            utc(2026, 3, 8, 5, 0)
        );
        assert_eq!(
            start_of_day(day(2018, 11, 4), chrono_tz::America::Sao_Paulo),
            utc(2018, 11, 4, 3, 0)
        );
        // Samoa skipped 30 December 2011 altogether: that day starts when the 31st does.
        assert_eq!(
            start_of_day(day(2011, 12, 30), chrono_tz::Pacific::Apia),
            start_of_day(day(2011, 12, 31), chrono_tz::Pacific::Apia)
        );
    }

    #[test]
    fn dates_are_read_within_the_years_kept() {
        assert_eq!(
            parse_date("2026-12-24").unwrap(),
            NaiveDate::from_ymd_opt(2026, 12, 24).unwrap()
        );
        assert!(parse_date("24.12.2026").unwrap_err().contains("2026-12-24"));
        assert!(parse_date("99999-01-01").is_err());
        assert!(parse_date("1900-01-01").unwrap_err().contains("1970"));
    }
}
