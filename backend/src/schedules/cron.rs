//! Standard 5-field cron patterns, read in UTC, parsed by `croner`: `minute hour
//! day-of-month month day-of-week`, with ranges, lists, steps (`*/15`) and names (`MON`,
//! `JAN`). Seconds, years and `@nicknames` are not part of the standard form and are
//! refused. A pattern that is refused says which field is wrong.
use chrono::{DateTime, Utc};
use croner::{
    parser::{CronParser, Seconds, Year},
    Cron,
};

pub const FIELDS: [&str; 5] = ["minute", "hour", "day of month", "month", "day of week"];

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CronError {
    #[error("cron: give 5 fields (minute hour day-of-month month day-of-week) separated by spaces, in UTC; {0:?} has {1}")]
    FieldCount(String, usize),
    #[error("cron: the {field} field {value:?} is invalid ({reason})")]
    Field { field: &'static str, value: String, reason: String },
    #[error("cron: {0:?} is invalid ({1})")]
    Pattern(String, String),
    #[error("cron: {0:?} never fires")]
    NeverFires(String),
}

/// A parsed pattern that fires at least once more.
#[derive(Debug, Clone)]
pub struct CronPattern(Cron);

fn parser() -> CronParser {
    CronParser::builder().seconds(Seconds::Disallowed).year(Year::Disallowed).build()
}

pub fn parse(pattern: &str) -> Result<CronPattern, CronError> {
    let fields: Vec<&str> = pattern.split_whitespace().collect();
    if fields.len() != FIELDS.len() {
        return Err(CronError::FieldCount(pattern.to_owned(), fields.len()));
    }
    // Each field alone, the others `*`: the first that fails on its own is the one to name.
    for (index, value) in fields.iter().enumerate() {
        let mut alone = ["*"; 5];
        alone[index] = value;
        if let Err(err) = parser().parse(&alone.join(" ")) {
            return Err(CronError::Field {
                field: FIELDS[index],
                value: (*value).to_owned(),
                reason: err.to_string(),
            });
        }
    }
    let cron = parser()
        .parse(&fields.join(" "))
        .map_err(|err| CronError::Pattern(pattern.to_owned(), err.to_string()))?;
    let parsed = CronPattern(cron);
    if parsed.next_after(Utc::now()).is_none() {
        return Err(CronError::NeverFires(pattern.to_owned()));
    }
    Ok(parsed)
}

impl CronPattern {
    /// The first time strictly after `time` that the pattern matches; `None` if there is
    /// none within croner's search limit (e.g. `0 0 30 2 *`).
    pub fn next_after(&self, time: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.0.find_next_occurrence(&time, false).ok()
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn at(h: u32, m: u32, s: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 4, h, m, s).unwrap()
    }

    #[test]
    fn every_minute_fires_at_the_next_whole_minute() {
        for pattern in ["* * * * *", "*/1 * * * *"] {
            let every_minute = parse(pattern).unwrap();
            assert_eq!(every_minute.next_after(at(14, 5, 30)), Some(at(14, 6, 0)), "{pattern}");
            assert_eq!(every_minute.next_after(at(14, 6, 0)), Some(at(14, 7, 0)), "strictly after");
        }
    }

    #[test]
    fn patterns_are_read_in_utc_with_steps_ranges_lists_and_names() {
        let nightly = parse("30 2 * * *").unwrap();
        assert_eq!(
            nightly.next_after(at(14, 0, 0)),
            Some(Utc.with_ymd_and_hms(2026, 12, 5, 2, 30, 0).unwrap())
        );
        let quarter = parse("*/15 9-17 * * MON-FRI").unwrap();
        // 2026-12-04 is a Friday; the next weekday slot after 17:45 is Monday 09:00.
        assert_eq!(quarter.next_after(at(14, 1, 0)), Some(at(14, 15, 0)));
        assert_eq!(
            quarter.next_after(at(17, 45, 0)),
            Some(Utc.with_ymd_and_hms(2026, 12, 7, 9, 0, 0).unwrap())
        );
        let listed = parse("0 8,20 1 JAN,jul *").unwrap();
        assert_eq!(listed.next_after(at(0, 0, 0)), Some(Utc.with_ymd_and_hms(2027, 1, 1, 8, 0, 0).unwrap()));
    }

    #[test]
    fn a_wrong_field_is_named() {
        let field = |pattern: &str| match parse(pattern) {
            Err(CronError::Field { field, .. }) => field,
            other => panic!("{pattern}: {other:?}"),
        };
        assert_eq!(field("61 * * * *"), "minute");
        assert_eq!(field("* 24 * * *"), "hour");
        assert_eq!(field("* * 0 * *"), "day of month");
        assert_eq!(field("* * * 13 *"), "month");
        assert_eq!(field("* * * * 9"), "day of week");
        assert_eq!(field("*/0 * * * *"), "minute");
        assert_eq!(field("* x * * *"), "hour");
        let message = parse("* 24 * * *").unwrap_err().to_string();
        assert!(message.starts_with("cron: the hour field \"24\" is invalid"), "{message}");
    }

    #[test]
    fn only_the_five_field_form_is_accepted() {
        for pattern in ["", "* * * *", "0 * * * * *", "0 0 * * * * 2027", "@hourly"] {
            assert!(matches!(parse(pattern), Err(CronError::FieldCount(..))), "{pattern:?}");
        }
        assert!(parse("  0  3 * * *  ").is_ok(), "spacing is free");
    }

    #[test]
    fn a_pattern_that_never_fires_is_refused() {
        assert_eq!(parse("0 0 30 2 *").unwrap_err(), CronError::NeverFires("0 0 30 2 *".into()));
    }
}
