//! The coaching catalog: the items in `prompts/`, loaded, validated and indexed for lookup.
//!
//! The shipped catalog is embedded in the binary, so the coach works from any folder; setting
//! `SHIFTCOACH_PROMPTS_DIR` loads a folder from disk instead. Either way the whole catalog is
//! checked before use and a catalog with problems is refused (see [`Problem`]).

mod check;
mod item;
pub mod lookup;
mod parse;

use std::{
    collections::HashMap,
    fmt,
    path::{Path, PathBuf},
};

pub use item::{CheckinSet, Item, Kind};
pub use lookup::{Hit, LookupIndex};
pub use parse::MAX_SLUG;

/// The catalog shipped with this build, from the repository's `prompts/` folder.
static EMBEDDED: include_dir::Dir<'static> =
    include_dir::include_dir!("$CARGO_MANIFEST_DIR/prompts");

/// One problem in a catalog, located as `path:line`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub path: PathBuf,
    pub line: usize,
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.path.display(), self.line, self.message)
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

/// A catalog source file: where it came from and its text.
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
    pub fn load_dir(dir: &Path) -> Result<Self, ContentError> {
        Self::from_sources(read_dir_sources(dir)?)
    }

    /// Validates and indexes a set of source files.
    pub fn from_sources(sources: Vec<SourceFile>) -> Result<Self, ContentError> {
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
/// every problem found, in path order.
pub fn check_sources(sources: &[SourceFile]) -> (Vec<Item>, Vec<Problem>) {
    let mut problems = Vec::new();
    let mut items = Vec::new();
    for source in sources {
        match parse::parse_file(source) {
            Ok((item, mut found)) => {
                problems.append(&mut found);
                items.push(item);
            }
            Err(mut found) => problems.append(&mut found),
        }
    }
    problems.extend(check::check_catalog(&items));
    problems.sort_by(|a, b| (&a.path, a.line).cmp(&(&b.path, b.line)));
    items.sort_by(|a, b| a.slug.cmp(&b.slug));
    (items, problems)
}

/// The embedded catalog's item files, with paths as in the repository (`prompts/...`).
pub fn embedded_sources() -> Vec<SourceFile> {
    let mut sources = Vec::new();
    collect_embedded(&EMBEDDED, &mut sources);
    sources.sort_by(|a, b| a.path.cmp(&b.path));
    sources
}

fn collect_embedded(dir: &include_dir::Dir<'static>, out: &mut Vec<SourceFile>) {
    for file in dir.files() {
        if is_item_file(file.path()) {
            out.push(SourceFile {
                path: Path::new("prompts").join(file.path()),
                text: String::from_utf8_lossy(file.contents()).into_owned(),
            });
        }
    }
    for sub in dir.dirs() {
        collect_embedded(sub, out);
    }
}

/// Reads every item file under `dir` (Markdown files in its subfolders).
pub fn read_dir_sources(dir: &Path) -> Result<Vec<SourceFile>, ContentError> {
    let unreadable = |path: &Path, err: std::io::Error| ContentError::Unreadable {
        path: path.display().to_string(),
        reason: err.to_string(),
    };
    let mut sources = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(folder) = pending.pop() {
        for entry in std::fs::read_dir(&folder).map_err(|err| unreadable(&folder, err))? {
            let path = entry.map_err(|err| unreadable(&folder, err))?.path();
            if path.is_dir() {
                pending.push(path);
            } else if is_item_file(path.strip_prefix(dir).unwrap_or(&path)) {
                let text = std::fs::read_to_string(&path).map_err(|err| unreadable(&path, err))?;
                sources.push(SourceFile { path, text });
            }
        }
    }
    sources.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(sources)
}

/// Item files are Markdown files inside a kind folder (`relative` is the path inside the
/// catalog); `README.md` at the top is documentation.
fn is_item_file(relative: &Path) -> bool {
    relative.extension().is_some_and(|ext| ext == "md") && relative.components().count() >= 2
}
