//! An exact binary form of YAML values, so the texts cache can keep each
//! record's parsed front matter beside its text: decoding it is several
//! times faster than parsing the YAML again. Every value serde_yaml makes
//! (null, booleans, integers, floats, strings, sequences, mappings in their
//! order, tagged values) reads back equal; anything short, long or odd
//! reads back as nothing.

use serde_yaml::value::{Tag, TaggedValue};
use serde_yaml::{Mapping, Number, Value};

use crate::cachefile::{Reader, put_bytes, put_u32};

/// Deeper than serde_yaml itself nests (its recursion limit is 128).
const MAX_DEPTH: usize = 256;

/// Appends the binary form of `v` to `out`.
pub fn encode(v: &Value, out: &mut Vec<u8>) {
    match v {
        Value::Null => out.push(0),
        Value::Bool(b) => out.push(1 + u8::from(*b)),
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                out.push(3);
                out.extend_from_slice(&i.to_le_bytes());
            } else if let Some(u) = n.as_u64() {
                out.push(4);
                out.extend_from_slice(&u.to_le_bytes());
            } else {
                out.push(5);
                let f = n.as_f64().unwrap_or(f64::NAN);
                out.extend_from_slice(&f.to_bits().to_le_bytes());
            }
        }
        Value::String(s) => {
            out.push(6);
            put_bytes(out, s.as_bytes());
        }
        Value::Sequence(items) => {
            out.push(7);
            put_u32(out, items.len());
            items.iter().for_each(|i| encode(i, out));
        }
        Value::Mapping(m) => {
            out.push(8);
            put_u32(out, m.len());
            for (k, v) in m {
                encode(k, out);
                encode(v, out);
            }
        }
        Value::Tagged(t) => {
            out.push(9);
            put_bytes(out, t.tag.to_string().as_bytes());
            encode(&t.value, out);
        }
    }
}

/// The value `bytes` hold, when they hold exactly one.
pub fn decode(bytes: &[u8]) -> Option<Value> {
    let mut r = Reader(bytes);
    let v = read(&mut r, 0)?;
    r.0.is_empty().then_some(v)
}

fn read(r: &mut Reader<'_>, depth: usize) -> Option<Value> {
    if depth > MAX_DEPTH {
        return None;
    }
    let word = |r: &mut Reader<'_>| -> Option<[u8; 8]> { r.take(8)?.try_into().ok() };
    Some(match r.take(1)?[0] {
        0 => Value::Null,
        1 => Value::Bool(false),
        2 => Value::Bool(true),
        3 => Value::Number(Number::from(i64::from_le_bytes(word(r)?))),
        4 => Value::Number(Number::from(u64::from_le_bytes(word(r)?))),
        5 => Value::Number(Number::from(f64::from_bits(u64::from_le_bytes(word(r)?)))),
        6 => Value::String(r.string()?),
        7 => {
            let n = r.u32()?;
            // Each item takes at least one byte: never reserve more than is left.
            let mut items = Vec::with_capacity(n.min(r.0.len()));
            for _ in 0..n {
                items.push(read(r, depth + 1)?);
            }
            Value::Sequence(items)
        }
        8 => {
            let n = r.u32()?;
            let mut m = Mapping::with_capacity(n.min(r.0.len() / 2));
            for _ in 0..n {
                let k = read(r, depth + 1)?;
                let v = read(r, depth + 1)?;
                // A mapping read from YAML never repeats a key.
                if m.insert(k, v).is_some() {
                    return None;
                }
            }
            Value::Mapping(m)
        }
        9 => {
            // serde_yaml never makes an empty tag (and `Tag::new` refuses one).
            let tag = r.string().filter(|t| !t.is_empty()).map(Tag::new)?;
            let value = read(r, depth + 1)?;
            Value::Tagged(Box::new(TaggedValue { tag, value }))
        }
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(yaml: &str) -> (Value, Option<Value>) {
        let v: Value = serde_yaml::from_str(yaml).unwrap();
        let mut bytes = Vec::new();
        encode(&v, &mut bytes);
        (v, decode(&bytes))
    }

    #[test]
    fn every_kind_of_value_reads_back_equal() {
        let yaml = "
null_: ~
yes: true
no: false
small: -7
big: 18446744073709551615
zero: 0
float: 1.5
exp: 1e300
inf: .inf
text: \"héllo: \\\"quoted\\\"\"
when: 2026-11-30T14:00:00Z
list: [1, two, [3], {four: 4}]
? [complex, key]
: value
1: numeric key
tagged: !custom {a: 1}
block: |
  line one
  line two
";
        let (v, back) = round_trip(yaml);
        assert_eq!(back.as_ref(), Some(&v));
        // Mapping order is kept, not only equality.
        let keys = |v: &Value| format!("{v:?}");
        assert_eq!(keys(&v), keys(&back.unwrap()));
        let (nan, back) = round_trip("n: .nan");
        assert_eq!(format!("{nan:?}"), format!("{:?}", back.unwrap()));
    }

    #[test]
    fn short_long_or_odd_bytes_read_as_nothing() {
        let v: Value = serde_yaml::from_str("a: [1, {b: c}]\nd: !t x").unwrap();
        let mut bytes = Vec::new();
        encode(&v, &mut bytes);
        for cut in 0..bytes.len() {
            assert!(decode(&bytes[..cut]).is_none(), "cut at {cut}");
        }
        let mut long = bytes.clone();
        long.push(0);
        assert!(decode(&long).is_none());
        assert!(decode(&[42]).is_none());
        // A mapping that repeats a key.
        let mut twice = vec![8];
        put_u32(&mut twice, 2);
        twice.extend_from_slice(&[0, 0, 0, 0]);
        assert!(decode(&twice).is_none());
        // A tag with no name (serde_yaml never makes one).
        let mut untagged = vec![9];
        put_bytes(&mut untagged, b"");
        untagged.push(0);
        assert!(decode(&untagged).is_none());
        // Nesting deeper than any YAML: refused, not a stack overflow.
        let mut deep = Vec::new();
        for _ in 0..100_000 {
            deep.push(7);
            put_u32(&mut deep, 1);
        }
        deep.push(0);
        assert!(decode(&deep).is_none());
    }
}
