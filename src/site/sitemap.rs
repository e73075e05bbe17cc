//! sitemap.xml: every page's absolute URL.

pub fn render(urls: &[(String, Option<String>)]) -> String {
    let mut s = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n",
    );
    for (loc, lastmod) in urls {
        s += &format!(
            "  <url><loc>{}</loc>",
            loc.replace('&', "&amp;").replace('<', "&lt;")
        );
        if let Some(m) = lastmod {
            s += &format!("<lastmod>{m}</lastmod>");
        }
        s += "</url>\n";
    }
    s += "</urlset>\n";
    s
}
