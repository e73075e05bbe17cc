//! The go/no-go rules (SPEC §3, §6): `gonogo.missing`, `gonogo.late`,
//! `gonogo.before-signoffs` and `gonogo.wrong-role`; the 24 h lead judged
//! at `--now`; the patch release that names an incident and follows the
//! hotfix clock instead; the release states `ready`, `go` and `no-go`.
mod common;
use common::*;

/// The release of these tests: window 2026-02-20 14:00–16:00Z, so the
/// go/no-go is due by 2026-02-19T14:00:00Z.
const V: &str = "1.0.0";
const DUE: &str = "2026-02-19T14:00:00Z";

fn gng_path() -> String {
    rel_path(V, "go-no-go.md")
}

/// The roster and release [`V`] with all five gates approved (2026-02-02..06).
fn signed() -> Repo {
    let repo = Repo::with_team();
    signed_release(&repo, V, "major", "2026-02");
    repo
}

/// Commits go-no-go.md as `who` an hour after `meeting_at`; returns the commit.
fn decide(repo: &Repo, who: Who, decision: &str, meeting_at: &str) -> String {
    repo.commit_file(
        who,
        &plus(meeting_at, 60),
        &gng_path(),
        &gonogo_md(decision, meeting_at),
    )
}

/// The release record and every gate but `skip`, in handoff order.
fn signed_except(repo: &Repo, skip: &str) {
    repo.commit_file(
        DEV,
        "2026-02-01T10:00:00Z",
        &rel_path(V, "release.md"),
        &release_md(V, "major", "2026-02-20T14:00:00Z", "2026-02-20T16:00:00Z"),
    );
    for (i, (gate, who, items)) in GATES.iter().enumerate() {
        if *gate != skip {
            repo.commit_file(
                *who,
                &format!("2026-02-{:02}T10:00:00Z", i + 2),
                &signoff_path(V, gate),
                &signoff_md(items, "approve"),
            );
        }
    }
}

// ---- gonogo.missing ----

#[test]
fn missing_fires_only_once_now_reaches_window_start_minus_24h() {
    let repo = signed();

    let (v, code) = repo.check_at(&plus(DUE, -1));
    assert_silent(&v, "gonogo.missing");
    assert_eq!(code, 0, "{:#}", v["findings"]);
    assert_eq!(release_of(&v, V)["state"], "ready");

    let (v, code) = repo.check_at(DUE);
    let f = assert_error_at(&v, "gonogo.missing", &rel_path(V, "release.md"), 6); // deploy_window:
    assert_eq!(f["release"], V);
    assert_eq!(code, 1);
}

#[test]
fn missing_is_silent_when_a_go_no_go_is_recorded() {
    let repo = signed();
    decide(&repo, ADA, "go", "2026-02-10T09:00:00Z");
    let (v, code) = repo.check_at(NOW);
    assert_silent(&v, "gonogo.missing");
    assert_clean(&v, code);
}

#[test]
fn missing_fires_when_the_go_no_go_is_only_pending() {
    // SPEC §2: a record written but not committed is pending, never counted
    let repo = signed();
    repo.write(&gng_path(), &gonogo_md("go", "2026-02-10T09:00:00Z"));
    let (v, code) = repo.check_at(DUE);
    assert_eq!(release_of(&v, V)["state"], "ready");
    let f = assert_error_at(&v, "gonogo.missing", &rel_path(V, "release.md"), 6);
    assert_eq!(f["release"], V);
    assert_eq!(code, 1);
}

// ---- gonogo.late ----

#[test]
fn late_fires_when_the_meeting_is_less_than_24h_before_the_window() {
    let repo = signed();
    decide(&repo, ADA, "go", &plus(DUE, 60)); // 23 h before
    let (v, code) = repo.check_at(NOW);
    let f = assert_error_at(&v, "gonogo.late", &gng_path(), 3); // meeting_at:
    assert_eq!(f["release"], V);
    assert_eq!(code, 1);
}

#[test]
fn late_is_silent_for_a_meeting_exactly_24h_before_the_window() {
    let repo = signed();
    decide(&repo, ADA, "go", DUE);
    let (v, code) = repo.check_at(NOW);
    assert_silent(&v, "gonogo.late");
    assert_clean(&v, code);
    assert_eq!(release_of(&v, V)["state"], "go");
}

// ---- the hotfix exemption ----

/// 1.0.0 and 1.1.0 shipped, the incident open (hotfix decided at 15:22),
/// and patch 1.1.1 prepared with a window at 15:30, naming the incident or not.
fn rushed(names_incident: bool) -> Repo {
    let repo = incident_world();
    commit_incident(&repo, INCIDENT, &hotfix_incident());
    rushed_patch(&repo, "1.1.1", names_incident.then_some(INCIDENT));
    repo
}

#[test]
fn a_patch_naming_its_incident_is_exempt_from_the_24h_lead() {
    let repo = rushed(true);
    // before any go/no-go, past window - 24 h: not missing
    let (v, _) = repo.check_at("2026-02-20T15:29:00Z");
    assert_silent(&v, "gonogo.missing");
    // a go 2 minutes before the window: not late
    repo.commit_file(
        ADA,
        "2026-02-20T15:29:00Z",
        &rel_path("1.1.1", "go-no-go.md"),
        &gonogo_md("go", "2026-02-20T15:28:00Z"),
    );
    let (v, _) = repo.check_at("2026-02-20T15:29:30Z");
    assert_silent(&v, "gonogo.late");
    assert_silent(&v, "gonogo.missing");
    assert_eq!(release_of(&v, "1.1.1")["state"], "go");
}

#[test]
fn the_same_patch_without_an_incident_keeps_the_24h_lead() {
    let repo = rushed(false);
    let (v, _) = repo.check_at("2026-02-20T15:29:00Z");
    assert_error_at(&v, "gonogo.missing", &rel_path("1.1.1", "release.md"), 6);
    repo.commit_file(
        ADA,
        "2026-02-20T15:29:00Z",
        &rel_path("1.1.1", "go-no-go.md"),
        &gonogo_md("go", "2026-02-20T15:28:00Z"),
    );
    let (v, code) = repo.check_at("2026-02-20T15:29:30Z");
    let f = assert_error_at(&v, "gonogo.late", &rel_path("1.1.1", "go-no-go.md"), 3);
    assert_eq!(f["release"], "1.1.1");
    assert_eq!(code, 1);
}

#[test]
fn only_a_patch_release_gets_the_hotfix_exemption() {
    // a major release naming an incident keeps the 24 h lead
    let repo = Repo::with_team();
    let text = release_md(V, "major", "2026-02-20T14:00:00Z", "2026-02-20T16:00:00Z").replacen(
        "components:",
        &format!("incident: {INCIDENT}\ncomponents:"),
        1,
    );
    repo.commit_file(
        DEV,
        "2026-02-01T10:00:00Z",
        &rel_path(V, "release.md"),
        &text,
    );
    let (v, _) = repo.check_at(DUE);
    assert_error_at(&v, "gonogo.missing", &rel_path(V, "release.md"), 6);
}

// ---- gonogo.before-signoffs ----

#[test]
fn before_signoffs_fires_when_go_precedes_the_last_gate() {
    let repo = Repo::with_team();
    signed_except(&repo, "release-manager");
    let go = decide(&repo, ADA, "go", "2026-02-10T09:00:00Z");
    sign(&repo, V, "release-manager", ADA, "2026-02-11T10:00:00Z");
    let (v, code) = repo.check_at(NOW);
    let f = assert_error_at(&v, "gonogo.before-signoffs", &gng_path(), 2); // decision:
    assert!(
        f["message"].as_str().unwrap().contains("release-manager"),
        "{f:#}"
    );
    assert_eq!(f["release"], V);
    assert_eq!(f["commit"], go);
    assert_eq!(code, 1);
}

#[test]
fn before_signoffs_fires_when_a_gate_was_never_signed() {
    let repo = Repo::with_team();
    signed_except(&repo, "stakeholder");
    decide(&repo, ADA, "go", "2026-02-10T09:00:00Z");
    let (v, _) = repo.check_at(NOW);
    let f = assert_error_at(&v, "gonogo.before-signoffs", &gng_path(), 2);
    assert!(
        f["message"].as_str().unwrap().contains("stakeholder"),
        "{f:#}"
    );
}

#[test]
fn before_signoffs_is_silent_for_a_no_go_before_the_gates() {
    let repo = Repo::with_team();
    signed_except(&repo, "release-manager");
    decide(&repo, ADA, "no-go", "2026-02-10T09:00:00Z");
    sign(&repo, V, "release-manager", ADA, "2026-02-11T10:00:00Z");
    let (v, code) = repo.check_at(NOW);
    assert_silent(&v, "gonogo.before-signoffs");
    assert_clean(&v, code);
    assert_eq!(release_of(&v, V)["state"], "no-go");
}

#[test]
fn before_signoffs_is_silent_for_a_go_on_top_of_every_gate() {
    let repo = signed();
    decide(&repo, ADA, "go", "2026-02-10T09:00:00Z");
    let (v, _) = repo.check_at(NOW);
    assert_silent(&v, "gonogo.before-signoffs");
}

// ---- gonogo.wrong-role ----

#[test]
fn wrong_role_fires_when_a_qa_lead_records_the_go() {
    let repo = signed();
    let c = decide(&repo, GRACE, "go", "2026-02-10T09:00:00Z");
    let (v, code) = repo.check_at(NOW);
    let f = assert_error_at(&v, "gonogo.wrong-role", &gng_path(), 1);
    assert_eq!(f["release"], V);
    assert_eq!(f["commit"], c);
    assert_eq!(code, 1);
}

#[test]
fn wrong_role_fires_for_on_call_who_may_deploy_but_not_decide() {
    let repo = signed();
    decide(&repo, OMAR, "go", "2026-02-10T09:00:00Z");
    let (v, _) = repo.check_at(NOW);
    assert_error_at(&v, "gonogo.wrong-role", &gng_path(), 1);
}

#[test]
fn wrong_role_is_silent_for_the_release_manager() {
    let repo = signed();
    decide(&repo, ADA, "no-go", "2026-02-10T09:00:00Z");
    let (v, code) = repo.check_at(NOW);
    assert_silent(&v, "gonogo.wrong-role");
    assert_clean(&v, code);
    assert_eq!(release_of(&v, V)["state"], "no-go");
}
