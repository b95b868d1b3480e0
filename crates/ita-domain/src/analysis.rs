//! The analysis an agency must publish after its result (O42/O43 until 2565, O25/O26 from 2569): which indicators
//! it must address, as the year's `[analysis]` data says.

use crate::exact::Exact;
use crate::methodology::Methodology;
use crate::scoring::ScoreResult;

/// The indicators the analysis must address, weakest first.
///
/// A year that sets `indicators_to_choose = N` (2569: one) gets the N lowest-scoring indicators; a year with 0
/// gets every indicator below the pass mark, and when none is below, the single lowest one, so that an agency
/// that passed still analyses where it is weakest. Ties keep indicator order.
pub fn indicators_to_address(methodology: &Methodology, result: &ScoreResult) -> Vec<u8> {
    let mut ranked: Vec<(&Exact, u8)> =
        result.indicators.iter().map(|indicator| (&indicator.score, indicator.number)).collect();
    ranked.sort_by(|a, b| a.0.cmp(b.0).then(a.1.cmp(&b.1)));
    let count =
        methodology.analysis.as_ref().map_or(0, |analysis| usize::from(analysis.indicators_to_choose));
    if count > 0 {
        return ranked.into_iter().take(count).map(|(_, number)| number).collect();
    }
    let below: Vec<u8> = ranked
        .iter()
        .filter(|(score, _)| **score < methodology.scoring.pass_mark)
        .map(|(_, number)| *number)
        .collect();
    if below.is_empty() { ranked.into_iter().take(1).map(|(_, number)| number).collect() } else { below }
}
