//! `/progress [@leader]`: a chart of the monthly self-ratings of the nine shifts over time,
//! sent as a PNG file. Anyone sees all of their own ratings; a manager sees an accepted
//! leader's shared ones, and only while the pair is active.

use super::{
    Context, CoreError, Outgoing,
    checkin::{managed_leader, rated_shifts, shared_ratings, trend_lines},
    message::{Attachment, RichMessage},
};
use crate::{chart, storage::Rating};

/// `/progress [@leader]`.
pub async fn progress(ctx: &Context<'_>, text: &str) -> Result<Vec<Outgoing>, CoreError> {
    let words: Vec<&str> = text.split_whitespace().collect();
    let (whose, ratings) = match words.as_slice() {
        [] => (
            ctx.interaction.actor.display_name.clone(),
            ctx.coach.storage().ratings(ctx.user).await?,
        ),
        [who] => {
            let (pair, name) = managed_leader(ctx, who).await?;
            (name, shared_ratings(ctx.coach, &pair).await?)
        }
        _ => {
            return Err(CoreError::Refused(
                "Usage: /progress for your own chart, or /progress @leader for a leader you manage.".into(),
            ));
        }
    };
    if ratings.is_empty() {
        let how = if words.is_empty() {
            "They come with the first check-in of each month; a manager starts check-ins with /checkin invite."
        } else {
            "Shared ratings come with the first check-in of each month, once the leader rates the shifts."
        };
        return Ok(vec![ctx.reply(
            RichMessage::titled(
                format!("Progress: {whose}"),
                format!("No self-ratings to chart yet. {how}"),
            ),
            true,
        )]);
    }
    let png = chart::progress_png(&format!("Self-ratings: {whose}"), &series(ctx, &ratings))
        .map_err(|err| CoreError::Internal(err.into()))?;
    let catalog = ctx.coach.catalog();
    let mut message = RichMessage::titled(
        format!("Progress: {whose}"),
        format!(
            "Self-ratings of the nine shifts from 1 to 5, {} rating(s) so far. The latest, with the change since the one before:\n{}",
            ratings.len(),
            trend_lines(catalog, &ratings).join("\n")
        ),
    );
    message.attachment = Some(Attachment {
        filename: format!(
            "shiftcoach-progress-{}.png",
            ctx.now.format("%Y%m%dT%H%M%SZ")
        ),
        media_type: "image/png",
        bytes: png,
    });
    Ok(vec![ctx.reply(message, true)])
}

/// One line per shift, in rating order, with each rating on its day in the viewer's zone.
fn series(ctx: &Context<'_>, ratings: &[Rating]) -> Vec<chart::Series> {
    rated_shifts(ctx.coach.catalog())
        .into_iter()
        .map(|shift| chart::Series {
            label: short_label(shift),
            points: ratings
                .iter()
                .filter(|r| r.shift == shift.slug)
                .map(|r| (r.rated_at.with_timezone(&ctx.zone).date_naive(), r.rating))
                .collect(),
        })
        .filter(|series| !series.points.is_empty())
        .collect()
}

/// A shift's name short enough for the chart's legend: its number and its slug in words
/// (`3 Output to outcomes`; the identity shift has no number).
fn short_label(shift: &crate::content::Item) -> String {
    let words = shift.slug.replace('-', " ");
    let mut chars = words.chars();
    let words = match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => words,
    };
    match shift.number {
        Some(number) => format!("{number} {words}"),
        None => words,
    }
}
