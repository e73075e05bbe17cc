//! feed.xml: an Atom feed with an entry per release and one per incident
//! update (declaration, alert, each update, resolution).

use rayon::prelude::*;

use crate::site::theme::escape_into as esc;
use crate::site::view::{IncidentCtx, ReleaseHead};

pub struct Entry {
    pub id: String,
    pub title: String,
    pub link: String,
    pub updated: String,
    pub summary: String,
}

/// A release as its feed entry needs it.
pub struct ReleaseItem<'a> {
    pub head: &'a ReleaseHead,
    /// The first release-notes section, as HTML (empty without notes).
    pub notes_html: &'a str,
    /// RFC 3339; empty when nothing is signed yet.
    pub updated: String,
}

/// Entries for releases and incidents, newest first. `updated` values are
/// RFC 3339. Made in parallel: a feed has an entry per release.
pub fn entries(
    base: &str,
    releases: &[ReleaseItem],
    incidents: &[IncidentCtx],
    fallback: &str,
) -> Vec<Entry> {
    let mut out: Vec<Entry> = releases
        .par_iter()
        .map(|item| {
            let (r, updated) = (item.head, &item.updated);
            Entry {
                id: format!("{base}releases/{}/", r.version),
                title: format!("Release {}: {} ({})", r.version, r.title, r.state_label),
                link: format!("{base}releases/{}/", r.version),
                updated: if updated.is_empty() {
                    fallback.to_string()
                } else {
                    updated.clone()
                },
                summary: strip_tags(item.notes_html),
            }
        })
        .collect();
    out.par_extend(incidents.par_iter().flat_map_iter(|i| {
        i.timeline.iter().map(move |e| Entry {
            id: format!("{base}incidents/{}/#event-{}", i.id, e.id),
            title: format!("{}: {}", i.title, e.title),
            link: format!("{base}incidents/{}/#event-{}", i.id, e.id),
            updated: e.at_iso.clone(),
            summary: e.text.clone(),
        })
    }));
    // Stable: entries updated at the same time keep the order above.
    out.par_sort_by(|a, b| b.updated.cmp(&a.updated));
    out
}

/// The feed document.
pub fn render(title: &str, base: &str, entries: &[Entry], fallback: &str) -> String {
    let updated = entries
        .iter()
        .map(|e| e.updated.as_str())
        .max()
        .unwrap_or(fallback);
    // About 330 bytes an entry: grown once, not entry by entry.
    let mut s = String::with_capacity(1024 + entries.len() * 330);
    s.push_str(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\">\n",
    );
    s.push_str("  <title>");
    esc(&mut s, title);
    s.push_str("</title>\n  <id>");
    esc(&mut s, base);
    s.push_str("</id>\n  <updated>");
    s.push_str(&utc(updated));
    s.push_str("</updated>\n  <link rel=\"alternate\" type=\"text/html\" href=\"");
    esc(&mut s, base);
    s.push_str("\"/>\n  <link rel=\"self\" type=\"application/atom+xml\" href=\"");
    esc(&mut s, base);
    s.push_str("feed.xml\"/>\n  <author><name>");
    esc(&mut s, title);
    s.push_str("</name></author>\n");
    // Entries are written in parallel runs, then joined in order.
    let runs: Vec<String> = entries
        .par_chunks(256)
        .map(|run| {
            let mut s = String::with_capacity(run.len() * 330);
            for e in run {
                entry(&mut s, e);
            }
            s
        })
        .collect();
    for run in runs {
        s.push_str(&run);
    }
    s.push_str("</feed>\n");
    s
}

fn entry(s: &mut String, e: &Entry) {
    s.push_str("  <entry>\n    <title>");
    esc(s, &e.title);
    s.push_str("</title>\n    <id>");
    esc(s, &e.id);
    s.push_str("</id>\n    <link rel=\"alternate\" type=\"text/html\" href=\"");
    esc(s, &e.link);
    s.push_str("\"/>\n    <updated>");
    s.push_str(&utc(&e.updated));
    s.push_str("</updated>\n");
    if !e.summary.is_empty() {
        s.push_str("    <summary>");
        esc(s, e.summary.trim());
        s.push_str("</summary>\n");
    }
    s.push_str("  </entry>\n");
}

/// RFC 3339 in UTC with an uppercase `Z`.
fn utc(t: &str) -> String {
    chrono::DateTime::parse_from_rfc3339(t)
        .map(|d| {
            d.with_timezone(&chrono::Utc)
                .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
        })
        .unwrap_or_else(|_| t.to_string())
}

fn strip_tags(html: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            _ if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.replace("&amp;", "&")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped_and_times_are_utc() {
        let entry = Entry {
            id: "https://x.example/releases/1.0.0/#a&b".into(),
            title: "Release 1.0.0: \"R&D\" <fast> (Ada's)".into(),
            link: "https://x.example/releases/1.0.0/?a=1&b=2".into(),
            updated: "2026-03-01T10:00:00+02:00".into(),
            summary: "  Faster <builds> & \"fewer\" bugs  ".into(),
        };
        let feed = render(
            "Acme & Co",
            "https://x.example/",
            &[entry],
            "2026-01-01T00:00:00Z",
        );
        assert!(feed.contains("<title>Acme &amp; Co</title>"), "{feed}");
        assert!(feed.contains("<id>https://x.example/releases/1.0.0/#a&amp;b</id>"));
        assert!(feed.contains("<author><name>Acme &amp; Co</name></author>"));
        assert!(feed.contains(
            "<title>Release 1.0.0: &quot;R&amp;D&quot; &lt;fast&gt; (Ada&#39;s)</title>"
        ));
        assert!(feed.contains("href=\"https://x.example/releases/1.0.0/?a=1&amp;b=2\"/>"));
        assert!(
            feed.contains("<summary>Faster &lt;builds&gt; &amp; &quot;fewer&quot; bugs</summary>")
        );
        assert!(
            feed.contains("<updated>2026-03-01T08:00:00Z</updated>"),
            "{feed}"
        );
        let mut nothing = String::new();
        esc(&mut nothing, "");
        assert_eq!(nothing, "");
    }
}
