//! Pruning a kept site to the files a build wants: stray entries are
//! removed, and each wanted file's stamp is taken on the way, so a page
//! kept on its inputs needs no stat of its own later.
//!
//! Entries are stated, and folders opened, through their parent folder
//! held open, so the kernel resolves one name instead of the whole path
//! from `/`. A folder of files only, all wanted, is noted with its stamp
//! (taken before it is listed, kept once settled, as the texts cache does
//! for record folders): while that stamp is unchanged the folder holds
//! those names still, and is not listed again, only its wanted files
//! stated. That is most of a site, a folder per release. Stamps stand in
//! for listing only on filesystems known to move a folder's times with
//! its entries.
//!
//! A symlink is never followed: it is neither a folder nor a file here,
//! and is removed like any stray entry. (Stray files are removed by name
//! through their folder held open; a stray folder, a name a vouched folder
//! no longer wants, by its path, as std's `remove_dir_all` does. The files
//! of a vouched folder are stated by their path under its parent, so a
//! folder swapped for a symlink between the two stats would be read
//! through: only read, and its stamps could not match the ledger's.)

#[cfg(unix)]
use std::collections::HashSet;
use std::path::Path;

use foldhash::HashMap;

use crate::content::texts::Stamp;
use crate::error::Fatal;
use crate::site::ledger::Folders;

/// Each wanted file the pruned folder holds, by its path in the site, with
/// its stamp as the folder was read.
pub type Seen = HashMap<String, Stamp>;

/// Makes `dir` (a previous site) hold nothing but `paths` (relative,
/// `/`-separated) and the folders above them. Tells the stamp of each of
/// `paths` it holds, and the folders it can vouch for to the next prune;
/// `kept` is what the last prune (and the build after it) vouched for.
/// Folders are gone through in parallel.
#[cfg(unix)]
pub fn prune(dir: &Path, paths: &[String], kept: &Folders) -> Result<(Seen, Folders), Fatal> {
    use rustix::fs::Mode;
    let wanted: HashSet<&str> = paths.iter().map(String::as_str).collect();
    let folders: HashSet<&str> = paths
        .iter()
        .flat_map(|p| p.match_indices('/').map(move |(i, _)| &p[..i]))
        .collect();
    let fd = rustix::fs::open(dir, unix::open_flags(), Mode::empty())
        .map_err(|e| cannot(dir, e.into()))?;
    let walk = unix::Walk {
        wanted: &wanted,
        folders: &folders,
        kept,
        stamps: crate::content::texts::stamps_follow_entries(dir),
    };
    let (found, _) = walk.folder(fd, dir, "")?;
    Ok((
        found.files.into_iter().collect(),
        found.folders.into_iter().collect(),
    ))
}

/// Elsewhere a kept site is not reused (see `output::ours`).
#[cfg(not(unix))]
pub fn prune(dir: &Path, _: &[String], _: &Folders) -> Result<(Seen, Folders), Fatal> {
    Err(Fatal::new(format!("cannot reuse {}", dir.display())))
}

fn cannot(path: &Path, e: std::io::Error) -> Fatal {
    Fatal::new(format!("cannot read {}: {e}", path.display()))
}

#[cfg(unix)]
mod unix {
    use std::collections::HashSet;
    use std::ffi::{CStr, CString, OsStr};
    use std::os::fd::{BorrowedFd, OwnedFd};
    use std::os::unix::ffi::OsStrExt;
    use std::path::Path;

    use rayon::prelude::*;
    use rustix::fs::{AtFlags, Dir, FileType, Mode, OFlags};

    use super::cannot;
    use crate::content::stat::stamp_of;
    use crate::content::texts::{Stamp, settled_stamp};
    use crate::error::Fatal;
    use crate::site::ledger::Folders;
    use crate::site::output::try_remove;

    pub(super) fn open_flags() -> OFlags {
        OFlags::RDONLY | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC
    }

    /// What one prune goes by.
    pub(super) struct Walk<'a> {
        pub wanted: &'a HashSet<&'a str>,
        pub folders: &'a HashSet<&'a str>,
        pub kept: &'a Folders,
        /// Whether folders' stamps may stand in for listing them here.
        pub stamps: bool,
    }

    /// What a folder (and those under it) was found to hold.
    #[derive(Default)]
    pub(super) struct Found {
        pub files: Vec<(String, Stamp)>,
        pub folders: Vec<(String, (Stamp, Vec<String>))>,
    }

    impl Walk<'_> {
        /// Prunes the open folder `fd`, at `path`, which is `rel` in the site.
        /// Also the folder's names, sorted, when it holds only files and
        /// each is wanted.
        pub(super) fn folder(
            &self,
            fd: OwnedFd,
            path: &Path,
            rel: &str,
        ) -> Result<(Found, Option<Vec<String>>), Fatal> {
            let mut list = Dir::new(fd).map_err(|e| cannot(path, e.into()))?;
            let mut entries: Vec<(CString, FileType)> = Vec::new();
            while let Some(entry) = list.read() {
                let entry = entry.map_err(|e| cannot(path, e.into()))?;
                let name = entry.file_name();
                if name != c"." && name != c".." {
                    entries.push((name.to_owned(), entry.file_type()));
                }
            }
            let dir = list.fd().map_err(|e| cannot(path, e.into()))?;
            let each: Vec<(Found, Option<String>)> = entries
                .into_par_iter()
                .map(|(name, kind)| self.entry(dir, path, rel, &name, kind))
                .collect::<Result<_, _>>()?;
            // Each entry that is a wanted file gives its name; any other
            // leaves the folder not vouched for.
            let mut found = Found::default();
            let mut own = Some(Vec::new());
            for (f, name) in each {
                found.files.extend(f.files);
                found.folders.extend(f.folders);
                match (name, &mut own) {
                    (Some(name), Some(own)) => own.push(name),
                    _ => own = None,
                }
            }
            Ok((found, own))
        }

        /// One entry `name` of the open folder `dir` (at `path`, `rel` in the
        /// site): a wanted folder is pruned, a wanted file stated, anything
        /// else removed. Also the entry's name if it is a wanted file.
        fn entry(
            &self,
            dir: BorrowedFd<'_>,
            path: &Path,
            rel: &str,
            name: &CStr,
            kind: FileType,
        ) -> Result<(Found, Option<String>), Fatal> {
            let own = || path.join(OsStr::from_bytes(name.to_bytes()));
            let at = match std::str::from_utf8(name.to_bytes()) {
                Ok(name) if rel.is_empty() => Some(name.to_string()),
                Ok(name) => Some(format!("{rel}/{name}")),
                Err(_) => None,
            };
            let stat = || rustix::fs::statat(dir, name, AtFlags::SYMLINK_NOFOLLOW);
            let mut found = Found::default();
            if let Some(at) = at {
                // (Some filesystems leave the kind to a stat.)
                let folder = match kind {
                    FileType::Directory | FileType::Unknown => self.folders.contains(at.as_str()),
                    _ => false,
                };
                if folder {
                    // Stated before it is listed: a change after is a new stamp.
                    let st = stat().map_err(|e| cannot(&own(), e.into()))?;
                    if FileType::from_raw_mode(st.st_mode) == FileType::Directory {
                        let stamp = stamp_of(&st);
                        let settled = self.stamps && settled_stamp(&stamp);
                        if settled
                            && let Some((s, names)) = self.kept.get(&at)
                            && *s == stamp
                        {
                            let found = self.unchanged(dir, &own(), name, at, stamp, names)?;
                            return Ok((found, None));
                        }
                        let sub = rustix::fs::openat(dir, name, open_flags(), Mode::empty())
                            .map_err(|e| cannot(&own(), e.into()))?;
                        let (mut inner, names) = self.folder(sub, &own(), &at)?;
                        if let Some(mut names) = names.filter(|_| settled) {
                            names.sort_unstable();
                            inner.folders.push((at, (stamp, names)));
                        }
                        return Ok((inner, None));
                    }
                } else if matches!(kind, FileType::RegularFile | FileType::Unknown)
                    && self.wanted.contains(at.as_str())
                {
                    // Replaced by something else since it was listed: that is
                    // not a page to keep (it is rendered and written).
                    if let Ok(st) = stat()
                        && FileType::from_raw_mode(st.st_mode) == FileType::RegularFile
                    {
                        found.files.push((at, stamp_of(&st)));
                        let own = String::from_utf8_lossy(name.to_bytes()).into_owned();
                        return Ok((found, Some(own)));
                    }
                }
            }
            remove(dir, name, kind, &own())?;
            Ok((found, None))
        }

        /// A folder (`name` in `dir`, at `path`, `at` in the site) whose
        /// stamp is what the last prune noted with `names`: its wanted files
        /// are stated through `dir`, names no longer wanted removed.
        fn unchanged(
            &self,
            dir: BorrowedFd<'_>,
            path: &Path,
            name: &CStr,
            at: String,
            stamp: Stamp,
            names: &[String],
        ) -> Result<Found, Fatal> {
            let mut found = Found::default();
            let mut all = true;
            let mut under = name.to_bytes().to_vec();
            under.push(b'/');
            let base = under.len();
            for n in names {
                let file = format!("{at}/{n}");
                if self.wanted.contains(file.as_str()) {
                    under.truncate(base);
                    under.extend_from_slice(n.as_bytes());
                    if let Ok(st) =
                        rustix::fs::statat(dir, under.as_slice(), AtFlags::SYMLINK_NOFOLLOW)
                        && FileType::from_raw_mode(st.st_mode) == FileType::RegularFile
                    {
                        found.files.push((file, stamp_of(&st)));
                    }
                } else {
                    all = false;
                    let stray = path.join(n);
                    gone(&stray, try_remove(&stray))?;
                }
            }
            if all {
                found.folders.push((at, (stamp, names.to_vec())));
            }
            Ok(found)
        }
    }

    /// Removes a stray entry: a file or symlink by its name in the open
    /// folder, a folder (never followed) with all it holds.
    fn remove(dir: BorrowedFd<'_>, name: &CStr, kind: FileType, path: &Path) -> Result<(), Fatal> {
        let removed = match kind {
            FileType::Directory | FileType::Unknown => try_remove(path),
            _ => rustix::fs::unlinkat(dir, name, AtFlags::empty()).map_err(Into::into),
        };
        gone(path, removed)
    }

    /// What removing `path` came to: gone already is as good as removed.
    fn gone(path: &Path, removed: std::io::Result<()>) -> Result<(), Fatal> {
        match removed {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                Err(Fatal::new(format!("cannot remove {}: {e}", path.display())))
            }
            _ => Ok(()),
        }
    }
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;

    fn settle() {
        std::thread::sleep(std::time::Duration::from_millis(2100));
    }

    fn paths(list: &[&str]) -> Vec<String> {
        list.iter().map(|p| p.to_string()).collect()
    }

    /// A folder of wanted files only is vouched for once settled; while
    /// its stamp holds it is not listed again (an entry it does not name
    /// stays, which only a listing would find), and a change to it (a
    /// stray added) makes it listed and pruned again.
    #[test]
    fn settled_folders_stand_in_for_their_listing_until_they_change() {
        let dir = tempfile::tempdir().unwrap();
        let site = dir.path();
        std::fs::create_dir_all(site.join("releases/1.0.0")).unwrap();
        std::fs::create_dir_all(site.join("releases/2.0.0")).unwrap();
        std::fs::write(site.join("index.html"), "i").unwrap();
        std::fs::write(site.join("releases/1.0.0/index.html"), "one").unwrap();
        std::fs::write(site.join("releases/2.0.0/index.html"), "two").unwrap();
        std::fs::write(site.join("releases/2.0.0/notes.txt"), "stray").unwrap();
        let wanted = paths(&[
            "index.html",
            "releases/1.0.0/index.html",
            "releases/2.0.0/index.html",
        ]);

        // Unsettled: nothing vouched for, strays removed, files stamped.
        let (seen, folders) = prune(site, &wanted, &Folders::default()).unwrap();
        assert!(folders.is_empty());
        assert_eq!(seen.len(), 3);
        assert!(!site.join("releases/2.0.0/notes.txt").exists());

        settle();
        let (seen, folders) = prune(site, &wanted, &Folders::default()).unwrap();
        let mut vouched: Vec<&String> = folders.keys().collect();
        vouched.sort();
        // (Not `releases`: it holds folders. Not the top: it is always listed.)
        assert_eq!(vouched, ["releases/1.0.0", "releases/2.0.0"]);
        assert_eq!(folders["releases/1.0.0"].1, ["index.html"]);
        let stamp = crate::content::texts::stamp(
            &std::fs::symlink_metadata(site.join("releases/1.0.0/index.html")).unwrap(),
        )
        .unwrap();
        assert_eq!(seen["releases/1.0.0/index.html"], stamp);

        // Taken at its word: a name it does not list is not looked for.
        // (The stamp is the folder's as it stands, so nothing changed it.)
        let mut told = folders.clone();
        told.get_mut("releases/1.0.0").unwrap().1 = vec!["gone.html".into()];
        let (seen, again) = prune(site, &wanted, &told).unwrap();
        assert!(!seen.contains_key("releases/1.0.0/index.html"));
        assert!(!again.contains_key("releases/1.0.0"), "a name it removed");
        assert!(site.join("releases/1.0.0/index.html").exists());

        // A stray put in a vouched folder changes its stamp: it is listed.
        std::fs::write(site.join("releases/2.0.0/evil.html"), "x").unwrap();
        let (seen, again) = prune(site, &wanted, &folders).unwrap();
        assert!(!site.join("releases/2.0.0/evil.html").exists());
        assert!(seen.contains_key("releases/2.0.0/index.html"));
        assert!(!again.contains_key("releases/2.0.0"), "not settled now");

        // A page no longer wanted goes, from a folder taken at its word too.
        settle();
        let (_, folders) = prune(site, &wanted, &Folders::default()).unwrap();
        assert!(folders.contains_key("releases/2.0.0"));
        let fewer = paths(&["index.html", "releases/1.0.0/index.html"]);
        let (seen, _) = prune(site, &fewer, &folders).unwrap();
        assert!(!site.join("releases/2.0.0").exists());
        assert_eq!(seen.len(), 2);
        std::fs::write(site.join("releases/1.0.0/old.html"), "o").unwrap();
        settle();
        let (_, folders) = prune(
            site,
            &paths(&[
                "index.html",
                "releases/1.0.0/index.html",
                "releases/1.0.0/old.html",
            ]),
            &Folders::default(),
        )
        .unwrap();
        assert_eq!(folders["releases/1.0.0"].1, ["index.html", "old.html"]);
        let (seen, _) = prune(site, &fewer, &folders).unwrap();
        assert!(!site.join("releases/1.0.0/old.html").exists());
        assert!(seen.contains_key("releases/1.0.0/index.html"));
    }

    /// Symlinks are never followed: not as a wanted folder, not as a page.
    #[test]
    fn symlinks_are_removed_not_followed() {
        let dir = tempfile::tempdir().unwrap();
        let outside = tempfile::tempdir().unwrap();
        std::fs::write(outside.path().join("index.html"), "precious").unwrap();
        let site = dir.path();
        std::os::unix::fs::symlink(outside.path(), site.join("releases")).unwrap();
        std::os::unix::fs::symlink(outside.path().join("index.html"), site.join("index.html"))
            .unwrap();
        let (seen, _) = prune(
            site,
            &paths(&["index.html", "releases/1.0.0/index.html"]),
            &Folders::default(),
        )
        .unwrap();
        assert!(seen.is_empty());
        assert!(site.join("releases").symlink_metadata().is_err());
        assert!(site.join("index.html").symlink_metadata().is_err());
        assert_eq!(
            std::fs::read_to_string(outside.path().join("index.html")).unwrap(),
            "precious"
        );
    }
}
