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
        use rustix::fs::{Mode, OFlags};
        let flags = OFlags::PATH | OFlags::DIRECTORY | OFlags::CLOEXEC;
        let fd = rustix::fs::open(dir, flags, Mode::empty()).ok()?;
        Some(Base { fd })
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
        use rustix::fs::{AtFlags, FileType};
        if rel.is_empty() || rel.starts_with('/') || rel.split('/').any(|p| p == "..") {
            return None;
        }
        let st = rustix::fs::statat(&self.fd, rel, AtFlags::SYMLINK_NOFOLLOW).ok()?;
        let kind = match FileType::from_raw_mode(st.st_mode) {
            FileType::RegularFile => Kind::File,
            FileType::Directory => Kind::Dir,
            FileType::Symlink => Kind::Symlink,
            _ => Kind::Other,
        };
        let stamp = stamp_of(&st);
        Some(Meta {
            kind,
            stamp: Some(stamp),
            settled: super::texts::settled_stamp(&stamp),
        })
    }

    #[cfg(not(target_os = "linux"))]
    pub fn stat(&self, _: &str) -> Option<Meta> {
        None
    }
}

/// The stamp of a stat, as [`texts::stamp`](super::texts::stamp) takes it
/// from std's metadata.
#[cfg(unix)]
#[allow(clippy::unnecessary_cast)] // (These fields are narrower on 32-bit systems.)
pub fn stamp_of(st: &rustix::fs::Stat) -> Stamp {
    [
        st.st_size as i64,
        st.st_mtime as i64,
        st.st_mtime_nsec as i64,
        st.st_ctime as i64,
        st.st_ctime_nsec as i64,
        st.st_dev as i64,
        st.st_ino as i64,
    ]
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
