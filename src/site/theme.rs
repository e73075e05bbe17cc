//! The theme: tera templates and static files. The built-in theme
//! (`themes/default/`) is embedded in the binary; `theme: NAME` in site.yaml
//! selects `themes/NAME/` in the project, whose files override the built-in
//! files of the same name.

use std::path::Path;

use include_dir::{Dir, include_dir};
use tera::Tera;
use walkdir::WalkDir;

use crate::content::load::read_text;
use crate::error::Fatal;

static BUILTIN: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/themes/default");

/// Compiled templates and the static files to copy.
pub struct Theme {
    pub tera: Tera,
    /// What the templates render with: their names and sources, and this
    /// build of baton (whose filters and escaping they use).
    pub id: git2::Oid,
    /// The templates make pages from their context alone: they do not read
    /// the environment (tera's `get_env`), so equal contexts make equal pages.
    pub pure: bool,
    /// Static files: path relative to the site root, and bytes.
    pub statics: Vec<(String, Vec<u8>)>,
}

/// Loads the built-in theme, overridden file by file by `root/themes/<name>/`.
pub fn load(root: &Path, name: Option<&str>) -> Result<Theme, Fatal> {
    let mut templates: Vec<(String, String)> = Vec::new();
    let mut statics: Vec<(String, Vec<u8>)> = Vec::new();
    for file in files(&BUILTIN) {
        let path = file.path().to_string_lossy().replace('\\', "/");
        if let Some(t) = path.strip_prefix("templates/") {
            let text = file
                .contents_utf8()
                .expect("built-in templates are UTF-8")
                .to_string();
            templates.push((t.to_string(), text));
        } else if let Some(s) = path.strip_prefix("static/") {
            statics.push((s.to_string(), file.contents().to_vec()));
        }
    }
    if let Some(name) = name {
        if name.is_empty()
            || !name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        {
            return Err(Fatal::new(format!(
                "site.yaml selects theme `{name}`, which is not a theme name"
            ))
            .help("name a folder under themes/ with letters, digits, `-` or `_`"));
        }
        let dir = root.join("themes").join(name);
        if dir
            .symlink_metadata()
            .is_ok_and(|m| m.file_type().is_symlink())
        {
            return Err(Fatal::new(format!(
                "themes/{name} is a symlink; baton does not follow symlinks"
            ))
            .help("put the theme's files in the folder itself"));
        }
        if !dir.is_dir() {
            return Err(Fatal::new(format!("site.yaml selects theme `{name}`, but themes/{name}/ does not exist"))
                .help("create the folder with the templates to override, or remove `theme:` from site.yaml"));
        }
        for entry in WalkDir::new(&dir)
            .follow_links(false)
            .into_iter()
            .filter_map(Result::ok)
        {
            if !entry.file_type().is_file() {
                continue;
            }
            let rel = crate::content::load::rel(&dir, entry.path());
            if let Some(t) = rel.strip_prefix("templates/") {
                let text = read_text(entry.path())
                    .map_err(|why| Fatal::new(format!("themes/{name}/{rel}: {why}")))?;
                templates.retain(|(n, _)| n != t);
                templates.push((t.to_string(), text));
            } else if let Some(s) = rel.strip_prefix("static/") {
                let bytes = std::fs::read(entry.path())
                    .map_err(|e| Fatal::new(format!("themes/{name}/{rel}: {e}")))?;
                statics.retain(|(n, _)| n != s);
                statics.push((s.to_string(), bytes));
            }
        }
    }
    templates.sort();
    let pure = !templates.iter().any(|(_, text)| text.contains("get_env"));
    // A rebuilt or upgraded baton never trusts pages an older one made.
    let mut all = format!("{}\n", crate::digest::this_baton()).into_bytes();
    for (name, text) in &templates {
        for part in [name, text] {
            all.extend_from_slice(&part.len().to_le_bytes());
            all.extend_from_slice(part.as_bytes());
        }
    }
    let id = git2::Oid::hash_object(git2::ObjectType::Blob, &all).expect("hashing bytes in memory");
    let mut tera = Tera::default();
    tera.set_escape_fn(escape);
    tera.add_raw_templates(templates)
        .map_err(|e| template_error(&e))?;
    Ok(Theme {
        tera,
        id,
        pure,
        statics,
    })
}

/// What tells whether a theme's files changed: each file's path, size,
/// modification and status-change times and inode. `None` when that cannot
/// be told for sure (a file unreadable, or changed in the last two seconds,
/// when a second write could keep its time); the built-in theme alone is
/// an empty list.
pub fn fingerprint(
    root: &Path,
    name: Option<&str>,
) -> Option<Vec<(String, crate::content::texts::Stamp)>> {
    let Some(name) = name else {
        return Some(Vec::new());
    };
    let dir = root.join("themes").join(name);
    let mut out = Vec::new();
    for entry in WalkDir::new(&dir).follow_links(false).sort_by_file_name() {
        let entry = entry.ok()?;
        let meta = entry.metadata().ok()?;
        if !crate::content::texts::settled(&meta) {
            return None;
        }
        let stamp = crate::content::texts::stamp(&meta)?;
        out.push((crate::content::load::rel(&dir, entry.path()), stamp));
    }
    Some(out)
}

/// HTML escaping for text and attribute values (tera's default also escapes `/`).
pub fn escape(s: &str) -> String {
    let mut out = String::new();
    escape_into(&mut out, s);
    out
}

/// [`escape`], appended to `out`. Also right for XML (the feed, the
/// sitemap): `&#39;` is a character reference every XML reader knows.
pub fn escape_into(out: &mut String, s: &str) {
    let special = |b: u8| matches!(b, b'&' | b'<' | b'>' | b'"' | b'\'');
    // Most values have nothing to escape: copy them whole.
    let Some(first) = s.bytes().position(special) else {
        out.push_str(s);
        return;
    };
    out.reserve(s.len() + 16);
    out.push_str(&s[..first]);
    for c in s[first..].chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
}

fn files<'a>(dir: &'a Dir<'a>) -> Vec<&'a include_dir::File<'a>> {
    let mut out: Vec<&include_dir::File> = dir.files().collect();
    for d in dir.dirs() {
        out.extend(files(d));
    }
    out
}

/// A tera error with its whole chain (template name, line and cause).
pub fn template_error(e: &tera::Error) -> Fatal {
    let mut msg = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        msg.push_str(&format!("\n  caused by: {s}"));
        source = s.source();
    }
    Fatal::new(format!("the theme cannot be rendered: {msg}"))
        .help("fix the template named above; the previous site was left as it was")
}
