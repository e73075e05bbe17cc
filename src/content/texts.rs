//! The record texts cache (`.git/baton/texts-<key>`): each record file's
//! text as last read, with what identifies that version of the file (size,
//! modification and status-change times, device and inode), and the YAML
//! value its front matter parsed to. A later run stats each file instead
//! of opening and reading it (opening a file costs several times a stat,
//! and a records repository holds thousands), and decodes the value
//! instead of parsing the YAML again, and the git blob id of the text
//! (once a run has computed it) instead of hashing it again. It also
//! keeps the names in each record folder, with the folder's own stamp: a
//! folder whose stamp is unchanged holds the same names (creating,
//! removing or renaming an entry moves the folder's modification and
//! status-change times), so it is not listed again. Listing a folder costs
//! the system about three times a stat.
//!
//! Nothing is taken on trust: a text is reused only when every part of the
//! stamp matches (the status-change time moves on any write, and no tool can
//! set it back); files changed in the last two seconds are not kept, so a
//! second write within one clock tick cannot hide; a truncated, altered or
//! foreign file is ignored and rebuilt.

use bytes::Bytes;
use bytestring::ByteString;
use foldhash::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

use git2::Oid;

use super::frontmatter::Document;
use super::stat::Meta;
use crate::cachefile::{Carry, Near, Reader, lock, put_bytes, put_stamp, put_u32, seal, unseal};

/// The first bytes of the file; the digit is the format version.
const MAGIC: &[u8] = b"baton texts cache 6\n";

/// Size, modification time (s, ns), status-change time (s, ns), device, inode.
pub type Stamp = [i64; 7];

/// A kept record: its file's stamp, its text, its front matter's YAML
/// value in [`values`](super::values) form (empty: none), and the blob id
/// of its text as a record (see [`Document::blob_id`]) when known. Kept
/// entries are views of the one buffer the cache file was read into.
type Entry = (Stamp, ByteString, Bytes, Option<Oid>);

/// The texts of the last run, and what this run read afresh.
pub struct Texts {
    file: PathBuf,
    /// By project path (kept paths too are views of the file's buffer);
    /// fresh entries get their front matter's value from `fronts` when saved.
    texts: Carry<ByteString, Entry>,
    /// The front matter values of texts read afresh this run, by project path.
    fronts: Mutex<HashMap<String, Vec<u8>>>,
    /// The names in each record folder (project path), with the folder's stamp.
    folders: Carry<ByteString, Folder>,
    /// A kept text without its blob id was used (the run computes it: worth saving).
    unhashed: AtomicBool,
    /// Whether folders' stamps can stand in for listing them here.
    folder_stamps: bool,
}

/// A folder's stamp and the names in it, in name order.
type Folder = (Stamp, Vec<ByteString>);

/// A record's text, and its front matter's value when the cache kept it.
pub struct Read {
    pub text: ByteString,
    /// Its front matter's value, in the binary form, when the cache kept it.
    pub front: Option<Bytes>,
    /// The blob id of the record's text, when the cache kept it.
    pub blob: Option<Oid>,
    /// Read from the file this run and kept for the next (its value is
    /// worth noting).
    pub fresh: bool,
}

impl Texts {
    /// The cache kept in `file` (empty if there is none or it is unsound).
    pub fn open(file: PathBuf) -> Texts {
        let (kept, folders) = crate::cachefile::read(&file)
            .and_then(|bytes| decode(&bytes, crate::digest::this_baton()))
            .unwrap_or_default();
        Texts {
            file,
            texts: Carry::new(kept),
            fronts: Mutex::default(),
            folders: Carry::new(folders),
            unhashed: AtomicBool::new(false),
            folder_stamps: false,
        }
    }

    /// The text of the record at `relpath` (project path) and `path` (on
    /// disk), whose metadata is `meta` when the caller has it: the kept
    /// text (and its front matter's value) if the file is unchanged, else
    /// read now. `near` guesses where the record is among the kept ones
    /// (see [`Near`]): one per folder, whose files are read nearly always
    /// in the cache's order.
    pub fn read(
        &self,
        relpath: &str,
        path: &Path,
        meta: Option<&Meta>,
        near: &Near,
    ) -> Result<Read, String> {
        let looked;
        let meta = match meta {
            Some(m) => Some(m),
            None => {
                looked = Meta::at(path);
                looked.as_ref()
            }
        };
        let before = meta.filter(|m| m.kind.is_file()).and_then(|m| m.stamp);
        if let Some(s) = before
            && let Some((_, text, front, blob)) =
                self.texts
                    .reuse_near(relpath, near, |(kept, ..)| *kept == s)
        {
            if blob.is_none() {
                self.unhashed.store(true, Ordering::Relaxed);
            }
            return Ok(Read {
                text: text.clone(),
                front: (!front.is_empty()).then(|| front.clone()),
                blob: *blob,
                fresh: false,
            });
        }
        let text = ByteString::from(super::load::read_text(path)?);
        let after = std::fs::symlink_metadata(path).ok();
        let fresh = if let (Some(s), Some(meta)) = (before, after)
            && stamp(&meta) == Some(s)
            && settled(&meta)
        {
            self.texts.add(
                ByteString::from(relpath),
                (s, text.clone(), Bytes::new(), None),
            );
            true
        } else {
            false
        };
        Ok(Read {
            text,
            front: None,
            blob: None,
            fresh,
        })
    }

    /// The names in the folder at `relpath` (project path) whose stamp is
    /// `stamp`, in name order, if the cache kept them for that very stamp.
    pub fn folder(&self, relpath: &str, stamp: Stamp) -> Option<&[ByteString]> {
        if !self.folder_stamps {
            return None;
        }
        self.folders
            .reuse(relpath, |(kept, _)| *kept == stamp)
            .map(|(_, names)| names.as_slice())
    }

    /// Whether folders' stamps stand in for listing them (see
    /// [`Self::trust_folder_stamps`]).
    pub fn keeps_folders(&self) -> bool {
        self.folder_stamps
    }

    /// Lets folders' stamps stand in for listing them, where the records
    /// (`dir`) lie on a local filesystem known to move a folder's times on
    /// every change to its entries ([`stamps_follow_entries`]).
    pub fn trust_folder_stamps(mut self, dir: &Path) -> Self {
        self.folder_stamps = stamps_follow_entries(dir);
        self
    }

    /// Notes the names (in name order) listed in a folder whose stamp,
    /// taken before listing it, was `stamp`; kept only if the folder had
    /// settled (see [`settled`]), so a change in the same clock tick
    /// cannot hide.
    pub fn note_folder(&self, relpath: &str, stamp: Stamp, meta: &Meta, names: Vec<ByteString>) {
        if self.folder_stamps && meta.settled {
            self.folders.add(ByteString::from(relpath), (stamp, names));
        }
    }

    /// Notes the value the front matter of a text read this run parsed to.
    pub fn note_front(&self, relpath: &str, front: &serde_yaml::Value) {
        let mut bytes = Vec::new();
        super::values::encode(front, &mut bytes);
        lock(&self.fronts).insert(relpath.to_string(), bytes);
    }

    /// Writes the cache for the next run: the texts reused and read this
    /// run (files gone since are dropped), with the blob ids this run
    /// computed of the records in `docs`. Nothing is written if nothing
    /// changed: the cache is then handed back, for the caller to drop or,
    /// when the process is about to end, to leave unfreed (its hundred
    /// thousand entries each hold a share of one buffer).
    pub fn save<'d>(
        self,
        docs: impl IntoIterator<Item = (&'d str, &'d Document)>,
    ) -> Option<Texts> {
        if !self.texts.changed()
            && !self.folders.changed()
            && !self.unhashed.load(Ordering::Relaxed)
        {
            return Some(self);
        }
        let (entries, folders) = (self.texts.keep(), self.folders.keep());
        let blobs: HashMap<&str, Oid> = docs
            .into_iter()
            .filter_map(|(path, doc)| Some((path, *doc.blob.get()?)))
            .collect();
        let mut fronts = self.fronts.into_inner().unwrap_or_else(|e| e.into_inner());
        let mut body = Vec::new();
        // The values are what this baton's parser made of the texts.
        crate::cachefile::put_baton(&mut body);
        put_u32(&mut body, entries.len());
        for (path, (stamp, text, front, blob)) in &entries {
            let noted = fronts.remove::<str>(path);
            put_bytes(&mut body, path.as_bytes());
            put_stamp(&mut body, stamp);
            put_bytes(&mut body, text.as_bytes());
            put_bytes(&mut body, noted.as_deref().unwrap_or(front));
            match blob.or_else(|| blobs.get::<str>(path).copied()) {
                Some(id) => {
                    body.push(1);
                    body.extend_from_slice(id.as_bytes());
                }
                None => body.push(0),
            }
        }
        put_u32(&mut body, folders.len());
        for (path, (stamp, names)) in &folders {
            put_bytes(&mut body, path.as_bytes());
            put_stamp(&mut body, stamp);
            put_u32(&mut body, names.len());
            for name in names {
                put_bytes(&mut body, name.as_bytes());
            }
        }
        crate::cachefile::store(&self.file, &seal(MAGIC, &body));
        None
    }
}

/// What a cache file read into `buf` holds: the entries (their texts and
/// values views of it) and the folders.
type Decoded = (Vec<(ByteString, Entry)>, Vec<(ByteString, Folder)>);

/// The entries and folders of a cache file read into `buf`.
fn decode(buf: &Bytes, baton: &str) -> Option<Decoded> {
    let mut r = Reader(unseal(MAGIC, buf)?);
    r.by(baton)?;
    let n = r.u32()?;
    // Every entry takes at least 64 bytes: never reserve more than the file holds.
    let mut out = Vec::with_capacity(n.min(r.0.len() / 64));
    for _ in 0..n {
        let path = ByteString::try_from(buf.slice_ref(r.bytes()?)).ok()?;
        let stamp = r.stamp()?;
        let text = ByteString::try_from(buf.slice_ref(r.bytes()?)).ok()?;
        let front = buf.slice_ref(r.bytes()?);
        let blob = match r.u8()? {
            0 => None,
            1 => Some(r.oid()?),
            _ => return None,
        };
        out.push((path, (stamp, text, front, blob)));
    }
    let n = r.u32()?;
    // Every folder takes at least 64 bytes.
    let mut folders = Vec::with_capacity(n.min(r.0.len() / 64));
    for _ in 0..n {
        let path = ByteString::try_from(buf.slice_ref(r.bytes()?)).ok()?;
        let stamp = r.stamp()?;
        let count = r.u32()?;
        let mut names = Vec::with_capacity(count.min(r.0.len() / 4));
        for _ in 0..count {
            let name = ByteString::try_from(buf.slice_ref(r.bytes()?)).ok()?;
            // One plain name each: never the folder itself, its parent or a path.
            if name.is_empty() || name == "." || name == ".." || name.contains(['/', '\\']) {
                return None;
            }
            names.push(name);
        }
        folders.push((path, (stamp, names)));
    }
    r.0.is_empty().then_some((out, folders))
}

/// Whether `dir` lies on a local filesystem whose folders' modification
/// and status-change times move whenever an entry is created, removed or
/// renamed in them, as this machine sees at once. Network and user-space
/// filesystems (NFS, SMB, FUSE, 9p, virtiofs) may cache a folder's times,
/// so there folders are always listed (git, likewise, turns on its
/// untracked cache only where a test passes).
#[cfg(target_os = "linux")]
pub(crate) fn stamps_follow_entries(dir: &Path) -> bool {
    use std::os::unix::ffi::OsStrExt;
    const LOCAL: [i64; 7] = [
        0xEF53,      // ext2, ext3, ext4
        0x5846_5342, // xfs
        0x9123_683E, // btrfs
        0x0102_1994, // tmpfs
        0x794C_7630, // overlayfs
        0x2FC1_2FC1, // zfs
        0xF2F5_2010, // f2fs
    ];
    let Ok(path) = std::ffi::CString::new(dir.as_os_str().as_bytes()) else {
        return false;
    };
    // SAFETY: statfs is plain integers, for which all zero bytes are a
    // valid value; statfs only reads the NUL-terminated path and writes
    // the struct it is given.
    let mut fs: libc::statfs = unsafe { std::mem::zeroed() };
    if unsafe { libc::statfs(path.as_ptr(), &mut fs) } != 0 {
        return false;
    }
    LOCAL.contains(&(fs.f_type as i64))
}

#[cfg(not(target_os = "linux"))]
pub(crate) fn stamps_follow_entries(_: &Path) -> bool {
    false
}

/// What identifies this version of a file (also used for theme files).
#[cfg(unix)]
pub fn stamp(meta: &std::fs::Metadata) -> Option<Stamp> {
    use std::os::unix::fs::MetadataExt;
    Some([
        meta.len() as i64,
        meta.mtime(),
        meta.mtime_nsec(),
        meta.ctime(),
        meta.ctime_nsec(),
        meta.dev() as i64,
        meta.ino() as i64,
    ])
}

/// Without inodes and status-change times a stamp cannot be trusted.
#[cfg(not(unix))]
pub fn stamp(_: &std::fs::Metadata) -> Option<Stamp> {
    None
}

/// Unchanged for two seconds, so a second write within one clock tick
/// cannot hide behind an equal stamp.
pub fn settled(meta: &std::fs::Metadata) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        settled_at((meta.mtime(), meta.mtime_nsec()))
            && settled_at((meta.ctime(), meta.ctime_nsec()))
    }
    #[cfg(not(unix))]
    {
        meta.modified()
            .ok()
            .and_then(|t| t.elapsed().ok())
            .is_some_and(|a| a > std::time::Duration::from_secs(2))
    }
}

/// Whether what has stamp `s` was neither modified nor changed in the
/// last two seconds (see [`settled`]).
pub fn settled_stamp(s: &Stamp) -> bool {
    settled_at((s[1], s[2])) && settled_at((s[3], s[4]))
}

/// Whether a time (seconds and nanoseconds since the epoch) is more than
/// two seconds past.
pub fn settled_at((secs, nanos): (i64, i64)) -> bool {
    std::time::UNIX_EPOCH
        .checked_add(std::time::Duration::new(
            secs.max(0) as u64,
            nanos.clamp(0, 999_999_999) as u32,
        ))
        .and_then(|t| t.elapsed().ok())
        .is_some_and(|a| a > std::time::Duration::from_secs(2))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A text read afresh is kept with the blob id the run computed of
    /// its record, and the next run gets both back while the file stands.
    #[test]
    fn kept_texts_carry_their_blob_ids() {
        let dir = tempfile::tempdir().unwrap();
        let (record, cache) = (dir.path().join("r.md"), dir.path().join("texts"));
        std::fs::write(&record, "---\ndecision: approve\n---\nBody\r\n").unwrap();
        // Files changed in the last two seconds are never kept.
        std::thread::sleep(std::time::Duration::from_millis(2100));
        let texts = Texts::open(cache.clone());
        let read = texts
            .read("content/r.md", &record, None, &Near::default())
            .unwrap();
        assert!(read.fresh && read.blob.is_none());
        let doc = crate::content::frontmatter::split(read.text).unwrap();
        let id = doc.blob_id();
        // Of the text as records are read (line ends folded), not the raw bytes.
        assert_eq!(
            id,
            crate::digest::blob_id(b"---\ndecision: approve\n---\nBody\n")
        );
        texts.save([("content/r.md", &doc)]);

        let texts = Texts::open(cache);
        let kept = texts
            .read("content/r.md", &record, None, &Near::default())
            .unwrap();
        assert!(!kept.fresh);
        assert_eq!(
            kept.blob,
            Some(id),
            "the blob id of the record's (normalised) text"
        );
    }

    #[test]
    fn damaged_files_are_not_caches() {
        let mut body = Vec::new();
        put_bytes(&mut body, b"baton x");
        put_u32(&mut body, 1);
        put_bytes(&mut body, b"content/releases/1.0.0/release.md");
        for n in 0..7i64 {
            body.extend_from_slice(&n.to_le_bytes());
        }
        put_bytes(&mut body, b"---\ntitle: x\n---\n");
        put_bytes(&mut body, b"");
        body.push(0);
        put_u32(&mut body, 1);
        put_bytes(&mut body, b"content/releases/1.0.0");
        for n in 0..7i64 {
            body.extend_from_slice(&n.to_le_bytes());
        }
        put_u32(&mut body, 1);
        put_bytes(&mut body, b"release.md");
        let sealed = Bytes::from(seal(MAGIC, &body));
        assert_eq!(
            decode(&sealed, "baton x").map(|(t, f)| (t.len(), f.len())),
            Some((1, 1))
        );
        assert!(
            decode(&sealed, "baton y").is_none(),
            "another baton's values"
        );
        for cut in 0..sealed.len() {
            assert!(
                decode(&sealed.slice(..cut), "baton x").is_none(),
                "truncated at {cut}"
            );
        }
        // A kept folder name that is not one plain name is not a cache.
        for name in ["", ".", "..", "a/b"] {
            let mut bad = body.clone();
            let cut = bad.len() - (4 + "release.md".len());
            bad.truncate(cut);
            put_bytes(&mut bad, name.as_bytes());
            assert!(
                decode(&Bytes::from(seal(MAGIC, &bad)), "baton x").is_none(),
                "{name:?}"
            );
        }
        let mut flipped = sealed.to_vec();
        let last = flipped.len() - 1;
        flipped[last] ^= 1;
        assert!(decode(&Bytes::from(flipped), "baton x").is_none());
        assert!(decode(&Bytes::from_static(b"baton texts cache 2\n"), "baton x").is_none());
    }
}
