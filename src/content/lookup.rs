//! Relevance ranking for situations described in plain words.
//!
//! BM25F over the item's fields (title, tags and situations weigh most), with Snowball
//! stemming from `rust-stemmers`, a small stop-word list, phrase normalisation (`1:1`,
//! `third-party`, ...) and a synonym map for leadership and security vocabulary. Before that,
//! words are read in context: a job title after a career word is the move, not the audience
//! ("promoted to director"); being pulled or dragged into work is one concept whatever the work
//! is; who a message is for weighs double and generic meeting words half. An item named
//! outright (slug, title, a shift's number in digits, words or ordinals) comes first, and
//! [`confidence`] says when the best hit is too weak to present as the answer. The maths is a
//! few lines and the field weights and synonyms are the point, so it is written here rather
//! than pulled in with a search engine.

use std::collections::{HashMap, HashSet};

use aho_corasick::{AhoCorasick, MatchKind};
use rust_stemmers::{Algorithm, Stemmer};

use super::{Item, Kind};

const K1: f32 = 1.2;
const B: f32 = 0.75;
/// Weight of a synonym relative to the word typed.
const SYNONYM_WEIGHT: f32 = 0.6;
/// Credit for a typed word's other matching forms beyond its best one.
const OTHER_FORMS_CREDIT: f32 = 0.3;

/// How much each field counts.
#[derive(Clone, Copy)]
enum Field {
    Title,
    Tags,
    Situations,
    Summary,
    Question,
    Body,
    Extra,
}

impl Field {
    const COUNT: usize = 7;

    fn weight(self) -> f32 {
        match self {
            Field::Title => 3.0,
            Field::Tags => 2.0,
            Field::Situations => 2.0,
            Field::Summary => 1.5,
            Field::Question => 0.7,
            Field::Body => 1.0,
            Field::Extra => 0.4,
        }
    }
}

/// One ranked result.
#[derive(Debug, Clone)]
pub struct Hit<'a> {
    pub item: &'a Item,
    /// Relevance; [`NAMED_SCORE`] when the query named the item outright.
    pub score: f32,
    /// The share of the query's words (0 to 1) this item matched, directly or through a
    /// synonym; 1 for an item named outright.
    pub coverage: f32,
    /// One line saying why it matched.
    pub reason: String,
}

/// How sure a lookup is that its best hit answers the question.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Confidence {
    /// The best hit can be presented as the answer.
    Clear,
    /// Something matched, but not well enough to present as the answer: offer the closest
    /// few as directions instead.
    Weak,
    /// Nothing matched at all.
    None,
}

/// A best hit scoring at least this much is clear (when it also covers enough of the query).
/// Calibrated on the shipped catalog: every labelled query answered right scores 4.9 or
/// more, and off-topic questions ("what's for lunch", "which laptop should I buy for gaming")
/// score 4.8 at most, with low coverage.
pub const CLEAR_SCORE: f32 = 4.5;
/// Below this share of the query's words matched, the best hit is weak unless it scores twice
/// [`CLEAR_SCORE`]: it matched a side remark, not the question, unless the remark was telling
/// ("we already sunk 400k into this SIEM").
pub const MIN_COVERAGE: f32 = 0.35;
/// A best hit under [`CLEAR_SCORE`] is still clear when it matched every word typed, scores
/// at least [`LEAD_SCORE`] and is [`LEAD_RATIO`] times the runner-up: a short question with
/// one obvious answer (`/scenario mfa`).
pub const LEAD_SCORE: f32 = 2.5;
/// See [`LEAD_SCORE`].
pub const LEAD_RATIO: f32 = 1.5;

/// How sure `hits` (a lookup's results, best first, at least two asked for) are of the first.
/// Clear when the best scores twice [`CLEAR_SCORE`]; or scores [`CLEAR_SCORE`] and covers
/// [`MIN_COVERAGE`] of the query; or matched every word, scores [`LEAD_SCORE`] and leads the
/// runner-up by [`LEAD_RATIO`]. Weak otherwise.
pub fn confidence(hits: &[Hit<'_>]) -> Confidence {
    let Some(best) = hits.first() else {
        return Confidence::None;
    };
    let runner_up = hits.get(1).map_or(0.0, |hit| hit.score);
    let clear = best.score >= 2.0 * CLEAR_SCORE
        || (best.score >= CLEAR_SCORE && best.coverage >= MIN_COVERAGE)
        || (best.coverage >= 1.0
            && best.score >= LEAD_SCORE
            && best.score >= LEAD_RATIO * runner_up);
    if clear {
        Confidence::Clear
    } else {
        Confidence::Weak
    }
}

/// The score of an item the query names outright (its slug, its title, or a shift's number):
/// above any relevance score, so it always comes first.
pub const NAMED_SCORE: f32 = 1000.0;

/// The inverted index over a catalog.
#[derive(Debug)]
pub struct LookupIndex {
    analyzer: Analyzer,
    postings: HashMap<String, Posting>,
    /// Per item, the terms of each situation and each tag, to explain a match without
    /// analysing text again at query time.
    explain: Vec<Explain>,
    items: usize,
}

#[derive(Debug)]
struct Explain {
    situations: Vec<Vec<String>>,
    tags: Vec<Vec<String>>,
}

/// The items a term occurs in.
#[derive(Debug, Default)]
struct Posting {
    idf: f32,
    /// (item index, field-weighted and length-normalised term frequency).
    docs: Vec<(u32, f32)>,
}

impl LookupIndex {
    pub fn build(items: &[Item]) -> Self {
        let analyzer = Analyzer::new();
        let mut cache = HashMap::new();
        let docs: Vec<[Vec<String>; Field::COUNT]> = items
            .iter()
            .map(|item| analyzer.fields(item, &mut cache))
            .collect();
        let mut avg = [0f32; Field::COUNT];
        for doc in &docs {
            for (f, tokens) in doc.iter().enumerate() {
                avg[f] += tokens.len() as f32;
            }
        }
        let n = docs.len().max(1) as f32;
        for value in &mut avg {
            *value = (*value / n).max(1.0);
        }
        let fields = [
            Field::Title,
            Field::Tags,
            Field::Situations,
            Field::Summary,
            Field::Question,
            Field::Body,
            Field::Extra,
        ];
        let mut postings: HashMap<String, Posting> = HashMap::new();
        for (doc_id, doc) in docs.iter().enumerate() {
            let mut weighted: HashMap<&str, f32> = HashMap::new();
            for (f, tokens) in doc.iter().enumerate() {
                let norm = 1.0 - B + B * tokens.len() as f32 / avg[f];
                for token in tokens {
                    *weighted.entry(token).or_default() += fields[f].weight() / norm;
                }
            }
            for (term, tf) in weighted {
                postings
                    .entry(term.to_owned())
                    .or_default()
                    .docs
                    .push((doc_id as u32, tf));
            }
        }
        for posting in postings.values_mut() {
            let df = posting.docs.len() as f32;
            posting.idf = (1.0 + (n - df + 0.5) / (df + 0.5)).ln();
        }
        let explain = items
            .iter()
            .map(|item| Explain {
                situations: item
                    .situations
                    .iter()
                    .map(|s| analyzer.terms_cached(s, &mut cache))
                    .collect(),
                tags: item
                    .tags
                    .iter()
                    .map(|tag| analyzer.terms_cached(&tag.replace('-', " "), &mut cache))
                    .collect(),
            })
            .collect();
        Self {
            analyzer,
            postings,
            explain,
            items: items.len(),
        }
    }

    /// The best `limit` items of `kinds` for `situation`, best first. Empty when nothing in the
    /// query matches.
    pub fn search<'a>(
        &self,
        items: &'a [Item],
        situation: &str,
        kinds: &[Kind],
        limit: usize,
    ) -> Vec<Hit<'a>> {
        if limit == 0 {
            return Vec::new();
        }
        if let Some(item) = named(items, situation, kinds) {
            return vec![Hit {
                item,
                score: NAMED_SCORE,
                coverage: 1.0,
                reason: "named in the question".into(),
            }];
        }
        let query = self.analyzer.query(situation);
        if query.is_empty() {
            return Vec::new();
        }
        let typed: Vec<usize> = (0..query.len())
            .map(|i| self.analyzer.origin_of(&query, i))
            .collect();
        let concepts = query.iter().filter(|(_, _, typed)| *typed).count();
        let mut scores = vec![0f32; self.items];
        // Which typed words each item matched (directly or through a synonym), as bits.
        let mut matched = vec![0u64; self.items];
        // A typed word counts mainly through its best-scoring form (itself or a synonym), with
        // a little credit for its other forms, so a word with many synonyms cannot outweigh
        // the rest of the query.
        let mut best = vec![0f32; self.items];
        let mut sum = vec![0f32; self.items];
        let mut touched = Vec::new();
        for concept in 0..concepts {
            for (i, (term, weight, _)) in query.iter().enumerate() {
                let Some(posting) = self.postings.get(term).filter(|_| typed[i] == concept) else {
                    continue;
                };
                for &(doc, tf) in &posting.docs {
                    let doc = doc as usize;
                    let score = weight * posting.idf * tf * (K1 + 1.0) / (tf + K1);
                    if best[doc] == 0.0 {
                        touched.push(doc);
                    }
                    best[doc] = best[doc].max(score);
                    sum[doc] += score;
                }
            }
            for doc in touched.drain(..) {
                scores[doc] += best[doc] + OTHER_FORMS_CREDIT * (sum[doc] - best[doc]);
                matched[doc] |= 1u64 << concept.min(63);
                best[doc] = 0.0;
                sum[doc] = 0.0;
            }
        }
        let typed_terms = concepts.max(1) as f32;
        let mut ranked: Vec<(usize, f32, f32)> = scores
            .iter()
            .enumerate()
            .filter(|(doc, score)| **score > 0.0 && kinds.contains(&items[*doc].kind))
            .map(|(doc, score)| {
                let coverage = (matched[doc].count_ones() as f32 / typed_terms).min(1.0);
                (doc, score * (0.5 + 0.5 * coverage), coverage)
            })
            .collect();
        ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        ranked.truncate(limit);
        ranked
            .into_iter()
            .map(|(doc, score, coverage)| Hit {
                item: &items[doc],
                score,
                coverage,
                reason: self.reason(doc, &items[doc], &query),
            })
            .collect()
    }
}

/// The item of `kinds` that `text` names outright: a shift by its number (when shifts are
/// asked for), or any item by its slug or title.
fn named<'a>(items: &'a [Item], text: &str, kinds: &[Kind]) -> Option<&'a Item> {
    let of_kinds = || items.iter().filter(|item| kinds.contains(&item.kind));
    if kinds.contains(&Kind::Shift)
        && let Some(n) = shift_number(text)
        && let Some(item) =
            of_kinds().find(|item| item.kind == Kind::Shift && item.number == Some(n))
    {
        return Some(item);
    }
    let text = text.trim().trim_start_matches('/').trim().to_lowercase();
    let squashed = text.replace([' ', '_'], "-");
    of_kinds().find(|item| {
        item.slug == squashed
            || (item.title.len() == text.len() && item.title.to_lowercase() == text)
    })
}

/// The number a short text gives for a shift: `2`, `two`, `second`, `2nd`, `shift 2`, `the
/// second shift`, `number two please`, `the third one`. A longer text counts only when the
/// number sits next to the word shift (`tell me about shift two`), so a situation that merely
/// contains a number (`a team of three`) names no shift.
pub fn shift_number(text: &str) -> Option<u8> {
    let lower = text.to_lowercase();
    let words: Vec<&str> = lower
        .split(|c: char| !c.is_alphanumeric())
        .filter(|word| !word.is_empty())
        .collect();
    let is_shift = |word: &str| word == "shift" || word == "shifts";
    for (i, word) in words.iter().enumerate() {
        if !is_shift(word) {
            continue;
        }
        let next = words.get(i + 1).and_then(|w| number_word(w));
        let before = i.checked_sub(1).and_then(|j| number_word(words[j]));
        if let Some(n) = next.or(before.filter(|_| words[i - 1] != "one")) {
            return Some(n);
        }
    }
    let numbers: Vec<&str> = words
        .iter()
        .copied()
        .filter(|word| number_word(word).is_some())
        .collect();
    // "one" is a filler next to another number ("the third one").
    let numbers: Vec<&str> = if numbers.len() > 1 {
        numbers.into_iter().filter(|word| *word != "one").collect()
    } else {
        numbers
    };
    let other_words = words
        .iter()
        .filter(|word| number_word(word).is_none() && !NUMBER_FILLERS.contains(word))
        .count();
    match numbers.as_slice() {
        [number] if other_words == 0 => number_word(number),
        _ => None,
    }
}

/// A number written as digits, a word, or an ordinal (`3`, `three`, `third`, `3rd`).
fn number_word(word: &str) -> Option<u8> {
    const WORDS: [&str; 10] = [
        "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
    ];
    const ORDINALS: [&str; 10] = [
        "first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth",
        "tenth",
    ];
    let position = |list: &[&str]| list.iter().position(|w| *w == word);
    if let Some(i) = position(&WORDS).or_else(|| position(&ORDINALS)) {
        return u8::try_from(i + 1).ok();
    }
    let digits = ["st", "nd", "rd", "th"]
        .iter()
        .find_map(|suffix| word.strip_suffix(suffix))
        .unwrap_or(word);
    digits.parse::<u8>().ok().filter(|_| digits.len() <= 2)
}

/// Words that may surround a shift's number without making the text a situation.
const NUMBER_FILLERS: &[&str] = &[
    "shift", "shifts", "the", "a", "number", "no", "nr", "num", "please", "pls", "plz", "show",
    "me", "open", "tell", "about", "one", "ok", "okay", "thanks", "thx", "hey", "hi", "go", "to",
    "i", "want", "see", "read", "give", "can", "you", "what", "is", "was", "on", "s",
];

/// Turns text into search terms.
struct Analyzer {
    stemmer: Stemmer,
    /// Finds every entry of [`PHRASES`] in one pass.
    phrases: AhoCorasick,
    replacements: Vec<&'static str>,
    stop_words: HashSet<&'static str>,
    /// stemmed term → stemmed synonyms.
    synonyms: HashMap<String, Vec<String>>,
    /// stemmed term → weight in a query, for the words of [`EMPHASIS`].
    emphasis: HashMap<String, f32>,
}

impl std::fmt::Debug for Analyzer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Analyzer")
            .field("synonyms", &self.synonyms.len())
            .finish_non_exhaustive()
    }
}

/// A query term: (stemmed term, weight, typed by the user rather than added as a synonym).
type QueryTerm = (String, f32, bool);

impl Analyzer {
    fn new() -> Self {
        let stemmer = Stemmer::create(Algorithm::English);
        let phrases = AhoCorasick::builder()
            .match_kind(MatchKind::LeftmostLongest)
            .build(PHRASES.iter().map(|(from, _)| from))
            .expect("the phrase table builds an automaton");
        let mut synonyms: HashMap<String, Vec<String>> = HashMap::new();
        let stem_all = |words: &[&str]| -> Vec<String> {
            words
                .iter()
                .map(|word| stemmer.stem(word).into_owned())
                .collect()
        };
        for group in SYNONYM_GROUPS {
            let stems = stem_all(group);
            for stem in &stems {
                let entry = synonyms.entry(stem.clone()).or_default();
                entry.extend(stems.iter().filter(|other| *other != stem).cloned());
            }
        }
        for (word, implied) in IMPLIES {
            let from = stem_all(&[word]).remove(0);
            synonyms.entry(from).or_default().extend(stem_all(implied));
        }
        for list in synonyms.values_mut() {
            list.sort();
            list.dedup();
        }
        let emphasis = EMPHASIS
            .iter()
            .flat_map(|(words, weight)| {
                stem_all(words).into_iter().map(move |stem| (stem, *weight))
            })
            .collect();
        Self {
            emphasis,
            stemmer,
            phrases,
            replacements: PHRASES.iter().map(|(_, to)| *to).collect(),
            stop_words: STOP_WORDS.iter().copied().collect(),
            synonyms,
        }
    }

    /// Lowercases and rewrites multi-word and punctuated terms into single words.
    fn normalise(&self, text: &str) -> String {
        let text = text.to_lowercase().replace(['\u{2019}', '\''], "");
        self.phrases.replace_all(&text, &self.replacements)
    }

    /// The stemmed terms of `text`, in order, stop words removed.
    fn terms(&self, text: &str) -> Vec<String> {
        self.terms_cached(text, &mut HashMap::new())
    }

    /// Like [`Self::terms`], remembering stems in `cache` (indexing stems the same words many
    /// times).
    fn terms_cached(&self, text: &str, cache: &mut HashMap<String, String>) -> Vec<String> {
        let normalised = self.normalise(text);
        let words: Vec<&str> = normalised
            .split(|c: char| !c.is_alphanumeric())
            .filter(|word| !word.is_empty())
            .collect();
        roles_in_context(pulled_in(words))
            .into_iter()
            .filter(|word| !self.stop_words.contains(word))
            .map(|word| match cache.get(word) {
                Some(stem) => stem.clone(),
                None => {
                    let stem = self.stemmer.stem(word).into_owned();
                    cache.insert(word.to_owned(), stem.clone());
                    stem
                }
            })
            .collect()
    }

    fn fields(
        &self,
        item: &Item,
        cache: &mut HashMap<String, String>,
    ) -> [Vec<String>; Field::COUNT] {
        let mut title = self.terms_cached(&item.title, cache);
        title.extend(self.terms_cached(&item.slug.replace('-', " "), cache));
        for part in [&item.from, &item.to].into_iter().flatten() {
            title.extend(self.terms_cached(part, cache));
        }
        let extra: Vec<&str> = [&item.example, &item.debrief]
            .into_iter()
            .flatten()
            .map(String::as_str)
            .collect();
        [
            title,
            self.terms_cached(&item.tags.join(" ").replace('-', " "), cache),
            self.terms_cached(&item.situations.join(" "), cache),
            self.terms_cached(&item.summary, cache),
            self.terms_cached(item.question.as_deref().unwrap_or(""), cache),
            self.terms_cached(&item.body, cache),
            self.terms_cached(&extra.join(" "), cache),
        ]
    }

    /// The query's terms with synonyms: typed terms first (weight 1), then synonyms.
    fn query(&self, text: &str) -> Vec<QueryTerm> {
        let mut out: Vec<QueryTerm> = Vec::new();
        for term in self.terms(text) {
            if !out.iter().any(|(t, _, _)| *t == term) {
                let weight = self.emphasis.get(&term).copied().unwrap_or(1.0);
                out.push((term, weight, true));
            }
        }
        let typed: Vec<(String, f32)> = out.iter().map(|(t, w, _)| (t.clone(), *w)).collect();
        for (term, weight) in &typed {
            for synonym in self.synonyms.get(term).into_iter().flatten() {
                if !out.iter().any(|(t, _, _)| t == synonym) {
                    out.push((synonym.clone(), weight * SYNONYM_WEIGHT, false));
                }
            }
        }
        out
    }

    /// For the query term at `index`, the position of the typed term it stands for.
    fn origin_of(&self, query: &[QueryTerm], index: usize) -> usize {
        let (term, _, typed) = &query[index];
        if *typed {
            return index;
        }
        query
            .iter()
            .position(|(t, _, typed)| {
                *typed && self.synonyms.get(t).is_some_and(|list| list.contains(term))
            })
            .unwrap_or(index)
    }
}

/// Reads "pulled into", "dragged me back into", "keeps sucking me in" as being drawn into
/// hands-on work (`weeds`), whatever the work is: a verb of pulling followed within three words
/// by `into`, `in` or `back`. Likewise "myself" after a verb of doing the work ("fixing it
/// myself", "triage every alert myself").
fn pulled_in(mut words: Vec<&str>) -> Vec<&str> {
    const DOING: &[&str] = &[
        "do",
        "doing",
        "did",
        "fix",
        "fixing",
        "fixed",
        "handle",
        "handling",
        "triage",
        "triaging",
        "review",
        "reviewing",
        "write",
        "writing",
        "code",
        "coding",
        "run",
        "running",
        "investigate",
        "investigating",
        "patch",
        "patching",
        "answer",
        "answering",
        "jump",
        "jumping",
    ];
    for i in 0..words.len() {
        if words[i] == "myself"
            && words[i.saturating_sub(5)..i]
                .iter()
                .any(|word| DOING.contains(word))
        {
            words[i] = "weeds";
        }
    }
    const VERBS: &[&str] = &[
        "pull", "pulls", "pulled", "pulling", "drag", "drags", "dragged", "dragging", "suck",
        "sucks", "sucked", "sucking", "draw", "draws", "drawn", "drawing", "rope", "roped",
    ];
    for i in 0..words.len() {
        if VERBS.contains(&words[i])
            && words[i + 1..]
                .iter()
                .take(3)
                .any(|next| matches!(*next, "into" | "in" | "back"))
        {
            words[i] = "weeds";
        }
    }
    words
}

/// Reads a job title as a career move rather than as the person's audience when a career word
/// comes shortly before it ("promoted to director", "become a CISO") or a word for a job
/// shortly after it ("the head of security opening", "a CISO role"): the director or CISO is
/// where the person is going, not the board or the executives they report to. A new role
/// (`newrole`) keeps its title: "new manager" is what the new-manager items are about.
fn roles_in_context(words: Vec<&str>) -> Vec<&str> {
    /// How many words after a career word a job title still belongs to it.
    const REACH: usize = 5;
    /// How many words after a job title a word for a job still makes it one.
    const JOB_REACH: usize = 3;
    let mut left = 0;
    let mut out = Vec::with_capacity(words.len());
    for (i, word) in words.iter().copied().enumerate() {
        if CAREER_MARKERS.contains(&word) {
            left = REACH;
            out.push(word);
            continue;
        }
        let is_role = ROLE_WORDS.contains(&word);
        let job_follows = || {
            words[i + 1..]
                .iter()
                .take(JOB_REACH)
                .any(|next| JOB_WORDS.contains(next))
        };
        if is_role && (left > 0 || job_follows()) {
            out.push("career");
            left = REACH;
        } else {
            out.push(word);
            left = left.saturating_sub(1);
        }
    }
    out
}

/// Words that open a career move.
const CAREER_MARKERS: &[&str] = &[
    "promoted",
    "promotion",
    "promote",
    "career",
    "become",
    "becoming",
    "jump",
    "ladder",
    "offer",
    "offered",
    "apply",
    "applying",
    "reach",
];

/// Words for a job, which make a job title before them a career move.
const JOB_WORDS: &[&str] = &[
    "role", "roles", "position", "job", "jobs", "opening", "seat", "track", "title", "level",
];

/// Job titles, which name an audience ("my director wants...") unless a career word comes
/// first.
const ROLE_WORDS: &[&str] = &[
    "director",
    "directors",
    "vp",
    "svp",
    "evp",
    "ciso",
    "cso",
    "cio",
    "cto",
    "head",
    "manager",
    "lead",
    "leader",
    "executive",
    "exec",
    "chief",
    "principal",
    "senior",
    "officer",
];

impl LookupIndex {
    /// One line on why an item matched: its closest described situation, else matching tags,
    /// else its summary.
    fn reason(&self, doc: usize, item: &Item, query: &[QueryTerm]) -> String {
        let explain = &self.explain[doc];
        let overlap = |terms: &[String]| {
            terms
                .iter()
                .filter(|term| query.iter().any(|(t, _, _)| t == *term))
                .count()
        };
        let best_situation = explain
            .situations
            .iter()
            .zip(&item.situations)
            .map(|(terms, situation)| (overlap(terms), situation))
            .filter(|(count, _)| *count > 0)
            .max_by_key(|(count, _)| *count);
        if let Some((_, situation)) = best_situation {
            return format!("for moments like \u{201c}{situation}\u{201d}");
        }
        let tags: Vec<&str> = explain
            .tags
            .iter()
            .zip(&item.tags)
            .filter(|(terms, _)| overlap(terms) > 0)
            .map(|(_, tag)| tag.as_str())
            .collect();
        if !tags.is_empty() {
            return format!("about {}", tags.join(", "));
        }
        item.summary.clone()
    }
}

/// Autocomplete: items of `kinds` whose slug or title fits `typed`, best first.
pub fn complete<'a>(items: &'a [Item], typed: &str, kinds: &[Kind], limit: usize) -> Vec<&'a Item> {
    let typed = typed.trim().to_lowercase();
    let mut scored: Vec<(f64, &Item)> = items
        .iter()
        .filter(|item| kinds.contains(&item.kind))
        .filter_map(|item| {
            let score = if typed.is_empty() {
                1.0
            } else {
                name_score(&typed, &item.slug, &item.title.to_lowercase())
            };
            (score > 0.0).then_some((score, item))
        })
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.title.cmp(&b.1.title)));
    scored
        .into_iter()
        .take(limit)
        .map(|(_, item)| item)
        .collect()
}

/// How well `typed` names an item: prefixes beat substrings beat near misses.
fn name_score(typed: &str, slug: &str, title: &str) -> f64 {
    let squashed = typed.replace([' ', '_'], "-");
    if slug == squashed || title == typed {
        return 5.0;
    }
    if slug.starts_with(&squashed) || title.starts_with(typed) {
        return 4.0;
    }
    if title
        .split(|c: char| !c.is_alphanumeric())
        .chain(slug.split('-'))
        .any(|word| word.starts_with(typed))
    {
        return 3.0;
    }
    if slug.contains(&squashed) || title.contains(typed) {
        return 2.5;
    }
    // Typos: compare with the start of the slug and with each word.
    let prefix: String = slug.chars().take(squashed.chars().count()).collect();
    let near_prefix =
        squashed.chars().count() >= 3 && strsim::damerau_levenshtein(&squashed, &prefix) <= 1;
    let best_word = title
        .split(|c: char| !c.is_alphanumeric())
        .chain(slug.split('-'))
        .map(|word| strsim::jaro_winkler(typed, word))
        .fold(strsim::jaro_winkler(&squashed, slug), f64::max);
    if near_prefix {
        2.0
    } else if best_word >= 0.85 {
        best_word
    } else {
        0.0
    }
}

/// Written forms that mean one thing, turned into one word before tokenising.
const PHRASES: &[(&str, &str)] = &[
    ("1:1", " oneonone "),
    ("1-on-1", " oneonone "),
    ("one-on-one", " oneonone "),
    ("one on one", " oneonone "),
    ("third-party", "thirdparty"),
    ("third party", "thirdparty"),
    ("3rd party", "thirdparty"),
    ("c-suite", "csuite"),
    ("c-level", "csuite"),
    ("sign-off", "signoff"),
    ("sign off", "signoff"),
    ("signed off", "signoff"),
    ("go-live", "golive"),
    ("go live", "golive"),
    ("trade-off", "tradeoff"),
    ("trade off", "tradeoff"),
    ("pen test", "pentest"),
    ("pen-test", "pentest"),
    ("penetration test", "pentest"),
    ("push back", "pushback"),
    ("push-back", "pushback"),
    ("pushing back", "pushback"),
    ("post-mortem", "postmortem"),
    ("post mortem", "postmortem"),
    ("pre-mortem", "premortem"),
    ("pre mortem", "premortem"),
    ("lessons learned", "postmortem"),
    ("5-15", "fivefifteen"),
    ("5/15", "fivefifteen"),
    ("10/10/10", "tententen"),
    ("10-10-10", "tententen"),
    ("multi-factor", "multifactor"),
    ("two-factor", "2fa"),
    ("zero trust", "zerotrust"),
    ("zero-trust", "zerotrust"),
    ("hands-on", "handson"),
    ("hands on", "handson"),
    ("in the weeds", "weeds"),
    ("burned out", "burnout"),
    ("burnt out", "burnout"),
    ("burn out", "burnout"),
    ("build or buy", "buildvsbuy"),
    ("build vs buy", "buildvsbuy"),
    ("build versus buy", "buildvsbuy"),
    ("opt out", "exception"),
    ("opt-out", "exception"),
    ("carve-out", "exception"),
    ("carve out", "exception"),
    ("hold up", "holdup"),
    ("hold-up", "holdup"),
    ("slow down", "slowing"),
    ("slows down", "slowing"),
    ("not answering", "unresponsive"),
    ("isnt answering", "unresponsive"),
    ("not responding", "unresponsive"),
    ("stepping in", "handson"),
    ("step in", "handson"),
    ("jump in", "handson"),
    ("take over", "handson"),
    ("taking over", "handson"),
    ("do it myself", "handson"),
    ("doing it myself", "handson"),
    ("who decides", "decider"),
    ("big picture", "bigpicture"),
    ("are we secure", "aresecure"),
    ("are we safe", "aresecure"),
    ("is it secure", "aresecure"),
    ("how secure are we", "aresecure"),
    ("how secure we are", "aresecure"),
    ("whether we are secure", "aresecure"),
    ("if we are secure", "aresecure"),
    ("are we protected", "aresecure"),
    ("new job", "newrole"),
    ("new role", "newrole"),
    ("first 90", "newrole"),
    ("just promoted", "newrole"),
    ("got promoted", "newrole"),
    ("was promoted", "newrole"),
    ("been promoted", "newrole"),
    ("newly promoted", "newrole"),
    ("recently promoted", "newrole"),
    ("new manager", "newrole manager"),
    ("first time manager", "newrole manager"),
    ("first-time manager", "newrole manager"),
    // The board is a body; a director on it is not the director someone reports to.
    ("board of directors", "board"),
    ("board meeting", "board"),
    ("directors meeting", "board"),
    ("board members", "board"),
    ("board member", "board"),
    ("audit committee", "board"),
    ("non-exec", "nonexecutive"),
    // Ending up in hands-on work, whatever the work is (being pulled or dragged into it is
    // read word by word, see `pulled_in`).
    ("ending up back in", "weeds"),
    ("jumping into", "weeds"),
    ("jump into", "weeds"),
    ("jumping on", "weeds"),
    ("jump on", "weeds"),
    ("still the one", "selfbottleneck"),
    ("always the one", "selfbottleneck"),
    ("only one who", "selfbottleneck"),
    ("only person who", "selfbottleneck"),
    ("get to", "reach"),
    ("go from", "become"),
    ("going from", "become"),
    ("move into", "become"),
    ("moving into", "become"),
    ("step into", "become"),
    ("stepping into", "become"),
    ("grow into", "become"),
    ("growing into", "become"),
    ("end up back in", "weeds"),
    ("ending up doing", "weeds"),
    ("end up doing", "weeds"),
    ("do everything myself", "weeds"),
    ("doing everything myself", "weeds"),
    ("do it all myself", "weeds"),
    ("doing it all myself", "weeds"),
    ("fix it myself", "weeds"),
    ("fixing it myself", "weeds"),
    // Everything waiting on one person.
    ("goes through me", "selfbottleneck"),
    ("go through me", "selfbottleneck"),
    ("runs through me", "selfbottleneck"),
    ("routes through me", "selfbottleneck"),
    ("waiting on me", "selfbottleneck"),
    ("waits on me", "selfbottleneck"),
    ("wait on me", "selfbottleneck"),
    ("waiting for me", "selfbottleneck"),
    ("waits for me", "selfbottleneck"),
    ("wait for me", "selfbottleneck"),
    ("without me", "selfbottleneck"),
    ("single point of failure", "selfbottleneck"),
    // Meeting someone for the first time.
    ("first meeting", "introduce"),
    ("introduce myself", "introduce"),
    ("feel like a fraud", "imposter"),
    ("feel like a fake", "imposter"),
    ("feel like an imposter", "imposter"),
    ("feel like an impostor", "imposter"),
    // Deciding.
    ("make a call", "decide"),
    ("make the call", "decide"),
    ("makes the call", "decide"),
    ("making the call", "decide"),
    ("make that call", "decide"),
    ("call the shots", "decide"),
    ("one-pager", "one page"),
    ("one pager", "one page"),
    ("write-up", "writeup"),
    ("write up", "writeup"),
    // Aiming for a role.
    ("want to be a", "become a"),
    ("wanna be a", "become a"),
    ("aspire to be", "become"),
    ("step up to", "become"),
    ("move up to", "become"),
    ("make it to", "become"),
    // When something happens says nothing about what it is.
    ("next week", " "),
    ("this week", " "),
    ("last week", " "),
    ("next month", " "),
    ("this month", " "),
    ("last month", " "),
    ("next year", " "),
    ("this year", " "),
    ("last year", " "),
    ("tomorrow", " "),
    ("tonight", " "),
    ("yesterday", " "),
    ("today", " "),
    // Breadth.
    ("bit about everything", "generalist"),
    ("bit of everything", "generalist"),
    ("little of everything", "generalist"),
    ("jack of all trades", "generalist"),
];

/// Words that mean the same thing for lookup; every word stands for the others.
const SYNONYM_GROUPS: &[&[&str]] = &[
    &[
        "board",
        "trustees",
        "nonexecutive",
        "chair",
        "chairman",
        "chairwoman",
    ],
    &[
        "exec",
        "execs",
        "executive",
        "executives",
        "ceo",
        "cfo",
        "cto",
        "coo",
        "cio",
        "vp",
        "svp",
        "evp",
        "csuite",
        "founder",
        "president",
        "director",
        "leadership",
    ],
    &[
        "breach",
        "incident",
        "compromise",
        "compromised",
        "intrusion",
        "hacked",
        "attack",
        "attacked",
        "leak",
        "leaked",
    ],
    &[
        "budget",
        "headcount",
        "funding",
        "money",
        "cost",
        "spend",
        "finance",
        "investment",
        "afford",
        "expensive",
    ],
    &["secure", "safe", "protected", "posture", "aresecure"],
    &[
        "vendor",
        "supplier",
        "thirdparty",
        "provider",
        "saas",
        "contractor",
        "partner",
    ],
    &["exception", "waiver", "exemption", "bypass", "exempt"],
    &["mfa", "2fa", "multifactor", "passkey", "yubikey", "totp"],
    &[
        "prioritize",
        "prioritise",
        "prioritization",
        "priorities",
        "backlog",
        "rank",
    ],
    &["delegate", "delegation", "handoff", "handover", "offload"],
    &[
        "burnout",
        "exhausted",
        "overworked",
        "stress",
        "stressed",
        "overwhelmed",
        "tired",
    ],
    &[
        "metric",
        "metrics",
        "kpi",
        "kri",
        "measure",
        "measurement",
        "indicator",
        "dashboard",
    ],
    &[
        "accept",
        "acceptance",
        "signoff",
        "approve",
        "approval",
        "tolerate",
    ],
    &["escalate", "escalation", "notify", "alert", "flag"],
    &["manager", "boss", "supervisor", "director"],
    &["hire", "hiring", "recruit", "recruiting", "interview"],
    &[
        "resign",
        "resignation",
        "quit",
        "quitting",
        "attrition",
        "leaving",
        "turnover",
    ],
    &["launch", "release", "ship", "golive", "rollout", "deadline"],
    &[
        "audit",
        "auditor",
        "auditors",
        "compliance",
        "soc2",
        "iso27001",
        "pci",
        "sox",
        "hipaa",
        "certification",
    ],
    &[
        "vulnerability",
        "vulnerabilities",
        "vuln",
        "vulns",
        "cve",
        "finding",
        "findings",
        "pentest",
        "patch",
    ],
    &[
        "regulator",
        "regulatory",
        "gdpr",
        "authority",
        "dpa",
        "regulation",
    ],
    &[
        "decide", "decision", "choose", "choice", "dilemma", "tradeoff", "pick", "select",
    ],
    &[
        "uncertain",
        "uncertainty",
        "ambiguity",
        "ambiguous",
        "unclear",
        "unknown",
        "incomplete",
    ],
    &[
        "stakeholder",
        "stakeholders",
        "peers",
        "allies",
        "politics",
        "political",
    ],
    &[
        "influence",
        "persuade",
        "convince",
        "sell",
        "pitch",
        "advocate",
        "buyin",
    ],
    &[
        "communicate",
        "communication",
        "explain",
        "present",
        "presentation",
        "briefing",
        "brief",
        "memo",
        "email",
        "write",
        "writeup",
    ],
    &["newrole", "onboarding"],
    &["career", "promotion", "promoted", "promote", "ladder"],
    &["introduce", "introduction", "intro", "introducing"],
    &["breadth", "broad", "broader", "generalist", "wider"],
    &["oneonone", "checkin"],
    &[
        "pushback", "refuse", "decline", "reject", "deny", "veto", "block", "no",
    ],
    &[
        "weeds",
        "handson",
        "micromanage",
        "micromanaging",
        "firefighting",
        "firefight",
        "keyboard",
    ],
    &["identity", "imposter", "impostor", "expert", "smartest"],
    &[
        "coach",
        "coaching",
        "mentor",
        "mentoring",
        "develop",
        "grow",
        "growth",
    ],
    &["postmortem", "retrospective", "retro", "review"],
    &[
        "quantify",
        "quantification",
        "dollar",
        "dollars",
        "loss",
        "financial",
        "numbers",
    ],
    &[
        "buildvsbuy",
        "buy",
        "purchase",
        "procure",
        "procurement",
        "inhouse",
        "homegrown",
    ],
    &["ransomware", "extortion", "encrypted", "lockbit"],
    &["phishing", "phish", "phished"],
    &["cloud", "aws", "azure", "gcp", "bucket", "s3"],
    &["urgent", "important", "overloaded", "swamped", "busy"],
    &["customer", "customers", "client", "clients"],
    &["team", "staff", "engineers", "reports"],
    &["insurance", "insurer", "transfer"],
    &["outage", "downtime", "disruption"],
    &[
        "bottleneck",
        "waiting",
        "holdup",
        "delay",
        "delays",
        "stuck",
        "queue",
        "slow",
        "constraint",
    ],
    &[
        "dev",
        "devs",
        "developer",
        "developers",
        "engineering",
        "product",
    ],
    &["blocker", "blocking", "friction", "slipping", "slowing"],
    &[
        "shortcut",
        "shortcuts",
        "skip",
        "skipping",
        "workaround",
        "drift",
        "complacency",
        "deviance",
    ],
    &["business", "revenue", "commercial", "profit"],
    &[
        "unresponsive",
        "unanswered",
        "silent",
        "ignoring",
        "ignored",
    ],
    &["policy", "policies", "standard", "rule", "rules"],
];

/// Words that say more about what a person needs than the rest of their sentence, and their
/// weight in a query (other words weigh 1). Who a message or meeting is for decides which
/// template fits ("the board" over "meeting"); being pulled into hands-on work or aiming for a
/// role is the point of a sentence whatever work or role it names.
const EMPHASIS: &[(&[&str], f32)] = &[
    (
        &[
            "board",
            "trustees",
            "nonexecutive",
            "ceo",
            "cfo",
            "cto",
            "coo",
            "cio",
            "exec",
            "execs",
            "executive",
            "executives",
            "csuite",
            "leadership",
            "vp",
            "director",
            "regulator",
            "auditor",
            "auditors",
            "customer",
            "customers",
        ],
        2.0,
    ),
    (&["weeds", "selfbottleneck", "career", "newrole"], 2.0),
    // Words about any meeting or document, which say little about which one.
    (
        &[
            "meeting", "meetings", "meet", "bring", "prepare", "prep", "prepping", "first",
            "cover", "ready",
        ],
        0.5,
    ),
];

/// One-way implications: the first word also suggests the others, not the reverse.
const IMPLIES: &[(&str, &[&str])] = &[
    ("ransomware", &["incident", "breach", "recovery"]),
    ("phishing", &["incident"]),
    ("outage", &["incident"]),
    ("cfo", &["budget"]),
    ("layoffs", &["budget", "team"]),
    ("cut", &["budget"]),
    ("cuts", &["budget"]),
    ("trim", &["cut", "budget"]),
    ("slash", &["cut", "budget"]),
    ("secure", &["risk"]),
    ("quarterly", &["board", "metrics"]),
    ("newrole", &["identity"]),
    ("upward", &["executive", "communication"]),
    ("upwards", &["executive", "communication"]),
    ("unresponsive", &["escalation"]),
    ("weeds", &["delegation"]),
    ("handson", &["delegation"]),
    ("selfbottleneck", &["delegation", "heroes", "bottleneck"]),
    ("triage", &["alerts", "incident"]),
];

/// Words too common to help ranking.
const STOP_WORDS: &[&str] = &[
    "a", "about", "after", "again", "all", "also", "am", "an", "and", "any", "are", "as", "at",
    "be", "because", "been", "being", "but", "by", "can", "could", "did", "do", "does", "doing",
    "for", "from", "get", "gets", "getting", "got", "had", "has", "have", "having", "he", "her",
    "here", "him", "his", "how", "i", "if", "im", "in", "into", "is", "it", "its", "ive", "just",
    "me", "my", "myself", "of", "on", "or", "our", "ours", "she", "should", "so", "some", "than",
    "that", "the", "their", "them", "then", "there", "these", "they", "this", "those", "to", "too",
    "us", "very", "was", "we", "were", "what", "when", "where", "which", "while", "who", "whom",
    "why", "will", "with", "would", "you", "your", "dont", "want", "wants", "need", "needs",
    "going", "really", "still", "keep", "keeps",
];
