//! Manager check-ins with new leaders: `/checkin invite|accept|decline|stop|status|prep`, the
//! check-in a leader receives at the agreed cadence (two or three weekly questions, and once a
//! month the 1-to-5 self-rating of the nine shifts), its follow-ups (one reminder, a snoozed
//! re-send, the manager's digest), and the one-on-one agenda.
//!
//! Privacy: nothing is scheduled or shared before the leader accepts. Each check-in answer is
//! shared with the manager unless the leader makes it private; reflections, nudge replies and
//! scenario answers are never shown to a manager. The manager sees shared answers only while
//! the pair is active ([`super::permissions`]).
//!
//! Layout: `pairing` (invitations, cadence, stop, status), `answering` (the leader's side of
//! a check-in) and `review` (the manager's side: digest, follow-ups, one-on-one agenda). The
//! three share the imports and small helpers of this file through `use super::*`.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, Duration, Utc};
use chrono_tz::Tz;

use super::{
    Context, CoreError, Destination, Outgoing, OutgoingKind, SendKey,
    action::{Action, CheckinStep},
    message::{Button, Field, Form, FormInput, RichMessage},
    permissions::{Data, Viewer, may_see},
    reflect::checked_text,
    when::CronSpec,
};
use crate::{
    content::{CheckinSet, Item, Kind},
    storage::{
        ChannelAddress, Checkin, CheckinAnswer, CheckinPair, CheckinState, Identity, NewPair,
        NewSchedule, PairState, Purpose, Rating, UserId,
    },
};

mod answering;
mod pairing;
mod review;

pub use answering::{pick_questions, rate, share_answer, step};
pub use pairing::{Cadence, answer_invitation, parse_cadence};
use pairing::{invite, on_week, status, stop};
use review::prep;
pub(crate) use review::{managed_leader, shared_ratings, trend_lines};
pub use review::{needs_attention, streak};

/// How long an unanswered check-in waits before its reminder, unless configured.
pub const DEFAULT_REMINDER: Duration = Duration::hours(24);

/// How long "Snooze 1 day" waits.
pub const SNOOZE: Duration = Duration::days(1);

/// How long after answering the manager's digest goes out: time to make an answer private
/// first. "Send to my manager now" skips the wait.
pub const DIGEST_DELAY: Duration = Duration::hours(1);

/// Weekly questions in a check-in (one fewer in the monthly one, which also asks the ratings).
pub const QUESTIONS: usize = 3;

/// Longest answer accepted, in characters.
pub const MAX_ANSWER_CHARS: usize = 2000;

/// A shift rated this or lower ...
pub const ATTENTION_RATING: u8 = 2;

/// ... this many rated check-ins running is flagged in the digest.
pub const ATTENTION_RUN: usize = 3;

/// The cadence when the invitation names none.
pub const DEFAULT_CADENCE: &str = "weekly mon 10:00";

/// Check-ins looked back on for question rotation.
const ROTATION_WINDOW: i64 = 6;

/// How far back a one-on-one agenda looks when there was no earlier one.
const FIRST_PREP_DAYS: i64 = 30;

const USAGE: &str = "Usage: /checkin invite @leader [weekly tue 10:00 | biweekly thu 16:00 | cron] [zone], /checkin accept, /checkin decline, /checkin stop [@person], /checkin status, /checkin prep @leader; a leader's latest check-in: /checkin answer, rate, snooze or skip.";

/// `/checkin …`.
pub async fn checkin(ctx: &Context<'_>, text: &str) -> Result<Vec<Outgoing>, CoreError> {
    let words: Vec<&str> = text.split_whitespace().collect();
    let Some((verb, rest)) = words.split_first() else {
        return Err(CoreError::Refused(USAGE.into()));
    };
    match verb.to_lowercase().as_str() {
        "invite" => invite(ctx, rest).await,
        "accept" => answer_invitation(ctx, None, true).await,
        "decline" => answer_invitation(ctx, None, false).await,
        "stop" | "end" => stop(ctx, rest).await,
        "status" => status(ctx).await,
        "prep" => prep(ctx, rest).await,
        "answer" => latest_step(ctx, CheckinStep::Answer).await,
        "rate" => latest_step(ctx, CheckinStep::Rate).await,
        "snooze" => latest_step(ctx, CheckinStep::Snooze).await,
        "skip" => latest_step(ctx, CheckinStep::Skip).await,
        _ => Err(CoreError::Refused(USAGE.into())),
    }
}

/// `/checkin answer|rate|snooze|skip`: the leader's latest check-in, as its buttons would do
/// (for a check-in whose message is out of reach, or read where buttons do not work).
async fn latest_step(ctx: &Context<'_>, step: CheckinStep) -> Result<Vec<Outgoing>, CoreError> {
    let storage = ctx.coach.storage();
    let pair = storage
        .open_pairs(ctx.user, &ctx.interaction.actor.workspace)
        .await?
        .into_iter()
        .find(|pair| pair.leader == ctx.user && pair.state == PairState::Active)
        .ok_or_else(|| {
            CoreError::Refused(
                "You have no check-ins as a leader here. /checkin status shows your pairs.".into(),
            )
        })?;
    let latest = storage
        .pair_checkins(pair.id, 1)
        .await?
        .into_iter()
        .next()
        .ok_or_else(|| {
            CoreError::Refused(
                "No check-in has come yet. /checkin status says when the first one does.".into(),
            )
        })?;
    answering::step(ctx, latest.id, step, None).await
}

/// The person a mention names, as a user id: verified mentions (Discord, Slack) are taken as
/// members and recorded if new; a console name must belong to someone who used the coach.
async fn mentioned(ctx: &Context<'_>, token: &str) -> Result<(UserId, String), CoreError> {
    let actor = &ctx.interaction.actor;
    let external = ctx
        .coach
        .router()
        .mentioned_user(actor.platform, token)
        .ok_or_else(|| {
            CoreError::Refused(format!(
                "\u{201c}{token}\u{201d} is not a mention. Name the person with @, as your chat suggests it."
            ))
        })?;
    let identity = Identity::new(actor.platform, &actor.workspace, &external);
    let storage = ctx.coach.storage();
    let user = match storage.find_user(&identity).await? {
        Some(user) => user,
        None if actor.platform.mentions_are_verified() => {
            storage.user_for(&identity, ctx.now).await?
        }
        None => {
            return Err(CoreError::Refused(format!(
                "No one called {external} has used the coach here. They need to use it once first (in the console: /as {external}, then any command, such as /help)."
            )));
        }
    };
    Ok((user, external))
}

/// How to show a person in a message: their name as last seen.
async fn name_of(ctx: &crate::core::Coach, user: UserId) -> Result<String, CoreError> {
    Ok(ctx
        .storage()
        .display_name(user)
        .await?
        .unwrap_or_else(|| "someone".into()))
}

fn dm(to: &str, message: RichMessage) -> Outgoing {
    Outgoing::new(
        OutgoingKind::Dm,
        Destination::Person(to.to_owned()),
        true,
        message,
    )
}

async fn external_id(
    coach: &crate::core::Coach,
    user: UserId,
) -> Result<Option<String>, CoreError> {
    Ok(coach
        .storage()
        .user_identity(user)
        .await?
        .map(|identity| identity.external_id))
}

fn pair_zone(pair: &CheckinPair, fallback: Tz) -> Tz {
    pair.zone
        .as_deref()
        .and_then(|name| crate::zone::parse_zone(name).ok())
        .unwrap_or(fallback)
}

/// The nine shifts in rating order (by number, the identity shift last), from the catalog.
pub fn rated_shifts(catalog: &crate::content::Catalog) -> Vec<&Item> {
    let mut shifts: Vec<&Item> = catalog.of_kind(Kind::Shift).collect();
    shifts.sort_by_key(|item| (item.number.unwrap_or(u8::MAX), item.slug.clone()));
    shifts
}

/// The latest rating of each shift, and the one before it, among `ratings` (oldest first).
fn latest_two(ratings: &[Rating]) -> BTreeMap<String, (Option<u8>, u8)> {
    let mut out: BTreeMap<String, (Option<u8>, u8)> = BTreeMap::new();
    for rating in ratings {
        out.entry(rating.shift.clone())
            .and_modify(|(before, now)| {
                *before = Some(*now);
                *now = rating.rating;
            })
            .or_insert((None, rating.rating));
    }
    out
}

fn shift_title(catalog: &crate::content::Catalog, slug: &str) -> String {
    catalog
        .get(slug)
        .map_or_else(|| slug.to_owned(), |item| item.title.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cadences_read_weekly_biweekly_and_cron() {
        let now = Utc::now();
        let weekly = parse_cadence(&["weekly", "tue", "10:00"], now).unwrap();
        assert_eq!(
            (weekly.spec_pattern.as_str(), weekly.every_weeks),
            ("0 10 * * 2", 1)
        );
        let biweekly = parse_cadence(&["biweekly", "thu", "16:00"], now).unwrap();
        assert_eq!(
            (biweekly.spec_pattern.as_str(), biweekly.every_weeks),
            ("0 16 * * 4", 2)
        );
        assert_eq!(parse_cadence(&[], now).unwrap().spec_pattern, "0 10 * * 1");
        assert_eq!(
            parse_cadence(&["weekly"], now).unwrap().spec_pattern,
            "0 10 * * 1"
        );
        assert_eq!(
            parse_cadence(&["weekly", "9am"], now).unwrap().spec_pattern,
            "0 9 * * 1"
        );
        let cron = parse_cadence(&["30", "8", "*", "*", "5"], now).unwrap();
        assert_eq!(
            (cron.spec_pattern.as_str(), cron.every_weeks),
            ("30 8 * * 5", 1)
        );
        for bad in [
            vec!["weekly", "someday", "10:00"],
            vec!["weekly", "tue", "25:00"],
            vec!["weekly", "mon,tue", "10:00"],
            vec!["weekly", "daily", "10:00"],
            vec!["monthly"],
            vec!["0", "9", "*"],
            vec!["weekly", "tue", "10:00", "extra"],
            vec!["*", "*", "*", "*", "*"],
            vec!["0", "9", "*", "*", "1-5"],
            vec!["0", "9", "30", "2", "*"],
            vec!["weekdays", "09:00"],
            vec!["every", "tuesday"],
        ] {
            assert!(parse_cadence(&bad, now).is_err(), "{bad:?}");
        }
    }

    fn checkin_asking(id: i64, questions: &[String]) -> Checkin {
        Checkin {
            id,
            pair: Some(1),
            leader: UserId(1),
            due_at: Utc::now(),
            questions: questions.to_vec(),
            monthly: false,
            state: CheckinState::Answered,
            remind_at: None,
            reminded_at: None,
            snoozed_until: None,
            answered_at: None,
            digest_due_at: None,
            digest_sent_at: None,
        }
    }

    #[test]
    fn questions_rotate_and_lean_toward_the_lowest_rated_shift() {
        let catalog = crate::content::Catalog::embedded().unwrap();
        let weekly = catalog
            .of_kind(Kind::Checkin)
            .filter(|item| item.set == Some(CheckinSet::Weekly))
            .count();
        // Newest first, as the pair's check-ins are read: nothing repeats within the window.
        let mut recent: Vec<Checkin> = Vec::new();
        let mut asked = Vec::new();
        for id in 0..(weekly / QUESTIONS) as i64 {
            let picked = pick_questions(&catalog, &recent, &[], QUESTIONS);
            assert_eq!(picked.len(), QUESTIONS);
            for slug in &picked {
                assert!(!asked.contains(slug), "{slug} repeated within the rotation");
            }
            asked.extend(picked.clone());
            recent.insert(0, checkin_asking(id, &picked));
            recent.truncate(ROTATION_WINDOW as usize);
            if asked.len() >= ROTATION_WINDOW as usize * QUESTIONS {
                break;
            }
        }
        // With one shift rated lowest, the first question is about it.
        let weak = "execution-to-influence";
        let ratings: Vec<Rating> = rated_shifts(&catalog)
            .iter()
            .map(|shift| rating(1, &shift.slug, if shift.slug == weak { 1 } else { 4 }))
            .collect();
        let picked = pick_questions(&catalog, &[], &ratings, QUESTIONS);
        let first = catalog.get(&picked[0]).unwrap();
        assert!(first.shifts.iter().any(|s| s == weak), "{picked:?}");
    }

    fn rating(checkin: i64, shift: &str, value: u8) -> Rating {
        Rating {
            checkin,
            shift: shift.into(),
            rating: value,
            shared: true,
            rated_at: Utc::now(),
        }
    }

    #[test]
    fn attention_needs_three_low_ratings_running() {
        let low = [
            rating(1, "a", 2),
            rating(1, "b", 1),
            rating(2, "a", 1),
            rating(2, "b", 3),
            rating(3, "a", 2),
            rating(3, "b", 2),
        ];
        assert_eq!(needs_attention(&low), ["a"]);
        assert!(needs_attention(&low[..4]).is_empty(), "two is not a run");
        let recovered = [&low[..], &[rating(4, "a", 3)]].concat();
        assert!(needs_attention(&recovered).is_empty());
    }
}
