//! When a schedule fires: friendly forms (`weekdays 09:00`, `daily 08:30`,
//! `mon,wed,fri 17:00`) or a 5-field cron expression, evaluated in an IANA time zone.
//!
//! Cron matching and daylight-saving behaviour come from `croner`, which follows the Open Cron
//! Pattern Specification: a fixed time inside the spring-forward gap fires once, just after the
//! gap, and a fixed time inside the repeated fall-back hour fires once, the first time round.

use std::str::FromStr;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use croner::Cron;

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

impl CronSpec {
    /// Reads a friendly form or a 5-field cron expression.
    pub fn parse(text: &str) -> Result<Self, String> {
        let text = text.trim();
        let pattern = friendly_to_cron(text).unwrap_or_else(|| text.to_owned());
        Self::from_pattern(&pattern, text)
    }

    /// Rebuilds a spec from its stored pattern and label.
    pub fn from_pattern(pattern: &str, label: &str) -> Result<Self, String> {
        let fields = pattern.split_whitespace().count();
        let unreadable = || {
            format!("I could not read \u{201c}{label}\u{201d} as a schedule. Try {WHEN_EXAMPLES}.")
        };
        if fields != 5 {
            return Err(unreadable());
        }
        let cron = Cron::from_str(pattern).map_err(|_| unreadable())?;
        Ok(Self {
            cron,
            pattern: pattern.split_whitespace().collect::<Vec<_>>().join(" "),
            label: label.to_owned(),
        })
    }

    pub fn pattern(&self) -> &str {
        &self.pattern
    }

    pub fn label(&self) -> &str {
        &self.label
    }

    /// The first time strictly after `after` at which the schedule fires in `zone`.
    pub fn next_after(&self, zone: Tz, after: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.cron
            .find_next_occurrence(&after.with_timezone(&zone), false)
            .ok()
            .map(|next| next.with_timezone(&Utc))
    }
}

/// Parses an IANA zone name, with a message naming valid examples.
pub fn parse_zone(text: &str) -> Result<Tz, String> {
    Tz::from_str(text.trim()).map_err(|_| {
        format!(
            "\u{201c}{text}\u{201d} is not a time zone I know. Use an IANA name such as Europe/Berlin, America/New_York or UTC."
        )
    })
}

/// `weekdays 09:00` and friends as a cron pattern; `None` when `text` is not a friendly form.
fn friendly_to_cron(text: &str) -> Option<String> {
    let lower = text.to_lowercase();
    let (days, time) = lower.rsplit_once(char::is_whitespace)?;
    let (hour, minute) = parse_time(time)?;
    let days = match days.trim() {
        "daily" | "every day" | "everyday" => "*".to_owned(),
        "weekdays" | "every weekday" => "1-5".to_owned(),
        "weekends" | "every weekend" => "0,6".to_owned(),
        list => day_list(list)?,
    };
    Some(format!("{minute} {hour} * * {days}"))
}

/// `09:00`, `9:00`, `17:30`, `9am`, `5:30pm`.
fn parse_time(text: &str) -> Option<(u32, u32)> {
    let (clock, offset) = if let Some(rest) = text.strip_suffix("am") {
        (rest, Some(0))
    } else if let Some(rest) = text.strip_suffix("pm") {
        (rest, Some(12))
    } else {
        (text, None)
    };
    let (hour, minute) = match clock.split_once(':') {
        Some((h, m)) if m.len() == 2 => (h.parse::<u32>().ok()?, m.parse::<u32>().ok()?),
        None if offset.is_some() => (clock.parse::<u32>().ok()?, 0),
        _ => return None,
    };
    let hour = match offset {
        Some(add) if (1..=12).contains(&hour) => hour % 12 + add,
        Some(_) => return None,
        None => hour,
    };
    (hour < 24 && minute < 60).then_some((hour, minute))
}

/// `mon,wed,fri` or `mon-fri` as cron day numbers (0 is Sunday).
fn day_list(text: &str) -> Option<String> {
    const DAYS: [&str; 7] = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];
    let day = |name: &str| {
        let name = name.trim();
        (name.len() >= 3)
            .then(|| DAYS.iter().position(|day| name.starts_with(day)))
            .flatten()
    };
    let parts: Option<Vec<String>> = text
        .split(',')
        .map(|part| match part.split_once('-') {
            Some((from, to)) => Some(format!("{}-{}", day(from)?, day(to)?)),
            None => day(part).map(|n| n.to_string()),
        })
        .collect();
    parts.map(|parts| parts.join(","))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use chrono_tz::Europe::Berlin;

    fn utc(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, h, min, 0).unwrap()
    }

    #[test]
    fn friendly_forms_become_cron_patterns() {
        for (text, pattern) in [
            ("weekdays 09:00", "0 9 * * 1-5"),
            ("daily 08:30", "30 8 * * *"),
            ("mon,wed,fri 17:00", "0 17 * * 1,3,5"),
            ("Monday-Friday 7:05", "5 7 * * 1-5"),
            ("weekends 10am", "0 10 * * 0,6"),
            ("tue 5:30pm", "30 17 * * 2"),
            ("0 9 * * 1-5", "0 9 * * 1-5"),
        ] {
            assert_eq!(CronSpec::parse(text).unwrap().pattern(), pattern, "{text}");
        }
        for bad in [
            "weekdays 25:00",
            "sometimes 09:00",
            "0 9 * *",
            "0 0 9 * * 1-5",
            "daily",
            "",
        ] {
            let err = CronSpec::parse(bad).unwrap_err();
            assert!(err.contains("weekdays 09:00"), "{bad}: {err}");
        }
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
    fn zones_are_checked() {
        assert_eq!(parse_zone("Europe/Berlin").unwrap(), Berlin);
        assert!(
            parse_zone("Mars/Olympus")
                .unwrap_err()
                .contains("Europe/Berlin")
        );
    }
}
