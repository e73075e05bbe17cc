//! Answering HTTP requests from the in-memory site. Paths are looked up in
//! the site's file map, so no request can reach a file outside the site.

use std::io::Write;
use std::sync::{Arc, mpsc};
use std::time::Duration;

use tiny_http::{Header, Request, Response};

use crate::serve::Shared;
use crate::site::theme::escape;

const LIVE_JS: &str = include_str!("live.js");

pub fn handle(request: Request, shared: &Shared) {
    let raw = request
        .url()
        .split(['?', '#'])
        .next()
        .unwrap_or("/")
        .to_string();
    match raw.as_str() {
        "/__baton/events" => return events(request, shared),
        "/__baton/live.js" => {
            let _ = request.respond(
                Response::from_string(LIVE_JS)
                    .with_header(header("Content-Type", "text/javascript; charset=utf-8")),
            );
            return;
        }
        "/__baton/status" => {
            let site = shared.site.read().expect("site lock");
            let body =
                serde_json::json!({"version": site.version, "problem": site.problem}).to_string();
            let _ = request.respond(
                Response::from_string(body).with_header(header("Content-Type", "application/json")),
            );
            return;
        }
        _ => {}
    }
    let Some(path) = normalise(&raw) else {
        let _ = request.respond(Response::from_string("bad request").with_status_code(400));
        return;
    };
    let site = shared.site.read().expect("site lock");
    let (status, key) = if site.paths.contains(&path) {
        (200, path)
    } else if site.paths.contains(&format!("{path}/index.html")) {
        drop(site);
        // Built from the cleaned path, never from the raw request (`//host` would leave the site).
        let location = format!("/{}", path.trim_end_matches("index.html"));
        let location: String = format!("{}/", location.trim_end_matches('/'))
            .bytes()
            .map(|b| {
                if b.is_ascii_graphic() {
                    (b as char).to_string()
                } else {
                    format!("%{b:02X}")
                }
            })
            .collect();
        let _ = request.respond(Response::empty(301).with_header(header("Location", &location)));
        return;
    } else {
        (404, "404.html".to_string())
    };
    // No lock is held while rendering or while taking the lock again.
    let cached = site.files.get(&key).cloned();
    let listed = site.paths.contains(&key);
    drop(site);
    let found = match cached {
        Some(bytes) => Some(bytes),
        None if listed => render(shared, &key),
        None => None,
    };
    let site = shared.site.read().expect("site lock");
    let Some(bytes) = found else {
        let body = site
            .problem
            .as_deref()
            .map(|p| format!("build problem:\n{p}"))
            .unwrap_or_else(|| "not found".into());
        let _ = request.respond(
            Response::from_string(body).with_status_code(if site.problem.is_some() {
                500
            } else {
                404
            }),
        );
        return;
    };
    let problem = site.problem.clone();
    drop(site);
    let mime = mime(&key);
    let body = if mime.starts_with("text/html") {
        inject(&bytes, problem.as_deref())
    } else {
        bytes.to_vec()
    };
    let _ = request.respond(
        Response::from_data(body)
            .with_status_code(status)
            .with_header(header("Content-Type", mime))
            .with_header(header("Cache-Control", "no-store")),
    );
}

/// Renders a file not rendered since the last rebuild: an HTML page alone,
/// anything else (the feed, the sitemap, status.json) with the whole site
/// (kept for later requests). Results of a rebuild that has since been
/// replaced are not kept.
fn render(shared: &Shared, key: &str) -> Option<Arc<Vec<u8>>> {
    // A rebuild may land while rendering: render again from the newer check
    // (a few times at most), so a reloaded page never shows the old one.
    // While records keep changing faster than the whole site renders, the
    // last attempt is answered as rendered, one rebuild behind, rather
    // than not at all.
    const ATTEMPTS: usize = 3;
    for attempt in 1..=ATTEMPTS {
        let (version, checked, theme, url) = {
            let site = shared.site.read().expect("site lock");
            let (checked, theme, url) = site.source.clone()?;
            (site.version, checked, theme, url)
        };
        let rendered = match crate::site::render_page(&checked, &theme, Some(&url), key) {
            Ok(Some(page)) => Ok(vec![(key.to_string(), page)]),
            Ok(None) => crate::site::render_site(&checked, &theme, Some(&url)),
            Err(e) => Err(e),
        };
        let mut site = shared.site.write().expect("site lock");
        let files = match rendered {
            Ok(files) => files,
            Err(e) => {
                // A template that fails only when rendered (an unknown
                // variable, a filter error) is a build problem too.
                if site.version == version {
                    site.problem = Some(e.to_string());
                }
                return None;
            }
        };
        let current = site.version == version;
        if !current && attempt < ATTEMPTS {
            continue;
        }
        let mut found = None;
        for (path, bytes) in files {
            let bytes = Arc::new(bytes);
            if path == key {
                found = Some(bytes.clone());
            }
            if current {
                site.files.entry(path).or_insert(bytes);
            }
        }
        return found;
    }
    None
}

/// `/releases/2.4.0/` → `releases/2.4.0/index.html`; `None` for paths that try to climb out.
fn normalise(raw: &str) -> Option<String> {
    let decoded = percent_decode(raw)?;
    let mut parts = Vec::new();
    for seg in decoded.split('/') {
        match seg {
            "" | "." => {}
            ".." => return None,
            s if s.contains('\\') || s.contains('\0') => return None,
            s => parts.push(s),
        }
    }
    let mut path = parts.join("/");
    if decoded.ends_with('/') || path.is_empty() {
        if !path.is_empty() {
            path.push('/');
        }
        path.push_str("index.html");
    }
    Some(path)
}

fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// Adds the live-reload script and, after a failed build, the problem overlay.
fn inject(html: &[u8], problem: Option<&str>) -> Vec<u8> {
    let mut page = String::from_utf8_lossy(html).to_string();
    if let Some(p) = problem {
        let overlay = format!(
            "<div id=\"baton-overlay\" role=\"alert\" style=\"position:fixed;inset:auto 0 0 0;max-height:60vh;overflow:auto;z-index:9999;background:#3c0d10;color:#fff;padding:1rem 1.5rem;font:14px/1.5 ui-monospace,monospace;white-space:pre-wrap;border-top:4px solid #ff9492\"><strong>baton: the last edit does not build; showing the last good site.</strong>\n{}</div>",
            escape(p)
        );
        if let Some(i) = page.find("<body>") {
            page.insert_str(i + "<body>".len(), &overlay);
        }
    }
    let script = "<script src=\"/__baton/live.js\"></script>";
    match page.rfind("</body>") {
        Some(i) => page.insert_str(i, script),
        None => page.push_str(script),
    }
    page.into_bytes()
}

/// A server-sent event stream: `reload` after every rebuild.
fn events(request: Request, shared: &Shared) {
    let (tx, rx) = mpsc::channel();
    shared.listeners.lock().expect("listeners lock").push(tx);
    let mut out = request.into_writer();
    let head = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-store\r\nConnection: keep-alive\r\n\r\nretry: 500\n\n";
    if out
        .write_all(head.as_bytes())
        .and_then(|()| out.flush())
        .is_err()
    {
        return;
    }
    loop {
        let msg = match rx.recv_timeout(Duration::from_secs(15)) {
            Ok(event) => format!("event: {event}\ndata: {event}\n\n"),
            Err(mpsc::RecvTimeoutError::Timeout) => ": keep-alive\n\n".to_string(),
            Err(mpsc::RecvTimeoutError::Disconnected) => return,
        };
        if out
            .write_all(msg.as_bytes())
            .and_then(|()| out.flush())
            .is_err()
        {
            return; // the page went away
        }
    }
}

fn header(k: &str, v: &str) -> Header {
    Header::from_bytes(k.as_bytes(), v.as_bytes()).expect("valid header")
}

fn mime(path: &str) -> &'static str {
    match path.rsplit('.').next().unwrap_or("") {
        "html" => "text/html; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "js" => "text/javascript; charset=utf-8",
        "json" => "application/json",
        "xml" => "application/xml",
        "txt" => "text/plain; charset=utf-8",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "woff2" => "font/woff2",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_cannot_climb_out() {
        assert_eq!(normalise("/").as_deref(), Some("index.html"));
        assert_eq!(
            normalise("/releases/2.4.0/").as_deref(),
            Some("releases/2.4.0/index.html")
        );
        assert_eq!(normalise("/style.css").as_deref(), Some("style.css"));
        assert_eq!(normalise("/../etc/passwd"), None);
        assert_eq!(normalise("/%2e%2e/secret"), None);
        assert_eq!(normalise("/a/..%2f..%2fb"), None);
        assert_eq!(normalise("/%zz"), None);
        assert_eq!(normalise("//releases").as_deref(), Some("releases"));
    }
}
