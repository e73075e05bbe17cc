//! The rendered-bodies cache (`.git/baton/bodies-<key>`): each record body
//! a build turned into sanitised HTML, keyed by its Markdown and heading
//! shift. Markdown and the HTML sanitiser cost more than any other part of
//! a page's data, and most bodies do not change between builds. The file
//! names the baton that rendered it (version and program stamp): another
//! baton's HTML is never used. A damaged or foreign file is ignored.
//!
//! A kept page does not ask for its bodies, so a body is carried on for
//! [`STALE`](cachefile::STALE) after the last build that used it: when
//! something every page shows changes (a name in the roster, the playbook),
//! the pages are rendered again from bodies still kept. A body nobody
//! used for that long (its record edited or gone) is dropped.

use std::path::PathBuf;

use git2::Oid;

use crate::cachefile::{self, Carry, Reader, put_bytes, put_u32};
use crate::site::markdown;

const MAGIC: &[u8] = b"baton bodies cache 3\n";

/// A body's HTML and the day (since 1970) a build last used it.
type Entry = (String, u32);

/// Bodies rendered by earlier builds, and what this one rendered afresh.
pub struct Bodies {
    file: PathBuf,
    html: Carry<Oid, Entry>,
}

impl Bodies {
    /// The cache kept in `file` (empty if there is none or it is unsound).
    pub fn open(file: PathBuf) -> Bodies {
        let kept = crate::cachefile::read(&file)
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
        if let Some((html, _)) = self.html.reuse(&key, |_| true) {
            return html.clone();
        }
        let html = markdown::render(source, shift);
        self.html.add(key, (html.clone(), 0));
        html
    }

    /// Writes the bodies for the next build: those used or rendered by this
    /// one, and those used in the last [`STALE`](cachefile::STALE) (nothing
    /// is written if that is what the file holds).
    pub fn save(self) {
        let today = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| (d.as_secs() / 86_400) as u32);
        self.save_on(today);
    }

    fn save_on(self, today: u32) {
        let days = (cachefile::STALE.as_secs() / 86_400) as u32;
        let cachefile::Parts { kept, fresh } = self.html.parts();
        let mut changed = !fresh.is_empty();
        let mut entries: Vec<(Oid, String, u32)> = Vec::with_capacity(kept.len() + fresh.len());
        for (key, (html, day), used) in kept {
            if used {
                changed |= day != today;
                entries.push((key, html, today));
            } else if today.saturating_sub(day) <= days {
                entries.push((key, html, day));
            } else {
                changed = true;
            }
        }
        entries.extend(fresh.into_iter().map(|(key, (html, _))| (key, html, today)));
        if !changed {
            return;
        }
        let mut body = Vec::new();
        cachefile::put_baton(&mut body);
        put_u32(&mut body, entries.len());
        for (key, html, day) in &entries {
            body.extend_from_slice(key.as_bytes());
            body.extend_from_slice(&day.to_le_bytes());
            put_bytes(&mut body, html.as_bytes());
        }
        cachefile::store(&self.file, &cachefile::seal(MAGIC, &body));
    }
}

fn decode(bytes: &[u8], baton: &str) -> Option<Vec<(Oid, Entry)>> {
    let mut r = Reader(cachefile::unseal(MAGIC, bytes)?);
    r.by(baton)?;
    let n = r.u32()?;
    // Every entry takes at least 28 bytes: never reserve more than the file holds.
    let mut out = Vec::with_capacity(n.min(r.0.len() / 28));
    for _ in 0..n {
        let key = r.oid()?;
        let day = u32::try_from(r.u32()?).ok()?;
        out.push((key, (r.string()?, day)));
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
        second.save_on(100);
        assert_eq!(kept(&file), 3);

        // A body no build asked for is kept for a while (its page may be
        // kept), then dropped; one in use stays.
        let third = Bodies::open(file.clone());
        third.render("Go.", 2);
        third.save_on(100 + 30);
        assert_eq!(kept(&file), 3, "unused for 30 days: still kept");
        let fourth = Bodies::open(file.clone());
        fourth.save_on(100 + 31);
        assert_eq!(kept(&file), 1, "only the body used on day 130 is left");
        let fifth = Bodies::open(file.clone());
        fifth.save_on(130 + 31);
        assert_eq!(kept(&file), 0);
        let sixth = Bodies::open(file.clone());
        sixth.render("Go.", 2);
        sixth.save();
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
