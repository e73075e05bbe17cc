use std::process::ExitCode;

use clap::Parser;

// Rendering and parsing allocate many small strings from several threads;
// mimalloc serves those far faster than the system allocator.
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

unsafe extern "C" {
    /// mimalloc's own setter (the library is linked in by the `mimalloc` crate).
    fn mi_option_set(option: std::ffi::c_int, value: std::ffi::c_long);
}

/// `mi_option_purge_delay` in mimalloc's `mi_option_e`: the same in the v2
/// and v3 sources bundled by libmimalloc-sys 0.1.49 (Cargo.lock pins it).
const MI_OPTION_PURGE_DELAY: std::ffi::c_int = 15;

fn main() -> ExitCode {
    let cli = baton::cli::Cli::parse();
    // A build frees each page's buffers as it goes: giving freed memory
    // back at once, instead of after mimalloc's delay, lowers its peak by
    // about a quarter at no measurable cost in time. (check would pay for
    // the extra system calls, so only build does it.) A purge delay set in
    // the environment (MIMALLOC_PURGE_DELAY) is left alone.
    let set_in_env = std::env::vars_os().any(|(k, _)| {
        let k = k.to_string_lossy().to_ascii_uppercase();
        k == "MIMALLOC_PURGE_DELAY" || k == "MIMALLOC_RESET_DELAY"
    });
    if matches!(cli.command, baton::cli::Command::Build { .. }) && !set_in_env {
        // SAFETY: a plain setter of an integer option, called before any
        // other thread exists.
        unsafe { mi_option_set(MI_OPTION_PURGE_DELAY, 0) };
    }
    baton::cli::run(cli)
}
