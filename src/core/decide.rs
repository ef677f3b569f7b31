//! The decision journal: `/decide` records a leadership decision with the options weighed, the
//! outcome expected and how sure the author is; on the review date the coach asks whether the
//! outcome happened and what was learned; `/decisions` lists them with a calibration summary,
//! so "90 % sure" can be checked against how often such calls came true.
//!
//! Decisions are private to their author unless they share one with their manager.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;

use super::{
    Context, CoreError, Destination, Outgoing, OutgoingKind, SendKey,
    action::Action,
    message::{Button, Field, Form, FormInput, RichMessage},
    reflect::checked_text,
    when::{parse_date, start_of_day},
};
use crate::storage::{Decision, NewDecision, Outcome};

/// Longest text accepted for each part of a decision, in characters.
pub const MAX_FIELD_CHARS: usize = 1000;
/// Days until a decision's review when none is given.
pub const DEFAULT_REVIEW_DAYS: i64 = 30;
/// Latest review accepted, in days from now.
pub const MAX_REVIEW_DAYS: i64 = 730;
/// Lowest and highest confidence accepted, in percent. Below 50 the author expects the other
/// outcome (which is the one to write down); 100 leaves nothing to calibrate.
pub const CONFIDENCE_RANGE: (u8, u8) = (50, 99);
/// Local hour a review given as a date is sent at.
const REVIEW_HOUR: u32 = 9;
/// Decisions `/decisions` lists.
const LISTED: usize = 10;

/// The inputs of the decision form, by id.
const DECISION: &str = "decision";
const OPTIONS: &str = "options";
const EXPECTED: &str = "expected";
const CONFIDENCE: &str = "confidence";
const REVIEW: &str = "review";
/// The single input of the review form.
const LEARNED: &str = "learned";

/// `/decide [decision]`: opens the decision form, with the decision already filled in when
/// the command gave it.
pub async fn decide(ctx: &Context<'_>, text: &str) -> Result<Vec<Outgoing>, CoreError> {
    let text = crate::text::trim(text);
    let max = MAX_FIELD_CHARS.min(ctx.limits().form_input_chars);
    let input = |id: &str, label: &str, placeholder: &str, multiline: bool, max: usize| FormInput {
        id: id.into(),
        label: label.into(),
        placeholder: Some(placeholder.into()),
        multiline,
        max_chars: max,
        value: None,
    };
    let mut inputs = vec![
        input(
            DECISION,
            "The decision",
            "What you decided, in a sentence",
            true,
            max,
        ),
        input(
            OPTIONS,
            "Options you weighed",
            "The alternatives, including doing nothing",
            true,
            max,
        ),
        input(
            EXPECTED,
            "Outcome you expect",
            "What will be true if this was the right call, and by when",
            true,
            max,
        ),
        input(CONFIDENCE, "How sure are you? (50 to 99 %)", "70", false, 4),
        input(
            REVIEW,
            "Review in days, or on a date",
            "30, or 2027-01-15",
            false,
            10,
        ),
    ];
    if !text.is_empty() {
        inputs[0].value = Some(crate::text::truncate(text, max));
    }
    inputs[4].value = Some(DEFAULT_REVIEW_DAYS.to_string());
    let message = RichMessage {
        form: Some(Form {
            id: Action::Decide.to_string(),
            title: "Record a decision".into(),
            inputs,
        }),
        ..RichMessage::default()
    };
    Ok(vec![ctx.reply(message, true)])
}

/// The submitted decision form: checked, then recorded.
pub async fn submit(
    ctx: &Context<'_>,
    values: &BTreeMap<String, String>,
) -> Result<Vec<Outgoing>, CoreError> {
    let value = |id: &str| values.get(id).map(String::as_str).unwrap_or_default();
    let part = |id: &str, what: &str| {
        checked_text(value(id), MAX_FIELD_CHARS).map_err(|err| match err {
            CoreError::Invalid(text) => CoreError::Invalid(format!("{what}: {text}")),
            other => other,
        })
    };
    let decision = part(DECISION, "The decision")?;
    let options = part(OPTIONS, "The options")?;
    let expected = part(EXPECTED, "The expected outcome")?;
    let confidence = parse_confidence(value(CONFIDENCE)).map_err(CoreError::Invalid)?;
    let review_at = parse_review(value(REVIEW), ctx.now, ctx.zone).map_err(CoreError::Invalid)?;
    let recorded = ctx
        .coach
        .storage()
        .add_decision(&NewDecision {
            author: ctx.user,
            workspace: &ctx.interaction.actor.workspace,
            decision,
            options,
            expected,
            confidence,
            review_at,
            now: ctx.now,
            event: ctx.event,
        })
        .await?;
    tracing::info!(decision = recorded.id, "decision recorded");
    let mut message = RichMessage::titled(
        "Decision recorded",
        format!(
            "**{}**\n\nYou are {confidence} % sure of the outcome. On {} I will ask whether it happened and what you learned. Only you see it unless you share it with your manager.",
            recorded.decision,
            local_date(review_at, ctx.zone),
        ),
    );
    message.buttons = vec![share_button(&recorded)];
    Ok(vec![ctx.reply(message, true)])
}

/// Reads a confidence: `80`, `80%`, `80 %` or `0.8`.
///
/// # Errors
/// A message for the person when it is not a number from 50 to 99 (percent).
pub fn parse_confidence(text: &str) -> Result<u8, String> {
    let (low, high) = CONFIDENCE_RANGE;
    let refusal = || {
        format!(
            "Confidence is a percentage from {low} to {high}, like 70. Below {low} you expect the other outcome: record that one instead. At 100 there is nothing left to learn from the review."
        )
    };
    let text = text.trim().trim_end_matches('%').trim();
    let percent = if let Ok(whole) = text.parse::<u32>() {
        whole
    } else {
        let fraction: f64 = text.parse().map_err(|_| refusal())?;
        if !(0.0..1.0).contains(&fraction) {
            return Err(refusal());
        }
        (fraction * 100.0).round() as u32
    };
    u8::try_from(percent)
        .ok()
        .filter(|p| (low..=high).contains(p))
        .ok_or_else(refusal)
}

/// Reads when to review: a number of days (`30`, `30d`, `6w` for weeks) from `now`, or a date
/// (`2027-01-15`, reviewed at 09:00 in `zone`). Empty means [`DEFAULT_REVIEW_DAYS`].
///
/// # Errors
/// A message for the person when it is neither, in the past, or more than
/// [`MAX_REVIEW_DAYS`] away.
pub fn parse_review(text: &str, now: DateTime<Utc>, zone: Tz) -> Result<DateTime<Utc>, String> {
    let text = text.trim().to_lowercase();
    let usage = "Give the review as a number of days (like 30, or 6w for six weeks) or a date like 2027-01-15.";
    let at = if text.is_empty() {
        now + Duration::days(DEFAULT_REVIEW_DAYS)
    } else if let Some(date) = text.contains('-').then(|| parse_date(&text)) {
        let date = date.map_err(|_| usage.to_owned())?;
        // As with a number of days, the review is at least a day away: tomorrow or later.
        if date <= now.with_timezone(&zone).date_naive() {
            return Err("Give a review date from tomorrow on.".to_owned());
        }
        start_of_day(date, zone) + Duration::hours(i64::from(REVIEW_HOUR))
    } else {
        let words: String = text.split_whitespace().collect();
        let (number, unit) = match words.find(|c: char| !c.is_ascii_digit()) {
            Some(at) => words.split_at(at),
            None => (words.as_str(), ""),
        };
        let count: i64 = number.parse().map_err(|_| usage.to_owned())?;
        let days = match unit {
            "" | "d" | "day" | "days" => count,
            "w" | "week" | "weeks" => count.saturating_mul(7),
            _ => return Err(usage.to_owned()),
        };
        if days < 1 {
            return Err("The review must be at least a day away.".to_owned());
        }
        now + Duration::days(days.min(MAX_REVIEW_DAYS + 1))
    };
    if at <= now {
        return Err("That date has passed: give a review date in the future.".to_owned());
    }
    if at > now + Duration::days(MAX_REVIEW_DAYS) {
        return Err(format!(
            "Reviews are at most {MAX_REVIEW_DAYS} days away; pick an earlier date to check in on it."
        ));
    }
    Ok(at)
}

fn local_date(at: DateTime<Utc>, zone: Tz) -> String {
    at.with_timezone(&zone).format("%a %d %b %Y").to_string()
}

fn share_button(decision: &Decision) -> Button {
    Button {
        action: Action::ShareDecision {
            decision: decision.id,
            shared: !decision.shared,
        }
        .to_string(),
        label: if decision.shared {
            "Make private".into()
        } else {
            "Share with my manager".into()
        },
    }
}

/// `/decisions [review N|share N|private N]`: the author's decisions, newest first, with the
/// calibration summary; or shares one with their manager, or makes it private again.
pub async fn decisions(ctx: &Context<'_>, text: &str) -> Result<Vec<Outgoing>, CoreError> {
    let words: Vec<&str> = text.split_whitespace().collect();
    match words.as_slice() {
        [] | ["list"] => list(ctx).await,
        [verb, id] if matches!(*verb, "share" | "private" | "review") => {
            let id = id.trim_start_matches('#').parse::<i64>().map_err(|_| {
                CoreError::Refused(format!(
                    "Usage: /decisions {verb} N, where N is a number /decisions shows."
                ))
            })?;
            match *verb {
                "review" => review_now(ctx, id).await,
                verb => share(ctx, id, verb == "share").await,
            }
        }
        _ => Err(CoreError::Refused(
            "Usage: /decisions lists your decisions; /decisions review N reviews decision N; /decisions share N or /decisions private N changes who sees it.".into(),
        )),
    }
}

/// `/decisions review N`: the review's question with its buttons, here and now, for a
/// review whose message is out of reach (direct messages closed, or the console restarted)
/// or taken early.
async fn review_now(ctx: &Context<'_>, id: i64) -> Result<Vec<Outgoing>, CoreError> {
    let decision = ctx
        .coach
        .storage()
        .decision(id)
        .await?
        .filter(|decision| decision.author == ctx.user)
        .ok_or_else(|| {
            CoreError::Refused(format!(
                "You have no decision #{id}. /decisions lists yours."
            ))
        })?;
    if let Some(outcome) = decision.outcome {
        return Err(CoreError::Refused(format!(
            "Decision #{id} is reviewed already: {}.",
            outcome_words(outcome)
        )));
    }
    let review = review_message(&decision, &ctx.interaction.actor.user_id, ctx.zone);
    Ok(vec![ctx.reply(review.message, true)])
}

/// Shares decision `id` with the author's manager, or makes it private.
pub async fn share(ctx: &Context<'_>, id: i64, shared: bool) -> Result<Vec<Outgoing>, CoreError> {
    let changed = ctx
        .coach
        .storage()
        .set_decision_shared(id, ctx.user, shared)
        .await?;
    if !changed {
        return Err(CoreError::Refused(format!(
            "You have no decision #{id}. /decisions lists yours."
        )));
    }
    let text = if shared {
        format!(
            "Decision #{id} is now shared with your manager: it shows in their one-on-one agenda. /decisions private {id} takes it back."
        )
    } else {
        format!("Decision #{id} is private again: only you see it.")
    };
    Ok(vec![
        ctx.reply(RichMessage::titled("Sharing changed", text), true),
    ])
}

async fn list(ctx: &Context<'_>) -> Result<Vec<Outgoing>, CoreError> {
    let all = ctx.coach.storage().decisions(ctx.user).await?;
    if all.is_empty() {
        return Ok(vec![ctx.reply(
            RichMessage::titled(
                "Your decisions",
                "None recorded yet. /decide records one with what you expect and how sure you are; on its review date I ask how it went.",
            ),
            true,
        )]);
    }
    let mut message =
        RichMessage::titled("Your decisions", calibration_text(&Calibration::of(&all)));
    for decision in all.iter().take(LISTED) {
        let status = match (decision.outcome, decision.review_sent_at) {
            (Some(outcome), _) => format!(
                "Reviewed: {}{}",
                outcome_words(outcome),
                decision
                    .learned
                    .as_deref()
                    .map(|learned| format!(". Learned: {learned}"))
                    .unwrap_or_default()
            ),
            (None, Some(_)) => format!(
                "Review asked; answer it with the buttons I sent, or /decisions review {}.",
                decision.id
            ),
            (None, None) => format!("Review on {}", local_date(decision.review_at, ctx.zone)),
        };
        let sharing = if decision.shared {
            "shared with your manager"
        } else {
            "private"
        };
        message.fields.push(Field {
            name: format!(
                "#{} {} ({} %)",
                decision.id, decision.decision, decision.confidence
            ),
            value: format!(
                "Expected: {}\n{status}\n{} · {sharing}",
                decision.expected,
                local_date(decision.created_at, ctx.zone)
            ),
        });
    }
    if all.len() > LISTED {
        message.fields.push(Field {
            name: "Older decisions".into(),
            value: format!("{} more; /mydata export has them all.", all.len() - LISTED),
        });
    }
    Ok(vec![ctx.reply(message, true)])
}

/// What an outcome counts for when scoring: yes 1, partly ½, no 0.
pub fn outcome_value(outcome: Outcome) -> f64 {
    match outcome {
        Outcome::Yes => 1.0,
        Outcome::Partly => 0.5,
        Outcome::No => 0.0,
    }
}

fn outcome_words(outcome: Outcome) -> &'static str {
    match outcome {
        Outcome::Yes => "it happened",
        Outcome::Partly => "it partly happened",
        Outcome::No => "it did not happen",
    }
}

/// How well stated confidence matched what happened, over the reviewed decisions.
#[derive(Debug, Clone, PartialEq)]
pub struct Calibration {
    /// Reviewed decisions counted.
    pub reviewed: usize,
    /// Mean of (confidence − outcome)², with confidence as a probability and the outcome
    /// scored by [`outcome_value`]: 0 is perfect, 0.25 is what always saying 50 % earns.
    /// `None` with nothing reviewed.
    pub brier: Option<f64>,
    /// Per confidence band (50–59 %, 60–69 %, … 90–99 %), the bands with reviewed decisions.
    pub bands: Vec<Band>,
}

/// One confidence band of a [`Calibration`].
#[derive(Debug, Clone, PartialEq)]
pub struct Band {
    /// Lowest and highest confidence in the band, in percent.
    pub low: u8,
    pub high: u8,
    pub count: usize,
    /// Mean stated confidence, in percent.
    pub stated: f64,
    /// How often the expected outcome happened, in percent (partly counts half).
    pub happened: f64,
}

impl Calibration {
    /// The calibration of the reviewed decisions among `decisions`.
    pub fn of(decisions: &[Decision]) -> Self {
        let reviewed: Vec<(u8, Outcome)> = decisions
            .iter()
            .filter_map(|d| d.outcome.map(|outcome| (d.confidence, outcome)))
            .collect();
        Self::from_reviews(&reviewed)
    }

    /// The calibration of (confidence in percent, outcome) pairs.
    pub fn from_reviews(reviewed: &[(u8, Outcome)]) -> Self {
        let brier = (!reviewed.is_empty()).then(|| {
            reviewed
                .iter()
                .map(|(confidence, outcome)| {
                    let p = f64::from(*confidence) / 100.0;
                    (p - outcome_value(*outcome)).powi(2)
                })
                .sum::<f64>()
                / reviewed.len() as f64
        });
        let bands = (5..10)
            .filter_map(|tens: u8| {
                let (low, high) = (tens * 10, tens * 10 + 9);
                let within: Vec<&(u8, Outcome)> = reviewed
                    .iter()
                    .filter(|(confidence, _)| (low..=high).contains(confidence))
                    .collect();
                if within.is_empty() {
                    return None;
                }
                let count = within.len();
                let stated = within.iter().map(|(c, _)| f64::from(*c)).sum::<f64>() / count as f64;
                let happened = within.iter().map(|(_, o)| outcome_value(*o)).sum::<f64>() * 100.0
                    / count as f64;
                Some(Band {
                    low,
                    high,
                    count,
                    stated,
                    happened,
                })
            })
            .collect();
        Self {
            reviewed: reviewed.len(),
            brier,
            bands,
        }
    }
}

/// The calibration in words.
pub fn calibration_text(calibration: &Calibration) -> String {
    let Some(brier) = calibration.brier else {
        return "No decision has been reviewed yet, so there is no calibration to show. It appears once reviews come in.".into();
    };
    let mut text = format!(
        "**Calibration** over {} reviewed decision(s): Brier score {brier:.3} (0 is perfect; always saying 50 % scores 0.250).",
        calibration.reviewed
    );
    for band in &calibration.bands {
        text.push_str(&format!(
            "\n- {}–{} % sure: {} decision(s), you said {:.0} % on average and it happened {:.0} % of the time",
            band.low, band.high, band.count, band.stated, band.happened
        ));
    }
    text
}

/// The review a decision's date brings, as a direct message to its author: did the expected
/// outcome happen?
pub fn review_message(decision: &Decision, author: &str, zone: Tz) -> Outgoing {
    let mut message = RichMessage::titled(
        "Decision review",
        format!(
            "On {} you decided: **{}**\n\nYou expected: {}\nYou were {} % sure. Did it happen?",
            local_date(decision.created_at, zone),
            decision.decision,
            decision.expected,
            decision.confidence
        ),
    );
    message.buttons = [
        (Outcome::Yes, "Yes"),
        (Outcome::Partly, "Partly"),
        (Outcome::No, "No"),
    ]
    .into_iter()
    .map(|(outcome, label)| Button {
        action: Action::Review {
            decision: decision.id,
            outcome,
        }
        .to_string(),
        label: label.into(),
    })
    .collect();
    Outgoing::new(
        OutgoingKind::Dm,
        Destination::Person(author.to_owned()),
        true,
        message,
    )
}

/// A press on a review button: the outcome is recorded at once, and a form asks what was
/// learned.
pub async fn review_pressed(
    ctx: &Context<'_>,
    id: i64,
    outcome: Outcome,
) -> Result<Vec<Outgoing>, CoreError> {
    let recorded = ctx
        .coach
        .storage()
        .record_outcome(id, ctx.user, outcome, None, ctx.now)
        .await?;
    if !recorded {
        return Err(CoreError::Refused(
            "That decision is not in your journal (it may have been deleted). /decisions lists yours.".into(),
        ));
    }
    let message = RichMessage {
        form: Some(Form {
            id: Action::Review {
                decision: id,
                outcome,
            }
            .to_string(),
            title: "What did you learn?".into(),
            inputs: vec![FormInput {
                id: LEARNED.into(),
                label: "What you learned".into(),
                placeholder: Some(
                    "What would you weigh differently next time? What surprised you?".into(),
                ),
                multiline: true,
                max_chars: MAX_FIELD_CHARS.min(ctx.limits().form_input_chars),
                value: None,
            }],
        }),
        ..RichMessage::default()
    };
    Ok(vec![ctx.reply(message, true)])
}

/// The submitted review form: what was learned, kept with the outcome.
pub async fn review_submitted(
    ctx: &Context<'_>,
    id: i64,
    outcome: Outcome,
    values: &BTreeMap<String, String>,
) -> Result<Vec<Outgoing>, CoreError> {
    let learned = checked_text(
        values.get(LEARNED).map(String::as_str).unwrap_or_default(),
        MAX_FIELD_CHARS,
    )?;
    let storage = ctx.coach.storage();
    if !storage
        .record_outcome(id, ctx.user, outcome, Some(learned), ctx.now)
        .await?
    {
        return Err(CoreError::Refused(
            "That decision is not in your journal (it may have been deleted). /decisions lists yours.".into(),
        ));
    }
    let all = storage.decisions(ctx.user).await?;
    let message = RichMessage::titled(
        "Review saved",
        format!(
            "Recorded: {}.\n\n{}",
            outcome_words(outcome),
            calibration_text(&Calibration::of(&all))
        ),
    );
    Ok(vec![ctx.reply(message, true)])
}

impl super::Coach {
    /// Sends every decision review due at `now`, each claimed once; returns how many went
    /// out. A review whose author cannot be reached by DM waits as a pending notice.
    pub async fn send_due_reviews(&self, now: DateTime<Utc>) -> Result<usize, CoreError> {
        let storage = self.storage();
        let mut sent = 0;
        for decision in storage.due_reviews(now).await? {
            if !storage.claim_review(decision.id, now).await? {
                continue;
            }
            let Some(identity) = storage.user_identity(decision.author).await? else {
                continue;
            };
            let zone = self.zone_of(decision.author).await?;
            let outgoing = review_message(&decision, &identity.external_id, zone);
            // Claimed once and never tried again: always a first attempt.
            let key = format!("review-{}", decision.id);
            match self
                .send(
                    identity.platform,
                    &decision.workspace,
                    &outgoing,
                    Some(SendKey::first(&key)),
                )
                .await
            {
                Ok(_) => sent += 1,
                Err(err) => {
                    tracing::warn!(decision = decision.id, error = %err, "a decision review could not be sent");
                }
            }
        }
        Ok(sent)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn the_brier_score_of_known_reviews() {
        // (0.9 − 1)² = 0.01, (0.7 − 0)² = 0.49, (0.6 − 0.5)² = 0.01 → mean 0.17.
        let calibration = Calibration::from_reviews(&[
            (90, Outcome::Yes),
            (70, Outcome::No),
            (60, Outcome::Partly),
        ]);
        assert_eq!(calibration.reviewed, 3);
        assert!((calibration.brier.unwrap() - 0.17).abs() < 1e-9);
        let bands: Vec<(u8, usize, f64)> = calibration
            .bands
            .iter()
            .map(|b| (b.low, b.count, b.happened))
            .collect();
        assert_eq!(bands, [(60, 1, 50.0), (70, 1, 0.0), (90, 1, 100.0)]);
        // Always right at 99 % is nearly perfect; always wrong at 99 % nearly the worst.
        let sharp = Calibration::from_reviews(&[(99, Outcome::Yes); 4]);
        assert!((sharp.brier.unwrap() - 0.0001).abs() < 1e-9);
        let wrong = Calibration::from_reviews(&[(99, Outcome::No); 4]);
        assert!((wrong.brier.unwrap() - 0.9801).abs() < 1e-9);
        assert_eq!(Calibration::from_reviews(&[]).brier, None);
    }

    #[test]
    fn a_band_says_how_often_ninety_percent_came_true() {
        let calibration = Calibration::from_reviews(&[
            (90, Outcome::Yes),
            (95, Outcome::No),
            (92, Outcome::Yes),
            (91, Outcome::Yes),
        ]);
        let band = &calibration.bands[0];
        assert_eq!((band.low, band.high, band.count), (90, 99, 4));
        assert!((band.happened - 75.0).abs() < 1e-9);
        assert!((band.stated - 92.0).abs() < 1e-9);
        let text = calibration_text(&calibration);
        assert!(text.contains("90–99 % sure: 4 decision(s)"), "{text}");
        assert!(text.contains("happened 75 %"), "{text}");
    }

    #[test]
    fn confidence_is_read_in_the_forms_people_write() {
        for (text, want) in [
            ("80", 80),
            ("80%", 80),
            (" 80 % ", 80),
            ("0.8", 80),
            ("50", 50),
            ("99", 99),
        ] {
            assert_eq!(parse_confidence(text), Ok(want), "{text}");
        }
        for text in ["49", "100", "0.3", "1.5", "eighty", "", "-70"] {
            assert!(parse_confidence(text).is_err(), "{text}");
        }
    }

    #[test]
    fn a_review_is_days_weeks_or_a_date_in_the_future() {
        let now = Utc.with_ymd_and_hms(2026, 11, 30, 12, 0, 0).unwrap();
        let berlin: Tz = "Europe/Berlin".parse().unwrap();
        assert_eq!(parse_review("", now, berlin), Ok(now + Duration::days(30)));
        assert_eq!(
            parse_review("30", now, berlin),
            Ok(now + Duration::days(30))
        );
        assert_eq!(
            parse_review("45d", now, berlin),
            Ok(now + Duration::days(45))
        );
        assert_eq!(
            parse_review("6w", now, berlin),
            Ok(now + Duration::days(42))
        );
        assert_eq!(
            parse_review("2 weeks", now, berlin),
            Ok(now + Duration::days(14))
        );
        // A date: 09:00 in the author's zone (08:00 UTC in Berlin's winter).
        assert_eq!(
            parse_review("2027-01-15", now, berlin),
            Ok(Utc.with_ymd_and_hms(2027, 1, 15, 8, 0, 0).unwrap())
        );
        for text in [
            "0",
            "2026-11-01",
            "2026-11-30",
            "yesterday",
            "3y",
            "1000",
            "2030-01-01",
        ] {
            assert!(parse_review(text, now, berlin).is_err(), "{text}");
        }
    }
}
