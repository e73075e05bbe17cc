//! feed.xml: an Atom feed of the latest updates, an entry per release and
//! one per incident update (declaration, alert, each update, resolution).

use crate::site::theme::escape_into as esc;
use crate::site::view::{IncidentCtx, ReleaseHead};

pub struct Entry {
    pub id: String,
    pub title: String,
    pub link: String,
    pub updated: String,
    pub summary: String,
}

/// How many updates the feed holds: the latest, as most feed generators
/// keep by default (readers fetch a feed again and again, and a feed of
/// every release ever would grow without end). Every release and incident
/// stays on its page and in status.json.
pub const LIMIT: usize = 50;

/// A release as its feed entry needs it.
pub struct ReleaseItem<'a> {
    pub head: &'a ReleaseHead,
    /// RFC 3339; empty when nothing is signed yet.
    pub updated: String,
}

/// What a feed entry is.
enum Update {
    /// The release at this index.
    Release(usize),
    /// An incident's event: the indexes of each.
    Event(usize, usize),
}

/// Entries for the latest [`LIMIT`] updates of releases and incidents,
/// newest first; updates of the same time keep their order (releases as
/// given, then each incident's events). `updated` values are RFC 3339
/// (`fallback` for a release with none). `notes(i)` is release `i`'s
/// first release-notes section as HTML, asked of the releases in the
/// feed only.
pub fn entries(
    base: &str,
    releases: &[ReleaseItem],
    incidents: &[IncidentCtx],
    fallback: &str,
    notes: impl Fn(usize) -> String,
) -> Vec<Entry> {
    let mut latest: Vec<(&str, Update)> = releases
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let updated = if r.updated.is_empty() {
                fallback
            } else {
                &r.updated
            };
            (updated, Update::Release(i))
        })
        .collect();
    latest.extend(incidents.iter().enumerate().flat_map(|(i, incident)| {
        (incident.timeline.iter().enumerate())
            .map(move |(j, e)| (e.at_iso.as_str(), Update::Event(i, j)))
    }));
    // Stable: the order above is kept among equal times.
    latest.sort_by(|a, b| b.0.cmp(a.0));
    latest.truncate(LIMIT);
    latest
        .into_iter()
        .map(|(updated, update)| {
            let (link, title, summary) = match update {
                Update::Release(i) => {
                    let r = releases[i].head;
                    (
                        format!("{base}releases/{}/", r.version),
                        format!("Release {}: {} ({})", r.version, r.title, r.state_label),
                        strip_tags(&notes(i)),
                    )
                }
                Update::Event(i, j) => {
                    let (incident, e) = (&incidents[i], &incidents[i].timeline[j]);
                    (
                        format!("{base}incidents/{}/#event-{}", incident.id, e.id),
                        format!("{}: {}", incident.title, e.title),
                        e.text.clone(),
                    )
                }
            };
            Entry {
                id: link.clone(),
                title,
                link,
                updated: updated.to_string(),
                summary,
            }
        })
        .collect()
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
    for e in entries {
        entry(&mut s, e);
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

    fn head(version: String) -> ReleaseHead {
        ReleaseHead {
            version,
            kind: "minor".into(),
            title: "T".into(),
            date: None,
            state: "deployed",
            state_label: "Deployed",
            window_start: None,
            window_end: None,
            window_start_iso: None,
            components: vec![],
            approved: 5,
            incidents: vec![],
            fixes: None,
            blockers: vec![],
            in_flight: false,
            upcoming: false,
        }
    }

    #[test]
    fn the_feed_holds_the_latest_updates_and_asks_notes_of_those_only() {
        // 70 releases: one a day, every tenth unsigned (the fallback time,
        // after all the others), and two on the same day as their neighbour.
        let heads: Vec<ReleaseHead> = (0..70).map(|i| head(format!("1.{i}.0"))).collect();
        let items: Vec<ReleaseItem> = heads
            .iter()
            .enumerate()
            .map(|(i, head)| ReleaseItem {
                head,
                updated: match i {
                    _ if i % 10 == 9 => String::new(),
                    31 | 32 => "2026-02-01T00:00:00Z".into(),
                    _ => format!("2026-{:02}-{:02}T00:00:00Z", 1 + i / 28, 1 + i % 28),
                },
            })
            .collect();
        let asked = std::cell::RefCell::new(Vec::new());
        let entries = entries(
            "https://x.example/",
            &items,
            &[],
            "2027-01-01T00:00:00Z",
            |i| {
                asked.borrow_mut().push(i);
                format!("<p>notes of {i}</p>")
            },
        );
        assert_eq!(entries.len(), LIMIT);
        let versions: Vec<&str> = entries
            .iter()
            .map(|e| {
                e.id.trim_start_matches("https://x.example/releases/")
                    .trim_end_matches('/')
            })
            .collect();
        // The unsigned ones first (the fallback time, in their order), then newest first.
        assert_eq!(
            &versions[..7],
            [
                "1.9.0", "1.19.0", "1.29.0", "1.39.0", "1.49.0", "1.59.0", "1.69.0"
            ]
        );
        assert_eq!(&versions[7..10], ["1.68.0", "1.67.0", "1.66.0"]);
        // Of two updates at the same time, the one listed first stays first.
        let at = |v: &str| versions.iter().position(|x| *x == v).unwrap();
        assert_eq!(at("1.31.0") + 1, at("1.32.0"));
        assert!(!versions.contains(&"1.0.0"), "the oldest are left out");
        // Notes are made for the releases in the feed, once each, and no other.
        let in_feed: Vec<String> = versions.iter().map(|v| v.to_string()).collect();
        let asked: Vec<String> = asked
            .into_inner()
            .iter()
            .map(|i| format!("1.{i}.0"))
            .collect();
        assert_eq!(asked, in_feed);
        assert!(entries.iter().all(|e| e.summary.starts_with("notes of ")));
    }
}
