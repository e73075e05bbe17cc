//! Watching `content/`, `themes/` and the repository's HEAD and refs, with
//! editor temporary files ignored and bursts of events debounced. Each
//! batch names the paths that changed, so a rebuild reads only those.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use crate::content::load::folder_of;
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender};
use std::time::{Duration, Instant};

use notify::{RecursiveMode, Watcher};

use crate::error::Fatal;

/// Quiet time that ends a burst of events.
const QUIET: Duration = Duration::from_millis(10);
/// A burst never delays a rebuild longer than this.
const LONGEST: Duration = Duration::from_millis(500);

/// One change the watcher saw.
#[derive(Debug)]
pub enum Change {
    /// These record folders changed (paths under content/ cut to the folder
    /// two levels down, see [`folder_of`]); `relevant` when the event calls
    /// for a rebuild (not only an editor's temporary file).
    Paths { paths: Vec<PathBuf>, relevant: bool },
    /// Events were lost (the watcher overflowed or failed): anything may
    /// have changed.
    Lost,
}

/// What changed in a burst.
#[derive(Debug, Default)]
pub struct Batch {
    /// The record folders that changed (or higher folders under content/).
    pub paths: HashSet<PathBuf>,
    /// Events were lost: every path must be read again.
    pub lost: bool,
}

/// Starts watching; changes are sent as they come.
pub fn start(
    root: &Path,
    git_dir: Option<&Path>,
    tx: Sender<Change>,
) -> Result<notify::RecommendedWatcher, Fatal> {
    let git = git_dir.map(Path::to_path_buf);
    let content = root.join("content");
    let mut watcher = notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
        let change = match event {
            Err(_) => Change::Lost,
            Ok(e) if e.need_rescan() || e.paths.is_empty() => Change::Lost,
            Ok(e) if matches!(e.kind, notify::EventKind::Access(_)) => return,
            Ok(e) => Change::Paths {
                relevant: e.paths.iter().any(|p| relevant(p, git.as_deref())),
                paths: e
                    .paths
                    .iter()
                    .filter_map(|p| folder_of(&content, p))
                    .collect(),
            },
        };
        let _ = tx.send(change);
    })
    .map_err(|e| Fatal::new(format!("cannot watch files: {e}")))?;
    let mut watch = |p: &Path, mode| {
        if p.exists() {
            watcher
                .watch(p, mode)
                .map_err(|e| Fatal::new(format!("cannot watch {}: {e}", p.display())))
        } else {
            Ok(())
        }
    };
    watch(&root.join("content"), RecursiveMode::Recursive)?;
    watch(&root.join("themes"), RecursiveMode::Recursive)?;
    if let Some(g) = git_dir {
        watch(g, RecursiveMode::NonRecursive)?; // HEAD, packed-refs
        watch(&g.join("refs"), RecursiveMode::Recursive)?;
    }
    Ok(watcher)
}

/// Whether a changed path matters: not an editor's temporary file, and in
/// the git folder only HEAD, packed-refs and refs.
fn relevant(path: &Path, git_dir: Option<&Path>) -> bool {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy())
        .unwrap_or_default();
    if let Some(g) = git_dir
        && let Ok(inside) = path.strip_prefix(g)
    {
        let first = inside
            .components()
            .next()
            .map(|c| c.as_os_str().to_string_lossy().to_string())
            .unwrap_or_default();
        return matches!(first.as_str(), "HEAD" | "packed-refs" | "refs")
            && !name.ends_with(".lock");
    }
    let temporary = name.starts_with(".#")
        || name.ends_with('~')
        || name.ends_with(".swp")
        || name.ends_with(".swx")
        || name.ends_with(".tmp")
        || name == "4913"
        || (name.starts_with('#') && name.ends_with('#'));
    !temporary
}

/// Waits for the next relevant change and the quiet that ends its burst,
/// and returns everything that changed since the last batch (editors'
/// temporary files too: they are part of a folder's listing); `None` when
/// watching stopped.
pub fn next_batch(rx: &Receiver<Change>) -> Option<Batch> {
    let mut batch = Batch::default();
    let add = |change: Change, batch: &mut Batch| match change {
        Change::Lost => {
            batch.lost = true;
            true
        }
        Change::Paths { paths, relevant } => {
            batch.paths.extend(paths);
            relevant
        }
    };
    loop {
        let change = rx.recv().ok()?;
        if add(change, &mut batch) {
            break;
        }
    }
    let started = Instant::now();
    loop {
        match rx.recv_timeout(QUIET) {
            Ok(change) => {
                add(change, &mut batch);
                if started.elapsed() >= LONGEST {
                    return Some(batch);
                }
            }
            Err(RecvTimeoutError::Timeout) => return Some(batch),
            Err(RecvTimeoutError::Disconnected) => return None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn editor_files_are_ignored() {
        let git = Path::new("/r/.git");
        assert!(relevant(Path::new("/r/content/a.md"), Some(git)));
        assert!(!relevant(Path::new("/r/content/.a.md.swp"), Some(git)));
        assert!(!relevant(Path::new("/r/content/a.md~"), Some(git)));
        assert!(!relevant(Path::new("/r/content/4913"), Some(git)));
        assert!(relevant(Path::new("/r/.git/refs/heads/main"), Some(git)));
        assert!(relevant(Path::new("/r/.git/HEAD"), Some(git)));
        assert!(!relevant(Path::new("/r/.git/index"), Some(git)));
        assert!(!relevant(
            Path::new("/r/.git/refs/heads/main.lock"),
            Some(git)
        ));
    }
}
