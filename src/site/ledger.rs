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
use crate::site::prune::Seen;

const MAGIC: &[u8] = b"baton-pages 5\n";

/// A folder's identity: device and inode (renames keep it).
pub type Folder = (i64, i64);

/// Page path → (key of its inputs, stamp of its file).
pub type Pages = HashMap<String, (Oid, Stamp)>;

/// Folder path → its stamp, taken before it was listed, and the names it
/// held then: only files, each a page or file the site wanted (see
/// [`prune`](crate::site::prune)). A folder whose stamp is unchanged holds
/// those names still, and need not be listed again.
pub type Folders = HashMap<String, (Stamp, Vec<String>)>;

/// What a ledger keeps of one site folder.
#[derive(Default, Debug, PartialEq)]
pub struct Site {
    pub pages: Pages,
    pub folders: Folders,
}

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
    by_folder: HashMap<Folder, Site>,
    /// When the ledgers were written, by the sites' filesystem's clock.
    written: Time,
    /// Whether every site taken was in the file, nothing of it dropped.
    exact: bool,
}

impl Ledgers {
    /// Reads `file`; nothing when it is missing, damaged or not ours.
    pub fn open(file: PathBuf) -> Ledgers {
        let read =
            cachefile::read(&file).and_then(|bytes| decode(cachefile::unseal(MAGIC, &bytes)?));
        let exact = read.is_some();
        let (by_folder, written) = read.unwrap_or_default();
        Ledgers {
            file,
            by_folder,
            written,
            exact,
        }
    }

    /// The ledger of the site in `folder`, taken out: only its pages and
    /// folders last changed before the ledger was written (the others may
    /// have changed again within the same clock tick, as in git's "racy
    /// clean" entries; they will be rendered and compared, or listed).
    pub fn take(&mut self, folder: Option<Folder>) -> Site {
        let found = folder.and_then(|f| self.by_folder.remove(&f));
        self.exact &= found.is_some();
        let mut site = found.unwrap_or_default();
        let held = (site.pages.len(), site.folders.len());
        site.pages.retain(|_, (_, s)| before(s, self.written));
        site.folders.retain(|_, (s, _)| before(s, self.written));
        self.exact &= held == (site.pages.len(), site.folders.len());
        site
    }

    /// Whether the file holds the sites taken, just as they were taken,
    /// and nothing else: saving them unchanged would write what it holds.
    pub fn holds_only_taken(&self) -> bool {
        self.exact && self.by_folder.is_empty()
    }

    /// Leaves the file as it is (it holds what would be saved), its
    /// modification time renewed once a day so that no sweep takes a site
    /// built unchanged day after day for one no longer built.
    pub fn keep(file: &Path) {
        const DAY: std::time::Duration = std::time::Duration::from_secs(24 * 60 * 60);
        let old = std::fs::metadata(file)
            .and_then(|m| m.modified())
            .is_ok_and(|t| t.elapsed().is_ok_and(|age| age > DAY));
        if old && let Ok(f) = std::fs::File::options().write(true).open(file) {
            let _ = f.set_modified(std::time::SystemTime::now());
        }
        cachefile::sweep(file, "pages");
    }

    /// Writes the ledgers of the sites now in use (at most two), noted by
    /// the sites' filesystem's clock at `written`, after their last page.
    pub fn save(file: &Path, sites: &[(Option<Folder>, &Site)], written: Time) {
        let sites: Vec<(Folder, &Site)> = sites
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
    /// Folders as the prune found them, less those written in since.
    folders: Mutex<Folders>,
    /// The folders the ledger held, and whether every page it held is
    /// still as it was: if this build notes the same, the ledger is unchanged.
    kept_folders: Folders,
    pristine: bool,
}

impl Ledger {
    /// The ledger `before` of a folder whose files are now as `seen`
    /// (each wanted file's stamp, as the folder was pruned): only pages
    /// whose file is untouched since are of use.
    /// The folders the prune could vouch for (`folders`) are this
    /// build's, until a file is written in one; `kept` is the site's
    /// ledger as read.
    pub fn new(kept: Site, seen: &Seen, folders: Folders) -> Ledger {
        let Site {
            pages: mut before,
            folders: kept_folders,
        } = kept;
        let held = before.len();
        before.retain(|rel, (_, s)| seen.get(rel) == Some(s));
        Ledger {
            pristine: before.len() == held,
            before,
            now: Mutex::default(),
            folders: Mutex::new(folders),
            kept_folders,
        }
    }

    /// Forgets the folders above `rel`, which is being written: their
    /// stamps are changing.
    pub fn writing(&self, rel: &str) {
        let mut folders = self.folders.lock().unwrap_or_else(|e| e.into_inner());
        if folders.is_empty() {
            return;
        }
        for (i, _) in rel.match_indices('/') {
            folders.remove(&rel[..i]);
        }
    }

    /// Whether the page at `rel` is already what inputs `key` render: the
    /// same key, and its file untouched since it was noted (as the prune
    /// found it). Such a page is carried into this build's ledger.
    pub fn holds(&self, rel: &str, key: Oid) -> bool {
        let Some((k, s)) = self.before.get(rel) else {
            return false;
        };
        let same = *k == key;
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

    /// This build's ledger, taken out, and whether it is the one read.
    pub fn finish(&mut self) -> (Site, bool) {
        let site = Site {
            pages: std::mem::take(self.now.get_mut().unwrap_or_else(|e| e.into_inner())),
            folders: std::mem::take(self.folders.get_mut().unwrap_or_else(|e| e.into_inner())),
        };
        let same = self.pristine && site.pages == self.before && site.folders == self.kept_folders;
        (site, same)
    }
}

fn encode(sites: &[(Folder, &Site)], written: Time) -> Vec<u8> {
    let mut w = Vec::new();
    w.extend_from_slice(&written.0.to_le_bytes());
    w.extend_from_slice(&written.1.to_le_bytes());
    cachefile::put_u32(&mut w, sites.len());
    for ((dev, ino), site) in sites {
        w.extend_from_slice(&dev.to_le_bytes());
        w.extend_from_slice(&ino.to_le_bytes());
        cachefile::put_u32(&mut w, site.pages.len());
        for (rel, (key, stamp)) in &site.pages {
            cachefile::put_bytes(&mut w, rel.as_bytes());
            w.extend_from_slice(key.as_bytes());
            cachefile::put_stamp(&mut w, stamp);
        }
        cachefile::put_u32(&mut w, site.folders.len());
        for (rel, (stamp, names)) in &site.folders {
            cachefile::put_bytes(&mut w, rel.as_bytes());
            cachefile::put_stamp(&mut w, stamp);
            cachefile::put_u32(&mut w, names.len());
            for name in names {
                cachefile::put_bytes(&mut w, name.as_bytes());
            }
        }
    }
    w
}

fn decode(body: &[u8]) -> Option<(HashMap<Folder, Site>, Time)> {
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
        let n = r.u32()?;
        // Each folder takes at least 4 + 56 + 4 bytes.
        let mut folders = Folders::with_capacity(n.min(r.0.len() / 64));
        for _ in 0..n {
            let rel = r.string()?;
            let stamp = r.stamp()?;
            let names: Vec<String> = (0..r.u32()?).map(|_| r.string()).collect::<Option<_>>()?;
            // A name is joined to the folder's path to remove it: anything
            // but a plain name makes the ledger damaged.
            if !names.iter().all(|n| plain_name(n)) {
                return None;
            }
            folders.insert(rel, (stamp, names));
        }
        out.insert(folder, Site { pages, folders });
    }
    r.0.is_empty().then_some((out, written))
}

/// A name of an entry in a folder: not empty, `.` or `..`, and without `/`
/// or NUL.
fn plain_name(name: &str) -> bool {
    !matches!(name, "" | "." | "..") && !name.contains(['/', '\0'])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ledgers_read_back_what_was_saved_and_nothing_from_a_damaged_file() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("pages-x");
        let key = Oid::hash_object(git2::ObjectType::Blob, b"k").unwrap();
        let site = Site {
            pages: [("a/index.html".to_string(), (key, [1, 2, 3, 4, 5, 6, 7]))]
                .into_iter()
                .collect(),
            folders: [(
                "a".to_string(),
                ([8, 2, 3, 4, 5, 6, 9], vec!["index.html".to_string()]),
            )]
            .into_iter()
            .collect(),
        };
        Ledgers::save(
            &file,
            &[(Some((1, 2)), &site), (None, &Site::default())],
            (9, 0),
        );
        let mut read = Ledgers::open(file.clone());
        assert_eq!(read.take(Some((1, 2))), site);
        assert_eq!(read.take(Some((1, 3))), Site::default());

        let mut bytes = std::fs::read(&file).unwrap();
        let last = bytes.len() - 1;
        bytes[last] ^= 1;
        std::fs::write(&file, bytes).unwrap();
        assert_eq!(
            Ledgers::open(file.clone()).take(Some((1, 2))),
            Site::default()
        );

        // A folder's names are joined to its path to remove them: a ledger
        // naming anything but plain names is damaged.
        for name in ["../x", "a/b", "..", ".", "", "a\0b"] {
            let site = Site {
                folders: [(
                    "a".to_string(),
                    ([8, 2, 3, 4, 5, 6, 9], vec![name.to_string()]),
                )]
                .into_iter()
                .collect(),
                ..Site::default()
            };
            Ledgers::save(&file, &[(Some((1, 2)), &site)], (9, 0));
            assert_eq!(
                Ledgers::open(file.clone()).take(Some((1, 2))),
                Site::default(),
                "{name:?}"
            );
        }
    }

    #[test]
    fn pages_and_folders_changed_no_earlier_than_the_ledger_was_written_are_not_trusted() {
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
        let folders: Folders = [
            ("old".to_string(), ([1, 9, 4, 9, 4, 5, 6], vec![])),
            ("same-tick".to_string(), ([1, 9, 4, 9, 5, 5, 6], vec![])),
        ]
        .into_iter()
        .collect();
        Ledgers::save(&file, &[(Some((1, 2)), &Site { pages, folders })], (9, 5));
        let kept = Ledgers::open(file.clone()).take(Some((1, 2)));
        assert_eq!(kept.pages.keys().collect::<Vec<_>>(), ["old.html"]);
        assert_eq!(kept.folders.keys().collect::<Vec<_>>(), ["old"]);
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
