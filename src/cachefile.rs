//! The framing shared by baton's caches under `.git/baton/`: a magic line
//! naming the format and its version, a checksum of the body (XXH3-128:
//! it catches truncated and damaged files at memory speed; a cache is
//! baton's own file in the repository's git folder, not input from a pull
//! request, so the checksum need not resist forgery), and
//! length-prefixed fields read back without ever reading past the end.
//! A cache is written aside and renamed into place, so a reader sees the
//! old file or the new one, never half of one. That is also why a big
//! cache is mapped into memory rather than read (see [`read`]).

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use git2::{ObjectType, Oid};

/// Where a cache of `kind` lives: `<git dir>/baton/<kind>-<12 hex digits of
/// the SHA-1 of key>`, so caches about different things never share a file.
pub fn file(git_dir: &Path, kind: &str, key: &[u8]) -> PathBuf {
    let id =
        Oid::hash_object(ObjectType::Blob, key).map_or_else(|_| "0".repeat(40), |o| o.to_string());
    git_dir.join("baton").join(format!("{kind}-{}", &id[..12]))
}

/// Caches at least this big are mapped rather than read.
const MAP_FROM: u64 = 1 << 20;

/// The bytes of the cache `file`, or `None` if it cannot be opened.
///
/// On Unix a big cache (tens of MB at 100,000 records) is mapped into
/// memory, its pages filled in one call from the system's file cache:
/// reading it would copy every byte into fresh memory, page fault by page
/// fault.
/// Mapping is sound only while nobody changes the file in place, and
/// baton never does: every cache is written aside and renamed over the
/// old one, so a mapped file stays as it was (another program cutting a
/// cache file short while a run maps it would stop that run with a bus
/// error; nothing under `.git/baton/` is written by any other tool).
pub fn read(file: &Path) -> Option<bytes::Bytes> {
    use std::io::Read;
    let mut f = std::fs::File::open(file).ok()?;
    let len = f.metadata().ok()?.len();
    // Unix only: elsewhere (Windows) a mapped file cannot be replaced, so
    // the next cache could not be renamed over it while the run holds it.
    #[cfg(unix)]
    if len >= MAP_FROM {
        // SAFETY: baton replaces caches by renaming, never rewrites one in
        // place (see above), so the mapped bytes do not change under us.
        if let Ok(map) = unsafe { memmap2::MmapOptions::new().populate().map(&f) } {
            return Some(bytes::Bytes::from_owner(map));
        }
    }
    let mut bytes = Vec::with_capacity(usize::try_from(len).unwrap_or(0));
    f.read_to_end(&mut bytes).ok()?;
    Some(bytes.into())
}

/// `magic`, the body's checksum, then the body.
pub fn seal(magic: &[u8], body: &[u8]) -> Vec<u8> {
    let sum = checksum(body);
    let mut out = Vec::with_capacity(magic.len() + sum.len() + body.len());
    out.extend_from_slice(magic);
    out.extend_from_slice(&sum);
    out.extend_from_slice(body);
    out
}

/// The body of a sealed file, or `None` if it is not one of `magic`'s or
/// its checksum does not match (truncated, altered).
pub fn unseal<'b>(magic: &[u8], bytes: &'b [u8]) -> Option<&'b [u8]> {
    let rest = bytes.strip_prefix(magic)?;
    let (sum, body) = rest.split_at_checked(16)?;
    (checksum(body) == sum).then_some(body)
}

/// XXH3-128 of `body`.
fn checksum(body: &[u8]) -> [u8; 16] {
    xxhash_rust::xxh3::xxh3_128(body).to_le_bytes()
}

/// Writes `bytes` beside `file` and renames them into place. A cache that
/// cannot be written (a read-only repository) is simply not kept.
pub fn store(file: &Path, bytes: &[u8]) {
    let (Some(dir), Some(name)) = (file.parent(), file.file_name()) else {
        return;
    };
    let tmp = dir.join(format!(
        ".{}.{}.tmp",
        name.to_string_lossy(),
        std::process::id()
    ));
    let written = std::fs::create_dir_all(dir)
        .and_then(|()| std::fs::write(&tmp, bytes))
        .and_then(|()| std::fs::rename(&tmp, file));
    if written.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
}

/// How long a cache that no run writes any more is kept (the page ledger
/// of an output folder built once and never again).
pub const STALE: Duration = Duration::from_secs(30 * 24 * 60 * 60);

/// How old a file left half-written by a killed run must be before it is
/// removed (a live run writes its cache within seconds).
const ABANDONED: Duration = Duration::from_secs(60 * 60);

/// Ledgers are the caches that pile up (one per output folder); the
/// others are one file per project. Called when a ledger is saved.
///
/// Removes, beside `file`, the caches of its `kind` that no run has
/// written for [`STALE`], and files a killed run left half-written. Caches
/// are only ever a saving: one removed is made again when next needed.
pub fn sweep(file: &Path, kind: &str) {
    let Some(dir) = file.parent() else {
        return;
    };
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let age = |e: &std::fs::DirEntry| {
        e.metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.elapsed().ok())
    };
    for e in entries.flatten() {
        let name = e.file_name();
        let name = name.to_string_lossy();
        let limit = if name.starts_with('.') && name.ends_with(".tmp") {
            ABANDONED
        } else if name.strip_prefix(kind).is_some_and(|r| r.starts_with('-')) && e.path() != file {
            STALE
        } else {
            continue;
        };
        if age(&e).is_some_and(|a| a > limit) {
            let _ = std::fs::remove_file(e.path());
        }
    }
}

/// Where in a [`Carry`] the next key asked for is likely to be (see
/// [`Carry::reuse_near`]); only a guess, checked before it is used.
#[derive(Debug, Default)]
pub struct Near(std::cell::Cell<usize>);

/// What a run takes from its cache and hands to the next: the entries the
/// last run kept, which of them this run used, and what it made afresh.
/// The next run's cache holds exactly the used and the fresh entries, so
/// entries nobody asks for any more (files gone, bodies edited) drop out.
///
/// Entries are held sorted by key and found by binary search, and handed
/// on sorted, so a cache file is written in key order (the same entries
/// give the same file). Against a hash map this measured no faster nor
/// slower at 105,000 records, and a few MB smaller.
pub struct Carry<K, V> {
    /// Sorted by key, each with whether this run used it.
    kept: Vec<(K, V, AtomicBool)>,
    fresh: Mutex<Vec<(K, V)>>,
}

impl<K: Ord, V> Carry<K, V> {
    pub fn new(kept: impl IntoIterator<Item = (K, V)>) -> Self {
        let mut kept: Vec<(K, V, AtomicBool)> = kept
            .into_iter()
            .map(|(k, v)| (k, v, AtomicBool::new(false)))
            .collect();
        // Already sorted when the file was written by this code: one pass.
        kept.sort_by(|a, b| a.0.cmp(&b.0));
        kept.dedup_by(|a, b| a.0 == b.0);
        Carry {
            kept,
            fresh: Mutex::default(),
        }
    }

    /// The kept entry of `key`, if `fits` says it still holds; noted as used.
    pub fn reuse<Q>(&self, key: &Q, fits: impl FnOnce(&V) -> bool) -> Option<&V>
    where
        K: std::borrow::Borrow<Q>,
        Q: Ord + ?Sized,
    {
        self.reuse_near(key, &Near::default(), fits)
    }

    /// [`Self::reuse`], trying first the entry after the one last found
    /// through `near`: for a caller that asks for keys in their order (the
    /// files of one folder), one comparison each instead of a search.
    pub fn reuse_near<Q>(&self, key: &Q, near: &Near, fits: impl FnOnce(&V) -> bool) -> Option<&V>
    where
        K: std::borrow::Borrow<Q>,
        Q: Ord + ?Sized,
    {
        let guess = near.0.get();
        let at = match self.kept.get(guess) {
            Some((k, ..)) if k.borrow().cmp(key).is_eq() => guess,
            _ => self
                .kept
                .binary_search_by(|(k, ..)| k.borrow().cmp(key))
                .ok()?,
        };
        near.0.set(at + 1);
        let (_, v, used) = &self.kept[at];
        if !fits(v) {
            return None;
        }
        used.store(true, Ordering::Relaxed);
        Some(v)
    }

    /// An entry made this run, for the next.
    pub fn add(&self, key: K, value: V) {
        lock(&self.fresh).push((key, value));
    }

    /// Every kept entry with whether this run used it, and the fresh ones:
    /// for a cache that decides itself what to carry on.
    pub fn parts(self) -> Parts<K, V> {
        Parts {
            fresh: self.fresh.into_inner().unwrap_or_else(|e| e.into_inner()),
            kept: self
                .kept
                .into_iter()
                .map(|(k, v, used)| (k, v, used.into_inner()))
                .collect(),
        }
    }

    /// Whether the next run's entries differ from the kept ones: an entry
    /// was made this run, or a kept one not used.
    pub fn changed(&self) -> bool {
        !lock(&self.fresh).is_empty()
            || !self
                .kept
                .iter()
                .all(|(.., used)| used.load(Ordering::Relaxed))
    }

    /// The entries for the next run, by key: the used and the fresh ones
    /// (a fresh entry in place of a kept one of the same key).
    pub fn keep(self) -> Vec<(K, V)> {
        let Parts { kept, fresh } = self.parts();
        let mut next = fresh;
        next.extend(
            kept.into_iter()
                .filter(|(.., used)| *used)
                .map(|(k, v, _)| (k, v)),
        );
        // Stable: of equal keys the fresh one comes first, and stays.
        next.sort_by(|a, b| a.0.cmp(&b.0));
        next.dedup_by(|a, b| a.0 == b.0);
        next
    }
}

/// What a run did with its [`Carry`].
pub struct Parts<K, V> {
    /// The entries the last run kept, each with whether this run used it.
    pub kept: Vec<(K, V, bool)>,
    /// The entries this run made.
    pub fresh: Vec<(K, V)>,
}

/// A lock, even after a thread panicked holding it (caches hold plain data).
pub fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Writes the name of this baton (see [`crate::digest::this_baton`]) at the
/// start of a cache of what it computed.
pub fn put_baton(w: &mut Vec<u8>) {
    put_bytes(w, crate::digest::this_baton().as_bytes());
}

pub fn put_u32(w: &mut Vec<u8>, n: usize) {
    w.extend_from_slice(&u32::try_from(n).unwrap_or(u32::MAX).to_le_bytes());
}

pub fn put_bytes(w: &mut Vec<u8>, b: &[u8]) {
    put_u32(w, b.len());
    w.extend_from_slice(b);
}

/// A file's stamp (see [`Stamp`](crate::content::texts::Stamp)), as
/// [`Reader::stamp`] reads it back.
pub fn put_stamp(w: &mut Vec<u8>, stamp: &crate::content::texts::Stamp) {
    for n in stamp {
        w.extend_from_slice(&n.to_le_bytes());
    }
}

pub fn put_strs(w: &mut Vec<u8>, strs: &[String]) {
    put_u32(w, strs.len());
    for s in strs {
        put_bytes(w, s.as_bytes());
    }
}

/// Reads a cache's fields; every read fails cleanly past the end.
pub struct Reader<'b>(pub &'b [u8]);

impl<'b> Reader<'b> {
    /// Whether the cache was made by `baton` (see [`put_baton`]).
    pub fn by(&mut self, baton: &str) -> Option<()> {
        (self.bytes()? == baton.as_bytes()).then_some(())
    }
    pub fn take(&mut self, n: usize) -> Option<&'b [u8]> {
        let (head, rest) = (self.0.get(..n)?, self.0.get(n..)?);
        self.0 = rest;
        Some(head)
    }
    pub fn u8(&mut self) -> Option<u8> {
        Some(self.take(1)?[0])
    }
    pub fn u32(&mut self) -> Option<usize> {
        let b = self.take(4)?;
        Some(u32::from_le_bytes(b.try_into().ok()?) as usize)
    }
    pub fn i64(&mut self) -> Option<i64> {
        Some(i64::from_le_bytes(self.take(8)?.try_into().ok()?))
    }
    pub fn bytes(&mut self) -> Option<&'b [u8]> {
        let n = self.u32()?;
        self.take(n)
    }
    pub fn string(&mut self) -> Option<String> {
        String::from_utf8(self.bytes()?.to_vec()).ok()
    }
    pub fn oid(&mut self) -> Option<Oid> {
        Oid::from_bytes(self.take(20)?).ok()
    }
    pub fn stamp(&mut self) -> Option<crate::content::texts::Stamp> {
        let mut stamp = [0i64; 7];
        for s in &mut stamp {
            *s = self.i64()?;
        }
        Some(stamp)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::SystemTime;

    /// A cache reads back byte for byte whether it is mapped (big) or
    /// read (small), and stays readable after a newer one is renamed over
    /// it; a missing file reads as nothing.
    #[test]
    fn caches_read_back_mapped_or_not() {
        let tmp = tempfile::tempdir().unwrap();
        for len in [0, 10, MAP_FROM as usize - 1, MAP_FROM as usize, 3 << 20] {
            let file = tmp.path().join(format!("cache-{len}"));
            let bytes: Vec<u8> = (0..len).map(|i| (i % 251) as u8).collect();
            store(&file, &bytes);
            let kept = read(&file).expect("the cache is there");
            assert_eq!(&kept[..], &bytes[..], "{len} bytes");
            store(&file, b"newer");
            assert_eq!(&kept[..], &bytes[..], "{len} bytes, after a newer cache");
            assert_eq!(&read(&file).unwrap()[..], b"newer");
        }
        assert!(read(&tmp.path().join("missing")).is_none());
    }

    /// A guess of where a key is finds it when right, and is only a
    /// guess when wrong: every key is found, or not, as a search would.
    #[test]
    fn a_near_guess_never_changes_what_is_found() {
        let keys = ["a", "b", "c", "d"];
        let carry = Carry::new(keys.iter().enumerate().map(|(i, k)| (k.to_string(), i)));
        let near = Near::default();
        // In order: each found right after the one before.
        for (i, k) in keys.iter().enumerate() {
            assert_eq!(carry.reuse_near(*k, &near, |_| true), Some(&i));
            assert_eq!(near.0.get(), i + 1);
        }
        // Past the end, backwards, skipping, and keys not kept.
        for (k, want) in [
            ("c", Some(2)),
            ("a", Some(0)),
            ("d", Some(3)),
            ("b", Some(1)),
        ] {
            assert_eq!(carry.reuse_near(k, &near, |_| true), want.as_ref(), "{k}");
        }
        near.0.set(usize::MAX);
        assert_eq!(carry.reuse_near("c", &near, |_| true), Some(&2));
        for k in ["", "bb", "z"] {
            assert_eq!(carry.reuse_near(k, &near, |_| true), None, "{k}");
        }
        // A guess that lands on the key still asks whether it fits.
        near.0.set(1);
        assert_eq!(carry.reuse_near("b", &near, |v| *v == 99), None);
    }

    #[test]
    fn carry_hands_on_exactly_the_used_and_fresh_entries() {
        let kept = || {
            [
                ("a".to_string(), 1),
                ("b".to_string(), 2),
                ("c".to_string(), 3),
            ]
        };
        let carry = Carry::new(kept());
        assert_eq!(carry.reuse("a", |_| true), Some(&1));
        assert_eq!(carry.reuse("b", |v| *v == 99), None, "no longer fits");
        assert_eq!(carry.reuse("z", |_| true), None);
        carry.add("b".to_string(), 20);
        assert!(carry.changed());
        // By key, the fresh entry in place of the kept one.
        assert_eq!(carry.keep(), [("a".to_string(), 1), ("b".to_string(), 20)]);

        let carry = Carry::new(kept());
        for k in ["a", "b", "c", "a"] {
            carry.reuse(k, |_| true);
        }
        assert!(!carry.changed(), "all used, nothing new: unchanged");
        let unused = Carry::new(kept());
        assert!(unused.changed());
        assert!(unused.keep().is_empty(), "nothing used: nothing kept");
    }

    #[test]
    fn sweep_removes_stale_caches_of_its_kind_and_abandoned_writes_only() {
        let dir = tempfile::tempdir().unwrap();
        let at = |n: &str| dir.path().join(n);
        let make = |n: &str, age: Duration| {
            std::fs::write(at(n), b"x").unwrap();
            let file = std::fs::File::options().write(true).open(at(n)).unwrap();
            file.set_modified(SystemTime::now() - age).unwrap();
        };
        let stale = STALE + Duration::from_secs(60);
        make("pages-aaaaaaaaaaaa", stale); // this run's own: kept, however old
        make("pages-bbbbbbbbbbbb", stale); // no run wrote it for long: removed
        make("pages-cccccccccccc", Duration::ZERO); // in use: kept
        make("texts-dddddddddddd", stale); // another kind: kept
        make(".pages-cccccccccccc.42.tmp", ABANDONED * 2); // left by a killed run: removed
        make(".texts-dddddddddddd.43.tmp", Duration::ZERO); // being written: kept
        sweep(&at("pages-aaaaaaaaaaaa"), "pages");
        let mut left: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        left.sort();
        assert_eq!(
            left,
            [
                ".texts-dddddddddddd.43.tmp",
                "pages-aaaaaaaaaaaa",
                "pages-cccccccccccc",
                "texts-dddddddddddd"
            ]
        );
    }
}
