//! The catalog's item types.

use std::collections::BTreeMap;
use std::path::PathBuf;

/// What an item is.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Shift,
    #[default]
    Model,
    Framework,
    Template,
    Scenario,
    Reflection,
    Checkin,
}

impl Kind {
    pub const ALL: [Kind; 7] = [
        Kind::Shift,
        Kind::Model,
        Kind::Framework,
        Kind::Template,
        Kind::Scenario,
        Kind::Reflection,
        Kind::Checkin,
    ];

    /// The kinds a free-text lookup covers when no kind is given (`any`).
    pub const LOOKUP: [Kind; 5] = [
        Kind::Shift,
        Kind::Model,
        Kind::Framework,
        Kind::Template,
        Kind::Scenario,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Shift => "shift",
            Kind::Model => "model",
            Kind::Framework => "framework",
            Kind::Template => "template",
            Kind::Scenario => "scenario",
            Kind::Reflection => "reflection",
            Kind::Checkin => "checkin",
        }
    }

    /// The folder under `prompts/` that holds this kind.
    pub fn folder(self) -> &'static str {
        match self {
            Kind::Shift => "shifts",
            Kind::Model => "models",
            Kind::Framework => "frameworks",
            Kind::Template => "templates",
            Kind::Scenario => "scenarios",
            Kind::Reflection => "reflections",
            Kind::Checkin => "checkins",
        }
    }

    pub fn parse(text: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|kind| kind.as_str() == text)
    }
}

impl std::fmt::Display for Kind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Which check-in a `checkin` item belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CheckinSet {
    /// Asked in rotation each week.
    Weekly,
    /// A 1 to 5 self-rating of one shift, monthly.
    Monthly,
}

/// One catalog item. Fields that only some kinds use are optional or empty elsewhere.
#[derive(Debug, Clone, Default)]
pub struct Item {
    pub slug: String,
    pub kind: Kind,
    pub title: String,
    pub summary: String,
    /// Markdown subset: for templates the text to fill in, for scenarios the situation, for
    /// reflections and check-ins the prompt itself.
    pub body: String,
    pub tags: Vec<String>,
    /// Shifts this item helps with.
    pub shifts: Vec<String>,
    pub related: Vec<String>,
    /// How people describe the moments this item helps with; used by lookup.
    pub situations: Vec<String>,
    /// A reflection question (shifts, models, frameworks) or the question a scenario asks.
    pub question: Option<String>,
    /// Shifts only: 1 to 8 (`identity-shift` has none), and the from/to phrases.
    pub number: Option<u8>,
    pub from: Option<String>,
    pub to: Option<String>,
    /// Templates only: a filled-in example and what each placeholder means.
    pub example: Option<String>,
    pub placeholders: BTreeMap<String, String>,
    /// Scenarios only: what a seasoned leader would weigh.
    pub debrief: Option<String>,
    /// Reflections and monthly check-ins: the one shift they belong to.
    pub shift: Option<String>,
    /// Check-ins only.
    pub set: Option<CheckinSet>,
    /// Monthly check-ins: what ratings 1, 3 and 5 look like.
    pub scale: BTreeMap<u8, String>,
    /// Where the item was read from, and the line of each setting in that file.
    pub path: PathBuf,
    pub lines: BTreeMap<&'static str, usize>,
}

impl Item {
    /// The line of `key` in the item's file (1 when unknown).
    pub fn line_of(&self, key: &str) -> usize {
        self.lines.get(key).copied().unwrap_or(1)
    }
}
