//! The figures as a Markdown table for people and as JSON for comparing with an earlier run.
use std::path::Path;

use serde::Serialize;

use crate::stats::ratio;

/// One line of the table. The name says what the baseline is, because a value means
/// nothing on a noisy machine without the same-run comparison next to it.
#[derive(Clone, Debug, Serialize)]
pub struct Row {
    pub name: String,
    pub value: f64,
    pub unit: &'static str,
    pub baseline: Option<f64>,
    pub ratio: Option<f64>,
}

impl Row {
    pub fn new(name: impl Into<String>, value: f64, unit: &'static str, baseline: Option<f64>) -> Self {
        Self { name: name.into(), value, unit, baseline, ratio: ratio(value, baseline) }
    }
}

pub fn markdown(rows: &[Row]) -> String {
    let mut table =
        String::from("| figure | value | unit | baseline | ratio |\n| --- | ---: | --- | ---: | ---: |\n");
    for row in rows {
        let baseline = row.baseline.map_or("—".to_owned(), number);
        let ratio = row.ratio.map_or("—".to_owned(), |r| format!("{r:.2}×"));
        table += &format!("| {} | {} | {} | {baseline} | {ratio} |\n", row.name, number(row.value), row.unit);
    }
    table
}

/// Three significant digits or so: more would only show the noise.
fn number(value: f64) -> String {
    match value.abs() {
        v if v >= 100.0 => format!("{value:.0}"),
        v if v >= 10.0 => format!("{value:.1}"),
        _ => format!("{value:.2}"),
    }
}

pub fn write_json(path: &Path, rows: &[Row]) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let json = serde_json::to_string_pretty(rows).expect("rows serialize");
    std::fs::write(path, json + "\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_rounds_and_marks_missing_baselines() {
        let rows = [
            Row::new("a vs b", 812.4, "ms", Some(406.2)),
            Row::new("idle", 12.345, "MiB", None),
            Row::new("added", -0.5, "ms", Some(25.0)),
        ];
        let table = markdown(&rows);
        assert!(table.contains("| a vs b | 812 | ms | 406 | 2.00× |"), "{table}");
        assert!(table.contains("| idle | 12.3 | MiB | — | — |"), "{table}");
        assert!(table.contains("| added | -0.50 | ms | 25.0 | -0.02× |"), "{table}");
    }

    #[test]
    fn json_has_one_object_per_figure() {
        let dir = std::env::temp_dir().join(format!("ved-bench-test-{}", std::process::id()));
        let path = dir.join("nested/latest.json");
        write_json(&path, &[Row::new("x", 2.0, "ms", Some(1.0))]).unwrap();
        let written: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        assert_eq!(
            written,
            serde_json::json!([{"name": "x", "value": 2.0, "unit": "ms", "baseline": 1.0, "ratio": 2.0}])
        );
        std::fs::remove_dir_all(dir).unwrap();
    }
}
