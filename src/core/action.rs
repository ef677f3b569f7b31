//! What buttons and forms act on: one enum, encoded into a platform id and parsed back here
//! and nowhere else.
//!
//! A button's id and a form's id share this one namespace: pressing a button whose action
//! opens a form (`reflect:…`, `scenario:…`) answers with that form, and submitting the form
//! with the same id does the work. Encoded ids stay within 100 characters, the smallest
//! platform limit (Discord's `custom_id`): slugs are at most 64 characters (the catalog check,
//! `content::MAX_SLUG`, refuses longer ones) and numbers are database ids.

use std::fmt;

use crate::storage::Outcome;

/// What a button press or a form submission is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// The reflection form, optionally about a catalog item and the nudge it came with.
    /// Encoded `reflect`, `reflect:<slug>` or `reflect:<slug>:<delivery>`.
    Reflect {
        slug: Option<String>,
        delivery: Option<i64>,
    },
    /// The answer form of a practice scenario. Encoded `scenario:<slug>`.
    Scenario { slug: String },
    /// A choice on a single-use confirmation (`/mydata delete`). Encoded
    /// `confirm:<id>:yes` or `confirm:<id>:no`.
    Confirm { confirmation: i64, accept: bool },
    /// The leader's answer to a check-in invitation. Encoded `pair:<id>:yes` or `pair:<id>:no`.
    Invitation { pair: i64, accept: bool },
    /// Something the leader does with a check-in. Encoded `checkin:<id>` (the answer form,
    /// also to edit) or `checkin:<id>:<step>`.
    Checkin { checkin: i64, step: CheckinStep },
    /// Shares one check-in answer with the manager or makes it private. Encoded
    /// `share:<checkin>:<answer>:yes` or `…:no`.
    ShareAnswer {
        checkin: i64,
        answer: i64,
        shared: bool,
    },
    /// A self-rating: shift number `shift` (its place in the rating order, from 0) rated
    /// `rating` (1 to 5). Encoded `rate:<checkin>:<shift>:<rating>`.
    Rate { checkin: i64, shift: u8, rating: u8 },
    /// The decision form of `/decide`. Encoded `decide`.
    Decide,
    /// A decision's review: whether the expected outcome happened; the form that follows
    /// asks what was learned. Encoded `review:<id>:yes`, `…:partly` or `…:no`.
    Review { decision: i64, outcome: Outcome },
    /// Shares a decision with the author's manager or makes it private. Encoded
    /// `decision:<id>:share` or `decision:<id>:private`.
    ShareDecision { decision: i64, shared: bool },
}

/// What a button on a check-in does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckinStep {
    /// Open the answer form (again, to edit).
    Answer,
    /// Send it again in a day.
    Snooze,
    /// Skip this one.
    Skip,
    /// Start (or go on with) the monthly self-rating.
    Rate,
    /// Share this month's self-ratings, or keep them private.
    ShareRatings(bool),
    /// Send the manager's digest now instead of waiting.
    SendDigest,
}

impl CheckinStep {
    fn name(self) -> &'static str {
        match self {
            Self::Answer => "",
            Self::Snooze => "snooze",
            Self::Skip => "skip",
            Self::Rate => "rate",
            Self::ShareRatings(true) => "share-ratings",
            Self::ShareRatings(false) => "private-ratings",
            Self::SendDigest => "send",
        }
    }

    fn parse(name: &str) -> Option<Self> {
        [
            Self::Snooze,
            Self::Skip,
            Self::Rate,
            Self::ShareRatings(true),
            Self::ShareRatings(false),
            Self::SendDigest,
        ]
        .into_iter()
        .find(|step| step.name() == name)
    }
}

/// Why an id could not be read: the button or form is from an older version, or made up.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown action id")]
pub struct UnknownAction;

impl Action {
    /// Reads an id written by [`Action`]'s `Display`.
    pub fn parse(id: &str) -> Result<Self, UnknownAction> {
        let mut parts = id.split(':');
        let head = parts.next().unwrap_or_default();
        let rest: Vec<&str> = parts.collect();
        let number = |text: &str| text.parse::<i64>().map_err(|_| UnknownAction);
        let yes_no = |text: &str| match text {
            "yes" => Ok(true),
            "no" => Ok(false),
            _ => Err(UnknownAction),
        };
        let slug = |text: &str| {
            let valid = !text.is_empty()
                && text
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
            if valid {
                Ok(text.to_owned())
            } else {
                Err(UnknownAction)
            }
        };
        match (head, rest.as_slice()) {
            ("reflect", []) => Ok(Self::Reflect {
                slug: None,
                delivery: None,
            }),
            ("reflect", [item]) => Ok(Self::Reflect {
                slug: Some(slug(item)?),
                delivery: None,
            }),
            ("reflect", [item, delivery]) => Ok(Self::Reflect {
                slug: Some(slug(item)?),
                delivery: Some(number(delivery)?),
            }),
            ("scenario", [item]) => Ok(Self::Scenario { slug: slug(item)? }),
            ("confirm", [id, "yes"]) => Ok(Self::Confirm {
                confirmation: number(id)?,
                accept: true,
            }),
            ("confirm", [id, "no"]) => Ok(Self::Confirm {
                confirmation: number(id)?,
                accept: false,
            }),
            ("pair", [id, choice]) => Ok(Self::Invitation {
                pair: number(id)?,
                accept: yes_no(choice)?,
            }),
            ("checkin", [id]) => Ok(Self::Checkin {
                checkin: number(id)?,
                step: CheckinStep::Answer,
            }),
            ("checkin", [id, step]) => Ok(Self::Checkin {
                checkin: number(id)?,
                step: CheckinStep::parse(step).ok_or(UnknownAction)?,
            }),
            ("share", [checkin, answer, choice]) => Ok(Self::ShareAnswer {
                checkin: number(checkin)?,
                answer: number(answer)?,
                shared: yes_no(choice)?,
            }),
            ("rate", [checkin, shift, rating]) => {
                let shift = shift.parse::<u8>().map_err(|_| UnknownAction)?;
                let rating = rating.parse::<u8>().map_err(|_| UnknownAction)?;
                if !(1..=5).contains(&rating) {
                    return Err(UnknownAction);
                }
                Ok(Self::Rate {
                    checkin: number(checkin)?,
                    shift,
                    rating,
                })
            }
            ("decide", []) => Ok(Self::Decide),
            ("review", [id, outcome]) => Ok(Self::Review {
                decision: number(id)?,
                outcome: Outcome::parse(outcome).ok_or(UnknownAction)?,
            }),
            ("decision", [id, "share"]) => Ok(Self::ShareDecision {
                decision: number(id)?,
                shared: true,
            }),
            ("decision", [id, "private"]) => Ok(Self::ShareDecision {
                decision: number(id)?,
                shared: false,
            }),
            _ => Err(UnknownAction),
        }
    }
}

fn yes_no(choice: bool) -> &'static str {
    if choice { "yes" } else { "no" }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Reflect {
                slug: None,
                delivery: _,
            } => f.write_str("reflect"),
            Self::Reflect {
                slug: Some(slug),
                delivery: None,
            } => write!(f, "reflect:{slug}"),
            Self::Reflect {
                slug: Some(slug),
                delivery: Some(delivery),
            } => write!(f, "reflect:{slug}:{delivery}"),
            Self::Scenario { slug } => write!(f, "scenario:{slug}"),
            Self::Confirm {
                confirmation,
                accept,
            } => write!(f, "confirm:{confirmation}:{}", yes_no(*accept)),
            Self::Invitation { pair, accept } => write!(f, "pair:{pair}:{}", yes_no(*accept)),
            Self::Checkin {
                checkin,
                step: CheckinStep::Answer,
            } => write!(f, "checkin:{checkin}"),
            Self::Checkin { checkin, step } => write!(f, "checkin:{checkin}:{}", step.name()),
            Self::ShareAnswer {
                checkin,
                answer,
                shared,
            } => write!(f, "share:{checkin}:{answer}:{}", yes_no(*shared)),
            Self::Rate {
                checkin,
                shift,
                rating,
            } => write!(f, "rate:{checkin}:{shift}:{rating}"),
            Self::Decide => f.write_str("decide"),
            Self::Review { decision, outcome } => {
                write!(f, "review:{decision}:{}", outcome.as_str())
            }
            Self::ShareDecision { decision, shared } => write!(
                f,
                "decision:{decision}:{}",
                if *shared { "share" } else { "private" }
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_action_reads_back_as_itself() {
        let actions = [
            Action::Reflect {
                slug: None,
                delivery: None,
            },
            Action::Reflect {
                slug: Some("pre-mortem".into()),
                delivery: None,
            },
            Action::Reflect {
                slug: Some("pre-mortem".into()),
                delivery: Some(42),
            },
            Action::Scenario {
                slug: "budget-cut".into(),
            },
            Action::Confirm {
                confirmation: 7,
                accept: true,
            },
            Action::Confirm {
                confirmation: 7,
                accept: false,
            },
            Action::Invitation {
                pair: 3,
                accept: true,
            },
            Action::Invitation {
                pair: 3,
                accept: false,
            },
            Action::Checkin {
                checkin: 9,
                step: CheckinStep::Answer,
            },
            Action::Checkin {
                checkin: 9,
                step: CheckinStep::Snooze,
            },
            Action::Checkin {
                checkin: 9,
                step: CheckinStep::Skip,
            },
            Action::Checkin {
                checkin: 9,
                step: CheckinStep::Rate,
            },
            Action::Checkin {
                checkin: 9,
                step: CheckinStep::ShareRatings(true),
            },
            Action::Checkin {
                checkin: 9,
                step: CheckinStep::ShareRatings(false),
            },
            Action::Checkin {
                checkin: 9,
                step: CheckinStep::SendDigest,
            },
            Action::ShareAnswer {
                checkin: 9,
                answer: 12,
                shared: false,
            },
            Action::Rate {
                checkin: 9,
                shift: 8,
                rating: 5,
            },
            Action::Decide,
            Action::Review {
                decision: 4,
                outcome: Outcome::Partly,
            },
            Action::ShareDecision {
                decision: 4,
                shared: true,
            },
            Action::ShareDecision {
                decision: 4,
                shared: false,
            },
        ];
        for action in actions {
            assert_eq!(Action::parse(&action.to_string()), Ok(action.clone()));
            assert!(action.to_string().chars().count() <= 100);
        }
    }

    #[test]
    fn the_longest_ids_fit_discords_custom_id() {
        let slug = "a".repeat(crate::content::MAX_SLUG);
        for action in [
            Action::Reflect {
                slug: Some(slug.clone()),
                delivery: Some(i64::MAX),
            },
            Action::Confirm {
                confirmation: i64::MAX,
                accept: false,
            },
            Action::ShareAnswer {
                checkin: i64::MAX,
                answer: i64::MAX,
                shared: false,
            },
            Action::Checkin {
                checkin: i64::MAX,
                step: CheckinStep::ShareRatings(false),
            },
            Action::Rate {
                checkin: i64::MAX,
                shift: u8::MAX,
                rating: 5,
            },
        ] {
            assert!(action.to_string().chars().count() <= 100, "{action}");
        }
    }

    #[test]
    fn unknown_and_malformed_ids_are_refused() {
        for id in [
            "",
            "mydata:delete:confirm",
            "reflect:Pre Mortem",
            "reflect:a:b",
            "scenario",
            "confirm:x:yes",
            "confirm:3:maybe",
            "reflect:a:1:2",
            "pair:1:maybe",
            "checkin:1:dance",
            "checkin:x",
            "rate:1:2:6",
            "rate:1:2:0",
            "review:1:perhaps",
            "decision:1:shout",
            "decide:1",
            "share:1:2",
        ] {
            assert_eq!(Action::parse(id), Err(UnknownAction), "{id}");
        }
    }
}
