//! Test support: real git repositories in temp dirs, written and committed
//! through the git CLI with explicit authors, e-mails and dates, and the
//! real `baton` binary run against them.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;
use tempfile::TempDir;

/// A commit author.
#[derive(Clone, Copy, Debug)]
pub struct Who {
    pub id: &'static str,
    pub name: &'static str,
    pub email: &'static str,
}

pub const ADA: Who = Who {
    id: "ada",
    name: "Ada Park",
    email: "ada@octo.example",
}; // release-manager, on-call
pub const DEV: Who = Who {
    id: "dev",
    name: "Dev Rao",
    email: "dev@octo.example",
}; // developer
pub const GRACE: Who = Who {
    id: "grace",
    name: "Grace Ito",
    email: "grace@octo.example",
}; // qa-lead
pub const SAM: Who = Who {
    id: "sam",
    name: "Sam Haddad",
    email: "sam@octo.example",
}; // security-lead
pub const PRIYA: Who = Who {
    id: "priya",
    name: "Priya Nair",
    email: "priya@octo.example",
}; // stakeholder-rep
pub const OMAR: Who = Who {
    id: "omar",
    name: "Omar Diallo",
    email: "omar@octo.example",
}; // on-call
pub const PAULA: Who = Who {
    id: "paula",
    name: "Paula Reyes",
    email: "paula@octo.example",
}; // product-lead
/// Nobody in the roster.
pub const MALLORY: Who = Who {
    id: "mallory",
    name: "Mallory",
    email: "mallory@evil.example",
};

/// The standard roster of these tests.
pub const TEAM: &str = "people:
  - {id: ada, name: Ada Park, emails: [ada@octo.example], github: adapark, roles: [release-manager, on-call]}
  - {id: dev, name: Dev Rao, emails: [dev@octo.example], github: devrao, roles: [developer]}
  - {id: grace, name: Grace Ito, emails: [grace@octo.example], github: graceito, roles: [qa-lead]}
  - {id: sam, name: Sam Haddad, emails: [sam@octo.example], github: samh, roles: [security-lead]}
  - {id: priya, name: Priya Nair, emails: [priya@octo.example], github: priyan, roles: [stakeholder-rep]}
  - {id: omar, name: Omar Diallo, emails: [omar@octo.example], github: omard, roles: [on-call]}
  - {id: paula, name: Paula Reyes, emails: [paula@octo.example], github: paular, roles: [product-lead]}
";

/// The gates of the built-in playbook, their signers and checklists.
pub const GATES: &[(&str, Who, &[&str])] = &[
    (
        "development",
        DEV,
        &["features-merged", "ci-passing", "test-guidance"],
    ),
    (
        "quality",
        GRACE,
        &[
            "test-plans-executed",
            "critical-path-tested",
            "no-p0-p1-defects",
            "regression-passed",
        ],
    ),
    (
        "security",
        SAM,
        &["scans-clean", "feature-review", "incident-plan-reviewed"],
    ),
    (
        "stakeholder",
        PRIYA,
        &["timing-accepted", "communication-plan", "support-prepared"],
    ),
    (
        "release-manager",
        ADA,
        &[
            "notes-approved",
            "rollback-tested",
            "runbook-updated",
            "monitoring-configured",
            "on-call-confirmed",
        ],
    ),
];

/// A real git repository in a temp dir.
pub struct Repo {
    dir: TempDir,
}

impl Default for Repo {
    fn default() -> Self {
        Self::new()
    }
}

impl Repo {
    /// An empty repository on branch `main`.
    pub fn new() -> Repo {
        let dir = tempfile::tempdir().expect("temp dir");
        let r = Repo { dir };
        r.git(&["init", "-q", "-b", "main"]);
        r.git(&["config", "commit.gpgsign", "false"]);
        r.git(&["config", "user.name", "Test Runner"]);
        r.git(&["config", "user.email", "runner@test.example"]);
        r
    }

    /// A repository whose first commit (by ADA) adds the standard roster.
    pub fn with_team() -> Repo {
        let r = Repo::new();
        r.write("content/team.yaml", TEAM);
        r.write("content/site.yaml", "title: Test\ncomponents: [Checkout]\n");
        r.commit(ADA, "2026-01-01T09:00:00Z", "roster");
        r
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn file(&self, rel: &str) -> PathBuf {
        self.path().join(rel)
    }

    /// Writes a file (creating folders).
    pub fn write(&self, rel: &str, text: &str) -> &Self {
        let p = self.file(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
        self
    }

    pub fn read(&self, rel: &str) -> String {
        std::fs::read_to_string(self.file(rel)).unwrap()
    }

    pub fn remove(&self, rel: &str) -> &Self {
        std::fs::remove_file(self.file(rel)).unwrap();
        self
    }

    /// Runs git; panics with its stderr on failure; returns stdout trimmed.
    pub fn git(&self, args: &[&str]) -> String {
        self.git_env(args, &[])
    }

    pub fn git_env(&self, args: &[&str], env: &[(&str, &str)]) -> String {
        let out = Command::new("git")
            .args(args)
            .current_dir(self.path())
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("HOME", self.path())
            .envs(env.iter().copied())
            .output()
            .expect("git runs");
        assert!(
            out.status.success(),
            "git {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }

    fn env_for(who: Who, at: &str) -> Vec<(&'static str, String)> {
        vec![
            ("GIT_AUTHOR_NAME", who.name.to_string()),
            ("GIT_AUTHOR_EMAIL", who.email.to_string()),
            ("GIT_AUTHOR_DATE", at.to_string()),
            ("GIT_COMMITTER_NAME", who.name.to_string()),
            ("GIT_COMMITTER_EMAIL", who.email.to_string()),
            ("GIT_COMMITTER_DATE", at.to_string()),
        ]
    }

    /// Stages everything and commits as `who` at `at` (RFC 3339); returns the commit id.
    pub fn commit(&self, who: Who, at: &str, message: &str) -> String {
        self.git(&["add", "-A"]);
        let env = Self::env_for(who, at);
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
        self.git_env(&["commit", "-q", "--allow-empty", "-m", message], &env);
        self.head()
    }

    /// Writes one file and commits it as `who`.
    pub fn commit_file(&self, who: Who, at: &str, rel: &str, text: &str) -> String {
        self.write(rel, text);
        self.commit(who, at, &format!("update {rel}"))
    }

    /// Runs a git command as `who` at `at` (for merges, reverts, ...).
    pub fn git_as(&self, who: Who, at: &str, args: &[&str]) -> String {
        let env = Self::env_for(who, at);
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
        self.git_env(args, &env)
    }

    /// Like `git_as`, but returns whether git succeeded instead of panicking
    /// (for merges and reverts that may conflict).
    pub fn try_git_as(&self, who: Who, at: &str, args: &[&str]) -> bool {
        Command::new("git")
            .args(args)
            .current_dir(self.path())
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("HOME", self.path())
            .envs(Self::env_for(who, at))
            .output()
            .expect("git runs")
            .status
            .success()
    }

    pub fn head(&self) -> String {
        self.git(&["rev-parse", "HEAD"])
    }

    /// The commit `git log -1 -- PATH` names.
    pub fn last_commit(&self, rel: &str) -> String {
        self.git(&["log", "-1", "--format=%H", "--", rel])
    }

    /// The real binary, run in the repository.
    pub fn baton(&self) -> assert_cmd::Command {
        let mut c = assert_cmd::Command::cargo_bin("baton").expect("binary built");
        c.current_dir(self.path()).env("NO_COLOR", "1");
        c
    }

    /// `baton check --format json --now NOW`, parsed, with its exit code.
    pub fn check_at(&self, now: &str) -> (Value, i32) {
        let out = self
            .baton()
            .args(["check", "--format", "json", "--now", now])
            .output()
            .unwrap();
        let code = out.status.code().unwrap_or(-1);
        let v: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
            panic!(
                "check printed no JSON ({e}); exit {code}\nstdout: {}\nstderr: {}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            )
        });
        (v, code)
    }

    /// `check` at a fixed time well after the fixtures' dates.
    pub fn check(&self) -> Value {
        self.check_at(NOW).0
    }
}

/// The default `--now` of the tests.
pub const NOW: &str = "2026-03-01T12:00:00Z";

/// Rule codes of all findings.
pub fn rules(v: &Value) -> Vec<String> {
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap().to_string())
        .collect()
}

/// Findings of one rule.
pub fn findings<'a>(v: &'a Value, rule: &str) -> Vec<&'a Value> {
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == rule)
        .collect()
}

/// Asserts that the check reports `rule` (at least once) and returns the first such finding.
#[track_caller]
pub fn assert_fires<'a>(v: &'a Value, rule: &str) -> &'a Value {
    let f = findings(v, rule);
    assert!(!f.is_empty(), "expected {rule}, got {:#?}", v["findings"]);
    f[0]
}

/// Asserts that the check does not report `rule`.
#[track_caller]
pub fn assert_silent(v: &Value, rule: &str) {
    let f = findings(v, rule);
    assert!(f.is_empty(), "expected no {rule}, got {f:#?}");
}

// ---- record fixtures (built-in playbook) ----

pub fn release_md(version: &str, kind: &str, start: &str, end: &str) -> String {
    format!(
        "---\nversion: {version}\ntype: {kind}\ntitle: Release {version}\ndate: {}\ndeploy_window: {{start: {start}, end: {end}}}\ncomponents: [Checkout]\nrequirements:\n  acceptance-criteria: true\n  ci-passing: https://ci.example/1\n  security-scans: true\n  release-notes: true\n  rollback-plan: true\n  smoke-tests: true\n---\n## Summary\n\nThings.\n\n## Notable changes\n\n- A change.\n\n## Migration steps\n\nNone.\n\n## Known issues\n\nNone.\n",
        &start[..10]
    )
}

pub fn signoff_md(items: &[&str], decision: &str) -> String {
    let mut s = format!("---\ndecision: {decision}\nchecklist:\n");
    for i in items {
        s.push_str(&format!("  {i}: true\n"));
    }
    s.push_str("---\nNotes.\n");
    s
}

pub fn gonogo_md(decision: &str, meeting_at: &str) -> String {
    format!(
        "---\ndecision: {decision}\nmeeting_at: {meeting_at}\nattendees: [ada, grace, sam]\n---\nMinutes.\n"
    )
}

pub fn deployment_md(started: &str, finished: &str, outcome: &str) -> String {
    format!(
        "---\nstarted_at: {started}\nfinished_at: {finished}\noutcome: {outcome}\nchecklist:\n  window-scheduled: true\n  backup-taken: true\n  staging-smoke-tests: true\n  production-deployed: true\n  post-deploy-verified: true\n  announced: true\n---\nNotes.\n"
    )
}

/// Paths of a release's files.
pub fn rel_path(version: &str, file: &str) -> String {
    format!("content/releases/{version}/{file}")
}

/// Commits a release record and all five gates by the right people, one
/// commit each, on days 2..=6 of `month` ("2026-02"); returns the commit ids by gate.
pub fn signed_release(repo: &Repo, version: &str, kind: &str, month: &str) -> Vec<String> {
    repo.commit_file(
        DEV,
        &format!("{month}-01T10:00:00Z"),
        &rel_path(version, "release.md"),
        &release_md(
            version,
            kind,
            &format!("{month}-20T14:00:00Z"),
            &format!("{month}-20T16:00:00Z"),
        ),
    );
    GATES
        .iter()
        .enumerate()
        .map(|(i, (gate, who, items))| {
            repo.commit_file(
                *who,
                &format!("{month}-{:02}T10:00:00Z", i + 2),
                &rel_path(version, &format!("signoffs/{gate}.md")),
                &signoff_md(items, "approve"),
            )
        })
        .collect()
}

/// A complete, valid release: signed, go on the 10th, deployed in the window on the 20th.
pub fn shipped_release(repo: &Repo, version: &str, kind: &str, month: &str) {
    signed_release(repo, version, kind, month);
    repo.commit_file(
        ADA,
        &format!("{month}-10T10:00:00Z"),
        &rel_path(version, "go-no-go.md"),
        &gonogo_md("go", &format!("{month}-10T09:00:00Z")),
    );
    repo.commit_file(
        ADA,
        &format!("{month}-20T15:30:00Z"),
        &rel_path(version, "deployment.md"),
        &deployment_md(
            &format!("{month}-20T14:05:00Z"),
            &format!("{month}-20T15:00:00Z"),
            "success",
        ),
    );
}

// ---- helpers of the rules_* tests ----

/// A deploy window after NOW, so no go/no-go deadline has passed at NOW.
pub const WINDOW: (&str, &str) = ("2026-03-20T14:00:00Z", "2026-03-20T16:00:00Z");

/// The usual signer and checklist items of a gate of the built-in playbook.
pub fn gate_of(gate: &str) -> (Who, &'static [&'static str]) {
    GATES
        .iter()
        .find(|(g, _, _)| *g == gate)
        .map(|(_, who, items)| (*who, *items))
        .unwrap_or_else(|| panic!("no gate {gate}"))
}

/// The path of a gate's sign-off file.
pub fn signoff_path(version: &str, gate: &str) -> String {
    rel_path(version, &format!("signoffs/{gate}.md"))
}

/// Commits a valid release.md (window [`WINDOW`]) as DEV on 2026-02-01; returns the commit.
pub fn planned_release(repo: &Repo, version: &str, kind: &str) -> String {
    repo.commit_file(
        DEV,
        "2026-02-01T10:00:00Z",
        &rel_path(version, "release.md"),
        &release_md(version, kind, WINDOW.0, WINDOW.1),
    )
}

/// Commits an approving sign-off of `gate` with a complete checklist as `who` at `at`.
pub fn sign(repo: &Repo, version: &str, gate: &str, who: Who, at: &str) -> String {
    repo.commit_file(
        who,
        at,
        &signoff_path(version, gate),
        &signoff_md(gate_of(gate).1, "approve"),
    )
}

/// Signs every gate in order, each by its usual signer, on 2026-02-02..06; returns the commits.
pub fn sign_all(repo: &Repo, version: &str) -> Vec<String> {
    GATES
        .iter()
        .enumerate()
        .map(|(i, (gate, who, _))| {
            sign(
                repo,
                version,
                gate,
                *who,
                &format!("2026-02-{:02}T10:00:00Z", i + 2),
            )
        })
        .collect()
}

/// `baton check --format json --now NOW` plus extra arguments, parsed, with its exit code.
pub fn check_with(repo: &Repo, extra: &[&str]) -> (Value, i32) {
    let out = repo
        .baton()
        .args(["check", "--format", "json", "--now", NOW])
        .args(extra)
        .output()
        .unwrap();
    let code = out.status.code().unwrap_or(-1);
    let v: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "check printed no JSON ({e}); exit {code}\nstderr: {}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (v, code)
}

/// The JSON of one release.
#[track_caller]
pub fn release_of<'a>(v: &'a Value, version: &str) -> &'a Value {
    v["releases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["version"] == version)
        .unwrap_or_else(|| panic!("no release {version} in {:#}", v["releases"]))
}

/// The JSON state of one gate ("pending", "approved", ...).
#[track_caller]
pub fn gate_state<'a>(v: &'a Value, version: &str, gate: &str) -> &'a str {
    release_of(v, version)["gates"][gate]["state"]
        .as_str()
        .unwrap_or_else(|| panic!("no gate {gate}"))
}

/// Asserts where a finding points and how severe it is.
#[track_caller]
pub fn assert_at(f: &Value, path: &str, line: usize, severity: &str) {
    assert_eq!(f["path"], path, "path of {f:#}");
    assert_eq!(f["line"], line, "line of {f:#}");
    assert_eq!(f["severity"], severity, "severity of {f:#}");
}

/// The 1-based number of the first line of `text` containing `needle`.
#[track_caller]
pub fn line_of(text: &str, needle: &str) -> usize {
    text.lines()
        .position(|l| l.contains(needle))
        .unwrap_or_else(|| panic!("no {needle:?} in {text}"))
        + 1
}
