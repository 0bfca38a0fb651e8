//! Running scripts (SPEC §6): single runs, run-all batches and their records.
pub mod view;
