//! `static mut` read-modify-writes inside test code are skipped unless
//! `--include-tests` is given.

static mut SETUP_CALLS: u32 = 0;
static mut NEXT_PORT: u16 = 40_000;
static mut FIXTURE_ROWS: usize = 0;

// quiet: `#[test]` function, skipped by default
#[test]
fn setup_runs_once() {
    unsafe {
        SETUP_CALLS += 1;
        assert!(SETUP_CALLS >= 1);
    }
}

// quiet: `#[tokio::test]` async function, skipped by default
#[tokio::test]
async fn ports_are_unique() {
    let port = unsafe {
        let p = NEXT_PORT;
        NEXT_PORT = p + 1;
        p
    };
    assert!(port >= 40_000);
}

// quiet: `#[cfg(test)]` module with a helper and a test, skipped by default
#[cfg(test)]
mod tests {
    use super::*;

    fn insert_fixture_rows(n: usize) {
        unsafe {
            FIXTURE_ROWS = FIXTURE_ROWS + n;
        }
    }

    #[test]
    fn rows_are_counted() {
        insert_fixture_rows(3);
        unsafe { assert!(FIXTURE_ROWS >= 3) };
    }
}
