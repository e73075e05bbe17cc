//! A page's whole template context: its own data, then what every page
//! gets (`site`, `root`, `page`, `people_names`). The same value is
//! streamed into the page's key, so a page kept from the last build costs
//! no JSON tree, and turned into tera's context only when the page renders.

use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_json::{Map, Value};
use tera::Context;

use crate::site::{theme, view};

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
    /// streamed into the key as CBOR. CBOR is self-delimiting (a value
    /// read back is exactly the value written), so two contexts share a
    /// key only if they are equal, and unlike JSON it writes strings (the
    /// bodies' HTML most of all) as they are, without escaping them.
    pub fn key(&self, theme: &theme::Theme, template: &str) -> git2::Oid {
        let mut key = crate::digest::Key::new();
        key.update(theme.id.as_bytes());
        key.update(template.as_bytes());
        key.update(&[0]);
        ciborium::into_writer(self, &mut key).expect("page data serialises");
        key.finish()
    }

    /// The context as tera takes it.
    pub fn tera(&self) -> Context {
        Context::from_serialize(self).expect("a page context is a JSON object")
    }
}
