//! Time zone names: the one reader every caller uses (commands, settings, the console's
//! `TZ`, stored names), in any case, refusing abbreviations such as `EST` that do not say when
//! clocks change.

use chrono_tz::Tz;

/// Zone abbreviations people write, and the IANA zone they usually mean. They are refused,
/// with that suggestion: an abbreviation does not say which daylight-saving rules apply (and
/// `EST`, a zone of its own in the database, never moves to summer time).
const ABBREVIATIONS: &[(&str, &str)] = &[
    ("EST", "America/New_York"),
    ("EDT", "America/New_York"),
    ("ET", "America/New_York"),
    ("CST", "America/Chicago"),
    ("CDT", "America/Chicago"),
    ("CT", "America/Chicago"),
    ("MST", "America/Denver (or America/Phoenix for Arizona)"),
    ("MDT", "America/Denver"),
    ("MT", "America/Denver"),
    ("PST", "America/Los_Angeles"),
    ("PDT", "America/Los_Angeles"),
    ("PT", "America/Los_Angeles"),
    ("AKST", "America/Anchorage"),
    ("AKDT", "America/Anchorage"),
    ("HST", "Pacific/Honolulu"),
    ("BST", "Europe/London"),
    ("CET", "Europe/Berlin or Europe/Paris"),
    ("CEST", "Europe/Berlin or Europe/Paris"),
    ("MET", "Europe/Berlin or Europe/Paris"),
    ("WET", "Europe/Lisbon"),
    ("WEST", "Europe/Lisbon"),
    ("EET", "Europe/Athens or Europe/Helsinki"),
    ("EEST", "Europe/Athens or Europe/Helsinki"),
    ("MSK", "Europe/Moscow"),
    ("IST", "Asia/Kolkata, Europe/Dublin or Asia/Jerusalem"),
    ("JST", "Asia/Tokyo"),
    ("KST", "Asia/Seoul"),
    ("SGT", "Asia/Singapore"),
    ("HKT", "Asia/Hong_Kong"),
    ("AEST", "Australia/Sydney"),
    ("AEDT", "Australia/Sydney"),
    ("ACST", "Australia/Adelaide"),
    ("AWST", "Australia/Perth"),
    ("NZST", "Pacific/Auckland"),
    ("NZDT", "Pacific/Auckland"),
    ("BRT", "America/Sao_Paulo"),
];

/// Names that mean UTC.
const UTC_NAMES: &[&str] = &["UTC", "Z", "GMT", "UCT", "Zulu", "Universal", "Etc/UTC"];

/// Reads a time zone name, in any case, as its canonical IANA zone: `utc`, `Z` and `GMT` are
/// UTC, `europe/berlin` is `Europe/Berlin`. Every reader of a zone name (commands, settings,
/// the console's `TZ`, stored names) goes through here.
///
/// # Errors
/// A message naming the text as the zone that is wrong: for an abbreviation such as `EST`, the
/// IANA zone it usually stands for; otherwise examples of valid names.
pub fn parse_zone(text: &str) -> Result<Tz, String> {
    let name = text.trim();
    if UTC_NAMES.iter().any(|utc| utc.eq_ignore_ascii_case(name)) {
        return Ok(Tz::UTC);
    }
    if let Some((abbreviation, zone)) = ABBREVIATIONS
        .iter()
        .find(|(abbreviation, _)| abbreviation.eq_ignore_ascii_case(name))
    {
        return Err(format!(
            "The time zone \u{201c}{name}\u{201d} is an abbreviation, which does not say when clocks change: use an IANA name such as {zone} (or UTC). {abbreviation} was not used."
        ));
    }
    chrono_tz::TZ_VARIANTS
        .iter()
        .find(|zone| zone.name().eq_ignore_ascii_case(name))
        .copied()
        .ok_or_else(|| {
            format!(
                "The time zone \u{201c}{name}\u{201d} is not one I know. Use an IANA name such as Europe/Berlin, America/New_York or UTC (any case)."
            )
        })
}

/// Whether a word is meant as a time zone: a known name or abbreviation, or anything with a
/// slash (`Mars/Base`), so that a misspelt zone is reported as a zone.
pub fn looks_like_zone(word: &str) -> bool {
    word.contains('/')
        || parse_zone(word).is_ok()
        || ABBREVIATIONS
            .iter()
            .any(|(abbreviation, _)| abbreviation.eq_ignore_ascii_case(word))
}

/// Reads the `TZ` environment variable's value: an IANA name, optionally after `:`, or a path
/// into a `zoneinfo` folder (`/usr/share/zoneinfo/Europe/Berlin`).
///
/// # Errors
/// The [`parse_zone`] message, for a value that names no zone (a POSIX rule string such as
/// `CET-1CEST`, a typo).
pub fn zone_from_tz_variable(value: &str) -> Result<Tz, String> {
    let value = value.trim().trim_start_matches(':');
    let name = value
        .rsplit_once("zoneinfo/")
        .map_or(value, |(_, name)| name);
    parse_zone(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zones_are_read_in_any_case_as_canonical_names() {
        for (text, zone) in [
            ("Europe/Berlin", chrono_tz::Europe::Berlin),
            ("europe/berlin", chrono_tz::Europe::Berlin),
            ("EUROPE/BERLIN", chrono_tz::Europe::Berlin),
            ("america/new_york", chrono_tz::America::New_York),
            ("utc", Tz::UTC),
            ("UTC", Tz::UTC),
            ("Z", Tz::UTC),
            ("gmt", Tz::UTC),
            ("etc/utc", Tz::UTC),
        ] {
            assert_eq!(parse_zone(text).unwrap(), zone, "{text}");
        }
        assert_eq!(parse_zone("europe/berlin").unwrap().name(), "Europe/Berlin");
        let unknown = parse_zone("Mars/Olympus").unwrap_err();
        assert!(
            unknown.contains("time zone \u{201c}Mars/Olympus\u{201d}"),
            "{unknown}"
        );
        assert!(unknown.contains("Europe/Berlin"), "{unknown}");
        for (abbreviation, meant) in [
            ("EST", "America/New_York"),
            ("pst", "America/Los_Angeles"),
            ("CET", "Europe/Berlin"),
            ("IST", "Asia/Kolkata"),
        ] {
            let err = parse_zone(abbreviation).unwrap_err();
            assert!(err.contains("abbreviation") && err.contains(meant), "{err}");
        }
    }

    #[test]
    fn the_tz_variable_is_read_with_the_same_rules() {
        assert_eq!(
            zone_from_tz_variable(":Europe/Berlin").unwrap(),
            chrono_tz::Europe::Berlin
        );
        assert_eq!(
            zone_from_tz_variable("/usr/share/zoneinfo/europe/berlin").unwrap(),
            chrono_tz::Europe::Berlin
        );
        assert_eq!(zone_from_tz_variable("utc").unwrap(), Tz::UTC);
        assert!(zone_from_tz_variable("CET-1CEST,M3.5.0,M10.5.0/3").is_err());
        assert!(zone_from_tz_variable("Nowhere/Special").is_err());
    }
}
