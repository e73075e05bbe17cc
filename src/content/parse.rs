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

/// What is known of a record's front matter before it is parsed: its
/// YAML value, when a cache kept it for exactly this text.
#[derive(Debug, Default)]
pub enum Front {
    /// Not known (or, after parsing, not YAML).
    #[default]
    Unknown,
    Value(serde_yaml::Value),
    /// In the texts cache's binary form (see [`values`](super::values)).
    Kept(bytes::Bytes),
}

/// Parses a Markdown record (front matter + body).
pub fn record<T: DeserializeOwned + std::fmt::Debug>(
    path: &str,
    raw: &str,
    out: &mut Vec<Finding>,
) -> Parsed<T> {
    record_with(path, raw, &mut Front::Unknown, out)
}

/// [`record`], given what a cache knows of its front matter (`front`);
/// `front` is then the value parsed when the YAML was parsed or decoded
/// ([`Front::Unknown`] when it is not YAML; left as it was when the kept
/// form was read straight into the record).
pub fn record_with<T: DeserializeOwned + std::fmt::Debug>(
    path: &str,
    raw: impl Into<ByteString>,
    front: &mut Front,
    out: &mut Vec<Finding>,
) -> Parsed<T> {
    let raw = raw.into();
    match frontmatter::split(raw.clone()) {
        Ok(doc) => typed(path, doc, front, out),
        Err(e) => {
            *front = Front::Unknown;
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
pub fn prose<T: DeserializeOwned + Default + std::fmt::Debug>(
    path: &str,
    raw: &str,
    out: &mut Vec<Finding>,
) -> Parsed<T> {
    prose_with(path, raw, &mut Front::Unknown, out)
}

/// [`prose`], with a front matter value as in [`record_with`].
pub fn prose_with<T: DeserializeOwned + Default + std::fmt::Debug>(
    path: &str,
    raw: impl Into<ByteString>,
    front: &mut Front,
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
    *front = Front::Unknown;
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
pub fn yaml<T: DeserializeOwned + std::fmt::Debug>(
    path: &str,
    raw: &str,
    out: &mut Vec<Finding>,
) -> Parsed<T> {
    typed(path, frontmatter::whole_yaml(raw), &mut Front::Unknown, out)
}

fn typed<T: DeserializeOwned + std::fmt::Debug>(
    path: &str,
    doc: Document,
    front: &mut Front,
    out: &mut Vec<Finding>,
) -> Parsed<T> {
    // A value the cache kept is read straight into the record where it can
    // be (no YAML value made); else decoded.
    if let Front::Kept(form) = front {
        if let Some((data, found)) = from_form::<T>(path, &doc, form) {
            // In debug builds (the tests), the record and findings must be
            // what the decoded value gives.
            #[cfg(debug_assertions)]
            {
                let mut want = Vec::new();
                let decoded = typed::<T>(path, doc.clone(), &mut Front::Unknown, &mut want);
                assert_eq!(
                    (format!("{:?}", decoded.data), format!("{want:?}")),
                    (format!("{:?}", Some(&data)), format!("{found:?}")),
                    "{path}: the kept form reads differently from the YAML"
                );
            }
            out.extend(found);
            return Parsed {
                path: path.to_string(),
                doc,
                data: Some(data),
            };
        }
        *front = super::values::decode(form).map_or(Front::Unknown, Front::Value);
    }
    // One parse into a YAML value (or the one a cache kept for this very
    // text) serves the timestamp check and, nearly always, the typed
    // value; only when that fails is the text parsed again, for an error
    // that points into the file (or a value the typed parser reads
    // differently).
    let value = match std::mem::take(front) {
        Front::Value(v) => Some(v),
        _ => serde_yaml::from_str::<serde_yaml::Value>(&doc.front).ok(),
    };
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
        unknown_fields(path, &doc, unknown, out);
        if let Some(v) = &value {
            check_timestamps(path, &doc, v, out);
        }
    }
    *front = value.map_or(Front::Unknown, Front::Value);
    Parsed {
        path: path.to_string(),
        doc,
        data,
    }
}

/// The record and its findings from a front matter value in the texts
/// cache's form, when it can be read straight into `T` (see
/// [`values::typed`](super::values::typed)).
fn from_form<T: DeserializeOwned>(
    path: &str,
    doc: &Document,
    form: &[u8],
) -> Option<(T, Vec<Finding>)> {
    let mut unknown = Vec::new();
    let data = super::values::typed(form, |p| unknown.push(p.to_string()))?;
    let mut found = Vec::new();
    unknown_fields(path, doc, unknown, &mut found);
    // A number under a time key is told as serde_yaml prints it: that
    // needs the value.
    let mut numbers = false;
    super::values::keyed_scalars(form, &mut |keys, scalar| {
        let Some(last) = keys.last() else { return };
        if is_time(last) {
            match scalar {
                super::values::Scalar::Str(raw) => timestamp(path, doc, keys, raw, &mut found),
                super::values::Scalar::Number => numbers = true,
            }
        }
    })?;
    (!numbers).then_some((data, found))
}

/// A `content.unknown-field` warning for each field (a serde_ignored path) the record's type does not know.
fn unknown_fields(path: &str, doc: &Document, unknown: Vec<String>, out: &mut Vec<Finding>) {
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
}

/// Whether a key holds a timestamp.
fn is_time(key: &str) -> bool {
    key.ends_with("_at") || matches!(key, "at" | "start" | "end")
}

/// A `content.bad-timestamp` finding for `raw`, under `keys`, if it is not
/// an RFC 3339 timestamp with an offset.
fn timestamp<K: AsRef<str>>(
    path: &str,
    doc: &Document,
    keys: &[K],
    raw: &str,
    out: &mut Vec<Finding>,
) {
    if let Err(why) = parse_timestamp(raw) {
        let named: Vec<&str> = keys.iter().map(AsRef::as_ref).collect();
        out.push(
            Finding::new(
                Rule::ContentBadTimestamp,
                path,
                doc.line_of(&named),
                format!("`{}`: {why}", named.join(".")),
            )
            .help("write timestamps as RFC 3339 with an offset, e.g. 2026-11-30T14:00:00Z"),
        );
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
        timestamp(path, doc, keys, raw, out)
    });
}

fn walk(v: &serde_yaml::Value, keys: &mut Vec<String>, f: &mut dyn FnMut(&[String], &str)) {
    match v {
        serde_yaml::Value::Mapping(m) => {
            for (k, v) in m {
                let Some(k) = k.as_str() else { continue };
                keys.push(k.to_string());
                let is_time = is_time(k);
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

    /// A record read from its kept form is the record, with the findings,
    /// that parsing its text gives: for every kind of record, unknown
    /// fields (nested too), bad and good timestamps, numbers where text or
    /// times are wanted, nulls, tags, and values of the wrong kind (where
    /// the form cannot answer, the value is decoded instead, alike).
    #[test]
    fn kept_forms_read_as_the_text_parses() {
        use crate::content::records::{
            Deployment, GoNoGo, Incident, Postmortem, Release, RollbackPlan,
        };
        fn both<T: DeserializeOwned + std::fmt::Debug>(front: &str) {
            let text = format!("---\n{front}---\nBody\n");
            let mut parsed = Vec::new();
            let want: Parsed<T> = record("r.md", &text, &mut parsed);
            let mut form = Vec::new();
            if let Ok(v) = serde_yaml::from_str::<serde_yaml::Value>(front) {
                crate::content::values::encode(&v, &mut form);
            }
            let mut kept = Vec::new();
            let got: Parsed<T> = record_with(
                "r.md",
                text.as_str(),
                &mut Front::Kept(bytes::Bytes::from(form)),
                &mut kept,
            );
            assert_eq!(
                format!("{:?}", got.data),
                format!("{:?}", want.data),
                "{front}"
            );
            assert_eq!(format!("{kept:?}"), format!("{parsed:?}"), "{front}");
        }
        let signoffs = [
            "decision: approve\nchecklist: {tests: true, docs: 'n/a: none', x: false}\n",
            "decision: reject\nsigned_by: ana\n",
            "decision: approve\ndecison: x\nchecklist: {a: {b: 1}}\n",
            "decision: !approve x\n",
            "decision: [approve]\n",
            "decision: 1\n",
            "decision: approve\nchecklist: ~\n",
            "decision: approve\nchecklist: [1, 2]\n",
            "decision: approve\n1: x\n",
            "0: approve\n",
            "decision: approve\n2: yes\n",
            "decision: approve\nextra: {at: 5, when_at: not a time, list: [{end: 2026-01-01T00:00:00Z}]}\n",
            "decision: approve\nextra: {!x at: nope, !y end: 2026-01-01T00:00:00Z}\n",
            "decision: approve\nextra: {at: !x nope, 7: {end: nope}}\n",
            "{}\n",
            "~\n",
        ];
        for f in signoffs {
            both::<Signoff>(f);
        }
        for f in [
            "decision: go\nmeeting_at: 2026-11-29T10:00:00Z\nattendees: [a, b]\n",
            "decision: no-go\nmeeting_at: 2026-11-29T10:00:00\n",
            "decision: go\nmeeting_at: 20261129\n",
            "decision: go\nmeeting_at: 1.5\n",
            "decision: go\nmeeting_at: ~\nattendees: ~\n",
        ] {
            both::<GoNoGo>(f);
        }
        for f in [
            "version: 2.4\ntype: minor\ndeploy_window: {start: 2026-11-30T14:00:00Z, end: tomorrow}\nrequirements: {a: true, b: 'https://x', c: 3}\ncomponents: [api]\n",
            "version: 2.4.0\ntype: patch\ndate: 2026-11-30\nincident: 2026-11-01-x\n",
            "version: 2.4.0\ntype: patch\ndate: not a date\n",
            "version: [2]\ntype: patch\n",
            "version: 18446744073709551615\ntype: major\n",
            "version: -3\ntype: major\n",
        ] {
            both::<Release>(f);
        }
        for f in [
            "outcome: success\nstarted_at: 2026-11-30T14:00:00Z\nfinished_at: 2026-11-30T15:00:00+01:00\nchecklist: {smoke: true}\n",
            "outcome: rolled-back\nstarted_at: 2026-11-30 14:00\n",
            "outcome: {success: 1}\n",
        ] {
            both::<Deployment>(f);
        }
        for f in [
            "target: 2.3.1\n",
            "target: 2.3\n",
            "target: ~\nsigned_by: x\n",
            "target: [1]\n",
        ] {
            both::<RollbackPlan>(f);
        }
        for f in [
            "title: Down\nseverity: sev1\ndeclared_at: 2026-11-30T14:00:00Z\ncomponents: [api]\n",
            "title: Down\nseverity: sev9\n",
        ] {
            both::<Incident>(f);
        }
        both::<Postmortem>("published_at: 2026-12-01T00:00:00Z\nchecklist: {timeline: true}\n");
    }
}
