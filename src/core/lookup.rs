//! Catalog commands: `/framework` and `/template` answer a situation in plain words; `/model`,
//! `/shift` and `/scenario` show a named item or pick one the person has not seen.

use std::collections::HashMap;

use rand::seq::SliceRandom;

use super::{Context, CoreError, action::Action, commands, message::*, reflect};
use crate::content::{
    Catalog, Hit, Item, Kind,
    lookup::{Confidence, confidence, shift_number},
};

/// Most autocomplete choices the core offers; an adapter shows fewer where its platform does.
pub const MAX_CHOICES: usize = 25;
/// Alternatives under this relevance are not worth a look next to a clear answer.
pub const MIN_ALTERNATIVE_SCORE: f32 = 1.0;

/// One autocomplete choice: what to show and what to send back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Choice {
    pub label: String,
    pub value: String,
}

/// `/framework <situation>`: frameworks and mental models.
pub async fn framework(ctx: &Context<'_>, situation: &str) -> Result<Vec<Outgoing>, CoreError> {
    answer_situation(ctx, situation, &[Kind::Framework, Kind::Model], "framework").await
}

/// `/template <situation>`: communication templates.
pub async fn template(ctx: &Context<'_>, situation: &str) -> Result<Vec<Outgoing>, CoreError> {
    answer_situation(ctx, situation, &[Kind::Template], "template").await
}

async fn answer_situation(
    ctx: &Context<'_>,
    situation: &str,
    kinds: &[Kind],
    command: &str,
) -> Result<Vec<Outgoing>, CoreError> {
    let situation = situation.trim();
    if situation.is_empty() {
        return Err(CoreError::Refused(format!(
            "Describe the situation in a few words, for example: /{command} the board will ask whether we are secure"
        )));
    }
    let catalog = ctx.coach.catalog();
    // An item named exactly (its slug or title) is that item; one of another kind gets a
    // pointer to the command that shows it, never an unrelated answer.
    let folded = situation.to_lowercase();
    let named = catalog.get(&folded).or_else(|| {
        catalog
            .items()
            .iter()
            .find(|item| item.title.to_lowercase() == folded)
    });
    if let Some(item) = named.filter(|item| !kinds.contains(&item.kind)) {
        return Err(CoreError::Refused(format!(
            "{} is a {}, not a {command}: try /{} {}.",
            item.title,
            item.kind,
            command_for(item.kind),
            name_for(item)
        )));
    }
    let hits = catalog.lookup(situation, kinds, 3);
    let best = match confidence(&hits) {
        Confidence::None => return Ok(vec![ctx.reply(no_match(catalog, kinds, command), true)]),
        Confidence::Weak => {
            tracing::info!(command, "lookup found no clear match");
            return Ok(vec![ctx.reply(weak_match(&hits, command), true)]);
        }
        Confidence::Clear => &hits[0],
    };
    let mut message = render_item(ctx, best.item);
    let others: Vec<String> = hits[1..]
        .iter()
        .filter(|hit| hit.score >= MIN_ALTERNATIVE_SCORE)
        .map(|hit| {
            format!(
                "- **{}** ({}): {}",
                hit.item.title, hit.item.kind, hit.reason
            )
        })
        .collect();
    if !others.is_empty() {
        message.fields.push(Field {
            name: "Also worth a look".into(),
            value: others.join("\n"),
        });
    }
    ctx.coach
        .storage()
        .record_view(ctx.user, &best.item.slug, ctx.now)
        .await?;
    tracing::info!(command, slug = best.item.slug.as_str(), "lookup answered");
    Ok(vec![ctx.reply(message, true)])
}

/// What to say when something matched, but not clearly: that no clear match was found, and the
/// closest few items as directions, each with the command that opens it.
fn weak_match(hits: &[Hit<'_>], command: &str) -> RichMessage {
    RichMessage::titled(
        "No clear match",
        format!(
            "Nothing in the catalog clearly fits that, so here are the closest directions rather than an answer:\n{}\n\nOr say more about who is involved and what is at stake, and try **/{command}** again.",
            directions(hits)
        ),
    )
}

/// The items of `hits` as lines: title, kind, why it came close, and how to open it.
fn directions(hits: &[Hit<'_>]) -> String {
    hits.iter()
        .map(|hit| {
            format!(
                "- **{}** ({}): {}. Open it with **/{} {}**",
                hit.item.title,
                hit.item.kind,
                hit.reason.trim_end_matches('.'),
                command_for(hit.item.kind),
                name_for(hit.item)
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// What to type after an item's command to open it: a shift's number, else the slug.
fn name_for(item: &Item) -> String {
    match (item.kind, item.number) {
        (Kind::Shift, Some(n)) => n.to_string(),
        (Kind::Shift, None) => "identity".to_owned(),
        _ => item.slug.clone(),
    }
}

/// What to say when nothing fits: the kinds and tags worth trying.
fn no_match(catalog: &Catalog, kinds: &[Kind], command: &str) -> RichMessage {
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for item in catalog
        .items()
        .iter()
        .filter(|item| kinds.contains(&item.kind))
    {
        for tag in &item.tags {
            *counts.entry(tag.as_str()).or_default() += 1;
        }
    }
    let mut tags: Vec<(&str, usize)> = counts.into_iter().collect();
    tags.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    let tags: Vec<&str> = tags.into_iter().take(10).map(|(tag, _)| tag).collect();
    RichMessage::titled(
        "No good match",
        format!(
            "Nothing in the catalog fits that well enough to recommend. Try describing who is involved and what is at stake, or use words such as: {}.\n\nOther ways in: **/{}** with different words, **/model** for a mental model, **/scenario** to practise, **/shift** for the shifts.",
            tags.join(", "),
            if command == "framework" {
                "template"
            } else {
                "framework"
            },
        ),
    )
}

/// `/model [name]`.
pub async fn model(ctx: &Context<'_>, name: &str) -> Result<Vec<Outgoing>, CoreError> {
    show_named_or_new(ctx, name, Kind::Model, "model").await
}

/// `/scenario [name]`: the scenario, and a form to answer it.
pub async fn scenario(ctx: &Context<'_>, name: &str) -> Result<Vec<Outgoing>, CoreError> {
    show_named_or_new(ctx, name, Kind::Scenario, "scenario").await
}

async fn show_named_or_new(
    ctx: &Context<'_>,
    name: &str,
    kind: Kind,
    command: &str,
) -> Result<Vec<Outgoing>, CoreError> {
    let catalog = ctx.coach.catalog();
    let name = name.trim();
    let (item, note) = if name.is_empty() {
        pick_unseen(ctx, kind).await?
    } else {
        resolve(catalog, name, kind, command)?
    };
    let mut message = render_item(ctx, item);
    if let Some(note) = note {
        message.body = format!("*{note}*\n\n{}", message.body);
    }
    ctx.coach
        .storage()
        .record_view(ctx.user, &item.slug, ctx.now)
        .await?;
    Ok(vec![ctx.reply(message, true)])
}

/// A random item of `kind` the user has not been shown, or else the one they saw longest ago
/// (the least often among those seen at the same moment).
async fn pick_unseen<'a>(
    ctx: &'a Context<'_>,
    kind: Kind,
) -> Result<(&'a Item, Option<String>), CoreError> {
    let catalog = ctx.coach.catalog();
    // When each was last seen and how often: several views can share one instant (a burst
    // of commands, a paused virtual clock), so the count breaks ties and the rotation goes on.
    let seen: HashMap<String, _> = ctx
        .coach
        .storage()
        .content_views(ctx.user)
        .await?
        .into_iter()
        .map(|(slug, _first, last, times)| (slug, (last, times)))
        .collect();
    let pool: Vec<&Item> = catalog.of_kind(kind).collect();
    let unseen: Vec<&Item> = pool
        .iter()
        .copied()
        .filter(|item| !seen.contains_key(&item.slug))
        .collect();
    if let Some(item) = unseen.choose(&mut rand::thread_rng()) {
        return Ok((item, None));
    }
    let oldest = pool
        .iter()
        .min_by_key(|item| seen.get(&item.slug))
        .ok_or_else(|| CoreError::Refused(format!("The catalog has no {kind} yet.")))?;
    let note = format!(
        "You have seen all {} {kind}s; here is the one you saw longest ago.",
        pool.len()
    );
    Ok((oldest, Some(note)))
}

/// Shortest name typed that a single near spelling may stand for: shorter words are too easy
/// to mistake for another ("two" is not "tools").
const MIN_TYPO_CHARS: usize = 5;

/// Finds the item of `kind` a person asked for: by slug, title, the start of one, or a close
/// enough spelling; else, reading the words as a situation, the clearly best item of `kind`
/// (with a note saying it was the closest match). Suggestions are always of `kind`: the
/// command asks for one, so another kind is offered only when named exactly by its slug.
fn resolve<'a>(
    catalog: &'a Catalog,
    name: &str,
    kind: Kind,
    command: &str,
) -> Result<(&'a Item, Option<String>), CoreError> {
    let lower = name.to_lowercase();
    let candidates = catalog.complete(name, &[kind], 3);
    let exact = catalog
        .get(&lower)
        .filter(|item| item.kind == kind)
        .or_else(|| {
            candidates
                .iter()
                .copied()
                .find(|item| item.title.eq_ignore_ascii_case(name))
        });
    let starts = || {
        candidates.iter().copied().find(|item| {
            item.slug.starts_with(&lower.replace(' ', "-"))
                || item.title.to_lowercase().starts_with(&lower)
        })
    };
    let typo =
        || (candidates.len() == 1 && name.chars().count() >= MIN_TYPO_CHARS).then(|| candidates[0]);
    if let Some(item) = exact.or_else(starts).or_else(typo) {
        return Ok((item, None));
    }
    // A name of another kind (a slug, a title, or a shift by number) points to its command.
    let shift = (kind != Kind::Shift && lower.contains("shift"))
        .then(|| crate::content::lookup::shift_number(&lower))
        .flatten()
        .and_then(|n| {
            catalog
                .of_kind(Kind::Shift)
                .find(|item| item.number == Some(n))
        });
    let other = catalog
        .get(&lower)
        .or_else(|| {
            catalog
                .items()
                .iter()
                .find(|item| item.title.to_lowercase() == lower)
        })
        .or(shift);
    if let Some(other) = other.filter(|other| other.kind != kind) {
        return Err(CoreError::Refused(format!(
            "{} is a {}, not a {kind}: try /{} {}.",
            other.title,
            other.kind,
            command_for(other.kind),
            name_for(other)
        )));
    }
    let hits = catalog.lookup(name, &[kind], 3);
    if confidence(&hits) == Confidence::Clear {
        let note = format!(
            "No {kind} is called \u{201c}{name}\u{201d}; this is the closest one to those words."
        );
        return Ok((hits[0].item, Some(note)));
    }
    let hint = if hits.is_empty() {
        let names: Vec<String> = candidates
            .iter()
            .map(|item| format!("**/{command} {}**", name_for(item)))
            .collect();
        if names.is_empty() {
            String::new()
        } else {
            format!(" Did you mean {}?", names.join(", "))
        }
    } else {
        format!(
            " Nothing clearly fits those words either; the closest {kind}s:\n{}\n",
            directions(&hits)
        )
    };
    let without_name = match kind {
        Kind::Shift => "lists them all",
        _ => "picks one for you",
    };
    Err(CoreError::Refused(format!(
        "There is no {kind} called \u{201c}{name}\u{201d}.{hint} /{command} with no name {without_name}."
    )))
}

/// The command that shows items of `kind` by name.
fn command_for(kind: Kind) -> &'static str {
    match kind {
        Kind::Framework => "framework",
        Kind::Template => "template",
        Kind::Scenario => "scenario",
        Kind::Shift => "shift",
        _ => "model",
    }
}

/// `/shift [1-8|identity]`.
pub async fn shift(ctx: &Context<'_>, arg: &str) -> Result<Vec<Outgoing>, CoreError> {
    let catalog = ctx.coach.catalog();
    let arg = arg.trim().to_lowercase();
    if arg.is_empty() {
        return Ok(vec![ctx.reply(shift_overview(catalog), true)]);
    }
    let (item, note) = match shift_number(&arg) {
        _ if arg == "identity" => (identity_shift(catalog)?, None),
        Some(9) => (identity_shift(catalog)?, None),
        Some(n) => {
            let item = catalog
                .of_kind(Kind::Shift)
                .find(|item| item.number == Some(n))
                .ok_or_else(|| {
                    CoreError::Refused(format!(
                        "There is no shift {n}: shifts are numbered 1 to 8, plus /shift identity."
                    ))
                })?;
            (item, None)
        }
        None => resolve(catalog, &arg, Kind::Shift, "shift")?,
    };
    ctx.coach
        .storage()
        .record_view(ctx.user, &item.slug, ctx.now)
        .await?;
    let mut message = render_item(ctx, item);
    if let Some(note) = note {
        message.body = format!("*{note}*\n\n{}", message.body);
    }
    Ok(vec![ctx.reply(message, true)])
}

/// The identity shift, which has no number.
fn identity_shift(catalog: &Catalog) -> Result<&Item, CoreError> {
    catalog
        .get("identity-shift")
        .ok_or_else(|| CoreError::Refused("The identity shift is missing from the catalog.".into()))
}

fn shift_overview(catalog: &Catalog) -> RichMessage {
    let mut shifts: Vec<&Item> = catalog.of_kind(Kind::Shift).collect();
    shifts.sort_by_key(|item| item.number.unwrap_or(u8::MAX));
    let lines: Vec<String> = shifts
        .iter()
        .map(|item| {
            let label = item.number.map_or("identity".to_owned(), |n| n.to_string());
            format!(
                "{}. **{} \u{2192} {}**: {}",
                label,
                item.from.as_deref().unwrap_or(&item.title),
                item.to.as_deref().unwrap_or(""),
                item.summary
            )
        })
        .collect();
    RichMessage::titled(
        "From engineer to leader",
        format!(
            "Leading security is a different job, not more of the same one. These are the shifts it asks of you; open one with **/shift 1** to **/shift 8**, or **/shift identity**.\n\n{}",
            lines.join("\n")
        ),
    )
}

/// The answer form alone, for platforms that open it from a button.
pub fn scenario_form(ctx: &Context<'_>, slug: &str) -> Result<Vec<Outgoing>, CoreError> {
    let catalog = ctx.coach.catalog();
    let item = reflect::scenario_in(catalog, slug)?;
    let message = RichMessage {
        form: render_item(ctx, item).form,
        ..RichMessage::default()
    };
    Ok(vec![ctx.reply(message, true)])
}

/// Autocomplete for the name argument of `command`.
pub fn autocomplete(catalog: &Catalog, command: &str, typed: &str) -> Vec<Choice> {
    let kind = match commands::find(command).map(|spec| spec.id) {
        Some(commands::CommandId::Model) => Kind::Model,
        Some(commands::CommandId::Scenario) => Kind::Scenario,
        Some(commands::CommandId::Shift) => Kind::Shift,
        _ => return Vec::new(),
    };
    catalog
        .complete(typed, &[kind], MAX_CHOICES)
        .into_iter()
        .map(|item| Choice {
            label: match item.number {
                Some(n) => format!("{n}. {}", item.title),
                None => item.title.clone(),
            },
            value: match (kind, item.number) {
                (Kind::Shift, Some(n)) => n.to_string(),
                (Kind::Shift, None) => "identity".to_owned(),
                _ => item.slug.clone(),
            },
        })
        .collect()
}

/// An item in full, as a rich message.
pub fn render_item(ctx: &Context<'_>, item: &Item) -> RichMessage {
    let catalog = ctx.coach.catalog();
    let mut message = RichMessage {
        title: Some(item.title.clone()),
        body: item.body.clone(),
        slug: Some(item.slug.clone()),
        ..RichMessage::default()
    };
    let mut field = |name: &str, value: &str| {
        message.fields.push(Field {
            name: name.into(),
            value: value.to_owned(),
        });
    };
    match item.kind {
        Kind::Template => {
            let fill: Vec<String> = item
                .placeholders
                .iter()
                .map(|(name, meaning)| format!("- {{{name}}}: {meaning}"))
                .collect();
            field("Fill in", &fill.join("\n"));
            if let Some(example) = &item.example {
                field("Example", example);
            }
        }
        Kind::Scenario => {
            if let Some(question) = &item.question {
                field("Your call", question);
            }
        }
        _ => {
            if let Some(question) = &item.question {
                field("Ask yourself", question);
            }
        }
    }
    if let Some(related) = catalog.related_line(item) {
        field("Related", &related);
    }
    match item.kind {
        Kind::Scenario => {
            message.form = Some(Form {
                id: Action::Scenario {
                    slug: item.slug.clone(),
                }
                .to_string(),
                title: "Your answer".into(),
                inputs: vec![FormInput {
                    id: reflect::SCENARIO_INPUT.into(),
                    label: "What would you do?".into(),
                    placeholder: Some("Who you call, what you decide, what you say...".into()),
                    multiline: true,
                    max_chars: reflect::MAX_REFLECTION_CHARS.min(ctx.limits().form_input_chars),
                    value: None,
                }],
            });
        }
        Kind::Model | Kind::Framework | Kind::Shift => {
            message.buttons.push(Button {
                action: Action::Reflect {
                    slug: Some(item.slug.clone()),
                    delivery: None,
                }
                .to_string(),
                label: "Reflect".into(),
            });
        }
        _ => {}
    }
    message
}
