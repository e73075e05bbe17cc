//! The incident rules (SPEC §3, §4, §6): the alert and assessment clocks,
//! the hotfix clock, rollback authority, target and completion, escalation,
//! status updates, security paging and the resolution. Each starts from the
//! complete valid incident of `common::valid_incident` (1.1.0 rolled back to
//! 1.0.0) and breaks one thing; deadlines of open incidents are judged at `--now`.
mod common;
use common::*;
use serde_json::{Value, json};

fn ipath() -> String {
    incident_path(INCIDENT)
}

/// `valid_incident()` with `changes` applied (see `common::edited`).
fn incident(changes: &[(&str, Option<Value>)]) -> Value {
    edited(valid_incident(), changes)
}
/// An open incident: declared, nothing else done yet.
fn just_declared() -> Value {
    edited(
        valid_incident(),
        &[
            ("alert", None),
            ("assessment", None),
            ("escalation", None),
            ("updates", None),
            ("rollback", None),
            ("resolution", None),
        ],
    )
}

/// The two valid releases and incident `inc` (with its valid post-mortem
/// when resolved), checked at `now`.
fn check(inc: &Value, now: &str) -> (Value, i32) {
    let repo = incident_world();
    commit_incident(&repo, INCIDENT, inc);
    if inc.get("resolution").is_some() {
        commit_postmortem(&repo, INCIDENT, &valid_postmortem());
    }
    repo.check_at(now)
}

/// Asserts `rule` fires as an error on incident.md at the line of `keys`, with the incident id.
#[track_caller]
fn fires_at<'a>(v: &'a Value, rule: &str, inc: &Value, keys: &[&str]) -> &'a Value {
    fires_on_line(v, rule, key_line(&incident_md(inc), keys))
}

/// Asserts `rule` fires as an error on incident.md at `line`, with the incident id.
#[track_caller]
fn fires_on_line<'a>(v: &'a Value, rule: &str, line: usize) -> &'a Value {
    let f = assert_error_at(v, rule, &ipath(), line);
    assert_eq!(f["incident"], INCIDENT, "{f:#}");
    f
}

#[track_caller]
fn message(f: &Value) -> &str {
    f["message"].as_str().unwrap()
}

#[test]
fn the_valid_incident_is_clean() {
    let (v, code) = check(&valid_incident(), NOW);
    assert_clean(&v, code);
    assert_eq!(incident_json(&v, INCIDENT)["severity"], "sev1");
}

// ---- incident.alert-late ----

#[test]
fn alert_late_fires_for_an_alert_6_minutes_after_declaring() {
    let inc = incident(&[("alert/sent_at", Some(json!(plus(DECLARED, 6))))]);
    let (v, code) = check(&inc, NOW);
    fires_at(&v, "incident.alert-late", &inc, &["alert", "sent_at"]);
    assert_eq!(code, 1);
}

#[test]
fn alert_late_is_silent_for_an_alert_at_exactly_5_minutes() {
    let inc = incident(&[("alert/sent_at", Some(json!(plus(DECLARED, 5))))]);
    let (v, _) = check(&inc, NOW);
    assert_silent(&v, "incident.alert-late");
}

#[test]
fn now_decides_alert_late_for_an_open_incident_without_an_alert() {
    let inc = just_declared();
    let repo = incident_world();
    commit_incident(&repo, INCIDENT, &inc);

    for minutes in [4, 5] {
        let (v, code) = repo.check_at(&plus(DECLARED, minutes));
        assert_silent(&v, "incident.alert-late");
        assert_clean(&v, code);
        assert_eq!(incident_json(&v, INCIDENT)["state"], "open");
    }

    let (v, code) = repo.check_at(&plus(DECLARED, 6));
    fires_at(&v, "incident.alert-late", &inc, &["declared_at"]);
    assert_eq!(code, 1);
}

// ---- incident.alert-incomplete ----

#[test]
fn alert_incomplete_fires_for_each_missing_field() {
    let inc = incident(&[
        ("alert/summary", None),
        ("alert/responders", Some(json!([]))),
    ]);
    let (v, code) = check(&inc, NOW);
    fires_at(&v, "incident.alert-incomplete", &inc, &["alert"]);
    let all = findings(&v, "incident.alert-incomplete");
    assert_eq!(all.len(), 2, "{all:#?}");
    assert!(
        all.iter().any(|f| message(f).contains("summary")),
        "{all:#?}"
    );
    assert!(
        all.iter().any(|f| message(f).contains("responders")),
        "{all:#?}"
    );
    assert_eq!(code, 1);
}

#[test]
fn alert_incomplete_fires_for_a_blank_impact_and_no_next_update() {
    let inc = incident(&[
        ("alert/impact", Some(json!(" "))),
        ("alert/next_update_at", None),
    ]);
    let (v, _) = check(&inc, NOW);
    let all = findings(&v, "incident.alert-incomplete");
    assert!(
        all.iter().any(|f| message(f).contains("impact")),
        "{all:#?}"
    );
    assert!(
        all.iter().any(|f| message(f).contains("next_update_at")),
        "{all:#?}"
    );
}

#[test]
fn alert_incomplete_is_silent_for_a_complete_alert() {
    let (v, _) = check(&valid_incident(), NOW);
    assert_silent(&v, "incident.alert-incomplete");
}

// ---- incident.assessment-late ----

#[test]
fn assessment_late_fires_16_minutes_after_declaring() {
    let inc = incident(&[("assessment/at", Some(json!(plus(DECLARED, 16))))]);
    let (v, code) = check(&inc, NOW);
    fires_at(&v, "incident.assessment-late", &inc, &["assessment", "at"]);
    assert_eq!(code, 1);
}

#[test]
fn assessment_late_is_silent_at_exactly_15_minutes() {
    let inc = incident(&[("assessment/at", Some(json!(plus(DECLARED, 15))))]);
    let (v, _) = check(&inc, NOW);
    assert_silent(&v, "incident.assessment-late");
}

#[test]
fn now_decides_assessment_late_for_an_open_incident() {
    let inc = edited(
        valid_incident(),
        &[
            ("assessment", None),
            ("escalation", None),
            ("updates", None),
            ("rollback", None),
            ("resolution", None),
        ],
    );
    let repo = incident_world();
    commit_incident(&repo, INCIDENT, &inc);
    let (v, code) = repo.check_at(&plus(DECLARED, 14));
    assert_silent(&v, "incident.assessment-late");
    assert_clean(&v, code);
    let (v, _) = repo.check_at(&plus(DECLARED, 16));
    fires_at(&v, "incident.assessment-late", &inc, &["declared_at"]);
}

// ---- incident.hotfix-overran ----
// Assessed at 15:22 (decision: hotfix): the hotfix is due by 15:52.

/// The incident world with the hotfix incident and, when `finished` is
/// given, patch 1.1.1 naming it, deployed by on-call 15:31–`finished`.
fn hotfix_world(finished: Option<&str>) -> Repo {
    let repo = incident_world();
    commit_incident(&repo, INCIDENT, &hotfix_incident());
    if let Some(done) = finished {
        rushed_patch(&repo, "1.1.1", Some(INCIDENT));
        repo.commit_file(
            ADA,
            "2026-02-20T15:29:00Z",
            &rel_path("1.1.1", "go-no-go.md"),
            &gonogo_md("go", "2026-02-20T15:28:00Z"),
        );
        repo.commit_file(
            OMAR,
            &plus(done, 1),
            &rel_path("1.1.1", "deployment.md"),
            &deployment_md("2026-02-20T15:31:00Z", done, "success"),
        );
    }
    repo
}

#[test]
fn hotfix_overran_is_silent_for_a_patch_out_in_time() {
    let repo = hotfix_world(Some("2026-02-20T15:52:00Z"));
    let (v, code) = repo.check_at("2026-02-20T16:10:00Z");
    assert_silent(&v, "incident.hotfix-overran");
    assert_clean(&v, code);
    assert_eq!(release_of(&v, "1.1.1")["state"], "deployed");
}

#[test]
fn hotfix_overran_fires_for_a_patch_out_after_30_minutes() {
    let repo = hotfix_world(Some("2026-02-20T15:55:00Z"));
    let (v, code) = repo.check_at("2026-02-20T16:10:00Z");
    let f = fires_at(
        &v,
        "incident.hotfix-overran",
        &hotfix_incident(),
        &["assessment", "decision"],
    );
    assert!(
        message(f).starts_with("the hotfix took 33"),
        "{}",
        message(f)
    );
    assert_eq!(code, 1);
}

#[test]
fn hotfix_overran_without_a_deployment_measures_to_the_resolution() {
    // No patch names the incident: the resolution (15:55, 33 min after the
    // assessment) stands in for the hotfix, and the message says so.
    let resolved = edited(
        hotfix_incident(),
        &[("resolution", Some(valid_incident()["resolution"].clone()))],
    );
    let repo = incident_world();
    commit_incident(&repo, INCIDENT, &resolved);
    let (v, _) = repo.check_at("2026-02-20T16:10:00Z");
    let f = fires_at(
        &v,
        "incident.hotfix-overran",
        &resolved,
        &["assessment", "decision"],
    );
    assert!(
        message(f).starts_with(
            "no successful deployment of a release naming this incident is committed, and the incident was resolved 33"
        ),
        "{}",
        message(f)
    );
}

#[test]
fn now_decides_hotfix_overran_while_no_patch_is_out() {
    let repo = hotfix_world(None);
    let (v, code) = repo.check_at("2026-02-20T15:52:00Z");
    assert_silent(&v, "incident.hotfix-overran");
    assert_clean(&v, code);
    let (v, _) = repo.check_at("2026-02-20T15:53:00Z");
    fires_at(
        &v,
        "incident.hotfix-overran",
        &hotfix_incident(),
        &["assessment", "decision"],
    );
}

#[test]
fn hotfix_overran_fires_when_the_patch_deployment_is_only_pending() {
    // SPEC §2: a record written but not committed is pending, never counted
    let repo = incident_world();
    commit_incident(&repo, INCIDENT, &hotfix_incident());
    rushed_patch(&repo, "1.1.1", Some(INCIDENT));
    repo.commit_file(
        ADA,
        "2026-02-20T15:29:00Z",
        &rel_path("1.1.1", "go-no-go.md"),
        &gonogo_md("go", "2026-02-20T15:28:00Z"),
    );
    repo.write(
        &rel_path("1.1.1", "deployment.md"),
        &deployment_md("2026-02-20T15:31:00Z", "2026-02-20T15:45:00Z", "success"),
    );
    let (v, _) = repo.check_at("2026-02-20T16:10:00Z");
    assert_eq!(release_of(&v, "1.1.1")["state"], "go");
    let f = fires_at(
        &v,
        "incident.hotfix-overran",
        &hotfix_incident(),
        &["assessment", "decision"],
    );
    // The message names the pending file.
    let pending = format!("{} not committed yet", rel_path("1.1.1", "deployment.md"));
    assert!(message(f).contains(&pending), "{}", message(f));
    assert!(
        message(f).starts_with("the hotfix is not out"),
        "{}",
        message(f)
    );
}

// ---- incident.rollback-authority ----

/// The valid incident, its rollback decided by `who` with the two flags.
fn decided_by(who: &str, security: bool, rm_unavailable: bool) -> Value {
    incident(&[
        ("assessment/decided_by", Some(json!(who))),
        ("assessment/rm_unavailable", Some(json!(rm_unavailable))),
        ("security", Some(json!(security))),
        // a security incident pages the security lead
        (
            "alert/responders",
            Some(json!(["omar", "ada", "grace", "sam"])),
        ),
    ])
}

#[test]
fn rollback_authority_is_silent_for_the_release_manager() {
    let (v, _) = check(&decided_by("ada", false, false), NOW);
    assert_silent(&v, "incident.rollback-authority");
}

#[test]
fn rollback_authority_fires_for_the_security_lead_outside_a_security_incident() {
    let inc = decided_by("sam", false, false);
    let (v, code) = check(&inc, NOW);
    fires_at(
        &v,
        "incident.rollback-authority",
        &inc,
        &["assessment", "decided_by"],
    );
    assert_eq!(code, 1);
}

#[test]
fn rollback_authority_is_silent_for_the_security_lead_in_a_security_incident() {
    let (v, _) = check(&decided_by("sam", true, false), NOW);
    assert_silent(&v, "incident.rollback-authority");
}

#[test]
fn rollback_authority_fires_for_on_call_while_the_release_manager_is_available() {
    let inc = decided_by("omar", false, false);
    let (v, _) = check(&inc, NOW);
    fires_at(
        &v,
        "incident.rollback-authority",
        &inc,
        &["assessment", "decided_by"],
    );
}

#[test]
fn rollback_authority_is_silent_for_on_call_when_the_release_manager_is_unavailable() {
    let (v, _) = check(&decided_by("omar", false, true), NOW);
    assert_silent(&v, "incident.rollback-authority");
}

#[test]
fn rollback_authority_fires_for_a_developer_whatever_the_flags() {
    let inc = decided_by("dev", true, true);
    let (v, _) = check(&inc, NOW);
    fires_at(
        &v,
        "incident.rollback-authority",
        &inc,
        &["assessment", "decided_by"],
    );
}

#[test]
fn rollback_authority_fires_when_nobody_is_named() {
    let inc = incident(&[("assessment/decided_by", None)]);
    let (v, _) = check(&inc, NOW);
    fires_at(&v, "incident.rollback-authority", &inc, &["assessment"]);
}

// ---- incident.rollback-target ----

#[test]
fn rollback_target_fires_without_a_target() {
    let inc = incident(&[("assessment/target", None)]);
    let (v, code) = check(&inc, NOW);
    fires_at(&v, "incident.rollback-target", &inc, &["assessment"]);
    assert_eq!(code, 1);
}

#[test]
fn rollback_target_fires_for_a_release_that_does_not_exist() {
    let inc = incident(&[("assessment/target", Some(json!("0.9.0")))]);
    let (v, _) = check(&inc, NOW);
    fires_at(
        &v,
        "incident.rollback-target",
        &inc,
        &["assessment", "target"],
    );
}

#[test]
fn rollback_target_fires_for_the_failing_release_itself() {
    let inc = incident(&[("assessment/target", Some(json!("1.1.0")))]);
    let (v, _) = check(&inc, NOW);
    fires_at(
        &v,
        "incident.rollback-target",
        &inc,
        &["assessment", "target"],
    );
}

#[test]
fn rollback_target_fires_when_validated_by_someone_not_qa_lead() {
    let inc = incident(&[("assessment/target_validated_by", Some(json!("ada")))]);
    let (v, _) = check(&inc, NOW);
    fires_at(
        &v,
        "incident.rollback-target",
        &inc,
        &["assessment", "target_validated_by"],
    );
}

#[test]
fn rollback_target_fires_when_not_validated() {
    let inc = incident(&[("assessment/target_validated_by", None)]);
    let (v, _) = check(&inc, NOW);
    fires_at(&v, "incident.rollback-target", &inc, &["assessment"]);
}

#[test]
fn rollback_target_is_silent_for_an_older_release_validated_by_qa() {
    let (v, _) = check(&valid_incident(), NOW);
    assert_silent(&v, "incident.rollback-target");
}

// ---- incident.rollback-incomplete ----

#[test]
fn rollback_incomplete_fires_for_a_false_checklist_item() {
    let inc = incident(&[("rollback/checklist/monitoring-healthy", Some(json!(false)))]);
    let (v, code) = check(&inc, NOW);
    fires_at(
        &v,
        "incident.rollback-incomplete",
        &inc,
        &["rollback", "checklist", "monitoring-healthy"],
    );
    assert_eq!(code, 1);
}

#[test]
fn rollback_incomplete_fires_when_smoke_tests_are_validated_by_someone_not_qa_lead() {
    let inc = incident(&[("rollback/smoke_tests_validated_by", Some(json!("omar")))]);
    let (v, _) = check(&inc, NOW);
    fires_at(&v, "incident.rollback-incomplete", &inc, &["rollback"]);
}

#[test]
fn rollback_incomplete_fires_without_completed_at() {
    let inc = incident(&[("rollback/completed_at", None)]);
    let (v, _) = check(&inc, NOW);
    fires_at(&v, "incident.rollback-incomplete", &inc, &["rollback"]);
}

#[test]
fn rollback_incomplete_fires_when_resolved_without_a_rollback_record() {
    let inc = incident(&[("rollback", None)]);
    let (v, _) = check(&inc, NOW);
    fires_at(&v, "incident.rollback-incomplete", &inc, &["resolution"]);
}

#[test]
fn rollback_incomplete_is_silent_while_the_incident_is_open() {
    let inc = incident(&[
        ("rollback/checklist/monitoring-healthy", Some(json!(false))),
        ("rollback/completed_at", None),
        ("resolution", None),
    ]);
    let (v, _) = check(&inc, "2026-02-20T15:45:00Z");
    assert_silent(&v, "incident.rollback-incomplete");
}

#[test]
fn rollback_incomplete_is_silent_for_a_complete_rollback() {
    let (v, _) = check(&valid_incident(), NOW);
    assert_silent(&v, "incident.rollback-incomplete");
}

// ---- incident.escalation-late ----
// The disagreement was at 15:15: escalation due by 15:25.

#[test]
fn escalation_late_fires_11_minutes_after_the_disagreement() {
    let inc = incident(&[(
        "escalation/escalated_at",
        Some(json!("2026-02-20T15:26:00Z")),
    )]);
    let (v, code) = check(&inc, NOW);
    fires_at(
        &v,
        "incident.escalation-late",
        &inc,
        &["escalation", "escalated_at"],
    );
    assert_eq!(code, 1);
}

#[test]
fn escalation_late_is_silent_at_exactly_10_minutes() {
    let inc = incident(&[(
        "escalation/escalated_at",
        Some(json!("2026-02-20T15:25:00Z")),
    )]);
    let (v, _) = check(&inc, NOW);
    assert_silent(&v, "incident.escalation-late");
}

#[test]
fn escalation_late_fires_for_an_escalation_to_someone_not_product_lead() {
    let inc = incident(&[("escalation/to", Some(json!("ada")))]);
    let (v, _) = check(&inc, NOW);
    fires_at(&v, "incident.escalation-late", &inc, &["escalation", "to"]);
}

#[test]
fn escalation_late_fires_for_an_escalation_to_nobody() {
    // SPEC §3: escalation *to the product lead*; without `to` nothing shows it reached one
    let inc = incident(&[("escalation/to", None)]);
    let (v, _) = check(&inc, NOW);
    fires_at(&v, "incident.escalation-late", &inc, &["escalation"]);
}

#[test]
fn now_decides_escalation_late_while_not_escalated() {
    let inc = incident(&[("escalation/escalated_at", None)]);
    let repo = incident_world();
    commit_incident(&repo, INCIDENT, &inc);
    let (v, _) = repo.check_at("2026-02-20T15:25:00Z");
    assert_silent(&v, "incident.escalation-late");
    let (v, _) = repo.check_at("2026-02-20T15:26:00Z");
    fires_at(&v, "incident.escalation-late", &inc, &["escalation"]);
}

#[test]
fn escalation_late_is_silent_without_a_disagreement() {
    let (v, _) = check(&incident(&[("escalation", None)]), NOW);
    assert_silent(&v, "incident.escalation-late");
}

// ---- incident.update-late ----
// The alert promised an update at 15:40; update 1 (15:35) promised 16:00.

/// File lines of the entries of `updates:`.
fn update_lines(inc: &Value) -> Vec<usize> {
    let text = incident_md(inc);
    let from = key_line(&text, &["updates"]);
    text.lines()
        .enumerate()
        .skip(from)
        .take_while(|(_, l)| l.starts_with(' '))
        .filter(|(_, l)| l.trim_start().starts_with("- "))
        .map(|(i, _)| i + 1)
        .collect()
}

#[test]
fn update_late_fires_for_an_update_after_the_alerts_promise() {
    let inc = incident(&[("updates/0/at", Some(json!("2026-02-20T15:42:00Z")))]);
    let (v, code) = check(&inc, NOW);
    fires_on_line(&v, "incident.update-late", update_lines(&inc)[0]);
    assert_eq!(findings(&v, "incident.update-late").len(), 1);
    assert_eq!(code, 1);
}

#[test]
fn update_late_fires_for_an_update_after_the_previous_updates_promise() {
    let inc = incident(&[
        ("updates/1/at", Some(json!("2026-02-20T16:05:00Z"))),
        (
            "resolution/resolved_at",
            Some(json!("2026-02-20T16:05:00Z")),
        ),
    ]);
    let (v, _) = check(&inc, NOW);
    fires_on_line(&v, "incident.update-late", update_lines(&inc)[1]);
    assert_eq!(findings(&v, "incident.update-late").len(), 1);
}

#[test]
fn now_decides_update_late_while_a_promised_update_is_outstanding() {
    // open: the alert promised an update at 17:00
    let repo = hotfix_world(None);
    let (v, _) = repo.check_at("2026-02-20T17:00:00Z");
    assert_silent(&v, "incident.update-late");
    let (v, code) = repo.check_at("2026-02-20T17:01:00Z");
    let f = assert_fires(&v, "incident.update-late");
    assert_eq!(
        (&f["path"], &f["severity"], &f["incident"]),
        (&json!(ipath()), &json!("error"), &json!(INCIDENT))
    );
    assert_eq!(code, 1);
}

#[test]
fn update_late_fires_when_resolved_after_a_promise_without_an_update() {
    // the alert promised an update at 15:40; none came; resolved at 15:55
    let inc = incident(&[("updates", None)]);
    let (v, _) = check(&inc, NOW);
    let f = assert_fires(&v, "incident.update-late");
    assert_eq!(
        (&f["path"], &f["severity"], &f["incident"]),
        (&json!(ipath()), &json!("error"), &json!(INCIDENT))
    );
}

#[test]
fn update_late_is_silent_when_resolved_before_the_promised_update() {
    // the alert promised 15:40; resolved at 15:38 with no update in between
    let inc = incident(&[
        ("updates", None),
        ("rollback/completed_at", Some(json!("2026-02-20T15:36:00Z"))),
        (
            "resolution/resolved_at",
            Some(json!("2026-02-20T15:38:00Z")),
        ),
    ]);
    let (v, _) = check(&inc, NOW);
    assert_silent(&v, "incident.update-late");
}

#[test]
fn update_late_is_silent_for_updates_on_time() {
    let (v, _) = check(&valid_incident(), NOW);
    assert_silent(&v, "incident.update-late");
}

// ---- incident.security-not-paged ----

#[test]
fn security_not_paged_fires_for_a_security_incident_without_the_security_lead() {
    let inc = incident(&[("security", Some(json!(true)))]);
    let (v, code) = check(&inc, NOW);
    fires_at(
        &v,
        "incident.security-not-paged",
        &inc,
        &["alert", "responders"],
    );
    assert_eq!(code, 1);
}

#[test]
fn security_not_paged_fires_for_the_security_criterion_alone() {
    let inc = incident(&[("criteria", Some(json!(["security"])))]);
    let (v, _) = check(&inc, NOW);
    fires_at(
        &v,
        "incident.security-not-paged",
        &inc,
        &["alert", "responders"],
    );
}

#[test]
fn security_not_paged_is_silent_when_the_security_lead_responds() {
    let inc = incident(&[
        ("security", Some(json!(true))),
        ("alert/responders", Some(json!(["omar", "sam"]))),
    ]);
    let (v, _) = check(&inc, NOW);
    assert_silent(&v, "incident.security-not-paged");
}

#[test]
fn security_not_paged_is_silent_for_other_incidents() {
    let (v, _) = check(&valid_incident(), NOW);
    assert_silent(&v, "incident.security-not-paged");
}

// ---- incident.resolution-incomplete ----

#[test]
fn resolution_incomplete_fires_without_a_root_cause() {
    let inc = incident(&[("resolution/root_cause", None)]);
    let (v, code) = check(&inc, NOW);
    let f = fires_at(&v, "incident.resolution-incomplete", &inc, &["resolution"]);
    assert!(message(f).contains("root_cause"), "{f:#}");
    assert_eq!(findings(&v, "incident.resolution-incomplete").len(), 1);
    assert_eq!(code, 1);
}

#[test]
fn resolution_incomplete_fires_once_per_missing_or_blank_field() {
    let inc = incident(&[
        ("resolution/actions_taken", Some(json!(""))),
        ("resolution/postmortem_at", None),
        ("resolution/contact", None),
    ]);
    let (v, _) = check(&inc, NOW);
    let all = findings(&v, "incident.resolution-incomplete");
    assert_eq!(all.len(), 3, "{all:#?}");
    for field in ["actions_taken", "postmortem_at", "contact"] {
        assert!(
            all.iter().any(|f| message(f).contains(field)),
            "{field}: {all:#?}"
        );
    }
}

#[test]
fn resolution_incomplete_is_silent_for_a_complete_resolution() {
    let (v, _) = check(&valid_incident(), NOW);
    assert_silent(&v, "incident.resolution-incomplete");
}

/// People and roles in an incident are judged by the roster before the
/// incident's commit: someone who leaves the team later does not turn an old
/// incident into errors.
#[test]
fn people_who_left_later_still_count_for_old_incidents() {
    let repo = incident_world();
    commit_incident(&repo, INCIDENT, &valid_incident());
    let before = repo.check();
    assert!(
        findings(&before, "content.unknown-person").is_empty(),
        "{before:#}"
    );
    // Grace (QA lead, the rollback validator) leaves; a release manager updates the roster.
    let team: String = TEAM
        .lines()
        .filter(|l| !l.contains("id: grace"))
        .map(|l| format!("{l}\n"))
        .collect();
    repo.commit_file(ADA, "2026-03-01T09:00:00Z", "content/team.yaml", &team);
    let after = repo.check_at("2026-03-02T12:00:00Z").0;
    let incident_path = format!("content/incidents/{INCIDENT}/incident.md");
    for rule in [
        "content.unknown-person",
        "incident.rollback-target",
        "incident.rollback-incomplete",
    ] {
        assert!(
            findings(&after, rule)
                .iter()
                .all(|f| f["path"] != incident_path.as_str()),
            "{rule} on the old incident after grace left: {after:#}"
        );
    }
}
