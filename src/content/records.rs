//! Typed records: the front matter of every file kind in SPEC §4.
//!
//! Optional fields are `Option`s or default to empty, so a half-written
//! record still loads and the rules can say precisely what is missing.
//! Timestamps are [`Stamp`]s: a bad one is reported by the loader, not here.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use indexmap::IndexMap;
use serde::{Deserialize, Deserializer, Serialize};

use crate::time::Stamp;

/// A checklist answer: `true`, `false`, or `n/a: reason`.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(untagged)]
pub enum Check {
    Done(bool),
    Text(String),
}

impl Check {
    /// `Some(reason)` when the answer is `n/a …` (the reason may be empty).
    pub fn not_applicable(&self) -> Option<&str> {
        match self {
            Check::Text(t) if t.trim_start().to_ascii_lowercase().starts_with("n/a") => {
                Some(t.trim_start()[3..].trim_start_matches([':', ' ', '-']))
            }
            _ => None,
        }
    }
}

pub type Checklist = Map<Check>;

/// A map of a record, in the order written. Keyed with foldhash: these
/// maps are looked up for every checklist item of every record of every
/// check, and need no defence against crafted collisions (a record has a
/// few keys, and its author can only slow down their own check).
pub type Map<V> = IndexMap<String, V, foldhash::fast::RandomState>;

/// A release requirement: `true`, `false`, or an evidence URL.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(untagged)]
pub enum Evidence {
    Met(bool),
    Url(String),
}

impl Evidence {
    /// `true`, or an evidence link (`http://` or `https://`); any other text is not evidence.
    pub fn is_met(&self) -> bool {
        match self {
            Evidence::Met(b) => *b,
            Evidence::Url(u) => {
                let u = u.trim();
                u.starts_with("https://") || u.starts_with("http://")
            }
        }
    }
}

/// A unit enum as records spell it (`no-go`, `rolled-back`, `sev1`), from its serde name.
pub fn spelled<T: Serialize>(value: T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(s)) => s,
        _ => String::new(),
    }
}

/// Accepts any YAML scalar as text, so `version: 2.4` or `target: 2.3.1` read as written.
pub fn scalar<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    match serde_yaml::Value::deserialize(d)? {
        serde_yaml::Value::String(s) => Ok(s),
        serde_yaml::Value::Number(n) => Ok(n.to_string()),
        serde_yaml::Value::Bool(b) => Ok(b.to_string()),
        other => Err(serde::de::Error::custom(format!(
            "expected text, found {}",
            kind(&other)
        ))),
    }
}

fn opt_scalar<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    match serde_yaml::Value::deserialize(d)? {
        serde_yaml::Value::Null => Ok(None),
        v => scalar(v).map(Some).map_err(serde::de::Error::custom),
    }
}

fn kind(v: &serde_yaml::Value) -> &'static str {
    match v {
        serde_yaml::Value::Null => "nothing",
        serde_yaml::Value::Sequence(_) => "a list",
        serde_yaml::Value::Mapping(_) => "a mapping",
        _ => "a tagged value",
    }
}

#[derive(Clone, Debug, Deserialize, Serialize)]
pub struct Window {
    pub start: Option<Stamp>,
    pub end: Option<Stamp>,
}

/// `releases/<version>/release.md`
#[derive(Clone, Debug, Deserialize, Serialize)]
pub struct Release {
    #[serde(deserialize_with = "scalar")]
    pub version: String,
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub date: Option<NaiveDate>,
    #[serde(default)]
    pub deploy_window: Option<Window>,
    #[serde(default)]
    pub components: Vec<String>,
    #[serde(default)]
    pub incident: Option<String>,
    #[serde(default)]
    pub requirements: Map<Evidence>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Approval {
    Approve,
    Reject,
}

/// `releases/<version>/signoffs/<gate>.md`
#[derive(Clone, Debug, Deserialize, Serialize)]
pub struct Signoff {
    pub decision: Approval,
    #[serde(default)]
    pub checklist: Checklist,
    #[serde(default)]
    pub signed_by: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum GoDecision {
    Go,
    NoGo,
}

/// `releases/<version>/go-no-go.md`
#[derive(Clone, Debug, Deserialize, Serialize)]
pub struct GoNoGo {
    pub decision: GoDecision,
    pub meeting_at: Stamp,
    #[serde(default)]
    pub attendees: Vec<String>,
    #[serde(default)]
    pub signed_by: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    Success,
    RolledBack,
    Failed,
    InProgress,
}

/// `releases/<version>/deployment.md`
#[derive(Clone, Debug, Deserialize, Serialize)]
pub struct Deployment {
    #[serde(default)]
    pub started_at: Option<Stamp>,
    #[serde(default)]
    pub finished_at: Option<Stamp>,
    pub outcome: Outcome,
    #[serde(default)]
    pub checklist: Checklist,
    #[serde(default)]
    pub signed_by: Option<String>,
}

/// `releases/<version>/rollback.md`: a plan in prose; fields are optional.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
pub struct RollbackPlan {
    #[serde(default, deserialize_with = "opt_scalar")]
    pub target: Option<String>,
    #[serde(default)]
    pub signed_by: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Sev {
    Sev1,
    Sev2,
    Sev3,
}

/// Component impact, from best to worst.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Impact {
    Operational,
    Degraded,
    PartialOutage,
    MajorOutage,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Criterion {
    CriticalFunctionality,
    DataIntegrity,
    Security,
    Performance,
    BusinessImpact,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize)]
pub struct Alert {
    pub sent_at: Option<Stamp>,
    pub summary: Option<String>,
    pub impact: Option<String>,
    pub status: Option<String>,
    #[serde(default)]
    pub responders: Vec<String>,
    pub next_update_at: Option<Stamp>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Remedy {
    Rollback,
    Hotfix,
    Monitor,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize)]
pub struct Assessment {
    pub at: Option<Stamp>,
    pub decision: Option<Remedy>,
    pub decided_by: Option<String>,
    #[serde(default)]
    pub rm_unavailable: bool,
    #[serde(default, deserialize_with = "opt_scalar")]
    pub target: Option<String>,
    pub target_validated_by: Option<String>,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize)]
pub struct Escalation {
    pub disagreement_at: Option<Stamp>,
    pub escalated_at: Option<Stamp>,
    pub to: Option<String>,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize)]
pub struct Update {
    pub at: Option<Stamp>,
    pub status: Option<String>,
    pub message: Option<String>,
    pub next_update_at: Option<Stamp>,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize)]
pub struct RollbackRecord {
    #[serde(default)]
    pub checklist: Checklist,
    pub smoke_tests_validated_by: Option<String>,
    pub completed_at: Option<Stamp>,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize)]
pub struct Resolution {
    pub resolved_at: Option<Stamp>,
    pub root_cause: Option<String>,
    pub actions_taken: Option<String>,
    pub postmortem_at: Option<Stamp>,
    pub contact: Option<String>,
}

/// `incidents/<id>/incident.md`
#[derive(Clone, Debug, Deserialize, Serialize)]
pub struct Incident {
    pub title: String,
    pub severity: Sev,
    #[serde(default, deserialize_with = "opt_scalar")]
    pub release: Option<String>,
    #[serde(default)]
    pub security: bool,
    #[serde(default)]
    pub components: Map<Impact>,
    pub declared_at: Stamp,
    pub declared_by: Option<String>,
    #[serde(default)]
    pub criteria: Vec<Criterion>,
    #[serde(default)]
    pub metrics: BTreeMap<String, f64>,
    #[serde(default)]
    pub alert: Option<Alert>,
    #[serde(default)]
    pub assessment: Option<Assessment>,
    #[serde(default)]
    pub escalation: Option<Escalation>,
    #[serde(default)]
    pub updates: Vec<Update>,
    #[serde(default)]
    pub rollback: Option<RollbackRecord>,
    #[serde(default)]
    pub resolution: Option<Resolution>,
}

impl Incident {
    /// A security incident by flag or by criterion.
    pub fn is_security(&self) -> bool {
        self.security || self.criteria.contains(&Criterion::Security)
    }
}

#[derive(Clone, Debug, Deserialize, Serialize)]
pub struct ActionItem {
    pub title: String,
    pub owner: Option<String>,
    pub due: Option<NaiveDate>,
}

/// `incidents/<id>/postmortem.md`
#[derive(Clone, Debug, Deserialize, Serialize)]
pub struct Postmortem {
    pub held_at: Option<Stamp>,
    #[serde(default)]
    pub checklist: Checklist,
    #[serde(default)]
    pub action_items: Vec<ActionItem>,
    #[serde(default)]
    pub security_reviewed_by: Option<String>,
}
