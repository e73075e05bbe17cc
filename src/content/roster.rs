//! team.yaml: the people, their e-mail addresses and the roles they hold,
//! and matching a commit author to a person.

use foldhash::HashMap;
use serde::{Deserialize, Serialize};

/// The people of team.yaml. A roster is not changed once read: lookups go
/// through an index made on first use.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
pub struct Roster {
    /// Private, so nothing can change it after the index is made.
    #[serde(default)]
    people: Vec<Person>,
    #[serde(skip)]
    index: std::sync::OnceLock<Index>,
}

/// Each person's place in `people` by id, by e-mail address (trimmed,
/// ASCII lower case) and by GitHub login (ASCII lower case, no `@`); the
/// first person wherever two share one, as a scan in order would find.
/// A commit author is matched once per commit and names are looked up for
/// every signer on every page: in a roster of hundreds of people a scan
/// (with a lower-cased copy of the address for each person) would cost
/// commits × people.
#[derive(Clone, Debug, Default)]
struct Index {
    id: HashMap<String, usize>,
    email: HashMap<String, usize>,
    login: HashMap<String, usize>,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
pub struct Person {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub emails: Vec<String>,
    #[serde(default)]
    pub github: Option<String>,
    #[serde(default)]
    pub roles: Vec<String>,
    #[serde(default)]
    pub signing_keys: Vec<String>,
}

impl Person {
    pub fn holds(&self, role: &str) -> bool {
        self.roles.iter().any(|r| r == role)
    }

    /// Whether a commit e-mail is this person's: one of `emails` (case-insensitive)
    /// or a GitHub noreply address of their `github` login.
    pub fn owns_email(&self, email: &str) -> bool {
        let email = email.trim();
        if self
            .emails
            .iter()
            .any(|e| e.trim().eq_ignore_ascii_case(email))
        {
            return true;
        }
        match (self.github.as_deref(), noreply_login(email)) {
            (Some(login), Some(handle)) => {
                handle.eq_ignore_ascii_case(login.trim_start_matches('@'))
            }
            _ => false,
        }
    }
}

/// The GitHub login of a noreply address (`12345+login@users.noreply.github.com`
/// or `login@users.noreply.github.com`), lower-cased; `None` for any other address.
fn noreply_login(email: &str) -> Option<String> {
    let local = email
        .trim()
        .to_ascii_lowercase()
        .strip_suffix("@users.noreply.github.com")?
        .to_string();
    match local.split_once('+') {
        Some((digits, h)) if digits.bytes().all(|b| b.is_ascii_digit()) => Some(h.to_string()),
        Some(_) => None,
        None => Some(local),
    }
}

impl Roster {
    /// The people, in team.yaml's order.
    pub fn people(&self) -> &[Person] {
        &self.people
    }

    fn index(&self) -> &Index {
        self.index.get_or_init(|| {
            let mut index = Index::default();
            for (i, p) in self.people.iter().enumerate() {
                index.id.entry(p.id.clone()).or_insert(i);
                for e in &p.emails {
                    index
                        .email
                        .entry(e.trim().to_ascii_lowercase())
                        .or_insert(i);
                }
                if let Some(login) = &p.github {
                    let login = login.trim_start_matches('@').to_ascii_lowercase();
                    index.login.entry(login).or_insert(i);
                }
            }
            index
        })
    }

    pub fn get(&self, id: &str) -> Option<&Person> {
        let i = *self.index().id.get(id)?;
        self.people.get(i)
    }

    /// The first person who owns a commit e-mail (see [`Person::owns_email`]).
    pub fn by_email(&self, email: &str) -> Option<&Person> {
        let index = self.index();
        let listed = index.email.get(&email.trim().to_ascii_lowercase()).copied();
        let noreply = noreply_login(email).and_then(|l| index.login.get(&l).copied());
        let i = match (listed, noreply) {
            (Some(a), Some(b)) => a.min(b),
            (a, b) => a.or(b)?,
        };
        self.people.get(i)
    }

    pub fn holds(&self, id: &str, role: &str) -> bool {
        self.get(id).is_some_and(|p| p.holds(role))
    }

    /// Whether the person holds any of the roles.
    pub fn holds_any(&self, id: &str, roles: &[String]) -> bool {
        roles.iter().any(|r| self.holds(id, r))
    }

    pub fn holders<'a>(&'a self, role: &'a str) -> impl Iterator<Item = &'a Person> + 'a {
        self.people.iter().filter(move |p| p.holds(role))
    }

    /// A person's display name, or the id itself when unknown.
    pub fn name<'a>(&'a self, id: &'a str) -> &'a str {
        self.get(id).map_or(id, |p| p.name.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grace() -> Person {
        Person {
            id: "grace".into(),
            name: "Grace".into(),
            emails: vec!["Grace@OctoAcme.example".into()],
            github: Some("ghopper".into()),
            roles: vec!["qa-lead".into()],
            signing_keys: vec![],
        }
    }

    #[test]
    fn emails_match_case_insensitively_and_noreply() {
        let g = grace();
        assert!(g.owns_email("grace@octoacme.example"));
        assert!(g.owns_email("12345+ghopper@users.noreply.github.com"));
        assert!(g.owns_email("GHopper@users.noreply.github.com"));
        assert!(!g.owns_email("12345+ghopperx@users.noreply.github.com"));
        assert!(!g.owns_email("x+ghopper@users.noreply.github.com"));
        assert!(!g.owns_email("ghopper@example.com"));
    }

    /// The index finds whom a scan of the people in order finds, for
    /// listed addresses, noreply addresses, people sharing an address or
    /// a login, and addresses nobody owns.
    #[test]
    fn lookups_match_a_scan_in_order() {
        let person = |id: &str, emails: &[&str], github: Option<&str>| Person {
            id: id.into(),
            name: id.to_uppercase(),
            emails: emails.iter().map(|e| e.to_string()).collect(),
            github: github.map(str::to_string),
            roles: vec![],
            signing_keys: vec![],
        };
        let roster = Roster {
            people: vec![
                grace(),
                person("ada", &[" Ada@Example.org "], Some("@AdaL")),
                person("ada2", &["ada@example.org"], Some("grace-second")),
                person("bob", &["12345+ghopper@users.noreply.github.com"], None),
                person("ada", &["other@example.org"], None),
            ],
            ..Default::default()
        };
        let emails = [
            "grace@octoacme.example",
            " GRACE@octoacme.example",
            "12345+ghopper@users.noreply.github.com",
            "ghopper@users.noreply.github.com",
            "ada@example.org",
            "adal@users.noreply.github.com",
            "9+ADAL@users.noreply.github.com",
            "x+adal@users.noreply.github.com",
            "grace-second@users.noreply.github.com",
            "other@example.org",
            "nobody@example.org",
            "",
        ];
        // Where a person found by a lookup stands in the list.
        let place = |p: &Person| roster.people.iter().position(|q| std::ptr::eq(p, q));
        for e in emails {
            let scan = roster.people.iter().position(|p| p.owns_email(e));
            assert_eq!(roster.by_email(e).and_then(place), scan, "{e:?}");
        }
        for id in ["grace", "ada", "ada2", "bob", "nobody"] {
            let scan = roster.people.iter().position(|p| p.id == id);
            assert_eq!(roster.get(id).and_then(place), scan, "{id}");
        }
        assert_eq!(roster.name("ada"), "ADA");
        assert_eq!(roster.name("nobody"), "nobody");
    }
}
