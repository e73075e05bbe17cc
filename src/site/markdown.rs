//! Record bodies to safe HTML. Bodies arrive through pull requests, so the
//! rendered Markdown goes through ammonia's allow-list: no script, no event
//! handlers, no `javascript:` URLs, no iframes, no inline styles.

use std::sync::OnceLock;

use pulldown_cmark::{Event, HeadingLevel, Options, Parser, Tag, TagEnd, html};

fn options() -> Options {
    Options::ENABLE_TABLES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_FOOTNOTES
}

fn cleaner() -> &'static ammonia::Builder<'static> {
    static CLEANER: OnceLock<ammonia::Builder<'static>> = OnceLock::new();
    CLEANER.get_or_init(|| {
        let mut b = ammonia::Builder::default();
        b.url_schemes(["http", "https", "mailto"].into_iter().collect())
            .link_rel(Some("noopener noreferrer nofollow"))
            .add_tag_attributes("input", ["type", "checked", "disabled"])
            .add_tags(["input"]);
        b
    })
}

/// Renders Markdown to sanitised HTML. Headings are shifted down by
/// `shift` levels so a body's `##` fits under the page's own headings.
pub fn render(source: &str, shift: u8) -> String {
    if too_deep(source) {
        // Deep nesting costs Markdown and HTML parsers far more than its size:
        // show such a body as plain text rather than let it stall a build.
        return format!("<pre>{}</pre>", crate::site::theme::escape(source));
    }
    let parser = Parser::new_ext(source, options()).map(|e| match e {
        Event::Start(Tag::Heading {
            level,
            id,
            classes,
            attrs,
        }) => Event::Start(Tag::Heading {
            level: lower(level, shift),
            id,
            classes,
            attrs,
        }),
        Event::End(TagEnd::Heading(level)) => Event::End(TagEnd::Heading(lower(level, shift))),
        other => other,
    });
    let mut out = String::new();
    html::push_html(&mut out, parser);
    sanitize(&out)
}

/// Whether a body nests deeper than any real record does (lists, quotes, tags).
fn too_deep(source: &str) -> bool {
    const MAX_PREFIX: usize = 200;
    const MAX_TAGS: usize = 2_000;
    let deep_line = source.lines().any(|l| {
        l.bytes()
            .take_while(|b| matches!(b, b' ' | b'\t' | b'>' | b'-' | b'*' | b'+'))
            .count()
            > MAX_PREFIX
    });
    deep_line || source.matches('<').count() > MAX_TAGS || source.matches('[').count() > MAX_TAGS
}

/// Cleans HTML through the allow-list.
pub fn sanitize(html: &str) -> String {
    cleaner().clean(html).to_string()
}

fn lower(level: HeadingLevel, shift: u8) -> HeadingLevel {
    let n = (level as u8 + shift).min(6);
    HeadingLevel::try_from(n as usize).unwrap_or(HeadingLevel::H6)
}

/// Splits a body into its H2 sections: `(heading, markdown)` in source
/// order, with the text before the first H2 under an empty heading.
pub fn sections(source: &str) -> Vec<(String, String)> {
    let mut cuts: Vec<(usize, usize, String)> = Vec::new(); // (start, body start, title)
    let mut current: Option<(usize, String)> = None;
    for (event, range) in Parser::new_ext(source, options()).into_offset_iter() {
        match event {
            Event::Start(Tag::Heading {
                level: HeadingLevel::H2,
                ..
            }) => current = Some((range.start, String::new())),
            Event::Text(t) | Event::Code(t) => {
                if let Some((_, title)) = current.as_mut() {
                    title.push_str(&t);
                }
            }
            Event::End(TagEnd::Heading(HeadingLevel::H2)) => {
                if let Some((start, title)) = current.take() {
                    cuts.push((start, range.end, title.trim().to_string()));
                }
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    let first = cuts.first().map_or(source.len(), |c| c.0);
    if !source[..first].trim().is_empty() {
        out.push((String::new(), source[..first].to_string()));
    }
    for (i, (_, body_start, title)) in cuts.iter().enumerate() {
        let end = cuts.get(i + 1).map_or(source.len(), |c| c.0);
        out.push((title.clone(), source[*body_start..end].to_string()));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scripts_and_handlers_are_removed() {
        let html = render(
            "hi <script>alert(1)</script> <img src=x onerror=alert(1)> [x](javascript:alert(1))",
            0,
        );
        assert!(!html.contains("<script"), "{html}");
        assert!(!html.contains("onerror"), "{html}");
        assert!(!html.contains("javascript:"), "{html}");
    }

    #[test]
    fn deep_nesting_is_shown_as_text() {
        let html = render(&("- ".repeat(5_000) + "item"), 0);
        assert!(html.starts_with("<pre>"));
        assert!(render(&"<div>".repeat(10_000), 0).starts_with("<pre>&lt;div&gt;"));
    }

    #[test]
    fn headings_shift_and_sections_split() {
        assert!(render("## A", 1).contains("<h3>A</h3>"));
        let s = sections("intro\n\n## Summary\n\nS.\n\n## Known issues\n\nNone.\n");
        let titles: Vec<&str> = s.iter().map(|(t, _)| t.as_str()).collect();
        assert_eq!(titles, ["", "Summary", "Known issues"]);
        assert_eq!(s[1].1.trim(), "S.");
    }
}
