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

// ---- helpers of the go/no-go, deploy, incident and post-mortem tests ----

/// Asserts that `rule` fires as an error at `path:line` and returns that finding.
#[track_caller]
pub fn assert_error_at<'a>(v: &'a Value, rule: &str, path: &str, line: usize) -> &'a Value {
    let all = findings(v, rule);
    let hit = all.iter().find(|f| f["path"] == path && f["line"] == line);
    let f =
        hit.unwrap_or_else(|| panic!("expected {rule} at {path}:{line}, got {:#?}", v["findings"]));
    assert_eq!(f["severity"], "error", "{f:#}");
    f
}

/// Asserts a check without any finding, exit 0.
#[track_caller]
pub fn assert_clean(v: &Value, code: i32) {
    assert_eq!(
        v["findings"].as_array().unwrap().len(),
        0,
        "{:#}",
        v["findings"]
    );
    assert_eq!(v["summary"]["errors"], 0);
    assert_eq!(code, 0);
}

/// The JSON entry of one incident.
#[track_caller]
pub fn incident_json<'a>(v: &'a Value, id: &str) -> &'a Value {
    v["incidents"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["id"] == id)
        .unwrap_or_else(|| panic!("no incident {id} in {:#}", v["incidents"]))
}

/// The 1-based file line of a key path in block YAML (`["assessment", "at"]`):
/// each key is searched below the previous one, deeper indented; a list
/// item's `- ` counts as indentation. Panics when a key is not there.
#[track_caller]
pub fn key_line(text: &str, keys: &[&str]) -> usize {
    let lines: Vec<&str> = text.lines().collect();
    let (mut from, mut indent, mut found) = (0usize, None::<usize>, 0usize);
    for key in keys {
        let want = format!("{key}:");
        let i = (from..lines.len())
            .find(|&i| {
                let t = lines[i].trim_start();
                let ind = lines[i].len() - t.len();
                let t = t.strip_prefix("- ").unwrap_or(t);
                indent.is_none_or(|d| ind > d)
                    && (indent.is_some() || ind == 0)
                    && t.starts_with(&want)
            })
            .unwrap_or_else(|| panic!("no {keys:?} in\n{text}"));
        indent = Some(lines[i].len() - lines[i].trim_start().len());
        from = i + 1;
        found = i + 1;
    }
    found
}

/// `ts` (RFC 3339) plus `minutes`, in UTC with `Z`.
pub fn plus(ts: &str, minutes: i64) -> String {
    let t = chrono::DateTime::parse_from_rfc3339(ts).expect("an RFC 3339 timestamp");
    (t + chrono::Duration::minutes(minutes))
        .to_utc()
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

// ---- YAML from JSON values ----

/// Renders a JSON object as block YAML, the way people write records, so
/// findings' lines are meaningful. Scalar lists and maps of up to two
/// scalars go in flow style.
pub fn to_yaml(v: &Value) -> String {
    let mut out = String::new();
    for (k, v) in v.as_object().expect("a mapping") {
        yaml_entry(k, v, 0, &mut out);
    }
    out
}

fn yaml_entry(key: &str, v: &Value, indent: usize, out: &mut String) {
    let pad = " ".repeat(indent);
    match v {
        Value::Object(m) if m.values().any(|x| x.is_object() || x.is_array()) || m.len() > 2 => {
            out.push_str(&format!("{pad}{key}:\n"));
            for (k, v) in m {
                yaml_entry(k, v, indent + 2, out);
            }
        }
        Value::Array(items) if items.iter().any(Value::is_object) => {
            out.push_str(&format!("{pad}{key}:\n"));
            for item in items {
                let mut entry = String::new();
                for (k, v) in item.as_object().expect("list items are all mappings") {
                    yaml_entry(k, v, indent + 4, &mut entry);
                }
                out.push_str(&format!("{pad}  - {}", &entry[indent + 4..]));
            }
        }
        _ => out.push_str(&format!("{pad}{key}: {}\n", yaml_flow(v))),
    }
}

fn yaml_flow(v: &Value) -> String {
    match v {
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => yaml_str(s),
        Value::Array(a) => format!(
            "[{}]",
            a.iter().map(yaml_flow).collect::<Vec<_>>().join(", ")
        ),
        Value::Object(m) => format!(
            "{{{}}}",
            m.iter()
                .map(|(k, v)| format!("{}: {}", yaml_str(k), yaml_flow(v)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// A string as a plain scalar when that reads back as the same string, else double-quoted.
fn yaml_str(s: &str) -> String {
    let special = s.is_empty()
        || s.starts_with(|c: char| c.is_whitespace() || "-?:,[]{}#&*!|>'\"%@`".contains(c))
        || s.ends_with(|c: char| c.is_whitespace() || c == ':')
        || s.contains(": ")
        || s.contains(" #")
        || s.contains([',', '[', ']', '{', '}', '\n'])
        || matches!(
            s.to_ascii_lowercase().as_str(),
            "true" | "false" | "null" | "~" | "yes" | "no" | "on" | "off"
        )
        || s.parse::<f64>().is_ok();
    if special {
        serde_json::to_string(s).unwrap()
    } else {
        s.to_string()
    }
}

/// `v` with `changes` applied: `("alert/sent_at", Some(value))` sets a
/// `/`-separated path (list items by index), `(path, None)` removes it;
/// the order of the other keys is kept.
#[track_caller]
pub fn edited(mut v: Value, changes: &[(&str, Option<Value>)]) -> Value {
    for (path, value) in changes {
        let (parent, key) = path.rsplit_once('/').unwrap_or(("", path));
        let target = if parent.is_empty() {
            &mut v
        } else {
            v.pointer_mut(&format!("/{parent}"))
                .unwrap_or_else(|| panic!("no {parent}"))
        };
        let m = target.as_object_mut().expect("a mapping");
        match value {
            Some(x) => {
                m.insert(key.to_string(), x.clone());
            }
            None => {
                m.shift_remove(key)
                    .unwrap_or_else(|| panic!("no {path} to remove"));
            }
        }
    }
    v
}

/// A Markdown record: `front` as YAML front matter, then `body`.
pub fn record_md(front: &Value, body: &str) -> String {
    format!("---\n{}---\n{body}", to_yaml(front))
}

// ---- incidents (built-in playbook) ----

/// The incident of the fixtures: 1.1.0 broke checkout during its deploy window.
pub const INCIDENT: &str = "2026-02-20-checkout-errors";
/// When [`INCIDENT`] was declared (alert due +5 min, assessment +15 min).
pub const DECLARED: &str = "2026-02-20T15:10:00Z";
/// When [`valid_incident`] was resolved (post-mortem due +48 h).
pub const RESOLVED: &str = "2026-02-20T15:55:00Z";

pub fn incident_path(id: &str) -> String {
    format!("content/incidents/{id}/incident.md")
}

pub fn postmortem_path(id: &str) -> String {
    format!("content/incidents/{id}/postmortem.md")
}

/// A complete, valid incident with every field of SPEC §4: declared at
/// [`DECLARED`] by on-call, alert at +3 min, a disagreement at +5 escalated
/// to the product lead at +10, assessed at +12 (rollback of 1.1.0 to 1.0.0,
/// decided by the release manager, target validated by the QA lead),
/// updates as promised, rollback complete at +40, resolved at [`RESOLVED`].
pub fn valid_incident() -> Value {
    serde_json::json!({
        "title": "Checkout errors after 1.1.0",
        "severity": "sev1",
        "release": "1.1.0",
        "security": false,
        "components": {"Checkout": "major-outage"},
        "declared_at": DECLARED,
        "declared_by": "omar",
        "criteria": ["performance", "business-impact"],
        "metrics": {"error_rate_change_pct": 180, "latency_change_pct": 35},
        "alert": {
            "sent_at": "2026-02-20T15:13:00Z",
            "summary": "Checkout fails for one shopper in five since the 1.1.0 rollout",
            "impact": "Orders are not placed",
            "status": "investigating",
            "responders": ["omar", "ada", "grace"],
            "next_update_at": "2026-02-20T15:40:00Z"
        },
        "assessment": {
            "at": "2026-02-20T15:22:00Z",
            "decision": "rollback",
            "decided_by": "ada",
            "rm_unavailable": false,
            "target": "1.0.0",
            "target_validated_by": "grace"
        },
        "escalation": {
            "disagreement_at": "2026-02-20T15:15:00Z",
            "escalated_at": "2026-02-20T15:20:00Z",
            "to": "paula"
        },
        "updates": [
            {"at": "2026-02-20T15:35:00Z", "status": "rolling-back", "message": "Rolling Checkout back to 1.0.0", "next_update_at": "2026-02-20T16:00:00Z"},
            {"at": RESOLVED, "status": "resolved", "message": "Error rate back to baseline"}
        ],
        "rollback": {
            "checklist": {
                "rollback-announced": true,
                "automated-rollback": true,
                "post-rollback-smoke-tests": true,
                "monitoring-healthy": true,
                "status-page-updated": true
            },
            "smoke_tests_validated_by": "grace",
            "completed_at": "2026-02-20T15:50:00Z"
        },
        "resolution": {
            "resolved_at": RESOLVED,
            "root_cause": "A payment intent created on page load expired",
            "actions_taken": "Rolled back to 1.0.0 and e-mailed affected shoppers",
            "postmortem_at": "2026-02-21T10:00:00Z",
            "contact": "ada"
        }
    })
}

/// The incident as a hotfix: assessed at +12 min (`decision: hotfix` by the
/// release manager), no rollback; open (no resolution, updates or escalation).
pub fn hotfix_incident() -> Value {
    let mut v = valid_incident();
    let m = v.as_object_mut().unwrap();
    for k in ["escalation", "updates", "rollback", "resolution"] {
        m.shift_remove(k);
    }
    let a = m["assessment"].as_object_mut().unwrap();
    a["decision"] = "hotfix".into();
    a.shift_remove("target");
    a.shift_remove("target_validated_by");
    // the alert promised an update at 15:40; promise a later one
    m["alert"]["next_update_at"] = "2026-02-20T17:00:00Z".into();
    v
}

/// A valid post-mortem of [`valid_incident`], held 18 h after resolution.
pub fn valid_postmortem() -> Value {
    serde_json::json!({
        "held_at": "2026-02-21T10:00:00Z",
        "checklist": {"timeline-captured": true, "action-items-created": true, "deployment-checklist-reviewed": true},
        "action_items": [
            {"title": "Test checkout with an idle page", "owner": "dev", "due": "2026-03-06"},
            {"title": "Alert on payment confirmation failures", "owner": "omar", "due": "2026-03-13"}
        ]
    })
}

pub fn incident_md(v: &Value) -> String {
    record_md(
        v,
        "Omar saw the error-rate alert and declared the incident.\n",
    )
}

pub fn postmortem_md(v: &Value) -> String {
    record_md(v, "## What happened\n\nA blameless write-up.\n")
}

/// A repository with the roster and two valid shipped releases: 1.0.0
/// (January) and 1.1.0 (deployed 2026-02-20 14:05–15:00, window 14:00–16:00).
pub fn incident_world() -> Repo {
    let repo = Repo::with_team();
    shipped_release(&repo, "1.0.0", "major", "2026-01");
    shipped_release(&repo, "1.1.0", "minor", "2026-02");
    repo
}

/// Commits `content/incidents/<id>/incident.md` as on-call (OMAR); returns the commit.
pub fn commit_incident(repo: &Repo, id: &str, v: &Value) -> String {
    repo.commit_file(
        OMAR,
        "2026-02-20T16:30:00Z",
        &incident_path(id),
        &incident_md(v),
    )
}

/// Commits the post-mortem as the release manager; returns the commit.
pub fn commit_postmortem(repo: &Repo, id: &str, v: &Value) -> String {
    repo.commit_file(
        ADA,
        "2026-02-21T11:00:00Z",
        &postmortem_path(id),
        &postmortem_md(v),
    )
}

/// Commits a patch release `version` prepared in a hurry on 2026-02-20:
/// the record at 15:23, the five gates at 15:24–15:28, deploy window
/// 15:30–16:30, naming `incident` when given. No go/no-go, no deployment.
pub fn rushed_patch(repo: &Repo, version: &str, incident: Option<&str>) {
    let mut text = release_md(
        version,
        "patch",
        "2026-02-20T15:30:00Z",
        "2026-02-20T16:30:00Z",
    );
    if let Some(id) = incident {
        text = text.replacen("components:", &format!("incident: {id}\ncomponents:"), 1);
    }
    repo.commit_file(
        DEV,
        "2026-02-20T15:23:00Z",
        &rel_path(version, "release.md"),
        &text,
    );
    for (i, (gate, who, items)) in GATES.iter().enumerate() {
        repo.commit_file(
            *who,
            &format!("2026-02-20T15:{:02}:00Z", 24 + i),
            &rel_path(version, &format!("signoffs/{gate}.md")),
            &signoff_md(items, "approve"),
        );
    }
}

// ---- hostile input, forgery and faults ----

impl Repo {
    /// Writes raw bytes (invalid UTF-8, a BOM, CRLF) to a file, creating folders.
    pub fn write_bytes(&self, rel: &str, bytes: &[u8]) -> &Self {
        let p = self.file(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, bytes).unwrap();
        self
    }
}

/// What one run of the binary printed, and its exit code.
#[derive(Debug)]
pub struct Ran {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// How long one run of baton may take before it counts as a hang.
pub const HANG: std::time::Duration = std::time::Duration::from_secs(60);

/// Runs `baton ARGS` in `dir` with a time limit; asserts that it neither
/// hung (killed at [`HANG`]) nor panicked.
#[track_caller]
pub fn run_baton_in(dir: &Path, args: &[&str]) -> Ran {
    let out = assert_cmd::Command::cargo_bin("baton")
        .expect("binary built")
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .args(args)
        .timeout(HANG)
        .output()
        .unwrap();
    let ran = Ran {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    };
    assert!(
        !ran.stderr.contains("panicked"),
        "baton {args:?} panicked:\n{}",
        ran.stderr
    );
    assert!(
        ran.code != -1,
        "baton {args:?} hung or died from a signal ({:?}):\n{}",
        out.status,
        ran.stderr
    );
    ran
}

/// [`run_baton_in`] at the repository's top.
#[track_caller]
pub fn run_baton(repo: &Repo, args: &[&str]) -> Ran {
    run_baton_in(repo.path(), args)
}

/// `check --format json --now NOW` plus `extra`, guarded against hangs and
/// panics; the parsed JSON and the exit code.
#[track_caller]
pub fn check_safely(repo: &Repo, extra: &[&str]) -> (Value, i32) {
    let mut args = vec!["check", "--format", "json", "--now", NOW];
    args.extend_from_slice(extra);
    let ran = run_baton(repo, &args);
    let v: Value = serde_json::from_str(&ran.stdout).unwrap_or_else(|e| {
        panic!(
            "check printed no JSON ({e}); exit {}\nstdout: {}\nstderr: {}",
            ran.code, ran.stdout, ran.stderr
        )
    });
    (v, ran.code)
}

/// Findings of one rule on one path.
pub fn findings_at<'a>(v: &'a Value, rule: &str, path: &str) -> Vec<&'a Value> {
    findings(v, rule)
        .into_iter()
        .filter(|f| f["path"] == path)
        .collect()
}

/// Every file under `dir` (symlinks not followed): relative path → bytes.
pub fn tree_files(dir: &Path) -> std::collections::BTreeMap<String, Vec<u8>> {
    fn walk(base: &Path, dir: &Path, out: &mut std::collections::BTreeMap<String, Vec<u8>>) {
        for entry in std::fs::read_dir(dir).unwrap().map(Result::unwrap) {
            let path = entry.path();
            let kind = entry.file_type().unwrap();
            if kind.is_dir() {
                walk(base, &path, out);
            } else if kind.is_file() {
                let rel = path
                    .strip_prefix(base)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned();
                out.insert(rel, std::fs::read(&path).unwrap());
            }
        }
    }
    let mut out = std::collections::BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

/// Attribute names and values of a tag's inside, honouring quotes.
fn tag_attributes(inside: &str) -> Vec<(String, String)> {
    let chars: Vec<char> = inside
        .trim_end_matches('>')
        .trim_end_matches('/')
        .chars()
        .collect();
    let (mut i, mut out) = (0, Vec::new());
    while i < chars.len() {
        while i < chars.len() && (chars[i].is_whitespace() || chars[i] == '/') {
            i += 1;
        }
        let start = i;
        while i < chars.len() && !chars[i].is_whitespace() && chars[i] != '=' {
            i += 1;
        }
        let name: String = chars[start..i].iter().collect();
        let mut value = String::new();
        if i < chars.len() && chars[i] == '=' {
            i += 1;
            if i < chars.len() && (chars[i] == '"' || chars[i] == '\'') {
                let q = chars[i];
                i += 1;
                while i < chars.len() && chars[i] != q {
                    value.push(chars[i]);
                    i += 1;
                }
                i += 1;
            } else {
                while i < chars.len() && !chars[i].is_whitespace() {
                    value.push(chars[i]);
                    i += 1;
                }
            }
        }
        if !name.is_empty() {
            out.push((name, value));
        }
    }
    out
}

/// The first piece of script markup in HTML, if any: a script-capable
/// element, an event handler, an inline style, or a `javascript:`,
/// `vbscript:` or `data:` URL. Escaped text (`&lt;script&gt;`) is harmless.
pub fn script_in(html: &str) -> Option<String> {
    const ELEMENTS: &[&str] = &[
        "script", "iframe", "object", "embed", "style", "base", "frame", "svg", "math", "form",
    ];
    const URLS: &[&str] = &[
        "href",
        "src",
        "action",
        "formaction",
        "xlink:href",
        "data",
        "poster",
    ];
    let mut rest = html;
    while let Some(start) = rest.find('<') {
        let end = rest[start..]
            .find('>')
            .map_or(rest.len(), |e| start + e + 1);
        let tag = rest[start..end].to_ascii_lowercase();
        let name: String = tag[1..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect();
        if ELEMENTS.contains(&name.as_str()) || (name == "meta" && tag.contains("http-equiv")) {
            return Some(tag);
        }
        for (attr, value) in tag_attributes(&tag[1 + name.len()..]) {
            let url = value.trim();
            if attr.starts_with("on")
                || attr == "style"
                || (URLS.contains(&attr.as_str())
                    && ["javascript:", "vbscript:", "data:"]
                        .iter()
                        .any(|s| url.starts_with(s)))
            {
                return Some(tag);
            }
        }
        rest = &rest[end..];
    }
    None
}

/// Asserts that no HTML page of a built site carries script markup; returns the pages.
#[track_caller]
pub fn assert_site_has_no_script(site: &Path) -> std::collections::BTreeMap<String, String> {
    let pages: std::collections::BTreeMap<String, String> = tree_files(site)
        .into_iter()
        .filter(|(p, _)| p.ends_with(".html"))
        .map(|(p, b)| (p, String::from_utf8_lossy(&b).into_owned()))
        .collect();
    assert!(!pages.is_empty(), "no pages in {}", site.display());
    for (page, html) in &pages {
        if let Some(tag) = script_in(html) {
            panic!("script reached {page}: {tag}");
        }
    }
    pages
}

/// A `baton serve --port 0` process in a repository, killed on drop; its
/// stderr goes to a log file, to look for panics in its threads.
pub struct Served {
    pub child: std::process::Child,
    /// `127.0.0.1:PORT`
    pub addr: String,
    log_dir: TempDir,
}

impl Served {
    /// Starts the server and waits for the address it prints.
    pub fn start(repo: &Repo) -> Served {
        use std::io::BufRead;
        let log_dir = tempfile::tempdir().unwrap();
        let log = std::fs::File::create(log_dir.path().join("stderr")).unwrap();
        let mut child = Command::new(assert_cmd::cargo::cargo_bin("baton"))
            .args(["serve", "--port", "0"])
            .current_dir(repo.path())
            .env("NO_COLOR", "1")
            .stdout(std::process::Stdio::piped())
            .stderr(log)
            .spawn()
            .unwrap();
        let mut line = String::new();
        std::io::BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let addr = line
            .split("http://")
            .nth(1)
            .and_then(|s| s.split('/').next())
            .unwrap_or_else(|| panic!("no address in {line:?}"))
            .to_string();
        Served {
            child,
            addr,
            log_dir,
        }
    }

    /// What the server wrote to stderr so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.log_dir.path().join("stderr")).unwrap_or_default()
    }

    /// Whether the process is still running.
    pub fn running(&mut self) -> bool {
        self.child.try_wait().unwrap().is_none()
    }

    /// GET over plain HTTP/1.0: (status, body); panics when the server does not answer.
    #[track_caller]
    pub fn get(&self, path: &str) -> (u16, String) {
        use std::io::{Read, Write};
        let mut s = std::net::TcpStream::connect(&self.addr)
            .unwrap_or_else(|e| panic!("the server does not answer: {e}"));
        s.set_read_timeout(Some(std::time::Duration::from_secs(30)))
            .unwrap();
        write!(s, "GET {path} HTTP/1.0\r\nHost: {}\r\n\r\n", self.addr).unwrap();
        let mut raw = Vec::new();
        s.read_to_end(&mut raw).unwrap();
        let out = String::from_utf8_lossy(&raw);
        let status = out
            .split(' ')
            .nth(1)
            .and_then(|c| c.parse().ok())
            .unwrap_or(0);
        let body = out
            .split_once("\r\n\r\n")
            .map(|(_, b)| b.to_string())
            .unwrap_or_default();
        (status, body)
    }

    /// Polls `path` until its body satisfies `ok` (rebuilds are debounced); returns it.
    #[track_caller]
    pub fn eventually(&self, path: &str, ok: impl Fn(&str) -> bool) -> String {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        loop {
            let (_, body) = self.get(path);
            if ok(&body) {
                return body;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "timed out waiting on {path}; last body:\n{body}"
            );
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
