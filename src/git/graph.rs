//! The commit graph learned in the history walk, for fast ancestry
//! questions ("does this sign-off's commit descend from that one?").
//! Generation numbers bound each search: a walk back from a commit stops
//! at commits older (in generation) than the one sought, so asking about
//! nearby commits costs a handful of steps however long the history is.

use foldhash::{HashMap, HashSet, HashSetExt};

use git2::Oid;

/// Parents and generation numbers of every commit reachable from HEAD.
#[derive(Debug, Default)]
pub struct CommitGraph {
    index: HashMap<Oid, u32>,
    parents: Vec<Vec<u32>>,
    generation: Vec<u32>,
}

impl CommitGraph {
    /// Builds the graph from commits in topological order (children first).
    pub fn from_topological(commits: &[(Oid, Vec<Oid>)]) -> CommitGraph {
        let index: HashMap<Oid, u32> = commits
            .iter()
            .enumerate()
            .map(|(i, (id, _))| (*id, i as u32))
            .collect();
        let parents: Vec<Vec<u32>> = commits
            .iter()
            .map(|(_, ps)| ps.iter().filter_map(|p| index.get(p).copied()).collect())
            .collect();
        let mut generation = vec![0u32; commits.len()];
        // Parents come after children, so walk backwards.
        for i in (0..commits.len()).rev() {
            generation[i] = 1 + parents[i]
                .iter()
                .map(|&p| generation[p as usize])
                .max()
                .unwrap_or(0);
        }
        CommitGraph {
            index,
            parents,
            generation,
        }
    }

    pub fn len(&self) -> usize {
        self.parents.len()
    }

    pub fn is_empty(&self) -> bool {
        self.parents.is_empty()
    }

    pub fn contains(&self, id: Oid) -> bool {
        self.index.contains_key(&id)
    }

    /// The first-parent chain from `head` down to its root (HEAD's mainline).
    pub fn mainline(&self, head: Oid) -> Vec<Oid> {
        let ids: HashMap<u32, Oid> = self.index.iter().map(|(o, i)| (*i, *o)).collect();
        let mut out = Vec::new();
        let mut at = self.index.get(&head).copied();
        while let Some(i) = at {
            out.push(ids[&i]);
            at = self.parents[i as usize].first().copied();
        }
        out
    }

    /// Whether `ancestor` is a strict ancestor of `commit`; `None` if either is unknown.
    pub fn descends(&self, commit: Oid, ancestor: Oid) -> Option<bool> {
        let (&c, &a) = (self.index.get(&commit)?, self.index.get(&ancestor)?);
        if c == a {
            return Some(false);
        }
        let floor = self.generation[a as usize];
        if self.generation[c as usize] <= floor {
            return Some(false);
        }
        let mut seen = HashSet::new();
        seen.insert(c);
        let mut stack = vec![c];
        while let Some(x) = stack.pop() {
            for &p in &self.parents[x as usize] {
                if p == a {
                    return Some(true);
                }
                if self.generation[p as usize] > floor && seen.insert(p) {
                    stack.push(p);
                }
            }
        }
        Some(false)
    }
}
