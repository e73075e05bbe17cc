//! A page's whole template context: its own data, then what every page
//! gets (`site`, `root`, `page`, `people_names`). The same value is
//! streamed into the page's key, so a page kept from the last build costs
//! no JSON tree, and turned into tera's context only when the page renders.
//! A release page is keyed instead on what its context is made from
//! ([`release_key`]), so a kept one costs no context at all.

use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_json::{Map, Value};
use tera::Context;

use crate::site::{keyform, theme, view};

/// What a page shows of its own.
pub enum Own<'a> {
    /// Several named values (the status page, the playbook, the team).
    Entries(Map<String, Value>),
    Releases(&'a [view::ReleaseSummary]),
    Incidents(&'a [view::IncidentCtx]),
    Release(Box<view::ReleaseCtx>),
    Incident(&'a view::IncidentCtx),
}

/// Everything one page's template gets.
pub struct PageCtx<'a> {
    pub own: Own<'a>,
    pub site: &'a Value,
    pub root: String,
    pub page: Value,
    pub people_names: &'a Map<String, Value>,
}

impl Serialize for PageCtx<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(None)?;
        match &self.own {
            Own::Entries(entries) => {
                for (k, v) in entries {
                    m.serialize_entry(k, v)?;
                }
            }
            Own::Releases(r) => m.serialize_entry("releases", r)?,
            Own::Incidents(i) => m.serialize_entry("incidents", i)?,
            Own::Release(r) => m.serialize_entry("release", r)?,
            Own::Incident(i) => m.serialize_entry("incident", i)?,
        }
        m.serialize_entry("site", self.site)?;
        m.serialize_entry("root", &self.root)?;
        m.serialize_entry("page", &self.page)?;
        m.serialize_entry("people_names", self.people_names)?;
        m.end()
    }
}

impl PageCtx<'_> {
    /// The key of everything the page is rendered from: the theme
    /// (templates and baton's version), the template, and this context,
    /// streamed into the key in its [`keyform`]. The form is
    /// self-delimiting (it reads back one way only), so two contexts (of the
    /// one type a page has) share a key only if they are equal as serde
    /// data, and unlike JSON it
    /// writes strings (the bodies' HTML most of all) as they are, without
    /// escaping them. Like JSON, it is "human readable" to serde, so a
    /// field of a type that serialises differently for such formats is
    /// keyed on the form tera renders.
    pub fn key(&self, theme: &theme::Theme, template: &str) -> git2::Oid {
        let mut key = crate::digest::Key::new();
        key.update(b"page context 3\0");
        key.update(theme.id.as_bytes());
        key.update(template.as_bytes());
        key.update(&[0]);
        form_into(&mut key, self);
        key.finish()
    }

    /// The context as tera takes it.
    pub fn tera(&self) -> Context {
        Context::from_serialize(self).expect("a page context is a JSON object")
    }
}

/// The part of a kind of page's key that every page of the kind shares:
/// the theme, the template and `shared` (what each such page reads alike).
pub fn shared_key(theme: &theme::Theme, template: &str, shared: &impl Serialize) -> git2::Oid {
    let mut key = crate::digest::Key::new();
    key.update(b"shared page inputs 3\0");
    key.update(theme.id.as_bytes());
    key.update(template.as_bytes());
    key.update(&[0]);
    form_into(&mut key, shared);
    key.finish()
}

/// A release page's key from what it is made of ([`view::ReleaseInputs`])
/// rather than from its context: the shared part, where the page lies
/// (`root`, `page`), and the release's own inputs. The leading tag keeps
/// these keys apart from [`PageCtx::key`]'s.
pub fn release_key(
    shared: git2::Oid,
    root: &str,
    page: &Value,
    inputs: &view::ReleaseInputs<'_>,
) -> git2::Oid {
    let mut key = crate::digest::Key::new();
    key.update(b"release page inputs 3\0");
    key.update(shared.as_bytes());
    form_into(&mut key, &(root, page, inputs));
    key.finish()
}

/// `value`'s [`keyform`] streamed into `key` in one update (the form is
/// written a few bytes at a time, and the hash takes it faster whole).
fn form_into(key: &mut crate::digest::Key, value: &impl Serialize) {
    thread_local! {
        static BUFFER: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
    }
    BUFFER.with_borrow_mut(|buffer| {
        buffer.clear();
        keyform::write(value, buffer);
        key.update(buffer);
    });
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use serde_json::Value;

    fn form(v: &Value) -> Vec<u8> {
        let mut out = Vec::new();
        super::keyform::write(v, &mut out);
        out
    }

    /// JSON values of the shapes page contexts hold (strings with the
    /// characters JSON escapes, integers, floats, nulls, lists, objects),
    /// from a space small enough that equal pairs come up too.
    fn value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::from),
            (-2i64..2).prop_map(Value::from),
            (-2i64..2).prop_map(|i| Value::from(i as f64)),
            "[a\"\\\\é]{0,2}".prop_map(Value::from),
        ];
        leaf.prop_recursive(2, 8, 3, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..3).prop_map(Value::from),
                proptest::collection::vec(("[a\"]{0,1}", inner), 0..3)
                    .prop_map(|kv| Value::Object(kv.into_iter().collect())),
            ]
        })
    }

    proptest! {
        /// A page is kept when its key is unchanged, so contexts that tera
        /// would see differently (different JSON) must never stream the
        /// same bytes into the key.
        #[test]
        fn contexts_that_differ_as_json_differ_in_form(a in value(), b in value()) {
            if serde_json::to_string(&a).unwrap() != serde_json::to_string(&b).unwrap() {
                prop_assert_ne!(form(&a), form(&b));
            } else {
                prop_assert_eq!(form(&a), form(&b));
            }
        }
    }
}
