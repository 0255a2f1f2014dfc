//! Edition 2024: an `if let` scrutinee's temporaries are dropped before `else` runs,
//! so a lookup in the scrutinee and an insert in `else` are two separate acquisitions.

use std::collections::HashMap;
use std::sync::{Mutex, RwLock};

use crate::auth::{Session, SessionId, UserId};
use crate::render::Template;

pub struct Store {
    sessions: Mutex<HashMap<SessionId, Session>>,
    templates: RwLock<HashMap<String, Template>>,
    tokens: tokio::sync::Mutex<HashMap<UserId, String>>,
}

impl Store {
    // fire: the guard from the scrutinee is gone in `else`; two callers can both miss
    // and both insert.
    pub fn session(&self, id: SessionId, user: UserId) -> Session {
        if let Some(s) = self.sessions.lock().unwrap().get(&id) {
            s.clone()
        } else {
            let s = Session::new(user);
            self.sessions.lock().unwrap().insert(id, s.clone()); //~ lock-check-then-act
            s
        }
    }

    // fire: read guard in the scrutinee, write guard in `else`, no re-check.
    pub fn template(&self, name: &str) -> Template {
        if let Some(t) = self.templates.read().unwrap().get(name) {
            t.clone()
        } else {
            let t = Template::compile(name);
            self.templates.write().unwrap().insert(name.to_owned(), t.clone()); //~ lock-check-then-act
            t
        }
    }

    // fire: tokio mutex; the scrutinee's guard is released before `else`, and the
    // token is fetched and inserted under a new acquisition.
    pub async fn token(&self, user: UserId) -> String {
        if let Some(t) = self.tokens.lock().await.get(&user) {
            t.clone()
        } else {
            let t = crate::auth::issue_token(user).await;
            self.tokens.lock().await.insert(user, t.clone()); //~ lock-check-then-act
            t
        }
    }

    // quiet: the guard is bound before the `if let`; `else` inserts through it.
    pub fn session_held(&self, id: SessionId, user: UserId) -> Session {
        let mut sessions = self.sessions.lock().unwrap();
        if let Some(s) = sessions.get(&id) {
            s.clone()
        } else {
            let s = Session::new(user);
            sessions.insert(id, s.clone());
            s
        }
    }

    // quiet: the mutation happens in the `then` block through the scrutinee's own
    // borrow, while its guard is still alive.
    pub fn refresh(&self, id: SessionId) -> bool {
        if let Some(s) = self.sessions.lock().unwrap().get_mut(&id) {
            s.touch();
            true
        } else {
            false
        }
    }

    // quiet: the entry API under one write guard.
    pub fn template_entry(&self, name: &str) -> Template {
        self.templates
            .write()
            .unwrap()
            .entry(name.to_owned())
            .or_insert_with(|| Template::compile(name))
            .clone()
    }
}
