//! Writing the site atomically: everything goes into a temporary sibling
//! folder, which is then renamed over the old site. A failed build leaves
//! the previous site untouched; a reader never sees half a site.
//!
//! The site a build replaces is kept beside it as `.<out>.baton-prev` and
//! becomes the next build's temporary folder: only pages that changed are
//! written, and no folder is made or removed that need not be (on many
//! file systems making and removing folders costs more than rendering).

use std::fs;
use std::path::{Path, PathBuf};

use crate::error::Fatal;
use crate::site::ledger::{self, Ledger, Ledgers, Site};
use crate::site::prune;

/// A site being written beside `out`: files are put in as they are
/// rendered (so no build holds the whole site in memory), then
/// [`commit`](Staging::commit) swaps it in. Dropped uncommitted, it is removed.
pub struct Staging {
    tmp: PathBuf,
    out: PathBuf,
    old: PathBuf,
    prev: PathBuf,
    /// A file made and removed beside the site to read its filesystem's clock.
    clock: PathBuf,
    /// The folder is a previous site, pruned to the wanted paths: files
    /// are compared before they are written.
    reused: bool,
    done: bool,
    /// What the pages in `tmp` were rendered from, and what this build
    /// renders; where ledgers are kept, and the replaced site's ledger.
    ledger: Ledger,
    ledger_file: Option<PathBuf>,
    replaced: Option<(Option<ledger::Folder>, Site)>,
    /// Whether the ledger file holds just the two sites' ledgers as read.
    ledgers_as_taken: bool,
    kept: std::sync::atomic::AtomicUsize,
}

impl Staging {
    /// Prepares a folder for a site of exactly `paths` (relative,
    /// `/`-separated). `ledgers` is where the ledgers of this output
    /// folder's sites are kept (see [`ledger`]), if anywhere.
    pub fn begin(out: &Path, paths: &[String], ledgers: Option<PathBuf>) -> Result<Staging, Fatal> {
        guard(out)?;
        let parent = out
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        fs::create_dir_all(parent).map_err(|e| io(parent, e))?;
        let name = out
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_else(|| "site".into());
        recover(parent, &name, out);
        let unique = format!(
            "{}-{}",
            std::process::id(),
            chrono::Utc::now().timestamp_nanos_opt().unwrap_or(0)
        );
        let mut stage = Staging {
            tmp: parent.join(format!(".{name}.baton-tmp-{unique}")),
            out: out.to_path_buf(),
            old: parent.join(format!(".{name}.baton-old-{unique}")),
            prev: parent.join(format!(".{name}.baton-prev")),
            clock: parent.join(format!(".{name}.baton-clock-{unique}")),
            reused: false,
            done: false,
            ledger: Ledger::default(),
            ledger_file: None,
            replaced: None,
            ledgers_as_taken: false,
            kept: Default::default(),
        };
        // Claim the site before last (a rename: one build wins it) and prune
        // it to the wanted paths, with its ledger's word on which folders
        // need no listing; anything odd about it, and the site is written
        // afresh.
        let claimed = fs::rename(&stage.prev, &stage.tmp).is_ok()
            && fs::symlink_metadata(&stage.tmp).is_ok_and(|m| m.is_dir() && ours(&m));
        let mut ledgers = ledgers.map(Ledgers::open);
        let kept = match &mut ledgers {
            Some(ledgers) if claimed => ledgers.take(ledger::folder(&stage.tmp)),
            _ => Site::default(),
        };
        let pruned = claimed
            .then(|| prune::prune(&stage.tmp, paths, &kept.folders).ok())
            .flatten();
        stage.reused = pruned.is_some();
        if !stage.reused {
            remove(&stage.tmp);
            fs::create_dir_all(&stage.tmp).map_err(|e| io(&stage.tmp, e))?;
        }
        if let Some(mut ledgers) = ledgers {
            if let Some((seen, folders)) = pruned {
                stage.ledger = Ledger::new(kept, &seen, folders);
            }
            let site = ledger::folder(out);
            stage.replaced = Some((site, ledgers.take(site)));
            stage.ledger_file = Some(ledgers.file().to_path_buf());
            stage.ledgers_as_taken = ledgers.holds_only_taken();
        }
        Ok(stage)
    }

    /// Whether the page at `rel` in the folder is already what inputs `key`
    /// render (then it need not be rendered at all).
    pub fn holds(&self, rel: &str, key: git2::Oid) -> bool {
        let held = self.reused && self.ledger.holds(rel, key);
        if held {
            self.kept.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        }
        held
    }

    /// The bytes of a page the folder holds (debug builds check kept pages
    /// against a fresh render with it).
    #[cfg(debug_assertions)]
    pub fn held_bytes(&self, rel: &str) -> Option<Vec<u8>> {
        fs::read(self.tmp.join(rel)).ok()
    }

    /// Whether pages are noted in a ledger (else keys are not worth making).
    pub fn keeps_ledger(&self) -> bool {
        self.ledger_file.is_some()
    }

    /// How many pages were held, not rendered.
    pub fn kept(&self) -> usize {
        self.kept.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Puts one page in, rendered from inputs `key`.
    pub fn put_page(&self, rel: &str, key: git2::Oid, bytes: &[u8]) -> Result<(), Fatal> {
        match self.place(rel, bytes)? {
            Placed::Written => self.ledger.wrote(rel, &self.tmp.join(rel), key),
            Placed::Same(Some(stamp)) => self.ledger.note(rel, key, stamp),
            Placed::Same(None) => {}
        }
        Ok(())
    }

    /// Puts one file in (safe to call from several threads).
    pub fn put(&self, rel: &str, bytes: &[u8]) -> Result<(), Fatal> {
        self.place(rel, bytes).map(drop)
    }

    fn place(&self, rel: &str, bytes: &[u8]) -> Result<Placed, Fatal> {
        let path = self.tmp.join(rel);
        if !self.reused {
            if let Some(p) = path.parent() {
                fs::create_dir_all(p).map_err(|e| io(p, e))?;
            }
            fs::write(&path, bytes).map_err(|e| io(&path, e))?;
            return Ok(Placed::Written);
        }
        // The file's stamp from before it was read, if nothing changed it
        // while it was compared.
        let before = ledger::stamp(&path);
        let same_size = match before {
            Some(s) => s[0] == bytes.len() as i64,
            None => fs::symlink_metadata(&path)
                .is_ok_and(|m| m.is_file() && m.len() == bytes.len() as u64),
        };
        if same_size && holds_bytes(&path, bytes) {
            let after = ledger::stamp(&path);
            return Ok(Placed::Same(before.filter(|_| after == before)));
        }
        self.ledger.writing(rel);
        if let Some(p) = path.parent() {
            fs::create_dir_all(p).map_err(|e| io(p, e))?;
        }
        // A new file renamed into place: an existing name is replaced, never
        // written through (it may be a hard link shared with a snapshot).
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default();
        let fresh = path.with_file_name(format!(".{name}.baton-new"));
        fs::write(&fresh, bytes)
            .and_then(|()| fs::rename(&fresh, &path))
            .map_err(|e| {
                let _ = fs::remove_file(&fresh);
                io(&path, e)
            })?;
        Ok(Placed::Written)
    }

    /// Swaps the new site in; the replaced one is kept for the next build.
    /// `leave`: the process ends soon after, so the ledgers are left to
    /// the system rather than freed one entry at a time.
    pub fn commit(mut self, leave: bool) -> Result<(), Fatal> {
        self.done = true;
        let site = ledger::folder(&self.tmp);
        let result = swap(&self.tmp, &self.out, &self.old);
        if result.is_err() {
            remove(&self.tmp);
        }
        if let Some(file) = &self.ledger_file {
            // The new site's ledger, and the replaced site's (kept as the
            // next build's starting folder); after a failed swap, neither.
            // Read after the last page was written (see `ledger`).
            let (new_site, same) = self.ledger.finish();
            let (old, old_site) = self.replaced.take().unwrap_or_default();
            if result.is_ok() && same && self.ledgers_as_taken {
                // What the file holds already (the two sites have swapped
                // places, and neither changed).
                Ledgers::keep(file);
            } else {
                match (result.as_ref(), ledger::clock(&self.clock)) {
                    (Ok(()), Some(now)) => {
                        Ledgers::save(file, &[(site, &new_site), (old, &old_site)], now)
                    }
                    _ => Ledgers::save(file, &[], (0, 0)),
                }
            }
            if leave {
                std::mem::forget((new_site, old_site, std::mem::take(&mut self.ledger)));
            }
        }
        if fs::symlink_metadata(&self.old).is_ok() && fs::rename(&self.old, &self.prev).is_err() {
            remove(&self.old);
        }
        result
    }
}

/// What putting a file in did.
enum Placed {
    Written,
    /// The file already held the bytes; its stamp, unless it changed while
    /// it was compared.
    Same(Option<crate::content::texts::Stamp>),
}

impl Drop for Staging {
    /// A build that fails keeps its folder as the next build's starting
    /// point (a page in it is used only if the ledger's stamp still matches
    /// its file, else rendered and compared), else removes it.
    fn drop(&mut self) {
        if !self.done && fs::rename(&self.tmp, &self.prev).is_err() {
            remove(&self.tmp);
        }
    }
}

/// What names an output folder for its ledgers: its absolute path, with
/// the parent's symlinks resolved where it exists (so `public` and
/// `./public/` share one).
pub fn identity(out: &Path) -> std::ffi::OsString {
    let absolute = std::path::absolute(out).unwrap_or_else(|_| out.to_path_buf());
    let name = absolute.file_name().map(|n| n.to_os_string());
    let parent = absolute
        .parent()
        .and_then(|p| fs::canonicalize(p).ok())
        .unwrap_or_else(|| absolute.parent().map(Path::to_path_buf).unwrap_or_default());
    match name {
        Some(n) => parent.join(n).into_os_string(),
        None => absolute.into_os_string(),
    }
}

/// Whether a kept site may be reused: made by this user and writable by
/// nobody else (in a shared folder someone else could have planted it).
#[cfg(unix)]
fn ours(meta: &fs::Metadata) -> bool {
    use std::os::unix::fs::MetadataExt;
    // SAFETY: geteuid has no preconditions and cannot fail.
    let me = unsafe { libc::geteuid() };
    meta.uid() == me && meta.mode() & 0o022 == 0
}

#[cfg(not(unix))]
fn ours(_: &fs::Metadata) -> bool {
    false
}

/// Removes a file, symlink or folder (never following a symlink).
fn remove(path: &Path) {
    let _ = try_remove(path);
}

pub(super) fn try_remove(path: &Path) -> std::io::Result<()> {
    match fs::symlink_metadata(path) {
        Ok(m) if m.is_dir() => fs::remove_dir_all(path),
        Ok(_) => fs::remove_file(path),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e),
    }
}

/// Whether the file at `path` holds exactly `bytes`, read a piece at a
/// time (a report of many megabytes is not copied whole to be compared).
fn holds_bytes(path: &Path, bytes: &[u8]) -> bool {
    use std::io::Read;
    let Ok(mut file) = fs::File::open(path) else {
        return false;
    };
    let mut buf = vec![0; bytes.len().clamp(1, 256 * 1024)];
    let mut at = 0;
    loop {
        match file.read(&mut buf) {
            Ok(0) => return at == bytes.len(),
            Ok(n) if bytes.get(at..at + n) == Some(&buf[..n]) => at += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            _ => return false,
        }
    }
}

fn swap(tmp: &Path, out: &Path, old: &Path) -> Result<(), Fatal> {
    if out.exists() {
        // One atomic step where the system has it: readers and a killed
        // build see the old site or the new one, never none.
        if exchange(tmp, out).is_ok() {
            fs::rename(tmp, old).map_err(|e| io(tmp, e))?;
            return Ok(());
        }
        fs::rename(out, old).map_err(|e| io(out, e))?;
    }
    if let Err(e) = fs::rename(tmp, out) {
        // Put the previous site back before reporting.
        let _ = fs::rename(old, out);
        return Err(io(out, e));
    }
    Ok(())
}

/// Swaps two paths atomically (Linux `renameat2(RENAME_EXCHANGE)`).
#[cfg(target_os = "linux")]
fn exchange(a: &Path, b: &Path) -> std::io::Result<()> {
    use std::ffi::CString;
    use std::os::unix::ffi::OsStrExt;
    let a = CString::new(a.as_os_str().as_bytes())?;
    let b = CString::new(b.as_os_str().as_bytes())?;
    // SAFETY: both arguments are valid NUL-terminated paths that outlive the call.
    let r = unsafe {
        libc::renameat2(
            libc::AT_FDCWD,
            a.as_ptr(),
            libc::AT_FDCWD,
            b.as_ptr(),
            libc::RENAME_EXCHANGE,
        )
    };
    if r == 0 {
        Ok(())
    } else {
        Err(std::io::Error::last_os_error())
    }
}

#[cfg(not(target_os = "linux"))]
fn exchange(_: &Path, _: &Path) -> std::io::Result<()> {
    Err(std::io::Error::from(std::io::ErrorKind::Unsupported))
}

/// Removes temporary folders (and clock files) left by builds that were
/// killed, and brings back a previous site that a killed build had moved
/// aside.
fn recover(parent: &Path, name: &str, out: &Path) {
    let Ok(entries) = fs::read_dir(parent) else {
        return;
    };
    for e in entries.filter_map(Result::ok) {
        let file = e.file_name().to_string_lossy().to_string();
        let Some((rest, kind)) = ["tmp", "old", "clock"].into_iter().find_map(|kind| {
            file.strip_prefix(&format!(".{name}.baton-{kind}-"))
                .map(|r| (r, kind))
        }) else {
            continue;
        };
        let pid = rest.split('-').next().unwrap_or("");
        if pid.is_empty()
            || Path::new("/proc").join(pid).exists()
            || !Path::new("/proc/self").exists()
        {
            continue; // a live build's, or no way to tell
        }
        match kind {
            "old" if !out.exists() => drop(fs::rename(e.path(), out)),
            "clock" => drop(fs::remove_file(e.path())),
            _ => drop(fs::remove_dir_all(e.path())),
        }
    }
}

/// Refuses to replace a folder that is not a previous site (a typo in
/// `--out` must never delete someone's work).
fn guard(out: &Path) -> Result<(), Fatal> {
    if !out.exists() {
        return Ok(());
    }
    if !out.is_dir() {
        return Err(
            Fatal::new(format!("{} exists and is not a folder", out.display()))
                .help("choose another --out"),
        );
    }
    let empty = fs::read_dir(out)
        .map(|mut d| d.next().is_none())
        .unwrap_or(false);
    let previous_site = out.join("status.json").is_file() && out.join("index.html").is_file();
    if empty || previous_site {
        Ok(())
    } else {
        Err(Fatal::new(format!(
            "will not replace {}: it is not empty and does not look like a site baton built",
            out.display()
        ))
        .help("choose an empty or new folder for --out"))
    }
}

fn io(path: &Path, e: std::io::Error) -> Fatal {
    Fatal::new(format!("cannot write {}: {e}", path.display()))
}

/// The default output folder: `<root>/public`.
pub fn default_out(root: &Path) -> PathBuf {
    root.join("public")
}
