//! The `rmw-lint` binary: the command line only; the work is in the library.

fn main() -> std::process::ExitCode {
    std::process::ExitCode::from(rmw_lint::cli::main())
}
