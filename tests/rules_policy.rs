//! `policy.unauthorized-change` and the governance of identity (SPEC §2):
//! team.yaml, playbook.md and .mailmap may only be changed by a governor
//! (release-manager) per the roster of the commit's first parent, except
//! the commit that first adds team.yaml; roles and .mailmap are judged as
//! they stood in the first parent of the signing commit.
mod common;
use common::*;

const V: &str = "1.0.0";
const TEAM_PATH: &str = "content/team.yaml";
const PLAYBOOK: &str = include_str!("../src/playbook/playbook.md");

/// Grace committing from an address the roster does not list.
const GRACE_HOME: Who = Who {
    id: "grace",
    name: "Grace Ito",
    email: "grace@home.example",
};
const MAILMAP: &str = "Grace Ito <grace@octo.example> <grace@home.example>\n";

/// A roster and a release whose development gate DEV signed on 2026-02-02.
fn developed() -> Repo {
    let repo = Repo::with_team();
    planned_release(&repo, V, "minor");
    sign(&repo, V, "development", DEV, "2026-02-02T10:00:00Z");
    repo
}

/// The standard roster with DEV also holding qa-lead.
fn team_dev_qa() -> String {
    TEAM.replace("roles: [developer]", "roles: [developer, qa-lead]")
}

/// Policy findings about one file.
fn policy_on<'a>(v: &'a serde_json::Value, path: &str) -> Vec<&'a serde_json::Value> {
    findings(v, "policy.unauthorized-change")
        .into_iter()
        .filter(|f| f["path"] == path)
        .collect()
}

// ---- policy.unauthorized-change ----

#[test]
fn unauthorized_change_fires_when_a_non_governor_edits_the_roster() {
    let repo = developed();
    let c = repo.commit_file(
        DEV,
        "2026-02-03T10:00:00Z",
        TEAM_PATH,
        &TEAM.replace("Dev Rao", "Dev R."),
    );
    let (v, code) = repo.check_at(NOW);
    let f = assert_fires(&v, "policy.unauthorized-change");
    assert_at(f, TEAM_PATH, 1, "error");
    assert_eq!(f["commit"], c);
    assert_eq!(findings(&v, "policy.unauthorized-change").len(), 1);
    assert_eq!(code, 1);
}

#[test]
fn unauthorized_change_fires_when_a_non_governor_adds_a_playbook() {
    let repo = developed();
    let path = "content/playbook.md";
    let c = repo.commit_file(GRACE, "2026-02-03T10:00:00Z", path, PLAYBOOK);
    let v = repo.check();
    let f = assert_fires(&v, "policy.unauthorized-change");
    assert_at(f, path, 1, "error");
    assert_eq!(f["commit"], c);
}

#[test]
fn unauthorized_change_fires_when_a_non_governor_changes_the_mailmap() {
    let repo = developed();
    let c = repo.commit_file(DEV, "2026-02-03T10:00:00Z", ".mailmap", MAILMAP);
    let v = repo.check();
    let f = assert_fires(&v, "policy.unauthorized-change");
    assert_at(f, ".mailmap", 1, "error");
    assert_eq!(f["commit"], c);
}

#[test]
fn unauthorized_change_is_silent_when_a_governor_changes_guarded_files() {
    let repo = developed();
    repo.commit_file(
        ADA,
        "2026-02-03T10:00:00Z",
        TEAM_PATH,
        &TEAM.replace("Dev Rao", "Dev R."),
    );
    repo.commit_file(ADA, "2026-02-03T11:00:00Z", "content/playbook.md", PLAYBOOK);
    repo.commit_file(ADA, "2026-02-03T12:00:00Z", ".mailmap", MAILMAP);
    let (v, code) = repo.check_at(NOW);
    assert_silent(&v, "policy.unauthorized-change");
    assert_eq!(code, 0, "{:#}", v["findings"]);
}

// ---- roles as of the signing commit's first parent ----

/// Adding yourself to a role in the commit that uses it does not count.
#[test]
fn granting_yourself_a_role_in_the_signing_commit_is_wrong_role() {
    let repo = developed();
    repo.write(TEAM_PATH, &team_dev_qa());
    repo.write(
        &signoff_path(V, "quality"),
        &signoff_md(gate_of("quality").1, "approve"),
    );
    let c = repo.commit(DEV, "2026-02-03T10:00:00Z", "qa sign-off");
    let v = repo.check();
    let f = assert_fires(&v, "signoff.wrong-role");
    assert_at(f, &signoff_path(V, "quality"), 1, "error");
    assert_eq!(f["commit"], c);
    assert_eq!(gate_state(&v, V, "quality"), "invalid");
    // The roster change itself is also ungoverned.
    assert_eq!(policy_on(&v, TEAM_PATH)[0]["commit"], c);
}

/// A non-governor granting a role earlier is flagged on that commit; the
/// later sign-off then passes the role check (the roster change is the finding).
#[test]
fn a_non_governor_granting_a_role_earlier_is_flagged_on_that_commit() {
    let repo = developed();
    let grant = repo.commit_file(DEV, "2026-02-03T10:00:00Z", TEAM_PATH, &team_dev_qa());
    let signing = sign(&repo, V, "quality", DEV, "2026-02-04T10:00:00Z");
    let v = repo.check();
    let p = policy_on(&v, TEAM_PATH);
    assert_eq!(p.len(), 1, "{p:#?}");
    assert_at(p[0], TEAM_PATH, 1, "error");
    assert_eq!(p[0]["commit"], grant);
    assert_silent(&v, "signoff.wrong-role");
    assert!(
        findings(&v, "policy.unauthorized-change")
            .iter()
            .all(|f| f["commit"] != signing)
    );
    let g = &release_of(&v, V)["gates"]["quality"];
    assert_eq!(g["signer"], "dev");
    assert_eq!(g["state"], "approved");
}

#[test]
fn a_governor_granting_a_role_earlier_makes_the_later_signoff_valid() {
    let repo = developed();
    repo.commit_file(ADA, "2026-02-03T10:00:00Z", TEAM_PATH, &team_dev_qa());
    sign(&repo, V, "quality", DEV, "2026-02-04T10:00:00Z");
    let (v, code) = repo.check_at(NOW);
    assert_silent(&v, "policy.unauthorized-change");
    assert_silent(&v, "signoff.wrong-role");
    assert_eq!(gate_state(&v, V, "quality"), "approved");
    assert_eq!(code, 0, "{:#}", v["findings"]);
}

#[test]
fn a_newcomer_added_by_a_governor_earlier_may_sign() {
    let repo = developed();
    const LIN: Who = Who {
        id: "lin",
        name: "Lin Chu",
        email: "lin@octo.example",
    };
    let team = format!(
        "{TEAM}  - {{id: lin, name: Lin Chu, emails: [lin@octo.example], roles: [qa-lead]}}\n"
    );
    repo.commit_file(ADA, "2026-02-03T10:00:00Z", TEAM_PATH, &team);
    sign(&repo, V, "quality", LIN, "2026-02-04T10:00:00Z");
    let v = repo.check();
    assert_silent(&v, "policy.unauthorized-change");
    assert_silent(&v, "signoff.unknown-author");
    assert_eq!(release_of(&v, V)["gates"]["quality"]["signer"], "lin");
    assert_eq!(gate_state(&v, V, "quality"), "approved");
}

/// Roles are judged as they stood when signing: losing the role later does
/// not undo a sign-off.
#[test]
fn a_role_removed_after_signing_does_not_undo_the_signoff() {
    let repo = developed();
    sign(&repo, V, "quality", GRACE, "2026-02-03T10:00:00Z");
    repo.commit_file(
        ADA,
        "2026-02-04T10:00:00Z",
        TEAM_PATH,
        &TEAM.replace("roles: [qa-lead]", "roles: []"),
    );
    let v = repo.check();
    assert_silent(&v, "signoff.wrong-role");
    assert_eq!(gate_state(&v, V, "quality"), "approved");
}

// ---- the commit that first adds team.yaml is trusted ----

#[test]
fn the_commit_that_first_adds_the_roster_is_trusted() {
    let repo = Repo::new();
    repo.commit_file(MALLORY, "2026-01-01T08:00:00Z", "README.md", "records\n");
    repo.commit_file(DEV, "2026-01-01T09:00:00Z", TEAM_PATH, TEAM);
    planned_release(&repo, V, "minor");
    sign(&repo, V, "development", DEV, "2026-02-02T10:00:00Z");
    let (v, code) = repo.check_at(NOW);
    assert_silent(&v, "policy.unauthorized-change");
    assert_eq!(gate_state(&v, V, "development"), "approved");
    assert_eq!(code, 0, "{:#}", v["findings"]);
}

#[test]
fn only_the_first_roster_commit_is_trusted() {
    let repo = Repo::new();
    repo.commit_file(DEV, "2026-01-01T09:00:00Z", TEAM_PATH, TEAM);
    let c = repo.commit_file(DEV, "2026-01-02T09:00:00Z", TEAM_PATH, &team_dev_qa());
    let v = repo.check();
    let p = policy_on(&v, TEAM_PATH);
    assert_eq!(p.len(), 1, "{p:#?}");
    assert_eq!(p[0]["commit"], c);
}

// ---- .mailmap ----

#[test]
fn a_mailmap_by_a_governor_maps_an_unknown_address_to_a_person() {
    let repo = developed();
    repo.commit_file(ADA, "2026-02-03T09:00:00Z", ".mailmap", MAILMAP);
    let c = sign(&repo, V, "quality", GRACE_HOME, "2026-02-03T10:00:00Z");
    let (v, code) = repo.check_at(NOW);
    assert_silent(&v, "signoff.unknown-author");
    assert_silent(&v, "policy.unauthorized-change");
    let g = &release_of(&v, V)["gates"]["quality"];
    assert_eq!(g["signer"], "grace");
    assert_eq!(g["commit"], c);
    assert_eq!(g["state"], "approved");
    assert_eq!(code, 0, "{:#}", v["findings"]);
}

#[test]
fn without_the_mailmap_the_unknown_address_is_an_unknown_author() {
    let repo = developed();
    let c = sign(&repo, V, "quality", GRACE_HOME, "2026-02-03T10:00:00Z");
    let v = repo.check();
    assert_eq!(assert_fires(&v, "signoff.unknown-author")["commit"], c);
    assert_eq!(gate_state(&v, V, "quality"), "invalid");
}

/// `.mailmap` is read as it stood in the signing commit's first parent.
#[test]
fn a_mailmap_added_in_the_signing_commit_does_not_count() {
    let repo = developed();
    repo.write(".mailmap", MAILMAP);
    repo.write(
        &signoff_path(V, "quality"),
        &signoff_md(gate_of("quality").1, "approve"),
    );
    let c = repo.commit(
        GRACE_HOME,
        "2026-02-03T10:00:00Z",
        "qa sign-off and mailmap",
    );
    let v = repo.check();
    assert_eq!(assert_fires(&v, "signoff.unknown-author")["commit"], c);
    assert_eq!(policy_on(&v, ".mailmap")[0]["commit"], c);
}

#[test]
fn a_mailmap_change_by_a_non_governor_is_flagged() {
    let repo = developed();
    let c = repo.commit_file(GRACE, "2026-02-03T09:00:00Z", ".mailmap", MAILMAP);
    sign(&repo, V, "quality", GRACE_HOME, "2026-02-03T10:00:00Z");
    let v = repo.check();
    let p = policy_on(&v, ".mailmap");
    assert_eq!(p.len(), 1, "{p:#?}");
    assert_at(p[0], ".mailmap", 1, "error");
    assert_eq!(p[0]["commit"], c);
}

/// The mirror case: a role granted after signing does not make the earlier sign-off valid.
#[test]
fn a_role_granted_after_signing_does_not_count() {
    let repo = developed();
    let c = sign(&repo, V, "quality", DEV, "2026-02-03T10:00:00Z");
    repo.commit_file(ADA, "2026-02-04T10:00:00Z", TEAM_PATH, &team_dev_qa());
    let v = repo.check();
    assert_eq!(assert_fires(&v, "signoff.wrong-role")["commit"], c);
    assert_silent(&v, "policy.unauthorized-change");
}

/// gitmailmap(5): "Both E-Mails and names are matched case-insensitively"
/// (`git check-mailmap` maps `Grace@Home.Example` here).
#[test]

fn a_mailmap_matches_the_commit_address_case_insensitively() {
    let repo = developed();
    repo.commit_file(ADA, "2026-02-03T09:00:00Z", ".mailmap", MAILMAP);
    let shouting = Who {
        email: "Grace@Home.Example",
        ..GRACE_HOME
    };
    sign(&repo, V, "quality", shouting, "2026-02-03T10:00:00Z");
    let v = repo.check();
    assert_silent(&v, "signoff.unknown-author");
    assert_eq!(release_of(&v, V)["gates"]["quality"]["signer"], "grace");
}

/// The root commit's roles are judged by the roster in itself.
#[test]
fn in_the_root_commit_the_roster_of_that_commit_counts() {
    let repo = Repo::new();
    repo.write(TEAM_PATH, TEAM);
    repo.write(
        &rel_path(V, "release.md"),
        &release_md(V, "minor", WINDOW.0, WINDOW.1),
    );
    repo.write(
        &signoff_path(V, "development"),
        &signoff_md(gate_of("development").1, "approve"),
    );
    let root = repo.commit(DEV, "2026-02-02T10:00:00Z", "everything at once");
    let (v, code) = repo.check_at(NOW);
    assert_silent(&v, "signoff.wrong-role");
    assert_silent(&v, "policy.unauthorized-change");
    let g = &release_of(&v, V)["gates"]["development"];
    assert_eq!(
        (g["state"].as_str(), g["commit"].as_str()),
        (Some("approved"), Some(root.as_str()))
    );
    assert_eq!(code, 0, "{:#}", v["findings"]);
}

/// A governor merging a non-governor's roster change does not launder it:
/// the finding stays on the side-branch commit that made the change.
#[test]
fn a_roster_change_merged_by_a_governor_is_still_flagged_on_its_commit() {
    let repo = developed();
    repo.git(&["checkout", "-q", "-b", "roster"]);
    let change = repo.commit_file(DEV, "2026-02-03T10:00:00Z", TEAM_PATH, &team_dev_qa());
    repo.git(&["checkout", "-q", "main"]);
    repo.git_as(
        ADA,
        "2026-02-04T10:00:00Z",
        &["merge", "--no-ff", "-q", "-m", "merge roster", "roster"],
    );
    let v = repo.check();
    let p = policy_on(&v, TEAM_PATH);
    assert_eq!(p.len(), 1, "{p:#?}");
    assert_eq!(p[0]["commit"], change);
}

/// A governor's roster change merged by anyone stays governed: a merge that
/// takes team.yaml unchanged from a parent does not change it.
#[test]
fn a_governors_roster_change_merged_by_a_non_governor_is_fine() {
    let repo = developed();
    repo.git(&["checkout", "-q", "-b", "roster"]);
    repo.commit_file(ADA, "2026-02-03T10:00:00Z", TEAM_PATH, &team_dev_qa());
    repo.git(&["checkout", "-q", "main"]);
    repo.commit_file(DEV, "2026-02-03T12:00:00Z", "README.md", "records\n");
    repo.git_as(
        DEV,
        "2026-02-04T10:00:00Z",
        &["merge", "--no-ff", "-q", "-m", "merge roster", "roster"],
    );
    let v = repo.check();
    assert_silent(&v, "policy.unauthorized-change");
}

/// An orphan history brings its own roster (granting its author the role)
/// and is merged in keeping only the sign-off: its roster is not trusted.
#[test]
fn an_orphan_history_cannot_bring_its_own_roster() {
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
    repo.git(&["checkout", "-q", "--orphan", "evil"]);
    repo.git(&["rm", "-rq", "--cached", "."]);
    for f in [
        "content/team.yaml",
        "content/site.yaml",
        "content/releases/1.0.0/release.md",
    ] {
        let _ = std::fs::remove_file(repo.file(f));
    }
    let evil_team = "people:\n  - {id: mallory, name: Mallory, emails: [mallory@evil.example], roles: [developer, release-manager]}\n";
    repo.commit_file(
        MALLORY,
        "2026-02-02T10:00:00Z",
        "content/team.yaml",
        evil_team,
    );
    repo.commit_file(
        MALLORY,
        "2026-02-02T11:00:00Z",
        &rel_path("1.0.0", "signoffs/development.md"),
        &signoff_md(GATES[0].2, "approve"),
    );
    repo.git(&["checkout", "-q", "-f", "main"]);
    repo.git_as(
        ADA,
        "2026-02-03T10:00:00Z",
        &[
            "merge",
            "-q",
            "-s",
            "ours",
            "--no-commit",
            "--allow-unrelated-histories",
            "evil",
        ],
    );
    repo.git(&[
        "checkout",
        "evil",
        "--",
        "content/releases/1.0.0/signoffs/development.md",
    ]);
    repo.git_as(
        ADA,
        "2026-02-03T10:00:00Z",
        &["commit", "-q", "-m", "merge"],
    );
    let v = repo.check();
    let f = assert_fires(&v, "policy.unauthorized-change");
    assert_eq!(f["path"], "content/team.yaml");
    assert_ne!(v["summary"]["errors"], 0);
}

/// A release manager's typo in team.yaml, fixed by the next commit: the fix
/// is judged by the last roster that could be read, not an empty one.
#[test]
fn a_roster_typo_can_be_fixed_by_a_governor() {
    let repo = Repo::with_team();
    repo.commit_file(
        ADA,
        "2026-02-01T10:00:00Z",
        "content/team.yaml",
        &TEAM.replace("people:", "people: [oops"),
    );
    repo.commit_file(ADA, "2026-02-01T11:00:00Z", "content/team.yaml", TEAM);
    let v = repo.check();
    assert_silent(&v, "policy.unauthorized-change");
    // The same fix by a developer is still not allowed.
    repo.commit_file(
        ADA,
        "2026-02-02T10:00:00Z",
        "content/team.yaml",
        &TEAM.replace("people:", "people: [oops"),
    );
    repo.commit_file(DEV, "2026-02-02T11:00:00Z", "content/team.yaml", TEAM);
    let v = repo.check();
    let f = assert_fires(&v, "policy.unauthorized-change");
    assert_eq!(f["commit"], repo.head());
}

/// Each signing commit is judged by the .mailmap of its own first parent,
/// also when one address signs both before and after the mailmap arrives
/// (the signers of all records are judged together, with each author's
/// mapping looked up once per mailmap).
#[test]
fn one_address_is_judged_by_the_mailmap_each_signing_commit_saw() {
    let repo = developed();
    planned_release(&repo, "1.1.0", "minor");
    sign(&repo, "1.1.0", "development", DEV, "2026-02-02T11:00:00Z");
    let before = sign(&repo, V, "quality", GRACE_HOME, "2026-02-03T08:00:00Z");
    repo.commit_file(ADA, "2026-02-03T09:00:00Z", ".mailmap", MAILMAP);
    let after = sign(
        &repo,
        "1.1.0",
        "quality",
        GRACE_HOME,
        "2026-02-03T10:00:00Z",
    );
    let v = repo.check();
    let unknown = findings(&v, "signoff.unknown-author");
    assert_eq!(unknown.len(), 1, "{:#}", v["findings"]);
    assert_eq!(unknown[0]["commit"], before);
    assert_eq!(gate_state(&v, V, "quality"), "invalid");
    let g = &release_of(&v, "1.1.0")["gates"]["quality"];
    assert_eq!(
        (g["signer"].as_str(), g["state"].as_str()),
        (Some("grace"), Some("approved"))
    );
    assert_eq!(g["commit"], after);
}
