use std::process::ExitCode;

/// jemalloc, not the system's malloc: see Cargo.toml (issue 11).
#[cfg(not(target_env = "msvc"))]
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

fn main() -> ExitCode {
    csp_transition::cli::run()
}
