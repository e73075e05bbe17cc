//! The rendered-bodies cache (`.git/baton/bodies-<key>`): each record body
//! a build turned into sanitised HTML, keyed by its Markdown and heading
//! shift. Markdown and the HTML sanitiser cost more than any other part of
//! a page's data, and most bodies do not change between builds. The file
//! names the baton that rendered it (version and program stamp): another
//! baton's HTML is never used. A damaged or foreign file is ignored.

use std::path::PathBuf;

use git2::Oid;

use crate::cachefile::{self, Carry, Reader, put_bytes, put_u32};
use crate::site::markdown;

const MAGIC: &[u8] = b"baton bodies cache 2\n";

/// Bodies rendered by the last build, and what this one rendered afresh.
pub struct Bodies {
    file: PathBuf,
    html: Carry<Oid, String>,
}

impl Bodies {
    /// The cache kept in `file` (empty if there is none or it is unsound).
    pub fn open(file: PathBuf) -> Bodies {
        let kept = std::fs::read(&file)
            .ok()
            .and_then(|bytes| decode(&bytes, crate::digest::this_baton()))
            .unwrap_or_default();
        Bodies {
            file,
            html: Carry::new(kept),
        }
    }

    /// [`markdown::render`], from the cache when this body was rendered before.
    pub fn render(&self, source: &str, shift: u8) -> String {
        let mut key = crate::digest::Key::new();
        key.update(&[shift]);
        key.update(source.as_bytes());
        let key = key.finish();
        if let Some(html) = self.html.reuse(&key, |_| true) {
            return html.clone();
        }
        let html = markdown::render(source, shift);
        self.html.add(key, html.clone());
        html
    }

    /// Writes the bodies used or rendered by this build for the next one
    /// (nothing if they are the ones kept).
    pub fn save(self) {
        let Some(entries) = self.html.next() else {
            return;
        };
        let mut body = Vec::new();
        cachefile::put_baton(&mut body);
        put_u32(&mut body, entries.len());
        for (key, html) in &entries {
            body.extend_from_slice(key.as_bytes());
            put_bytes(&mut body, html.as_bytes());
        }
        cachefile::store(&self.file, &cachefile::seal(MAGIC, &body));
    }
}

fn decode(bytes: &[u8], baton: &str) -> Option<Vec<(Oid, String)>> {
    let mut r = Reader(cachefile::unseal(MAGIC, bytes)?);
    r.by(baton)?;
    let n = r.u32()?;
    // Every entry takes at least 24 bytes: never reserve more than the file holds.
    let mut out = Vec::with_capacity(n.min(r.0.len() / 24));
    for _ in 0..n {
        let key = r.oid()?;
        out.push((key, r.string()?));
    }
    r.0.is_empty().then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// How many bodies the cache file holds for this baton.
    fn kept(file: &std::path::Path) -> usize {
        std::fs::read(file)
            .ok()
            .and_then(|b| decode(&b, crate::digest::this_baton()))
            .map_or(0, |m| m.len())
    }

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
        assert_eq!(kept(&file), 2, "both kept");
        for (s, shift) in sources {
            assert_eq!(second.render(s, shift), markdown::render(s, shift));
        }
        // The same text at another shift is another body.
        assert_eq!(
            second.render("## Notes", 2),
            markdown::render("## Notes", 2)
        );
        second.save();
        assert_eq!(kept(&file), 3);

        // Only what a build used is kept for the next.
        let third = Bodies::open(file.clone());
        third.render("Go.", 2);
        third.save();
        assert_eq!(kept(&file), 1);

        // Damaged, or another baton's: nothing.
        let mut bytes = std::fs::read(&file).unwrap();
        let last = bytes.len() - 1;
        bytes[last] ^= 1;
        std::fs::write(&file, &bytes).unwrap();
        assert_eq!(kept(&file), 0);
        bytes[last] ^= 1;
        assert!(decode(&bytes, "baton 0.0.0 None").is_none());
        assert!(decode(&bytes, crate::digest::this_baton()).is_some());
    }
}
