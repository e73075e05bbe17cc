//! What `baton check` computes and everything else renders: the state of
//! each release and gate, each incident and its deadlines, and the findings.

use serde::Serialize;

use crate::content::records::Sev;
use crate::finding::{Finding, Severity};
use crate::git::identity::Signer;
use crate::time::Instant;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ReleaseState {
    Planned,
    InReview,
    Ready,
    Go,
    NoGo,
    Deployed,
    RolledBack,
    Failed,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum GateState {
    Pending,
    Approved,
    Rejected,
    Invalid,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum IncidentState {
    Open,
    Resolved,
    Closed,
}

impl ReleaseState {
    /// The state as SPEC §5 spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            ReleaseState::Planned => "planned",
            ReleaseState::InReview => "in-review",
            ReleaseState::Ready => "ready",
            ReleaseState::Go => "go",
            ReleaseState::NoGo => "no-go",
            ReleaseState::Deployed => "deployed",
            ReleaseState::RolledBack => "rolled-back",
            ReleaseState::Failed => "failed",
        }
    }
}

impl GateState {
    pub fn as_str(self) -> &'static str {
        match self {
            GateState::Pending => "pending",
            GateState::Approved => "approved",
            GateState::Rejected => "rejected",
            GateState::Invalid => "invalid",
        }
    }
}

impl IncidentState {
    pub fn as_str(self) -> &'static str {
        match self {
            IncidentState::Open => "open",
            IncidentState::Resolved => "resolved",
            IncidentState::Closed => "closed",
        }
    }
}

/// Where a record stands in git.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub enum Origin {
    /// Committed; the signer of the last commit that changed it (shared by
    /// every step that names the record).
    Committed(#[serde(serialize_with = "crate::digest::shared")] std::sync::Arc<Signer>),
    /// Written but not committed, or modified since the last commit.
    Pending,
}

/// A record file and who it is attributed to.
#[derive(Clone, Debug, Serialize)]
pub struct Step {
    pub path: String,
    pub origin: Origin,
}

impl Step {
    pub fn signer(&self) -> Option<&Signer> {
        match &self.origin {
            Origin::Committed(s) => Some(s),
            Origin::Pending => None,
        }
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct GateView {
    pub gate: String,
    pub title: String,
    pub role: String,
    pub state: GateState,
    /// The sign-off file, when one exists.
    pub step: Option<Step>,
    /// Why the gate is pending, rejected or invalid.
    pub reasons: Vec<String>,
    /// What the signing commit's signature proves, when committed.
    pub seal: Option<crate::git::signature::Seal>,
}

#[derive(Clone, Debug, Serialize)]
pub struct ReleaseView {
    pub version: String,
    pub kind: Option<String>,
    pub title: Option<String>,
    pub state: ReleaseState,
    pub path: String,
    pub gates: Vec<GateView>,
    pub go_no_go: Option<Step>,
    pub deployment: Option<Step>,
    /// What stands between this release and its next state.
    pub blockers: Vec<String>,
}

/// A playbook deadline of an incident: when it was due and whether it was met.
#[derive(Clone, Debug, Serialize)]
pub struct Deadline {
    pub name: String,
    pub due: Option<Instant>,
    pub done: Option<Instant>,
    /// `None` while it is still open and not yet overdue.
    pub met: Option<bool>,
}

#[derive(Clone, Debug)]
pub struct IncidentView {
    pub id: String,
    pub title: Option<String>,
    pub state: IncidentState,
    pub severity: Option<Sev>,
    pub path: String,
    pub deadlines: Vec<Deadline>,
    /// When the first committed, successful deployment of a release naming
    /// this incident finished, and that release (a hotfix decision's
    /// deadline is met then).
    pub hotfix_deployed: Option<(Instant, String)>,
    pub incident: Option<Step>,
    pub postmortem: Option<Step>,
}

/// The outcome of a check.
#[derive(Clone, Debug)]
pub struct Status {
    pub now: Instant,
    /// In the content's order: ascending semver.
    pub releases: Vec<ReleaseView>,
    /// In the content's order: ascending id (each an incident folder's name).
    pub incidents: Vec<IncidentView>,
    pub findings: Vec<Finding>,
}

impl Status {
    pub fn errors(&self) -> usize {
        self.findings
            .iter()
            .filter(|f| f.severity == Severity::Error)
            .count()
    }
    pub fn warnings(&self) -> usize {
        self.findings
            .iter()
            .filter(|f| f.severity == Severity::Warning)
            .count()
    }
    pub fn release(&self, version: &str) -> Option<&ReleaseView> {
        self.releases.iter().find(|r| r.version == version)
    }
    /// An incident by id (a binary search: incidents are in id order).
    pub fn incident(&self, id: &str) -> Option<&IncidentView> {
        let i = self
            .incidents
            .binary_search_by(|x| x.id.as_str().cmp(id))
            .ok()?;
        Some(&self.incidents[i])
    }
    /// Findings about one file. Findings are sorted by path (see
    /// [`rules::run`](crate::rules::run)), so this is a binary search.
    pub fn findings_for<'a>(&'a self, path: &'a str) -> impl Iterator<Item = &'a Finding> + 'a {
        let start = self.findings.partition_point(|f| f.path.as_str() < path);
        self.findings[start..]
            .iter()
            .take_while(move |f| f.path == path)
    }
}
