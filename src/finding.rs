//! Findings and the catalogue of stable rule codes (SPEC §6).

use serde::Serialize;

/// How bad a finding is. Errors fail `baton check`; warnings fail it only
/// under `--strict`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

macro_rules! rules {
    ($($var:ident = $code:literal, $sev:ident, $doc:literal;)*) => {
        /// Every rule code baton reports. The codes are a stable contract.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Rule { $(#[doc = $doc] $var,)* }

        impl Rule {
            /// All rules, in catalogue order.
            pub const ALL: &'static [Rule] = &[$(Rule::$var,)*];
            /// The stable code, e.g. `signoff.wrong-role`.
            pub fn code(self) -> &'static str { match self { $(Rule::$var => $code,)* } }
            /// The severity a finding of this rule has unless stated otherwise.
            pub fn severity(self) -> Severity { match self { $(Rule::$var => Severity::$sev,)* } }
            /// One line: what the rule means.
            pub fn doc(self) -> &'static str { match self { $(Rule::$var => $doc,)* } }
        }
    };
}

/// A rule is its code.
impl Serialize for Rule {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.code())
    }
}

rules! {
    ContentParse = "content.parse", Error, "A record or settings file is not valid YAML front matter, or a field has the wrong type.";
    ContentUnknownField = "content.unknown-field", Warning, "A field or checklist item the playbook does not know (often a typo such as `decison:`).";
    ContentBadTimestamp = "content.bad-timestamp", Error, "A timestamp is not RFC 3339 with an offset (`2026-11-30T14:00:00Z`).";
    ContentUnknownPerson = "content.unknown-person", Error, "A person id that is not in team.yaml.";
    ContentUnexpectedFile = "content.unexpected-file", Warning, "A file or folder outside the records layout, or a symlink (never followed): a warning; an error where records would be lost (a release folder without release.md, a badly named incident folder).";
    ReleaseVersionMismatch = "release.version-mismatch", Error, "release.md's `version` differs from its folder name, or the folder is not a semver version.";
    ReleaseTypeMismatch = "release.type-mismatch", Error, "The release `type` does not match the version bump from the previous release.";
    ReleaseNotesIncomplete = "release.notes-incomplete", Error, "The release notes lack one of the template's H2 sections.";
    ReleaseRequirementUnmet = "release.requirement-unmet", Error, "A release requirement is missing or false (a warning until the go/no-go).";
    SignoffUnknownGate = "signoff.unknown-gate", Error, "A sign-off file whose name is not a gate of the playbook.";
    SignoffUnknownAuthor = "signoff.unknown-author", Error, "The commit author of a sign-off is nobody in team.yaml.";
    SignoffWrongRole = "signoff.wrong-role", Error, "The signer did not hold the gate's role in the roster of the signing commit's parent.";
    SignoffClaimMismatch = "signoff.claim-mismatch", Error, "`signed_by` names someone other than the commit author.";
    SignoffOutOfOrder = "signoff.out-of-order", Error, "A gate was signed in a commit that does not descend from the sign-offs it must follow.";
    SignoffChecklistIncomplete = "signoff.checklist-incomplete", Error, "An approval with a checklist item missing, false, or `n/a` where the item is not optional.";
    SignoffRejected = "signoff.rejected", Warning, "A gate was rejected; the release is blocked until a new approval.";
    SignoffPending = "signoff.pending", Warning, "A sign-off is written but not committed (or modified since): shown, not counted.";
    SignoffUnsigned = "signoff.unsigned", Error, "The playbook requires signed sign-offs and the signing commit has no signature.";
    SignoffBadSignature = "signoff.bad-signature", Error, "The signing commit's signature does not verify with a key of its author.";
    GonogoMissing = "gonogo.missing", Error, "No go/no-go was recorded and its deadline before the deploy window has passed.";
    GonogoLate = "gonogo.late", Error, "The go/no-go meeting was later than the playbook's lead before the deploy window.";
    GonogoBeforeSignoffs = "gonogo.before-signoffs", Error, "A `go` was recorded before every gate was approved in its history.";
    GonogoWrongRole = "gonogo.wrong-role", Error, "The go/no-go was committed by someone without the playbook's go/no-go role.";
    DeployWithoutGo = "deploy.without-go", Error, "A deployment without a `go` decision in its history.";
    DeployWithoutSignoffs = "deploy.without-signoffs", Error, "A deployment while some gate is not approved.";
    DeployOutsideWindow = "deploy.outside-window", Error, "The deployment started before or finished after the deploy window.";
    DeployChecklistIncomplete = "deploy.checklist-incomplete", Error, "A finished deployment with a required checklist item missing or false.";
    DeployWrongRole = "deploy.wrong-role", Error, "The deployment record was committed by someone without a deploying role.";
    IncidentAlertLate = "incident.alert-late", Error, "The initial alert went out later than the playbook allows after declaring.";
    IncidentAlertIncomplete = "incident.alert-incomplete", Error, "The initial alert lacks one of its required fields.";
    IncidentAssessmentLate = "incident.assessment-late", Error, "The assessment came later than the playbook allows after declaring.";
    IncidentHotfixOverran = "incident.hotfix-overran", Error, "A hotfix took longer than allowed after the assessment instead of rolling back.";
    IncidentRollbackAuthority = "incident.rollback-authority", Error, "The rollback was decided by someone without rollback authority.";
    IncidentRollbackTarget = "incident.rollback-target", Error, "The rollback target is missing, unknown, or not validated by the playbook's validator role.";
    IncidentRollbackIncomplete = "incident.rollback-incomplete", Error, "A resolved incident whose rollback checklist or smoke-test validation is incomplete.";
    IncidentEscalationLate = "incident.escalation-late", Error, "A disagreement was escalated late, or not to the escalation role.";
    IncidentUpdateLate = "incident.update-late", Error, "A status update came after the time the previous one promised.";
    IncidentSecurityNotPaged = "incident.security-not-paged", Error, "A security incident whose responders include no holder of the security role.";
    IncidentResolutionIncomplete = "incident.resolution-incomplete", Error, "A resolution lacks resolved_at, root cause, actions taken, post-mortem time or contact.";
    PostmortemMissing = "postmortem.missing", Error, "A resolved incident has no committed post-mortem and its deadline has passed.";
    PostmortemLate = "postmortem.late", Error, "The post-mortem was held later than the playbook allows after resolution.";
    PostmortemIncomplete = "postmortem.incomplete", Error, "The post-mortem's checklist, action items or security review is incomplete.";
    PolicyUnauthorizedChange = "policy.unauthorized-change", Error, "team.yaml, playbook.md or .mailmap was changed by someone who is not a governor.";
}

/// One fact about the records, with where it is and how to fix it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Finding {
    pub rule: Rule,
    pub severity: Severity,
    /// Path relative to the project root, with `/` separators.
    pub path: String,
    /// 1-based line in that file.
    pub line: usize,
    pub message: String,
    /// What to do about it.
    pub help: String,
    pub release: Option<String>,
    pub incident: Option<String>,
    /// The commit the finding is about, when there is one.
    pub commit: Option<String>,
}

impl Finding {
    pub fn new(
        rule: Rule,
        path: impl Into<String>,
        line: usize,
        message: impl Into<String>,
    ) -> Self {
        Finding {
            rule,
            severity: rule.severity(),
            path: path.into(),
            line: line.max(1),
            message: message.into(),
            help: String::new(),
            release: None,
            incident: None,
            commit: None,
        }
    }
    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = help.into();
        self
    }
    pub fn severity(mut self, severity: Severity) -> Self {
        self.severity = severity;
        self
    }
    pub fn release(mut self, version: impl Into<String>) -> Self {
        self.release = Some(version.into());
        self
    }
    pub fn incident(mut self, id: impl Into<String>) -> Self {
        self.incident = Some(id.into());
        self
    }
    pub fn commit(mut self, commit: Option<impl ToString>) -> Self {
        self.commit = commit.map(|c| c.to_string());
        self
    }
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}
