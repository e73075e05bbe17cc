//! Who last changed each record: one walk over history that answers, for
//! every path at once, the commit `git log -1 -- PATH` reports.
//!
//! git's default history simplification makes that answer a chain: from
//! HEAD, a commit whose version of PATH equals a parent's (TREESAME) hands
//! the question to the first such parent; a commit that differs from every
//! parent (a non-merge that changed it, a merge that resolved it, a root
//! that added it) is the answer. The walk visits commits children-first.
//! At each commit it diffs the tree against the first parent, descending
//! only into subtrees whose ids differ; the open questions not touched by
//! that diff move to the first parent as a whole set, so a commit costs
//! about what `git log --name-status` pays for it.
//!
//! The same walk records every commit that changes a *guarded* path
//! (team.yaml, playbook.md, .mailmap) for the governance rule, and the
//! commit graph for ancestry questions.

use foldhash::{HashMap, HashMapExt, HashSet};

use git2::{Oid, Repository, Sort};

use crate::error::Fatal;
use crate::git::graph::CommitGraph;
use crate::git::repo::missing;
use crate::git::tree::{Scope, Trees};

/// A commit that changed a guarded path (it differs from every parent).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GuardedChange {
    pub commit: Oid,
    pub path: String,
    /// No parent had the path: the commit added it.
    pub added: bool,
}

/// What the rules ask of a commit that last changed a file or changed a
/// guarded one, read during the walk so identities need not read it again.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CommitInfo {
    /// The author as written in the commit (before `.mailmap`).
    pub name: String,
    pub email: String,
    /// Author time: seconds since the epoch, and the author's offset.
    pub seconds: i64,
    pub offset_minutes: i32,
    /// `Co-authored-by` trailers of the message.
    pub co_authors: Vec<String>,
    pub is_root: bool,
    /// The commit carries a signature (`gpgsig`).
    pub signed: bool,
    /// team.yaml, playbook.md and .mailmap in the first parent (a root: in
    /// the commit itself): the blob ids that decide who the author is.
    pub team: Option<Oid>,
    pub playbook: Option<Oid>,
    pub mailmap: Option<Oid>,
}

/// What one walk over history learned.
#[derive(Debug, Default)]
pub struct History {
    /// The commit walked from.
    pub head: Option<Oid>,
    /// Every file in scope at HEAD, with its blob id.
    pub files: HashMap<String, Oid>,
    /// For every file in scope at HEAD: the commit `git log -1 -- PATH` names.
    pub last: HashMap<String, Oid>,
    /// Changes to guarded paths, newest first (topological order).
    pub guarded: Vec<GuardedChange>,
    /// Authors and regimes of the commits in `last` and `guarded`.
    pub info: HashMap<Oid, CommitInfo>,
    /// Every commit reachable from HEAD with its parents, children first.
    pub commits: Vec<(Oid, Vec<Oid>)>,
    /// Parents and generations of every commit, for ancestry questions.
    pub graph: CommitGraph,
}

/// The last history walked, kept between checks (by `serve`): it depends
/// only on the commit walked from and the paths in scope, which do not
/// change while serving, so it is reused while HEAD stays the same commit.
/// (A commit id names its whole past; shallow clones, whose past can grow
/// under the same HEAD, are refused before any walk.)
#[derive(Debug, Default)]
pub struct Kept(std::sync::Mutex<Option<std::sync::Arc<History>>>);

impl Kept {
    pub fn get(&self, head: Oid) -> Option<std::sync::Arc<History>> {
        let kept = self.0.lock().unwrap_or_else(|e| e.into_inner());
        kept.as_ref().filter(|h| h.head == Some(head)).cloned()
    }
    pub fn put(&self, history: std::sync::Arc<History>) {
        *self.0.lock().unwrap_or_else(|e| e.into_inner()) = Some(history);
    }
}

/// What the walk looks at: the folders and files in scope, and the guarded
/// files among them (repository paths).
#[derive(Clone, Debug)]
pub struct Paths {
    pub scope: Scope,
    pub team: String,
    pub playbook: String,
    pub mailmap: String,
}

impl Paths {
    pub fn guarded(&self) -> [&String; 3] {
        [&self.team, &self.playbook, &self.mailmap]
    }
}

/// Walks all of history from `head`.
pub fn walk(repo: &Repository, head: Oid, paths: &Paths) -> Result<History, Fatal> {
    Ok(walk_since(repo, head, paths, None)?.expect("a whole walk always answers"))
}

/// Walks the commits from `head` that `known` (an earlier walk) has not
/// seen, and joins the two. `None` when `known` cannot be extended: its
/// head is not an ancestor of `head` (history was rewritten), or a path's
/// question leads into old history somewhere other than the old head.
pub fn walk_since(
    repo: &Repository,
    head: Oid,
    paths: &Paths,
    known: Option<&History>,
) -> Result<Option<History>, Fatal> {
    let mut trees = Trees::new(repo)?;
    let (head_tree, _) = trees.commit(head)?;
    let mut listed = Vec::new();
    trees.files(head_tree, "", &paths.scope, &mut listed)?;
    let present: Vec<String> = listed.iter().map(|(p, _)| p.clone()).collect();
    let index: HashMap<&str, u32> = present
        .iter()
        .enumerate()
        .map(|(i, p)| (p.as_str(), i as u32))
        .collect();
    let mut open: HashMap<Oid, HashSet<u32>> = HashMap::new();
    if !present.is_empty() {
        open.insert(head, (0..present.len() as u32).collect());
    }
    let mut last: HashMap<String, Oid> = HashMap::new();
    let mut guarded = Vec::new();
    let mut info: HashMap<Oid, CommitInfo> = HashMap::new();
    let mut commits: Vec<(Oid, Vec<Oid>)> = Vec::new();
    let old_head = known.and_then(|k| k.head);

    let mut revwalk = repo.revwalk().map_err(missing)?;
    revwalk.set_sorting(Sort::TOPOLOGICAL).map_err(missing)?;
    revwalk.push(head).map_err(missing)?;
    if let Some(old) = old_head
        && revwalk.hide(old).is_err()
    {
        return Ok(None); // the old head is gone: history was rewritten
    }
    let mut changed: Vec<String> = Vec::new();
    let progress = crate::progress::Progress::new("walking history (commits)", None);
    // Commits read as a parent, kept until the walk reaches them.
    let mut read_ahead: HashMap<Oid, (Oid, Vec<Oid>)> = HashMap::new();
    let mut extends_old = old_head == Some(head);

    for oid in revwalk {
        let oid = oid.map_err(missing)?;
        let (tree, parent_ids) = match read_ahead.remove(&oid) {
            Some(c) => c,
            None => trees.commit(oid)?,
        };
        extends_old |= old_head.is_some_and(|o| parent_ids.contains(&o));
        let first_tree = match parent_ids.first() {
            Some(p) => {
                let c = trees.commit(*p)?;
                let t = c.0;
                read_ahead.insert(*p, c);
                Some(t)
            }
            None => None,
        };

        // Paths in scope that differ from the first parent.
        let mut answered = false;
        changed.clear();
        trees.diff(Some(tree), first_tree, "", &paths.scope, &mut changed)?;

        if let Some(mut asked) = open.remove(&oid) {
            for path in &changed {
                let Some(&i) = index.get(path.as_str()) else {
                    continue;
                };
                if !asked.remove(&i) {
                    continue;
                }
                // Differs from the first parent: the first other identical parent takes it.
                let mut handed = false;
                let own = match parent_ids.len() {
                    0 | 1 => None,
                    _ => trees.blob_at(tree, path)?,
                };
                for p in parent_ids.iter().skip(1) {
                    let (ptree, _) = trees.commit(*p)?;
                    if trees.blob_at(ptree, path)? == own {
                        open.entry(*p).or_default().insert(i);
                        handed = true;
                        break;
                    }
                }
                if !handed {
                    last.insert(path.clone(), oid);
                    answered = true;
                }
            }
            match parent_ids.first() {
                Some(p) if !asked.is_empty() => {
                    let slot = open.entry(*p).or_default();
                    if slot.len() < asked.len() {
                        std::mem::swap(slot, &mut asked);
                    }
                    slot.extend(asked);
                }
                Some(_) => {}
                None => {
                    for i in asked {
                        last.insert(present[i as usize].clone(), oid);
                        answered = true;
                    }
                }
            }
        }

        for g in paths.guarded() {
            if !changed.iter().any(|c| c == g) {
                continue; // same as the first parent: not a change
            }
            let own = trees.blob_at(tree, g)?;
            let theirs = match first_tree {
                Some(t) => trees.blob_at(t, g)?,
                None => None,
            };
            let mut differs_from_all = first_tree.is_none() || theirs != own;
            let mut added = own.is_some() && theirs.is_none();
            for p in parent_ids.iter().skip(1) {
                if !differs_from_all {
                    break;
                }
                let (ptree, _) = trees.commit(*p)?;
                let theirs = trees.blob_at(ptree, g)?;
                differs_from_all = theirs != own;
                added &= theirs.is_none();
            }
            if differs_from_all && (own.is_some() || !parent_ids.is_empty()) {
                guarded.push(GuardedChange {
                    commit: oid,
                    path: g.clone(),
                    added,
                });
                answered = true;
            }
        }
        if answered {
            let regime_tree = first_tree.unwrap_or(tree);
            let mut i = trees.author(oid)?;
            i.is_root = parent_ids.is_empty();
            i.team = trees.blob_at(regime_tree, &paths.team)?.map(|b| b.0);
            i.playbook = trees.blob_at(regime_tree, &paths.playbook)?.map(|b| b.0);
            i.mailmap = trees.blob_at(regime_tree, &paths.mailmap)?.map(|b| b.0);
            info.insert(oid, i);
        }
        commits.push((oid, parent_ids));
        trees.step();
        progress.inc(1);
    }
    progress.finish();

    // Questions left open were handed to commits the earlier walk answered for.
    if let Some(known) = known {
        if !extends_old {
            return Ok(None);
        }
        for (commit, asked) in open {
            if Some(commit) != old_head {
                return Ok(None);
            }
            for i in asked {
                let path = &present[i as usize];
                let Some(c) = known.last.get(path) else {
                    return Ok(None);
                };
                let Some(i) = known.info.get(c) else {
                    return Ok(None);
                };
                last.insert(path.clone(), *c);
                info.insert(*c, i.clone());
            }
        }
        for g in &known.guarded {
            let Some(i) = known.info.get(&g.commit) else {
                return Ok(None);
            };
            info.insert(g.commit, i.clone());
            guarded.push(g.clone());
        }
        commits.extend(known.commits.iter().cloned());
    }
    let graph = CommitGraph::from_topological(&commits);
    Ok(Some(History {
        head: Some(head),
        files: listed.into_iter().collect(),
        last,
        guarded,
        info,
        commits,
        graph,
    }))
}
