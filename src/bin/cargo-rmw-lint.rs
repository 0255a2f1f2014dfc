//! `cargo rmw-lint`: cargo runs `cargo-rmw-lint` for the subcommand; it
//! lints the workspace's packages with the same options as `rmw-lint`.

/// The same allocator as `rmw-lint` (see `src/main.rs`).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    std::process::ExitCode::from(rmw_lint::cli::cargo_main())
}
