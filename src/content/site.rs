//! site.yaml: the site's title, URLs, status components and theme.

use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Default, Deserialize, Serialize)]
pub struct Site {
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    /// Where the site is published, e.g. `https://octoacme.github.io/releases/`.
    #[serde(default)]
    pub base_url: Option<String>,
    /// The repository's web address; commits link to `<repo_url>/commit/<id>`.
    #[serde(default)]
    pub repo_url: Option<String>,
    /// Components shown on the status page.
    #[serde(default)]
    pub components: Vec<String>,
    /// `themes/<theme>/` overrides files of the built-in theme.
    #[serde(default)]
    pub theme: Option<String>,
}
