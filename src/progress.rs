//! Progress on stderr for long runs (a history walk over many commits,
//! reading thousands of records, a large build). Shown only when stderr is
//! a terminal, never in CI, and only once the work has taken longer than a
//! second, so quick runs and logs stay clean. Work that runs at the same
//! time (the history walk and the records) gets one line each.

use std::io::IsTerminal;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

/// How long work runs before its progress is shown.
const DELAY: Duration = Duration::from_secs(1);

/// A progress line that appears only for long work on a terminal.
pub struct Progress {
    bar: Option<ProgressBar>,
    started: Instant,
    shown: AtomicBool,
}

impl Progress {
    /// Progress of `what`; `total` when the amount of work is known.
    pub fn new(what: &str, total: Option<u64>) -> Progress {
        let wanted = std::io::stderr().is_terminal()
            && std::env::var_os("CI").is_none()
            && std::env::var_os("BATON_NO_PROGRESS").is_none();
        let bar = wanted.then(|| {
            let bar = match total {
                Some(n) => ProgressBar::with_draw_target(Some(n), ProgressDrawTarget::hidden())
                    .with_style(
                        ProgressStyle::with_template("{msg} [{bar:30}] {pos}/{len} ({eta} left)")
                            .expect("a valid template")
                            .progress_chars("=> "),
                    ),
                None => ProgressBar::with_draw_target(None, ProgressDrawTarget::hidden())
                    .with_style(
                        ProgressStyle::with_template("{spinner} {msg}: {human_pos} ({elapsed})")
                            .expect("a valid template"),
                    ),
            };
            bar.with_message(what.to_string())
        });
        Progress {
            bar,
            started: Instant::now(),
            shown: AtomicBool::new(false),
        }
    }

    /// Counts `n` more units of work done (from any thread).
    pub fn inc(&self, n: u64) {
        let Some(bar) = &self.bar else {
            return;
        };
        bar.inc(n);
        if !self.shown.load(Ordering::Relaxed)
            && self.started.elapsed() >= DELAY
            && !self.shown.swap(true, Ordering::Relaxed)
        {
            board().add(bar.clone());
        }
    }

    /// Clears the line (if it was ever shown).
    pub fn finish(self) {
        if let Some(bar) = self.bar {
            bar.finish_and_clear();
            if self.shown.load(Ordering::Relaxed) {
                board().remove(&bar);
            }
        }
    }
}

/// The lines of all progress shown at once, drawn together on stderr.
fn board() -> &'static MultiProgress {
    static BOARD: OnceLock<MultiProgress> = OnceLock::new();
    BOARD.get_or_init(|| MultiProgress::with_draw_target(ProgressDrawTarget::stderr()))
}
