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

use std::collections::{HashMap, HashSet};
use std::path::Path;

use git2::{ObjectType, Oid, Repository, Sort, Tree};

use crate::error::Fatal;
use crate::git::graph::CommitGraph;
use crate::git::repo::missing;

/// A commit that changed a guarded path (it differs from every parent).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GuardedChange {
    pub commit: Oid,
    pub path: String,
    /// No parent had the path: the commit added it.
    pub added: bool,
}

/// What one walk over history learned.
#[derive(Debug, Default)]
pub struct History {
    /// For each asked path present at HEAD: the commit `git log -1 -- PATH` names.
    pub last: HashMap<String, Oid>,
    /// Changes to guarded paths, newest first (topological order).
    pub guarded: Vec<GuardedChange>,
    /// Commits visited.
    pub commits: usize,
    /// Parents and generations of every commit, for ancestry questions.
    pub graph: CommitGraph,
}

/// Walks history from `head` once, answering `paths` and collecting changes
/// to `guarded` (all repository paths). Only the folder that holds all of
/// them is diffed.
pub fn walk(
    repo: &Repository,
    head: Oid,
    paths: &[String],
    guarded: &[String],
) -> Result<History, Fatal> {
    let mut history = History::default();
    let index: HashMap<&str, u32> = paths
        .iter()
        .enumerate()
        .map(|(i, p)| (p.as_str(), i as u32))
        .collect();
    let scope = common_dir(paths.iter().chain(guarded).map(String::as_str));

    let head_tree = repo
        .find_commit(head)
        .and_then(|c| c.tree())
        .map_err(missing)?;
    let present: HashSet<u32> = (0..paths.len() as u32)
        .filter(|&i| blob_at(&head_tree, &paths[i as usize]).is_some())
        .collect();
    let mut open: HashMap<Oid, HashSet<u32>> = HashMap::new();
    if !present.is_empty() {
        open.insert(head, present);
    }

    let mut revwalk = repo.revwalk().map_err(missing)?;
    revwalk.set_sorting(Sort::TOPOLOGICAL).map_err(missing)?;
    revwalk.push(head).map_err(missing)?;
    let mut topo: Vec<(Oid, Vec<Oid>)> = Vec::new();
    let mut changed: Vec<String> = Vec::new();

    for oid in revwalk {
        let oid = oid.map_err(missing)?;
        history.commits += 1;
        let commit = repo.find_commit(oid).map_err(missing)?;
        let parent_ids: Vec<Oid> = commit.parent_ids().collect();
        let tree = commit.tree().map_err(missing)?;
        let first = match parent_ids.first() {
            Some(p) => Some(
                repo.find_commit(*p)
                    .and_then(|c| c.tree())
                    .map_err(missing)?,
            ),
            None => None,
        };

        // Paths under the scope that differ from the first parent.
        changed.clear();
        let mine = subtree(repo, &tree, &scope)?;
        let theirs = match &first {
            Some(t) => subtree(repo, t, &scope)?,
            None => None,
        };
        diff(repo, mine.as_ref(), theirs.as_ref(), &scope, &mut changed)?;

        if let Some(mut asked) = open.remove(&oid) {
            for path in &changed {
                let Some(&i) = index.get(path.as_str()) else {
                    continue;
                };
                if !asked.remove(&i) {
                    continue;
                }
                // Differs from the first parent: the first other identical parent takes it.
                let own = blob_at(&tree, path);
                let mut handed = false;
                for p in parent_ids.iter().skip(1) {
                    let ptree = repo
                        .find_commit(*p)
                        .and_then(|c| c.tree())
                        .map_err(missing)?;
                    if blob_at(&ptree, path) == own {
                        open.entry(*p).or_default().insert(i);
                        handed = true;
                        break;
                    }
                }
                if !handed {
                    history.last.insert(path.clone(), oid);
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
                        history.last.insert(paths[i as usize].clone(), oid);
                    }
                }
            }
        }

        for g in guarded {
            if !changed.iter().any(|c| c == g) {
                continue; // same as the first parent: not a change
            }
            let own = blob_at(&tree, g);
            let mut differs_from_all = first.as_ref().is_none_or(|t| blob_at(t, g) != own);
            let mut added = own.is_some() && first.as_ref().is_none_or(|t| blob_at(t, g).is_none());
            for p in parent_ids.iter().skip(1) {
                if !differs_from_all {
                    break;
                }
                let ptree = repo
                    .find_commit(*p)
                    .and_then(|c| c.tree())
                    .map_err(missing)?;
                let theirs = blob_at(&ptree, g);
                differs_from_all = theirs != own;
                added &= theirs.is_none();
            }
            if differs_from_all && (own.is_some() || !parent_ids.is_empty()) {
                history.guarded.push(GuardedChange {
                    commit: oid,
                    path: g.clone(),
                    added,
                });
            }
        }
        topo.push((oid, parent_ids));
    }
    history.graph = CommitGraph::from_topological(topo);
    Ok(history)
}

/// The deepest folder that holds every path (`""` for the repository root).
fn common_dir<'a>(paths: impl Iterator<Item = &'a str>) -> String {
    let mut common: Option<Vec<&str>> = None;
    for p in paths {
        let dirs: Vec<&str> = p.split('/').collect();
        let dirs = &dirs[..dirs.len().saturating_sub(1)];
        common = Some(match common {
            None => dirs.to_vec(),
            Some(c) => c
                .iter()
                .zip(dirs)
                .take_while(|(a, b)| a == b)
                .map(|(a, _)| *a)
                .collect(),
        });
    }
    common.unwrap_or_default().join("/")
}

/// The tree at a folder of a commit's tree (the tree itself for `""`).
fn subtree<'r>(
    repo: &'r Repository,
    tree: &Tree<'r>,
    dir: &str,
) -> Result<Option<Tree<'r>>, Fatal> {
    if dir.is_empty() {
        return Ok(Some(tree.clone()));
    }
    match tree.get_path(Path::new(dir)) {
        Ok(e) if e.kind() == Some(ObjectType::Tree) => {
            Ok(Some(repo.find_tree(e.id()).map_err(missing)?))
        }
        _ => Ok(None),
    }
}

/// The blob id and mode at a path, if it is a file there.
fn blob_at(tree: &Tree, path: &str) -> Option<(Oid, i32)> {
    let e = tree.get_path(Path::new(path)).ok()?;
    (e.kind() == Some(ObjectType::Blob)).then(|| (e.id(), e.filemode()))
}

/// Files that differ between two trees (added, removed or changed), as
/// paths under `prefix`; equal subtrees are skipped by id. Entries are
/// merged in git's tree order without copying them.
fn diff(
    repo: &Repository,
    a: Option<&Tree>,
    b: Option<&Tree>,
    prefix: &str,
    out: &mut Vec<String>,
) -> Result<(), Fatal> {
    if let (Some(x), Some(y)) = (a, b)
        && x.id() == y.id()
    {
        return Ok(());
    }
    let (na, nb) = (a.map_or(0, Tree::len), b.map_or(0, Tree::len));
    let (mut i, mut j) = (0, 0);
    while i < na || j < nb {
        let x = if i < na {
            a.and_then(|t| t.get(i))
        } else {
            None
        };
        let y = if j < nb {
            b.and_then(|t| t.get(j))
        } else {
            None
        };
        let order = match (&x, &y) {
            (Some(x), Some(y)) => git_order(x, y),
            (Some(_), None) => std::cmp::Ordering::Less,
            _ => std::cmp::Ordering::Greater,
        };
        let (x, y) = match order {
            std::cmp::Ordering::Less => {
                i += 1;
                (x, None)
            }
            std::cmp::Ordering::Greater => {
                j += 1;
                (None, y)
            }
            std::cmp::Ordering::Equal => {
                i += 1;
                j += 1;
                let (ex, ey) = (x.as_ref().expect("present"), y.as_ref().expect("present"));
                if ex.id() == ey.id() && ex.filemode() == ey.filemode() {
                    continue;
                }
                (x, y)
            }
        };
        let entry = x.as_ref().or(y.as_ref()).expect("one side has the entry");
        let name = String::from_utf8_lossy(entry.name_bytes());
        let path = if prefix.is_empty() {
            name.to_string()
        } else {
            format!("{prefix}/{name}")
        };
        if entry.kind() == Some(ObjectType::Tree) {
            let load = |e: &Option<git2::TreeEntry>| -> Result<Option<Tree>, Fatal> {
                match e {
                    Some(e) if e.kind() == Some(ObjectType::Tree) => {
                        Ok(Some(repo.find_tree(e.id()).map_err(missing)?))
                    }
                    _ => Ok(None),
                }
            };
            diff(repo, load(&x)?.as_ref(), load(&y)?.as_ref(), &path, out)?;
        } else {
            out.push(path);
        }
    }
    Ok(())
}

/// git's order of tree entries: by name, a folder's name read with a trailing `/`.
fn git_order(a: &git2::TreeEntry, b: &git2::TreeEntry) -> std::cmp::Ordering {
    fn key<'e>(e: &'e git2::TreeEntry) -> impl Iterator<Item = u8> + 'e {
        let dir = e.kind() == Some(ObjectType::Tree);
        e.name_bytes().iter().copied().chain(dir.then_some(b'/'))
    }
    key(a).cmp(key(b))
}
