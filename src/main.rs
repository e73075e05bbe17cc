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
    // A one-shot command (check, status, build) ends soon after its work:
    // memory it frees is kept for its own later allocations instead of
    // being given back to the system after mimalloc's delay and faulted in
    // again. At 12,500 releases this cut a kept build's page faults from
    // 175,000 to 111,000 and its time by about a tenth, for a peak about a
    // tenth higher. serve, which runs for hours, keeps the default. A purge
    // delay set in the environment (MIMALLOC_PURGE_DELAY) is left alone.
    let set_in_env = std::env::vars_os().any(|(k, _)| {
        let k = k.to_string_lossy().to_ascii_uppercase();
        k == "MIMALLOC_PURGE_DELAY" || k == "MIMALLOC_RESET_DELAY"
    });
    if cli.command.is_one_shot() && !set_in_env {
        // SAFETY: a plain setter of an integer option, called before any
        // other thread exists. -1: never give freed memory back.
        unsafe { mi_option_set(MI_OPTION_PURGE_DELAY, -1) };
    }
    baton::cli::run(cli)
}
