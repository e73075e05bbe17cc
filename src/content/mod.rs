//! Reading `content/`: front matter, typed records, the roster and site settings.

pub mod frontmatter;
pub mod load;
pub mod parse;
pub mod records;
pub mod roster;
pub mod site;
pub mod stat;
pub mod texts;
pub mod values;

pub use load::{Content, IncidentFiles, ReleaseFiles};
