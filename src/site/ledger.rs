//! What each page of a built site was rendered from: for every page, a key
//! of its inputs (the theme, this baton, and the page's whole template
//! context, or for a release page what that context is made from: see
//! `Builder::release_inputs`) and the stamp of its file. A build that reuses the site before
//! last as its starting folder renders again only the pages whose key or
//! file changed; every other page is what a render would make.
//!
//! Ledgers live in `.git/baton/pages-<key>`, one file per output folder
//! (named by its path), holding the ledgers of the site and of the site
//! kept before it, each under its folder's device and inode. What makes a
//! page safe to keep is its file's own stamp (size, times, device, inode):
//! a file changed, replaced or recreated since never matches. As in git's
//! index, a page whose file was modified or changed no earlier than the
//! ledger was written is not trusted (it is rendered and compared), so a
//! second write within one clock tick cannot hide behind an equal stamp.
//! That time is read from the sites' own filesystem (a file made and
//! removed beside them), whose clock and granularity the pages' times
//! share. A damaged or foreign ledger is ignored: pages are then rendered
//! and compared as without one.

use foldhash::{HashMap, HashMapExt};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use git2::Oid;

use crate::cachefile::{self, Reader};
use crate::content::texts::Stamp;

const MAGIC: &[u8] = b"baton-pages 4\n";

/// A folder's identity: device and inode (renames keep it).
pub type Folder = (i64, i64);

/// Page path → (key of its inputs, stamp of its file).
pub type Pages = HashMap<String, (Oid, Stamp)>;

/// The identity of a folder, when the system can tell it.
pub fn folder(path: &Path) -> Option<Folder> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let m = std::fs::symlink_metadata(path)
            .ok()
            .filter(|m| m.is_dir())?;
        Some((m.dev() as i64, m.ino() as i64))
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        None
    }
}

/// The stamp of a regular file (never a symlink's target).
pub fn stamp(path: &Path) -> Option<Stamp> {
    let meta = std::fs::symlink_metadata(path)
        .ok()
        .filter(|m| m.is_file())?;
    crate::content::texts::stamp(&meta)
}

/// A time as (seconds, nanoseconds), the way stamps hold it.
pub type Time = (i64, i64);

/// The time now on the filesystem of `beside`'s folder: the later of the
/// modification and status-change times of a file made there and removed.
pub fn clock(beside: &Path) -> Option<Time> {
    let made = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(beside);
    let time = made
        .and_then(|f| f.metadata())
        .ok()
        .and_then(|m| crate::content::texts::stamp(&m))
        .map(|s| (s[1], s[2]).max((s[3], s[4])));
    let _ = std::fs::remove_file(beside);
    time
}

/// Whether a file with stamp `s` was last modified and changed strictly
/// before `time` (stamps: size, mtime s, ns, ctime s, ns, device, inode).
fn before(s: &Stamp, time: Time) -> bool {
    (s[1], s[2]) < time && (s[3], s[4]) < time
}

/// The ledgers of one output folder's sites, read at the start of a build.
pub struct Ledgers {
    file: PathBuf,
    by_folder: HashMap<Folder, Pages>,
    /// When the ledgers were written, by the sites' filesystem's clock.
    written: Time,
}

impl Ledgers {
    /// Reads `file`; nothing when it is missing, damaged or not ours.
    pub fn open(file: PathBuf) -> Ledgers {
        let (by_folder, written) = cachefile::read(&file)
            .and_then(|bytes| decode(cachefile::unseal(MAGIC, &bytes)?))
            .unwrap_or_default();
        Ledgers {
            file,
            by_folder,
            written,
        }
    }

    /// The ledger of the site in `folder`, taken out: only its pages whose
    /// files were last changed before the ledger was written (the others
    /// may have changed again within the same clock tick, as in git's
    /// "racy clean" entries; they will be rendered and compared).
    pub fn take(&mut self, folder: Option<Folder>) -> Pages {
        let mut pages = folder
            .and_then(|f| self.by_folder.remove(&f))
            .unwrap_or_default();
        pages.retain(|_, (_, s)| before(s, self.written));
        pages
    }

    /// Writes the ledgers of the sites now in use (at most two), noted by
    /// the sites' filesystem's clock at `written`, after their last page.
    pub fn save(file: &Path, sites: &[(Option<Folder>, &Pages)], written: Time) {
        let sites: Vec<(Folder, &Pages)> = sites
            .iter()
            .filter_map(|(f, p)| Some(((*f)?, *p)))
            .collect();
        cachefile::store(file, &cachefile::seal(MAGIC, &encode(&sites, written)));
        // One ledger per output folder: those of folders no longer built go.
        cachefile::sweep(file, "pages");
    }

    pub fn file(&self) -> &Path {
        &self.file
    }
}

/// A build's view of one site folder: what its pages were rendered from,
/// and what this build found or wrote there.
#[derive(Default)]
pub struct Ledger {
    before: Pages,
    now: Mutex<Pages>,
}

impl Ledger {
    pub fn new(before: Pages) -> Ledger {
        Ledger {
            before,
            now: Mutex::default(),
        }
    }

    /// Whether the page at `rel` (its file `path`) is already what inputs
    /// `key` render: the same key, and the file untouched since. Such a
    /// page is carried into this build's ledger.
    pub fn holds(&self, rel: &str, path: &Path, key: Oid) -> bool {
        let Some((k, s)) = self.before.get(rel) else {
            return false;
        };
        let same = *k == key && stamp(path).as_ref() == Some(s);
        if same {
            self.note(rel, key, *s);
        }
        same
    }

    /// Notes a page just written from inputs `key`.
    pub fn wrote(&self, rel: &str, path: &Path, key: Oid) {
        if let Some(s) = stamp(path) {
            self.note(rel, key, s);
        }
    }

    /// Notes a page, rendered from inputs `key`, whose file has `stamp`.
    pub fn note(&self, rel: &str, key: Oid, stamp: Stamp) {
        let mut now = self.now.lock().unwrap_or_else(|e| e.into_inner());
        now.insert(rel.to_string(), (key, stamp));
    }

    /// This build's ledger.
    pub fn into_pages(self) -> Pages {
        self.now.into_inner().unwrap_or_else(|e| e.into_inner())
    }
}

fn encode(sites: &[(Folder, &Pages)], written: Time) -> Vec<u8> {
    let mut w = Vec::new();
    w.extend_from_slice(&written.0.to_le_bytes());
    w.extend_from_slice(&written.1.to_le_bytes());
    cachefile::put_u32(&mut w, sites.len());
    for ((dev, ino), pages) in sites {
        w.extend_from_slice(&dev.to_le_bytes());
        w.extend_from_slice(&ino.to_le_bytes());
        cachefile::put_u32(&mut w, pages.len());
        for (rel, (key, stamp)) in *pages {
            cachefile::put_bytes(&mut w, rel.as_bytes());
            w.extend_from_slice(key.as_bytes());
            cachefile::put_stamp(&mut w, stamp);
        }
    }
    w
}

fn decode(body: &[u8]) -> Option<(HashMap<Folder, Pages>, Time)> {
    let mut r = Reader(body);
    let written = (r.i64()?, r.i64()?);
    let mut out = HashMap::new();
    for _ in 0..r.u32()?.min(2) {
        let folder = (r.i64()?, r.i64()?);
        let n = r.u32()?;
        // Each entry takes at least 4 + 20 + 56 bytes: no count can make
        // us allocate more than the file holds.
        let mut pages = Pages::with_capacity(n.min(r.0.len() / 80));
        for _ in 0..n {
            let rel = r.string()?;
            let key = r.oid()?;
            let stamp = r.stamp()?;
            pages.insert(rel, (key, stamp));
        }
        out.insert(folder, pages);
    }
    r.0.is_empty().then_some((out, written))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ledgers_read_back_what_was_saved_and_nothing_from_a_damaged_file() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("pages-x");
        let key = Oid::hash_object(git2::ObjectType::Blob, b"k").unwrap();
        let pages: Pages = [("a/index.html".to_string(), (key, [1, 2, 3, 4, 5, 6, 7]))]
            .into_iter()
            .collect();
        Ledgers::save(
            &file,
            &[(Some((1, 2)), &pages), (None, &Pages::new())],
            (9, 0),
        );
        let mut read = Ledgers::open(file.clone());
        assert_eq!(read.take(Some((1, 2))), pages);
        assert!(read.take(Some((1, 3))).is_empty());

        let mut bytes = std::fs::read(&file).unwrap();
        let last = bytes.len() - 1;
        bytes[last] ^= 1;
        std::fs::write(&file, bytes).unwrap();
        assert!(Ledgers::open(file).take(Some((1, 2))).is_empty());
    }

    #[test]
    fn pages_changed_no_earlier_than_the_ledger_was_written_are_not_trusted() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("pages-x");
        let key = Oid::hash_object(git2::ObjectType::Blob, b"k").unwrap();
        let page = |m: (i64, i64), c: (i64, i64)| (key, [1, m.0, m.1, c.0, c.1, 5, 6]);
        let pages: Pages = [
            ("old.html".to_string(), page((9, 4), (9, 4))),
            ("modified-later.html".to_string(), page((10, 0), (9, 0))),
            ("changed-later.html".to_string(), page((9, 0), (9, 6))),
            // Exactly the ledger's time is "no earlier" too.
            ("same-tick.html".to_string(), page((9, 5), (9, 5))),
        ]
        .into_iter()
        .collect();
        Ledgers::save(&file, &[(Some((1, 2)), &pages)], (9, 5));
        let kept = Ledgers::open(file.clone()).take(Some((1, 2)));
        assert_eq!(kept.keys().collect::<Vec<_>>(), ["old.html"]);
    }

    #[test]
    fn the_clock_is_the_filesystems_and_leaves_nothing_behind() {
        let dir = tempfile::tempdir().unwrap();
        let marker = dir.path().join(".clock");
        let before = std::fs::write(dir.path().join("page.html"), "x")
            .ok()
            .and_then(|()| stamp(&dir.path().join("page.html")))
            .unwrap();
        let now = clock(&marker).unwrap();
        assert!(now >= (before[1], before[2]) && now >= (before[3], before[4]));
        assert!(!marker.exists());
    }
}
