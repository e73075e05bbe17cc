//! The command line as users and CI see it: output formats, exit codes,
//! and refusing what baton cannot judge (no repository, shallow clone,
//! broken roster or playbook).
mod common;

use common::*;
use predicates::prelude::*;

/// A repository with one finding: the quality gate signed by a developer.
fn one_wrong_role() -> Repo {
    let repo = Repo::with_team();
    repo.commit_file(
        DEV,
        "2026-02-01T10:00:00Z",
        &rel_path("1.0.0", "release.md"),
        &release_md(
            "1.0.0",
            "major",
            "2026-04-20T14:00:00Z",
            "2026-04-20T16:00:00Z",
        ),
    );
    repo.commit_file(
        DEV,
        "2026-02-02T10:00:00Z",
        &rel_path("1.0.0", "signoffs/development.md"),
        &signoff_md(GATES[0].2, "approve"),
    );
    repo.commit_file(
        DEV,
        "2026-02-03T10:00:00Z",
        &rel_path("1.0.0", "signoffs/quality.md"),
        &signoff_md(GATES[1].2, "approve"),
    );
    repo
}

#[test]
fn text_output_is_rustc_like() {
    let repo = one_wrong_role();
    repo.baton()
        .args(["check", "--now", NOW])
        .assert()
        .code(1)
        .stdout(predicate::str::contains(
            "error[signoff.wrong-role]: the quality gate needs a qa-lead",
        ))
        .stdout(predicate::str::contains(
            "--> content/releases/1.0.0/signoffs/quality.md:1",
        ))
        .stdout(predicate::str::contains(
            "= help: a qa-lead (grace) must commit this sign-off",
        ))
        .stdout(predicate::str::contains("1 error, 0 warnings"))
        .stdout(predicate::str::contains("\u{1b}[").not());
}

#[test]
fn json_output_has_the_spec_shape() {
    let repo = one_wrong_role();
    let (v, code) = repo.check_at(NOW);
    assert_eq!(code, 1);
    assert_eq!(v["schema"], 1);
    assert_eq!(v["summary"]["errors"], 1);
    assert_eq!(v["summary"]["warnings"], 0);
    let f = &v["findings"][0];
    assert_eq!(f["rule"], "signoff.wrong-role");
    assert_eq!(f["severity"], "error");
    assert_eq!(f["path"], "content/releases/1.0.0/signoffs/quality.md");
    assert_eq!(f["line"], 1);
    assert_eq!(f["release"], "1.0.0");
    assert_eq!(
        f["commit"],
        repo.last_commit("content/releases/1.0.0/signoffs/quality.md")
    );
    let r = &v["releases"][0];
    assert_eq!(
        (
            r["version"].as_str(),
            r["type"].as_str(),
            r["state"].as_str()
        ),
        (Some("1.0.0"), Some("major"), Some("in-review"))
    );
    assert_eq!(r["gates"]["development"]["state"], "approved");
    assert_eq!(r["gates"]["development"]["signer"], "dev");
    assert_eq!(
        r["gates"]["development"]["signed_at"],
        "2026-02-02T10:00:00+00:00"
    );
    assert_eq!(r["gates"]["quality"]["state"], "invalid");
    let keys =
        |v: &serde_json::Value| -> Vec<String> { v.as_object().unwrap().keys().cloned().collect() };
    assert_eq!(
        keys(f),
        [
            "rule", "severity", "path", "line", "message", "help", "release", "commit"
        ],
        "a finding's keys, in order (no incident key outside incidents)"
    );
    assert_eq!(
        keys(&r["gates"]["quality"]),
        [
            "state",
            "signer",
            "commit",
            "signed_at",
            "verified",
            "reasons"
        ],
        "a gate that is not approved says why"
    );
    assert_eq!(
        keys(&r["gates"]["development"]),
        ["state", "signer", "commit", "signed_at", "verified"],
        "an approved gate signed by a person of the roster: no `author`, no `reasons`"
    );
    assert_eq!(r["gates"]["security"]["state"], "pending");
    let gates: Vec<&String> = r["gates"].as_object().unwrap().keys().collect();
    assert_eq!(
        gates,
        [
            "development",
            "quality",
            "security",
            "stakeholder",
            "release-manager"
        ],
        "handoff order"
    );
    assert!(v["incidents"].as_array().unwrap().is_empty());
}

#[test]
fn github_output_annotates() {
    let repo = one_wrong_role();
    repo.baton()
        .args(["check", "--format", "github", "--now", NOW])
        .assert()
        .code(1)
        .stdout(predicate::str::starts_with(
            "::error file=content/releases/1.0.0/signoffs/quality.md,line=1,title=signoff.wrong-role::the quality gate",
        ));
}

#[test]
fn clean_repository_exits_zero_and_strict_fails_on_warnings() {
    let repo = Repo::with_team();
    shipped_release(&repo, "1.0.0", "major", "2026-02");
    repo.baton()
        .args(["check", "--now", NOW])
        .assert()
        .code(0)
        .stdout(predicate::str::contains(
            "ok: 1 release, 0 incidents checked",
        ));
    // A typo is a warning: passes normally, fails with --strict.
    let release =
        repo.read(&rel_path("1.0.0", "release.md"))
            .replacen("type:", "titel: x\ntype:", 1);
    repo.commit_file(
        DEV,
        "2026-02-25T10:00:00Z",
        &rel_path("1.0.0", "release.md"),
        &release,
    );
    repo.baton()
        .args(["check", "--now", NOW])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("warning[content.unknown-field]"));
    repo.baton()
        .args(["check", "--strict", "--now", NOW])
        .assert()
        .code(1);
}

#[test]
fn not_a_repository_is_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("content")).unwrap();
    std::fs::write(dir.path().join("content/team.yaml"), TEAM).unwrap();
    assert_cmd::Command::cargo_bin("baton")
        .unwrap()
        .args(["check", "--root"])
        .arg(dir.path())
        .env("GIT_CEILING_DIRECTORIES", dir.path().parent().unwrap())
        .assert()
        .code(2)
        .stderr(predicate::str::contains("is not in a git repository"))
        .stderr(predicate::str::contains("help:"));
}

#[test]
fn no_content_folder_is_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    assert_cmd::Command::cargo_bin("baton")
        .unwrap()
        .arg("check")
        .current_dir(dir.path())
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no content/ folder"));
}

#[test]
fn shallow_clone_is_exit_2_with_fetch_advice() {
    let repo = Repo::with_team();
    shipped_release(&repo, "1.0.0", "major", "2026-02");
    let clone = tempfile::tempdir().unwrap();
    let url = format!("file://{}", repo.path().display());
    let st = std::process::Command::new("git")
        .args(["clone", "-q", "--depth", "1", &url])
        .arg(clone.path().join("c"))
        .status()
        .unwrap();
    assert!(st.success());
    assert_cmd::Command::cargo_bin("baton")
        .unwrap()
        .arg("check")
        .current_dir(clone.path().join("c"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("shallow clone"))
        .stderr(predicate::str::contains("fetch-depth: 0"))
        .stderr(predicate::str::contains("git fetch --unshallow"));
}

#[test]
fn missing_or_broken_roster_is_exit_2() {
    let repo = Repo::new();
    repo.write("content/site.yaml", "title: x\n");
    repo.baton()
        .arg("check")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("content/team.yaml not found"));
    repo.write("content/team.yaml", "people:\n  - {id: ada, name: [\n");
    repo.baton()
        .arg("check")
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "content/team.yaml:2: the roster cannot be read",
        ));
}

#[test]
fn broken_playbook_is_exit_2_with_file_and_line() {
    let repo = Repo::with_team();
    repo.write(
        "content/playbook.md",
        "---\nname: Ours\nroles: [developer]\n---\n",
    );
    repo.baton()
        .arg("check")
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "content/playbook.md:2:1: missing field `governors`",
        ));
    let builtin = include_str!("../src/playbook/playbook.md")
        .replace("governors: [release-manager]", "governors: [boss]");
    repo.write("content/playbook.md", &builtin);
    repo.baton()
        .arg("check")
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "content/playbook.md:6:1: role `boss` is not in `roles:`",
        ));
}

#[test]
fn bad_arguments_are_exit_2() {
    let repo = Repo::with_team();
    repo.baton()
        .args(["check", "--format", "yaml"])
        .assert()
        .code(2);
    repo.baton()
        .args(["check", "--now", "2026-03-01T12:00:00"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no UTC offset"));
}

#[test]
fn uncommitted_repository_shows_everything_pending() {
    let repo = Repo::new();
    repo.write("content/team.yaml", TEAM);
    repo.write(
        &rel_path("1.0.0", "release.md"),
        &release_md(
            "1.0.0",
            "major",
            "2026-04-20T14:00:00Z",
            "2026-04-20T16:00:00Z",
        ),
    );
    repo.write(
        &rel_path("1.0.0", "signoffs/development.md"),
        &signoff_md(GATES[0].2, "approve"),
    );
    let (v, code) = repo.check_at(NOW);
    assert_eq!(code, 0, "{v:#}");
    assert_eq!(v["releases"][0]["gates"]["development"]["state"], "pending");
    assert_fires(&v, "signoff.pending");
}

#[test]
fn status_shows_gates_and_blockers() {
    let repo = one_wrong_role();
    repo.baton()
        .args(["status", "1.0.0", "--now", NOW])
        .assert()
        .success()
        .stdout(predicate::str::contains("1.0.0 Release 1.0.0 — in-review"))
        .stdout(predicate::str::contains(
            "development      developer        approved  Dev Rao, 2026-02-02T10:00:00+00:00",
        ))
        .stdout(predicate::str::contains("Blocked by"))
        .stdout(predicate::str::contains("Quality sign-off is invalid"));
    repo.baton()
        .args(["status"])
        .assert()
        .success()
        .stdout(predicate::str::contains("1.0.0        major  in-review"));
    let out = repo
        .baton()
        .args(["status", "1.0.0", "--format", "json"])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["gates"][1]["gate"], "quality");
    assert_eq!(v["gates"][1]["state"], "invalid");
    repo.baton()
        .args(["status", "9.9.9"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "neither a release version nor an incident id",
        ));
}

#[test]
fn help_and_version() {
    let repo = Repo::new();
    repo.baton()
        .arg("--version")
        .assert()
        .success()
        .stdout(predicate::str::starts_with("baton "));
    repo.baton()
        .args(["check", "--help"])
        .assert()
        .success()
        .stdout(predicate::str::contains("--format"));
}

#[test]
fn treeless_partial_clone_is_exit_2() {
    let repo = Repo::with_team();
    shipped_release(&repo, "1.0.0", "major", "2026-02");
    repo.git(&["config", "uploadpack.allowFilter", "true"]);
    let clone = tempfile::tempdir().unwrap();
    let url = format!("file://{}", repo.path().display());
    let st = std::process::Command::new("git")
        .args(["clone", "-q", "--filter=tree:0", &url])
        .arg(clone.path().join("c"))
        .status()
        .unwrap();
    assert!(st.success());
    assert_cmd::Command::cargo_bin("baton")
        .unwrap()
        .arg("check")
        .current_dir(clone.path().join("c"))
        .env("GIT_NO_LAZY_FETCH", "1")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("partial"))
        .stderr(predicate::str::contains("fetch-depth: 0"));
}
