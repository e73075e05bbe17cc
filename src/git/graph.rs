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
    /// Each commit's place in `ids`.
    index: HashMap<Oid, u32>,
    ids: Vec<Oid>,
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
            ids: commits.iter().map(|(id, _)| *id).collect(),
            parents,
            generation,
        }
    }

    /// Whether the commits it was built from were in topological order
    /// (every parent after its children) and each listed once: what a
    /// graph read back from a cache must be before any walk trusts it.
    pub fn is_topological(&self) -> bool {
        self.index.len() == self.ids.len()
            && self
                .parents
                .iter()
                .enumerate()
                .all(|(i, ps)| ps.iter().all(|&p| p as usize > i))
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
        let mut out = Vec::new();
        let mut at = self.index.get(&head).copied();
        while let Some(i) = at {
            out.push(self.ids[i as usize]);
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
        // Along a chain of single parents (most of any history), one step
        // at a time; a search only from the first merge on.
        let mut c = c;
        while let [p] = self.parents[c as usize][..] {
            if p == a {
                return Some(true);
            }
            if self.generation[p as usize] <= floor {
                return Some(false);
            }
            c = p;
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

#[cfg(test)]
mod tests {
    use super::*;

    fn id(n: u8) -> Oid {
        Oid::from_bytes(&[n; 20]).unwrap()
    }

    /// Chains, merges of long and short branches, and a second root: the
    /// walk's answer (chains stepped along, searches from merges) is what
    /// a plain search of every parent finds, for every pair.
    #[test]
    fn descends_is_what_a_plain_search_finds() {
        let parents_of = |i: u8| -> Vec<u8> {
            match i {
                0 | 23 => vec![],
                i if i % 7 == 0 && i > 10 => vec![i - 1, i - 9],
                i if i % 13 == 0 && i > 23 => vec![i - 1, 23],
                i => vec![i - 1],
            }
        };
        let n = 60u8;
        let commits: Vec<(Oid, Vec<Oid>)> = (0..n)
            .rev()
            .map(|i| (id(i), parents_of(i).into_iter().map(id).collect()))
            .collect();
        let g = CommitGraph::from_topological(&commits);
        assert!(g.is_topological());
        let ancestors = |c: u8| {
            let (mut seen, mut stack) = (std::collections::BTreeSet::new(), parents_of(c));
            while let Some(x) = stack.pop() {
                if seen.insert(x) {
                    stack.extend(parents_of(x));
                }
            }
            seen
        };
        for c in 0..n {
            let of_c = ancestors(c);
            for a in 0..n {
                assert_eq!(
                    g.descends(id(c), id(a)),
                    Some(of_c.contains(&a)),
                    "{c} from {a}"
                );
            }
        }
    }

    #[test]
    fn only_children_first_lists_of_distinct_commits_are_topological() {
        // 3 -> 2 -> 1, and a merge 4 of 3 and 1; children first.
        let good = vec![
            (id(4), vec![id(3), id(1)]),
            (id(3), vec![id(2)]),
            (id(2), vec![id(1)]),
            (id(1), vec![]),
        ];
        let g = CommitGraph::from_topological(&good);
        assert!(g.is_topological());
        assert_eq!(g.mainline(id(4)), vec![id(4), id(3), id(2), id(1)]);
        assert_eq!(g.descends(id(4), id(2)), Some(true));
        assert_eq!(g.descends(id(2), id(4)), Some(false));

        let mut parent_first = good.clone();
        parent_first.swap(1, 2);
        assert!(!CommitGraph::from_topological(&parent_first).is_topological());
        let mut cycle = good.clone();
        cycle[3].1.push(id(4));
        assert!(!CommitGraph::from_topological(&cycle).is_topological());
        let mut twice = good.clone();
        twice.push((id(2), vec![]));
        assert!(!CommitGraph::from_topological(&twice).is_topological());
        // A parent outside the list (a shallow edge) is no order problem.
        let mut outside = good;
        outside[3].1.push(id(9));
        assert!(CommitGraph::from_topological(&outside).is_topological());
    }
}
