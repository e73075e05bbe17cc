//! serde_json's pretty form (two-space indents), written a piece at a
//! time: a value can be written at the depth it takes in a larger
//! document, so the items of a long array are written on several threads
//! and joined, byte for byte what `serde_json::to_string_pretty` writes.

use rayon::prelude::*;
use serde::Serialize;
use serde_json::ser::Formatter;

/// serde_json's `PrettyFormatter` with two spaces, starting `level` deep.
struct Pretty {
    level: usize,
    has_value: bool,
}

fn indent<W: ?Sized + std::io::Write>(w: &mut W, level: usize) -> std::io::Result<()> {
    for _ in 0..level {
        w.write_all(b"  ")?;
    }
    Ok(())
}

/// [`indent`] into memory, which cannot fail.
fn pad(out: &mut Vec<u8>, level: usize) {
    indent(out, level).expect("writing to memory cannot fail");
}

impl Pretty {
    /// An array or object opens: one level deeper, nothing in it yet.
    fn open<W: ?Sized + std::io::Write>(
        &mut self,
        w: &mut W,
        bracket: &[u8],
    ) -> std::io::Result<()> {
        self.level += 1;
        self.has_value = false;
        w.write_all(bracket)
    }
    /// It closes: on a line of its own unless it is empty.
    fn close<W: ?Sized + std::io::Write>(
        &mut self,
        w: &mut W,
        bracket: &[u8],
    ) -> std::io::Result<()> {
        self.level -= 1;
        if self.has_value {
            w.write_all(b"\n")?;
            indent(w, self.level)?;
        }
        w.write_all(bracket)
    }
    /// An item or key starts a line of its own.
    fn line<W: ?Sized + std::io::Write>(&mut self, w: &mut W, first: bool) -> std::io::Result<()> {
        w.write_all(if first { b"\n" } else { b",\n" })?;
        indent(w, self.level)
    }
}

impl Formatter for Pretty {
    fn begin_array<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.open(w, b"[")
    }
    fn end_array<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.close(w, b"]")
    }
    fn begin_array_value<W: ?Sized + std::io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        self.line(w, first)
    }
    fn end_array_value<W: ?Sized + std::io::Write>(&mut self, _: &mut W) -> std::io::Result<()> {
        self.has_value = true;
        Ok(())
    }
    fn begin_object<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.open(w, b"{")
    }
    fn end_object<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.close(w, b"}")
    }
    fn begin_object_key<W: ?Sized + std::io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        self.line(w, first)
    }
    fn begin_object_value<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        w.write_all(b": ")
    }
    fn end_object_value<W: ?Sized + std::io::Write>(&mut self, _: &mut W) -> std::io::Result<()> {
        self.has_value = true;
        Ok(())
    }
}

/// Appends `value` as it is written `level` deep in a pretty document.
pub fn value_at(out: &mut Vec<u8>, value: &impl Serialize, level: usize) {
    let mut s = serde_json::Serializer::with_formatter(
        out,
        Pretty {
            level,
            has_value: false,
        },
    );
    value.serialize(&mut s).expect("the report serialises");
}

/// Appends a JSON array `level` deep of each of `items` through `view`,
/// the items written in parallel pieces.
pub fn array_at<'a, T: Sync, V: Serialize>(
    out: &mut Vec<u8>,
    items: &'a [T],
    view: impl Fn(&'a T) -> V + Sync,
    level: usize,
) {
    if items.is_empty() {
        out.extend_from_slice(b"[]");
        return;
    }
    out.push(b'[');
    // Each item after a comma, the first after none.
    let pieces: Vec<Vec<u8>> = items
        .par_chunks(64)
        .map(|chunk| {
            let mut piece = Vec::new();
            for item in chunk {
                piece.extend_from_slice(b",\n");
                pad(&mut piece, level + 1);
                value_at(&mut piece, &view(item), level + 1);
            }
            piece
        })
        .collect();
    out.reserve(pieces.iter().map(Vec::len).sum());
    for (i, piece) in pieces.iter().enumerate() {
        out.extend_from_slice(if i == 0 { &piece[1..] } else { piece });
    }
    out.push(b'\n');
    pad(out, level);
    out.push(b']');
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    /// Written in pieces, any value reads as serde_json writes it whole.
    #[test]
    fn pieces_join_to_serde_jsons_pretty_form() {
        let items: Vec<Value> = (0..300)
            .map(|i| json!({"n": i, "list": [i, {"deep": [], "e": {}}], "s": "a\nb", "empty": []}))
            .collect();
        for items in [&items[..], &items[..1], &items[..0]] {
            let doc = json!({"top": items, "after": {"x": [1, 2]}});
            let mut out = b"{\n  \"top\": ".to_vec();
            super::array_at(&mut out, items, |v| v.clone(), 1);
            out.extend_from_slice(b",\n  \"after\": ");
            super::value_at(&mut out, &doc["after"], 1);
            out.extend_from_slice(b"\n}");
            assert_eq!(
                String::from_utf8(out).unwrap(),
                serde_json::to_string_pretty(&doc).unwrap()
            );
        }
    }
}
