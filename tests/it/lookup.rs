//! Lookup relevance on labelled query sets (`tests/data/lookup-queries*.toml`): queries written
//! the way people type, each with the slugs that are a good answer. Reports top-1 and top-3
//! hit rates; holds top-3 at 90 % or better on the first two sets, and top-3 at 95 % and top-1
//! at 80 % on the chat-phrased set (written before the ranking was tuned for it). Also: shifts
//! by number, weak matches said to be weak, and unknown names answered with items of the kind
//! the command asks for.

use std::sync::Arc;

use chrono::{TimeZone, Utc};
use serde::Deserialize;
use shiftcoach::{
    clock::VirtualClock,
    content::{
        Kind,
        lookup::{Confidence, confidence, shift_number},
    },
    core::{
        Actor, Coach, CoachSettings, Interaction, InteractionKind, Outgoing, OutgoingKind, Platform,
    },
};

use crate::support::{TestDb, catalog};

#[derive(Deserialize)]
struct QuerySet {
    query: Vec<Query>,
}

#[derive(Deserialize)]
struct Query {
    text: String,
    kind: String,
    accept: Vec<String>,
}

fn kinds(name: &str) -> Vec<Kind> {
    match name {
        "any" => Kind::LOOKUP.to_vec(),
        "framework" => vec![Kind::Framework, Kind::Model],
        other => vec![Kind::parse(other).unwrap_or_else(|| panic!("unknown kind {other}"))],
    }
}

/// Ranks every query in `file` and returns (queries, top-1 rate, top-3 rate, misses).
fn evaluate(file: &str) -> (usize, f64, f64, Vec<String>) {
    let path = format!("{}/tests/data/{file}", env!("CARGO_MANIFEST_DIR"));
    let set: QuerySet = toml::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let catalog = catalog();
    let (mut top1, mut top3) = (0, 0);
    let mut misses = Vec::new();
    for query in &set.query {
        for slug in &query.accept {
            assert!(
                catalog.get(slug).is_some(),
                "{slug} in {:?} is not in the catalog",
                query.text
            );
        }
        let hits = catalog.lookup(&query.text, &kinds(&query.kind), 3);
        let slugs: Vec<&str> = hits.iter().map(|hit| hit.item.slug.as_str()).collect();
        let accepted = |slug: &&str| query.accept.iter().any(|a| a == slug);
        if slugs.first().is_some_and(accepted) {
            top1 += 1;
        }
        if slugs.iter().any(accepted) {
            top3 += 1;
        } else {
            misses.push(format!(
                "  {:?} ({}) -> {slugs:?}, want one of {:?}",
                query.text, query.kind, query.accept
            ));
        }
    }
    let n = set.query.len();
    println!(
        "lookup relevance on {file} ({n} queries): top-1 {:.1} %, top-3 {:.1} %",
        top1 as f64 / n as f64 * 100.0,
        top3 as f64 / n as f64 * 100.0
    );
    if !misses.is_empty() {
        println!("misses:\n{}", misses.join("\n"));
    }
    (n, top1 as f64 / n as f64, top3 as f64 / n as f64, misses)
}

#[test]
fn labelled_queries_find_an_accepted_answer_in_the_top_three() {
    let (n, _, top3, misses) = evaluate("lookup-queries.toml");
    assert!(n >= 60, "{n} labelled queries");
    assert!(
        top3 >= 0.9,
        "top-3 hit rate {:.1} % is under 90 %:\n{}",
        top3 * 100.0,
        misses.join("\n")
    );
}

#[test]
fn held_out_queries_find_an_accepted_answer_in_the_top_three() {
    let (_, _, top3, misses) = evaluate("lookup-queries-holdout.toml");
    assert!(
        top3 >= 0.9,
        "top-3 hit rate {:.1} % is under 90 %:\n{}",
        top3 * 100.0,
        misses.join("\n")
    );
}

#[test]
fn chat_phrased_queries_rank_an_accepted_answer_first() {
    let (n, top1, top3, misses) = evaluate("lookup-queries-chat.toml");
    assert!(n >= 60, "{n} labelled queries");
    assert!(
        top3 >= 0.95 && top1 >= 0.8,
        "top-1 {:.1} %, top-3 {:.1} % (want 80 % and 95 %):\n{}",
        top1 * 100.0,
        top3 * 100.0,
        misses.join("\n")
    );
}

#[test]
fn a_shift_is_named_by_digit_word_or_ordinal_but_not_by_a_situation_with_a_number() {
    for (text, number) in [
        ("2", 2),
        ("two", 2),
        ("second", 2),
        ("2nd", 2),
        ("shift 2", 2),
        ("Shift Two", 2),
        ("the second shift", 2),
        ("#7", 7),
        ("number seven please", 7),
        ("the third one", 3),
        ("tell me about shift six", 6),
        ("eighth", 8),
    ] {
        assert_eq!(shift_number(text), Some(number), "{text:?}");
    }
    for text in [
        "we have 4000 open vulns and a team of three",
        "two-way doors",
        "first principles",
        "one-on-one",
        "the second line of defence",
        "",
    ] {
        assert_eq!(shift_number(text), None, "{text:?}");
    }
    let catalog = catalog();
    let hits = catalog.lookup("shift two", &Kind::LOOKUP, 3);
    assert_eq!(hits[0].item.slug, "depth-to-breadth");
    assert_eq!(confidence(&hits), Confidence::Clear);
    let not_asked = catalog.lookup("two", &[Kind::Template], 3);
    assert!(
        not_asked.iter().all(|hit| hit.item.kind == Kind::Template),
        "a number names a shift only when shifts are asked for"
    );
}

#[test]
fn off_topic_questions_are_weak_and_catalog_questions_are_clear() {
    let catalog = catalog();
    for (text, kinds) in [
        ("what's for lunch", Kind::LOOKUP.to_vec()),
        ("asdf", vec![Kind::Template]),
        ("who won the football last night", Kind::LOOKUP.to_vec()),
        (
            "which laptop should i buy for gaming",
            vec![Kind::Framework, Kind::Model],
        ),
        (
            "how do i fix my bike chain",
            vec![Kind::Framework, Kind::Model],
        ),
        ("write me a poem about the sea", vec![Kind::Template]),
        (
            "the printer on floor 3 is jammed again",
            vec![Kind::Framework, Kind::Model],
        ),
        ("does-not-exist", vec![Kind::Scenario]),
    ] {
        let hits = catalog.lookup(text, &kinds, 3);
        assert_ne!(
            confidence(&hits),
            Confidence::Clear,
            "{text:?} -> {:?}",
            hits.iter()
                .map(|hit| (&hit.item.slug, hit.score, hit.coverage))
                .collect::<Vec<_>>()
        );
    }
    for (text, kinds) in [
        ("first board meeting, what do I bring", vec![Kind::Template]),
        ("the board", vec![Kind::Template]),
        ("mfa", vec![Kind::Scenario]),
        ("burnout", Kind::LOOKUP.to_vec()),
        (
            "I keep getting pulled back into incident triage",
            vec![Kind::Framework, Kind::Model],
        ),
        ("pre-mortem", vec![Kind::Model]),
    ] {
        let hits = catalog.lookup(text, &kinds, 3);
        assert_eq!(confidence(&hits), Confidence::Clear, "{text:?}");
    }
}

#[test]
fn every_labelled_query_with_a_weak_best_match_is_one_the_ranking_gets_wrong() {
    let catalog = catalog();
    for file in [
        "lookup-queries.toml",
        "lookup-queries-holdout.toml",
        "lookup-queries-chat.toml",
    ] {
        let path = format!("{}/tests/data/{file}", env!("CARGO_MANIFEST_DIR"));
        let set: QuerySet = toml::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        for query in &set.query {
            let hits = catalog.lookup(&query.text, &kinds(&query.kind), 3);
            let right = hits
                .first()
                .is_some_and(|hit| query.accept.contains(&hit.item.slug));
            if right {
                assert_eq!(
                    confidence(&hits),
                    Confidence::Clear,
                    "{:?} is answered right but called weak",
                    query.text
                );
            }
        }
    }
}

/// A coach on a throwaway database, and one person's commands to it.
struct Chat {
    coach: Coach,
    _db: TestDb,
}

impl Chat {
    async fn new() -> Self {
        let db = TestDb::sqlite().await;
        let clock = VirtualClock::starting_at(Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap());
        let coach = Coach::new(
            db.storage.clone(),
            catalog(),
            Arc::new(clock),
            CoachSettings::default(),
        );
        Self { coach, _db: db }
    }

    async fn command(&self, name: &str, text: &str) -> Outgoing {
        let interaction = Interaction {
            actor: Actor {
                platform: Platform::Discord,
                workspace: "guild-1".into(),
                user_id: "ada".into(),
                display_name: "ada".into(),
                zone: None,
                is_admin: false,
                roles: Vec::new(),
            },
            channel: "chan-1".into(),
            kind: InteractionKind::command(name, text),
        };
        let mut out = self.coach.handle(&interaction).await;
        assert_eq!(out.len(), 1, "one answer to /{name} {text}");
        out.remove(0)
    }
}

/// The commands a message tells the person to type (`/name` words).
fn commands_in(text: &str) -> Vec<&str> {
    text.split(|c: char| !(c.is_alphanumeric() || c == '/' || c == '-'))
        .filter_map(|word| word.strip_prefix('/'))
        .filter(|word| !word.is_empty())
        .collect()
}

#[tokio::test]
async fn shift_by_number_word_or_ordinal_opens_that_shift() {
    let chat = Chat::new().await;
    for (text, slug) in [
        ("two", "depth-to-breadth"),
        ("shift 4", "tools-to-tradeoffs"),
        ("the fifth one", "execution-to-influence"),
        ("1st", "solving-to-defining"),
        ("identity", "identity-shift"),
    ] {
        let out = chat.command("shift", text).await;
        assert_eq!(out.message.slug.as_deref(), Some(slug), "/shift {text}");
    }
    let none = chat.command("shift", "shift 12").await;
    assert_eq!(none.kind, OutgoingKind::Error);
    assert!(
        none.message.body.contains("numbered 1 to 8"),
        "{}",
        none.message.body
    );
}

#[tokio::test]
async fn an_unknown_name_is_answered_with_items_of_the_kind_asked_for() {
    let chat = Chat::new().await;
    for (command, name) in [
        ("scenario", "does-not-exist"),
        ("model", "does-not-exist"),
        ("shift", "does-not-exist"),
        ("scenario", "the quarterly offsite"),
    ] {
        let out = chat.command(command, name).await;
        assert_eq!(out.kind, OutgoingKind::Error, "/{command} {name}");
        let body = &out.message.body;
        assert!(body.contains("There is no"), "{body}");
        let commands = commands_in(body);
        assert!(
            commands.iter().all(|c| *c == command),
            "/{command} {name} suggests only /{command}: {body}"
        );
    }
    // Words that describe a situation find the closest item of the kind, and say so.
    let out = chat
        .command("scenario", "practise a ransomware call in the night")
        .await;
    assert_eq!(out.message.slug.as_deref(), Some("ransomware-2am"));
    assert!(out.message.body.contains("closest"), "{}", out.message.body);
}

#[tokio::test]
async fn a_weak_match_offers_directions_instead_of_an_answer() {
    let chat = Chat::new().await;
    for (command, text) in [
        ("template", "write me a poem about the sea"),
        ("framework", "which laptop should i buy for gaming"),
    ] {
        let out = chat.command(command, text).await;
        assert_eq!(out.kind, OutgoingKind::Reply, "/{command} {text}");
        assert_eq!(out.message.title.as_deref(), Some("No clear match"));
        assert_eq!(out.message.slug, None, "no item is presented as the answer");
        let directions: Vec<&str> = out
            .message
            .body
            .lines()
            .filter(|line| line.starts_with("- **"))
            .collect();
        assert!(
            (2..=3).contains(&directions.len()),
            "two or three directions: {}",
            out.message.body
        );
        for line in directions {
            let opens = commands_in(line);
            assert_eq!(opens.len(), 1, "{line}");
            assert!(
                ["framework", "model", "template"].contains(&opens[0]),
                "{line}"
            );
        }
        // A direction's command opens that item outright.
        let first = out
            .message
            .body
            .lines()
            .find(|line| line.starts_with("- **"))
            .unwrap();
        let open = first.rsplit("**/").next().unwrap().trim_end_matches("**");
        let (name, slug) = open.split_once(' ').unwrap();
        let opened = chat.command(name, slug).await;
        assert_eq!(opened.message.slug.as_deref(), Some(slug), "/{open}");
    }
    let clear = chat
        .command("template", "first board meeting next week, what do I bring")
        .await;
    assert_eq!(clear.message.slug.as_deref(), Some("board-update"));
}
