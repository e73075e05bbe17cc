//! The `signoff.*` rules (SPEC §2, §3, §6) and how a sign-off's signer is
//! learnt from git: the author of the commit `git log -1 -- PATH` names
//! (after GitHub noreply and case-insensitive e-mail matching), merges that
//! take the file unchanged do not count, edits re-attribute, handoff order
//! is ancestry rather than dates, and uncommitted sign-offs are pending.
mod common;
use common::*;

const V: &str = "1.0.0";

/// A roster and a valid release record for 1.0.0 (window after NOW).
fn base() -> Repo {
    let repo = Repo::with_team();
    planned_release(&repo, V, "minor");
    repo
}

/// `base()` with the development gate signed by DEV on 2026-02-02.
fn developed() -> (Repo, String) {
    let repo = base();
    let c = sign(&repo, V, "development", DEV, "2026-02-02T10:00:00Z");
    (repo, c)
}

/// A complete quality sign-off.
fn quality_md() -> String {
    signoff_md(gate_of("quality").1, "approve")
}

/// The JSON of one gate of 1.0.0.
fn gate<'a>(v: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    &release_of(v, V)["gates"][name]
}

fn who(email: &'static str) -> Who {
    Who {
        id: "?",
        name: "Someone",
        email,
    }
}

// ---- signoff.unknown-gate ----

#[test]
fn unknown_gate_fires_on_a_file_not_named_after_a_gate() {
    let (repo, _) = developed();
    let path = rel_path(V, "signoffs/qa.md");
    repo.commit_file(GRACE, "2026-02-03T10:00:00Z", &path, &quality_md());
    let (v, code) = repo.check_at(NOW);
    let f = assert_fires(&v, "signoff.unknown-gate");
    assert_at(f, &path, 1, "error");
    assert_eq!(f["release"], V);
    assert_eq!(
        gate(&v, "quality")["state"],
        "pending",
        "qa.md is not the quality gate"
    );
    assert_eq!(code, 1);
}

#[test]
fn unknown_gate_is_silent_on_the_playbook_gates() {
    let repo = base();
    sign_all(&repo, V);
    let v = repo.check();
    assert_silent(&v, "signoff.unknown-gate");
}

// ---- signoff.unknown-author ----

#[test]
fn unknown_author_fires_on_a_committer_not_in_the_roster() {
    let repo = base();
    let c = sign(&repo, V, "development", MALLORY, "2026-02-02T10:00:00Z");
    let (v, code) = repo.check_at(NOW);
    let f = assert_fires(&v, "signoff.unknown-author");
    assert_at(f, &signoff_path(V, "development"), 1, "error");
    assert_eq!(f["commit"], c);
    assert_silent(&v, "signoff.wrong-role");
    let g = gate(&v, "development");
    assert_eq!(g["state"], "invalid");
    assert!(g["signer"].is_null(), "{g:#}");
    assert_eq!(g["commit"], c);
    assert_eq!(code, 1);
}

#[test]
fn unknown_author_is_silent_when_the_committer_is_in_the_roster() {
    let (repo, _) = developed();
    let v = repo.check();
    assert_silent(&v, "signoff.unknown-author");
    assert_eq!(gate(&v, "development")["signer"], "dev");
}

// ---- signoff.wrong-role ----

#[test]
fn wrong_role_fires_when_the_signer_lacks_the_gate_role() {
    let repo = base();
    let c = sign(&repo, V, "development", GRACE, "2026-02-02T10:00:00Z");
    let (v, code) = repo.check_at(NOW);
    let f = assert_fires(&v, "signoff.wrong-role");
    assert_at(f, &signoff_path(V, "development"), 1, "error");
    assert_eq!(f["commit"], c);
    assert_eq!(f["release"], V);
    let g = gate(&v, "development");
    assert_eq!(g["state"], "invalid");
    assert_eq!(g["signer"], "grace");
    assert_eq!(code, 1);
}

#[test]
fn wrong_role_is_silent_when_each_gate_has_its_role() {
    let repo = base();
    sign_all(&repo, V);
    let v = repo.check();
    assert_silent(&v, "signoff.wrong-role");
}

// ---- signoff.claim-mismatch ----

#[test]
fn claim_mismatch_fires_when_signed_by_names_someone_else() {
    let (repo, _) = developed();
    let path = signoff_path(V, "quality");
    let text = quality_md().replace("decision: approve\n", "decision: approve\nsigned_by: sam\n");
    let c = repo.commit_file(GRACE, "2026-02-03T10:00:00Z", &path, &text);
    let (v, code) = repo.check_at(NOW);
    let f = assert_fires(&v, "signoff.claim-mismatch");
    assert_at(f, &path, line_of(&text, "signed_by"), "error");
    assert_eq!(f["commit"], c);
    assert_silent(&v, "signoff.wrong-role");
    assert_eq!(gate(&v, "quality")["state"], "invalid");
    assert_eq!(code, 1);
}

#[test]
fn claim_mismatch_is_silent_when_signed_by_names_the_committer() {
    let (repo, _) = developed();
    let text = quality_md().replace(
        "decision: approve\n",
        "decision: approve\nsigned_by: grace\n",
    );
    repo.commit_file(
        GRACE,
        "2026-02-03T10:00:00Z",
        &signoff_path(V, "quality"),
        &text,
    );
    let v = repo.check();
    assert_silent(&v, "signoff.claim-mismatch");
    assert_eq!(gate(&v, "quality")["state"], "approved");
}

// ---- signoff.out-of-order ----

#[test]
fn out_of_order_fires_when_the_earlier_gate_is_not_signed() {
    let repo = base();
    let c = sign(&repo, V, "quality", GRACE, "2026-02-03T10:00:00Z");
    let (v, code) = repo.check_at(NOW);
    let f = assert_fires(&v, "signoff.out-of-order");
    assert_at(f, &signoff_path(V, "quality"), 1, "error");
    assert_eq!(f["commit"], c);
    assert_eq!(gate(&v, "quality")["state"], "invalid");
    assert_eq!(code, 1);
}

#[test]
fn out_of_order_fires_when_the_earlier_gate_is_signed_afterwards() {
    let repo = base();
    let q = sign(&repo, V, "quality", GRACE, "2026-02-02T10:00:00Z");
    sign(&repo, V, "development", DEV, "2026-02-03T10:00:00Z");
    let v = repo.check();
    let f = assert_fires(&v, "signoff.out-of-order");
    assert_eq!(f["path"], signoff_path(V, "quality"));
    assert_eq!(f["commit"], q);
    assert_eq!(findings(&v, "signoff.out-of-order").len(), 1);
    assert_eq!(gate(&v, "development")["state"], "approved");
}

#[test]
fn out_of_order_is_silent_in_handoff_order() {
    let repo = base();
    sign(&repo, V, "development", DEV, "2026-02-02T10:00:00Z");
    sign(&repo, V, "quality", GRACE, "2026-02-03T10:00:00Z");
    sign(&repo, V, "security", SAM, "2026-02-04T10:00:00Z");
    // release-manager follows security, not stakeholder.
    sign(&repo, V, "release-manager", ADA, "2026-02-05T10:00:00Z");
    sign(&repo, V, "stakeholder", PRIYA, "2026-02-06T10:00:00Z");
    let v = repo.check();
    assert_silent(&v, "signoff.out-of-order");
    assert_eq!(release_of(&v, V)["state"], "ready");
}

/// Quality signed on a branch that lacks the development sign-off, merged
/// later: out of order although its date is after development's.
#[test]
fn out_of_order_is_judged_by_ancestry_not_dates() {
    let repo = base();
    repo.git(&["branch", "qa"]);
    sign(&repo, V, "development", DEV, "2026-02-02T10:00:00Z");
    repo.git(&["checkout", "-q", "qa"]);
    let q = sign(&repo, V, "quality", GRACE, "2026-02-05T10:00:00Z");
    repo.git(&["checkout", "-q", "main"]);
    repo.git_as(
        ADA,
        "2026-02-06T10:00:00Z",
        &["merge", "--no-ff", "-q", "-m", "merge qa", "qa"],
    );
    let v = repo.check();
    let f = assert_fires(&v, "signoff.out-of-order");
    assert_at(f, &signoff_path(V, "quality"), 1, "error");
    assert_eq!(f["commit"], q);
    assert_eq!(gate(&v, "quality")["signer"], "grace");
    assert_eq!(gate(&v, "quality")["state"], "invalid");
    assert_eq!(gate(&v, "development")["state"], "approved");
}

/// Back-dated commits in the right ancestry order are fine.
#[test]
fn back_dated_commits_in_ancestry_order_are_in_order() {
    let repo = base();
    sign(&repo, V, "development", DEV, "2026-02-10T10:00:00Z");
    sign(&repo, V, "quality", GRACE, "2026-02-03T10:00:00Z");
    sign(&repo, V, "security", SAM, "2026-02-02T10:00:00Z");
    let v = repo.check();
    assert_silent(&v, "signoff.out-of-order");
    for g in ["development", "quality", "security"] {
        assert_eq!(gate(&v, g)["state"], "approved", "{g}");
    }
}

// ---- signoff.checklist-incomplete ----

#[test]
fn checklist_incomplete_fires_on_a_missing_item() {
    let (repo, _) = developed();
    let path = signoff_path(V, "quality");
    let text = quality_md().replace("  regression-passed: true\n", "");
    repo.commit_file(GRACE, "2026-02-03T10:00:00Z", &path, &text);
    let (v, code) = repo.check_at(NOW);
    let f = assert_fires(&v, "signoff.checklist-incomplete");
    assert_at(f, &path, line_of(&text, "checklist:"), "error");
    assert!(
        f["message"].as_str().unwrap().contains("regression-passed"),
        "{f:#}"
    );
    assert_eq!(gate(&v, "quality")["state"], "invalid");
    assert_eq!(code, 1);
}

#[test]
fn checklist_incomplete_fires_on_a_false_item() {
    let (repo, _) = developed();
    let path = signoff_path(V, "quality");
    let text = quality_md().replace("no-p0-p1-defects: true", "no-p0-p1-defects: false");
    repo.commit_file(GRACE, "2026-02-03T10:00:00Z", &path, &text);
    let v = repo.check();
    let f = assert_fires(&v, "signoff.checklist-incomplete");
    assert_at(f, &path, line_of(&text, "no-p0-p1-defects"), "error");
    assert_eq!(findings(&v, "signoff.checklist-incomplete").len(), 1);
}

#[test]
fn checklist_incomplete_fires_on_na_for_a_required_item() {
    let (repo, _) = developed();
    let path = signoff_path(V, "quality");
    let text = quality_md().replace(
        "critical-path-tested: true",
        "critical-path-tested: \"n/a: no UI changes\"",
    );
    repo.commit_file(GRACE, "2026-02-03T10:00:00Z", &path, &text);
    let v = repo.check();
    assert_at(
        assert_fires(&v, "signoff.checklist-incomplete"),
        &path,
        line_of(&text, "critical-path-tested"),
        "error",
    );
}

#[test]
fn checklist_incomplete_is_silent_on_a_complete_checklist() {
    let (repo, _) = developed();
    sign(&repo, V, "quality", GRACE, "2026-02-03T10:00:00Z");
    let v = repo.check();
    assert_silent(&v, "signoff.checklist-incomplete");
    assert_eq!(gate(&v, "quality")["state"], "approved");
}

// ---- signoff.rejected ----

#[test]
fn rejected_warns_and_blocks_the_gate() {
    let (repo, _) = developed();
    let path = signoff_path(V, "quality");
    let text = signoff_md(&[], "reject");
    let c = repo.commit_file(GRACE, "2026-02-03T10:00:00Z", &path, &text);
    let (v, code) = repo.check_at(NOW);
    let f = assert_fires(&v, "signoff.rejected");
    assert_at(f, &path, line_of(&text, "decision"), "warning");
    assert_eq!(f["commit"], c);
    assert_silent(&v, "signoff.checklist-incomplete");
    assert_eq!(gate(&v, "quality")["state"], "rejected");
    assert_eq!(gate(&v, "quality")["signer"], "grace");
    assert_eq!(release_of(&v, V)["state"], "in-review");
    assert_eq!(code, 0, "a rejection is a warning: {:#}", v["findings"]);
}

#[test]
fn rejected_is_silent_once_approved_again() {
    let (repo, _) = developed();
    repo.commit_file(
        GRACE,
        "2026-02-03T10:00:00Z",
        &signoff_path(V, "quality"),
        &signoff_md(&[], "reject"),
    );
    sign(&repo, V, "quality", GRACE, "2026-02-04T10:00:00Z");
    let v = repo.check();
    assert_silent(&v, "signoff.rejected");
    assert_eq!(gate(&v, "quality")["state"], "approved");
}

// ---- signoff.pending ----

#[test]
fn pending_warns_on_an_uncommitted_signoff() {
    let (repo, _) = developed();
    let path = signoff_path(V, "quality");
    repo.write(&path, &quality_md());
    let (v, code) = repo.check_at(NOW);
    assert_at(assert_fires(&v, "signoff.pending"), &path, 1, "warning");
    let g = gate(&v, "quality");
    assert_eq!(g["state"], "pending");
    assert!(g["signer"].is_null() && g["commit"].is_null(), "{g:#}");
    assert_eq!(release_of(&v, V)["state"], "in-review");
    assert_eq!(v["summary"]["errors"], 0, "{:#}", v["findings"]);
    assert_eq!(code, 0, "only warnings");
    let (_, strict) = check_with(&repo, &["--strict"]);
    assert_eq!(strict, 1, "--strict fails on warnings");
}

#[test]
fn pending_warns_on_a_staged_but_uncommitted_signoff() {
    let (repo, _) = developed();
    let path = signoff_path(V, "quality");
    repo.write(&path, &quality_md());
    repo.git(&["add", &path]);
    let v = repo.check();
    assert_at(assert_fires(&v, "signoff.pending"), &path, 1, "warning");
    assert_eq!(gate(&v, "quality")["state"], "pending");
}

#[test]
fn pending_warns_on_a_signoff_modified_after_its_commit() {
    let (repo, _) = developed();
    let path = signoff_path(V, "quality");
    sign(&repo, V, "quality", GRACE, "2026-02-03T10:00:00Z");
    repo.write(&path, &quality_md().replace("Notes.", "Notes, edited."));
    let (v, code) = repo.check_at(NOW);
    assert_at(assert_fires(&v, "signoff.pending"), &path, 1, "warning");
    assert_eq!(gate(&v, "quality")["state"], "pending");
    assert_eq!(code, 0);
    assert_eq!(check_with(&repo, &["--strict"]).1, 1);
}

#[test]
fn pending_is_silent_on_committed_signoffs() {
    let (repo, _) = developed();
    sign(&repo, V, "quality", GRACE, "2026-02-03T10:00:00Z");
    let (v, code) = check_with(&repo, &["--strict"]);
    assert_silent(&v, "signoff.pending");
    assert_eq!(code, 0, "{:#}", v["findings"]);
}

// ---- identity: who the signer is ----

#[test]
fn a_github_noreply_address_resolves_to_the_roster_login() {
    let (repo, _) = developed();
    let c = sign(
        &repo,
        V,
        "quality",
        who("12345+graceito@users.noreply.github.com"),
        "2026-02-03T10:00:00Z",
    );
    let v = repo.check();
    assert_silent(&v, "signoff.unknown-author");
    assert_silent(&v, "signoff.wrong-role");
    let g = gate(&v, "quality");
    assert_eq!(g["state"], "approved");
    assert_eq!(g["signer"], "grace");
    assert_eq!(g["commit"], c);
}

#[test]
fn emails_match_case_insensitively() {
    let (repo, _) = developed();
    sign(
        &repo,
        V,
        "quality",
        who("GRACE@Octo.Example"),
        "2026-02-03T10:00:00Z",
    );
    let v = repo.check();
    assert_silent(&v, "signoff.unknown-author");
    assert_eq!(gate(&v, "quality")["signer"], "grace");
    assert_eq!(gate(&v, "quality")["state"], "approved");
}

#[test]
fn an_edit_by_someone_else_reattributes_the_signoff() {
    let (repo, _) = developed();
    let path = signoff_path(V, "quality");
    sign(&repo, V, "quality", GRACE, "2026-02-03T10:00:00Z");
    let c = repo.commit_file(
        DEV,
        "2026-02-04T10:00:00Z",
        &path,
        &quality_md().replace("Notes.", "Notes, typo fixed."),
    );
    let v = repo.check();
    let f = assert_fires(&v, "signoff.wrong-role");
    assert_at(f, &path, 1, "error");
    assert_eq!(f["commit"], c);
    let g = gate(&v, "quality");
    assert_eq!(g["signer"], "dev");
    assert_eq!(g["commit"], c);
    assert_eq!(g["state"], "invalid");
}

#[test]
fn an_edit_by_an_outsider_makes_the_signoff_unknown_authored() {
    let (repo, _) = developed();
    let path = signoff_path(V, "quality");
    sign(&repo, V, "quality", GRACE, "2026-02-03T10:00:00Z");
    let c = repo.commit_file(
        MALLORY,
        "2026-02-04T10:00:00Z",
        &path,
        &quality_md().replace("Notes.", "Notes!"),
    );
    let v = repo.check();
    let f = assert_fires(&v, "signoff.unknown-author");
    assert_at(f, &path, 1, "error");
    assert_eq!(f["commit"], c);
    assert_eq!(gate(&v, "quality")["state"], "invalid");
}

/// A merge that takes the sign-off unchanged from a side branch does not
/// count: the signer is the side branch's author, not the merger.
#[test]
fn a_merge_taking_the_signoff_unchanged_keeps_the_side_branch_signer() {
    let (repo, _) = developed();
    repo.git(&["checkout", "-q", "-b", "qa"]);
    let q = sign(&repo, V, "quality", GRACE, "2026-02-03T10:00:00Z");
    repo.git(&["checkout", "-q", "main"]);
    repo.commit_file(DEV, "2026-02-03T12:00:00Z", "README.md", "records\n");
    repo.git_as(
        ADA,
        "2026-02-04T10:00:00Z",
        &["merge", "--no-ff", "-q", "-m", "merge qa", "qa"],
    );
    let merge = repo.head();
    assert_ne!(merge, q);
    let v = repo.check();
    assert_silent(&v, "signoff.wrong-role");
    assert_silent(&v, "signoff.out-of-order");
    let g = gate(&v, "quality");
    assert_eq!(g["signer"], "grace");
    assert_eq!(g["commit"], q);
    assert_eq!(g["state"], "approved");
}

/// A merge that changes the sign-off (here: edits it while merging) is the
/// last change, so its author is the signer.
#[test]
fn a_merge_that_changes_the_signoff_is_attributed_to_the_merger() {
    let (repo, _) = developed();
    let path = signoff_path(V, "quality");
    repo.git(&["checkout", "-q", "-b", "qa"]);
    sign(&repo, V, "quality", GRACE, "2026-02-03T10:00:00Z");
    repo.git(&["checkout", "-q", "main"]);
    repo.commit_file(DEV, "2026-02-03T12:00:00Z", "README.md", "records\n");
    repo.git_as(
        ADA,
        "2026-02-04T10:00:00Z",
        &["merge", "--no-ff", "--no-commit", "qa"],
    );
    repo.write(
        &path,
        &quality_md().replace("Notes.", "Notes, amended in the merge."),
    );
    let merge = repo.commit(ADA, "2026-02-04T10:00:00Z", "merge qa");
    assert_eq!(repo.last_commit(&path), merge);
    let v = repo.check();
    let f = assert_fires(&v, "signoff.wrong-role");
    assert_eq!(f["commit"], merge);
    assert_eq!(gate(&v, "quality")["signer"], "ada");
}

/// The signer is the commit *author*: a cherry-pick committed by someone
/// else keeps the original author.
#[test]
fn the_author_signs_not_the_committer() {
    let (repo, _) = developed();
    repo.git(&["checkout", "-q", "-b", "qa"]);
    sign(&repo, V, "quality", GRACE, "2026-02-03T10:00:00Z");
    repo.git(&["checkout", "-q", "main"]);
    let env = [
        ("GIT_COMMITTER_NAME", DEV.name),
        ("GIT_COMMITTER_EMAIL", DEV.email),
        ("GIT_COMMITTER_DATE", "2026-02-04T10:00:00Z"),
    ];
    repo.git_env(&["cherry-pick", "qa"], &env);
    let picked = repo.head();
    assert_eq!(
        repo.git(&["log", "-1", "--format=%ae %ce"]),
        "grace@octo.example dev@octo.example"
    );
    let v = repo.check();
    assert_silent(&v, "signoff.wrong-role");
    let g = gate(&v, "quality");
    assert_eq!(g["signer"], "grace");
    assert_eq!(g["commit"], picked);
    assert_eq!(g["state"], "approved");
}

// ---- n/a answers (need an item the playbook marks optional) ----

/// The built-in playbook with `critical-path-tested` optional, committed by ADA (a governor).
fn with_optional_item(repo: &Repo) {
    let playbook = include_str!("../src/playbook/playbook.md").replace(
        "{id: critical-path-tested, label: Critical user paths tested}",
        "{id: critical-path-tested, label: Critical user paths tested, optional: true}",
    );
    repo.commit_file(
        ADA,
        "2026-02-01T09:00:00Z",
        "content/playbook.md",
        &playbook,
    );
}

#[test]
fn checklist_incomplete_is_silent_on_na_with_a_reason_for_an_optional_item() {
    let (repo, _) = developed();
    with_optional_item(&repo);
    let text = quality_md().replace(
        "critical-path-tested: true",
        "critical-path-tested: \"n/a: no UI changes\"",
    );
    repo.commit_file(
        GRACE,
        "2026-02-03T10:00:00Z",
        &signoff_path(V, "quality"),
        &text,
    );
    let v = repo.check();
    assert_silent(&v, "signoff.checklist-incomplete");
    assert_silent(&v, "policy.unauthorized-change");
    assert_eq!(gate(&v, "quality")["state"], "approved");
}

/// "a string beginning `n/a` with a reason" (SPEC §3): a bare `n/a` has none.
#[test]

fn checklist_incomplete_fires_on_na_without_a_reason() {
    let (repo, _) = developed();
    with_optional_item(&repo);
    let path = signoff_path(V, "quality");
    let text = quality_md().replace("critical-path-tested: true", "critical-path-tested: n/a");
    repo.commit_file(GRACE, "2026-02-03T10:00:00Z", &path, &text);
    let v = repo.check();
    assert_at(
        assert_fires(&v, "signoff.checklist-incomplete"),
        &path,
        line_of(&text, "critical-path-tested"),
        "error",
    );
    assert_eq!(gate(&v, "quality")["state"], "invalid");
}
