//! Timestamps and durations as records and the playbook write them.
//!
//! Every timestamp is RFC 3339 *with* an offset: the playbook's minute-level
//! deadlines cannot be judged without one. Durations are humane strings
//! (`24h`, `15m`) parsed by `humantime`.

use std::fmt;

use chrono::{DateTime, FixedOffset, NaiveDateTime};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// An instant with the offset its author wrote.
pub type Instant = DateTime<FixedOffset>;

/// Parses an RFC 3339 timestamp, explaining what is wrong when it is not one.
pub fn parse_timestamp(raw: &str) -> Result<Instant, String> {
    let raw = raw.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(raw) {
        return Ok(t);
    }
    let naive = [
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%d %H:%M",
    ]
    .iter()
    .any(|f| NaiveDateTime::parse_from_str(raw, f).is_ok());
    if naive {
        Err(format!(
            "`{raw}` has no UTC offset; write it as `{}Z` (UTC) or with an offset like `+02:00`",
            raw.replace(' ', "T")
        ))
    } else {
        Err(format!(
            "`{raw}` is not an RFC 3339 timestamp; expected e.g. `2026-11-30T14:00:00Z`"
        ))
    }
}

/// A timestamp field of a record. Deserialising never fails on the text:
/// a bad timestamp is reported as `content.bad-timestamp` by the loader, with
/// its line, and the rules treat the field as absent.
#[derive(Clone, Debug, PartialEq)]
pub struct Stamp {
    raw: String,
    at: Option<Instant>,
}

impl Stamp {
    pub fn get(&self) -> Option<Instant> {
        self.at
    }
    pub fn raw(&self) -> &str {
        &self.raw
    }
}

impl From<Instant> for Stamp {
    fn from(at: Instant) -> Self {
        Stamp {
            raw: at.to_rfc3339(),
            at: Some(at),
        }
    }
}

impl<'de> Deserialize<'de> for Stamp {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(d)?;
        let at = parse_timestamp(&raw).ok();
        Ok(Stamp { raw, at })
    }
}

impl Serialize for Stamp {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.raw)
    }
}

/// Reads an optional stamp as an optional instant.
pub fn at(stamp: &Option<Stamp>) -> Option<Instant> {
    stamp.as_ref().and_then(Stamp::get)
}

/// A playbook duration such as `24h` or `15m`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Span(pub chrono::Duration);

impl Span {
    pub fn minutes(self) -> i64 {
        self.0.num_minutes()
    }
}

impl fmt::Display for Span {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&human(self.0))
    }
}

impl<'de> Deserialize<'de> for Span {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(d)?;
        let std = humantime::parse_duration(&raw).map_err(|e| {
            serde::de::Error::custom(format!(
                "`{raw}` is not a duration like `24h` or `15m`: {e}"
            ))
        })?;
        if std > std::time::Duration::from_secs(10 * 366 * 86_400) {
            return Err(serde::de::Error::custom(format!(
                "`{raw}` is longer than ten years"
            )));
        }
        chrono::Duration::from_std(std)
            .map(Span)
            .map_err(|_| serde::de::Error::custom(format!("`{raw}` is too long a duration")))
    }
}

/// Formats a duration for people: `4 min`, `2 h 5 min`, `48 h`, `3 d 2 h`.
/// Up to three days it counts hours, as the playbook's deadlines do (a
/// post-mortem within 48 h, a go/no-go 24 h ahead), to the minute.
pub fn human(d: chrono::Duration) -> String {
    let neg = d < chrono::Duration::zero();
    let total = d.num_minutes().abs();
    let (hours, mins) = (total / 60, total % 60);
    let s = match (hours, mins) {
        (0, m) => format!("{m} min"),
        (h, 0) if h < 72 => format!("{h} h"),
        (h, m) if h < 72 => format!("{h} h {m} min"),
        (h, _) if h % 24 == 0 => format!("{} d", h / 24),
        (h, _) => format!("{} d {} h", h / 24, h % 24),
    };
    if neg { format!("-{s}") } else { s }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offset_is_required() {
        assert!(parse_timestamp("2026-11-30T14:00:00Z").is_ok());
        assert!(parse_timestamp("2026-11-30T14:00:00+02:00").is_ok());
        let e = parse_timestamp("2026-11-30T14:00:00").unwrap_err();
        assert!(e.contains("no UTC offset"), "{e}");
        assert!(
            parse_timestamp("tomorrow")
                .unwrap_err()
                .contains("not an RFC 3339")
        );
    }

    #[test]
    fn human_durations() {
        assert_eq!(human(chrono::Duration::minutes(4)), "4 min");
        assert_eq!(human(chrono::Duration::minutes(125)), "2 h 5 min");
        assert_eq!(human(chrono::Duration::hours(48)), "48 h");
        assert_eq!(human(chrono::Duration::minutes(50 * 60 + 7)), "50 h 7 min");
        assert_eq!(human(chrono::Duration::hours(72)), "3 d");
        assert_eq!(human(chrono::Duration::hours(80)), "3 d 8 h");
        assert_eq!(human(chrono::Duration::minutes(-90)), "-1 h 30 min");
    }
}
