//! Load: the real binary driven through the fake Discord at rising rates, on PostgreSQL, with
//! a mix of commands, button presses and thread replies, reporting event-to-answer p50 and p99,
//! errors, and the process's CPU and memory; beside it the floor, the same events answered by
//! an empty bot (the driver posting each answer itself the moment it dispatches the event).
//! Then a burst of nudges: many channels' schedules due at once, posted through the fake
//! enforcing Discord's rate limits, reporting what was lost or doubled and the rate achieved
//! against the platform's limit, its floor. Bounded in time and count, on 127.0.0.1 only. Not
//! part of the test run: `scripts/load` runs it in release mode with `--ignored`.

use std::{
    collections::HashMap,
    time::{Duration, Instant},
};

use serde_json::json;
use shiftcoach::storage::DeliveryState;

use crate::{
    discord::service::{command, interaction, schedule_and_send_now, start_with, until},
    fake_discord::{FakeDiscord, GLOBAL_LIMIT, GLOBAL_WINDOW, TOKEN},
    support::{DedicatedPostgres, nudges_due_a_minute_ago},
};

/// Rates to drive, in events per second (`LOAD_RATES`, comma-separated; empty skips them).
fn rates() -> Vec<u64> {
    std::env::var("LOAD_RATES")
        .ok()
        .map(|rates| {
            rates
                .split(',')
                .filter_map(|r| r.trim().parse().ok())
                .collect()
        })
        .unwrap_or_else(|| vec![10, 25, 50])
}

/// How long each rate runs (`LOAD_SECONDS`), at most 60 s.
fn seconds() -> u64 {
    std::env::var("LOAD_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(10)
        .min(60)
}

/// The process's CPU time so far (user + system) and its resident memory, from `/proc`.
fn usage(pid: u32) -> (Duration, u64) {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map(|(_, rest)| rest.split_whitespace().collect())
        .unwrap_or_default();
    // utime and stime are fields 14 and 15 of the file, 12 and 13 after the name.
    let ticks: u64 = [11, 12]
        .iter()
        .filter_map(|i| fields.get(*i).and_then(|f| f.parse::<u64>().ok()))
        .sum();
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let rss_kb = status
        .lines()
        .find(|line| line.starts_with("VmRSS:"))
        .and_then(|line| line.split_whitespace().nth(1))
        .and_then(|kb| kb.parse().ok())
        .unwrap_or(0);
    // The kernel's clock tick is 100 Hz on Linux.
    (Duration::from_millis(ticks * 10), rss_kb)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((p / 100.0) * (sorted.len() - 1) as f64).round() as usize;
    sorted[rank.min(sorted.len() - 1)]
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

/// Polls `latencies` (each event's time to its answer, `None` while unanswered) until every
/// event is answered or 20 s more have passed; returns the answer times, sorted, and how many
/// events went unanswered.
async fn answers(mut latencies: impl FnMut() -> Vec<Option<Duration>>) -> (Vec<Duration>, usize) {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let found = latencies();
        let missing = found.iter().filter(|l| l.is_none()).count();
        if missing == 0 || Instant::now() > deadline {
            let mut answered: Vec<Duration> = found.into_iter().flatten().collect();
            answered.sort_unstable();
            return (answered, missing);
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// A rate's row of the table, up to the floor's columns: events, p50, p99, errors, the
/// process's CPU over `wall` and its resident memory (`rss_kb`).
fn rate_row(
    rate: u64,
    latencies: &[Duration],
    errors: usize,
    cpu: Duration,
    wall: Duration,
    rss_kb: u64,
) -> String {
    format!(
        "| {rate} | {} | {} | {} | {errors} | {:.0} % | {:.1} MB |",
        rate * seconds(),
        ms(percentile(latencies, 50.0)),
        ms(percentile(latencies, 99.0)),
        cpu.as_secs_f64() / wall.as_secs_f64() * 100.0,
        rss_kb as f64 / 1024.0,
    )
}

#[tokio::test]
#[ignore = "a load run, not a check: scripts/load runs it"]
async fn load() {
    if rates().is_empty() {
        println!("event rates skipped (LOAD_RATES empty)");
        return;
    }
    let pg = DedicatedPostgres::start();
    let fake = FakeDiscord::start().await;
    let running = start_with(
        &fake,
        TOKEN,
        &[
            ("DATABASE_URL", pg.url.as_str()),
            ("DISCORD_MESSAGE_CONTENT", "true"),
            ("RUST_LOG", "warn"),
        ],
    );
    until("the commands", || {
        !fake.requests_to("PUT", "/api/v10/applications/").is_empty()
    })
    .await;
    schedule_and_send_now(&fake, 1).await;
    until("the nudge", || !fake.posts().is_empty()).await;
    let nudge = fake.last_message_id();
    // A button that answers from the catalog: the nudge's Reflect button opens a form.
    let reflect_button =
        fake.posts()[0].body["components"][0]["components"][0]["custom_id"].clone();
    let pid = running.child.id();
    let (_, idle_rss) = usage(pid);
    println!(
        "\nload: the real binary on PostgreSQL through the fake Discord, {} s per rate",
        seconds()
    );
    println!(
        "idle memory after start: {:.1} MB",
        idle_rss as f64 / 1024.0
    );
    println!("| events/s | events | p50 | p99 | errors | CPU | memory | floor p50 | floor p99 |");
    println!("|---|---|---|---|---|---|---|---|---|");
    let mut next_id: u64 = 100;
    // The fake's certificate names discord.com, as the service reaches it.
    let fake_addr: std::net::SocketAddr = format!(
        "{}:{}",
        fake.base().host_str().unwrap(),
        fake.base().port().unwrap()
    )
    .parse()
    .unwrap();
    let http = reqwest::Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(fake.ca_pem.as_bytes()).unwrap())
        .resolve("discord.com", fake_addr)
        .build()
        .unwrap();
    let mut rows = Vec::new();
    for rate in rates() {
        let count = rate * seconds();
        let gap = Duration::from_secs_f64(1.0 / rate as f64);
        let rejections_before = fake.rejections().len();
        let (cpu_before, _) = usage(pid);
        let started = Instant::now();
        // (how the answer is recognised, when the event was dispatched)
        let mut sent: Vec<(String, String, Instant)> = Vec::new();
        for i in 0..count {
            let due = started + gap * i as u32;
            tokio::time::sleep_until(due.into()).await;
            next_id += 1;
            let id = next_id;
            match i % 4 {
                0 => fake.dispatch("INTERACTION_CREATE", command(id, "help", json!([]))),
                1 => fake.dispatch(
                    "INTERACTION_CREATE",
                    command(id, "reflect", json!([{ "name": "text", "type": 3, "value": format!("Load reflection {id}") }])),
                ),
                2 => {
                    let mut press =
                        interaction(id, 3, json!({ "custom_id": reflect_button, "component_type": 2 }));
                    press["message"] = json!({
                        "id": nudge, "channel_id": "1200000000000000011",
                        "author": { "id": crate::fake_discord::APPLICATION_ID, "username": "shiftcoach", "discriminator": "0", "avatar": null, "bot": true },
                        "content": "", "timestamp": "2026-11-27T08:00:00.000000+00:00", "edited_timestamp": null,
                        "tts": false, "mention_everyone": false, "mentions": [], "mention_roles": [], "attachments": [],
                        "embeds": [], "pinned": false, "type": 0, "components": []
                    });
                    fake.dispatch("INTERACTION_CREATE", press);
                }
                _ => {
                    let message = format!("18{id:017}");
                    fake.dispatch("MESSAGE_CREATE", json!({
                        "id": message, "channel_id": nudge, "guild_id": "1100000000000000007",
                        "author": { "id": "1000000000000000003", "username": "ada", "global_name": "Ada", "discriminator": "0", "avatar": null },
                        "content": format!("A load reply {id}"), "timestamp": "2026-11-27T09:05:00.000000+00:00", "edited_timestamp": null,
                        "tts": false, "mention_everyone": false, "mentions": [], "mention_roles": [], "attachments": [],
                        "embeds": [], "pinned": false, "type": 0
                    }));
                    sent.push((
                        "PUT".into(),
                        format!("/api/v10/channels/{nudge}/messages/{message}/reactions/"),
                        Instant::now(),
                    ));
                    continue;
                }
            }
            sent.push((
                "POST".into(),
                format!("/api/v10/interactions/{id}/token-{id}/callback"),
                Instant::now(),
            ));
        }
        let (latencies, missing) = answers(|| {
            let requests = fake.requests();
            sent.iter()
                .map(|(method, prefix, at)| {
                    requests
                        .iter()
                        .find(|r| &r.method == method && r.path.starts_with(prefix.as_str()))
                        .map(|answer| answer.at.saturating_duration_since(*at))
                })
                .collect()
        })
        .await;
        let wall = started.elapsed();
        let (cpu_after, rss) = usage(pid);
        let rejections = fake.rejections();
        for (request, status, body) in &rejections[rejections_before..] {
            println!(
                "refused: {} {} -> {status} {body}",
                request.method, request.path
            );
        }
        if missing > 0 {
            println!("unanswered: {missing}");
        }
        let errors = missing + rejections.len() - rejections_before;
        rows.push(rate_row(
            rate,
            &latencies,
            errors,
            cpu_after - cpu_before,
            wall,
            rss,
        ));
    }
    // The floor, with the service stopped so that only the empty bot answers.
    drop(running);
    for (row, rate) in rows.iter().zip(rates()) {
        let count = rate * seconds();
        let gap = Duration::from_secs_f64(1.0 / rate as f64);
        // The same number of interactions, each answered by the driver itself the moment it
        // dispatched it (an empty bot that does nothing but answer).
        let floor_started = Instant::now();
        let mut floor = Vec::new();
        for i in 0..count {
            tokio::time::sleep_until((floor_started + gap * i as u32).into()).await;
            next_id += 1;
            let id = next_id;
            let at = Instant::now();
            fake.dispatch("INTERACTION_CREATE", command(id, "help", json!([])));
            let url = format!("https://discord.com/api/v10/interactions/{id}/token-{id}/callback");
            if let Err(err) = http
                .post(url)
                .json(&json!({ "type": 4, "data": { "content": "ok", "flags": 64 } }))
                .send()
                .await
            {
                println!("floor: a callback failed: {err}");
            }
            let path = format!("/api/v10/interactions/{id}/token-{id}/callback");
            match fake.requests().iter().rev().find(|r| r.path == path) {
                Some(answer) => floor.push(answer.at.saturating_duration_since(at)),
                None => println!("floor: no callback recorded for {id}"),
            }
        }
        floor.sort_unstable();
        println!(
            "{row} {} | {} |",
            ms(percentile(&floor, 50.0)),
            ms(percentile(&floor, 99.0)),
        );
    }
}

/// How many channels' nudges fall due at once in the burst (`LOAD_NUDGES`; 0 skips it).
fn nudges() -> u64 {
    std::env::var("LOAD_NUDGES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(1000)
}

/// How long the fake takes to answer each post in the burst (`LOAD_LATENCY_MS`): Discord
/// answers in tens of milliseconds, the fake on 127.0.0.1 in well under one.
fn latency() -> Duration {
    Duration::from_millis(
        std::env::var("LOAD_LATENCY_MS")
            .ok()
            .and_then(|ms| ms.parse().ok())
            .unwrap_or(100),
    )
}

/// The load target: 1,000 channels' nudges due in one minute, posted at 90 % of the
/// platform's rate limit or better, none lost or doubled. Every schedule is due a minute ago
/// (well within the grace window) when the release binary starts on a PostgreSQL server of its
/// own; the fake enforces Discord's limits (50 requests a second, 5 posts per 5 s per channel)
/// and answers each post after [`latency`]. The rate is taken between the first and the last
/// post that went through; the requests beside it are every request the bot made with its token
/// in that time (lookups of earlier posts would be among them), which the global limit counts.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a load run, not a check: scripts/load runs it"]
async fn nudge_burst() {
    let count = nudges();
    if count == 0 {
        println!("nudge burst skipped (LOAD_NUDGES=0)");
        return;
    }
    const GUILD: &str = "1100000000000000007";
    let pg = DedicatedPostgres::start();
    let fake = FakeDiscord::start().await;
    fake.delay_posts(latency());
    let (storage, schedules) =
        nudges_due_a_minute_ago(&pg.url, GUILD, 1_200_000_000_000_100_000, count).await;
    let paths: HashMap<String, String> = schedules
        .iter()
        .map(|s| {
            let channel = s.channel.channel.clone();
            (format!("/api/v10/channels/{channel}/messages"), channel)
        })
        .collect();

    let started = Instant::now();
    let running = start_with(
        &fake,
        TOKEN,
        &[("DATABASE_URL", pg.url.as_str()), ("RUST_LOG", "warn")],
    );
    let pid = running.child.id();
    let (cpu_before, _) = usage(pid);
    // Each channel's post that went through, as (channel, when).
    let posted = |fake: &FakeDiscord| -> Vec<(String, Instant)> {
        fake.requests()
            .into_iter()
            .filter(|r| r.method == "POST" && r.status == 200)
            .filter_map(|r| paths.get(&r.path).map(|channel| (channel.clone(), r.at)))
            .collect()
    };
    // A functional bound, not a target: three times what the limit allows, plus a minute.
    let give_up = Duration::from_secs(count * 3 / GLOBAL_LIMIT as u64 + 60);
    loop {
        let channels: std::collections::HashSet<String> = posted(&fake)
            .into_iter()
            .map(|(channel, _)| channel)
            .collect();
        if channels.len() as u64 == count || started.elapsed() > give_up {
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    // A post doubled at the last moment, or a delivery still being recorded, shows up now.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let (cpu_after, rss) = usage(pid);
    drop(running);

    let posts = posted(&fake);
    let mut per_channel: HashMap<&str, usize> = HashMap::new();
    for (channel, _) in &posts {
        *per_channel.entry(channel.as_str()).or_default() += 1;
    }
    let lost = schedules
        .iter()
        .filter(|s| !per_channel.contains_key(s.channel.channel.as_str()))
        .count();
    let doubled = per_channel.values().filter(|n| **n > 1).count();
    let mut recorded_sent = 0;
    for schedule in &schedules {
        let deliveries = storage.schedule_deliveries(schedule.id).await.unwrap();
        if deliveries.len() == 1 && deliveries[0].state == DeliveryState::Sent {
            recorded_sent += 1;
        }
    }
    let first = posts.iter().map(|(_, at)| *at).min();
    let last = posts.iter().map(|(_, at)| *at).max();
    let (span, rate) = match (first, last) {
        (Some(first), Some(last)) if posts.len() > 1 => {
            let span = last - first;
            (span, (posts.len() - 1) as f64 / span.as_secs_f64())
        }
        _ => (Duration::ZERO, 0.0),
    };
    // Every request with the bot's token in the same time (interaction endpoints are not
    // counted by the global limit, and none are made here), and those that went through.
    let requests = fake.requests();
    let in_span: Vec<_> = requests
        .iter()
        .filter(|r| first.is_some_and(|f| r.at >= f) && last.is_some_and(|l| r.at <= l))
        .collect();
    let accepted = in_span.iter().filter(|r| r.status != 429).count();
    let lookups = requests
        .iter()
        .filter(|r| r.method == "GET" && r.path.ends_with("/messages"))
        .count();
    let requests_rate = accepted.saturating_sub(1) as f64 / span.as_secs_f64().max(f64::EPSILON);
    let limited = fake.rate_limited();
    let global_429 = limited.iter().filter(|(_, global)| *global).count();
    let route_429 = limited.len() - global_429;
    let limit = GLOBAL_LIMIT as f64 / GLOBAL_WINDOW.as_secs_f64();
    let cpu = (cpu_after - cpu_before).as_secs_f64() / started.elapsed().as_secs_f64() * 100.0;

    println!(
        "\nnudge burst: {count} channels' nudges due at once, the real binary on PostgreSQL through the fake Discord enforcing its limits, each post answered after {} ms",
        latency().as_millis()
    );
    if let Some(first) = first {
        println!(
            "first post {:.1} s after the process started (connecting, claiming); CPU {cpu:.0} % of a core over the run, memory {:.1} MB at the end; {recorded_sent} of {count} deliveries recorded as sent; {lookups} history lookups",
            first.duration_since(started).as_secs_f64(),
            rss as f64 / 1024.0
        );
    }
    println!(
        "| channels | posted | lost | doubled | first to last post | posts/s | of the limit (floor 50/s) | requests/s | 429s (global, route) |"
    );
    println!("|---|---|---|---|---|---|---|---|---|");
    println!(
        "| {count} | {} | {lost} | {doubled} | {:.2} s | {rate:.1} | {:.1} % | {requests_rate:.1} | {}, {} |",
        posts.len(),
        span.as_secs_f64(),
        rate / limit * 100.0,
        global_429,
        route_429,
    );
    let refused = fake.rejections();
    for (request, status, body) in &refused {
        println!(
            "refused: {} {} -> {status} {body}",
            request.method, request.path
        );
    }
}

/// The same run through the fake Slack: the release binary in Socket Mode on a PostgreSQL
/// server of its own, a quarter each of `/help`, `/reflect` with text (both answered through
/// their `response_url`), presses of a nudge's Reflect button (answered by `views.open` with
/// the press's `trigger_id`) and replies in the nudge's thread (answered with
/// `chat.postEphemeral` in the thread; matched to the replies in order, since they share a
/// thread and an author). The floor is an empty bot: the driver posts to each command's
/// `response_url` itself the moment it pushes the command, with the service stopped.
mod slack {
    use std::time::{Duration, Instant};

    use serde_json::json;

    use super::{answers, ms, percentile, rate_row, rates, seconds, usage};
    use crate::{
        fake_slack::{APP_TOKEN, BOT_TOKEN, CHANNEL, FakeSlack, TEAM_ID, USER, User},
        support::DedicatedPostgres,
    };

    /// How an event's answer is recognised.
    enum Answer {
        /// A post to this `response_url` path.
        Response(String),
        /// `views.open` with this `trigger_id`.
        View(String),
        /// The next `chat.postEphemeral` in the nudge's thread.
        InThread,
    }

    fn response_path(url: &str) -> String {
        url::Url::parse(url).unwrap().path().to_owned()
    }

    #[tokio::test]
    #[ignore = "a load run, not a check: scripts/load runs it"]
    async fn slack_load() {
        if rates().is_empty() {
            println!("Slack event rates skipped (LOAD_RATES empty)");
            return;
        }
        let pg = DedicatedPostgres::start();
        let fake = FakeSlack::start().await;
        for (id, is_admin) in [("U0ADMIN", true), (USER, false)] {
            fake.add_user(User {
                id: id.into(),
                name: id.into(),
                tz: "Europe/Paris".into(),
                tz_offset: 3600,
                is_admin,
                is_owner: false,
            });
        }
        let dir = tempfile::tempdir().unwrap();
        let mut child = crate::slack::binary::run(
            &fake,
            dir.path(),
            &[
                ("SLACK_BOT_TOKEN", BOT_TOKEN),
                ("SLACK_APP_TOKEN", APP_TOKEN),
                ("DATABASE_URL", pg.url.as_str()),
                ("RUST_LOG", "warn"),
            ],
        );
        assert!(fake.wait_for_connections(2, Duration::from_secs(30)).await);
        // A nudge in the channel, whose Reflect button and thread the run uses.
        fake.push_slash_command("/nudges", "set daily 09:00 UTC", "U0ADMIN", CHANNEL);
        let deadline = Instant::now() + Duration::from_secs(30);
        while fake.private_answers().is_empty() {
            assert!(Instant::now() < deadline, "no answer to /nudges set");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        fake.push_slash_command("/nudges", "now", "U0ADMIN", CHANNEL);
        while fake.messages(CHANNEL).is_empty() {
            assert!(
                Instant::now() < deadline,
                "no nudge: {:?}",
                fake.private_answers()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let nudge = fake.messages(CHANNEL)[0].clone();
        let button = nudge
            .blocks
            .as_ref()
            .and_then(|blocks| blocks.as_array())
            .and_then(|blocks| {
                blocks
                    .iter()
                    .filter(|b| b["type"] == "actions")
                    .flat_map(|b| b["elements"].as_array().cloned().unwrap_or_default())
                    .find(|e| e["type"] == "button")
            })
            .expect("the nudge's Reflect button");
        let pid = child.id();
        let (_, idle_rss) = usage(pid);
        println!(
            "\nload: the real binary on PostgreSQL through the fake Slack (Socket Mode), {} s per rate",
            seconds()
        );
        println!(
            "idle memory after start: {:.1} MB",
            idle_rss as f64 / 1024.0
        );
        println!(
            "| events/s | events | p50 | p99 | errors | CPU | memory | floor p50 | floor p99 |"
        );
        println!("|---|---|---|---|---|---|---|---|---|");
        let mut next: u64 = 100;
        let mut rows = Vec::new();
        for rate in rates() {
            let count = rate * seconds();
            let gap = Duration::from_secs_f64(1.0 / rate as f64);
            let rejections_before = fake.rejections().len();
            let in_thread_before = fake
                .calls("chat.postEphemeral")
                .iter()
                .filter(|r| r.body["thread_ts"] == json!(nudge.ts))
                .count();
            let (cpu_before, _) = usage(pid);
            let started = Instant::now();
            let mut sent: Vec<(Answer, Instant)> = Vec::new();
            for i in 0..count {
                tokio::time::sleep_until((started + gap * i as u32).into()).await;
                next += 1;
                let at = Instant::now();
                let answer = match i % 4 {
                    0 => {
                        let pushed = fake.push_slash_command("/help", "", USER, CHANNEL);
                        Answer::Response(response_path(&pushed.response_url.unwrap()))
                    }
                    1 => {
                        let text = format!("Load reflection {next}");
                        let pushed = fake.push_slash_command("/reflect", &text, USER, CHANNEL);
                        Answer::Response(response_path(&pushed.response_url.unwrap()))
                    }
                    2 => {
                        let pushed = fake.push_interactive(json!({
                            "type": "block_actions", "team": { "id": TEAM_ID },
                            "user": { "id": USER }, "api_app_id": crate::fake_slack::APP_ID,
                            "container": { "type": "message", "message_ts": nudge.ts, "channel_id": CHANNEL },
                            "channel": { "id": CHANNEL },
                            "message": { "ts": nudge.ts, "text": "nudge" },
                            "actions": [{ "type": "button", "action_id": button["action_id"],
                                "block_id": "b", "value": button["value"],
                                "action_ts": format!("1800000000.{next:06}") }]
                        }));
                        Answer::View(pushed.trigger_id.unwrap())
                    }
                    _ => {
                        let reply = json!({
                            "type": "message", "channel": CHANNEL, "channel_type": "channel",
                            "user": USER, "text": format!("A load reply {next}"),
                            "ts": format!("1800000001.{next:06}"), "thread_ts": nudge.ts
                        });
                        fake.push_event(reply, &format!("Ev0LOAD{next}"));
                        Answer::InThread
                    }
                };
                sent.push((answer, at));
            }
            let (latencies, missing) = answers(|| {
                let requests = fake.requests();
                let mut in_thread = requests
                    .iter()
                    .filter(|r| {
                        r.method == "chat.postEphemeral" && r.body["thread_ts"] == json!(nudge.ts)
                    })
                    .map(|r| r.at)
                    .skip(in_thread_before);
                sent.iter()
                    .map(|(answer, at)| {
                        let answered = match answer {
                            Answer::Response(path) => requests
                                .iter()
                                .find(|r| r.http_method == "POST" && &r.path == path)
                                .map(|r| r.at),
                            Answer::View(trigger) => requests
                                .iter()
                                .find(|r| {
                                    r.method == "views.open"
                                        && r.body["trigger_id"] == json!(trigger)
                                })
                                .map(|r| r.at),
                            // Replies share a thread and an author: matched in order.
                            Answer::InThread => in_thread.next(),
                        };
                        answered.map(|when| when.saturating_duration_since(*at))
                    })
                    .collect()
            })
            .await;
            let wall = started.elapsed();
            let (cpu_after, rss) = usage(pid);
            let rejections = fake.rejections();
            for refused in &rejections[rejections_before..] {
                println!(
                    "refused: {} {} -> {}",
                    refused.request.method, refused.error, refused.body
                );
            }
            if missing > 0 {
                println!("unanswered: {missing}");
            }
            let errors = missing + rejections.len() - rejections_before;
            rows.push(rate_row(
                rate,
                &latencies,
                errors,
                cpu_after - cpu_before,
                wall,
                rss,
            ));
        }
        // The floor, with the service stopped so that only the empty bot answers.
        let _ = child.kill();
        let _ = child.wait();
        let http = reqwest::Client::new();
        for (row, rate) in rows.iter().zip(rates()) {
            let count = rate * seconds();
            let gap = Duration::from_secs_f64(1.0 / rate as f64);
            let floor_started = Instant::now();
            let mut floor = Vec::new();
            for i in 0..count {
                tokio::time::sleep_until((floor_started + gap * i as u32).into()).await;
                let at = Instant::now();
                let pushed = fake.push_slash_command("/help", "", USER, CHANNEL);
                let url = pushed.response_url.unwrap();
                if let Err(err) = http
                    .post(&url)
                    .json(&json!({ "text": "ok", "replace_original": false }))
                    .send()
                    .await
                {
                    println!("floor: a response failed: {err}");
                }
                let path = response_path(&url);
                match fake.requests().iter().rev().find(|r| r.path == path) {
                    Some(answer) => floor.push(answer.at.saturating_duration_since(at)),
                    None => println!("floor: no response recorded"),
                }
            }
            floor.sort_unstable();
            println!(
                "{row} {} | {} |",
                ms(percentile(&floor, 50.0)),
                ms(percentile(&floor, 99.0)),
            );
        }
    }
}
