//! `/nudges`: nudge schedules per channel, and the nudges themselves (what to send next and
//! how it looks).
//!
//! Each schedule keeps its own rotation (its kinds take turns, its items do not repeat within
//! a round), read from its own deliveries; `/nudges preview` and `/nudges now` use the same
//! choice the scheduler makes, so what preview shows is what goes out next.

use std::fmt::Write as _;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use super::{
    Context, CoreError, Destination, Field, Outgoing, OutgoingKind, RichMessage,
    action::Action,
    message::Button,
    scheduled::upcoming,
    when::{CronSpec, HORIZON_YEARS, WHEN_EXAMPLES, parse_date, start_of_day},
};
use crate::{
    content::Kind,
    storage::{ChannelAddress, DeliveryState, NewSchedule, Purpose, QuietPeriod, Schedule},
    zone::{looks_like_zone, parse_zone},
};

/// What a channel's nudges draw from.
const MIXES: [(&str, Kind); 3] = [
    ("models", Kind::Model),
    ("reflections", Kind::Reflection),
    ("scenarios", Kind::Scenario),
];
const DEFAULT_MIX: &str = "models,reflections";

const USAGE: &str = "Usage: /nudges set [#channel] <when> [zone] [mix] · status · pause [until DATE] · resume · preview [N] · now [N] · remove [N] · skip FROM..TO";

/// How times are shown, in the schedule's zone.
const TIME_FORMAT: &str = "%a %d %b %Y %H:%M %Z";

/// `/nudges <action> ...`.
pub async fn nudges(ctx: &Context<'_>, text: &str) -> Result<Vec<Outgoing>, CoreError> {
    let text = text.trim();
    let (action, rest) = text.split_once(char::is_whitespace).unwrap_or((text, ""));
    let (channel, rest) = target_channel(ctx, rest.trim());
    let action = action.to_lowercase();
    let no_more_words = || {
        if rest.is_empty() {
            Ok(())
        } else {
            Err(CoreError::Refused(format!(
                "/nudges {action} takes no more words, and \u{201c}{rest}\u{201d} was left over. {USAGE}"
            )))
        }
    };
    match action.as_str() {
        "set" => set(ctx, channel, rest).await,
        "status" | "" => {
            no_more_words()?;
            status(ctx, &channel).await
        }
        "pause" => pause(ctx, &channel, rest).await,
        "resume" => {
            no_more_words()?;
            resume(ctx, &channel).await
        }
        "preview" => preview(ctx, &channel, rest).await,
        "now" => send_now(ctx, &channel, rest).await,
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

/// `models`, `model`, `Reflections`, ... (whole words) as the stored mix name.
fn mix_name(word: &str) -> Option<&'static str> {
    let word = word.trim().to_lowercase();
    MIXES
        .iter()
        .map(|(name, _)| *name)
        .find(|name| *name == word || name.trim_end_matches('s') == word)
}

/// Splits `<when> [zone] [mix]`. Errors name the part that is wrong: a kind in the mix, the
/// zone, a word that is neither, the days or the time.
fn parse_set(text: &str, default_zone: Tz) -> Result<(CronSpec, Tz, String), String> {
    const MIX_FORMS: &str = "models, reflections or scenarios";
    let words: Vec<&str> = text.split_whitespace().collect();
    // The mix comes last: kind names, alone or joined by commas.
    let mut end = words.len();
    while end > 0
        && words[end - 1]
            .split(',')
            .any(|part| mix_name(part).is_some())
    {
        end -= 1;
    }
    let mut mix: Vec<&str> = Vec::new();
    for part in words[end..]
        .iter()
        .flat_map(|word| word.split(','))
        .filter(|part| !part.is_empty())
    {
        let name = mix_name(part).ok_or_else(|| {
            format!(
                "\u{201c}{part}\u{201d} is not something nudges draw from: the mix is any of {MIX_FORMS}."
            )
        })?;
        if !mix.contains(&name) {
            mix.push(name);
        }
    }
    let mut zone = default_zone;
    if end > 1 && looks_like_zone(words[end - 1]) {
        zone = parse_zone(words[end - 1])?;
        end -= 1;
    }
    if end == 0 {
        return Err(format!(
            "Say when, for example: /nudges set here weekdays 09:00 Europe/Berlin. Forms: {WHEN_EXAMPLES}."
        ));
    }
    let spec = CronSpec::parse(&words[..end].join(" ")).map_err(|err| {
        // A readable schedule (and zone) followed by a stray word: the stray word is wrong.
        let stray = words[end - 1];
        let wordlike = stray.contains(|c: char| c.is_ascii_alphabetic());
        if end > 1 && wordlike && parse_set(&words[..end - 1].join(" "), default_zone).is_ok() {
            format!(
                "\u{201c}{stray}\u{201d} is neither a time zone nor a mix I know. After the time comes an optional IANA time zone (such as Europe/Berlin, America/New_York or UTC), then any of {MIX_FORMS}."
            )
        } else {
            err
        }
    })?;
    let mix = if mix.is_empty() {
        DEFAULT_MIX.to_owned()
    } else {
        mix.join(",")
    };
    Ok((spec, zone, mix))
}

/// A time in `zone`, for people.
fn local(at: DateTime<Utc>, zone: Tz) -> String {
    at.with_timezone(&zone).format(TIME_FORMAT).to_string()
}

/// A stored schedule's spec and zone (a stored one was checked when it was set).
fn spec_and_zone(schedule: &Schedule) -> Option<(CronSpec, Tz)> {
    let spec = CronSpec::from_pattern(&schedule.cron, &schedule.label).ok()?;
    let zone = parse_zone(&schedule.zone).ok()?;
    Some((spec, zone))
}

/// The next times `schedule` really sends, or why there are none, for people.
fn next_text(
    schedule: &Schedule,
    now: DateTime<Utc>,
    quiet: &[(ChannelAddress, QuietPeriod)],
) -> String {
    let Some((spec, zone)) = spec_and_zone(schedule) else {
        return "none: this schedule cannot be read; remove it and set it again".to_owned();
    };
    let next = upcoming(schedule, &spec, zone, now, quiet, 3);
    if !next.is_empty() {
        return next
            .iter()
            .map(|at| local(*at, zone))
            .collect::<Vec<_>>()
            .join(", ");
    }
    if schedule.paused && schedule.paused_until.is_none() {
        "none while paused (/nudges resume)".to_owned()
    } else {
        format!("none in the next {HORIZON_YEARS} years")
    }
}

async fn set(
    ctx: &Context<'_>,
    channel: ChannelAddress,
    text: &str,
) -> Result<Vec<Outgoing>, CoreError> {
    let (spec, zone, mix) =
        parse_set(text, ctx.coach.settings().default_zone).map_err(CoreError::Refused)?;
    let first = spec
        .first_within_horizon(zone, ctx.now)
        .map_err(CoreError::Refused)?;
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
    let storage = ctx.coach.storage();
    for (i, other) in storage
        .channel_schedules(&channel)
        .await?
        .iter()
        .enumerate()
    {
        let Some((other_spec, other_zone)) = spec_and_zone(other) else {
            continue;
        };
        if let Some(at) = spec.first_shared_time(zone, &other_spec, other_zone, ctx.now) {
            return Err(CoreError::Refused(format!(
                "#{} already has schedule {n}, **{}** in {}, which would post at the same moment (first on {}): the channel would get two nudges at once. Pick another time (a minute apart is enough), or replace it: /nudges remove {n}, then set the one you want.",
                channel.channel,
                other.label,
                other.zone,
                local(at, zone),
                n = i + 1,
            )));
        }
    }
    let schedule = storage
        .insert_schedule(&NewSchedule {
            purpose: Purpose::Nudge,
            channel: &channel,
            person: None,
            cron: spec.pattern(),
            label: spec.label(),
            zone: zone.name(),
            mix: &mix,
            created_by: ctx.user,
            next_due: Some(first),
            now: ctx.now,
        })
        .await?;
    ctx.coach.schedules_changed().notify_one();
    tracing::info!(schedule = schedule.id, "nudge schedule set");
    let quiet = quiet_periods(ctx, &channel).await?;
    let message = RichMessage::titled(
        "Nudges scheduled",
        format!(
            "#{}: **{}** in {} ({}).\nNext: {}.",
            channel.channel,
            spec.label(),
            zone.name(),
            mix.replace(',', " and "),
            next_text(&schedule, ctx.now, &quiet)
        ),
    );
    Ok(vec![ctx.reply(message, true)])
}

/// The channel's quiet periods that have not ended (by any zone's calendar).
async fn quiet_periods(
    ctx: &Context<'_>,
    channel: &ChannelAddress,
) -> Result<Vec<(ChannelAddress, QuietPeriod)>, CoreError> {
    let yesterday = (ctx.now - chrono::Duration::days(1)).date_naive();
    Ok(ctx
        .coach
        .storage()
        .quiet_periods_from(yesterday)
        .await?
        .into_iter()
        .filter(|(address, _)| address == channel)
        .collect())
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
    let quiet = quiet_periods(ctx, channel).await?;
    let mut body = String::new();
    for (i, schedule) in schedules.iter().enumerate() {
        let zone = parse_zone(&schedule.zone).unwrap_or(Tz::UTC);
        let state = if schedule.is_paused_at(ctx.now) {
            match schedule.paused_until {
                Some(until) => format!(" · paused until {}", local(until, zone)),
                None => " · paused".to_owned(),
            }
        } else {
            String::new()
        };
        let _ = writeln!(
            body,
            "{}. **{}** in {} · {}{state}\n   next: {}",
            i + 1,
            schedule.label,
            schedule.zone,
            schedule.mix.replace(',', " and "),
            next_text(schedule, ctx.now, &quiet)
        );
    }
    let today = ctx.now.date_naive();
    let days: Vec<String> = quiet
        .iter()
        .filter(|(_, period)| period.last_day >= today)
        .map(|(_, period)| format!("{} to {}", period.first_day, period.last_day))
        .collect();
    if !days.is_empty() {
        let _ = write!(body, "\nQuiet days (no nudges): {}", days.join(", "));
    }
    let message = RichMessage::titled(
        format!("Nudges in #{}", channel.channel),
        body.trim_end().to_owned(),
    );
    Ok(vec![ctx.reply(message, true)])
}

/// `/nudges pause [until DATE]`. A date is a day in each schedule's own zone: the pause lasts
/// until that day starts there (its first existing minute where clocks skip midnight), so
/// `until 2026-12-01` means quiet through 30 November. A day that has already started in a
/// schedule's zone is refused, naming the zone.
async fn pause(
    ctx: &Context<'_>,
    channel: &ChannelAddress,
    rest: &str,
) -> Result<Vec<Outgoing>, CoreError> {
    const PAUSE_USAGE: &str = "Write /nudges pause (until /nudges resume) or /nudges pause until 2026-12-24 (nudges start again that day, in each schedule's time zone).";
    let words: Vec<&str> = rest.split_whitespace().collect();
    let date = match words.as_slice() {
        [] => None,
        [until, date] if until.eq_ignore_ascii_case("until") => Some(date),
        [date] if !date.eq_ignore_ascii_case("until") => Some(date),
        [word, ..] if !word.eq_ignore_ascii_case("until") => {
            return Err(CoreError::Refused(format!(
                "\u{201c}{word}\u{201d} is not something /nudges pause knows. {PAUSE_USAGE}"
            )));
        }
        _ => return Err(CoreError::Refused(PAUSE_USAGE.into())),
    };
    let date = date
        .map(|date| parse_date(date))
        .transpose()
        .map_err(CoreError::Refused)?;
    let storage = ctx.coach.storage();
    let schedules = storage.channel_schedules(channel).await?;
    if schedules.is_empty() {
        return Err(CoreError::Refused(format!(
            "#{} has no nudge schedule to pause.",
            channel.channel
        )));
    }
    let mut paused = Vec::new();
    for schedule in &schedules {
        let zone = parse_zone(&schedule.zone).unwrap_or(Tz::UTC);
        let until = date.map(|date| start_of_day(date, zone));
        if let (Some(date), Some(until)) = (date, until) {
            if until <= ctx.now {
                let today = ctx.now.with_timezone(&zone).date_naive();
                let problem = if date < today {
                    format!(
                        "{date} has passed in {} (it is {today} there): pause until a later day.",
                        zone.name()
                    )
                } else {
                    format!(
                        "{date} is today in {}, so a pause until then would end at once: nudges start again at the beginning of the day you name. To be quiet today, /nudges skip {date}, or pause until {}.",
                        zone.name(),
                        date.succ_opt().unwrap_or(date)
                    )
                };
                return Err(CoreError::Refused(problem));
            }
        }
        let mut schedule = schedule.clone();
        schedule.paused = true;
        schedule.paused_until = until;
        paused.push((schedule, zone));
    }
    for (schedule, _) in &paused {
        storage
            .set_schedule_paused(schedule.id, true, schedule.paused_until)
            .await?;
    }
    ctx.coach.schedules_changed().notify_one();
    let quiet = quiet_periods(ctx, channel).await?;
    let mut body = format!("#{} is quiet", channel.channel);
    match date {
        None => body.push_str(" until you /nudges resume."),
        Some(date) => {
            let _ = write!(body, " until {date} starts in each schedule's zone:");
            for (schedule, zone) in &paused {
                let until = schedule.paused_until.expect("a date was given");
                let _ = write!(
                    body,
                    "\n- **{}** in {}: quiet until {}; next: {}",
                    schedule.label,
                    zone.name(),
                    local(until, *zone),
                    next_text(schedule, ctx.now, &quiet)
                );
            }
        }
    }
    Ok(vec![
        ctx.reply(RichMessage::titled("Nudges paused", body), true),
    ])
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

/// The schedule named by `rest` (`2`, as in `/nudges status`), else the one whose nudge goes
/// out next in the channel: one with a nudge already on its way first, then the earliest next
/// time that is not held back, then the first schedule. `None` when the channel has none.
async fn chosen_schedule(
    ctx: &Context<'_>,
    channel: &ChannelAddress,
    rest: &str,
) -> Result<Option<(Schedule, Option<DateTime<Utc>>)>, CoreError> {
    let schedules = ctx.coach.storage().channel_schedules(channel).await?;
    if schedules.is_empty() {
        return Ok(None);
    }
    let rest = rest.trim();
    if !rest.is_empty() {
        let index = schedule_number(rest, schedules.len())?;
        let schedule = schedules[index].clone();
        let quiet = quiet_periods(ctx, channel).await?;
        let at = spec_and_zone(&schedule).and_then(|(spec, zone)| {
            upcoming(&schedule, &spec, zone, ctx.now, &quiet, 1)
                .first()
                .copied()
        });
        return Ok(Some((schedule, at)));
    }
    for schedule in &schedules {
        let deliveries = ctx.coach.storage().schedule_deliveries(schedule.id).await?;
        if deliveries.iter().any(|d| d.state == DeliveryState::Pending) {
            return Ok(Some((schedule.clone(), None)));
        }
    }
    let quiet = quiet_periods(ctx, channel).await?;
    let next = schedules
        .iter()
        .filter_map(|schedule| {
            let (spec, zone) = spec_and_zone(schedule)?;
            let at = *upcoming(schedule, &spec, zone, ctx.now, &quiet, 1).first()?;
            Some((at, schedule))
        })
        .min_by_key(|(at, schedule)| (*at, schedule.id));
    Ok(Some(match next {
        Some((at, schedule)) => (schedule.clone(), Some(at)),
        None => (schedules[0].clone(), None),
    }))
}

/// `N` (from 1 to `count`) as an index.
fn schedule_number(text: &str, count: usize) -> Result<usize, CoreError> {
    text.parse::<usize>()
        .ok()
        .filter(|n| (1..=count).contains(n))
        .map(|n| n - 1)
        .ok_or_else(|| {
            CoreError::Refused(format!(
                "\u{201c}{text}\u{201d} is not a schedule number: give one from 1 to {count} (see /nudges status)."
            ))
        })
}

async fn preview(
    ctx: &Context<'_>,
    channel: &ChannelAddress,
    rest: &str,
) -> Result<Vec<Outgoing>, CoreError> {
    let Some((schedule, at)) = chosen_schedule(ctx, channel, rest).await? else {
        return Err(CoreError::Refused(format!(
            "#{} has no nudge schedule yet: /nudges set one, and preview shows what it sends next.",
            channel.channel
        )));
    };
    let slug = ctx.coach.next_nudge(&schedule).await?;
    let mut outgoing = ctx
        .coach
        .nudge_message(&slug, &channel.channel, None)
        .ok_or_else(|| CoreError::Refused("The catalog has nothing to send yet.".into()))?;
    outgoing.message.title = outgoing
        .message
        .title
        .map(|title| format!("Preview · {title}"));
    let zone = parse_zone(&schedule.zone).unwrap_or(Tz::UTC);
    let when = at.map_or("next".to_owned(), |at| format!("on {}", local(at, zone)));
    outgoing.message.body = format!(
        "What \u{201c}{}\u{201d} in {} sends {when}:\n\n{}",
        schedule.label, schedule.zone, outgoing.message.body
    );
    let message = outgoing.message;
    Ok(vec![ctx.reply(message, true)])
}

async fn send_now(
    ctx: &Context<'_>,
    channel: &ChannelAddress,
    rest: &str,
) -> Result<Vec<Outgoing>, CoreError> {
    let Some((schedule, _)) = chosen_schedule(ctx, channel, rest).await? else {
        return Err(CoreError::Refused(format!(
            "#{} has no nudge schedule yet: /nudges set one first.",
            channel.channel
        )));
    };
    if ctx
        .coach
        .storage()
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
            format!(
                "The next nudge of **{}** is on its way to #{}.",
                schedule.label, channel.channel
            ),
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
        (n, count) => schedule_number(n, count)?,
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
    /// The item `schedule` sends next: the one already chosen for a nudge on its way, else
    /// [`Coach::pick_nudge`]. This is what `/nudges preview` shows.
    ///
    /// # Errors
    /// [`CoreError::Refused`] when the catalog has no item of the kind whose turn it is.
    pub async fn next_nudge(&self, schedule: &Schedule) -> Result<String, CoreError> {
        let deliveries = self.storage().schedule_deliveries(schedule.id).await?;
        let on_its_way = deliveries
            .iter()
            .find(|delivery| delivery.state == DeliveryState::Pending)
            .and_then(|delivery| delivery.slug.clone());
        match on_its_way {
            Some(slug) => Ok(slug),
            None => self.pick_from(schedule, &deliveries),
        }
    }

    /// The next item for a schedule that has none chosen yet. The schedule's own kinds take
    /// turns; within a kind no item repeats until all have been sent, and the order within
    /// each round is a fixed shuffle. The pick depends only on this schedule's stored
    /// deliveries, so a restart, or another schedule in the same channel, does not change it.
    ///
    /// # Errors
    /// [`CoreError::Refused`] when the catalog has no item of the kind whose turn it is.
    pub async fn pick_nudge(&self, schedule: &Schedule) -> Result<String, CoreError> {
        let deliveries = self.storage().schedule_deliveries(schedule.id).await?;
        self.pick_from(schedule, &deliveries)
    }

    fn pick_from(
        &self,
        schedule: &Schedule,
        deliveries: &[crate::storage::DeliveryRecord],
    ) -> Result<String, CoreError> {
        let history: Vec<&str> = deliveries
            .iter()
            .filter(|d| matches!(d.state, DeliveryState::Pending | DeliveryState::Sent))
            .filter_map(|d| d.slug.as_deref())
            .collect();
        let kinds = mix_kinds(&schedule.mix);
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
            .copied()
            .filter(|slug| pool.contains(slug))
            .collect();
        let round = sent.len() / pool.len();
        let this_round = &sent[round * pool.len()..];
        let key = format!("schedule/{}/{round}", schedule.id);
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
        let (_, zone, mix) =
            parse_set("daily 08:30 europe/london Models,scenarios", Tz::UTC).unwrap();
        assert_eq!(
            (zone, mix.as_str()),
            (chrono_tz::Europe::London, "models,scenarios")
        );
    }

    #[test]
    fn set_errors_name_the_part_that_is_wrong() {
        for (text, named) in [
            (
                "daily 09:00 EST",
                "time zone \u{201c}EST\u{201d} is an abbreviation",
            ),
            ("daily 09:00 EST", "America/New_York"),
            (
                "daily 09:00 Europe/Berlinn",
                "time zone \u{201c}Europe/Berlinn\u{201d}",
            ),
            (
                "daily 09:00 Berlin",
                "\u{201c}Berlin\u{201d} is neither a time zone nor a mix",
            ),
            (
                "daily 09:00 UTC modles",
                "\u{201c}modles\u{201d} is neither",
            ),
            (
                "daily 09:00 UTC models,modles",
                "\u{201c}modles\u{201d} is not something nudges draw from",
            ),
            ("monthly 09:00 UTC", "\u{201c}monthly\u{201d} is not a day"),
            ("daily 9.00 UTC", "\u{201c}9.00\u{201d} is not a time"),
            ("0 9 * * * * UTC", "has 6 fields"),
        ] {
            let err = parse_set(text, Tz::UTC).unwrap_err();
            assert!(err.contains(named), "{text}: {err}");
        }
    }
}
