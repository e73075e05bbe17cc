//! The hashes baton computes itself: git blob ids (SHA-1, byte for byte
//! what `git hash-object` gives) and the keys its caches file things under
//! (SHA-256 cut to 20 bytes: page keys stand on what pull requests write,
//! so they must resist collisions). Both use the processor's SHA
//! instructions where it has them. (A cache file's checksum is in
//! [`cachefile`](crate::cachefile).)

use std::io::Write;

use git2::Oid;
use sha1::Digest;

/// The id git gives a blob holding `bytes`. Plain SHA-1, without git's
/// collision detection: each half of a crafted collision trips git's
/// detection, so no text that git accepted can be matched by a different
/// one. A blob id here is compared with ids git itself computed (with
/// detection) when the blob was committed, and it stands for a record's
/// text in a release page's key, where the texts a published site is built
/// from are commits git accepted. (The judged state of a record, who signed
/// it and what that means, is keyed in full, not through its blob id.)
pub fn blob_id(bytes: &[u8]) -> Oid {
    let mut h = sha1::Sha1::new();
    let _ = write!(h, "blob {}\0", bytes.len());
    h.update(bytes);
    Oid::from_bytes(&h.finalize()).expect("SHA-1 gives 20 bytes")
}

/// An object id as its 20 bytes (for `#[serde(serialize_with)]`: git2's
/// ids have no serde support).
pub fn oid_bytes<S: serde::Serializer>(oid: &Oid, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_bytes(oid.as_bytes())
}

/// What an `Arc` holds (for `#[serde(serialize_with)]`, without serde's
/// `rc` feature).
pub fn shared<T: serde::Serialize, S: serde::Serializer>(
    value: &std::sync::Arc<T>,
    s: S,
) -> Result<S::Ok, S::Error> {
    T::serialize(value, s)
}

/// A key over bytes fed in order (also as an [`std::io::Write`]).
#[derive(Default)]
pub struct Key(sha2::Sha256);

impl Key {
    pub fn new() -> Key {
        Key::default()
    }

    pub fn update(&mut self, bytes: &[u8]) {
        self.0.update(bytes);
    }

    /// The first 20 bytes of the SHA-256.
    pub fn finish(self) -> Oid {
        Oid::from_bytes(&self.0.finalize()[..20]).expect("20 bytes are an object id")
    }
}

impl Write for Key {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.update(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// This baton: its version and the stamp of the program file itself, so
/// what a rebuilt or upgraded baton parses or renders is never taken from
/// what an older one kept.
pub fn this_baton() -> &'static str {
    static THIS: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    THIS.get_or_init(|| {
        let exe = std::env::current_exe()
            .ok()
            .and_then(|p| std::fs::metadata(p).ok())
            .and_then(|m| crate::content::texts::stamp(&m));
        format!("baton {} {exe:?}", env!("CARGO_PKG_VERSION"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blob_ids_are_gits() {
        for bytes in [&b""[..], b"hello\n", &[0u8; 70_000], "é ✓\r\n".as_bytes()] {
            assert_eq!(
                blob_id(bytes),
                Oid::hash_object(git2::ObjectType::Blob, bytes).unwrap()
            );
        }
    }

    #[test]
    fn keys_follow_every_byte() {
        let key = |bytes: &[u8]| {
            let mut k = Key::new();
            k.update(bytes);
            k.finish()
        };
        assert_eq!(key(b"ab"), key(b"ab"));
        assert_ne!(key(b"ab"), key(b"ba"));
        let mut streamed = Key::new();
        streamed.update(b"a");
        streamed.update(b"b");
        assert_eq!(streamed.finish(), key(b"ab"));
    }
}
