//! What one stat of an entry under content/ tells the loader (its kind,
//! its stamp, whether it has settled), taken where the system allows
//! relative to the content folder held open, so the kernel resolves the
//! few names under content/ rather than the whole path from `/` again for
//! each of a hundred thousand records. The last name of a path is never
//! followed if it is a symlink; the folders on the way are those the walk
//! listed as folders (as when each path was stated from `/`, a folder
//! swapped for a symlink meanwhile is followed, and what lies there is
//! known by its own stamp).

use std::fs;
use std::path::Path;

use super::texts::Stamp;

/// An entry's kind (a symlink is a symlink, whatever it points to).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    File,
    Dir,
    Symlink,
    Other,
}

impl Kind {
    pub fn of(t: fs::FileType) -> Kind {
        if t.is_symlink() {
            Kind::Symlink
        } else if t.is_dir() {
            Kind::Dir
        } else if t.is_file() {
            Kind::File
        } else {
            Kind::Other
        }
    }
    pub fn is_dir(self) -> bool {
        self == Kind::Dir
    }
    pub fn is_file(self) -> bool {
        self == Kind::File
    }
    pub fn is_symlink(self) -> bool {
        self == Kind::Symlink
    }
}

/// What a stat of an entry found.
#[derive(Clone, Copy, Debug)]
pub struct Meta {
    pub kind: Kind,
    /// What identifies this version of it (see [`Stamp`]); `None` where
    /// the system gives no inode or status-change time.
    pub stamp: Option<Stamp>,
    /// Unchanged for two seconds when stated (see [`super::texts::settled`]).
    pub settled: bool,
}

impl Meta {
    pub fn of(m: &fs::Metadata) -> Meta {
        Meta {
            kind: Kind::of(m.file_type()),
            stamp: super::texts::stamp(m),
            settled: super::texts::settled(m),
        }
    }

    /// The entry at `path`, not following a symlink.
    pub fn at(path: &Path) -> Option<Meta> {
        fs::symlink_metadata(path).ok().map(|m| Meta::of(&m))
    }
}

/// The content folder, held open to stat entries by their paths under it.
pub struct Base {
    #[cfg(target_os = "linux")]
    fd: std::os::fd::OwnedFd,
}

impl Base {
    /// `dir` held open (`None` where the system has no such stat).
    #[cfg(target_os = "linux")]
    pub fn open(dir: &Path) -> Option<Base> {
        use std::os::fd::{FromRawFd, OwnedFd};
        use std::os::unix::ffi::OsStrExt;
        let path = std::ffi::CString::new(dir.as_os_str().as_bytes()).ok()?;
        // SAFETY: `path` is NUL-terminated and outlives the call; a
        // descriptor returned is owned by nothing else.
        let fd = unsafe {
            libc::open(
                path.as_ptr(),
                libc::O_PATH | libc::O_DIRECTORY | libc::O_CLOEXEC,
            )
        };
        // SAFETY: `fd` was just opened, and is closed only by the OwnedFd.
        (fd >= 0).then(|| Base {
            fd: unsafe { OwnedFd::from_raw_fd(fd) },
        })
    }

    #[cfg(not(target_os = "linux"))]
    pub fn open(_: &Path) -> Option<Base> {
        None
    }

    /// The entry at `rel` under the folder (`/`-separated, relative, with
    /// no `..`), not following its last name if that is a symlink; `None`
    /// if there is none.
    #[cfg(target_os = "linux")]
    pub fn stat(&self, rel: &str) -> Option<Meta> {
        use std::os::fd::AsRawFd;
        if rel.is_empty() || rel.starts_with('/') || rel.split('/').any(|p| p == "..") {
            return None;
        }
        let rel = std::ffi::CString::new(rel).ok()?;
        // SAFETY: stat is plain integers, for which all zero bytes are a
        // valid value; fstatat only reads the NUL-terminated path and
        // writes the struct it is given.
        let mut st: libc::stat = unsafe { std::mem::zeroed() };
        let r = unsafe {
            libc::fstatat(
                self.fd.as_raw_fd(),
                rel.as_ptr(),
                &mut st,
                libc::AT_SYMLINK_NOFOLLOW,
            )
        };
        if r != 0 {
            return None;
        }
        let kind = match st.st_mode & libc::S_IFMT {
            libc::S_IFREG => Kind::File,
            libc::S_IFDIR => Kind::Dir,
            libc::S_IFLNK => Kind::Symlink,
            _ => Kind::Other,
        };
        // (Casts: these fields are narrower on 32-bit systems.)
        #[allow(clippy::unnecessary_cast)]
        let stamp: Stamp = [
            st.st_size as i64,
            st.st_mtime as i64,
            st.st_mtime_nsec as i64,
            st.st_ctime as i64,
            st.st_ctime_nsec as i64,
            st.st_dev as i64,
            st.st_ino as i64,
        ];
        Some(Meta {
            kind,
            stamp: Some(stamp),
            settled: super::texts::settled_at((stamp[1], stamp[2]))
                && super::texts::settled_at((stamp[3], stamp[4])),
        })
    }

    #[cfg(not(target_os = "linux"))]
    pub fn stat(&self, _: &str) -> Option<Meta> {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A stat through the open folder finds what std's finds: kind and
    /// stamp of files, folders and symlinks (not followed), and nothing
    /// for a missing name or a path that climbs out.
    #[test]
    #[cfg(target_os = "linux")]
    fn a_stat_under_the_folder_is_stds() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("releases/1.0.0")).unwrap();
        std::fs::write(root.join("releases/1.0.0/release.md"), "x").unwrap();
        std::os::unix::fs::symlink("/etc/passwd", root.join("releases/1.0.0/link.md")).unwrap();
        let base = Base::open(root).unwrap();
        for rel in [
            "releases",
            "releases/1.0.0",
            "releases/1.0.0/release.md",
            "releases/1.0.0/link.md",
        ] {
            let (got, want) = (base.stat(rel).unwrap(), Meta::at(&root.join(rel)).unwrap());
            assert_eq!(
                (got.kind, got.stamp, got.settled),
                (want.kind, want.stamp, want.settled),
                "{rel}"
            );
        }
        assert_eq!(
            base.stat("releases/1.0.0/link.md").unwrap().kind,
            Kind::Symlink
        );
        for rel in ["releases/2.0.0", "../etc", "releases/../..", "/etc", ""] {
            assert!(base.stat(rel).is_none(), "{rel}");
        }
    }
}
