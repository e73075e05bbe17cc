//! `check --format json` (SPEC §5): one object with the summary, findings,
//! releases with their gates, and incidents. Also published as status.json.
//!
//! The object is written straight from the [`Status`] through borrowed
//! views (no tree of JSON values is built first: at 12,500 releases the
//! report is 16 MB).

use serde::Serialize;
use serde::ser::{SerializeMap, Serializer};
use serde_json::Value;

use crate::finding::{Finding, Severity};
use crate::model::{GateView, Status};
use crate::report::pretty;

/// The SPEC §5 object, as a tree of values.
pub fn to_value(status: &Status) -> Value {
    serde_json::to_value(Report(status)).expect("the report serialises")
}

/// Pretty JSON text with a trailing newline: [`Report`] as
/// `serde_json::to_string_pretty` writes it, the items of its arrays
/// written in parallel (see [`pretty`]).
pub fn render(status: &Status) -> String {
    let mut out = Vec::new();
    out.extend_from_slice(b"{\n  \"schema\": ");
    pretty::value_at(&mut out, &1, 1);
    out.extend_from_slice(b",\n  \"summary\": ");
    pretty::value_at(&mut out, &summary(status), 1);
    out.extend_from_slice(b",\n  \"findings\": ");
    pretty::array_at(&mut out, &status.findings, FindingJson::of, 1);
    out.extend_from_slice(b",\n  \"releases\": ");
    pretty::array_at(&mut out, &status.releases, ReleaseJson::of, 1);
    out.extend_from_slice(b",\n  \"incidents\": ");
    pretty::array_at(&mut out, &status.incidents, IncidentJson::of, 1);
    out.extend_from_slice(b"\n}\n");
    let text = String::from_utf8(out).expect("JSON is UTF-8");
    debug_assert_eq!(
        text,
        serde_json::to_string_pretty(&Report(status)).expect("the report serialises") + "\n",
        "the report written in pieces differs from the report written whole"
    );
    text
}

/// One finding, as in the report's `findings`.
pub fn finding(f: &Finding) -> Value {
    serde_json::to_value(FindingJson::of(f)).expect("a finding serialises")
}

/// One gate, as in a release's `gates` (without its name).
pub fn gate(g: &GateView) -> Value {
    serde_json::to_value(GateJson::of(g)).expect("a gate serialises")
}

/// The whole report; keys in the order SPEC §5 shows them.
struct Report<'a>(&'a Status);

impl Serialize for Report<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let status = self.0;
        let mut m = s.serialize_map(Some(5))?;
        m.serialize_entry("schema", &1)?;
        m.serialize_entry("summary", &summary(status))?;
        m.serialize_entry("findings", &Each(&status.findings, FindingJson::of))?;
        m.serialize_entry("releases", &Each(&status.releases, ReleaseJson::of))?;
        m.serialize_entry("incidents", &Each(&status.incidents, IncidentJson::of))?;
        m.end()
    }
}

/// A slice serialised as a JSON array, each item through a view.
struct Each<'a, T, V>(&'a [T], fn(&'a T) -> V);

impl<'a, T, V: Serialize> Serialize for Each<'a, T, V> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0.iter().map(self.1))
    }
}

#[derive(Serialize)]
struct Summary {
    errors: usize,
    warnings: usize,
}

fn summary(status: &Status) -> Summary {
    Summary {
        errors: status.errors(),
        warnings: status.warnings(),
    }
}

#[derive(Serialize)]
struct FindingJson<'a> {
    rule: &'a str,
    severity: Severity,
    path: &'a str,
    line: usize,
    message: &'a str,
    #[serde(skip_serializing_if = "str::is_empty")]
    help: &'a str,
    release: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    incident: Option<&'a str>,
    commit: Option<&'a str>,
}

impl<'a> FindingJson<'a> {
    fn of(f: &'a Finding) -> Self {
        FindingJson {
            rule: f.rule.code(),
            severity: f.severity,
            path: &f.path,
            line: f.line,
            message: &f.message,
            help: &f.help,
            release: f.release.as_deref(),
            incident: f.incident.as_deref(),
            commit: f.commit.as_deref(),
        }
    }
}

/// A release: its gates are an object keyed by gate name, in playbook order.
struct ReleaseJson<'a>(&'a crate::model::ReleaseView);

impl<'a> ReleaseJson<'a> {
    fn of(r: &'a crate::model::ReleaseView) -> Self {
        ReleaseJson(r)
    }
}

impl Serialize for ReleaseJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        struct Gates<'a>(&'a [GateView]);
        impl Serialize for Gates<'_> {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_map(self.0.iter().map(|g| (&g.gate, GateJson::of(g))))
            }
        }
        let r = self.0;
        let mut m = s.serialize_map(Some(4))?;
        m.serialize_entry("version", &r.version)?;
        m.serialize_entry("type", &r.kind)?;
        m.serialize_entry("state", r.state.as_str())?;
        m.serialize_entry("gates", &Gates(&r.gates))?;
        m.end()
    }
}

#[derive(Serialize)]
struct GateJson<'a> {
    state: &'a str,
    signer: Option<&'a str>,
    commit: Option<String>,
    signed_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    verified: Option<bool>,
    /// The commit author, when not a person of the roster.
    #[serde(skip_serializing_if = "Option::is_none")]
    author: Option<String>,
    /// Why the gate is not approved.
    #[serde(skip_serializing_if = "Option::is_none")]
    reasons: Option<&'a [String]>,
}

impl<'a> GateJson<'a> {
    fn of(g: &'a GateView) -> Self {
        let signer = g.step.as_ref().and_then(|s| s.signer());
        GateJson {
            state: g.state.as_str(),
            signer: signer.and_then(|s| s.person.as_deref()),
            commit: signer.map(|s| s.commit.to_string()),
            signed_at: signer.map(|s| s.when.to_rfc3339()),
            verified: g.seal.as_ref().map(|seal| seal.is_verified()),
            author: signer
                .filter(|s| s.person.is_none())
                .map(|s| format!("{} <{}>", s.name, s.email)),
            reasons: (!g.reasons.is_empty() && g.state != crate::model::GateState::Approved)
                .then_some(g.reasons.as_slice()),
        }
    }
}

#[derive(Serialize)]
struct IncidentJson<'a> {
    id: &'a str,
    state: &'a str,
    severity: Option<crate::content::records::Sev>,
}

impl<'a> IncidentJson<'a> {
    fn of(i: &'a crate::model::IncidentView) -> Self {
        IncidentJson {
            id: &i.id,
            state: i.state.as_str(),
            severity: i.severity,
        }
    }
}
