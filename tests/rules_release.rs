//! The `release.*` rules (SPEC §4, §6): version against folder name, type
//! against the semver bump from the previous release, the release-notes
//! template, and the requirements (a warning in review, an error once a go
//! is recorded); plus the release states planned / in-review / ready / go.
mod common;
use common::*;

/// Commits a release.md with the given text as DEV.
fn commit_release(repo: &Repo, version: &str, text: &str) -> String {
    repo.commit_file(
        DEV,
        "2026-02-01T10:00:00Z",
        &rel_path(version, "release.md"),
        text,
    );
    rel_path(version, "release.md")
}

/// A valid release.md for `version` with window [`WINDOW`].
fn valid(version: &str, kind: &str) -> String {
    release_md(version, kind, WINDOW.0, WINDOW.1)
}

/// The file line where the Markdown body begins (after the closing `---`).
fn body_line(text: &str) -> usize {
    text.lines().skip(1).position(|l| l == "---").unwrap() + 3
}

/// Commits a go by ADA, more than 24 h before the window.
fn go(repo: &Repo, version: &str) {
    repo.commit_file(
        ADA,
        "2026-02-20T10:00:00Z",
        &rel_path(version, "go-no-go.md"),
        &gonogo_md("go", "2026-02-20T09:00:00Z"),
    );
}

// ---- release.version-mismatch ----

#[test]
fn version_mismatch_fires_when_version_differs_from_folder() {
    let repo = Repo::with_team();
    let text = valid("1.0.0", "minor").replace("version: 1.0.0", "version: 1.0.1");
    let path = commit_release(&repo, "1.0.0", &text);
    let (v, code) = repo.check_at(NOW);
    let f = assert_fires(&v, "release.version-mismatch");
    assert_at(f, &path, line_of(&text, "version:"), "error");
    assert_eq!(f["release"], "1.0.0");
    assert_eq!(code, 1);
}

#[test]
fn version_mismatch_fires_on_a_folder_that_is_not_semver() {
    let repo = Repo::with_team();
    let text = valid("next", "minor");
    let path = commit_release(&repo, "next", &text);
    let v = repo.check();
    let f = assert_fires(&v, "release.version-mismatch");
    assert_at(f, &path, 1, "error");
    assert_eq!(f["release"], "next");
}

#[test]
fn version_mismatch_is_silent_when_version_equals_folder() {
    let repo = Repo::with_team();
    commit_release(&repo, "1.0.0", &valid("1.0.0", "major"));
    commit_release(&repo, "1.10.0", &valid("1.10.0", "minor"));
    let v = repo.check();
    assert_silent(&v, "release.version-mismatch");
}

// ---- release.type-mismatch ----

#[test]
fn type_mismatch_fires_when_a_minor_bump_is_called_patch() {
    let repo = Repo::with_team();
    commit_release(&repo, "1.0.0", &valid("1.0.0", "major"));
    let text = valid("1.1.0", "patch");
    let path = commit_release(&repo, "1.1.0", &text);
    let (v, code) = repo.check_at(NOW);
    let f = assert_fires(&v, "release.type-mismatch");
    assert_at(f, &path, line_of(&text, "type:"), "error");
    assert_eq!(f["release"], "1.1.0");
    assert_eq!(
        findings(&v, "release.type-mismatch").len(),
        1,
        "1.0.0 has no previous release"
    );
    assert_eq!(code, 1);
}

#[test]
fn type_mismatch_fires_when_a_major_bump_is_called_minor() {
    let repo = Repo::with_team();
    commit_release(&repo, "1.4.2", &valid("1.4.2", "patch"));
    let text = valid("2.0.0", "minor");
    let path = commit_release(&repo, "2.0.0", &text);
    let v = repo.check();
    assert_at(
        assert_fires(&v, "release.type-mismatch"),
        &path,
        line_of(&text, "type:"),
        "error",
    );
}

#[test]
fn type_mismatch_fires_on_an_unknown_type() {
    let repo = Repo::with_team();
    let text = valid("1.0.0", "hotfix");
    let path = commit_release(&repo, "1.0.0", &text);
    let v = repo.check();
    assert_at(
        assert_fires(&v, "release.type-mismatch"),
        &path,
        line_of(&text, "type:"),
        "error",
    );
}

#[test]
fn type_mismatch_is_silent_when_types_match_the_bumps() {
    let repo = Repo::with_team();
    // Committed out of version order: the previous release is the previous *version*.
    commit_release(&repo, "2.0.0", &valid("2.0.0", "major"));
    commit_release(&repo, "1.0.0", &valid("1.0.0", "major"));
    commit_release(&repo, "1.1.0", &valid("1.1.0", "minor"));
    commit_release(&repo, "1.1.1", &valid("1.1.1", "patch"));
    let v = repo.check();
    assert_silent(&v, "release.type-mismatch");
}

// ---- release.notes-incomplete ----

#[test]
fn notes_incomplete_fires_on_a_missing_section() {
    let repo = Repo::with_team();
    let text = valid("1.0.0", "minor").replace("## Known issues\n\nNone.\n", "");
    let path = commit_release(&repo, "1.0.0", &text);
    let (v, code) = repo.check_at(NOW);
    let f = assert_fires(&v, "release.notes-incomplete");
    assert_at(f, &path, body_line(&text), "error");
    assert!(
        f["message"].as_str().unwrap().contains("Known issues"),
        "{f:#}"
    );
    assert_eq!(findings(&v, "release.notes-incomplete").len(), 1);
    assert_eq!(code, 1);
}

#[test]
fn notes_incomplete_fires_on_an_empty_section() {
    let repo = Repo::with_team();
    let text =
        valid("1.0.0", "minor").replace("## Migration steps\n\nNone.\n", "## Migration steps\n\n");
    let path = commit_release(&repo, "1.0.0", &text);
    let v = repo.check();
    let f = assert_fires(&v, "release.notes-incomplete");
    assert_at(f, &path, line_of(&text, "## Migration steps"), "error");
    assert!(
        f["message"].as_str().unwrap().contains("Migration steps"),
        "{f:#}"
    );
}

#[test]
fn notes_incomplete_is_silent_when_every_section_is_written() {
    let repo = Repo::with_team();
    commit_release(&repo, "1.0.0", &valid("1.0.0", "minor"));
    let v = repo.check();
    assert_silent(&v, "release.notes-incomplete");
}

// ---- release.requirement-unmet ----

#[test]
fn requirement_unmet_is_a_warning_while_in_review() {
    let repo = Repo::with_team();
    let text = valid("1.0.0", "minor").replace("smoke-tests: true", "smoke-tests: false");
    let path = commit_release(&repo, "1.0.0", &text);
    sign(&repo, "1.0.0", "development", DEV, "2026-02-02T10:00:00Z");
    let (v, code) = repo.check_at(NOW);
    let f = assert_fires(&v, "release.requirement-unmet");
    assert_at(f, &path, line_of(&text, "smoke-tests"), "warning");
    assert_eq!(f["release"], "1.0.0");
    assert_eq!(release_of(&v, "1.0.0")["state"], "in-review");
    assert_eq!(code, 0, "{:#}", v["findings"]);
}

#[test]
fn requirement_unmet_is_an_error_once_a_go_is_recorded() {
    let repo = Repo::with_team();
    let text = valid("1.0.0", "minor").replace("smoke-tests: true", "smoke-tests: false");
    let path = commit_release(&repo, "1.0.0", &text);
    sign_all(&repo, "1.0.0");
    go(&repo, "1.0.0");
    let (v, code) = repo.check_at(NOW);
    assert_eq!(release_of(&v, "1.0.0")["state"], "go");
    assert_at(
        assert_fires(&v, "release.requirement-unmet"),
        &path,
        line_of(&text, "smoke-tests"),
        "error",
    );
    assert_eq!(code, 1);
}

#[test]
fn requirement_unmet_fires_on_a_missing_requirement() {
    let repo = Repo::with_team();
    let text = valid("1.0.0", "minor").replace("  rollback-plan: true\n", "");
    let path = commit_release(&repo, "1.0.0", &text);
    let v = repo.check();
    let f = assert_fires(&v, "release.requirement-unmet");
    assert_at(f, &path, line_of(&text, "requirements:"), "warning");
    assert!(
        f["message"].as_str().unwrap().contains("rollback-plan"),
        "{f:#}"
    );
}

#[test]
fn requirement_unmet_is_silent_when_met_by_value_url_or_file() {
    let repo = Repo::with_team();
    // rollback-plan is satisfied by rollback.md instead of a value.
    let text = valid("1.0.0", "minor").replace("  rollback-plan: true\n", "");
    commit_release(&repo, "1.0.0", &text);
    repo.commit_file(
        ADA,
        "2026-02-01T11:00:00Z",
        &rel_path("1.0.0", "rollback.md"),
        "Roll back with the runbook.\n",
    );
    sign_all(&repo, "1.0.0");
    go(&repo, "1.0.0");
    let (v, code) = repo.check_at(NOW);
    assert_silent(&v, "release.requirement-unmet");
    assert_eq!(code, 0, "{:#}", v["findings"]);
}

// ---- release states ----

#[test]
fn a_release_without_signoffs_is_planned() {
    let repo = Repo::with_team();
    commit_release(&repo, "1.0.0", &valid("1.0.0", "minor"));
    let (v, code) = repo.check_at(NOW);
    let r = release_of(&v, "1.0.0");
    assert_eq!(r["state"], "planned");
    assert_eq!(r["type"], "minor");
    for (gate, _, _) in GATES {
        assert_eq!(gate_state(&v, "1.0.0", gate), "pending");
        assert!(r["gates"][gate]["signer"].is_null());
    }
    assert_eq!(code, 0);
}

#[test]
fn a_partly_signed_release_is_in_review() {
    let repo = Repo::with_team();
    commit_release(&repo, "1.0.0", &valid("1.0.0", "minor"));
    let c = sign(&repo, "1.0.0", "development", DEV, "2026-02-02T10:00:00Z");
    let v = repo.check();
    let r = release_of(&v, "1.0.0");
    assert_eq!(r["state"], "in-review");
    assert_eq!(r["gates"]["development"]["state"], "approved");
    assert_eq!(r["gates"]["development"]["signer"], "dev");
    assert_eq!(r["gates"]["development"]["commit"], c);
    assert_eq!(r["gates"]["quality"]["state"], "pending");
}

#[test]
fn a_fully_signed_release_without_go_is_ready() {
    let repo = Repo::with_team();
    commit_release(&repo, "1.0.0", &valid("1.0.0", "minor"));
    sign_all(&repo, "1.0.0");
    let (v, code) = repo.check_at(NOW);
    assert_eq!(release_of(&v, "1.0.0")["state"], "ready");
    for (gate, who, _) in GATES {
        assert_eq!(gate_state(&v, "1.0.0", gate), "approved");
        assert_eq!(release_of(&v, "1.0.0")["gates"][gate]["signer"], who.id);
    }
    assert_eq!(
        v["findings"].as_array().unwrap().len(),
        0,
        "{:#}",
        v["findings"]
    );
    assert_eq!(code, 0);
}

/// A requirement is `true`, `false` or an evidence URL (SPEC §4); a word
/// such as `no` (a string in YAML 1.2) or `TODO` is no evidence.
#[test]

fn requirement_unmet_fires_on_a_value_that_is_neither_true_nor_a_url() {
    for value in ["no", "TODO"] {
        let repo = Repo::with_team();
        let text =
            valid("1.0.0", "minor").replace("smoke-tests: true", &format!("smoke-tests: {value}"));
        let path = commit_release(&repo, "1.0.0", &text);
        let v = repo.check();
        let f = findings(&v, "release.requirement-unmet");
        assert!(
            f.iter()
                .any(|f| f["path"] == path && f["line"] == line_of(&text, "smoke-tests")),
            "smoke-tests: {value} → {:#}",
            v["findings"]
        );
    }
}
