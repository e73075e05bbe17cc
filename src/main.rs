use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    baton::cli::run(baton::cli::Cli::parse())
}
