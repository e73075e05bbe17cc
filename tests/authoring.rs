//! Writing records and projects: `baton init`, `baton new`, `baton
//! codeowners`, `baton schema` and shell completions.
mod common;

use std::path::Path;
use std::process::Command;

use common::*;
use predicates::prelude::*;

fn baton_in(dir: &Path, home: &Path) -> assert_cmd::Command {
    let mut c = assert_cmd::Command::cargo_bin("baton").unwrap();
    c.current_dir(dir)
        .env("HOME", home)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("NO_COLOR", "1");
    c
}

fn git(dir: &Path, home: &Path, args: &[&str]) {
    let st = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("HOME", home)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .status()
        .unwrap();
    assert!(st.success(), "git {args:?}");
}

#[test]
fn init_then_new_then_commit_then_check_passes() {
    let home = tempfile::tempdir().unwrap();
    std::fs::write(
        home.path().join(".gitconfig"),
        "[user]\n\tname = Rhea Manager\n\temail = rhea@corp.example\n[commit]\n\tgpgsign = false\n",
    )
    .unwrap();
    let work = tempfile::tempdir().unwrap();
    let dir = work.path().join("records");
    baton_in(work.path(), home.path())
        .args(["init", "records"])
        .assert()
        .success()
        .stdout(predicate::str::contains("wrote content/team.yaml"))
        .stdout(predicate::str::contains(
            "wrote .github/workflows/baton.yml",
        ))
        .stdout(predicate::str::contains("wrote .gitlab-ci.yml"));
    let team = std::fs::read_to_string(dir.join("content/team.yaml")).unwrap();
    assert!(
        team.contains("id: rhea")
            && team.contains("Rhea Manager")
            && team.contains("roles: [release-manager]"),
        "{team}"
    );
    assert!(team.starts_with("# yaml-language-server: $schema=../.baton/schemas/team.json"));
    assert!(dir.join(".baton/schemas/signoff.json").is_file());
    let workflow = std::fs::read_to_string(dir.join(".github/workflows/baton.yml")).unwrap();
    assert!(
        workflow.contains("fetch-depth: 0") && workflow.contains("baton check --format github")
    );
    assert!(
        include_str!("../README.md").contains(workflow.trim()),
        "the README shows the exact workflow init writes"
    );
    let gitlab = std::fs::read_to_string(dir.join(".gitlab-ci.yml")).unwrap();
    assert!(
        include_str!("../README.md").contains(gitlab.trim()),
        "the README shows the exact GitLab CI init writes"
    );
    baton_in(work.path(), home.path())
        .args(["init", "records"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("already has a content/"));

    git(&dir, home.path(), &["add", "-A"]);
    git(
        &dir,
        home.path(),
        &["commit", "-q", "-m", "Start release records"],
    );
    baton_in(&dir, home.path())
        .args(["check"])
        .assert()
        .success();

    // The release manager writes and commits the release-manager sign-off.
    baton_in(&dir, home.path())
        .args(["new", "signoff", "0.1.0", "release-manager"])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "wrote content/releases/0.1.0/signoffs/release-manager.md",
        ))
        .stdout(predicate::str::contains(
            "git add content/releases/0.1.0/signoffs/release-manager.md",
        ));
    let path = dir.join("content/releases/0.1.0/signoffs/release-manager.md");
    let signoff = std::fs::read_to_string(&path).unwrap();
    for item in GATES[4].2 {
        assert!(
            signoff.contains(&format!("  {item}: false")),
            "every checklist item, unchecked: {item}"
        );
    }
    assert!(signoff.contains("signed_by: rhea"));
    baton_in(&dir, home.path())
        .args(["new", "signoff", "0.1.0", "release-manager"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("never overwrites"));
    std::fs::write(&path, signoff.replace(": false", ": true")).unwrap();
    git(&dir, home.path(), &["add", "-A"]);
    git(&dir, home.path(), &["commit", "-q", "-m", "RM sign-off"]);
    let out = baton_in(&dir, home.path())
        .args(["check", "--format", "json"])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["summary"]["errors"], 1, "{v:#}");
    assert_fires(&v, "signoff.out-of-order"); // the earlier gates have not signed yet
    assert_eq!(
        v["releases"][0]["gates"]["release-manager"]["signer"],
        "rhea"
    );
}

#[test]
fn new_writes_every_kind_from_the_playbook() {
    let repo = Repo::with_team();
    signed_release(&repo, "1.0.0", "major", "2026-02");
    repo.baton()
        .args(["new", "release", "1.1.0", "--type", "minor"])
        .assert()
        .success();
    let release = repo.read("content/releases/1.1.0/release.md");
    for s in [
        "## Summary",
        "## Notable changes",
        "## Migration steps",
        "## Known issues",
        "rollback-plan: false",
        "deploy_window:",
    ] {
        assert!(release.contains(s), "{s} in {release}");
    }
    repo.baton()
        .args(["new", "go-no-go", "1.0.0"])
        .assert()
        .success();
    repo.baton()
        .args(["new", "deployment", "1.0.0"])
        .assert()
        .success();
    let deployment = repo.read("content/releases/1.0.0/deployment.md");
    assert!(
        deployment.contains("staging-smoke-tests: false")
            && deployment.contains("outcome: in-progress")
    );
    repo.baton()
        .args(["new", "incident", "checkout-errors"])
        .assert()
        .success()
        .stdout(predicate::str::contains("content/incidents/"));
    let id = std::fs::read_dir(repo.file("content/incidents"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .file_name()
        .to_string_lossy()
        .to_string();
    assert!(id.ends_with("-checkout-errors"));
    let incident = repo.read(&format!("content/incidents/{id}/incident.md"));
    for s in [
        "declared_at:",
        "alert:",
        "summary:",
        "next_update_at:",
        "assessment:",
        "rollback-announced: false",
        "resolution:",
    ] {
        assert!(incident.contains(s), "{s} in {incident}");
    }
    repo.baton()
        .args(["new", "postmortem", &id])
        .assert()
        .success();
    assert!(
        repo.read(&format!("content/incidents/{id}/postmortem.md"))
            .contains("timeline-captured: false")
    );
    // Every written record parses (findings are about content, never content.parse).
    let v = repo.check();
    for rule in rules(&v) {
        assert_ne!(rule, "content.parse", "{v:#}");
        assert_ne!(rule, "content.unknown-field", "{v:#}");
    }
    repo.baton()
        .args(["new", "signoff", "9.9.9", "quality"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("there is no release 9.9.9"));
    repo.baton()
        .args(["new", "signoff", "1.0.0", "qa"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("not a gate"));
    repo.baton()
        .args(["new", "release", "1.2", "--type", "minor"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("semver"));
    repo.baton()
        .args(["new", "incident", "Bad Slug"])
        .assert()
        .code(2);
}

#[test]
fn codeowners_routes_each_gate_to_its_role() {
    let repo = Repo::with_team();
    repo.baton()
        .arg("codeowners")
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "/content/releases/*/signoffs/quality.md @graceito",
        ))
        .stdout(predicate::str::contains(
            "/content/releases/*/signoffs/development.md @devrao",
        ))
        .stdout(predicate::str::contains("/content/team.yaml @adapark"))
        .stdout(predicate::str::contains(
            "/content/releases/*/deployment.md @adapark @omard",
        ));
}

#[test]
fn schemas_and_completions() {
    let repo = Repo::with_team();
    let out = repo.baton().args(["schema", "signoff"]).output().unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        v["properties"]["decision"]["enum"],
        serde_json::json!(["approve", "reject"])
    );
    assert!(v["properties"]["checklist"]["properties"]["regression-passed"].is_object());
    assert_eq!(
        v["additionalProperties"], false,
        "typos such as `decison` are flagged"
    );
    for kind in [
        "release",
        "go-no-go",
        "deployment",
        "incident",
        "postmortem",
        "team",
        "site",
    ] {
        repo.baton().args(["schema", kind]).assert().success();
    }
    repo.baton()
        .args(["schema", "nope"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("kinds: release"));
    repo.baton()
        .args(["completions", "bash"])
        .assert()
        .success()
        .stdout(predicate::str::contains("baton"));
}
