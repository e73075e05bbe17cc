#!/usr/bin/env python3
"""Writes a records repository with realistic history through `git fast-import`.

usage: gen_repo.py DIR RELEASES

Each release is planned, signed off gate by gate by the right people (one
commit each), decided at a go/no-go and deployed: 8 commits per release,
three hours apart.

Every 25th release (k % 25 == 24, k counted from 0) then causes an incident,
worked as the playbook asks and committed in real time, minutes apart: the
on-call engineer declares it after the deployment (alert within 5 minutes,
assessment within 15 deciding a hotfix; every fourth incident is a security
incident led by the security lead, every third has a disagreement escalated
to the product lead within 10 minutes); the hotfix <major>.<minor>.1, a
`patch` naming the incident, goes through the same 8 steps and is in
production within 30 minutes of the assessment; the incident lead records
the status updates and the resolution; the post-mortem follows the next day,
within 48 hours. That is 11 more commits per incident (2 for incident.md,
8 for the hotfix, 1 for postmortem.md).

RELEASES counts the regular releases; hotfixes come on top. 1,250 releases
make 50 incidents and 50 hotfixes in 1 + 8 * 1,250 + 11 * 50 = 10,551
commits; 12,500 make 500 of each in 105,501 commits. The last line printed
counts every release written, hotfixes included.
"""
import subprocess, sys, os, datetime

out, n = sys.argv[1], int(sys.argv[2])
os.makedirs(out, exist_ok=True)
subprocess.run(["git", "init", "-q", "-b", "main", out], check=True)

PEOPLE = [
    ("ada", "Ada Park", ["release-manager", "on-call"]),
    ("dev", "Dev Rao", ["developer"]),
    ("grace", "Grace Ito", ["qa-lead"]),
    ("sam", "Sam Haddad", ["security-lead"]),
    ("priya", "Priya Nair", ["stakeholder-rep"]),
    ("omar", "Omar Diallo", ["on-call"]),
    ("paula", "Paula Reyes", ["product-lead"]),
]
GATES = [
    ("development", "dev", ["features-merged", "ci-passing", "test-guidance"]),
    ("quality", "grace", ["test-plans-executed", "critical-path-tested", "no-p0-p1-defects", "regression-passed"]),
    ("security", "sam", ["scans-clean", "feature-review", "incident-plan-reviewed"]),
    ("stakeholder", "priya", ["timing-accepted", "communication-plan", "support-prepared"]),
    ("release-manager", "ada", ["notes-approved", "rollback-tested", "runbook-updated", "monitoring-configured", "on-call-confirmed"]),
]
NAMES = {p[0]: p[1] for p in PEOPLE}
team = "people:\n" + "".join(
    f"  - {{id: {i}, name: {name}, emails: [{i}@octo.example], github: {i}gh, roles: [{', '.join(r)}]}}\n" for i, name, r in PEOPLE)
site = "title: Bench\nbase_url: https://example.org/\ncomponents: [Checkout, Search]\n"

t0 = datetime.datetime(2015, 1, 1, 9, 0, tzinfo=datetime.timezone.utc)
fi = subprocess.Popen(["git", "-C", out, "fast-import", "--quiet"], stdin=subprocess.PIPE)
w = fi.stdin.write
mark = 0
clock = t0
last = None

def commit(who, files, msg, at=None):
    """Commits at `clock` (or at `at`, for steps minutes apart); the clock then moves on 3 h."""
    global mark, clock, last
    if at is not None:
        clock = at
    assert last is None or clock > last, (msg, clock, last)
    last = clock
    mark += 1
    ts = int(clock.timestamp())
    clock += datetime.timedelta(hours=3)
    body = msg.encode()
    w(f"commit refs/heads/main\nmark :{mark}\nauthor {NAMES[who]} <{who}@octo.example> {ts} +0000\ncommitter {NAMES[who]} <{who}@octo.example> {ts} +0000\ndata {len(body)}\n".encode() + body + b"\n")
    if mark > 1:
        w(f"from :{mark-1}\n".encode())
    for path, text in files:
        data = text.encode()
        w(f"M 100644 inline content/{path}\ndata {len(data)}\n".encode() + data + b"\n")
    w(b"\n")

def stamp(t):
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")

def signoff(items, note):
    return "---\ndecision: approve\nchecklist:\n" + "".join(f"  {i}: true\n" for i in items) + f"---\n{note}\n"

# What goes wrong, by incident number modulo 4: slug, title, severity, criteria,
# impact on Checkout, metrics, what the alert says, root cause, fix.
KINDS = [
    ("checkout-errors", "Checkout errors after {v}", "sev1", "critical-functionality, business-impact", "partial-outage",
     "{error_rate_change_pct: 240, latency_change_pct: 20}",
     "Payment confirmation fails for about one in five checkouts since the {v} rollout.",
     "Shoppers see an error on Pay and orders are not placed.",
     "{v} sent an empty currency code for saved carts, which the payment provider rejects.",
     "always send the cart's currency"),
    ("slow-checkout", "Slow checkout after {v}", "sev2", "performance", "degraded",
     "{error_rate_change_pct: 5, latency_change_pct: 180}",
     "Checkout pages take three times as long to load since the {v} rollout.",
     "Checkout is slow for every shopper; some give up before paying.",
     "A query added in {v} reads the whole order history of the shopper on every checkout page.",
     "read only the last order"),
    ("wrong-totals", "Wrong order totals after {v}", "sev1", "data-integrity, business-impact", "degraded",
     "{error_rate_change_pct: 0, latency_change_pct: 0}",
     "Order totals apply some discounts twice since the {v} rollout.",
     "Orders with two discount codes are charged too little.",
     "{v} applied a discount per cart line and again per order.",
     "apply each discount once"),
    ("card-digits-in-logs", "Card digits written to logs after {v}", "sev2", "security", "degraded",
     "{error_rate_change_pct: 0, latency_change_pct: 0}",
     "Checkout requests are logged with the full card number since the {v} rollout.",
     "Anyone with log access could read card numbers. No evidence of misuse so far.",
     "The request logger added in {v} logged request bodies, including the card number.",
     "redact payment fields before logging"),
]

def incident(k, v, major, minor):
    """Release `v` (number k) causes an incident; a hotfix fixes it; a post-mortem follows."""
    i = k // 25
    slug, title, sev, criteria, impact, metrics, summary, harm, cause, fix = KINDS[i % 4]
    sec, esc = i % 4 == 3, i % 3 == 1
    lead = "sam" if sec else "ada"
    hv = f"{major}.{minor}.1"
    d = clock + datetime.timedelta(minutes=7)
    at = lambda minutes: d + datetime.timedelta(minutes=minutes)
    iid = f"{d:%Y-%m-%d}-{slug}-{major}-{minor}"
    path = f"incidents/{iid}/"
    responders = ["omar", "ada", "dev", "grace"] + (["sam"] if sec else [])
    head = (f"---\ntitle: {title.format(v=v)}\nseverity: {sev}\nrelease: {v}\nsecurity: {str(sec).lower()}\n"
            f"components: {{Checkout: {impact}}}\ndeclared_at: {stamp(d)}\ndeclared_by: omar\ncriteria: [{criteria}]\n"
            f"metrics: {metrics}\nalert:\n  sent_at: {stamp(at(3))}\n  summary: {summary.format(v=v)}\n"
            f"  impact: {harm}\n  status: investigating\n  responders: [{', '.join(responders)}]\n"
            f"  next_update_at: {stamp(at(30))}\n")
    if esc:
        head += (f"escalation:\n  disagreement_at: {stamp(at(4))}\n  escalated_at: {stamp(at(8))}\n  to: paula\n")
    head += (f"assessment:\n  at: {stamp(at(11))}\n  decision: hotfix\n  decided_by: {lead}\n  rm_unavailable: false\n"
             f"  target: {hv}\n  target_validated_by: grace\n")
    body = (f"Omar (on call) saw the alerts after the {v} rollout and declared the incident. "
            f"{NAMES[lead]} led the response and chose a hotfix: the fix is small and tested, and rolling back "
            f"would undo the rest of {v}.\n")
    if esc:
        body += ("\nDev proposed a rollback; the disagreement went to Paula, the product lead, "
                 "who backed the hotfix.\n")
    commit("omar", [(path + "incident.md", head + "---\n" + body)], f"Incident {iid}: declared", at(12))

    # The hotfix: the same 8 steps as a release, minutes apart, on the incident's clock.
    s, e = at(25), at(85)
    release = (f"---\nversion: {hv}\ntype: patch\ntitle: Hotfix for {iid}\ndate: {s:%Y-%m-%d}\n"
               f"deploy_window: {{start: {stamp(s)}, end: {stamp(e)}}}\ncomponents: [Checkout]\nincident: {iid}\n"
               f"requirements:\n  acceptance-criteria: true\n  ci-passing: https://ci.example/{k}-hotfix\n"
               f"  security-scans: true\n  release-notes: true\n  rollback-plan: true\n  smoke-tests: true\n---\n"
               f"## Summary\n\nHotfix for incident {iid}: {fix}.\n\n## Notable changes\n\n- {fix.capitalize()}.\n\n"
               f"## Migration steps\n\nNone.\n\n## Known issues\n\nNone.\n")
    commit("dev", [(f"releases/{hv}/release.md", release)], f"{hv}: plan", at(14))
    for j, (gate, who, items) in enumerate(GATES):
        commit(who, [(f"releases/{hv}/signoffs/{gate}.md", signoff(items, f"Checked hotfix {hv}."))],
               f"{hv}: {gate} sign-off", at(16 + j))
    commit("ada", [(f"releases/{hv}/go-no-go.md",
                    f"---\ndecision: go\nmeeting_at: {stamp(at(21))}\nattendees: [{', '.join(responders + ['priya'])}]\n---\n"
                    f"Emergency go/no-go for the hotfix of incident {iid}. Go.\n")], f"{hv}: go", at(22))
    dep = (f"---\nstarted_at: {stamp(at(26))}\nfinished_at: {stamp(at(36))}\noutcome: success\nchecklist:\n"
           f"  window-scheduled: \"n/a: emergency window opened for incident {iid}\"\n  backup-taken: true\n"
           "  staging-smoke-tests: true\n  production-deployed: true\n  post-deploy-verified: true\n  announced: true\n"
           f"---\nHotfix deployed for incident {iid}.\n")
    commit("omar", [(f"releases/{hv}/deployment.md", dep)], f"{hv}: deployed", at(38))

    # The incident lead records the status updates and the resolution.
    resolved = at(65)
    held = resolved + datetime.timedelta(hours=26)
    head += (f"updates:\n  - at: {stamp(at(24))}\n    status: fixing\n    message: Hotfix {hv} approved and deploying.\n"
             f"    next_update_at: {stamp(at(55))}\n  - at: {stamp(at(40))}\n    status: monitoring\n"
             f"    message: {hv} is live and the metrics are back to baseline.\n    next_update_at: {stamp(at(70))}\n"
             f"  - at: {stamp(resolved)}\n    status: resolved\n    message: Metrics normal for 25 minutes after {hv}.\n"
             f"resolution:\n  resolved_at: {stamp(resolved)}\n  root_cause: {cause.format(v=v)}\n"
             f"  actions_taken: Hotfix {hv} shipped to {fix}.\n  postmortem_at: {stamp(held)}\n  contact: {lead}\n")
    commit(lead, [(path + "incident.md", head + "---\n" + body)], f"Incident {iid}: resolved", at(75))

    # The post-mortem, the next day.
    due = lambda days: (held + datetime.timedelta(days=days)).strftime("%Y-%m-%d")
    pm = (f"---\nheld_at: {stamp(held)}\nchecklist:\n  timeline-captured: true\n  action-items-created: true\n"
          f"  deployment-checklist-reviewed: true\n" + ("  security-reviewed: true\nsecurity_reviewed_by: sam\n" if sec else "")
          + f"action_items:\n  - title: Add a test for what broke in {v}\n    owner: dev\n    due: {due(7)}\n"
          f"  - title: Alert on the symptom before shoppers notice it\n    owner: omar\n    due: {due(14)}\n"
          f"  - title: Review the checklist items that could have caught it\n    owner: {lead}\n    due: {due(14)}\n"
          f"---\n## What happened\n\n{cause.format(v=v)} {summary.format(v=v)}\n\n"
          f"## Why it was not caught\n\nNo test covered it.\n\n## What went well\n\n"
          f"The hotfix was in production 25 minutes after the assessment.\n\n"
          + ("## Security review\n\nSam reviewed who read the logs; no misuse found.\n" if sec else
             "## Deployment checklist review\n\nThe checklist was followed; no item changes.\n"))
    commit(lead, [(path + "postmortem.md", pm)], f"Incident {iid}: post-mortem", held + datetime.timedelta(hours=2))

incidents = 0
commit("ada", [("team.yaml", team), ("site.yaml", site)], "roster")
for k in range(n):
    major, minor = 1 + k // 100, k % 100
    v = f"{major}.{minor}.0"
    kind = "major" if minor == 0 and k > 0 else "minor"
    start = clock + datetime.timedelta(hours=8 * 3 + 30)
    day = start.strftime("%Y-%m-%d")
    s, e = start.strftime("%Y-%m-%dT%H:%M:%SZ"), (start + datetime.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M:%SZ")
    release = (f"---\nversion: {v}\ntype: {kind}\ntitle: Release {v}\ndate: {day}\ndeploy_window: {{start: {s}, end: {e}}}\n"
               f"components: [Checkout]\nrequirements:\n  acceptance-criteria: true\n  ci-passing: https://ci.example/{k}\n"
               f"  security-scans: true\n  release-notes: true\n  rollback-plan: true\n  smoke-tests: true\n---\n"
               f"## Summary\n\nRelease {v} makes checkout faster.\n\n## Notable changes\n\n- Change {k}.\n- Another change.\n\n"
               f"## Migration steps\n\nNone.\n\n## Known issues\n\nNone.\n")
    commit("dev", [(f"releases/{v}/release.md", release)], f"{v}: plan")
    for gate, who, items in GATES:
        commit(who, [(f"releases/{v}/signoffs/{gate}.md", signoff(items, f"Checked {v}."))], f"{v}: {gate} sign-off")
    meeting = clock.strftime("%Y-%m-%dT%H:%M:%SZ")
    commit("ada", [(f"releases/{v}/go-no-go.md", f"---\ndecision: go\nmeeting_at: {meeting}\nattendees: [ada, grace]\n---\nGo.\n")], f"{v}: go")
    clock = start + datetime.timedelta(minutes=5)
    dep = (f"---\nstarted_at: {(start + datetime.timedelta(minutes=5)).strftime('%Y-%m-%dT%H:%M:%SZ')}\n"
           f"finished_at: {(start + datetime.timedelta(minutes=50)).strftime('%Y-%m-%dT%H:%M:%SZ')}\noutcome: success\nchecklist:\n"
           "  window-scheduled: true\n  backup-taken: true\n  staging-smoke-tests: true\n  production-deployed: true\n"
           "  post-deploy-verified: true\n  announced: true\n---\nDeployed.\n")
    commit("ada", [(f"releases/{v}/deployment.md", dep)], f"{v}: deployed")
    if k % 25 == 24:
        incident(k, v, major, minor)
        incidents += 1
fi.stdin.close()
fi.wait()
subprocess.run(["git", "-C", out, "checkout", "-q", "main"], check=True)
print(f"{out}: {mark} commits, {n + incidents} releases")
