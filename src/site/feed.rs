//! feed.xml: an Atom feed with an entry per release and one per incident
//! update (declaration, alert, each update, resolution).

use crate::site::view::{IncidentCtx, ReleaseHead};

pub struct Entry {
    pub id: String,
    pub title: String,
    pub link: String,
    pub updated: String,
    pub summary: String,
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A release as its feed entry needs it.
pub struct ReleaseItem<'a> {
    pub head: &'a ReleaseHead,
    /// The first release-notes section, as HTML (empty without notes).
    pub notes_html: String,
    /// RFC 3339; empty when nothing is signed yet.
    pub updated: String,
}

/// Entries for releases and incidents, newest first. `updated` values are RFC 3339.
pub fn entries(
    base: &str,
    releases: &[ReleaseItem],
    incidents: &[IncidentCtx],
    fallback: &str,
) -> Vec<Entry> {
    let mut out = Vec::new();
    for item in releases {
        let (r, updated) = (item.head, &item.updated);
        out.push(Entry {
            id: format!("{base}releases/{}/", r.version),
            title: format!("Release {}: {} ({})", r.version, r.title, r.state_label),
            link: format!("{base}releases/{}/", r.version),
            updated: if updated.is_empty() {
                fallback.to_string()
            } else {
                updated.clone()
            },
            summary: strip_tags(&item.notes_html),
        });
    }
    for i in incidents {
        for (n, e) in i.timeline.iter().enumerate() {
            out.push(Entry {
                id: format!("{base}incidents/{}/#event-{}", i.id, n + 1),
                title: format!("{}: {}", i.title, e.title),
                link: format!("{base}incidents/{}/#event-{}", i.id, n + 1),
                updated: e.at_iso.clone(),
                summary: e.text.clone(),
            });
        }
    }
    out.sort_by(|a, b| b.updated.cmp(&a.updated));
    out
}

/// The feed document.
pub fn render(title: &str, base: &str, entries: &[Entry], fallback: &str) -> String {
    let updated = entries
        .iter()
        .map(|e| e.updated.as_str())
        .max()
        .unwrap_or(fallback);
    let mut s = String::from(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\">\n",
    );
    s += &format!(
        "  <title>{}</title>\n  <id>{}</id>\n  <updated>{}</updated>\n",
        esc(title),
        esc(base),
        utc(updated)
    );
    s += &format!(
        "  <link rel=\"alternate\" type=\"text/html\" href=\"{}\"/>\n",
        esc(base)
    );
    s += &format!(
        "  <link rel=\"self\" type=\"application/atom+xml\" href=\"{}feed.xml\"/>\n",
        esc(base)
    );
    s += &format!("  <author><name>{}</name></author>\n", esc(title));
    for e in entries {
        s += "  <entry>\n";
        s += &format!(
            "    <title>{}</title>\n    <id>{}</id>\n",
            esc(&e.title),
            esc(&e.id)
        );
        s += &format!(
            "    <link rel=\"alternate\" type=\"text/html\" href=\"{}\"/>\n",
            esc(&e.link)
        );
        s += &format!("    <updated>{}</updated>\n", utc(&e.updated));
        if !e.summary.is_empty() {
            s += &format!("    <summary>{}</summary>\n", esc(e.summary.trim()));
        }
        s += "  </entry>\n";
    }
    s += "</feed>\n";
    s
}

/// RFC 3339 in UTC with an uppercase `Z`.
fn utc(t: &str) -> String {
    chrono::DateTime::parse_from_rfc3339(t)
        .map(|d| {
            d.with_timezone(&chrono::Utc)
                .format("%Y-%m-%dT%H:%M:%SZ")
                .to_string()
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
