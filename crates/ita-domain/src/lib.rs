//! The ITA domain: methodology years as data, and exact, explained scoring. Pure: no IO, no clock, no database.
//!
//! Flow: a year file becomes a [`methodology::Methodology`]; an agency's input (published indicator scores, or
//! raw responses and OIT verdicts) becomes a [`scoring::ScoreInput`]; [`scoring::score`] turns it into a
//! [`scoring::ScoreResult`] with the level, and [`scoring::explain`] says what every indicator and item cost.

pub mod analysis;
pub mod error;
pub mod exact;
pub mod input;
pub mod lang;
pub mod methodology;
pub mod oit_review;
pub mod platform;
pub mod questionnaire;
pub mod report;
pub mod scoring;
pub mod thai;

pub use error::{Error, ErrorKind, Result};
pub use exact::{Exact, Hundredths};
pub use lang::Lang;
