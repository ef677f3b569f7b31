//! `/nudges`: daily nudge schedules per channel, and the nudges themselves (what to send next
//! and how it looks).

use std::fmt::Write as _;

use chrono::{DateTime, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;

use super::{
    Context, CoreError, Destination, Field, Outgoing, OutgoingKind, RichMessage, action::Action,
    message::Button,
};
use crate::{
    content::Kind,
    core::when::{CronSpec, WHEN_EXAMPLES, parse_zone},
    storage::{ChannelAddress, NewSchedule, Purpose, QuietPeriod},
};

/// What a channel's nudges draw from.
const MIXES: [(&str, Kind); 3] = [
    ("models", Kind::Model),
    ("reflections", Kind::Reflection),
    ("scenarios", Kind::Scenario),
];
const DEFAULT_MIX: &str = "models,reflections";

const USAGE: &str = "Usage: /nudges set [#channel] <when> [zone] [mix] · status · pause [until DATE] · resume · preview · now · remove [N] · skip FROM..TO";

/// `/nudges <action> ...`.
pub async fn nudges(ctx: &Context<'_>, text: &str) -> Result<Vec<Outgoing>, CoreError> {
    let text = text.trim();
    let (action, rest) = text.split_once(char::is_whitespace).unwrap_or((text, ""));
    let (channel, rest) = target_channel(ctx, rest.trim());
    match action.to_lowercase().as_str() {
        "set" => set(ctx, channel, rest).await,
        "status" | "" => status(ctx, &channel).await,
        "pause" => pause(ctx, &channel, rest).await,
        "resume" => resume(ctx, &channel).await,
        "preview" => preview(ctx, &channel).await,
        "now" => send_now(ctx, &channel).await,
        "remove" => remove(ctx, &channel, rest).await,
        "skip" => skip(ctx, &channel, rest).await,
        other => Err(CoreError::Refused(format!(
            "There is no /nudges {other}. {USAGE}"
        ))),
    }
}

/// The channel named first in `rest` (`#name`, `here`, a platform mention), else this one.
fn target_channel<'t>(ctx: &Context<'_>, rest: &'t str) -> (ChannelAddress, &'t str) {
    let (first, tail) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
    let named = if first.eq_ignore_ascii_case("here") {
        Some(ctx.interaction.channel.clone())
    } else if let Some(mention) = first.strip_prefix("<#").and_then(|m| m.strip_suffix('>')) {
        // Discord `<#123>`, Slack `<#C123|name>`.
        Some(mention.split('|').next().unwrap_or(mention).to_owned())
    } else {
        first
            .strip_prefix('#')
            .filter(|name| !name.is_empty())
            .map(str::to_owned)
    };
    let actor = &ctx.interaction.actor;
    let address = |channel: String| ChannelAddress {
        platform: actor.platform,
        workspace: actor.workspace.clone(),
        channel,
    };
    match named {
        Some(channel) => (address(channel), tail.trim()),
        None => (address(ctx.interaction.channel.clone()), rest),
    }
}

/// `models`, `model`, `reflections`, ... as the stored mix name.
fn mix_name(word: &str) -> Option<&'static str> {
    let word = word.trim().to_lowercase();
    MIXES
        .iter()
        .map(|(name, _)| *name)
        .find(|name| *name == word || name.trim_end_matches('s') == word)
}

/// Splits `<when> [zone] [mix]`.
fn parse_set(text: &str, default_zone: Tz) -> Result<(CronSpec, Tz, String), String> {
    let words: Vec<&str> = text.split_whitespace().collect();
    let is_mix = |word: &str| word.split(',').all(|part| mix_name(part).is_some());
    let mut end = words.len();
    while end > 0 && is_mix(words[end - 1]) {
        end -= 1;
    }
    let mix_words = &words[end..];
    let mut zone = default_zone;
    if end > 0 && (words[end - 1].contains('/') || words[end - 1].eq_ignore_ascii_case("utc")) {
        zone = parse_zone(words[end - 1])?;
        end -= 1;
    }
    let when = words[..end].join(" ");
    if when.is_empty() {
        return Err(format!(
            "Say when, for example: /nudges set here weekdays 09:00 Europe/Berlin. Forms: {WHEN_EXAMPLES}."
        ));
    }
    let spec = CronSpec::parse(&when)?;
    let mut mix: Vec<&str> = Vec::new();
    for part in mix_words.iter().flat_map(|word| word.split(',')) {
        if let Some(name) = mix_name(part).filter(|name| !mix.contains(name)) {
            mix.push(name);
        }
    }
    let mix = if mix.is_empty() {
        DEFAULT_MIX.to_owned()
    } else {
        mix.join(",")
    };
    Ok((spec, zone, mix))
}

async fn set(
    ctx: &Context<'_>,
    channel: ChannelAddress,
    text: &str,
) -> Result<Vec<Outgoing>, CoreError> {
    let (spec, zone, mix) =
        parse_set(text, ctx.coach.settings().default_zone).map_err(CoreError::Refused)?;
    ctx.coach
        .router()
        .check_channel(&channel)
        .await
        .map_err(|err| {
            CoreError::Refused(format!(
                "I cannot post in #{}: {err}. Name a channel of this workspace that I can see and post in, then try again.",
                channel.channel
            ))
        })?;
    let next_due = spec.next_after(zone, ctx.now);
    let schedule = ctx
        .coach
        .storage()
        .insert_schedule(&NewSchedule {
            purpose: Purpose::Nudge,
            channel: &channel,
            person: None,
            cron: spec.pattern(),
            label: spec.label(),
            zone: zone.name(),
            mix: &mix,
            created_by: ctx.user,
            next_due,
            now: ctx.now,
        })
        .await?;
    ctx.coach.schedules_changed().notify_one();
    tracing::info!(schedule = schedule.id, "nudge schedule set");
    let next = next_times(&spec, zone, ctx.now, 3);
    let message = RichMessage::titled(
        "Nudges scheduled",
        format!(
            "#{}: **{}** in {} ({}).\nNext: {}.",
            channel.channel,
            spec.label(),
            zone.name(),
            mix.replace(',', " and "),
            next.join(", ")
        ),
    );
    Ok(vec![ctx.reply(message, true)])
}

/// The next `n` times, formatted in the schedule's zone.
fn next_times(spec: &CronSpec, zone: Tz, from: DateTime<Utc>, n: usize) -> Vec<String> {
    let mut out = Vec::new();
    let mut at = from;
    while out.len() < n {
        let Some(next) = spec.next_after(zone, at) else {
            break;
        };
        out.push(
            next.with_timezone(&zone)
                .format("%a %d %b %H:%M %Z")
                .to_string(),
        );
        at = next;
    }
    out
}

async fn status(ctx: &Context<'_>, channel: &ChannelAddress) -> Result<Vec<Outgoing>, CoreError> {
    let storage = ctx.coach.storage();
    let schedules = storage.channel_schedules(channel).await?;
    if schedules.is_empty() {
        let message = RichMessage::titled(
            "No nudges here",
            format!(
                "#{} has no nudge schedule. Start one with /nudges set here weekdays 09:00 Europe/Berlin.",
                channel.channel
            ),
        );
        return Ok(vec![ctx.reply(message, true)]);
    }
    let mut body = String::new();
    for (i, schedule) in schedules.iter().enumerate() {
        let zone = parse_zone(&schedule.zone).unwrap_or(Tz::UTC);
        let next = CronSpec::from_pattern(&schedule.cron, &schedule.label)
            .map(|spec| next_times(&spec, zone, ctx.now, 3).join(", "))
            .unwrap_or_default();
        let state = if schedule.is_paused_at(ctx.now) {
            match schedule.paused_until {
                Some(until) => format!(
                    " · paused until {}",
                    until.with_timezone(&zone).format("%a %d %b %H:%M %Z")
                ),
                None => " · paused".to_owned(),
            }
        } else {
            String::new()
        };
        let _ = writeln!(
            body,
            "{}. **{}** in {} · {}{state}\n   next: {next}",
            i + 1,
            schedule.label,
            schedule.zone,
            schedule.mix.replace(',', " and ")
        );
    }
    let quiet: Vec<String> = storage
        .quiet_periods_from(ctx.now.date_naive())
        .await?
        .into_iter()
        .filter(|(address, _)| address == channel)
        .map(|(_, period)| format!("{} to {}", period.first_day, period.last_day))
        .collect();
    if !quiet.is_empty() {
        let _ = write!(body, "\nQuiet days (no nudges): {}", quiet.join(", "));
    }
    let message = RichMessage::titled(
        format!("Nudges in #{}", channel.channel),
        body.trim_end().to_owned(),
    );
    Ok(vec![ctx.reply(message, true)])
}

/// A date (`2026-12-27`) as the start of that day in `zone`.
fn start_of_day(date: NaiveDate, zone: Tz) -> Option<DateTime<Utc>> {
    zone.from_local_datetime(&date.and_time(NaiveTime::MIN))
        .earliest()
        .map(|at| at.with_timezone(&Utc))
}

fn parse_date(text: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
        .map_err(|_| format!("\u{201c}{text}\u{201d} is not a date: write it as 2026-12-24."))
}

async fn pause(
    ctx: &Context<'_>,
    channel: &ChannelAddress,
    rest: &str,
) -> Result<Vec<Outgoing>, CoreError> {
    let until = match rest
        .trim()
        .strip_prefix("until")
        .map(str::trim)
        .or(Some(rest.trim()).filter(|r| !r.is_empty()))
    {
        Some(date) => {
            let date = parse_date(date).map_err(CoreError::Refused)?;
            Some(start_of_day(date, ctx.zone).ok_or_else(|| {
                CoreError::Refused("That day does not start in your zone.".into())
            })?)
        }
        None => None,
    };
    if until.is_some_and(|until| until <= ctx.now) {
        return Err(CoreError::Refused(
            "That date has passed: pause until a later day.".into(),
        ));
    }
    let changed = ctx
        .coach
        .storage()
        .set_channel_paused(channel, true, until)
        .await?;
    if changed == 0 {
        return Err(CoreError::Refused(format!(
            "#{} has no nudge schedule to pause.",
            channel.channel
        )));
    }
    ctx.coach.schedules_changed().notify_one();
    let when = until.map_or("until you /nudges resume".to_owned(), |until| {
        format!(
            "until {}",
            until.with_timezone(&ctx.zone).format("%a %d %b %Y")
        )
    });
    Ok(vec![ctx.reply(
        RichMessage::titled(
            "Nudges paused",
            format!("#{} is quiet {when}.", channel.channel),
        ),
        true,
    )])
}

async fn resume(ctx: &Context<'_>, channel: &ChannelAddress) -> Result<Vec<Outgoing>, CoreError> {
    let changed = ctx
        .coach
        .storage()
        .set_channel_paused(channel, false, None)
        .await?;
    if changed == 0 {
        return Err(CoreError::Refused(format!(
            "#{} has no nudge schedule to resume.",
            channel.channel
        )));
    }
    ctx.coach.schedules_changed().notify_one();
    Ok(vec![ctx.reply(
        RichMessage::titled(
            "Nudges resumed",
            format!("#{} gets its nudges again.", channel.channel),
        ),
        true,
    )])
}

async fn preview(ctx: &Context<'_>, channel: &ChannelAddress) -> Result<Vec<Outgoing>, CoreError> {
    let schedules = ctx.coach.storage().channel_schedules(channel).await?;
    let mix = schedules.first().map_or(DEFAULT_MIX, |s| s.mix.as_str());
    let slug = ctx.coach.pick_nudge(channel, mix).await?;
    let mut outgoing = ctx
        .coach
        .nudge_message(&slug, &channel.channel, None)
        .ok_or_else(|| CoreError::Refused("The catalog has nothing to send yet.".into()))?;
    outgoing.message.title = outgoing
        .message
        .title
        .map(|title| format!("Preview · {title}"));
    let message = outgoing.message;
    Ok(vec![ctx.reply(message, true)])
}

async fn send_now(ctx: &Context<'_>, channel: &ChannelAddress) -> Result<Vec<Outgoing>, CoreError> {
    let storage = ctx.coach.storage();
    let schedules = storage.channel_schedules(channel).await?;
    let schedule = schedules.first().ok_or_else(|| {
        CoreError::Refused(format!(
            "#{} has no nudge schedule yet: /nudges set one first.",
            channel.channel
        ))
    })?;
    if storage
        .insert_extra_delivery(schedule.id, ctx.now, ctx.now)
        .await?
        .is_none()
    {
        return Err(CoreError::Refused(
            "A nudge is already going out this very moment.".into(),
        ));
    }
    ctx.coach.schedules_changed().notify_one();
    Ok(vec![ctx.reply(
        RichMessage::titled(
            "Sending a nudge now",
            format!("The next nudge is on its way to #{}.", channel.channel),
        ),
        true,
    )])
}

async fn remove(
    ctx: &Context<'_>,
    channel: &ChannelAddress,
    rest: &str,
) -> Result<Vec<Outgoing>, CoreError> {
    let storage = ctx.coach.storage();
    let schedules = storage.channel_schedules(channel).await?;
    let index = match (rest.trim(), schedules.len()) {
        (_, 0) => {
            return Err(CoreError::Refused(format!(
                "#{} has no nudge schedule.",
                channel.channel
            )));
        }
        ("", 1) => 0,
        ("", n) => {
            return Err(CoreError::Refused(format!(
                "#{} has {n} schedules: say which, e.g. /nudges remove 2 (numbers as in /nudges status).",
                channel.channel
            )));
        }
        (n, count) => n
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=count).contains(n))
            .map(|n| n - 1)
            .ok_or_else(|| {
                CoreError::Refused(format!(
                    "Give a schedule number from 1 to {count} (see /nudges status)."
                ))
            })?,
    };
    let schedule = &schedules[index];
    storage.remove_schedule(schedule.id, ctx.now).await?;
    ctx.coach.schedules_changed().notify_one();
    Ok(vec![ctx.reply(
        RichMessage::titled(
            "Nudges removed",
            format!(
                "Removed **{}** in {} from #{}.",
                schedule.label, schedule.zone, channel.channel
            ),
        ),
        true,
    )])
}

async fn skip(
    ctx: &Context<'_>,
    channel: &ChannelAddress,
    rest: &str,
) -> Result<Vec<Outgoing>, CoreError> {
    let rest = rest.trim();
    if rest.is_empty() {
        return Err(CoreError::Refused(
            "Say which days, for example /nudges skip 2026-12-24..2026-12-26 (or one day).".into(),
        ));
    }
    let (from, to) = rest.split_once("..").unwrap_or((rest, rest));
    let first_day = parse_date(from).map_err(CoreError::Refused)?;
    let last_day = parse_date(to).map_err(CoreError::Refused)?;
    if last_day < first_day {
        return Err(CoreError::Refused(
            "The range ends before it starts: write FROM..TO, earliest first.".into(),
        ));
    }
    ctx.coach
        .storage()
        .add_quiet_period(
            channel,
            QuietPeriod {
                first_day,
                last_day,
            },
            ctx.now,
        )
        .await?;
    ctx.coach.schedules_changed().notify_one();
    Ok(vec![ctx.reply(
        RichMessage::titled(
            "Quiet days set",
            format!(
                "No nudges in #{} from {first_day} to {last_day} (each schedule's own time zone).",
                channel.channel
            ),
        ),
        true,
    )])
}

/// The kinds a stored mix draws from, in order.
pub fn mix_kinds(mix: &str) -> Vec<Kind> {
    let kinds: Vec<Kind> = mix
        .split(',')
        .filter_map(|name| {
            MIXES
                .iter()
                .find(|(n, _)| *n == name.trim())
                .map(|(_, kind)| *kind)
        })
        .collect();
    if kinds.is_empty() {
        vec![Kind::Model, Kind::Reflection]
    } else {
        kinds
    }
}

impl super::Coach {
    /// The next item for a channel. The kinds in the mix take turns; within a kind no item
    /// repeats until all have been sent, and the order within each round is a fixed shuffle.
    /// The pick depends only on the stored history, so a restart does not change it.
    pub async fn pick_nudge(
        &self,
        channel: &ChannelAddress,
        mix: &str,
    ) -> Result<String, CoreError> {
        let history = self.storage().channel_history(channel).await?;
        let kinds = mix_kinds(mix);
        let kind = kinds[history.len() % kinds.len()];
        let mut pool: Vec<&str> = self
            .catalog()
            .of_kind(kind)
            .map(|item| item.slug.as_str())
            .collect();
        if pool.is_empty() {
            return Err(CoreError::Refused(format!(
                "The catalog has no {kind} to send."
            )));
        }
        pool.sort_unstable();
        let sent: Vec<&str> = history
            .iter()
            .map(String::as_str)
            .filter(|slug| pool.contains(slug))
            .collect();
        let round = sent.len() / pool.len();
        let this_round = &sent[round * pool.len()..];
        let key = format!(
            "{}/{}/{}/{round}",
            channel.platform, channel.workspace, channel.channel
        );
        let pick = pool
            .iter()
            .filter(|slug| !this_round.contains(slug))
            .min_by_key(|slug| stable_hash(&key, slug))
            .or(pool.first())
            .expect("the pool is not empty");
        Ok((*pick).to_owned())
    }

    /// The nudge for `slug` in `channel`; `delivery` ties replies and the Reflect form to it.
    pub fn nudge_message(
        &self,
        slug: &str,
        channel: &str,
        delivery: Option<i64>,
    ) -> Option<Outgoing> {
        let item = self.catalog().get(slug)?;
        // A scenario is answered (and debriefed); anything else is reflected on.
        let (heading, question, ask, verb) = match item.kind {
            Kind::Model => (
                "Mental model",
                item.question.clone(),
                "Reflect on this",
                "Reflect",
            ),
            Kind::Scenario => (
                "Practice scenario",
                item.question.clone(),
                "Your call",
                "Answer",
            ),
            _ => ("Reflection", None, "Reflect on this", "Reflect"),
        };
        let after = match item.kind {
            Kind::Scenario => "you get the debrief, and your answer goes to your private journal",
            _ => "your answer goes to your private journal",
        };
        let mut message = RichMessage {
            title: Some(format!("{heading}: {}", item.title)),
            body: format!(
                "{}\n\n*Reply in this thread or press {verb}: {after} (/journal).*",
                item.body
            ),
            slug: Some(item.slug.clone()),
            ..RichMessage::default()
        };
        if let Some(question) = question {
            message.fields.push(Field {
                name: ask.into(),
                value: question,
            });
        }
        let action = Action::Reflect {
            slug: Some(item.slug.clone()),
            delivery,
        };
        message.buttons.push(Button {
            action: action.to_string(),
            label: verb.into(),
        });
        Some(Outgoing::new(
            OutgoingKind::Nudge,
            Destination::Channel(channel.to_owned()),
            false,
            message,
        ))
    }
}

/// FNV-1a over the key and the slug: a fixed, platform-independent order for each round.
fn stable_hash(key: &str, slug: &str) -> u64 {
    key.bytes()
        .chain([0])
        .chain(slug.bytes())
        .fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
            (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_arguments_split_into_when_zone_and_mix() {
        let (spec, zone, mix) = parse_set("weekdays 09:00 Europe/Berlin", Tz::UTC).unwrap();
        assert_eq!(
            (spec.pattern(), zone, mix.as_str()),
            ("0 9 * * 1-5", chrono_tz::Europe::Berlin, DEFAULT_MIX)
        );
        let (spec, zone, mix) =
            parse_set("0 17 * * 5 models scenarios", chrono_tz::Asia::Tokyo).unwrap();
        assert_eq!(
            (spec.pattern(), zone, mix.as_str()),
            ("0 17 * * 5", chrono_tz::Asia::Tokyo, "models,scenarios")
        );
        let (_, _, mix) = parse_set("daily 08:30 UTC reflections", Tz::UTC).unwrap();
        assert_eq!(mix, "reflections");
        assert!(
            parse_set("weekdays 09:00 Mars/Base", Tz::UTC)
                .unwrap_err()
                .contains("Europe/Berlin")
        );
        assert!(
            parse_set("whenever", Tz::UTC)
                .unwrap_err()
                .contains("weekdays 09:00")
        );
        assert!(
            parse_set("", Tz::UTC)
                .unwrap_err()
                .contains("weekdays 09:00")
        );
    }
}
