//! Tenant billing jobs on the synchronous `postgres` crate, run from a worker thread
//! pool; several workers may process the same tenant at once.

use postgres::{Client, IsolationLevel, NoTls};
use r2d2::Pool;
use r2d2_postgres::PostgresConnectionManager;

use crate::billing::{BillingError, Result};

pub struct BillingJobs {
    pool: Pool<PostgresConnectionManager<NoTls>>,
    database_url: String,
}

impl BillingJobs {
    // fire: SQL built with `format!`; the remaining credits are computed in Rust from the
    // value read and formatted into the UPDATE, so a concurrent charge is overwritten.
    pub fn consume_credits(&self, tenant_id: i64, cost: i64) -> Result<i64> {
        let mut client = self.pool.get()?;
        let row = client.query_one(
            &format!("SELECT credits FROM tenants WHERE id = {}", tenant_id),
            &[],
        )?;
        let credits: i64 = row.get("credits");
        if credits < cost {
            return Err(BillingError::OutOfCredits);
        }
        let remaining = credits - cost;
        client.batch_execute(&format!(
            "UPDATE tenants SET credits = {} WHERE id = {}", //~ select-then-update
            remaining, tenant_id
        ))?;
        Ok(remaining)
    }

    // fire: stale check on a multi-line SELECT; two registrations for the last seat both
    // pass `seats_left >= requested` and both decrement.
    pub fn register_attendees(&self, event_id: i64, requested: i32) -> Result<()> {
        let mut client = self.pool.get()?;
        let row = client.query_one(
            r#"
            SELECT e.seats_left, e.title
              FROM events e
             WHERE e.id = $1
            "#,
            &[&event_id],
        )?;
        let seats_left: i32 = row.get("seats_left");
        if seats_left < requested {
            return Err(BillingError::SoldOut);
        }
        client.execute(
            "UPDATE events SET seats_left = seats_left - $1 WHERE id = $2", //~ select-then-update
            &[&requested, &event_id],
        )?;
        Ok(())
    }

    // fire: a transaction at the default isolation level; the quota read at the start is
    // stale when the new usage value is written.
    pub fn record_usage(&self, tenant_id: i64, units: i64) -> Result<i64> {
        let mut client = Client::connect(&self.database_url, NoTls)?;
        let mut tx = client.transaction()?;
        let row = tx.query_one(
            "SELECT used_units, quota_units FROM tenant_usage WHERE tenant_id = $1",
            &[&tenant_id],
        )?;
        let used: i64 = row.get(0);
        let quota: i64 = row.get(1);
        if used + units > quota {
            return Err(BillingError::QuotaExceeded);
        }
        tx.execute(
            "UPDATE tenant_usage SET used_units = $1 WHERE tenant_id = $2", //~ select-then-update
            &[&(used + units), &tenant_id],
        )?;
        tx.commit()?;
        Ok(used + units)
    }

    // quiet: REPEATABLE READ on PostgreSQL; writing a row that changed after the snapshot
    // aborts with a serialization failure instead of losing the other update.
    pub fn record_usage_repeatable(&self, tenant_id: i64, units: i64) -> Result<i64> {
        let mut client = self.pool.get()?;
        let mut tx = client
            .build_transaction()
            .isolation_level(IsolationLevel::RepeatableRead)
            .start()?;
        let row = tx.query_one(
            "SELECT used_units FROM tenant_usage WHERE tenant_id = $1",
            &[&tenant_id],
        )?;
        let used: i64 = row.get(0);
        tx.execute(
            "UPDATE tenant_usage SET used_units = $1 WHERE tenant_id = $2",
            &[&(used + units), &tenant_id],
        )?;
        tx.commit()?;
        Ok(used + units)
    }

    // quiet: FOR UPDATE inside the transaction; a second worker blocks on the tenant row
    // until this one commits.
    pub fn consume_credits_locked(&self, tenant_id: i64, cost: i64) -> Result<i64> {
        let mut client = self.pool.get()?;
        let mut tx = client.transaction()?;
        let row = tx.query_one(
            "SELECT credits FROM tenants WHERE id = $1 FOR UPDATE",
            &[&tenant_id],
        )?;
        let credits: i64 = row.get(0);
        if credits < cost {
            return Err(BillingError::OutOfCredits);
        }
        tx.execute(
            "UPDATE tenants SET credits = $1 WHERE id = $2",
            &[&(credits - cost), &tenant_id],
        )?;
        tx.commit()?;
        Ok(credits - cost)
    }

    // quiet: raw `BEGIN ISOLATION LEVEL SERIALIZABLE` on the same connection, committed
    // after the UPDATE.
    pub fn settle_invoice(&self, tenant_id: i64, invoice_cents: i64) -> Result<()> {
        let mut client = Client::connect(&self.database_url, NoTls)?;
        client.batch_execute("BEGIN ISOLATION LEVEL SERIALIZABLE")?;
        let row = client.query_one(
            "SELECT prepaid_cents FROM tenants WHERE id = $1",
            &[&tenant_id],
        )?;
        let prepaid: i64 = row.get(0);
        let left = (prepaid - invoice_cents).max(0);
        client.execute(
            "UPDATE tenants SET prepaid_cents = $1 WHERE id = $2",
            &[&left, &tenant_id],
        )?;
        client.batch_execute("COMMIT")?;
        Ok(())
    }
}
