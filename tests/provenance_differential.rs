//! baton's answer to "which commit last changed this record" must equal
//! `git log -1 --format=%H -- PATH`, on a generated history of hundreds of
//! commits with branches, merges (clean, conflicting and `-s ours`),
//! renames, deletions, reverts and commit dates out of order.
mod common;

use baton::git::provenance;
use common::*;

/// A tiny deterministic PRNG (xorshift), so the history is the same every run.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

const PEOPLE: [Who; 4] = [ADA, DEV, GRACE, SAM];

fn tracked(repo: &Repo) -> Vec<String> {
    let out = repo.git(&["ls-files", "content"]);
    out.lines().map(str::to_string).collect()
}

struct Gen<'a> {
    repo: &'a Repo,
    rng: Rng,
    tick: i64,
    commits: usize,
}

impl Gen<'_> {
    fn when(&mut self) -> String {
        self.tick += 1;
        // Dates mostly advance, but now and then jump back a day: git's
        // answer does not depend on dates and neither may baton's.
        let back = if self.rng.below(10) == 0 { 86_400 } else { 0 };
        let t = 1_780_000_000 + self.tick * 600 - back;
        chrono::DateTime::from_timestamp(t, 0).unwrap().to_rfc3339()
    }
    fn who(&mut self) -> Who {
        PEOPLE[self.rng.below(PEOPLE.len())]
    }
    fn path(&mut self) -> String {
        let v = self.rng.below(12);
        match self.rng.below(4) {
            0 => format!("content/releases/1.{v}.0/release.md"),
            1 => format!("content/releases/1.{v}.0/signoffs/quality.md"),
            2 => format!("content/releases/1.{v}.0/signoffs/development.md"),
            _ => format!("content/incidents/2026-01-{:02}-x/incident.md", v + 1),
        }
    }
    fn commit(&mut self, msg: &str) {
        let (who, at) = (self.who(), self.when());
        self.repo.commit(who, &at, msg);
        self.commits += 1;
    }
    /// One random change and its commit.
    fn step(&mut self) {
        let files = tracked(self.repo);
        match self.rng.below(10) {
            0 if files.len() > 3 => {
                let from = files[self.rng.below(files.len())].clone();
                let to = self.path();
                if !files.contains(&to) {
                    std::fs::create_dir_all(self.repo.file(&to).parent().unwrap()).unwrap();
                    self.repo.git(&["mv", &from, &to]);
                }
            }
            1 if files.len() > 3 => {
                let f = files[self.rng.below(files.len())].clone();
                self.repo.git(&["rm", "-q", &f]);
            }
            _ => {
                let p = self.path();
                let n = self.rng.next();
                self.repo.write(&p, &format!("---\nv: {}\n---\n", n % 7));
            }
        }
        self.commit("change");
    }
}

#[test]
fn every_answer_equals_git_log() {
    let repo = Repo::with_team();
    let mut g = Gen {
        repo: &repo,
        rng: Rng(0x9e37_79b9_7f4a_7c15),
        tick: 0,
        commits: 1,
    };
    for _ in 0..40 {
        g.step();
    }
    for round in 0..36 {
        let side = format!("side{round}");
        repo.git(&["checkout", "-q", "-b", &side]);
        for _ in 0..1 + g.rng.below(5) {
            g.step();
        }
        repo.git(&["checkout", "-q", "main"]);
        for _ in 0..g.rng.below(4) {
            g.step();
        }
        let (who, at) = (g.who(), g.when());
        match round % 4 {
            // A merge that discards the side branch's changes.
            1 => {
                repo.git_as(who, &at, &["merge", "-q", "-s", "ours", "--no-edit", &side]);
            }
            _ => {
                if !repo.try_git_as(who, &at, &["merge", "-q", "--no-ff", "--no-edit", &side]) {
                    // Conflict: resolve every file with a third version (an evil merge).
                    let conflicted = repo.git(&["diff", "--name-only", "--diff-filter=U"]);
                    for f in conflicted.lines() {
                        if repo.file(f).exists() {
                            repo.write(f, &format!("---\nresolved: {round}\n---\n"));
                        } else {
                            repo.git(&["rm", "-q", f]);
                        }
                    }
                    repo.git(&["add", "-A"]);
                    repo.git_as(who, &at, &["commit", "-q", "--no-edit"]);
                }
            }
        }
        g.commits += 1;
        // A revert of a recent commit (a merge or not) now and then.
        if round % 3 == 0 {
            let (who, at) = (g.who(), g.when());
            let target = repo.git(&["rev-parse", "HEAD~1"]);
            let is_merge = repo
                .git(&["rev-list", "--parents", "-n1", &target])
                .split(' ')
                .count()
                > 2;
            let mut args = vec!["revert", "--no-edit"];
            if is_merge {
                args.extend(["-m", "1"]);
            }
            args.push(&target);
            if repo.try_git_as(who, &at, &args) {
                g.commits += 1;
            } else {
                repo.try_git_as(who, &at, &["revert", "--abort"]);
                repo.git(&["reset", "-q", "--hard", "HEAD"]);
            }
        }
        for _ in 0..g.rng.below(6) {
            g.step();
        }
    }
    let total: usize = repo.git(&["rev-list", "--count", "HEAD"]).parse().unwrap();
    assert!(total >= 300, "generated only {total} commits");
    let merges: usize = repo
        .git(&["rev-list", "--count", "--merges", "HEAD"])
        .parse()
        .unwrap();
    assert!(merges >= 20, "only {merges} merges");

    let files = tracked(&repo);
    assert!(files.len() > 10, "{files:?}");
    let git = baton::git::GitRepo::open(repo.path()).unwrap();
    let head = git.head.unwrap();
    let paths = walk_paths();
    let history = provenance::walk(&git.repo, head, &paths).unwrap();
    let mut mismatches = Vec::new();
    for f in &files {
        let expected = repo.last_commit(f);
        let got = history
            .last
            .get(f)
            .map(|o| o.to_string())
            .unwrap_or_default();
        if got != expected {
            mismatches.push(format!("{f}: baton {got}, git {expected}"));
        }
    }
    assert!(
        mismatches.is_empty(),
        "{} of {} differ:\n{}",
        mismatches.len(),
        files.len(),
        mismatches.join("\n")
    );
    assert_eq!(
        history.last.len(),
        files.len(),
        "every tracked file is answered"
    );
    assert_eq!(history.commits.len(), total);

    // Extending an earlier walk (the provenance cache) gives the same answers
    // as walking everything, from every tenth commit of the mainline onwards.
    let mainline: Vec<git2::Oid> = repo
        .git(&["rev-list", "--first-parent", "--reverse", "HEAD"])
        .lines()
        .map(|l| git2::Oid::from_str(l).unwrap())
        .collect();
    let mut extended = 0;
    let mut earlier = provenance::walk(&git.repo, mainline[0], &paths).unwrap();
    for &at in mainline.iter().step_by(10).skip(1).chain([head].iter()) {
        let whole = provenance::walk(&git.repo, at, &paths).unwrap();
        let since = provenance::walk_since(&git.repo, at, &paths, Some(&earlier)).unwrap();
        if let Some(since) = &since {
            extended += 1;
            assert_eq!(since.last, whole.last, "answers at {at}");
            assert_eq!(since.files, whole.files, "files at {at}");
            assert_eq!(since.guarded, whole.guarded, "guarded changes at {at}");
            assert_eq!(since.info, whole.info, "commit details at {at}");
            let ids = |h: &provenance::History| {
                let mut v: Vec<_> = h.commits.iter().map(|c| c.0).collect();
                v.sort();
                v
            };
            assert_eq!(ids(since), ids(&whole), "commits at {at}");
        }
        earlier = whole;
    }
    assert!(extended >= 5, "only {extended} walks could be extended");
}

fn walk_paths() -> provenance::Paths {
    provenance::Paths {
        scope: baton::git::tree::Scope::new(["content".to_string(), ".mailmap".to_string()]),
        team: "content/team.yaml".into(),
        playbook: "content/playbook.md".into(),
        mailmap: ".mailmap".into(),
    }
}
