//! Player accounts, guilds and friend requests on MySQL (InnoDB) through mysql_async.

use chrono::NaiveDateTime;
use mysql_async::prelude::*;
use mysql_async::{Pool, TxOpts};

use crate::social::{Result, SocialError};

const MAX_DAILY_FRIEND_REQUESTS: i64 = 20;
const MAX_GUILD_MEMBERS: i64 = 50;

pub struct Social {
    pool: Pool,
}

impl Social {
    // fire: the nickname lookup and the insert are separate statements; two players
    // picking the same nickname both get it.
    pub async fn create_player(&self, nickname: &str, region: &str) -> Result<()> {
        let mut conn = self.pool.get_conn().await?;
        let existing: Option<u64> = conn
            .exec_first("SELECT id FROM players WHERE nickname = ?", (nickname,))
            .await?;
        if existing.is_none() {
            conn.exec_drop(
                "INSERT INTO players (nickname, region) VALUES (?, ?)", //~ check-then-insert
                (nickname, region),
            )
            .await?;
            return Ok(());
        }
        Err(SocialError::NicknameTaken)
    }

    // fire: daily quota counted with COUNT(*), then insert; parallel requests at 19
    // both pass.
    pub async fn send_friend_request(&self, from: u64, to: u64, since: NaiveDateTime) -> Result<()> {
        let mut conn = self.pool.get_conn().await?;
        let sent: i64 = conn
            .exec_first(
                "SELECT COUNT(*) FROM friend_requests WHERE sender_id = ? AND created_at > ?",
                (from, since),
            )
            .await?
            .unwrap_or(0);
        if sent >= MAX_DAILY_FRIEND_REQUESTS {
            return Err(SocialError::RateLimited);
        }
        conn.exec_drop(
            "INSERT INTO friend_requests (sender_id, receiver_id) VALUES (?, ?)", //~ check-then-insert
            (from, to),
        )
        .await?;
        Ok(())
    }

    // fire: a transaction with default options: the member count is a snapshot read
    // that locks nothing, so two joins at 49 members both insert.
    pub async fn join_guild(&self, guild_id: u64, player_id: u64) -> Result<()> {
        let mut conn = self.pool.get_conn().await?;
        let mut tx = conn.start_transaction(TxOpts::default()).await?;
        let members: i64 = tx
            .exec_first(
                "SELECT COUNT(*) FROM guild_members WHERE guild_id = ?",
                (guild_id,),
            )
            .await?
            .unwrap_or(0);
        if members >= MAX_GUILD_MEMBERS {
            return Err(SocialError::GuildFull);
        }
        tx.exec_drop(
            "INSERT INTO guild_members (guild_id, player_id) VALUES (?, ?)", //~ check-then-insert
            (guild_id, player_id),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    // quiet: `INSERT IGNORE` lets the unique key on `nickname` drop a racing duplicate.
    pub async fn reserve_nickname(&self, nickname: &str, player_id: u64) -> Result<bool> {
        let mut conn = self.pool.get_conn().await?;
        let existing: Option<u64> = conn
            .exec_first("SELECT player_id FROM nicknames WHERE nickname = ?", (nickname,))
            .await?;
        if existing.is_some() {
            return Ok(false);
        }
        conn.exec_drop(
            "INSERT IGNORE INTO nicknames (nickname, player_id) VALUES (?, ?)",
            (nickname, player_id),
        )
        .await?;
        Ok(conn.affected_rows() == 1)
    }

    // quiet: `ON DUPLICATE KEY UPDATE` turns a racing second insert into an update of the
    // existing row.
    pub async fn record_visit(&self, player_id: u64, zone: &str) -> Result<()> {
        let mut conn = self.pool.get_conn().await?;
        let seen: Option<u64> = conn
            .exec_first(
                "SELECT id FROM zone_visits WHERE player_id = ? AND zone = ?",
                (player_id, zone),
            )
            .await?;
        if seen.is_none() {
            conn.exec_drop(
                "INSERT INTO zone_visits (player_id, zone, visits) VALUES (?, ?, 1) ON DUPLICATE KEY UPDATE visits = visits + 1",
                (player_id, zone),
            )
            .await?;
        }
        Ok(())
    }

    // quiet: SELECT ... FOR UPDATE inside the transaction takes a next-key (gap) lock on
    // the index range, so a concurrent insert of the same membership waits.
    pub async fn join_guild_locked(&self, guild_id: u64, player_id: u64) -> Result<()> {
        let mut conn = self.pool.get_conn().await?;
        let mut tx = conn.start_transaction(TxOpts::default()).await?;
        let member: Option<u64> = tx
            .exec_first(
                "SELECT player_id FROM guild_members WHERE guild_id = ? AND player_id = ? FOR UPDATE",
                (guild_id, player_id),
            )
            .await?;
        if member.is_some() {
            return Err(SocialError::AlreadyMember);
        }
        tx.exec_drop(
            "INSERT INTO guild_members (guild_id, player_id) VALUES (?, ?)",
            (guild_id, player_id),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    // quiet: a named `GET_LOCK` on the guild is held around the check and the insert.
    pub async fn create_guild(&self, name: &str, owner_id: u64) -> Result<()> {
        let mut conn = self.pool.get_conn().await?;
        let locked: Option<i64> = conn
            .exec_first("SELECT GET_LOCK(CONCAT('guild-name:', ?), 5)", (name,))
            .await?;
        if locked != Some(1) {
            return Err(SocialError::Busy);
        }
        let taken: Option<u64> = conn
            .exec_first("SELECT id FROM guilds WHERE name = ?", (name,))
            .await?;
        if taken.is_none() {
            conn.exec_drop(
                "INSERT INTO guilds (name, owner_id) VALUES (?, ?)",
                (name, owner_id),
            )
            .await?;
        }
        conn.exec_drop("SELECT RELEASE_LOCK(CONCAT('guild-name:', ?))", (name,))
            .await?;
        if taken.is_some() {
            return Err(SocialError::GuildNameTaken);
        }
        Ok(())
    }
}
