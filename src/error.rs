//! Errors that stop baton from judging at all (exit code 2): no git
//! repository, a shallow clone, an unreadable roster or playbook.

use std::fmt;

/// A condition under which baton cannot judge the records.
#[derive(Debug, Clone, PartialEq)]
pub struct Fatal {
    pub message: String,
    /// What the user can do about it.
    pub help: Option<String>,
}

impl Fatal {
    pub fn new(message: impl Into<String>) -> Self {
        Fatal {
            message: message.into(),
            help: None,
        }
    }
    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }
}

impl fmt::Display for Fatal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)?;
        if let Some(h) = &self.help {
            write!(f, "\n  help: {h}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Fatal {}

impl From<git2::Error> for Fatal {
    fn from(e: git2::Error) -> Self {
        Fatal::new(format!("git: {}", e.message()))
    }
}
