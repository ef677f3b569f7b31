//! The storage contract, on both backends.

use chrono::{TimeZone, Utc};
use shiftcoach::storage::{
    ChannelAddress, ClaimPlan, DeliveryState, Identity, NewReflection, NewSchedule,
    PlannedDelivery, Platform, Purpose, ReflectionSource,
};

use crate::support::{TestDb, on_both_backends};

on_both_backends!(
    migrations_apply_once_and_then_report_nothing,
    the_same_identity_maps_to_one_user_and_keeps_its_zone,
    reflections_come_back_newest_first_with_utc_times,
    reflections_belong_to_their_author,
    a_reflection_records_its_author_as_seen_in_the_same_statement,
    an_event_is_stored_once_as_a_reflection_and_as_a_decision,
    state_values_are_replaced_not_duplicated,
    views_are_counted_once_per_item_with_the_latest_time,
    deleting_a_person_leaves_nothing_of_theirs_and_keeps_what_others_own,
    a_shared_clock_only_moves_forward,
    an_event_is_claimed_once_however_many_try,
    a_claim_writes_its_plan_and_keeps_an_occurrence_already_recorded,
);

/// A Discord channel of `guild-1`.
fn channel() -> ChannelAddress {
    ChannelAddress {
        platform: Platform::Discord,
        workspace: "guild-1".into(),
        channel: "chan-1".into(),
    }
}

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
        let recorded = db
            .storage
            .record_reflection(
                &identity("7"),
                "Sam",
                None,
                &NewReflection {
                    channel: "c1",
                    source: ReflectionSource::Command,
                    slug: (i == 1).then_some("pre-mortem"),
                    delivery: None,
                    body,
                    created_at: base + chrono::Duration::hours(i as i64),
                    event: None,
                },
            )
            .await
            .unwrap();
        assert_eq!(recorded.person.id, author);
        assert_eq!(recorded.total, i as i64 + 1);
    }
    let recent = db.storage.recent_reflections(author, 2).await.unwrap();
    let bodies: Vec<&str> = recent.iter().map(|r| r.body.as_str()).collect();
    assert_eq!(bodies, ["third", "second"]);
    assert_eq!(recent[0].created_at, base + chrono::Duration::hours(2));
    assert_eq!(recent[1].slug.as_deref(), Some("pre-mortem"));
    assert_eq!(recent[1].source, ReflectionSource::Command);
    assert_eq!(db.storage.count_reflections(author).await.unwrap(), 3);
}

/// `record_reflection` is `see_user` and the insert at once: a new person is created with
/// their first reflection, a name change is kept, a `None` zone keeps the stored one, and
/// the answer says whether notices wait.
async fn a_reflection_records_its_author_as_seen_in_the_same_statement(db: TestDb) {
    let now = Utc.with_ymd_and_hms(2026, 11, 30, 9, 0, 0).unwrap();
    let reflection = |body| NewReflection {
        channel: "c1",
        source: ReflectionSource::Reply,
        slug: None,
        delivery: None,
        body,
        created_at: now,
        event: None,
    };
    let first = db
        .storage
        .record_reflection(
            &identity("new"),
            "Noor",
            Some("Asia/Kolkata"),
            &reflection("one"),
        )
        .await
        .unwrap();
    assert_eq!(first.total, 1);
    assert_eq!(first.person.zone.as_deref(), Some("Asia/Kolkata"));
    assert!(!first.person.has_notices);
    let seen = db
        .storage
        .see_user(&identity("new"), "Noor", None, now)
        .await
        .unwrap();
    assert_eq!(seen.id, first.person.id, "the person the statement created");
    db.storage
        .add_pending_notice(seen.id, "A notice", "waiting", now)
        .await
        .unwrap();
    let second = db
        .storage
        .record_reflection(&identity("new"), "Noor R.", None, &reflection("two"))
        .await
        .unwrap();
    assert_eq!(second.person.id, first.person.id);
    assert_eq!(second.total, 2);
    assert_eq!(second.person.zone.as_deref(), Some("Asia/Kolkata"), "kept");
    assert!(second.person.has_notices);
    assert_eq!(
        db.storage
            .display_name(first.person.id)
            .await
            .unwrap()
            .as_deref(),
        Some("Noor R.")
    );
    let bodies: Vec<String> = db
        .storage
        .recent_reflections(first.person.id, 10)
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.body)
        .collect();
    assert_eq!(bodies.len(), 2);
    assert!(bodies.contains(&"one".to_owned()) && bodies.contains(&"two".to_owned()));
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
        .record_reflection(
            &identity("a"),
            "Alice",
            None,
            &NewReflection {
                channel: "c1",
                source: ReflectionSource::Form,
                slug: None,
                delivery: None,
                body: "only for alice",
                created_at: now,
                event: None,
            },
        )
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

/// Discord accounts stored per server before accounts became global are merged into one by
/// migration 5: reflections, views (counted together), notices and schedules follow.
mod account_merge {
    use std::path::Path;

    use chrono::Utc;
    use shiftcoach::{
        config::DatabaseUrl,
        storage::{ConnectOptions, Identity, Platform, Storage},
    };
    use sqlx::{Connection, Executor, PgConnection, SqliteConnection};

    /// A migrator for the migrations before accounts were merged.
    async fn before_merge(backend: &str) -> (sqlx::migrate::Migrator, tempfile::TempDir) {
        let dir = tempfile::tempdir().unwrap();
        let source = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("migrations")
            .join(backend);
        for entry in std::fs::read_dir(source).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            if name.as_str() < "0005" {
                std::fs::copy(&path, dir.path().join(name)).unwrap();
            }
        }
        let migrator = sqlx::migrate::Migrator::new(dir.path()).await.unwrap();
        (migrator, dir)
    }

    const OLD_ROWS: &str = "
        INSERT INTO users (platform, workspace, external_id, display_name, zone, created_at, updated_at) VALUES
          ('discord', 'guild-1', '42', 'Ada', 'Europe/Berlin', '2026-01-01T00:00:00Z', '2026-01-02T00:00:00Z'),
          ('discord', 'dm', '42', 'Ada L.', NULL, '2026-01-03T00:00:00Z', '2026-01-04T00:00:00Z'),
          ('discord', 'guild-1', '7', 'Bob', NULL, '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z'),
          ('slack', 'T1', '42', 'Other Ada', NULL, '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z');
        INSERT INTO reflections (user_id, channel, source, body, created_at) VALUES
          (1, 'c1', 'command', 'from the server', '2026-01-01T10:00:00Z'),
          (2, 'd1', 'reply', 'from a DM', '2026-01-03T10:00:00Z'),
          (4, 's1', 'command', 'on slack', '2026-01-03T10:00:00Z');
        INSERT INTO content_views (user_id, slug, first_seen, last_seen, times) VALUES
          (1, 'pre-mortem', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z', 2),
          (2, 'pre-mortem', '2026-01-05T00:00:00Z', '2026-01-05T00:00:00Z', 1);
        INSERT INTO pending_notices (user_id, title, body, created_at) VALUES
          (2, 'A notice', 'kept', '2026-01-05T00:00:00Z');";

    async fn merge(url: &str, backend: &str) {
        let (migrator, _dir) = before_merge(backend).await;
        if backend == "postgres" {
            let mut conn = PgConnection::connect(url).await.unwrap();
            migrator.run(&mut conn).await.unwrap();
            conn.execute(OLD_ROWS).await.unwrap();
            conn.close().await.unwrap();
        } else {
            let mut conn = SqliteConnection::connect(url).await.unwrap();
            migrator.run(&mut conn).await.unwrap();
            conn.execute(OLD_ROWS).await.unwrap();
            conn.close().await.unwrap();
        }

        let storage =
            Storage::connect(&DatabaseUrl::parse(url).unwrap(), ConnectOptions::default())
                .await
                .unwrap();
        let applied = storage.migrate().await.unwrap();
        assert_eq!(applied.iter().map(|m| m.version).min(), Some(5));

        let ada = storage
            .user_for(
                &Identity::new(Platform::Discord, "guild-9", "42"),
                Utc::now(),
            )
            .await
            .unwrap();
        let texts: Vec<String> = storage
            .all_reflections(ada)
            .await
            .unwrap()
            .into_iter()
            .map(|r| r.body)
            .collect();
        assert_eq!(texts, ["from the server", "from a DM"]);
        assert_eq!(
            storage.user_zone(ada).await.unwrap().as_deref(),
            Some("Europe/Berlin")
        );
        let views = storage.content_views(ada).await.unwrap();
        assert_eq!(views.len(), 1);
        assert_eq!(views[0].3, 3, "views counted together");
        assert_eq!(storage.pending_notices(ada).await.unwrap().len(), 1);
        let slack = storage
            .user_for(&Identity::new(Platform::Slack, "T1", "42"), Utc::now())
            .await
            .unwrap();
        assert_ne!(slack, ada, "a Slack account is another person");
        assert_eq!(storage.count_reflections(slack).await.unwrap(), 1);
        storage.close().await;
    }

    #[tokio::test]
    async fn sqlite() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}?mode=rwc", dir.path().join("old.db").display());
        merge(&url, "sqlite").await;
    }

    #[tokio::test]
    async fn postgres() {
        merge(&crate::support::fresh_postgres_database().await, "postgres").await;
    }
}

async fn deleting_a_person_leaves_nothing_of_theirs_and_keeps_what_others_own(db: TestDb) {
    let now = Utc.with_ymd_and_hms(2026, 11, 30, 9, 0, 0).unwrap();
    let storage = &db.storage;
    let marker = "QUOKKA-7731-private-words";
    let ada = storage
        .upsert_user(
            &identity("ada"),
            "Ada Marker-Name",
            Some("Europe/Berlin"),
            now,
        )
        .await
        .unwrap();
    let bob = storage
        .upsert_user(&identity("bob"), "Bob", None, now)
        .await
        .unwrap();
    let people = [
        ("ada", "Ada Marker-Name", marker),
        ("ada", "Ada Marker-Name", marker),
        ("bob", "Bob", "bob keeps this"),
    ];
    for (author, name, body) in people {
        storage
            .record_reflection(
                &identity(author),
                name,
                None,
                &NewReflection {
                    channel: "chan-1",
                    source: ReflectionSource::Command,
                    slug: None,
                    delivery: None,
                    body,
                    created_at: now,
                    event: None,
                },
            )
            .await
            .unwrap();
    }
    storage.record_view(ada, "ooda-loop", now).await.unwrap();
    storage
        .add_pending_notice(ada, "A notice", marker, now)
        .await
        .unwrap();
    let channel = channel();
    let schedule = |person: Option<shiftcoach::storage::UserId>, created_by| NewSchedule {
        purpose: if person.is_some() {
            Purpose::Reminder
        } else {
            Purpose::Nudge
        },
        channel: &channel,
        person,
        cron: "0 9 * * *",
        label: "daily 09:00",
        zone: "UTC",
        mix: "models",
        created_by,
        next_due: Some(now),
        now,
    };
    storage.insert_schedule(&schedule(None, ada)).await.unwrap();
    storage
        .insert_schedule(&schedule(Some(ada), bob))
        .await
        .unwrap();

    let counts = storage.delete_user_data(ada).await.unwrap();
    assert_eq!((counts.reflections, counts.content_views), (2, 1));

    // Nothing of Ada's is left: no user row, reflections, views, notices or schedule for her.
    assert_eq!(storage.user_identity(ada).await.unwrap(), None);
    assert_eq!(storage.user_zone(ada).await.unwrap(), None);
    assert_eq!(storage.count_reflections(ada).await.unwrap(), 0);
    assert!(storage.content_views(ada).await.unwrap().is_empty());
    assert!(storage.pending_notices(ada).await.unwrap().is_empty());
    // What belongs to others stays: the channel's schedule, no longer linked to her, and Bob.
    let kept = storage.channel_schedules(&channel).await.unwrap();
    assert_eq!(kept.len(), 1);
    assert_eq!(kept[0].created_by, None);
    assert_eq!(storage.count_reflections(bob).await.unwrap(), 1);

    // On SQLite no byte of the deleted text or her name is left in any database file.
    if let Some(dir) = db.sqlite_dir() {
        let mut files = 0;
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            let bytes = std::fs::read(&path).unwrap();
            files += 1;
            for needle in [marker, "Marker-Name"] {
                assert!(
                    !bytes.windows(needle.len()).any(|w| w == needle.as_bytes()),
                    "{needle} is still readable in {}",
                    path.display()
                );
            }
        }
        assert!(files >= 1);
    }
}

async fn a_shared_clock_only_moves_forward(db: TestDb) {
    // Two consoles on one data folder: the later time wins, whichever writes last.
    let early = Utc.with_ymd_and_hms(2026, 11, 30, 4, 0, 0).unwrap();
    let late = Utc.with_ymd_and_hms(2027, 11, 30, 4, 0, 0).unwrap();
    let key = "console.clock";
    assert_eq!(
        db.storage.advance_state_time(key, early).await.unwrap(),
        early
    );
    assert_eq!(
        db.storage.advance_state_time(key, late).await.unwrap(),
        late
    );
    assert_eq!(
        db.storage.advance_state_time(key, early).await.unwrap(),
        late
    );
    let stored = db.storage.state(key).await.unwrap().unwrap();
    assert!(stored.starts_with("2027-11-30T04:00:00"), "{stored}");
}

async fn an_event_is_claimed_once_however_many_try(db: TestDb) {
    let now = Utc.with_ymd_and_hms(2026, 11, 30, 9, 0, 0).unwrap();
    // Eight claims of one event at the same moment (replicas, a redelivery): one wins.
    let claims: Vec<bool> = futures_util::future::join_all(
        (0..8).map(|_| db.storage.claim_event(Platform::Slack, "Ev0PV52K21", now)),
    )
    .await
    .into_iter()
    .map(Result::unwrap)
    .collect();
    assert_eq!(claims.iter().filter(|won| **won).count(), 1, "{claims:?}");
    // The same id on another platform is another event.
    assert!(
        db.storage
            .claim_event(Platform::Discord, "Ev0PV52K21", now)
            .await
            .unwrap()
    );
    // Old claims are forgotten; recent ones stay.
    let later = now + chrono::Duration::days(2);
    assert!(
        db.storage
            .claim_event(Platform::Slack, "Ev0LATER", later)
            .await
            .unwrap()
    );
    let forgotten = db
        .storage
        .forget_events_before(later - chrono::Duration::days(1))
        .await
        .unwrap();
    assert_eq!(forgotten, 2);
    assert!(
        !db.storage
            .claim_event(Platform::Slack, "Ev0LATER", later)
            .await
            .unwrap()
    );
    assert!(
        db.storage
            .claim_event(Platform::Slack, "Ev0PV52K21", later)
            .await
            .unwrap()
    );
}

async fn a_claim_writes_its_plan_and_keeps_an_occurrence_already_recorded(db: TestDb) {
    let now = Utc.with_ymd_and_hms(2026, 11, 30, 9, 0, 0).unwrap();
    let day = chrono::Duration::days(1);
    let storage = &db.storage;
    let ada = storage
        .upsert_user(&identity("ada"), "Ada", None, now)
        .await
        .unwrap();
    let channel = channel();
    let schedule = |next_due| NewSchedule {
        purpose: Purpose::Nudge,
        channel: &channel,
        person: None,
        cron: "0 9 * * *",
        label: "daily 09:00",
        zone: "UTC",
        mix: "models",
        created_by: ada,
        next_due: Some(next_due),
        now,
    };
    // A schedule a day behind, one that stops, one whose occurrence "send one now" recorded
    // at the same instant, and one not yet due.
    let behind = storage.insert_schedule(&schedule(now - day)).await.unwrap();
    let stopping = storage.insert_schedule(&schedule(now)).await.unwrap();
    let recorded = storage.insert_schedule(&schedule(now)).await.unwrap();
    let later = storage
        .insert_schedule(&schedule(now + chrono::Duration::hours(1)))
        .await
        .unwrap();
    let extra = storage
        .insert_extra_delivery(recorded.id, now, now)
        .await
        .unwrap();
    assert!(extra.is_some());

    let delivery = |occurrence, state, note: Option<&str>| PlannedDelivery {
        occurrence,
        state,
        note: note.map(str::to_owned),
    };
    let handled = storage
        .claim_due(now, 10, |s| {
            let (next_due, deliveries) = if s.id == behind.id {
                (
                    Some(now + day),
                    vec![
                        delivery(now - day, DeliveryState::Skipped, Some("missed")),
                        delivery(now, DeliveryState::Pending, None),
                    ],
                )
            } else if s.id == stopping.id {
                (
                    None,
                    vec![delivery(now, DeliveryState::Skipped, Some("unreadable"))],
                )
            } else {
                (
                    Some(now + day),
                    vec![delivery(now, DeliveryState::Pending, None)],
                )
            };
            ClaimPlan {
                schedule_id: s.id,
                next_due,
                deliveries,
            }
        })
        .await
        .unwrap();
    assert_eq!(handled, 3);

    let written = |id| async move {
        storage
            .schedule_deliveries(id)
            .await
            .unwrap()
            .into_iter()
            .map(|d| (d.occurrence, d.state, d.note))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        written(behind.id).await,
        [
            (now - day, DeliveryState::Skipped, Some("missed".to_owned())),
            (now, DeliveryState::Pending, None),
        ]
    );
    assert_eq!(
        written(stopping.id).await,
        [(now, DeliveryState::Skipped, Some("unreadable".to_owned()))]
    );
    assert_eq!(
        written(recorded.id).await,
        [(
            now,
            DeliveryState::Pending,
            Some("sent on request".to_owned())
        )],
        "the occurrence already recorded is kept as it was"
    );
    assert!(written(later.id).await.is_empty());
    let next_due = |id| async move { storage.schedule(id).await.unwrap().unwrap().next_due };
    assert_eq!(next_due(behind.id).await, Some(now + day));
    assert_eq!(next_due(stopping.id).await, None);
    assert_eq!(next_due(recorded.id).await, Some(now + day));
    assert_eq!(
        next_due(later.id).await,
        Some(now + chrono::Duration::hours(1))
    );
    // Nothing is due any more.
    let again = storage
        .claim_due(now, 10, |s| panic!("schedule {} claimed twice", s.id))
        .await
        .unwrap();
    assert_eq!(again, 0);
}

/// A reflection or a decision recorded under an event already recorded writes nothing: the
/// count stays, and the decision recorded first comes back. Without an event, each is new.
async fn an_event_is_stored_once_as_a_reflection_and_as_a_decision(db: TestDb) {
    use shiftcoach::storage::NewDecision;
    let now = Utc.with_ymd_and_hms(2026, 11, 30, 9, 0, 0).unwrap();
    let reflection = |body, event| NewReflection {
        channel: "c1",
        source: ReflectionSource::Reply,
        slug: None,
        delivery: None,
        body,
        created_at: now,
        event,
    };
    let who = identity("ada");
    let record = |new| {
        let storage = db.storage.clone();
        let who = who.clone();
        async move {
            storage
                .record_reflection(&who, "Ada", None, &new)
                .await
                .unwrap()
        }
    };
    let first = record(reflection("once", Some("discord:message:1"))).await;
    let again = record(reflection("once", Some("discord:message:1"))).await;
    assert_eq!((first.total, again.total), (1, 1));
    assert_eq!(again.person.id, first.person.id);
    record(reflection("another", Some("discord:message:2"))).await;
    record(reflection("no event", None)).await;
    record(reflection("no event", None)).await;
    let bodies: Vec<String> = db
        .storage
        .all_reflections(first.person.id)
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.body)
        .collect();
    assert_eq!(bodies.len(), 4, "{bodies:?}");
    assert_eq!(
        db.storage.count_reflections(first.person.id).await.unwrap(),
        4
    );

    let decision = |event| NewDecision {
        author: first.person.id,
        workspace: "guild-1",
        decision: "Move the audit",
        options: "now or next quarter",
        expected: "a calmer quarter",
        confidence: 70,
        review_at: now + chrono::Duration::days(30),
        now,
        event,
    };
    let one = db
        .storage
        .add_decision(&decision(Some("slack:view:V1:1.a")))
        .await
        .unwrap();
    let same = db
        .storage
        .add_decision(&decision(Some("slack:view:V1:1.a")))
        .await
        .unwrap();
    assert_eq!(one.id, same.id);
    db.storage.add_decision(&decision(None)).await.unwrap();
    assert_eq!(
        db.storage.decisions(first.person.id).await.unwrap().len(),
        2
    );
}
