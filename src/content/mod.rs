//! The coaching catalog: the items in `prompts/`, loaded, validated and indexed for lookup.
//!
//! The shipped catalog is embedded in the binary, so the coach works from any folder; setting
//! `SHIFTCOACH_PROMPTS_DIR` loads a folder from disk instead, within bounds (regular files only,
//! limited in size and number; see [`read_dir_sources`]). Either way the whole catalog is
//! checked before use, anything in the folder that is not an item is reported rather than
//! skipped, and a catalog with problems is refused (see [`Problem`]).

mod check;
mod item;
mod load;
pub mod lookup;
mod parse;

use std::{
    collections::HashMap,
    fmt,
    path::{Path, PathBuf},
};

pub use item::{CheckinSet, Item, Kind};
pub use load::{MAX_ENTRIES, MAX_FILE_BYTES, MAX_TOTAL_BYTES, Sources, read_dir_sources};
pub use lookup::{Hit, LookupIndex};
pub use parse::MAX_SLUG;

/// The catalog shipped with this build, from the repository's `prompts/` folder.
static EMBEDDED: include_dir::Dir<'static> =
    include_dir::include_dir!("$CARGO_MANIFEST_DIR/prompts");

/// One problem in a catalog, shown as `path:line: message`, or `path: message` when it
/// concerns a whole file or folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The file or folder, under the catalog folder as it was given.
    pub path: PathBuf,
    /// The line in that file, counting from 1; 0 when the problem has no line (a file that was
    /// not read, a folder, the catalog as a whole).
    pub line: usize,
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            0 => write!(f, "{}: {}", self.path.display(), self.message),
            line => write!(f, "{}:{}: {}", self.path.display(), line, self.message),
        }
    }
}

/// Why a catalog could not be used.
#[derive(Debug, thiserror::Error)]
pub enum ContentError {
    #[error("cannot read the catalog at {path}: {reason}")]
    Unreadable { path: String, reason: String },
    #[error("the catalog has {} problem(s); the first: {}", .0.len(), .0[0])]
    Invalid(Vec<Problem>),
}

/// A validated, indexed catalog.
#[derive(Debug)]
pub struct Catalog {
    items: Vec<Item>,
    by_slug: HashMap<String, usize>,
    index: LookupIndex,
}

/// A catalog source file: where it came from and its text (line endings are normalised when it
/// is parsed).
pub struct SourceFile {
    pub path: PathBuf,
    pub text: String,
}

impl Catalog {
    /// The catalog embedded in this build.
    pub fn embedded() -> Result<Self, ContentError> {
        Self::from_sources(embedded_sources())
    }

    /// Loads and validates the catalog in `dir`.
    ///
    /// # Errors
    ///
    /// [`ContentError::Unreadable`] when `dir` cannot be listed, [`ContentError::Invalid`] with
    /// every problem otherwise (files refused by [`read_dir_sources`] included).
    pub fn load_dir(dir: &Path) -> Result<Self, ContentError> {
        Self::from_sources(read_dir_sources(dir)?)
    }

    /// Validates and indexes a catalog as read.
    ///
    /// # Errors
    ///
    /// [`ContentError::Invalid`] with every problem found, if there is any.
    pub fn from_sources(sources: Sources) -> Result<Self, ContentError> {
        let (items, problems) = check_sources(&sources);
        if !problems.is_empty() {
            return Err(ContentError::Invalid(problems));
        }
        Ok(Self::from_items(items))
    }

    /// Indexes items that are already known to be valid (benchmarks build large synthetic
    /// catalogs this way).
    pub fn from_items(items: Vec<Item>) -> Self {
        let by_slug = items
            .iter()
            .enumerate()
            .map(|(i, item)| (item.slug.clone(), i))
            .collect();
        let index = LookupIndex::build(&items);
        Self {
            items,
            by_slug,
            index,
        }
    }

    pub fn items(&self) -> &[Item] {
        &self.items
    }

    pub fn get(&self, slug: &str) -> Option<&Item> {
        self.by_slug.get(slug).map(|&i| &self.items[i])
    }

    /// The titles and kinds of an item's related items, on one line (`Title (kind), ...`);
    /// `None` when it names none that exist.
    pub fn related_line(&self, item: &Item) -> Option<String> {
        let names: Vec<String> = item
            .related
            .iter()
            .filter_map(|slug| self.get(slug))
            .map(|other| format!("{} ({})", other.title, other.kind))
            .collect();
        (!names.is_empty()).then(|| names.join(", "))
    }

    /// Items of one kind, in a stable order (by slug).
    pub fn of_kind(&self, kind: Kind) -> impl Iterator<Item = &Item> {
        self.items.iter().filter(move |item| item.kind == kind)
    }

    /// Ranks items of the given kinds by relevance to a situation described in plain words.
    pub fn lookup(&self, situation: &str, kinds: &[Kind], limit: usize) -> Vec<Hit<'_>> {
        self.index.search(&self.items, situation, kinds, limit)
    }

    /// Names for autocomplete: items of `kinds` whose slug or title fits what was typed so far,
    /// best first, at most `limit`.
    pub fn complete(&self, typed: &str, kinds: &[Kind], limit: usize) -> Vec<&Item> {
        lookup::complete(&self.items, typed, kinds, limit)
    }
}

/// Checks every source file and the catalog as a whole; returns the items that parsed and
/// every problem found (those met while reading included), in path order.
pub fn check_sources(sources: &Sources) -> (Vec<Item>, Vec<Problem>) {
    let mut problems = sources.problems.clone();
    let mut items = Vec::new();
    for source in &sources.files {
        match parse::parse_file(source) {
            Ok((item, mut found)) => {
                problems.append(&mut found);
                items.push(item);
            }
            Err(mut found) => problems.append(&mut found),
        }
    }
    problems.extend(check::check_catalog(&items));
    problems.extend(check::check_kinds(&sources.root, &items));
    problems.sort_by(|a, b| (&a.path, a.line).cmp(&(&b.path, b.line)));
    items.sort_by(|a, b| a.slug.cmp(&b.slug));
    (items, problems)
}

/// The embedded catalog's item files, with paths as in the repository (`prompts/...`), and
/// any entry of `prompts/` that is not one (see [`read_dir_sources`] for the rules).
pub fn embedded_sources() -> Sources {
    load::embedded_sources(&EMBEDDED)
}
