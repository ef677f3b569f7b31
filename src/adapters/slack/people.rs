//! Who is acting on Slack: their name, their own zone (`users.info` `tz`) and whether they
//! administer the workspace (`is_admin` or `is_owner`), looked up once and kept for
//! [`PEOPLE_TTL`], so a change of zone or role is seen within that time.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex, PoisonError},
    time::{Duration, Instant},
};

use secrecy::{ExposeSecret, SecretString};
use slack_morphism::prelude::*;

use super::{inbound::Person, postman::Client};

/// How long a looked-up person is kept before `users.info` is asked again.
pub const PEOPLE_TTL: Duration = Duration::from_secs(15 * 60);

/// The cache of people, by (team, user).
pub struct People {
    client: Arc<Client>,
    token: SlackApiToken,
    known: Mutex<HashMap<(String, String), (Person, Instant)>>,
}

// The token never reaches debug output.
impl std::fmt::Debug for People {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("People(***)")
    }
}

impl People {
    /// A cache asking `users.info` with the bot token.
    pub fn new(client: Arc<Client>, bot_token: &SecretString) -> Self {
        let token = SlackApiToken::new(SlackApiTokenValue(bot_token.expose_secret().to_owned()));
        Self {
            client,
            token,
            known: Mutex::new(HashMap::new()),
        }
    }

    /// The person `user` of `team`. When Slack cannot be asked, the person is still served:
    /// without a name, in the coach's default zone, and not an admin (nothing is cached then).
    pub async fn person(&self, team: &str, user: &str) -> Person {
        let key = (team.to_owned(), user.to_owned());
        if let Some((person, at)) = self.lock().get(&key) {
            if at.elapsed() < PEOPLE_TTL {
                return person.clone();
            }
        }
        let session = self.client.open_session(&self.token);
        let request = SlackApiUsersInfoRequest::new(SlackUserId(user.to_owned()));
        match session.users_info(&request).await {
            Ok(found) => {
                let person = person_of(&found.user);
                self.lock().insert(key, (person.clone(), Instant::now()));
                person
            }
            Err(err) => {
                tracing::warn!(error = %err, "looking up a Slack user failed");
                Person::default()
            }
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<(String, String), (Person, Instant)>> {
        self.known.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// What shiftcoach keeps of a Slack user: the display name (else the real name, else the
/// handle), the zone when it is one shiftcoach knows, and admin for admins and owners.
fn person_of(user: &SlackUser) -> Person {
    let profile_name = user.profile.as_ref().and_then(|profile| {
        profile
            .display_name
            .clone()
            .filter(|name| !name.trim().is_empty())
            .or_else(|| profile.real_name.clone())
    });
    Person {
        name: profile_name
            .or_else(|| user.real_name.clone())
            .or_else(|| user.name.clone())
            .filter(|name| !name.trim().is_empty()),
        zone: user
            .tz
            .as_deref()
            .and_then(|tz| crate::zone::parse_zone(tz).ok()),
        is_admin: user.flags.is_admin == Some(true)
            || user.flags.is_owner == Some(true)
            || user.flags.is_primary_owner == Some(true),
    }
}
