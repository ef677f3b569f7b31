//! The storage contract, on both backends.

use chrono::{TimeZone, Utc};
use shiftcoach::storage::{Identity, NewReflection, Platform, ReflectionSource};

use crate::support::{TestDb, on_both_backends};

on_both_backends!(
    migrations_apply_once_and_then_report_nothing,
    the_same_identity_maps_to_one_user_and_keeps_its_zone,
    reflections_come_back_newest_first_with_utc_times,
    reflections_belong_to_their_author,
    state_values_are_replaced_not_duplicated,
    views_are_counted_once_per_item_with_the_latest_time,
);

fn identity(external_id: &str) -> Identity {
    Identity {
        platform: Platform::Discord,
        scope: "guild-1".into(),
        external_id: external_id.into(),
    }
}

async fn migrations_apply_once_and_then_report_nothing(db: TestDb) {
    // TestDb::open already migrated: a second run has nothing left to apply.
    assert_eq!(db.storage.migrate().await.unwrap(), vec![]);
}

async fn the_same_identity_maps_to_one_user_and_keeps_its_zone(db: TestDb) {
    let now = Utc::now();
    let first = db
        .storage
        .upsert_user(&identity("42"), "Ada", Some("Europe/Berlin"), now)
        .await
        .unwrap();
    let again = db
        .storage
        .upsert_user(&identity("42"), "Ada L.", None, now)
        .await
        .unwrap();
    let other = db
        .storage
        .upsert_user(&identity("43"), "Grace", None, now)
        .await
        .unwrap();
    assert_eq!(first, again);
    assert_ne!(first, other);
    assert_eq!(
        db.storage.user_zone(first).await.unwrap().as_deref(),
        Some("Europe/Berlin")
    );
    assert_eq!(db.storage.user_zone(other).await.unwrap(), None);
}

async fn reflections_come_back_newest_first_with_utc_times(db: TestDb) {
    let author = db
        .storage
        .upsert_user(&identity("7"), "Sam", None, Utc::now())
        .await
        .unwrap();
    let base = Utc.with_ymd_and_hms(2026, 3, 29, 0, 30, 0).unwrap();
    for (i, body) in ["first", "second", "third"].iter().enumerate() {
        db.storage
            .insert_reflection(&NewReflection {
                author,
                channel: "c1",
                source: ReflectionSource::Command,
                slug: (i == 1).then_some("pre-mortem"),
                delivery: None,
                body,
                created_at: base + chrono::Duration::hours(i as i64),
            })
            .await
            .unwrap();
    }
    let recent = db.storage.recent_reflections(author, 2).await.unwrap();
    let bodies: Vec<&str> = recent.iter().map(|r| r.body.as_str()).collect();
    assert_eq!(bodies, ["third", "second"]);
    assert_eq!(recent[0].created_at, base + chrono::Duration::hours(2));
    assert_eq!(recent[1].slug.as_deref(), Some("pre-mortem"));
    assert_eq!(recent[1].source, ReflectionSource::Command);
    assert_eq!(db.storage.count_reflections(author).await.unwrap(), 3);
}

async fn reflections_belong_to_their_author(db: TestDb) {
    let now = Utc::now();
    let alice = db
        .storage
        .upsert_user(&identity("a"), "Alice", None, now)
        .await
        .unwrap();
    let bob = db
        .storage
        .upsert_user(&identity("b"), "Bob", None, now)
        .await
        .unwrap();
    db.storage
        .insert_reflection(&NewReflection {
            author: alice,
            channel: "c1",
            source: ReflectionSource::Form,
            slug: None,
            delivery: None,
            body: "only for alice",
            created_at: now,
        })
        .await
        .unwrap();
    assert!(
        db.storage
            .recent_reflections(bob, 10)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        db.storage
            .recent_reflections(alice, 10)
            .await
            .unwrap()
            .len(),
        1
    );
}

async fn state_values_are_replaced_not_duplicated(db: TestDb) {
    let now = Utc::now();
    assert_eq!(db.storage.state("k").await.unwrap(), None);
    db.storage.set_state("k", "one", now).await.unwrap();
    db.storage.set_state("k", "two", now).await.unwrap();
    assert_eq!(db.storage.state("k").await.unwrap().as_deref(), Some("two"));
}

async fn views_are_counted_once_per_item_with_the_latest_time(db: TestDb) {
    let t0 = Utc.with_ymd_and_hms(2026, 5, 1, 8, 0, 0).unwrap();
    let user = db
        .storage
        .upsert_user(&identity("v"), "Viewer", None, t0)
        .await
        .unwrap();
    db.storage
        .record_view(user, "pre-mortem", t0)
        .await
        .unwrap();
    let later = t0 + chrono::Duration::days(2);
    db.storage
        .record_view(user, "pre-mortem", later)
        .await
        .unwrap();
    db.storage.record_view(user, "cynefin", t0).await.unwrap();
    let mut seen = db.storage.seen_items(user).await.unwrap();
    seen.sort();
    assert_eq!(
        seen,
        vec![("cynefin".to_owned(), t0), ("pre-mortem".to_owned(), later)]
    );
}
