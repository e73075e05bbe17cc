//! Splitting a record into YAML front matter and Markdown body, and finding
//! where in the *file* a YAML key sits, so findings can point at a line.

use std::borrow::Cow;

use bytestring::ByteString;

/// A record file split at its `---` fences. Lines are 1-based file lines.
///
/// The parts share one buffer (`ByteString` is a UTF-8 view of reference-
/// counted bytes): a text kept in the texts cache is not copied to make
/// its document, nor to split it, nor to clone it.
#[derive(Clone, Debug)]
pub struct Document {
    /// The whole file, with a BOM removed and CRLF folded to LF.
    pub text: ByteString,
    /// The YAML between the fences.
    pub front: ByteString,
    /// File line of the first YAML line.
    pub front_line: usize,
    /// The Markdown after the closing fence.
    pub body: ByteString,
    /// File line of the first body line.
    pub body_line: usize,
    /// The git blob id of `text`, once asked for (kept with the document,
    /// so a record reused between checks is hashed once).
    pub blob: std::sync::OnceLock<git2::Oid>,
}

/// Why a file could not be split.
#[derive(Debug, PartialEq)]
pub struct SplitError {
    pub line: usize,
    pub message: String,
    pub help: String,
}

/// Normalises text as every reader of records sees it: no BOM, LF line ends.
pub fn normalise(raw: &str) -> Cow<'_, str> {
    let text = raw.strip_prefix('\u{feff}').unwrap_or(raw);
    if memchr::memmem::find(text.as_bytes(), b"\r\n").is_some() {
        Cow::Owned(text.replace("\r\n", "\n"))
    } else {
        Cow::Borrowed(text)
    }
}

/// [`normalise`] of a shared text: the same buffer when it is already normal.
fn normalised(raw: ByteString) -> ByteString {
    match normalise(&raw) {
        Cow::Borrowed(text) => raw.slice_ref(text),
        Cow::Owned(text) => ByteString::from(text),
    }
}

/// Splits a Markdown record into front matter and body.
pub fn split(raw: impl Into<ByteString>) -> Result<Document, SplitError> {
    let text = normalised(raw.into());
    let mut lines = text.split_inclusive('\n');
    let first = lines.next().unwrap_or("");
    if first.trim_end() != "---" {
        return Err(SplitError {
            line: 1,
            message: "the file does not start with YAML front matter".into(),
            help: "begin the file with a line `---`, the YAML fields, and another `---`".into(),
        });
    }
    let start = first.len();
    let mut offset = start;
    let mut close = None;
    for (i, line) in lines.enumerate() {
        let t = line.trim_end();
        if t == "---" || t == "..." {
            close = Some((i, line.len()));
            break;
        }
        offset += line.len();
    }
    let Some((i, fence)) = close else {
        return Err(SplitError {
            line: 1,
            message: "the front matter opened on line 1 is never closed".into(),
            help: "end the YAML fields with a line `---`".into(),
        });
    };
    Ok(Document {
        front: text.slice_ref(&text[start..offset]),
        front_line: 2,
        body: text.slice_ref(&text[offset + fence..]),
        body_line: i + 3,
        text,
        blob: Default::default(),
    })
}

/// A plain YAML file seen as a document with front matter only.
pub fn whole_yaml(raw: impl Into<ByteString>) -> Document {
    let text = normalised(raw.into());
    Document {
        front: text.clone(),
        front_line: 1,
        body: ByteString::new(),
        body_line: 0,
        text,
        blob: Default::default(),
    }
}

impl Document {
    /// The id git gives a blob holding `text`.
    pub fn blob_id(&self) -> git2::Oid {
        *self
            .blob
            .get_or_init(|| crate::digest::blob_id(self.text.as_bytes()))
    }

    /// The file line (1-based) of a key path such as `["deploy_window", "start"]`
    /// or `["checklist", "ci-passing"]`; the line of the deepest key found.
    pub fn line_of(&self, path: &[&str]) -> usize {
        locate(&self.front, path).map_or(self.front_line.saturating_sub(1).max(1), |(l, _)| {
            l + self.front_line - 1
        })
    }

    /// The text of a 1-based file line, for quoting in messages.
    pub fn line_text(&self, line: usize) -> Option<&str> {
        self.text.lines().nth(line.checked_sub(1)?)
    }
}

/// Finds a key path in YAML text by indentation and flow syntax; returns
/// the 1-based line and column of the deepest key found. A heuristic that
/// only serves to point at lines: the YAML itself is parsed by serde_yaml.
pub fn locate(yaml: &str, path: &[&str]) -> Option<(usize, usize)> {
    let lines: Vec<&str> = yaml.lines().collect();
    let mut from = 0usize;
    let mut min_indent: Option<usize> = None;
    let mut col_from = 0usize;
    let mut found = None;
    for key in path {
        let mut hit = None;
        for (i, line) in lines.iter().enumerate().skip(from) {
            let indent = line.len() - line.trim_start().len();
            if i > from
                && !line.trim().is_empty()
                && !line.trim_start().starts_with('#')
                && let Some(m) = min_indent
                && indent <= m
                && !line.trim_start().starts_with('-')
            {
                break;
            }
            let start = if i == from { col_from } else { 0 };
            match find_key(line, key, start) {
                // top-level keys start at column 0
                Some(c) if found.is_some() || c == 0 => {
                    hit = Some((i, c));
                    break;
                }
                _ => {}
            }
        }
        let (i, c) = hit?;
        found = Some((i + 1, c + 1));
        min_indent = Some(lines[i].len() - lines[i].trim_start().len());
        from = i;
        col_from = c + key.len();
    }
    found
}

/// Column of `key:` in `line` at or after `start`, as a whole word.
fn find_key(line: &str, key: &str, start: usize) -> Option<usize> {
    if key.is_empty() {
        return None; // an empty key matches everywhere and nowhere
    }
    let bytes = line.as_bytes();
    let mut search = start.min(line.len());
    while let Some(pos) = line.get(search..)?.find(key) {
        let at = search + pos;
        let before_ok =
            at == 0 || matches!(bytes[at - 1], b' ' | b'{' | b',' | b'-' | b'"' | b'\'');
        let rest = line[at + key.len()..].trim_start_matches(['"', '\'']);
        if before_ok && rest.trim_start().starts_with(':') {
            return Some(at);
        }
        search = at + key.len();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_and_counts_lines() {
        let d = split("\u{feff}---\r\na: 1\r\nb: 2\r\n---\r\n# Body\r\n").unwrap();
        assert_eq!(d.front, "a: 1\nb: 2\n");
        assert_eq!(d.body, "# Body\n");
        assert_eq!(d.body_line, 5);
        assert_eq!(d.line_of(&["b"]), 3);
    }

    #[test]
    fn a_normal_text_is_split_without_copies() {
        let raw = ByteString::from("---\na: 1\n---\n# Body\n".to_string());
        let d = split(raw.clone()).unwrap();
        let inside = |part: &str| {
            let (start, end) = (raw.as_ptr() as usize, raw.as_ptr() as usize + raw.len());
            (start..=end).contains(&(part.as_ptr() as usize))
        };
        assert_eq!(d.text.as_ptr(), raw.as_ptr());
        assert!(inside(&d.front) && inside(&d.body));
        assert_eq!((&*d.front, &*d.body), ("a: 1\n", "# Body\n"));
        // A BOM is cut off the same buffer.
        let bom = ByteString::from("\u{feff}---\na: 1\n---\n".to_string());
        assert_eq!(split(bom.clone()).unwrap().text.as_ptr(), bom[3..].as_ptr());
    }

    #[test]
    fn missing_fences() {
        assert_eq!(split("a: 1\n").unwrap_err().line, 1);
        assert!(
            split("---\na: 1\n")
                .unwrap_err()
                .message
                .contains("never closed")
        );
    }

    #[test]
    fn locates_nested_and_flow_keys() {
        let y = "title: x\ndeploy_window: {start: 1, end: 2}\nchecklist:\n  ci-passing: true\n  features-merged: false\nend: 3\n";
        assert_eq!(locate(y, &["deploy_window", "end"]), Some((2, 27)));
        assert_eq!(locate(y, &["checklist", "features-merged"]), Some((5, 3)));
        assert_eq!(locate(y, &["end"]), Some((6, 1)));
        assert_eq!(locate(y, &["checklist", "missing"]), None);
        // An empty key (YAML allows `"": x`) must not loop forever.
        assert_eq!(locate("a: 1\n", &[""]), None);
        assert_eq!(locate("a: 1\n", &["a", ""]), None);
        // `at:` must not match inside `sent_at:`
        assert_eq!(locate("sent_at: 1\nat: 2\n", &["at"]), Some((2, 1)));
    }
}
