//! Global counters and bit sets kept in `static mut` and updated with a plain
//! read-modify-write inside `unsafe`. Two threads can read the same old value.

static mut REQUEST_COUNT: u64 = 0;
static mut QUOTA_REMAINING: u64 = 1_000_000;
static mut ENABLED_FEATURES: u32 = 0;
static mut NEXT_CONN_ID: u32 = 1;
static mut BYTES_WRITTEN: usize = 0;
static mut CONFIG_VERSION: u64 = 0;

// fire: `+= 1` on a static mut
pub fn on_request() {
    unsafe {
        REQUEST_COUNT += 1; //~ static-mut-rmw
    }
}

// fire: `-= amount` on a static mut quota
pub fn charge_quota(amount: u64) {
    unsafe {
        QUOTA_REMAINING -= amount; //~ static-mut-rmw
    }
}

// fire: `|= bit` on a static mut bit set
pub fn enable_feature(bit: u32) {
    unsafe {
        ENABLED_FEATURES |= bit; //~ static-mut-rmw
    }
}

// fire: `X = X + 1` spelled out
pub fn new_connection_id() -> u32 {
    unsafe {
        NEXT_CONN_ID = NEXT_CONN_ID + 1; //~ static-mut-rmw
        NEXT_CONN_ID
    }
}

// fire: compound assignment in the body of an `unsafe fn`
pub unsafe fn account_write(n: usize) {
    BYTES_WRITTEN += n; //~ static-mut-rmw
}

// fire: config reload bumps a global version counter
pub fn on_config_reload() {
    log::info!("configuration reloaded");
    unsafe { CONFIG_VERSION += 1 }; //~ static-mut-rmw
}
