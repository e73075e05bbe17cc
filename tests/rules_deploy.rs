//! The deployment rules (SPEC §3, §6): `deploy.without-go`,
//! `deploy.without-signoffs`, `deploy.outside-window`,
//! `deploy.checklist-incomplete` and `deploy.wrong-role`; who may deploy
//! (release manager or on-call); the release states that follow from the
//! go/no-go and the deployment outcome; exit codes.
mod common;
use common::*;

/// The release of these tests: window 2026-02-20 14:00–16:00Z.
const V: &str = "1.0.0";
const START: &str = "2026-02-20T14:00:00Z";
const END: &str = "2026-02-20T16:00:00Z";

fn dep_path() -> String {
    rel_path(V, "deployment.md")
}

/// The roster and release [`V`] with all five gates approved.
fn signed() -> Repo {
    let repo = Repo::with_team();
    signed_release(&repo, V, "major", "2026-02");
    repo
}

/// [`signed`] plus a `go` by the release manager on the 10th.
fn with_go() -> Repo {
    let repo = signed();
    decide(&repo, "go");
    repo
}

fn decide(repo: &Repo, decision: &str) -> String {
    repo.commit_file(
        ADA,
        "2026-02-10T10:00:00Z",
        &rel_path(V, "go-no-go.md"),
        &gonogo_md(decision, "2026-02-10T09:00:00Z"),
    )
}

/// Commits deployment.md as `who` at 16:30; returns the commit.
fn deploy(repo: &Repo, who: Who, text: &str) -> String {
    repo.commit_file(who, "2026-02-20T16:30:00Z", &dep_path(), text)
}

/// A successful deployment 14:05–15:00, inside the window.
fn good_deployment() -> String {
    deployment_md("2026-02-20T14:05:00Z", "2026-02-20T15:00:00Z", "success")
}

/// [`good_deployment`] with checklist item `id` answered `value` (YAML), or removed when `None`.
fn deployment_with(id: &str, value: Option<&str>) -> String {
    let text = good_deployment();
    let line = format!("  {id}: true\n");
    assert!(text.contains(&line));
    text.replace(
        &line,
        &value.map_or(String::new(), |v| format!("  {id}: {v}\n")),
    )
}

// ---- deploy.without-go ----

#[test]
fn without_go_fires_when_no_go_no_go_was_recorded() {
    let repo = signed();
    let c = deploy(&repo, ADA, &good_deployment());
    let (v, code) = repo.check_at(NOW);
    let f = assert_error_at(&v, "deploy.without-go", &dep_path(), 1);
    assert_eq!(f["release"], V);
    assert_eq!(f["commit"], c);
    assert_eq!(code, 1);
}

#[test]
fn without_go_fires_after_a_no_go() {
    let repo = signed();
    decide(&repo, "no-go");
    deploy(&repo, ADA, &good_deployment());
    let (v, _) = repo.check_at(NOW);
    assert_error_at(&v, "deploy.without-go", &dep_path(), 1);
}

#[test]
fn without_go_fires_when_the_go_is_committed_after_the_deployment() {
    let repo = signed();
    deploy(&repo, ADA, &good_deployment());
    repo.commit_file(
        ADA,
        "2026-02-20T17:00:00Z",
        &rel_path(V, "go-no-go.md"),
        &gonogo_md("go", "2026-02-10T09:00:00Z"),
    );
    let (v, _) = repo.check_at(NOW);
    assert_error_at(&v, "deploy.without-go", &dep_path(), 1);
}

#[test]
fn without_go_fires_when_the_go_is_not_committed() {
    let repo = signed();
    deploy(&repo, ADA, &good_deployment());
    repo.write(
        &rel_path(V, "go-no-go.md"),
        &gonogo_md("go", "2026-02-10T09:00:00Z"),
    );
    let (v, _) = repo.check_at(NOW);
    assert_error_at(&v, "deploy.without-go", &dep_path(), 1);
}

#[test]
fn without_go_is_silent_on_a_go_in_the_history() {
    let repo = with_go();
    deploy(&repo, ADA, &good_deployment());
    let (v, code) = repo.check_at(NOW);
    assert_silent(&v, "deploy.without-go");
    assert_clean(&v, code);
}

// ---- deploy.without-signoffs ----

/// The release record and every gate but `skip`; `rejected` is signed `reject`.
fn gates_but(repo: &Repo, skip: Option<&str>, rejected: Option<&str>) {
    repo.commit_file(
        DEV,
        "2026-02-01T10:00:00Z",
        &rel_path(V, "release.md"),
        &release_md(V, "major", START, END),
    );
    for (i, (gate, who, items)) in GATES.iter().enumerate() {
        if Some(*gate) != skip {
            let decision = if Some(*gate) == rejected {
                "reject"
            } else {
                "approve"
            };
            repo.commit_file(
                *who,
                &format!("2026-02-{:02}T10:00:00Z", i + 2),
                &signoff_path(V, gate),
                &signoff_md(items, decision),
            );
        }
    }
}

#[test]
fn without_signoffs_fires_when_a_gate_is_missing() {
    let repo = Repo::with_team();
    gates_but(&repo, Some("stakeholder"), None);
    decide(&repo, "go");
    let c = deploy(&repo, ADA, &good_deployment());
    let (v, code) = repo.check_at(NOW);
    let f = assert_error_at(&v, "deploy.without-signoffs", &dep_path(), 1);
    assert!(
        f["message"].as_str().unwrap().contains("stakeholder"),
        "{f:#}"
    );
    assert_eq!(f["release"], V);
    assert_eq!(f["commit"], c);
    assert_eq!(code, 1);
}

#[test]
fn without_signoffs_fires_when_a_gate_is_rejected() {
    let repo = Repo::with_team();
    gates_but(&repo, None, Some("quality"));
    decide(&repo, "go");
    deploy(&repo, ADA, &good_deployment());
    let (v, _) = repo.check_at(NOW);
    let f = assert_error_at(&v, "deploy.without-signoffs", &dep_path(), 1);
    assert!(f["message"].as_str().unwrap().contains("quality"), "{f:#}");
}

#[test]
fn without_signoffs_fires_when_a_gate_is_signed_by_the_wrong_role() {
    let repo = Repo::with_team();
    gates_but(&repo, Some("stakeholder"), None);
    sign(&repo, V, "stakeholder", DEV, "2026-02-07T10:00:00Z");
    decide(&repo, "go");
    deploy(&repo, ADA, &good_deployment());
    let (v, _) = repo.check_at(NOW);
    assert_eq!(gate_state(&v, V, "stakeholder"), "invalid");
    let f = assert_error_at(&v, "deploy.without-signoffs", &dep_path(), 1);
    assert!(
        f["message"].as_str().unwrap().contains("stakeholder"),
        "{f:#}"
    );
}

#[test]
fn without_signoffs_fires_when_a_gate_is_approved_only_after_the_deployment() {
    let repo = Repo::with_team();
    gates_but(&repo, Some("stakeholder"), None);
    decide(&repo, "go");
    let c = deploy(&repo, ADA, &good_deployment());
    sign(&repo, V, "stakeholder", PRIYA, "2026-02-21T10:00:00Z");
    let (v, _) = repo.check_at(NOW);
    let f = assert_error_at(&v, "deploy.without-signoffs", &dep_path(), 1);
    assert!(
        f["message"].as_str().unwrap().contains("stakeholder"),
        "{f:#}"
    );
    assert_eq!(f["commit"], c);
}

#[test]
fn without_signoffs_is_silent_when_every_gate_is_approved() {
    let repo = with_go();
    deploy(&repo, ADA, &good_deployment());
    let (v, _) = repo.check_at(NOW);
    assert_silent(&v, "deploy.without-signoffs");
}

// ---- deploy.outside-window ----

#[test]
fn outside_window_fires_for_a_start_before_the_window() {
    let repo = with_go();
    deploy(
        &repo,
        ADA,
        &deployment_md("2026-02-20T13:55:00Z", "2026-02-20T15:00:00Z", "success"),
    );
    let (v, code) = repo.check_at(NOW);
    let f = assert_error_at(&v, "deploy.outside-window", &dep_path(), 2); // started_at:
    assert_eq!(f["release"], V);
    assert_eq!(findings(&v, "deploy.outside-window").len(), 1);
    assert_eq!(code, 1);
}

#[test]
fn outside_window_fires_for_a_finish_after_the_window() {
    let repo = with_go();
    deploy(
        &repo,
        ADA,
        &deployment_md("2026-02-20T14:05:00Z", "2026-02-20T16:01:00Z", "success"),
    );
    let (v, _) = repo.check_at(NOW);
    assert_error_at(&v, "deploy.outside-window", &dep_path(), 3); // finished_at:
    assert_eq!(findings(&v, "deploy.outside-window").len(), 1);
}

#[test]
fn outside_window_fires_for_each_end_that_overruns() {
    let repo = with_go();
    deploy(
        &repo,
        ADA,
        &deployment_md("2026-02-19T23:00:00Z", "2026-02-21T01:00:00Z", "success"),
    );
    let (v, _) = repo.check_at(NOW);
    assert_error_at(&v, "deploy.outside-window", &dep_path(), 2);
    assert_error_at(&v, "deploy.outside-window", &dep_path(), 3);
}

#[test]
fn outside_window_fires_when_the_release_has_no_window() {
    let repo = Repo::with_team();
    signed_release(&repo, V, "major", "2026-02");
    let text = repo.read(&rel_path(V, "release.md"));
    let line = text
        .lines()
        .find(|l| l.starts_with("deploy_window:"))
        .unwrap()
        .to_string();
    repo.commit_file(
        DEV,
        "2026-02-07T10:00:00Z",
        &rel_path(V, "release.md"),
        &text.replace(&format!("{line}\n"), ""),
    );
    // the release.md edit is not a sign-off: gates stay approved
    decide(&repo, "go");
    deploy(&repo, ADA, &good_deployment());
    let (v, _) = repo.check_at(NOW);
    assert_error_at(&v, "deploy.outside-window", &dep_path(), 1);
}

#[test]
fn outside_window_is_silent_at_the_window_edges() {
    let repo = with_go();
    deploy(&repo, ADA, &deployment_md(START, END, "success"));
    let (v, code) = repo.check_at(NOW);
    assert_silent(&v, "deploy.outside-window");
    assert_clean(&v, code);
}

#[test]
fn outside_window_compares_instants_not_clock_readings() {
    // 16:05+02:00 is 14:05Z, inside the window; 17:00+02:00 is 15:00Z
    let repo = with_go();
    deploy(
        &repo,
        ADA,
        &deployment_md(
            "2026-02-20T16:05:00+02:00",
            "2026-02-20T17:00:00+02:00",
            "success",
        ),
    );
    let (v, _) = repo.check_at(NOW);
    assert_silent(&v, "deploy.outside-window");
}

// ---- deploy.checklist-incomplete ----

#[test]
fn checklist_incomplete_fires_for_a_false_item() {
    let repo = with_go();
    let text = deployment_with("announced", Some("false"));
    deploy(&repo, ADA, &text);
    let (v, code) = repo.check_at(NOW);
    let f = assert_error_at(
        &v,
        "deploy.checklist-incomplete",
        &dep_path(),
        line_of(&text, "announced:"),
    );
    assert_eq!(f["release"], V);
    assert_eq!(code, 1);
}

#[test]
fn checklist_incomplete_fires_for_a_missing_item_at_the_checklist() {
    let repo = with_go();
    let text = deployment_with("post-deploy-verified", None);
    deploy(&repo, ADA, &text);
    let (v, _) = repo.check_at(NOW);
    let f = assert_error_at(
        &v,
        "deploy.checklist-incomplete",
        &dep_path(),
        line_of(&text, "checklist:"),
    );
    assert!(
        f["message"]
            .as_str()
            .unwrap()
            .contains("post-deploy-verified"),
        "{f:#}"
    );
}

#[test]
fn checklist_incomplete_fires_for_n_a_on_a_required_item() {
    let repo = with_go();
    let text = deployment_with("staging-smoke-tests", Some("\"n/a: no staging\""));
    deploy(&repo, ADA, &text);
    let (v, _) = repo.check_at(NOW);
    assert_error_at(
        &v,
        "deploy.checklist-incomplete",
        &dep_path(),
        line_of(&text, "staging-smoke-tests:"),
    );
}

#[test]
fn checklist_incomplete_is_silent_for_n_a_on_optional_items() {
    let repo = with_go();
    let text = deployment_with("window-scheduled", Some("\"n/a: emergency change\"")).replace(
        "  backup-taken: true\n",
        "  backup-taken: n/a, stateless service\n",
    );
    deploy(&repo, ADA, &text);
    let (v, code) = repo.check_at(NOW);
    assert_silent(&v, "deploy.checklist-incomplete");
    assert_clean(&v, code);
}

#[test]
fn checklist_incomplete_is_silent_while_in_progress() {
    let repo = with_go();
    let text = deployment_with("announced", Some("false"))
        .replace("outcome: success", "outcome: in-progress");
    deploy(&repo, ADA, &text);
    let (v, _) = repo.check_at(NOW);
    assert_silent(&v, "deploy.checklist-incomplete");
    assert_eq!(release_of(&v, V)["state"], "go");
}

// ---- deploy.wrong-role ----

#[test]
fn wrong_role_fires_for_a_developer() {
    let repo = with_go();
    let c = deploy(&repo, DEV, &good_deployment());
    let (v, code) = repo.check_at(NOW);
    let f = assert_error_at(&v, "deploy.wrong-role", &dep_path(), 1);
    assert_eq!(f["release"], V);
    assert_eq!(f["commit"], c);
    assert_eq!(code, 1);
}

#[test]
fn wrong_role_fires_for_someone_outside_the_roster() {
    let repo = with_go();
    deploy(&repo, MALLORY, &good_deployment());
    let (v, _) = repo.check_at(NOW);
    assert_error_at(&v, "deploy.wrong-role", &dep_path(), 1);
}

#[test]
fn wrong_role_is_silent_for_on_call() {
    let repo = with_go();
    deploy(&repo, OMAR, &good_deployment());
    let (v, code) = repo.check_at(NOW);
    assert_silent(&v, "deploy.wrong-role");
    assert_clean(&v, code);
    assert_eq!(release_of(&v, V)["state"], "deployed");
}

#[test]
fn wrong_role_is_silent_for_the_release_manager() {
    let repo = with_go();
    deploy(&repo, ADA, &good_deployment());
    let (v, _) = repo.check_at(NOW);
    assert_silent(&v, "deploy.wrong-role");
}

// ---- release states and exit codes ----

#[test]
fn release_states_follow_the_decision_and_the_outcome() {
    let cases = [
        (Some("no-go"), None, "no-go"),
        (Some("go"), None, "go"),
        (Some("go"), Some("in-progress"), "go"),
        (Some("go"), Some("success"), "deployed"),
        (Some("go"), Some("rolled-back"), "rolled-back"),
        (Some("go"), Some("failed"), "failed"),
    ];
    for (decision, outcome, state) in cases {
        let repo = signed();
        if let Some(d) = decision {
            decide(&repo, d);
        }
        if let Some(o) = outcome {
            deploy(
                &repo,
                ADA,
                &deployment_md("2026-02-20T14:05:00Z", "2026-02-20T15:00:00Z", o),
            );
        }
        let (v, code) = repo.check_at(NOW);
        assert_eq!(
            release_of(&v, V)["state"],
            state,
            "{decision:?} {outcome:?}"
        );
        assert_clean(&v, code);
    }
}

#[test]
fn exit_code_is_1_with_an_error_and_0_with_warnings_only() {
    let repo = with_go();
    // an unknown checklist item is a warning
    let c = deploy(
        &repo,
        ADA,
        &good_deployment().replace(
            "  announced: true\n",
            "  announced: true\n  cake-eaten: true\n",
        ),
    );
    let (v, code) = repo.check_at(NOW);
    assert_eq!(v["summary"]["errors"], 0, "{:#}", v["findings"]);
    assert!(v["summary"]["warnings"].as_u64().unwrap() > 0);
    assert_eq!(code, 0);

    repo.git(&["reset", "-q", "--hard", &format!("{c}~1")]);
    deploy(&repo, DEV, &good_deployment());
    let (v, code) = repo.check_at(NOW);
    assert!(v["summary"]["errors"].as_u64().unwrap() > 0);
    assert_eq!(code, 1);
}
