//! team.yaml: the people, their e-mail addresses and the roles they hold,
//! and matching a commit author to a person.

use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Default, Deserialize, Serialize)]
pub struct Roster {
    #[serde(default)]
    pub people: Vec<Person>,
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
        let (Some(login), Some(local)) = (
            self.github.as_deref(),
            email
                .to_ascii_lowercase()
                .strip_suffix("@users.noreply.github.com")
                .map(str::to_string),
        ) else {
            return false;
        };
        let handle = match local.split_once('+') {
            Some((digits, h)) if digits.bytes().all(|b| b.is_ascii_digit()) => h.to_string(),
            Some(_) => return false,
            None => local,
        };
        handle.eq_ignore_ascii_case(login.trim_start_matches('@'))
    }
}

impl Roster {
    pub fn get(&self, id: &str) -> Option<&Person> {
        self.people.iter().find(|p| p.id == id)
    }

    pub fn by_email(&self, email: &str) -> Option<&Person> {
        self.people.iter().find(|p| p.owns_email(email))
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
}
