//! Lookup relevance on a labelled query set (`tests/data/lookup-queries.toml`): queries written
//! the way people type, each with the slugs that are a good answer. Reports top-1 and top-3
//! hit rates and holds top-3 at 90 % or better.

use serde::Deserialize;
use shiftcoach::content::Kind;

use crate::support::catalog;

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

#[test]
fn labelled_queries_find_an_accepted_answer_in_the_top_three() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/lookup-queries.toml"
    ))
    .unwrap();
    let set: QuerySet = toml::from_str(&text).unwrap();
    assert!(
        set.query.len() >= 60,
        "{} labelled queries",
        set.query.len()
    );
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
    let n = set.query.len() as f64;
    let (rate1, rate3) = (top1 as f64 / n, top3 as f64 / n);
    println!(
        "lookup relevance on {} queries: top-1 {:.1} %, top-3 {:.1} %",
        set.query.len(),
        rate1 * 100.0,
        rate3 * 100.0
    );
    if !misses.is_empty() {
        println!("misses:\n{}", misses.join("\n"));
    }
    assert!(
        rate3 >= 0.9,
        "top-3 hit rate {:.1} % is under 90 %:\n{}",
        rate3 * 100.0,
        misses.join("\n")
    );
}
