//! Per-model prices, used only when the upstream does not report what a call cost.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use rust_decimal::prelude::ToPrimitive;
use rust_decimal::{Decimal, RoundingStrategy};
use serde::Deserialize;

/// USD per million tokens. Numerically that is also micro-dollars per token,
/// which is why costs multiply straight into micro-dollars.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelPrice {
    pub input_per_million: Decimal,
    pub output_per_million: Decimal,
}

/// Model id (as OpenRouter names it, e.g. `openai/gpt-4o-mini`) to its price.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PriceTable {
    prices: HashMap<String, ModelPrice>,
}

#[derive(Debug, thiserror::Error)]
pub enum PriceTableError {
    #[error("cannot read the LLM price file {}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("the LLM price file is not a JSON object of model prices: {0}")]
    Parse(#[from] serde_json::Error),
    #[error("the LLM price of {model} is negative")]
    Negative { model: String },
}

impl PriceTable {
    /// `{"<model>": {"input_per_million": "0.15", "output_per_million": "0.60"}}`;
    /// prices may be JSON strings or numbers.
    pub fn from_json(text: &str) -> Result<Self, PriceTableError> {
        let prices: HashMap<String, ModelPrice> = serde_json::from_str(text)?;
        if let Some((model, _)) = prices.iter().find(|(_, price)| {
            price.input_per_million.is_sign_negative() || price.output_per_million.is_sign_negative()
        }) {
            return Err(PriceTableError::Negative { model: model.clone() });
        }
        Ok(Self { prices })
    }

    pub fn load(path: &Path) -> Result<Self, PriceTableError> {
        let text = std::fs::read_to_string(path)
            .map_err(|source| PriceTableError::Io { path: path.to_owned(), source })?;
        Self::from_json(&text)
    }

    pub fn get(&self, model: &str) -> Option<&ModelPrice> {
        self.prices.get(model)
    }

    /// The cost rounded once, half away from zero, to whole micro-dollars;
    /// `None` for an unknown model, negative counts or an overflow.
    pub fn cost_micros(&self, model: &str, input_tokens: i64, output_tokens: i64) -> Option<i64> {
        if input_tokens < 0 || output_tokens < 0 {
            return None;
        }
        let price = self.get(model)?;
        let input = price.input_per_million.checked_mul(Decimal::from(input_tokens))?;
        let output = price.output_per_million.checked_mul(Decimal::from(output_tokens))?;
        whole_micros(input.checked_add(output)?)
    }
}

/// Rounds an exact micro-dollar amount to the integer the API stores.
pub(crate) fn whole_micros(micros: Decimal) -> Option<i64> {
    micros.round_dp_with_strategy(0, RoundingStrategy::MidpointAwayFromZero).to_i64()
}

/// Converts a USD amount as an upstream reports it; negative amounts are not costs.
pub(crate) fn usd_to_micros(usd: Decimal) -> Option<i64> {
    if usd.is_sign_negative() && !usd.is_zero() {
        return None;
    }
    whole_micros(usd.checked_mul(Decimal::from(1_000_000))?)
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXAMPLE: &str = include_str!("../../../../config/llm_prices.example.json");

    #[test]
    fn the_example_file_prices_gpt_4o_mini() {
        let table = PriceTable::from_json(EXAMPLE).unwrap();
        // 1000 * 0.15 + 500 * 0.60 = 450 micro-dollars.
        assert_eq!(table.cost_micros("openai/gpt-4o-mini", 1000, 500), Some(450));
    }

    #[test]
    fn sums_are_exact_and_rounded_once() {
        let table =
            PriceTable::from_json(r#"{"m": {"input_per_million": "0.1", "output_per_million": "0.2"}}"#)
                .unwrap();
        // Float arithmetic gives 0.30000000000000004 here; decimals give 0.3 → 0.
        assert_eq!(table.cost_micros("m", 1, 1), Some(0));
        // 3 * 0.1 + 1 * 0.2 = 0.5, which rounds up.
        assert_eq!(table.cost_micros("m", 3, 1), Some(1));
        assert_eq!(table.cost_micros("m", 10_000_000, 0), Some(1_000_000));
    }

    #[test]
    fn numbers_are_accepted_as_prices() {
        let table = PriceTable::from_json(r#"{"m": {"input_per_million": 0.15, "output_per_million": 0.6}}"#)
            .unwrap();
        assert_eq!(table.cost_micros("m", 1000, 500), Some(450));
    }

    #[test]
    fn unknown_models_and_nonsense_counts_have_no_cost() {
        let table = PriceTable::from_json(EXAMPLE).unwrap();
        assert_eq!(table.cost_micros("acme/unknown", 10, 10), None);
        assert_eq!(table.cost_micros("openai/gpt-4o-mini", -1, 10), None);
        assert_eq!(PriceTable::default().cost_micros("openai/gpt-4o-mini", 1, 1), None);
    }

    #[test]
    fn bad_files_are_refused_with_a_reason() {
        assert!(matches!(
            PriceTable::from_json(r#"{"m": {"input_per_million": "-1", "output_per_million": "1"}}"#),
            Err(PriceTableError::Negative { model }) if model == "m"
        ));
        assert!(matches!(
            PriceTable::from_json(r#"{"m": {"input_per_million": "x", "output_per_million": "1"}}"#),
            Err(PriceTableError::Parse(_))
        ));
        assert!(matches!(PriceTable::from_json(r#"{"m": {"input": "1"}}"#), Err(PriceTableError::Parse(_))));
        let err = PriceTable::load(Path::new("/nonexistent/prices.json")).unwrap_err();
        assert!(err.to_string().contains("/nonexistent/prices.json"));
    }

    #[test]
    fn upstream_usd_becomes_micros() {
        let usd: Decimal = "0.0000123".parse().unwrap();
        assert_eq!(usd_to_micros(usd), Some(12));
        assert_eq!(usd_to_micros(Decimal::ZERO), Some(0));
        assert_eq!(usd_to_micros("-0.5".parse().unwrap()), None);
    }
}
