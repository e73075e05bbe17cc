//! The playbook's rules, applied to loaded records and their provenance.
//! One module per kind of record; each adds findings and fills the part of
//! the [`Status`] model it owns.

mod checklist;
mod deploy;
mod gonogo;
mod incident;
mod people;
mod policy;
mod postmortem;
mod release;
mod signoff;

use foldhash::HashMap;

use git2::Oid;

use crate::content::Content;
use crate::content::roster::Roster;
use crate::error::Fatal;
use crate::finding::Finding;
use crate::git::identity::{Identities, Judged, Signer};
use crate::git::provenance::GuardedChange;
use crate::model::{Origin, Status, Step};
use crate::playbook::Playbook;
use crate::time::Instant;

/// Everything a rule may consult. Rules judge releases and incidents in
/// parallel, so all of it can be shared between threads.
pub struct Ctx<'a> {
    pub content: &'a Content,
    pub playbook: &'a Playbook,
    pub roster: &'a Roster,
    /// Who signed each committed record file (its last commit's signer)
    /// and the roster they were judged by (the one before that commit), by
    /// project path. Files not in it are pending.
    pub judged: Judgements<'a>,
    /// The project root relative to the work tree: `""` or `"sub/dir"`.
    pub root_prefix: &'a str,
    /// The repository, for the few questions the history walk does not
    /// answer (signatures, ancestry the graph does not hold).
    pub repo: Repo,
    /// The commit graph from the history walk.
    pub graph: &'a crate::git::graph::CommitGraph,
    /// The errors found while loading, by path (see [`load_errors`]).
    pub load_errors: HashMap<&'a str, Vec<&'a Finding>>,
    /// The releases that name each incident they fix (see [`hotfixes`]).
    pub hotfixes: HashMap<&'a str, Vec<&'a crate::content::ReleaseFiles>>,
    pub now: Instant,
}

/// The judgements of the committed records' last commits (`all`, one per
/// distinct commit), and each record's place among them by its project path.
pub struct Judgements<'a> {
    pub by_path: HashMap<&'a str, u32>,
    pub all: &'a [Judged],
}

impl<'a> Judgements<'a> {
    /// The judgement of the last commit of the record at `path`; `None`
    /// for a record not committed.
    pub fn get(&self, path: &str) -> Option<&'a Judged> {
        let all = self.all;
        self.by_path.get(path).and_then(|&i| all.get(i as usize))
    }
}

/// The errors found while loading `content`, by path: looked up for each
/// gate of each release, where a scan of every finding would cost
/// releases × findings.
pub fn load_errors(content: &Content) -> HashMap<&str, Vec<&Finding>> {
    let mut by_path: HashMap<&str, Vec<&Finding>> = HashMap::default();
    for f in content.findings.iter().filter(|f| f.is_error()) {
        by_path.entry(f.path.as_str()).or_default().push(f);
    }
    by_path
}

/// The releases whose release.md names an incident (`incident:`), by that
/// incident's id, in release order: each incident looks up its hotfixes
/// here, where a scan of every release would cost incidents × releases.
pub fn hotfixes(content: &Content) -> HashMap<&str, Vec<&crate::content::ReleaseFiles>> {
    let mut by_incident: HashMap<&str, Vec<&crate::content::ReleaseFiles>> = HashMap::default();
    for r in &content.releases {
        if let Some(id) = r.record().and_then(|rec| rec.incident.as_deref()) {
            by_incident.entry(id).or_default().push(r);
        }
    }
    by_incident
}

/// A repository handle opened on first use and lent to one rule at a time
/// (git2's `Repository` may move between threads but not be shared).
pub struct Repo {
    git_dir: std::path::PathBuf,
    open: std::sync::OnceLock<Option<std::sync::Mutex<git2::Repository>>>,
}

impl Repo {
    /// The repository whose git directory is `git_dir`, not yet opened.
    pub fn new(git_dir: &std::path::Path) -> Repo {
        Repo {
            git_dir: git_dir.to_path_buf(),
            open: std::sync::OnceLock::new(),
        }
    }

    /// `f` applied to the repository; `None` if it cannot be opened.
    pub fn with<R>(&self, f: impl FnOnce(&git2::Repository) -> R) -> Option<R> {
        let repo = self
            .open
            .get_or_init(|| git2::Repository::open(&self.git_dir).ok().map(Into::into))
            .as_ref()?;
        Some(f(&repo.lock().unwrap_or_else(|e| e.into_inner())))
    }
}

impl Ctx<'_> {
    /// The repository path of a project-relative path.
    pub fn repo_path(&self, project_path: &str) -> String {
        crate::git::repo::repo_path(self.root_prefix, project_path)
    }

    /// The project path of a repository path (unchanged if outside the project).
    pub fn project_path(&self, repo_path: &str) -> String {
        crate::git::repo::project_path(self.root_prefix, repo_path)
    }

    /// The record file as a step: who it is attributed to.
    pub fn step(&self, path: &str) -> Step {
        Step {
            path: path.to_string(),
            origin: self
                .judged
                .get(path)
                .map_or(Origin::Pending, |(s, _)| Origin::Committed(s.clone())),
        }
    }

    pub fn signer(&self, path: &str) -> Option<&Signer> {
        self.judged.get(path).map(|(s, _)| s.as_ref())
    }

    /// The roster a record's people and roles are judged by: the one before
    /// the record's commit, so removing someone from team.yaml later does not
    /// break old records; today's roster for records not yet committed.
    pub fn roster_for(&self, path: &str) -> &Roster {
        self.judged
            .get(path)
            .map_or(self.roster, |(_, r)| r.as_ref())
    }

    /// Whether a record exists and is committed (pending records never count).
    pub fn committed<T>(&self, record: Option<&crate::content::parse::Parsed<T>>) -> bool {
        record.is_some_and(|p| self.signer(&p.path).is_some())
    }

    /// Whether `commit` strictly descends from `ancestor`.
    pub fn descends(&self, commit: Oid, ancestor: Oid) -> bool {
        match self.graph.descends(commit, ancestor) {
            Some(answer) => answer,
            None => self
                .repo
                .with(|repo| repo.graph_descendant_of(commit, ancestor))
                .is_some_and(|r| r.unwrap_or(false)),
        }
    }
}

/// Judges each item on its own, in parallel: the views in the items' order,
/// and each item's findings added to `out` in that order.
fn judge_each<I, V>(
    items: impl rayon::iter::IntoParallelIterator<Item = I>,
    out: &mut Vec<crate::finding::Finding>,
    judge: impl Fn(I, &mut Vec<crate::finding::Finding>) -> V + Sync + Send,
) -> Vec<V>
where
    V: Send,
{
    use rayon::prelude::*;
    let judged: Vec<(V, Vec<crate::finding::Finding>)> = items
        .into_par_iter()
        .map(|item| {
            let mut found = Vec::new();
            let view = judge(item, &mut found);
            (view, found)
        })
        .collect();
    judged
        .into_iter()
        .map(|(view, found)| {
            out.extend(found);
            view
        })
        .collect()
}

/// Applies every rule. `guarded` are the changes to team.yaml, playbook.md
/// and .mailmap found in the history walk.
pub fn run(
    ctx: &Ctx<'_>,
    guarded: &[GuardedChange],
    mainline: &[Oid],
    identities: &mut Identities<'_>,
) -> Result<Status, Fatal> {
    let mut findings = ctx.content.findings.clone();
    let releases = release::all(ctx, &mut findings);
    let incidents = incident::all(ctx, &mut findings);
    policy::check(ctx, guarded, mainline, identities, &mut findings)?;
    findings.sort_by(|a, b| (&a.path, a.line, a.rule).cmp(&(&b.path, b.line, b.rule)));
    findings.dedup();
    Ok(Status {
        now: ctx.now,
        releases,
        incidents,
        findings,
    })
}
