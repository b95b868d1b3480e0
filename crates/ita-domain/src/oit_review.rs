//! The OIT review as the agency and the assessor see it: what one item is worth in the total, how far an
//! agency's answers have come per sub-indicator, and the checklist indicators' scores from item verdicts.
//!
//! Every figure follows the year's rules through `scoring::oit` (a sub-indicator is the percentage of its items'
//! credit, an indicator the mean of its sub-indicators) and `Methodology::indicator_weight`; nothing about a year
//! is written here.

use std::collections::{BTreeMap, BTreeSet};

use crate::error::Result;
use crate::exact::Exact;
use crate::lang::Lang;
use crate::methodology::{InstrumentKind, Methodology, OitCredit};
use crate::scoring::oit::{SubIndicatorScore, Verdict, VerdictSet, score_indicator};

/// Points of the total that passing `item_code` adds, with every item of its indicator judged: the
/// indicator's weight in the total × 100, shared equally among its sub-indicators, then among that
/// sub-indicator's items. `None` for an item the year does not have.
///
/// Under [`OitCredit::PerElement`] this is the item at full credit; each element is worth
/// [`element_points`].
pub fn item_points(methodology: &Methodology, item_code: &str) -> Option<Exact> {
    let item = methodology.oit_item(item_code)?;
    let sub = methodology.sub_indicators.iter().find(|sub| sub.code == item.sub_indicator)?;
    let subs = methodology.sub_indicators_of(sub.indicator).count();
    let items = methodology.oit_items_of(&sub.code).count();
    let shares = i64::try_from(subs * items).ok().filter(|shares| *shares > 0)?;
    Some(methodology.indicator_weight(sub.indicator) * Exact::hundred() / Exact::integer(shares))
}

/// Points of the total one element of `item_code` adds, when the year credits elements one by one and the
/// item has elements; `None` otherwise (the item passes or fails as a whole).
pub fn element_points(methodology: &Methodology, item_code: &str) -> Option<Exact> {
    if methodology.scoring.oit_credit != OitCredit::PerElement {
        return None;
    }
    let elements = methodology.oit_item(item_code)?.elements.len();
    let elements = i64::try_from(elements).ok().filter(|count| *count > 0)?;
    Some(item_points(methodology, item_code)? / Exact::integer(elements))
}

/// "ข้อนี้มีค่า X คะแนนของคะแนนรวม": what an item is worth, in words.
pub fn item_points_text(points: &Exact, lang: Lang) -> String {
    match lang {
        Lang::Th => format!("ข้อนี้มีค่า {points} คะแนนของคะแนนรวม"),
        Lang::En => format!("this item is worth {points} points of the total"),
    }
}

/// How many of a sub-indicator's items an agency has answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubIndicatorProgress {
    pub code: String,
    pub indicator: u8,
    pub name_th: String,
    pub name_en: String,
    pub answered: usize,
    pub total: usize,
}

impl SubIndicatorProgress {
    pub fn complete(&self) -> bool {
        self.answered == self.total
    }

    /// Whole percent answered (0 for a sub-indicator without items).
    pub fn percent(&self) -> u32 {
        if self.total == 0 {
            return 0;
        }
        u32::try_from(self.answered * 100 / self.total).unwrap_or(100)
    }

    pub fn name(&self, lang: Lang) -> &str {
        lang.pick(&self.name_th, &self.name_en)
    }
}

/// Per sub-indicator of every checklist indicator, in the year's order: how many of its items are among
/// `answered` (item codes; codes the year does not have are ignored, and a code counts once).
pub fn progress_by_sub_indicator<'a>(
    methodology: &Methodology,
    answered: impl IntoIterator<Item = &'a str>,
) -> Vec<SubIndicatorProgress> {
    let answered: BTreeSet<&str> = answered.into_iter().collect();
    checklist_indicators(methodology)
        .into_iter()
        .flat_map(|indicator| methodology.sub_indicators_of(indicator))
        .map(|sub| {
            let items: Vec<&str> =
                methodology.oit_items_of(&sub.code).map(|item| item.code.as_str()).collect();
            SubIndicatorProgress {
                code: sub.code.clone(),
                indicator: sub.indicator,
                name_th: sub.name_th.clone(),
                name_en: sub.name_en.clone(),
                answered: items.iter().filter(|code| answered.contains(**code)).count(),
                total: items.len(),
            }
        })
        .collect()
}

/// The numbers of the indicators judged item by item (9 and 10 in the years so far), in the year's order.
pub fn checklist_indicators(methodology: &Methodology) -> Vec<u8> {
    methodology
        .indicators
        .iter()
        .filter(|indicator| {
            methodology
                .instrument(&indicator.instrument)
                .is_some_and(|instrument| instrument.kind == InstrumentKind::Checklist)
        })
        .map(|indicator| indicator.number)
        .collect()
}

/// One checklist indicator's score from the verdicts given so far.
#[derive(Debug, Clone)]
pub struct OitIndicatorScore {
    pub number: u8,
    /// The mean of the sub-indicators with a verdict; `None` while no item of the indicator is judged.
    pub score: Option<Exact>,
    pub sub_indicators: Vec<SubIndicatorScore>,
    /// Items judged, and all its items.
    pub judged: usize,
    pub items: usize,
}

impl OitIndicatorScore {
    /// Whether every item of the indicator has a verdict (the score is final, not provisional).
    pub fn complete(&self) -> bool {
        self.judged == self.items
    }

    /// Points of the total the indicator earns (its score × its weight), when it has a score.
    pub fn points(&self, methodology: &Methodology) -> Option<Exact> {
        self.score.as_ref().map(|score| score * &methodology.indicator_weight(self.number))
    }
}

/// The checklist indicators' scores from pass/fail verdicts (`(item code, passed)`), through the year's
/// [`VerdictSet`] and [`score_indicator`]. An unknown item or a second verdict on one item is an error.
pub fn oit_scores(methodology: &Methodology, verdicts: &[(&str, bool)]) -> Result<Vec<OitIndicatorScore>> {
    let mut set = VerdictSet::new();
    for (index, (code, passed)) in verdicts.iter().enumerate() {
        let verdict = if *passed { Verdict::Pass } else { Verdict::Fail };
        set.insert(methodology, code, verdict, "", &format!("verdicts[{index}]"))?;
    }
    Ok(checklist_indicators(methodology)
        .into_iter()
        .map(|number| {
            let sub_indicators = score_indicator(methodology, number, &set);
            let score = Exact::mean(sub_indicators.iter().filter_map(|sub| sub.score.as_ref()));
            let judged = sub_indicators.iter().map(SubIndicatorScore::judged).sum();
            let items = sub_indicators.iter().map(|sub| sub.items.len()).sum();
            OitIndicatorScore { number, score, sub_indicators, judged, items }
        })
        .collect())
}

/// Points of the total the failed items would add if they passed, per checklist indicator (with every item of
/// the indicator judged, this is exactly what the indicator falls short by).
pub fn points_if_failed_items_passed(
    methodology: &Methodology,
    verdicts: &[(&str, bool)],
) -> BTreeMap<u8, Exact> {
    let mut gains: BTreeMap<u8, Exact> = BTreeMap::new();
    for (code, passed) in verdicts {
        if *passed {
            continue;
        }
        let (Some(item), Some(points)) = (methodology.oit_item(code), item_points(methodology, code)) else {
            continue;
        };
        let Some(sub) = methodology.sub_indicators.iter().find(|sub| sub.code == item.sub_indicator) else {
            continue;
        };
        let gain = gains.entry(sub.indicator).or_default();
        *gain = &*gain + &points;
    }
    gains
}
