//! The playbook as data: roles, gates, checklists, deadlines and
//! authorities. The built-in OctoAcme playbook is a `playbook.md` embedded in
//! the binary and read by the same code as a repository's
//! `content/playbook.md`; no rule hard-codes a role, an item or a minute.

use serde::Deserialize;

use crate::content::frontmatter::{self, Document};
use crate::time::Span;

/// The built-in OctoAcme playbook: rules in the front matter, guide in the body.
pub const BUILTIN: &str = include_str!("playbook.md");

/// The rules every check and page is judged by.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Playbook {
    pub name: String,
    /// Every role a person may hold.
    pub roles: Vec<String>,
    /// Roles whose holders may change team.yaml, playbook.md and .mailmap.
    pub governors: Vec<String>,
    /// Allowed release types and which semver part each bumps.
    pub release_types: Vec<ReleaseType>,
    /// Whether sign-off commits must carry a verified signature.
    #[serde(default)]
    pub require_signed_signoffs: bool,
    /// Gates in handoff order.
    pub gates: Vec<Gate>,
    /// Keys of `requirements:` every release must meet.
    pub requirements: Vec<Requirement>,
    /// H2 sections of the release-notes template, in order.
    pub release_notes: Vec<String>,
    pub go_no_go: GoNoGoRules,
    pub deployment: DeploymentRules,
    pub incident: IncidentRules,
    pub rollback: RollbackRules,
    pub postmortem: PostmortemRules,
    /// The Markdown guide for people (the file's body).
    #[serde(skip)]
    pub guide: String,
    /// Where the playbook came from: `built-in` or a path.
    #[serde(skip)]
    pub source: String,
    /// The key of the text and path it was parsed from, which decide
    /// everything above (page keys stand on it instead of the whole).
    #[serde(skip)]
    digest: [u8; 20],
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReleaseType {
    pub id: String,
    /// `major`, `minor` or `patch`: the semver part this type increments.
    pub bumps: String,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Gate {
    pub id: String,
    pub title: String,
    pub role: String,
    /// Gates whose sign-off must be an ancestor of this gate's signing commit.
    #[serde(default)]
    pub after: Vec<String>,
    pub checklist: Vec<Item>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Item {
    pub id: String,
    pub label: String,
    /// May be answered `n/a: reason`.
    #[serde(default)]
    pub optional: bool,
    /// Only required for security incidents.
    #[serde(default)]
    pub security_only: bool,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Requirement {
    pub id: String,
    pub label: String,
    /// A release file (e.g. `rollback.md`) whose presence also satisfies it.
    #[serde(default)]
    pub satisfied_by: Option<String>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GoNoGoRules {
    /// Who records the decision.
    pub role: String,
    /// How long before the deploy window opens the meeting must be held.
    pub lead: Span,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeploymentRules {
    /// Who may record a deployment.
    pub roles: Vec<String>,
    pub checklist: Vec<Item>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IncidentRules {
    pub alert_within: Span,
    pub alert_fields: Vec<String>,
    pub assess_within: Span,
    /// After the assessment, a hotfix must be out within this, else roll back.
    pub hotfix_within: Span,
    pub escalate_within: Span,
    pub escalate_to: String,
    /// Role that must be among the responders of a security incident.
    pub security_role: String,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RollbackRules {
    /// Roles that may decide a rollback.
    pub authority: Vec<String>,
    /// Roles that may decide a rollback in a security incident.
    pub security_authority: Vec<String>,
    /// Roles that may decide only when the release manager is unavailable.
    pub unavailable_authority: Vec<String>,
    /// Role that validates the rollback target and the smoke tests.
    pub validator: String,
    pub checklist: Vec<Item>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PostmortemRules {
    pub within: Span,
    pub checklist: Vec<Item>,
}

/// A playbook that cannot be used: baton cannot judge anything (exit 2).
#[derive(Debug, thiserror::Error)]
#[error("{path}:{line}:{column}: {message}")]
pub struct PlaybookError {
    pub path: String,
    pub line: usize,
    pub column: usize,
    pub message: String,
}

impl Playbook {
    /// The key of the text and path the playbook was parsed from.
    pub fn digest(&self) -> [u8; 20] {
        self.digest
    }

    /// The built-in OctoAcme playbook.
    pub fn builtin() -> Playbook {
        Playbook::parse(BUILTIN, "built-in playbook")
            .expect("the built-in playbook is valid (tested)")
    }

    /// Reads a playbook file: machine rules in the front matter, the guide in the body.
    pub fn parse(text: &str, path: &str) -> Result<Playbook, PlaybookError> {
        let err = |line, column, message: String| PlaybookError {
            path: path.to_string(),
            line,
            column,
            message,
        };
        let doc = frontmatter::split(text)
            .map_err(|e| err(e.line, 1, format!("{}; {}", e.message, e.help)))?;
        let mut p: Playbook = serde_yaml::from_str(&doc.front).map_err(|e| {
            let (l, c) = e.location().map_or((0, 1), |l| (l.line(), l.column()));
            err(
                l + doc.front_line - 1,
                c,
                e.to_string()
                    .split(" at line ")
                    .next()
                    .unwrap_or_default()
                    .to_string(),
            )
        })?;
        p.guide = doc.body.to_string();
        p.source = path.to_string();
        let mut digest = crate::digest::Key::new();
        digest.update(path.as_bytes());
        digest.update(&[0]);
        digest.update(text.as_bytes());
        p.digest = digest
            .finish()
            .as_bytes()
            .try_into()
            .expect("an id is 20 bytes");
        p.validate(&doc).map_err(|(line, m)| err(line, 1, m))?;
        Ok(p)
    }

    /// Cross-references: every role named exists, gates come after earlier gates.
    fn validate(&self, doc: &Document) -> Result<(), (usize, String)> {
        let role = |r: &str, at: &[&str]| {
            if self.roles.iter().any(|x| x == r) {
                Ok(())
            } else {
                Err((
                    doc.line_of(at),
                    format!("role `{r}` is not in `roles:` ({})", self.roles.join(", ")),
                ))
            }
        };
        for g in &self.governors {
            role(g, &["governors"])?;
        }
        let mut seen: Vec<&str> = Vec::new();
        for gate in &self.gates {
            role(&gate.role, &["gates", &gate.id])?;
            if seen.contains(&gate.id.as_str()) {
                return Err((
                    doc.line_of(&["gates"]),
                    format!("gate `{}` is listed twice", gate.id),
                ));
            }
            for a in &gate.after {
                if !seen.contains(&a.as_str()) {
                    return Err((
                        doc.line_of(&["gates", "after"]),
                        format!(
                            "gate `{}` comes after `{a}`, which is not an earlier gate",
                            gate.id
                        ),
                    ));
                }
            }
            seen.push(&gate.id);
        }
        role(&self.go_no_go.role, &["go_no_go", "role"])?;
        for r in &self.deployment.roles {
            role(r, &["deployment", "roles"])?;
        }
        for r in self
            .rollback
            .authority
            .iter()
            .chain(&self.rollback.security_authority)
            .chain(&self.rollback.unavailable_authority)
            .chain([
                &self.rollback.validator,
                &self.incident.escalate_to,
                &self.incident.security_role,
            ])
        {
            role(r, &["rollback"])?;
        }
        for t in &self.release_types {
            if !matches!(t.bumps.as_str(), "major" | "minor" | "patch") {
                return Err((
                    doc.line_of(&["release_types"]),
                    format!(
                        "release type `{}` bumps `{}`; expected major, minor or patch",
                        t.id, t.bumps
                    ),
                ));
            }
        }
        Ok(())
    }

    pub fn gate(&self, id: &str) -> Option<&Gate> {
        self.gates.iter().find(|g| g.id == id)
    }

    pub fn release_type(&self, id: &str) -> Option<&ReleaseType> {
        self.release_types.iter().find(|t| t.id == id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_is_the_octoacme_guide() {
        let p = Playbook::builtin();
        let gates: Vec<_> = p.gates.iter().map(|g| g.id.as_str()).collect();
        assert_eq!(
            gates,
            [
                "development",
                "quality",
                "security",
                "stakeholder",
                "release-manager"
            ]
        );
        assert_eq!(p.go_no_go.lead.0, chrono::Duration::hours(24));
        assert_eq!(p.incident.alert_within.minutes(), 5);
        assert!(!p.guide.is_empty());
    }

    #[test]
    fn broken_playbook_names_line() {
        let e = Playbook::parse("---\nname: x\nroles: [a]\ngovernors: [b]\n", "p.md").unwrap_err();
        assert!(e.message.contains("never closed"), "{e}");
        let e = Playbook::parse("---\nname: x\nroles: [a\n---\n", "p.md").unwrap_err();
        assert_eq!(e.line, 4, "{e}");
        let e =
            Playbook::parse("---\nname: x\nroles: [a]\ngovernors: [b]\n---\n", "p.md").unwrap_err();
        assert!(e.message.contains("missing field"), "{e}");
    }
}
