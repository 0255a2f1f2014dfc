//! Profile cache on `moka::sync::Cache`, which synchronises each call internally.

use std::sync::Arc;

use moka::sync::Cache;

use crate::db::{Db, DbError};
use crate::profile::{Avatar, Profile, UserId};

pub struct ProfileService {
    db: Db,
    profiles: Cache<UserId, Arc<Profile>>,
    avatars: Cache<UserId, Arc<Avatar>>,
}

impl ProfileService {
    // fire: a miss (early return on hit) and the insert are separate cache calls;
    // concurrent misses all hit the database and the last insert wins.
    pub fn profile(&self, id: UserId) -> Result<Arc<Profile>, DbError> {
        if let Some(p) = self.profiles.get(&id) {
            return Ok(p);
        }
        let loaded = Arc::new(self.db.load_profile(id)?);
        self.profiles.insert(id, Arc::clone(&loaded)); //~ lock-check-then-act
        Ok(loaded)
    }

    // fire: `contains_key` then `insert` on the same moka cache.
    pub fn warm_avatar(&self, id: UserId) -> Result<(), DbError> {
        if !self.avatars.contains_key(&id) {
            let avatar = Arc::new(self.db.load_avatar(id)?);
            self.avatars.insert(id, avatar); //~ lock-check-then-act
        }
        Ok(())
    }

    // quiet: `get_with` coalesces concurrent misses; the loader runs once per key.
    pub fn profile_coalesced(&self, id: UserId) -> Arc<Profile> {
        self.profiles
            .get_with(id, || Arc::new(self.db.load_profile(id).unwrap_or_default()))
    }

    // quiet: the entry API decides and inserts in one call.
    pub fn avatar_entry(&self, id: UserId) -> Arc<Avatar> {
        self.avatars
            .entry(id)
            .or_insert_with(|| Arc::new(Avatar::placeholder(id)))
            .into_value()
    }
}
