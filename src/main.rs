//! The `rmw-lint` binary: the command line only; the work is in the library.

/// The analysis allocates many small, short-lived nodes (syntax trees, SQL
/// statements, effect lists) from several threads at once; mimalloc serves
/// that pattern markedly faster than the system allocator.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    std::process::ExitCode::from(rmw_lint::cli::main())
}
