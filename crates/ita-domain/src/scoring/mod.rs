//! Scoring: from what an agency's staff, stakeholders and assessors said (or from published indicator scores)
//! to indicator, instrument and total scores and the level, exactly as the methodology year defines them.
//!
//! Every value is an exact fraction until it is shown; the total is rounded once, half-up, at the very end.

mod explain;
mod level;
pub mod oit;
pub mod survey;
pub mod view;

use std::collections::BTreeMap;

pub use explain::{Explanation, ExplanationLine, explain};
pub use level::{LevelOutcome, LevelStep, MissedGate, level_for, next_level_steps, possible_levels};
pub use oit::{SubIndicatorScore, Verdict, VerdictSet};
pub use survey::{AnswerProblem, ResponseSet, SurveyAggregate};
pub use view::{LineView, ResultView};

use crate::error::{Error, ErrorKind, Result};
use crate::exact::Exact;
use crate::methodology::{InstrumentKind, Methodology, MethodologyId};

/// What is known of one agency's result, at whatever level the agency has it.
#[derive(Debug, Clone, Default)]
pub struct ScoreInput {
    /// Published indicator scores (what ITAS gives an agency), keyed by indicator number.
    pub indicators: BTreeMap<u8, Exact>,
    /// Raw survey responses, keyed by instrument code (IIT, EIT).
    pub responses: BTreeMap<String, ResponseSet>,
    /// Published survey item scores (I1 = 95.50), when the agency has these rather than responses.
    pub item_scores: BTreeMap<String, Exact>,
    /// OIT verdicts.
    pub verdicts: Option<VerdictSet>,
    /// Instrument scores, when only these are known.
    pub instruments: BTreeMap<String, Exact>,
    /// The total, when only it is known (or to check against the computed one).
    pub total: Option<Exact>,
}

/// How an indicator's score was obtained.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScoreSource {
    /// Given as a published score.
    Given,
    /// Computed from survey responses.
    Responses,
    /// Computed from published item scores.
    ItemScores,
    /// Computed from OIT verdicts.
    Verdicts,
}

/// One survey item's score within an indicator computed from responses.
#[derive(Debug, Clone)]
pub struct SurveyItemScore {
    pub code: String,
    pub score: Option<Exact>,
    pub respondents: usize,
    pub partial_respondents: usize,
    pub silent_respondents: usize,
    /// The item's weight in the total: a point of its score is worth this many points of the total.
    pub weight_in_total: Exact,
}

/// ตัวชี้วัด: one indicator's score and where it came from.
#[derive(Debug, Clone)]
pub struct IndicatorScore {
    pub number: u8,
    pub instrument: String,
    pub score: Exact,
    pub source: ScoreSource,
    /// A point of this indicator is worth this many points of the total.
    pub weight_in_total: Exact,
    /// Survey items, when computed from responses.
    pub items: Vec<SurveyItemScore>,
    /// OIT sub-indicators, when computed from verdicts.
    pub sub_indicators: Vec<SubIndicatorScore>,
}

impl IndicatorScore {
    /// Points of the total this indicator earns.
    pub fn points(&self) -> Exact {
        &self.score * &self.weight_in_total
    }

    /// Points of the total this indicator falls short by (its cost).
    pub fn points_lost(&self) -> Exact {
        (Exact::hundred() - &self.score) * &self.weight_in_total
    }
}

/// แบบวัด: one instrument's score.
#[derive(Debug, Clone)]
pub struct InstrumentScore {
    pub code: String,
    pub score: Exact,
    pub weight: Exact,
    /// Whether the score was given rather than computed from indicators.
    pub given: bool,
}

impl InstrumentScore {
    /// The weighted score an official result shows (`round2(0.30 × IIT)`), for information only.
    pub fn weighted(&self) -> Exact {
        &self.score * &self.weight
    }
}

/// Something about the inputs a reader should know: missing answers, unjudged items, a published total that
/// differs from the recomputed one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub th: String,
    pub en: String,
}

/// An agency's scored result.
#[derive(Debug, Clone)]
pub struct ScoreResult {
    pub methodology: MethodologyId,
    /// Empty when the input held only instrument scores or a total.
    pub indicators: Vec<IndicatorScore>,
    /// Empty when the input held only a total.
    pub instruments: Vec<InstrumentScore>,
    /// Exact total; round it with `total_rounded`.
    pub total: Exact,
    pub level: LevelOutcome,
    pub notices: Vec<Notice>,
}

impl ScoreResult {
    pub fn total_rounded(&self) -> crate::exact::Hundredths {
        self.total.round_hundredths()
    }

    pub fn indicator(&self, number: u8) -> Option<&IndicatorScore> {
        self.indicators.iter().find(|indicator| indicator.number == number)
    }

    pub fn instrument(&self, code: &str) -> Option<&InstrumentScore> {
        self.instruments.iter().find(|instrument| instrument.code == code)
    }
}

fn input_error(field: impl Into<String>, th: String, en: String) -> Error {
    Error::new(ErrorKind::Input, "", field, th, en)
}

/// Scores an agency from whatever the input holds. Indicators come from responses and verdicts where given,
/// else from published scores; an input with only instrument scores or only a total is scored at that level.
pub fn score(methodology: &Methodology, input: &ScoreInput) -> Result<ScoreResult> {
    check_ranges(methodology, input)?;
    let has_indicator_data =
        !input.indicators.is_empty() || !input.responses.is_empty() || input.verdicts.is_some();
    if !has_indicator_data && !input.instruments.is_empty() {
        return score_from_instruments(methodology, input);
    }
    if !has_indicator_data {
        if let Some(total) = &input.total {
            let level = possible_levels(methodology, total);
            return Ok(ScoreResult {
                methodology: methodology.id(),
                indicators: Vec::new(),
                instruments: Vec::new(),
                total: total.clone(),
                level,
                notices: Vec::new(),
            });
        }
        return Err(input_error(
            "indicators",
            "ไม่มีข้อมูลสำหรับคำนวณคะแนน: ให้ระบุ [indicators], [instruments], total หรือคำตอบและผลการพิจารณา".into(),
            "nothing to score: give [indicators], [instruments], total, or responses and verdicts".into(),
        ));
    }
    if !input.instruments.is_empty() {
        return Err(input_error(
            "instruments",
            "ระบุคะแนนรายแบบวัดพร้อมกับคะแนนรายตัวชี้วัดไม่ได้ ให้เลือกอย่างใดอย่างหนึ่ง".into(),
            "give instrument scores or indicator-level data, not both".into(),
        ));
    }
    let mut notices = Vec::new();
    let mut aggregates: BTreeMap<&str, (SurveyAggregate, ScoreSource)> = input
        .responses
        .iter()
        .map(|(code, set)| (code.as_str(), (set.aggregate(), ScoreSource::Responses)))
        .collect();
    for instrument in &methodology.instruments {
        let given: BTreeMap<String, Exact> = input
            .item_scores
            .iter()
            .filter(|(code, _)| {
                methodology.items.iter().any(|item| item.code == **code && item.instrument == instrument.code)
            })
            .map(|(code, score)| (code.clone(), score.clone()))
            .collect();
        if given.is_empty() {
            continue;
        }
        if aggregates.contains_key(instrument.code.as_str()) {
            return Err(input_error(
                "items",
                format!("แบบวัด {} มีทั้งคะแนนรายข้อและคำตอบรายบุคคล ให้เลือกอย่างใดอย่างหนึ่ง", instrument.code),
                format!("{} is given both as item scores and as responses: give one", instrument.code),
            ));
        }
        let aggregate = SurveyAggregate::from_item_scores(methodology, &instrument.code, &given);
        aggregates.insert(instrument.code.as_str(), (aggregate, ScoreSource::ItemScores));
    }
    let mut indicators = Vec::new();
    for indicator in &methodology.indicators {
        let instrument = methodology.instrument(&indicator.instrument).expect("validated");
        let weight_in_total = methodology.indicator_weight(indicator.number);
        let given = input.indicators.get(&indicator.number);
        let computed = match instrument.kind {
            InstrumentKind::Survey => aggregates.get(instrument.code.as_str()).map(|(aggregate, source)| {
                let (score, shares) = aggregate.indicator_score(methodology, indicator.number);
                let items = methodology
                    .items_of(indicator.number)
                    .map(|item| {
                        let found = aggregate.items.iter().find(|candidate| candidate.code == item.code);
                        let share = shares.get(&item.code).cloned().unwrap_or_default();
                        SurveyItemScore {
                            code: item.code.clone(),
                            score: found.and_then(|found| found.score.clone()),
                            respondents: found.map_or(0, |found| found.respondents),
                            partial_respondents: found.map_or(0, |found| found.partial_respondents),
                            silent_respondents: found.map_or(0, |found| found.silent_respondents),
                            weight_in_total: &weight_in_total * &share,
                        }
                    })
                    .collect::<Vec<_>>();
                (score, items, Vec::new(), *source)
            }),
            InstrumentKind::Checklist => input.verdicts.as_ref().map(|verdicts| {
                let subs = oit::score_indicator(methodology, indicator.number, verdicts);
                let score = Exact::mean(subs.iter().filter_map(|sub| sub.score.as_ref()));
                (score, Vec::new(), subs, ScoreSource::Verdicts)
            }),
        };
        let (score, items, sub_indicators, source) = match (computed, given) {
            (Some(_), Some(_)) => {
                return Err(input_error(
                    format!("indicators.{}", indicator.number),
                    format!(
                        "ตัวชี้วัดที่ {} มีทั้งคะแนนที่ระบุและข้อมูลดิบของแบบวัด {} ให้เลือกอย่างใดอย่างหนึ่ง",
                        indicator.number, instrument.code
                    ),
                    format!(
                        "indicator {} is given both as a score and through raw {} data: give one",
                        indicator.number, instrument.code
                    ),
                ));
            }
            (Some((Some(score), items, subs, source)), None) => (score, items, subs, source),
            (Some((None, _, _, _)), None) => {
                return Err(input_error(
                    format!("indicators.{}", indicator.number),
                    format!("ตัวชี้วัดที่ {} ไม่มีคำตอบหรือผลการพิจารณาเลยแม้แต่ข้อเดียว", indicator.number),
                    format!("indicator {} has no answer or verdict at all", indicator.number),
                ));
            }
            (None, Some(score)) => (score.clone(), Vec::new(), Vec::new(), ScoreSource::Given),
            (None, None) => {
                return Err(input_error(
                    format!("indicators.{}", indicator.number),
                    format!("ไม่มีคะแนนของตัวชี้วัดที่ {} ({})", indicator.number, indicator.name_th),
                    format!("indicator {} ({}) has no score", indicator.number, indicator.name_en),
                ));
            }
        };
        // With sub-indicators weighted equally, an item's weight in the total is the indicator's weight
        // shared among the sub-indicators, then among that sub-indicator's items.
        notices.extend(missing_notices(indicator.number, &items, &sub_indicators));
        indicators.push(IndicatorScore {
            number: indicator.number,
            instrument: instrument.code.clone(),
            score,
            source,
            weight_in_total,
            items,
            sub_indicators,
        });
    }
    for key in input.indicators.keys() {
        if methodology.indicator(*key).is_none() {
            return Err(input_error(
                format!("indicators.{key}"),
                format!("ปี {} ไม่มีตัวชี้วัดที่ {key}", methodology.id()),
                format!("year {} has no indicator {key}", methodology.id()),
            ));
        }
    }
    let instruments: Vec<InstrumentScore> = methodology
        .instruments
        .iter()
        .map(|instrument| {
            let scores: Vec<&Exact> = indicators
                .iter()
                .filter(|indicator| indicator.instrument == instrument.code)
                .map(|indicator| &indicator.score)
                .collect();
            InstrumentScore {
                code: instrument.code.clone(),
                score: Exact::mean(scores).expect("validated: every instrument has an indicator"),
                weight: instrument.weight.clone(),
                given: false,
            }
        })
        .collect();
    finish(methodology, indicators, instruments, input.total.as_ref(), notices)
}

fn score_from_instruments(methodology: &Methodology, input: &ScoreInput) -> Result<ScoreResult> {
    let mut instruments = Vec::new();
    for instrument in &methodology.instruments {
        let Some(score) = input.instruments.get(&instrument.code) else {
            return Err(input_error(
                format!("instruments.{}", instrument.code),
                format!("ไม่มีคะแนนของแบบวัด {}", instrument.code),
                format!("instrument {} has no score", instrument.code),
            ));
        };
        instruments.push(InstrumentScore {
            code: instrument.code.clone(),
            score: score.clone(),
            weight: instrument.weight.clone(),
            given: true,
        });
    }
    for code in input.instruments.keys() {
        if methodology.instrument(code).is_none() {
            return Err(input_error(
                format!("instruments.{code}"),
                format!("ปี {} ไม่มีแบบวัด {code}", methodology.id()),
                format!("year {} has no instrument {code}", methodology.id()),
            ));
        }
    }
    finish(methodology, Vec::new(), instruments, input.total.as_ref(), Vec::new())
}

fn finish(
    methodology: &Methodology,
    indicators: Vec<IndicatorScore>,
    instruments: Vec<InstrumentScore>,
    given_total: Option<&Exact>,
    mut notices: Vec<Notice>,
) -> Result<ScoreResult> {
    let total = instruments.iter().fold(Exact::zero(), |sum, instrument| sum + instrument.weighted());
    if let Some(given_total) = given_total {
        let difference = (total.round_hundredths().0 - given_total.round_hundredths().0).abs();
        // Published two-decimal indicators can move the recomputed total by one hundredth; more is a contradiction.
        if difference > 1 {
            return Err(input_error(
                "total",
                format!(
                    "คะแนนรวมที่ระบุ ({}) ขัดกับคะแนนที่คำนวณจากข้อมูลอื่น ({})",
                    given_total.round_hundredths(),
                    total.round_hundredths()
                ),
                format!(
                    "the given total ({}) contradicts the total computed from the other scores ({})",
                    given_total.round_hundredths(),
                    total.round_hundredths()
                ),
            ));
        }
        if difference == 1 {
            notices.push(Notice {
                th: format!(
                    "คะแนนรวมที่ประกาศ ({}) ต่างจากที่คำนวณใหม่ ({}) 0.01 คะแนน ซึ่งเกิดจากการปัดเศษคะแนนรายตัวชี้วัดที่ประกาศเป็นทศนิยมสองตำแหน่ง",
                    given_total.round_hundredths(),
                    total.round_hundredths()
                ),
                en: format!(
                    "the published total ({}) differs from the recomputed one ({}) by 0.01, from the rounding of the published two-decimal indicator scores",
                    given_total.round_hundredths(),
                    total.round_hundredths()
                ),
            });
        }
    }
    let level = level_for(methodology, &total, &instruments);
    Ok(ScoreResult { methodology: methodology.id(), indicators, instruments, total, level, notices })
}

fn check_ranges(methodology: &Methodology, input: &ScoreInput) -> Result<()> {
    let in_range = |value: &Exact| !value.is_negative() && *value <= Exact::hundred();
    for (number, value) in &input.indicators {
        if !in_range(value) {
            return Err(input_error(
                format!("indicators.{number}"),
                format!("คะแนนตัวชี้วัดที่ {number} ต้องอยู่ระหว่าง 0 ถึง 100 (ได้ {})", value.to_f64()),
                format!("indicator {number} must be between 0 and 100 (got {})", value.to_f64()),
            ));
        }
    }
    for (code, value) in &input.instruments {
        if !in_range(value) {
            return Err(input_error(
                format!("instruments.{code}"),
                format!("คะแนนแบบวัด {code} ต้องอยู่ระหว่าง 0 ถึง 100 (ได้ {})", value.to_f64()),
                format!("instrument {code} must be between 0 and 100 (got {})", value.to_f64()),
            ));
        }
    }
    if let Some(total) = &input.total
        && !in_range(total)
    {
        return Err(input_error(
            "total",
            format!("คะแนนรวมต้องอยู่ระหว่าง 0 ถึง 100 (ได้ {})", total.to_f64()),
            format!("the total must be between 0 and 100 (got {})", total.to_f64()),
        ));
    }
    for code in input.responses.keys() {
        if methodology.instrument(code).is_none_or(|instrument| instrument.kind != InstrumentKind::Survey) {
            return Err(input_error(
                format!("responses.{code}"),
                format!("ปี {} ไม่มีแบบวัด {code} ที่ตอบด้วยแบบสำรวจ", methodology.id()),
                format!("year {} has no survey instrument {code}", methodology.id()),
            ));
        }
    }
    Ok(())
}

fn missing_notices(indicator: u8, items: &[SurveyItemScore], subs: &[SubIndicatorScore]) -> Vec<Notice> {
    let mut notices = Vec::new();
    let unanswered: Vec<&str> =
        items.iter().filter(|item| item.score.is_none()).map(|item| item.code.as_str()).collect();
    if !unanswered.is_empty() {
        notices.push(Notice {
            th: format!(
                "ตัวชี้วัดที่ {indicator}: ข้อ {} ไม่มีผู้ตอบ จึงไม่นำมาคิดคะแนน (คะแนนตัวชี้วัดคิดจากข้อที่มีผู้ตอบเท่านั้น)",
                unanswered.join(", ")
            ),
            en: format!(
                "indicator {indicator}: nobody answered {}, so they are left out (the indicator is the mean of the answered items)",
                unanswered.join(", ")
            ),
        });
    }
    for item in items.iter().filter(|item| item.score.is_some()) {
        let mut parts_th = Vec::new();
        let mut parts_en = Vec::new();
        if item.partial_respondents > 0 {
            parts_th.push(format!("ตอบไม่ครบทุกข้อย่อย {} คน", item.partial_respondents));
            parts_en.push(format!("{} skipped some of its sub-questions", item.partial_respondents));
        }
        if item.silent_respondents > 0 {
            parts_th.push(format!("ไม่ได้ตอบข้อนี้ {} คน", item.silent_respondents));
            parts_en.push(format!("{} did not answer it", item.silent_respondents));
        }
        if !parts_th.is_empty() {
            notices.push(Notice {
                th: format!(
                    "ตัวชี้วัดที่ {indicator}: ข้อ {} มีผู้{} (คิดคะแนนจากคำตอบที่มีเท่านั้น ไม่นับเป็นศูนย์)",
                    item.code,
                    parts_th.join(" และ")
                ),
                en: format!(
                    "indicator {indicator}: of the respondents to {}, {} (scored on the answers given, never as zero)",
                    item.code,
                    parts_en.join(" and ")
                ),
            });
        }
    }
    for sub in subs {
        let unjudged: Vec<&str> =
            sub.items.iter().filter(|item| item.score.is_none()).map(|item| item.code.as_str()).collect();
        if !unjudged.is_empty() {
            notices.push(Notice {
                th: format!(
                    "ตัวชี้วัดย่อย {}: ยังไม่มีผลการพิจารณาข้อ {} จึงยังไม่นำมาคิดคะแนน",
                    sub.code,
                    unjudged.join(", ")
                ),
                en: format!(
                    "sub-indicator {}: {} not judged yet, so left out of the score",
                    sub.code,
                    unjudged.join(", ")
                ),
            });
        }
    }
    notices
}
