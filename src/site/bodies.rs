//! The rendered-bodies cache (`.git/baton/bodies-<key>`): each record body
//! a build turned into sanitised HTML, keyed by its Markdown and heading
//! shift. Markdown and the HTML sanitiser cost more than any other part of
//! a page's data, and most bodies do not change between builds. The file
//! names the baton that rendered it (version and program stamp): another
//! baton's HTML is never used. A damaged or foreign file is ignored.

use std::path::PathBuf;
use std::sync::Mutex;

use foldhash::{HashMap, HashMapExt, HashSet};
use git2::Oid;

use crate::cachefile::{self, Reader, put_bytes, put_u32};
use crate::site::markdown;

const MAGIC: &[u8] = b"baton bodies cache 1\n";

/// Bodies rendered by the last build, and what this one rendered afresh.
pub struct Bodies {
    file: PathBuf,
    kept: HashMap<Oid, String>,
    used: Mutex<HashSet<Oid>>,
    fresh: Mutex<Vec<(Oid, String)>>,
}

impl Bodies {
    /// The cache kept in `file` (empty if there is none or it is unsound).
    pub fn open(file: PathBuf) -> Bodies {
        let kept = std::fs::read(&file)
            .ok()
            .and_then(|bytes| decode(&bytes, &crate::digest::this_baton()))
            .unwrap_or_default();
        Bodies {
            file,
            kept,
            used: Mutex::default(),
            fresh: Mutex::default(),
        }
    }

    /// [`markdown::render`], from the cache when this body was rendered before.
    pub fn render(&self, source: &str, shift: u8) -> String {
        let mut key = crate::digest::Key::new();
        key.update(&[shift]);
        key.update(source.as_bytes());
        let key = key.finish();
        if let Some(html) = self.kept.get(&key) {
            lock(&self.used).insert(key);
            return html.clone();
        }
        let html = markdown::render(source, shift);
        lock(&self.fresh).push((key, html.clone()));
        html
    }

    /// Writes the bodies used or rendered by this build for the next one
    /// (nothing if they are the ones kept).
    pub fn save(self) {
        let used = self.used.into_inner().unwrap_or_else(|e| e.into_inner());
        let fresh = self.fresh.into_inner().unwrap_or_else(|e| e.into_inner());
        if fresh.is_empty() && used.len() == self.kept.len() {
            return;
        }
        let mut kept = self.kept;
        let entries: Vec<(Oid, String)> = used
            .into_iter()
            .filter_map(|k| kept.remove(&k).map(|h| (k, h)))
            .chain(fresh)
            .collect::<HashMap<Oid, String>>()
            .into_iter()
            .collect();
        let mut body = Vec::new();
        put_bytes(&mut body, crate::digest::this_baton().as_bytes());
        put_u32(&mut body, entries.len());
        for (key, html) in &entries {
            body.extend_from_slice(key.as_bytes());
            put_bytes(&mut body, html.as_bytes());
        }
        cachefile::store(&self.file, &cachefile::seal(MAGIC, &body));
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

fn decode(bytes: &[u8], baton: &str) -> Option<HashMap<Oid, String>> {
    let mut r = Reader(cachefile::unseal(MAGIC, bytes)?);
    if r.bytes()? != baton.as_bytes() {
        return None;
    }
    let n = r.u32()?;
    // Every entry takes at least 24 bytes: never reserve more than the file holds.
    let mut out = HashMap::with_capacity(n.min(r.0.len() / 24));
    for _ in 0..n {
        let key = r.oid()?;
        out.insert(key, r.string()?);
    }
    r.0.is_empty().then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_come_back_rendered_as_markdown_renders_them() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("bodies-x");
        let sources = [("## Notes\n\n*done* <script>x</script>", 1), ("Go.", 2)];
        let first = Bodies::open(file.clone());
        for (s, shift) in sources {
            assert_eq!(first.render(s, shift), markdown::render(s, shift));
        }
        first.save();
        let second = Bodies::open(file.clone());
        assert_eq!(second.kept.len(), 2, "both kept");
        for (s, shift) in sources {
            assert_eq!(second.render(s, shift), markdown::render(s, shift));
        }
        // The same text at another shift is another body.
        assert_eq!(
            second.render("## Notes", 2),
            markdown::render("## Notes", 2)
        );
        second.save();
        assert_eq!(Bodies::open(file.clone()).kept.len(), 3);

        // Only what a build used is kept for the next.
        let third = Bodies::open(file.clone());
        third.render("Go.", 2);
        third.save();
        assert_eq!(Bodies::open(file.clone()).kept.len(), 1);

        // Damaged, or another baton's: nothing.
        let mut bytes = std::fs::read(&file).unwrap();
        let last = bytes.len() - 1;
        bytes[last] ^= 1;
        std::fs::write(&file, &bytes).unwrap();
        assert!(Bodies::open(file.clone()).kept.is_empty());
        bytes[last] ^= 1;
        assert!(decode(&bytes, "baton 0.0.0 None").is_none());
        assert!(decode(&bytes, &crate::digest::this_baton()).is_some());
    }
}
