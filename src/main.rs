use std::process::ExitCode;

use clap::Parser;

// Rendering and parsing allocate many small strings from several threads;
// mimalloc serves those far faster than the system allocator.
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    baton::cli::run(baton::cli::Cli::parse())
}
