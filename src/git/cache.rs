//! The provenance cache: what the last history walk learned, kept in
//! `.git/baton/` and keyed by commit ids, so a later run walks only the
//! commits it has not seen.
//!
//! Nothing in the cache is taken on trust. It names the head it was walked
//! from and the paths it covers; a file that is truncated, altered (its
//! checksum no longer matches), from another version of baton or
//! about other paths is ignored and rebuilt. If HEAD moved, the new commits
//! are walked and joined to the cached answers only when the cached head is
//! an ancestor of HEAD and every open question leads back to it; otherwise
//! (a force-push, a rebase, a merge of old history) the whole history is
//! walked again.

use foldhash::HashMapExt;
use std::path::PathBuf;

use git2::{Oid, Repository};

use crate::cachefile::{Reader, put_bytes, put_strs, put_u32, seal, unseal};
use crate::error::Fatal;
use crate::git::graph::CommitGraph;
use crate::git::provenance::{self, CommitInfo, GuardedChange, History, Paths};

/// The first bytes of a cache file; the digit is the format version.
const MAGIC: &[u8] = b"baton provenance cache 4\n";

/// Where the cache lives, and whether to use it.
pub struct Cache {
    file: PathBuf,
    key: Vec<u8>,
    enabled: bool,
}

impl Cache {
    /// The cache for these paths in a repository (`enabled: false` walks
    /// everything and leaves the cache alone).
    pub fn new(repo: &Repository, paths: &Paths, enabled: bool) -> Cache {
        let key = key(paths);
        Cache {
            file: crate::cachefile::file(repo.path(), "provenance", &key),
            key,
            enabled,
        }
    }

    /// The history from `head`: from the cache when it is current, by
    /// extending it when HEAD moved on, by a whole walk otherwise.
    pub fn history(&self, repo: &Repository, head: Oid, paths: &Paths) -> Result<History, Fatal> {
        if !self.enabled {
            return provenance::walk(repo, head, paths);
        }
        let known = crate::cachefile::read(&self.file).and_then(|bytes| decode(&bytes, &self.key));
        if let Some(known) = known {
            if known.head == Some(head) {
                return Ok(known);
            }
            if let Some(history) = provenance::walk_since(repo, head, paths, Some(&known))? {
                self.store(&history);
                return Ok(history);
            }
        }
        let history = provenance::walk(repo, head, paths)?;
        self.store(&history);
        Ok(history)
    }

    /// Writes the cache aside and renames it into place. A cache that cannot
    /// be written (a read-only repository) is simply not kept.
    fn store(&self, history: &History) {
        let bytes = encode(history, &self.key);
        if !bytes.is_empty() {
            crate::cachefile::store(&self.file, &bytes);
        }
    }
}

/// What a cache must be about: the scope and guarded paths.
fn key(paths: &Paths) -> Vec<u8> {
    let mut w = Vec::new();
    put_strs(&mut w, paths.scope.roots());
    put_strs(&mut w, &paths.guarded().map(String::clone));
    w
}

fn encode(h: &History, key: &[u8]) -> Vec<u8> {
    let mut body = Vec::with_capacity(64 * (h.commits.len() + h.last.len()));
    put_bytes(&mut body, key);
    let Some(head) = h.head else {
        return Vec::new();
    };
    body.extend_from_slice(head.as_bytes());
    put_u32(&mut body, h.commits.len());
    for (id, parents) in &h.commits {
        body.extend_from_slice(id.as_bytes());
        put_u32(&mut body, parents.len());
        for p in parents {
            body.extend_from_slice(p.as_bytes());
        }
    }
    for map in [&h.files, &h.last] {
        let mut pairs: Vec<(&String, &Oid)> = map.iter().collect();
        pairs.sort();
        put_u32(&mut body, pairs.len());
        for (path, id) in pairs {
            put_bytes(&mut body, path.as_bytes());
            body.extend_from_slice(id.as_bytes());
        }
    }
    put_u32(&mut body, h.guarded.len());
    for g in &h.guarded {
        body.extend_from_slice(g.commit.as_bytes());
        put_bytes(&mut body, g.path.as_bytes());
        body.push(u8::from(g.added));
    }
    let mut info: Vec<(&Oid, &CommitInfo)> = h.info.iter().collect();
    info.sort_by_key(|(id, _)| **id);
    put_u32(&mut body, info.len());
    for (id, i) in info {
        body.extend_from_slice(id.as_bytes());
        put_bytes(&mut body, i.name.as_bytes());
        put_bytes(&mut body, i.email.as_bytes());
        body.extend_from_slice(&i.seconds.to_le_bytes());
        body.extend_from_slice(&i.offset_minutes.to_le_bytes());
        put_strs(&mut body, &i.co_authors);
        body.push(u8::from(i.is_root) | (u8::from(i.signed) << 1));
        for blob in [i.team, i.playbook, i.mailmap] {
            match blob {
                Some(b) => {
                    body.push(1);
                    body.extend_from_slice(b.as_bytes());
                }
                None => body.push(0),
            }
        }
    }
    seal(MAGIC, &body)
}

/// The history in a cache file, or `None` if the file is not a sound cache
/// for `key`.
fn decode(bytes: &[u8], key: &[u8]) -> Option<History> {
    let mut r = Reader(unseal(MAGIC, bytes)?);
    if r.bytes()? != key {
        return None;
    }
    let head = r.oid()?;
    let n = r.u32()?;
    let mut commits = Vec::with_capacity(n.min(r.0.len() / 24));
    for _ in 0..n {
        let id = r.oid()?;
        let np = r.u32()?;
        let parents = (0..np).map(|_| r.oid()).collect::<Option<Vec<_>>>()?;
        commits.push((id, parents));
    }
    let mut path_map = || -> Option<foldhash::HashMap<String, Oid>> {
        let n = r.u32()?;
        let mut map = foldhash::HashMap::with_capacity(n.min(r.0.len() / 24));
        for _ in 0..n {
            let path = r.string()?;
            map.insert(path, r.oid()?);
        }
        Some(map)
    };
    let files = path_map()?;
    let last = path_map()?;
    let n = r.u32()?;
    let mut guarded = Vec::with_capacity(n.min(r.0.len() / 24));
    for _ in 0..n {
        let commit = r.oid()?;
        let path = String::from_utf8(r.bytes()?.to_vec()).ok()?;
        let added = r.take(1)?[0] == 1;
        guarded.push(GuardedChange {
            commit,
            path,
            added,
        });
    }
    let n = r.u32()?;
    let mut info = foldhash::HashMap::with_capacity(n.min(r.0.len() / 24));
    for _ in 0..n {
        let id = r.oid()?;
        let mut i = CommitInfo {
            name: r.string()?,
            email: r.string()?,
            seconds: i64::from_le_bytes(r.take(8)?.try_into().ok()?),
            offset_minutes: i32::from_le_bytes(r.take(4)?.try_into().ok()?),
            ..Default::default()
        };
        let k = r.u32()?;
        for _ in 0..k {
            i.co_authors.push(r.string()?);
        }
        let flags = r.take(1)?[0];
        (i.is_root, i.signed) = (flags & 1 != 0, flags & 2 != 0);
        let mut blob = || -> Option<Option<Oid>> {
            match r.take(1)?[0] {
                0 => Some(None),
                _ => Some(Some(r.oid()?)),
            }
        };
        (i.team, i.playbook, i.mailmap) = (blob()?, blob()?, blob()?);
        info.insert(id, i);
    }
    // Children come before parents (a cycle would never end a walk up the
    // graph), and no commit is listed twice.
    let graph = CommitGraph::from_topological(&commits);
    if !graph.is_topological() {
        return None;
    }
    let described = last.values().chain(guarded.iter().map(|g| &g.commit));
    if !r.0.is_empty()
        || commits.first().map(|c| c.0) != Some(head)
        || files.len() != last.len()
        || described.into_iter().any(|c| !info.contains_key(c))
    {
        return None;
    }
    Some(History {
        head: Some(head),
        files,
        last,
        guarded,
        info,
        commits,
        graph,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn damaged_files_are_not_caches() {
        let key = b"k".to_vec();
        let head = Oid::from_bytes(&[7; 20]).unwrap();
        let h = History {
            head: Some(head),
            commits: vec![(head, vec![])],
            files: [("content/a.md".to_string(), head)].into_iter().collect(),
            last: [("content/a.md".to_string(), head)].into_iter().collect(),
            info: [(head, CommitInfo::default())].into_iter().collect(),
            ..Default::default()
        };
        let bytes = encode(&h, &key);
        let back = decode(&bytes, &key).expect("round trip");
        assert_eq!(back.last, h.last);
        assert_eq!(back.commits, h.commits);
        assert_eq!(back.info, h.info);
        assert!(decode(&bytes, b"other").is_none(), "another key");
        assert!(
            decode(&bytes[..bytes.len() - 1], &key).is_none(),
            "truncated"
        );
        let mut flipped = bytes.clone();
        *flipped.last_mut().unwrap() ^= 1;
        assert!(decode(&flipped, &key).is_none(), "altered");
        assert!(decode(b"", &key).is_none());
    }
}
