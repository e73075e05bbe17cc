//! sitemap.xml: every page's absolute URL.

pub fn render(urls: &[(String, Option<String>)]) -> String {
    let mut s = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n",
    );
    for (loc, lastmod) in urls {
        // The sitemap protocol asks for all five of & ' " > < escaped.
        s += "  <url><loc>";
        crate::site::theme::escape_into(&mut s, loc);
        s += "</loc>";
        if let Some(m) = lastmod {
            s += &format!("<lastmod>{m}</lastmod>");
        }
        s += "</url>\n";
    }
    s += "</urlset>\n";
    s
}

#[cfg(test)]
mod tests {
    #[test]
    fn locations_are_entity_escaped() {
        let xml = super::render(&[(
            "https://x.example/a?b=1&c='d'\"<e>".into(),
            Some("2026-01-01".into()),
        )]);
        assert!(xml.contains(
            "<url><loc>https://x.example/a?b=1&amp;c=&#39;d&#39;&quot;&lt;e&gt;</loc><lastmod>2026-01-01</lastmod></url>"
        ), "{xml}");
    }
}
