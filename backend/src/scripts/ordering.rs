//! Ordering numbers such as `3.01`: exact decimals with at most two places, kept as an
//! integer count of hundredths so that they sort numerically and never drift.
use std::fmt;

use serde::{de, Deserialize, Deserializer, Serialize, Serializer};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct OrderingNumber(i64);

/// The one range rule, for what a client sends and what the server assigns alike: values
/// stay far from `i64` overflow and inside f64's exact range (JSON numbers).
const LIMIT_INTEGER_PART: i64 = 1_000_000_000;

/// The largest ordering number, `999999999.99`; the OpenAPI schema publishes it.
pub const MAX: f64 = 999_999_999.99;

impl OrderingNumber {
    pub fn from_hundredths(hundredths: i64) -> Self {
        Self(hundredths)
    }

    pub fn hundredths(self) -> i64 {
        self.0
    }

    /// The group a script runs in: the integer part.
    pub fn group(self) -> i64 {
        self.0.div_euclid(100)
    }

    /// `1 + the largest integer part` of the numbers given, or `1.0` for none; `None` when
    /// that would leave the range, so that every assigned number can be sent back.
    pub fn next_after<I: IntoIterator<Item = OrderingNumber>>(existing: I) -> Option<Self> {
        let next_group = existing.into_iter().map(Self::group).max().map_or(1, |group| group + 1);
        (next_group < LIMIT_INTEGER_PART).then_some(Self(next_group * 100))
    }

    pub fn parse(text: &str) -> Result<Self, String> {
        let text = text.trim();
        let invalid =
            || format!("ordering_number {text:?} must be a non-negative number with at most two decimals");
        let (integer, fraction) = text.split_once('.').unwrap_or((text, ""));
        let digits_only = |s: &str| s.chars().all(|c| c.is_ascii_digit());
        if integer.is_empty() || !digits_only(integer) || !digits_only(fraction) {
            return Err(invalid());
        }
        let fraction = fraction.trim_end_matches('0');
        if fraction.len() > 2 {
            return Err(invalid());
        }
        let integer: i64 = integer.parse().map_err(|_| invalid())?;
        if integer >= LIMIT_INTEGER_PART {
            return Err(format!("ordering_number must be at most {MAX}"));
        }
        let fraction: i64 = format!("{fraction:0<2}").parse().map_err(|_| invalid())?;
        Ok(Self(integer * 100 + fraction))
    }
}

impl fmt::Display for OrderingNumber {
    /// Two decimals at most, one at least: `1.0`, `3.01`, `3.1`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (integer, fraction) = (self.0 / 100, self.0 % 100);
        if fraction % 10 == 0 {
            write!(f, "{integer}.{}", fraction / 10)
        } else {
            write!(f, "{integer}.{fraction:02}")
        }
    }
}

/// Published as a number in the one range [`OrderingNumber::parse`] accepts.
impl utoipa::PartialSchema for OrderingNumber {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{ObjectBuilder, Type};
        ObjectBuilder::new()
            .schema_type(Type::Number)
            .description(Some(
                "An exact decimal with at most two places, such as 3.01; its integer part is \
                 the run-all group.",
            ))
            .minimum(Some(0.0))
            .maximum(Some(MAX))
            .examples([serde_json::json!(3.01)])
            .into()
    }
}

impl utoipa::ToSchema for OrderingNumber {}

impl Serialize for OrderingNumber {
    /// As a JSON number. The shortest float text of a two-decimal value is that value, so
    /// `3.01` is written as `3.01`.
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let value: f64 = self.to_string().parse().expect("a decimal is a float");
        serializer.serialize_f64(value)
    }
}

impl<'de> Deserialize<'de> for OrderingNumber {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum NumberOrText {
            Integer(i64),
            Float(f64),
            Text(String),
        }
        let text = match NumberOrText::deserialize(deserializer)? {
            NumberOrText::Integer(value) => value.to_string(),
            NumberOrText::Float(value) if value.is_finite() => format!("{value}"),
            NumberOrText::Float(_) => return Err(de::Error::custom("ordering_number must be finite")),
            NumberOrText::Text(text) => text,
        };
        Self::parse(&text).map_err(de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> OrderingNumber {
        OrderingNumber::parse(text).unwrap()
    }

    #[test]
    fn two_decimal_values_round_trip_exactly() {
        for text in ["3.01", "1.0", "0.5", "10.25", "7.1"] {
            assert_eq!(parse(text).to_string(), text);
            let json = serde_json::to_string(&parse(text)).unwrap();
            assert_eq!(json, text);
            let back: OrderingNumber = serde_json::from_str(&json).unwrap();
            assert_eq!(back, parse(text));
        }
        assert_eq!(parse("3").to_string(), "3.0");
        assert_eq!(parse("3.10").to_string(), "3.1");
    }

    #[test]
    fn sorting_is_numeric_not_textual() {
        let mut values = [parse("10.0"), parse("2.5"), parse("2.05"), parse("1.99")];
        values.sort();
        let texts: Vec<String> = values.iter().map(ToString::to_string).collect();
        assert_eq!(texts, ["1.99", "2.05", "2.5", "10.0"]);
    }

    #[test]
    fn groups_are_integer_parts_and_the_next_number_follows_the_largest() {
        assert_eq!(parse("3.99").group(), 3);
        assert_eq!(OrderingNumber::next_after([]), Some(parse("1.0")));
        assert_eq!(
            OrderingNumber::next_after([parse("1.0"), parse("3.01"), parse("2.5")]),
            Some(parse("4.0"))
        );
    }

    #[test]
    fn an_assigned_number_is_always_one_a_client_may_send() {
        let largest = parse("999999998.5");
        let next = OrderingNumber::next_after([largest]).expect("one group is left");
        assert_eq!(OrderingNumber::parse(&next.to_string()), Ok(next));
        assert_eq!(OrderingNumber::parse(&MAX.to_string()), Ok(parse("999999999.99")));
        assert_eq!(OrderingNumber::next_after([parse("999999999.99")]), None);
    }

    #[test]
    fn invalid_numbers_are_refused() {
        for bad in ["-1", "1.001", "abc", "", ".5", "1e3", "NaN", "inf", "1.2.3", "1000000000"] {
            assert!(OrderingNumber::parse(bad).is_err(), "{bad:?} accepted");
        }
        assert!(serde_json::from_str::<OrderingNumber>("-0.5").is_err());
        assert!(serde_json::from_str::<OrderingNumber>("1e-7").is_err());
        assert_eq!(serde_json::from_str::<OrderingNumber>("\"2.50\"").unwrap(), parse("2.5"));
    }
}
