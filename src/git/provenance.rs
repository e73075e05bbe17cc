//! Who last changed each record: one walk over history that answers, for
//! every path at once, the commit `git log -1 -- PATH` reports.
//!
//! git's default history simplification makes that answer a chain: from
//! HEAD, a commit whose version of PATH equals a parent's (TREESAME) hands
//! the question to the first such parent; a commit that differs from every
//! parent (a non-merge that changed it, a merge that resolved it, a root
//! that added it) is the answer. The walk visits commits children-first and
//! carries each open question to the parent it was handed to. Trees are
//! compared by id, descending only into subtrees that differ, so unchanged
//! parts of history cost one id comparison.
//!
//! The same walk records every commit that changes a *guarded* path
//! (team.yaml, playbook.md, .mailmap) for the governance rule.

use std::collections::HashMap;

use git2::{ObjectType, Oid, Repository, Sort, Tree};

use crate::error::Fatal;
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
}

/// Walks history from `head` once, answering `paths` and collecting changes to `guarded`.
pub fn walk(
    repo: &Repository,
    head: Oid,
    paths: &[String],
    guarded: &[String],
) -> Result<History, Fatal> {
    let split: Vec<Vec<&str>> = paths.iter().map(|p| p.split('/').collect()).collect();
    let mut history = History::default();

    // Open questions per commit: indices into `paths`.
    let mut open: HashMap<Oid, Vec<usize>> = HashMap::new();
    let head_tree = repo
        .find_commit(head)
        .and_then(|c| c.tree())
        .map_err(missing)?;
    let present: Vec<usize> = (0..paths.len())
        .filter(|&i| {
            entry_id(repo, &head_tree, &split[i])
                .ok()
                .flatten()
                .is_some()
        })
        .collect();
    if !present.is_empty() {
        open.insert(head, present);
    }

    let mut walk = repo.revwalk().map_err(missing)?;
    walk.set_sorting(Sort::TOPOLOGICAL).map_err(missing)?;
    walk.push(head).map_err(missing)?;
    let guarded_split: Vec<Vec<&str>> = guarded.iter().map(|p| p.split('/').collect()).collect();

    for oid in walk {
        let oid = oid.map_err(missing)?;
        history.commits += 1;
        let commit = repo.find_commit(oid).map_err(missing)?;
        let tree = commit.tree().map_err(missing)?;
        let parents: Vec<Tree> = commit
            .parents()
            .map(|p| p.tree())
            .collect::<Result<_, _>>()
            .map_err(missing)?;
        let parent_ids: Vec<Oid> = commit.parent_ids().collect();

        if let Some(asked) = open.remove(&oid) {
            let mut handed: Vec<Vec<usize>> = vec![Vec::new(); parents.len()];
            let parent_refs: Vec<Option<Tree>> = parents.iter().map(|t| Some(t.clone())).collect();
            resolve(
                repo,
                &tree,
                &parent_refs,
                0,
                &asked,
                &split,
                &mut handed,
                &mut |i| {
                    history.last.insert(paths[i].clone(), oid);
                },
            )?;
            for (k, idx) in handed.into_iter().enumerate() {
                if !idx.is_empty() {
                    open.entry(parent_ids[k]).or_default().extend(idx);
                }
            }
        }

        for (g, parts) in guarded_split.iter().enumerate() {
            let mine = entry_id(repo, &tree, parts)?;
            let theirs: Vec<Option<Oid>> = parents
                .iter()
                .map(|t| entry_id(repo, t, parts))
                .collect::<Result<_, _>>()?;
            let changed = if theirs.is_empty() {
                mine.is_some()
            } else {
                theirs.iter().all(|t| *t != mine)
            };
            if changed {
                history.guarded.push(GuardedChange {
                    commit: oid,
                    path: guarded[g].clone(),
                    added: theirs.iter().all(Option::is_none) && mine.is_some(),
                });
            }
        }
    }
    Ok(history)
}

/// Settles the asked paths (all sharing the first `depth` components) at one
/// commit: each goes to the first parent whose version is identical, or is
/// answered by this commit when no parent's is.
#[allow(clippy::too_many_arguments)]
fn resolve(
    repo: &Repository,
    tree: &Tree,
    parents: &[Option<Tree>],
    depth: usize,
    asked: &[usize],
    split: &[Vec<&str>],
    handed: &mut [Vec<usize>],
    answer: &mut dyn FnMut(usize),
) -> Result<(), Fatal> {
    if let Some(Some(first)) = parents.first()
        && first.id() == tree.id()
    {
        handed[0].extend_from_slice(asked);
        return Ok(());
    }
    // Group the asked paths by their next component.
    let mut groups: Vec<(&str, Vec<usize>)> = Vec::new();
    for &i in asked {
        let name = split[i][depth];
        match groups.iter_mut().find(|(n, _)| *n == name) {
            Some((_, v)) => v.push(i),
            None => groups.push((name, vec![i])),
        }
    }
    for (name, group) in groups {
        let Some(mine) = tree.get_name(name) else {
            continue;
        };
        let theirs: Vec<Option<(Oid, Option<ObjectType>, i32)>> = parents
            .iter()
            .map(|p| {
                p.as_ref()
                    .and_then(|t| t.get_name(name))
                    .map(|e| (e.id(), e.kind(), e.filemode()))
            })
            .collect();
        // Leaves: compare the entries themselves.
        let (leaves, deeper): (Vec<usize>, Vec<usize>) =
            group.iter().partition(|&&i| split[i].len() == depth + 1);
        if !leaves.is_empty() {
            let me = Some((mine.id(), mine.filemode()));
            match theirs
                .iter()
                .position(|t| t.map(|(id, _, mode)| (id, mode)) == me)
            {
                Some(k) => handed[k].extend(leaves),
                None => leaves.into_iter().for_each(&mut *answer),
            }
        }
        if deeper.is_empty() || mine.kind() != Some(ObjectType::Tree) {
            continue;
        }
        let sub = repo.find_tree(mine.id()).map_err(missing)?;
        let subparents: Vec<Option<Tree>> = theirs
            .iter()
            .map(|t| match t {
                Some((id, Some(ObjectType::Tree), _)) => {
                    repo.find_tree(*id).map(Some).map_err(missing)
                }
                _ => Ok(None),
            })
            .collect::<Result<_, _>>()?;
        resolve(
            repo,
            &sub,
            &subparents,
            depth + 1,
            &deeper,
            split,
            handed,
            answer,
        )?;
    }
    Ok(())
}

/// The object id at a path in a tree, if any.
fn entry_id(repo: &Repository, tree: &Tree, parts: &[&str]) -> Result<Option<Oid>, Fatal> {
    let (last, dirs) = parts.split_last().expect("paths are not empty");
    let mut current = tree.clone();
    for d in dirs {
        let next = match current.get_name(d) {
            Some(e) if e.kind() == Some(ObjectType::Tree) => e.id(),
            _ => return Ok(None),
        };
        current = repo.find_tree(next).map_err(missing)?;
    }
    Ok(current.get_name(last).map(|e| e.id()))
}
