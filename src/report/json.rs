//! `check --format json` (SPEC §5): one object with the summary, findings,
//! releases with their gates, and incidents. Also published as status.json.

use rayon::prelude::*;
use serde_json::{Map, Value, json};

use crate::finding::Finding;
use crate::model::{GateView, Status};

/// The SPEC §5 object.
pub fn to_value(status: &Status) -> Value {
    json!({
        "schema": 1,
        "summary": {"errors": status.errors(), "warnings": status.warnings()},
        "findings": status.findings.par_iter().map(finding).collect::<Vec<_>>(),
        "releases": status.releases.par_iter().map(|r| {
            let gates: Map<String, Value> = r.gates.iter().map(|g| (g.gate.clone(), gate(g))).collect();
            json!({"version": r.version, "type": r.kind, "state": r.state.as_str(), "gates": gates})
        }).collect::<Vec<_>>(),
        "incidents": status.incidents.iter().map(|i| json!({
            "id": i.id,
            "state": i.state.as_str(),
            "severity": i.severity.map(|s| serde_json::to_value(s).unwrap_or(Value::Null)),
        })).collect::<Vec<_>>(),
    })
}

/// Pretty JSON text with a trailing newline.
pub fn render(status: &Status) -> String {
    let mut s = serde_json::to_string_pretty(&to_value(status)).expect("JSON values serialise");
    s.push('\n');
    s
}

pub fn finding(f: &Finding) -> Value {
    let mut m = Map::new();
    m.insert("rule".into(), f.rule.code().into());
    m.insert(
        "severity".into(),
        serde_json::to_value(f.severity).unwrap_or(Value::Null),
    );
    m.insert("path".into(), f.path.clone().into());
    m.insert("line".into(), f.line.into());
    m.insert("message".into(), f.message.clone().into());
    if !f.help.is_empty() {
        m.insert("help".into(), f.help.clone().into());
    }
    m.insert("release".into(), f.release.clone().into());
    if let Some(i) = &f.incident {
        m.insert("incident".into(), i.clone().into());
    }
    m.insert("commit".into(), f.commit.clone().into());
    Value::Object(m)
}

pub fn gate(g: &GateView) -> Value {
    let signer = g.step.as_ref().and_then(|s| s.signer());
    let mut v = json!({
        "state": g.state.as_str(),
        "signer": signer.and_then(|s| s.person.clone()),
        "commit": signer.map(|s| s.commit.to_string()),
        "signed_at": signer.map(|s| s.when.to_rfc3339()),
    });
    if let Some(seal) = &g.seal {
        v["verified"] = seal.is_verified().into();
    }
    if let Some(s) = signer.filter(|s| s.person.is_none()) {
        v["author"] = format!("{} <{}>", s.name, s.email).into();
    }
    if !g.reasons.is_empty() && g.state != crate::model::GateState::Approved {
        v["reasons"] = g.reasons.clone().into();
    }
    v
}
