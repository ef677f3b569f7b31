//! Checks across the whole catalog: unique slugs, references that resolve, every kind present.

use std::{collections::HashMap, path::Path};

use super::{Item, Kind, Problem};

pub fn check_catalog(items: &[Item]) -> Vec<Problem> {
    let mut problems = Vec::new();
    let mut report = |item: &Item, key: &str, message: String| {
        problems.push(Problem {
            path: item.path.clone(),
            line: item.line_of(key),
            message,
        });
    };

    let mut first_by_slug: HashMap<&str, &Item> = HashMap::new();
    for item in items.iter().filter(|item| !item.slug.is_empty()) {
        if let Some(first) = first_by_slug.get(item.slug.as_str()) {
            report(
                item,
                "slug",
                format!(
                    "slug {:?} is already used by {}; slugs must be unique",
                    item.slug,
                    first.path.display()
                ),
            );
        } else {
            first_by_slug.insert(&item.slug, item);
        }
    }
    let kind_of = |slug: &str| first_by_slug.get(slug).map(|item| item.kind);

    let mut numbers: HashMap<u8, &Item> = HashMap::new();
    for item in items {
        for related in &item.related {
            if kind_of(related).is_none() {
                report(
                    item,
                    "related",
                    format!("related item {related:?} does not exist"),
                );
            }
            if *related == item.slug {
                report(
                    item,
                    "related",
                    "an item cannot be related to itself".into(),
                );
            }
        }
        let shifts = item.shifts.iter().map(|s| ("shifts", s));
        for (key, shift) in shifts.chain(item.shift.iter().map(|s| ("shift", s))) {
            match kind_of(shift) {
                Some(Kind::Shift) => {}
                Some(kind) => report(item, key, format!("{shift:?} is a {kind}, not a shift")),
                None => report(item, key, format!("shift {shift:?} does not exist")),
            }
        }
        if let Some(number) = item.number {
            if let Some(other) = numbers.insert(number, item) {
                report(
                    item,
                    "number",
                    format!(
                        "shift number {number} is also used by {}",
                        other.path.display()
                    ),
                );
            }
        }
    }
    problems
}

/// Every kind needs at least one item: the coach draws on each of them (nudges, reflections,
/// check-ins, lookups). Problems are reported at the catalog folder `root` or at the empty kind
/// folder under it, without a line.
pub fn check_kinds(root: &Path, items: &[Item]) -> Vec<Problem> {
    if items.is_empty() {
        return vec![Problem {
            path: root.to_path_buf(),
            line: 0,
            message: "the catalog has no items; the coach needs at least one of each kind".into(),
        }];
    }
    Kind::ALL
        .into_iter()
        .filter(|kind| !items.iter().any(|item| item.kind == *kind))
        .map(|kind| Problem {
            path: root.join(kind.folder()),
            line: 0,
            message: format!(
                "no {kind} items: the coach needs at least one {kind} in `{}/`",
                kind.folder()
            ),
        })
        .collect()
}
