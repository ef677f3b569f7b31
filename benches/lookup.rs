//! Lookup speed: loading and indexing the shipped catalog, ranking on it, and ranking on a
//! generated catalog of 10,000 items. Criterion measures the means; the tail (p50/p99 of single
//! lookups) is measured here too and printed, since that is what a chat user waits on.

use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group};
use rand::{Rng, SeedableRng, rngs::StdRng, seq::SliceRandom};
use shiftcoach::content::{Catalog, Item, Kind};

fn queries() -> Vec<String> {
    let text = include_str!("../tests/data/lookup-queries.toml");
    let table: toml::Table = text.parse().expect("valid TOML");
    table["query"]
        .as_array()
        .expect("[[query]] entries")
        .iter()
        .map(|query| query["text"].as_str().expect("text").to_owned())
        .collect()
}

/// A catalog of `n` items made by recombining the shipped items' words, so the vocabulary and
/// lengths are realistic.
fn generated(n: usize) -> Catalog {
    let shipped = Catalog::embedded().expect("shipped catalog");
    let sources: Vec<&Item> = shipped
        .items()
        .iter()
        .filter(|item| Kind::LOOKUP.contains(&item.kind))
        .collect();
    let mut rng = StdRng::seed_from_u64(7);
    let items = (0..n)
        .map(|i| {
            let a = sources[rng.gen_range(0..sources.len())];
            let b = sources[rng.gen_range(0..sources.len())];
            let mut tags = a.tags.clone();
            tags.extend(b.tags.iter().take(2).cloned());
            tags.shuffle(&mut rng);
            let mut situations = a.situations.clone();
            situations.extend(b.situations.iter().take(2).cloned());
            Item {
                slug: format!("{}-{i}", a.slug),
                kind: a.kind,
                title: format!("{} {}", a.title, b.title.split(' ').next().unwrap_or("")),
                summary: b.summary.clone(),
                body: format!(
                    "{}\n\n{}",
                    a.body,
                    b.body.chars().take(b.body.len() / 2).collect::<String>()
                ),
                tags,
                situations,
                question: a.question.clone(),
                ..Item::default()
            }
        })
        .collect();
    Catalog::from_items(items)
}

/// p50 and p99 of single lookups over the queries, cycled `rounds` times.
fn tail(catalog: &Catalog, queries: &[String], rounds: usize) -> (Duration, Duration) {
    let mut samples = Vec::with_capacity(queries.len() * rounds);
    for _ in 0..rounds {
        for query in queries {
            let start = Instant::now();
            std::hint::black_box(catalog.lookup(query, &Kind::LOOKUP, 3));
            samples.push(start.elapsed());
        }
    }
    samples.sort();
    let at = |q: f64| samples[((samples.len() - 1) as f64 * q) as usize];
    (at(0.50), at(0.99))
}

fn benches(c: &mut Criterion) {
    let queries = queries();
    c.bench_function("load and index the shipped catalog", |b| {
        b.iter(|| Catalog::embedded().expect("valid"))
    });
    let shipped = Catalog::embedded().expect("valid");
    let mut next = 0;
    c.bench_function("lookup on the shipped catalog", |b| {
        b.iter(|| {
            next = (next + 1) % queries.len();
            shipped.lookup(&queries[next], &Kind::LOOKUP, 3)
        })
    });
    let large = generated(10_000);
    c.bench_function("lookup on a generated catalog of 10,000 items", |b| {
        b.iter(|| {
            next = (next + 1) % queries.len();
            large.lookup(&queries[next], &Kind::LOOKUP, 3)
        })
    });
}

criterion_group!(lookup, benches);

fn main() {
    lookup();
    // Under `cargo test` the benches only run once, as a smoke test; tails need `cargo bench`.
    let measuring = std::env::args().any(|arg| arg == "--bench");
    let rounds = if measuring { 200 } else { 1 };
    let queries = queries();
    let shipped = Catalog::embedded().expect("valid");
    let large = generated(10_000);
    for (name, catalog) in [("shipped catalog", &shipped), ("10,000 items", &large)] {
        let (p50, p99) = tail(catalog, &queries, rounds);
        if !measuring {
            println!("lookup tail on the {name}: smoke run only; measure with `cargo bench`");
            continue;
        }
        println!(
            "lookup tail on the {name}: p50 {:.1} µs, p99 {:.1} µs ({} lookups)",
            p50.as_secs_f64() * 1e6,
            p99.as_secs_f64() * 1e6,
            queries.len() * rounds
        );
    }
    criterion::Criterion::default()
        .configure_from_args()
        .final_summary();
}
