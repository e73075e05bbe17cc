#!/usr/bin/env python3
"""Writes a records repository with realistic history through `git fast-import`.

usage: gen_repo.py DIR RELEASES

Each release is planned, signed off gate by gate by the right people (one
commit each), decided at a go/no-go and deployed: 8 commits per release, so
1,250 releases make 10,000 commits.
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

def commit(who, files, msg):
    global mark, clock
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
        text = "---\ndecision: approve\nchecklist:\n" + "".join(f"  {i}: true\n" for i in items) + f"---\nChecked {v}.\n"
        commit(who, [(f"releases/{v}/signoffs/{gate}.md", text)], f"{v}: {gate} sign-off")
    meeting = clock.strftime("%Y-%m-%dT%H:%M:%SZ")
    commit("ada", [(f"releases/{v}/go-no-go.md", f"---\ndecision: go\nmeeting_at: {meeting}\nattendees: [ada, grace]\n---\nGo.\n")], f"{v}: go")
    clock = start + datetime.timedelta(minutes=5)
    dep = (f"---\nstarted_at: {(start + datetime.timedelta(minutes=5)).strftime('%Y-%m-%dT%H:%M:%SZ')}\n"
           f"finished_at: {(start + datetime.timedelta(minutes=50)).strftime('%Y-%m-%dT%H:%M:%SZ')}\noutcome: success\nchecklist:\n"
           "  window-scheduled: true\n  backup-taken: true\n  staging-smoke-tests: true\n  production-deployed: true\n"
           "  post-deploy-verified: true\n  announced: true\n---\nDeployed.\n")
    commit("ada", [(f"releases/{v}/deployment.md", dep)], f"{v}: deployed")
fi.stdin.close()
fi.wait()
subprocess.run(["git", "-C", out, "checkout", "-q", "main"], check=True)
print(f"{out}: {mark} commits, {n} releases")
