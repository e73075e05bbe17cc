//! Turning one file's text into a typed value, with findings for what is
//! wrong in it: YAML errors at their line and column *in the file*, unknown
//! fields (warnings, so `decison:` cannot pass silently) and timestamps
//! without an offset.

use serde::de::DeserializeOwned;

use bytestring::ByteString;

use crate::content::frontmatter::{self, Document};
use crate::finding::{Finding, Rule};
use crate::time::parse_timestamp;

/// Files larger than this are refused rather than parsed.
pub const MAX_FILE_BYTES: u64 = 1024 * 1024;

/// A parsed file: its text, and the typed value unless it failed to parse.
#[derive(Clone, Debug)]
pub struct Parsed<T> {
    /// Path relative to the project root, `/`-separated.
    pub path: String,
    pub doc: Document,
    pub data: Option<T>,
}

/// Parses a Markdown record (front matter + body).
pub fn record<T: DeserializeOwned>(path: &str, raw: &str, out: &mut Vec<Finding>) -> Parsed<T> {
    record_with(path, raw, &mut None, out)
}

/// [`record`], given the YAML value of its front matter when a cache knows
/// it (`front`, for exactly this text); `front` is then the value parsed,
/// or `None` when the front matter is not YAML.
pub fn record_with<T: DeserializeOwned>(
    path: &str,
    raw: impl Into<ByteString>,
    front: &mut Option<serde_yaml::Value>,
    out: &mut Vec<Finding>,
) -> Parsed<T> {
    let raw = raw.into();
    match frontmatter::split(raw.clone()) {
        Ok(doc) => typed(path, doc, front, out),
        Err(e) => {
            *front = None;
            out.push(Finding::new(Rule::ContentParse, path, e.line, e.message).help(e.help));
            Parsed {
                path: path.to_string(),
                doc: frontmatter::whole_yaml(raw),
                data: None,
            }
        }
    }
}

/// Parses a record whose front matter is optional (a plan in prose):
/// without fences the whole file is the body and the fields take defaults.
pub fn prose<T: DeserializeOwned + Default>(
    path: &str,
    raw: &str,
    out: &mut Vec<Finding>,
) -> Parsed<T> {
    prose_with(path, raw, &mut None, out)
}

/// [`prose`], with a front matter value as in [`record_with`].
pub fn prose_with<T: DeserializeOwned + Default>(
    path: &str,
    raw: impl Into<ByteString>,
    front: &mut Option<serde_yaml::Value>,
    out: &mut Vec<Finding>,
) -> Parsed<T> {
    let raw = raw.into();
    // What `normalise` would make of it, without copying a CRLF text.
    if raw
        .strip_prefix('\u{feff}')
        .unwrap_or(&raw)
        .starts_with("---")
    {
        return record_with(path, raw, front, out);
    }
    *front = None;
    let mut doc = frontmatter::whole_yaml(raw);
    (doc.front, doc.front_line) = (ByteString::new(), 1);
    (doc.body, doc.body_line) = (doc.text.clone(), 1);
    Parsed {
        path: path.to_string(),
        doc,
        data: Some(T::default()),
    }
}

/// A record file that could not be read at all (the reason is a finding already).
pub fn unreadable<T>(path: &str) -> Parsed<T> {
    Parsed {
        path: path.to_string(),
        doc: frontmatter::whole_yaml(""),
        data: None,
    }
}

/// Parses a plain YAML file (site.yaml, team.yaml).
pub fn yaml<T: DeserializeOwned>(path: &str, raw: &str, out: &mut Vec<Finding>) -> Parsed<T> {
    typed(path, frontmatter::whole_yaml(raw), &mut None, out)
}

fn typed<T: DeserializeOwned>(
    path: &str,
    doc: Document,
    front: &mut Option<serde_yaml::Value>,
    out: &mut Vec<Finding>,
) -> Parsed<T> {
    // One parse into a YAML value (or the one a cache kept for this very
    // text) serves the timestamp check and, nearly always, the typed
    // value; only when that fails is the text parsed again, for an error
    // that points into the file (or a value the typed parser reads
    // differently).
    let value = front
        .take()
        .or_else(|| serde_yaml::from_str::<serde_yaml::Value>(&doc.front).ok());
    let mut unknown = Vec::new();
    let fast = value
        .as_ref()
        .and_then(|v| serde_ignored::deserialize(v, |p| unknown.push(p.to_string())).ok());
    let data = match fast {
        Some(v) => Some(v),
        None => {
            unknown.clear();
            let result: Result<T, _> =
                serde_ignored::deserialize(serde_yaml::Deserializer::from_str(&doc.front), |p| {
                    unknown.push(p.to_string())
                });
            match result {
                Ok(v) => Some(v),
                Err(e) => {
                    out.push(yaml_error(path, &doc, &e));
                    None
                }
            }
        }
    };
    if data.is_some() {
        for field in unknown {
            let keys: Vec<&str> = field
                .split('.')
                .filter(|k| k.parse::<usize>().is_err() && *k != "?")
                .collect();
            out.push(
                Finding::new(Rule::ContentUnknownField, path, doc.line_of(&keys), format!("unknown field `{field}`"))
                    .help("check the spelling against the record format in the README (`baton schema KIND` prints every field)"),
            );
        }
        if let Some(v) = &value {
            check_timestamps(path, &doc, v, out);
        }
    }
    *front = value;
    Parsed {
        path: path.to_string(),
        doc,
        data,
    }
}

/// A YAML or type error as a `content.parse` finding at its file line.
fn yaml_error(path: &str, doc: &Document, e: &serde_yaml::Error) -> Finding {
    let text = e.to_string();
    let message = text.split(" at line ").next().unwrap_or(&text).to_string();
    let (line, column) = e.location().map_or((doc.front_line, 1), |l| {
        (l.line() + doc.front_line - 1, l.column())
    });
    let message = if message.contains("expected") || message.contains("missing field") {
        message
    } else {
        format!("{message} (column {column})")
    };
    Finding::new(Rule::ContentParse, path, line, message)
        .help("fix the YAML at this line; quote values that contain `: ` or start with a special character")
}

/// Every `*_at`, `at`, `start` and `end` value must be an RFC 3339 timestamp with an offset.
fn check_timestamps(path: &str, doc: &Document, value: &serde_yaml::Value, out: &mut Vec<Finding>) {
    let mut keys = Vec::new();
    walk(value, &mut keys, &mut |keys, raw| {
        if let Err(why) = parse_timestamp(raw) {
            let named: Vec<&str> = keys.iter().map(String::as_str).collect();
            out.push(
                Finding::new(
                    Rule::ContentBadTimestamp,
                    path,
                    doc.line_of(&named),
                    format!("`{}`: {why}", keys.join(".")),
                )
                .help("write timestamps as RFC 3339 with an offset, e.g. 2026-11-30T14:00:00Z"),
            );
        }
    });
}

fn walk(v: &serde_yaml::Value, keys: &mut Vec<String>, f: &mut dyn FnMut(&[String], &str)) {
    match v {
        serde_yaml::Value::Mapping(m) => {
            for (k, v) in m {
                let Some(k) = k.as_str() else { continue };
                keys.push(k.to_string());
                let is_time = k.ends_with("_at") || matches!(k, "at" | "start" | "end");
                match v {
                    serde_yaml::Value::String(s) if is_time => f(keys, s),
                    serde_yaml::Value::Number(n) if is_time => f(keys, &n.to_string()),
                    _ => walk(v, keys, f),
                }
                keys.pop();
            }
        }
        serde_yaml::Value::Sequence(items) => items.iter().for_each(|i| walk(i, keys, f)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::content::records::Signoff;

    #[test]
    fn typo_is_a_warning_and_missing_field_an_error() {
        let mut out = Vec::new();
        let p: Parsed<Signoff> = record("s.md", "---\ndecison: approve\n---\n", &mut out);
        assert!(p.data.is_none());
        assert_eq!(out[0].rule, Rule::ContentParse);
        assert!(
            out[0].message.contains("missing field `decision`"),
            "{}",
            out[0].message
        );

        let mut out = Vec::new();
        let p: Parsed<Signoff> = record(
            "s.md",
            "---\ndecision: approve\ndecison: x\n---\n",
            &mut out,
        );
        assert!(p.data.is_some());
        assert_eq!(out.len(), 1);
        assert_eq!((out[0].rule, out[0].line), (Rule::ContentUnknownField, 3));
    }

    #[test]
    fn yaml_error_has_file_line() {
        let mut out = Vec::new();
        let _: Parsed<Signoff> = record(
            "s.md",
            "---\ndecision: approve\nchecklist: {a: [}\n---\n",
            &mut out,
        );
        assert_eq!(
            (out[0].rule, out[0].line),
            (Rule::ContentParse, 3),
            "{:?}",
            out
        );
    }

    #[test]
    fn timestamps_need_offsets() {
        let mut out = Vec::new();
        let _: Parsed<crate::content::records::GoNoGo> = record(
            "g.md",
            "---\ndecision: go\nmeeting_at: 2026-11-29T10:00:00\n---\n",
            &mut out,
        );
        assert_eq!(
            (out[0].rule, out[0].line),
            (Rule::ContentBadTimestamp, 3),
            "{:?}",
            out
        );
    }
}
