//! Signed sign-offs: a commit's SSH signature (`gpg.format ssh`) verified in
//! pure Rust with the `git` namespace, and the key required to be one of the
//! *author's* `signing_keys` in the roster. git's own `%G?` only checks that
//! a key is allowed, so one person's key on a commit authored as another
//! would pass there; here it fails.

use git2::{Oid, Repository};
use ssh_key::{PublicKey, SshSig};

/// What a commit's signature proves.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub enum Seal {
    /// No signature.
    Unsigned,
    /// A valid SSH signature by one of the author's keys.
    Verified { fingerprint: String },
    /// A signature baton cannot verify (GPG/X.509): neither trusted nor rejected.
    Unverifiable(String),
    /// A signature that does not verify, or not with the author's key.
    Bad(String),
}

impl Seal {
    pub fn is_verified(&self) -> bool {
        matches!(self, Seal::Verified { .. })
    }
}

/// Verifies a commit's signature against the author's keys (OpenSSH public key lines).
pub fn seal(repo: &Repository, commit: Oid, author_keys: &[String]) -> Seal {
    let Ok((signature, signed)) = repo.extract_signature(&commit, None) else {
        return Seal::Unsigned;
    };
    let text = String::from_utf8_lossy(&signature);
    if !text.contains("BEGIN SSH SIGNATURE") {
        return Seal::Unverifiable(if text.contains("BEGIN PGP") {
            "the commit has a GPG signature, which baton does not verify; sign with SSH (`git config gpg.format ssh`)".into()
        } else {
            "the commit has a signature of an unknown kind; sign with SSH (`git config gpg.format ssh`)".into()
        });
    }
    let sig = match SshSig::from_pem(text.trim().as_bytes()) {
        Ok(s) => s,
        Err(e) => return Seal::Bad(format!("the SSH signature cannot be read: {e}")),
    };
    let keys: Vec<PublicKey> = author_keys
        .iter()
        .filter_map(|k| PublicKey::from_openssh(k.trim()).ok())
        .collect();
    let Some(key) = keys.iter().find(|k| k.key_data() == sig.public_key()) else {
        return Seal::Bad(if keys.is_empty() {
            "the commit is signed, but its author has no `signing_keys` in team.yaml".into()
        } else {
            "the commit is signed with a key that is not one of its author's `signing_keys`".into()
        });
    };
    match key.verify("git", &signed, &sig) {
        Ok(()) => Seal::Verified {
            fingerprint: key.fingerprint(Default::default()).to_string(),
        },
        Err(e) => Seal::Bad(format!("the SSH signature does not verify: {e}")),
    }
}
