//! `baton schema KIND`: JSON Schemas of the record kinds, built from the
//! playbook in force (gates, checklist items, roles), so YAML editors
//! complete fields and flag typos.

use serde_json::{Value, json};

use crate::playbook::{Item, Playbook};

/// The kinds `baton schema` knows.
pub const KINDS: &[&str] = &[
    "release",
    "signoff",
    "go-no-go",
    "deployment",
    "incident",
    "postmortem",
    "team",
    "site",
];

const TIMESTAMP: &str = r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$";
const DATE: &str = r"^\d{4}-\d{2}-\d{2}$";

fn ts() -> Value {
    json!({"type": "string", "pattern": TIMESTAMP, "description": "RFC 3339 with an offset, e.g. 2026-11-30T14:00:00Z"})
}
fn opt_ts() -> Value {
    json!({"anyOf": [ts(), {"type": "null"}]})
}
fn text() -> Value {
    json!({"type": ["string", "null"]})
}
fn person() -> Value {
    json!({"type": ["string", "null"], "description": "a person id from team.yaml"})
}
fn check() -> Value {
    json!({"anyOf": [{"type": "boolean"}, {"type": "string", "pattern": "^[Nn]/[Aa]"}], "description": "true, false, or \"n/a: reason\" for optional items"})
}
fn checklist(items: &[Item]) -> Value {
    let props: serde_json::Map<String, Value> = items
        .iter()
        .map(|i| {
            (i.id.clone(), {
                let mut c = check();
                c["description"] = i.label.clone().into();
                c
            })
        })
        .collect();
    json!({"type": "object", "properties": props, "additionalProperties": false})
}
fn object(props: Value, required: &[&str]) -> Value {
    json!({"type": "object", "properties": props, "required": required, "additionalProperties": false})
}

/// The schema of one kind, or `None` for an unknown kind.
pub fn schema(kind: &str, pb: &Playbook) -> Option<Value> {
    let body = match kind {
        "release" => object(
            json!({
                "version": {"type": "string", "description": "semver; equals the folder name"},
                "type": {"enum": pb.release_types.iter().map(|t| t.id.clone()).collect::<Vec<_>>()},
                "title": {"type": "string"},
                "date": {"type": "string", "pattern": DATE},
                "deploy_window": object(json!({"start": ts(), "end": ts()}), &["start", "end"]),
                "components": {"type": "array", "items": {"type": "string"}},
                "incident": {"type": ["string", "null"], "description": "the incident this patch fixes"},
                "requirements": {"type": "object", "properties": pb.requirements.iter().map(|r| (r.id.clone(), json!({"anyOf": [{"type": "boolean"}, {"type": "string", "pattern": "^https?://"}], "description": r.label}))).collect::<serde_json::Map<_, _>>(), "additionalProperties": false},
            }),
            &["version", "type"],
        ),
        "signoff" => {
            let all: Vec<Item> = pb.gates.iter().flat_map(|g| g.checklist.clone()).collect();
            object(
                json!({"decision": {"enum": ["approve", "reject"]}, "checklist": checklist(&all), "signed_by": person()}),
                &["decision"],
            )
        }
        "go-no-go" => object(
            json!({"decision": {"enum": ["go", "no-go"]}, "meeting_at": ts(), "attendees": {"type": "array", "items": {"type": "string"}}, "signed_by": person()}),
            &["decision", "meeting_at"],
        ),
        "deployment" => object(
            json!({"started_at": opt_ts(), "finished_at": opt_ts(), "outcome": {"enum": ["success", "rolled-back", "failed", "in-progress"]}, "checklist": checklist(&pb.deployment.checklist), "signed_by": person()}),
            &["outcome"],
        ),
        "incident" => object(
            json!({
                "title": {"type": "string"},
                "severity": {"enum": ["sev1", "sev2", "sev3"]},
                "release": text(),
                "security": {"type": "boolean"},
                "components": {"type": "object", "additionalProperties": {"enum": ["operational", "degraded", "partial-outage", "major-outage"]}},
                "declared_at": ts(),
                "declared_by": person(),
                "criteria": {"type": "array", "items": {"enum": ["critical-functionality", "data-integrity", "security", "performance", "business-impact"]}},
                "metrics": {"type": "object", "additionalProperties": {"type": "number"}},
                "alert": object(json!({"sent_at": opt_ts(), "summary": text(), "impact": text(), "status": text(), "responders": {"type": "array", "items": {"type": "string"}}, "next_update_at": opt_ts()}), &[]),
                "assessment": object(json!({"at": opt_ts(), "decision": {"enum": ["rollback", "hotfix", "monitor", null]}, "decided_by": person(), "rm_unavailable": {"type": "boolean"}, "target": text(), "target_validated_by": person()}), &[]),
                "escalation": object(json!({"disagreement_at": opt_ts(), "escalated_at": opt_ts(), "to": person()}), &[]),
                "updates": {"type": "array", "items": object(json!({"at": opt_ts(), "status": text(), "message": text(), "next_update_at": opt_ts()}), &[])},
                "rollback": object(json!({"checklist": checklist(&pb.rollback.checklist), "smoke_tests_validated_by": person(), "completed_at": opt_ts()}), &[]),
                "resolution": {"anyOf": [object(json!({"resolved_at": opt_ts(), "root_cause": text(), "actions_taken": text(), "postmortem_at": opt_ts(), "contact": person()}), &[]), {"type": "null"}]},
            }),
            &["title", "severity", "declared_at"],
        ),
        "postmortem" => object(
            json!({
                "held_at": opt_ts(),
                "checklist": checklist(&pb.postmortem.checklist),
                "action_items": {"type": "array", "items": object(json!({"title": {"type": "string"}, "owner": person(), "due": {"type": ["string", "null"], "pattern": DATE}}), &["title"])},
                "security_reviewed_by": person(),
            }),
            &[],
        ),
        "team" => object(
            json!({"people": {"type": "array", "items": object(json!({
                "id": {"type": "string"}, "name": {"type": "string"},
                "emails": {"type": "array", "items": {"type": "string"}},
                "github": {"type": "string"},
                "roles": {"type": "array", "items": {"enum": pb.roles}},
                "signing_keys": {"type": "array", "items": {"type": "string"}},
            }), &["id", "name"])}}),
            &["people"],
        ),
        "site" => object(
            json!({"title": {"type": "string"}, "description": {"type": "string"}, "base_url": {"type": "string", "pattern": "^https?://"}, "repo_url": {"type": "string"}, "components": {"type": "array", "items": {"type": "string"}}, "theme": {"type": "string"}}),
            &[],
        ),
        _ => return None,
    };
    let mut v = json!({"$schema": "https://json-schema.org/draft/2020-12/schema", "title": format!("baton {kind} record")});
    if let (Some(obj), Value::Object(b)) = (v.as_object_mut(), body) {
        obj.extend(b);
    }
    Some(v)
}
