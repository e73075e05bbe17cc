//! The post-mortem rules (SPEC §3, §4, §6): `postmortem.missing` (judged at
//! `--now`), `postmortem.late` (48 h after resolution) and
//! `postmortem.incomplete` (checklist, action items, security review); the
//! incident states open, resolved and closed.
mod common;
use common::*;
use serde_json::{Value, json};

/// The post-mortem is due 48 h after [`RESOLVED`].
const DUE: &str = "2026-02-22T15:55:00Z";

fn pm_path() -> String {
    postmortem_path(INCIDENT)
}

/// The incident world with incident `inc` and, when given, post-mortem `pm`.
fn world(inc: &Value, pm: Option<&Value>) -> Repo {
    let repo = incident_world();
    commit_incident(&repo, INCIDENT, inc);
    if let Some(pm) = pm {
        commit_postmortem(&repo, INCIDENT, pm);
    }
    repo
}

fn check(inc: &Value, pm: Option<&Value>) -> (Value, i32) {
    world(inc, pm).check_at(NOW)
}

/// Asserts `rule` fires as an error on postmortem.md at the line of `keys`, with the incident id.
#[track_caller]
fn fires_at<'a>(v: &'a Value, rule: &str, pm: &Value, keys: &[&str]) -> &'a Value {
    let f = assert_error_at(v, rule, &pm_path(), key_line(&postmortem_md(pm), keys));
    assert_eq!(f["incident"], INCIDENT, "{f:#}");
    f
}

/// The valid incident made a security incident, with the security lead paged.
fn security_incident() -> Value {
    edited(
        valid_incident(),
        &[
            ("security", Some(json!(true))),
            (
                "alert/responders",
                Some(json!(["omar", "ada", "grace", "sam"])),
            ),
        ],
    )
}

/// The valid post-mortem with the security review done by `reviewer`.
fn security_postmortem(reviewer: &str) -> Value {
    edited(
        valid_postmortem(),
        &[
            ("checklist/security-reviewed", Some(json!(true))),
            ("security_reviewed_by", Some(json!(reviewer))),
        ],
    )
}

// ---- postmortem.missing ----

#[test]
fn now_decides_missing_48h_after_resolution() {
    let inc = valid_incident();
    let repo = world(&inc, None);

    let (v, code) = repo.check_at(DUE);
    assert_silent(&v, "postmortem.missing");
    assert_clean(&v, code);
    assert_eq!(incident_json(&v, INCIDENT)["state"], "resolved");

    let (v, code) = repo.check_at(&plus(DUE, 1));
    let f = assert_error_at(
        &v,
        "postmortem.missing",
        &incident_path(INCIDENT),
        key_line(&incident_md(&inc), &["resolution"]),
    );
    assert_eq!(f["incident"], INCIDENT);
    assert_eq!(code, 1);
    assert_eq!(incident_json(&v, INCIDENT)["state"], "resolved");
}

#[test]
fn missing_says_when_the_postmortem_is_written_but_not_committed() {
    // SPEC §2: a pending record never counts; the finding says why the
    // file on disk is not taken.
    let repo = world(&valid_incident(), None);
    repo.write(&pm_path(), &postmortem_md(&valid_postmortem()));
    let (v, code) = repo.check_at(&plus(DUE, 1));
    let f = assert_error_at(
        &v,
        "postmortem.missing",
        &incident_path(INCIDENT),
        key_line(&incident_md(&valid_incident()), &["resolution"]),
    );
    assert_eq!(
        f["message"].as_str().unwrap(),
        format!(
            "resolved at 2026-02-20 15:55:00 +00:00, and the post-mortem was due within 48 h; {} is written but not committed, and an uncommitted record does not count",
            pm_path()
        )
    );
    assert_eq!(
        f["help"].as_str().unwrap(),
        format!(
            "commit it: `git add {} && git commit` (the commit's author is recorded as who wrote it)",
            pm_path()
        )
    );
    assert_eq!(code, 1);
}

#[test]
fn missing_is_silent_for_an_open_incident() {
    let inc = edited(valid_incident(), &[("resolution", None)]);
    let (v, _) = check(&inc, None);
    assert_silent(&v, "postmortem.missing");
    assert_eq!(incident_json(&v, INCIDENT)["state"], "open");
}

#[test]
fn missing_is_silent_once_the_postmortem_is_held() {
    let (v, code) = check(&valid_incident(), Some(&valid_postmortem()));
    assert_silent(&v, "postmortem.missing");
    assert_clean(&v, code);
    assert_eq!(incident_json(&v, INCIDENT)["state"], "closed");
}

#[test]
fn a_draft_postmortem_without_held_at_is_missing_or_late_past_the_deadline() {
    let pm = edited(valid_postmortem(), &[("held_at", None)]);
    let (v, code) = check(&valid_incident(), Some(&pm));
    assert_eq!(incident_json(&v, INCIDENT)["state"], "resolved");
    let f: Vec<&Value> = findings(&v, "postmortem.missing")
        .into_iter()
        .chain(findings(&v, "postmortem.late"))
        .collect();
    assert!(
        !f.is_empty(),
        "expected postmortem.missing or postmortem.late, got {:#}",
        v["findings"]
    );
    assert_eq!(
        (&f[0]["severity"], &f[0]["incident"]),
        (&json!("error"), &json!(INCIDENT))
    );
    assert_eq!(code, 1);
}

// ---- postmortem.late ----

#[test]
fn late_fires_for_a_postmortem_held_49h_after_resolution() {
    let pm = edited(
        valid_postmortem(),
        &[("held_at", Some(json!(plus(DUE, 60))))],
    );
    let (v, code) = check(&valid_incident(), Some(&pm));
    fires_at(&v, "postmortem.late", &pm, &["held_at"]);
    assert_silent(&v, "postmortem.missing");
    assert_eq!(code, 1);
    assert_eq!(incident_json(&v, INCIDENT)["state"], "closed");
}

#[test]
fn late_is_silent_at_exactly_48h() {
    let pm = edited(valid_postmortem(), &[("held_at", Some(json!(DUE)))]);
    let (v, code) = check(&valid_incident(), Some(&pm));
    assert_silent(&v, "postmortem.late");
    assert_clean(&v, code);
}

// ---- postmortem.incomplete ----

#[test]
fn incomplete_fires_for_a_false_checklist_item() {
    let pm = edited(
        valid_postmortem(),
        &[(
            "checklist/deployment-checklist-reviewed",
            Some(json!(false)),
        )],
    );
    let (v, code) = check(&valid_incident(), Some(&pm));
    fires_at(
        &v,
        "postmortem.incomplete",
        &pm,
        &["checklist", "deployment-checklist-reviewed"],
    );
    assert_eq!(code, 1);
}

#[test]
fn incomplete_fires_for_a_missing_checklist_item_at_the_checklist() {
    let pm = edited(valid_postmortem(), &[("checklist/timeline-captured", None)]);
    let (v, _) = check(&valid_incident(), Some(&pm));
    let f = fires_at(&v, "postmortem.incomplete", &pm, &["checklist"]);
    assert!(
        f["message"].as_str().unwrap().contains("timeline-captured"),
        "{f:#}"
    );
}

#[test]
fn incomplete_fires_without_action_items() {
    let pm = edited(valid_postmortem(), &[("action_items", Some(json!([])))]);
    let (v, _) = check(&valid_incident(), Some(&pm));
    fires_at(&v, "postmortem.incomplete", &pm, &["action_items"]);
}

#[test]
fn incomplete_fires_for_an_action_item_without_owner_or_due_date() {
    let pm = edited(
        valid_postmortem(),
        &[("action_items/0/owner", None), ("action_items/1/due", None)],
    );
    let (v, _) = check(&valid_incident(), Some(&pm));
    fires_at(&v, "postmortem.incomplete", &pm, &["action_items"]);
    let all = findings(&v, "postmortem.incomplete");
    assert_eq!(all.len(), 2, "{all:#?}");
}

#[test]
fn incomplete_fires_for_a_security_incident_without_security_review() {
    let pm = valid_postmortem();
    let (v, _) = check(&security_incident(), Some(&pm));
    let all = findings(&v, "postmortem.incomplete");
    // the checklist item and the reviewer
    assert_eq!(all.len(), 2, "{all:#?}");
    fires_at(&v, "postmortem.incomplete", &pm, &["checklist"]);
    assert!(
        all.iter()
            .any(|f| f["message"].as_str().unwrap().contains("security-reviewed")),
        "{all:#?}"
    );
    assert!(
        all.iter().any(|f| f["message"]
            .as_str()
            .unwrap()
            .contains("security_reviewed_by")),
        "{all:#?}"
    );
}

#[test]
fn incomplete_fires_for_a_security_review_by_someone_not_security_lead() {
    let pm = security_postmortem("grace");
    let (v, _) = check(&security_incident(), Some(&pm));
    fires_at(&v, "postmortem.incomplete", &pm, &["security_reviewed_by"]);
}

#[test]
fn incomplete_is_silent_for_a_security_postmortem_reviewed_by_the_security_lead() {
    let (v, code) = check(&security_incident(), Some(&security_postmortem("sam")));
    assert_silent(&v, "postmortem.incomplete");
    assert_clean(&v, code);
}

#[test]
fn incomplete_is_silent_without_security_review_for_other_incidents() {
    let (v, _) = check(&valid_incident(), Some(&valid_postmortem()));
    assert_silent(&v, "postmortem.incomplete");
}
