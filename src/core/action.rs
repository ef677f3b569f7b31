//! What buttons and forms act on: one enum, encoded into a platform id and parsed back here
//! and nowhere else.
//!
//! A button's id and a form's id share this one namespace: pressing a button whose action
//! opens a form (`reflect:…`, `scenario:…`) answers with that form, and submitting the form
//! with the same id does the work. Encoded ids stay within 100 characters, the smallest
//! platform limit (Discord's `custom_id`): slugs are at most 64 characters (the catalog check,
//! `content::MAX_SLUG`, refuses longer ones) and numbers are database ids.

use std::fmt;

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
            _ => Err(UnknownAction),
        }
    }
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
            } => write!(
                f,
                "confirm:{confirmation}:{}",
                if *accept { "yes" } else { "no" }
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
        ] {
            assert_eq!(Action::parse(id), Err(UnknownAction), "{id}");
        }
    }
}
