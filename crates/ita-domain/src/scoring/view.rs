//! A result as plain, serialisable values (two-decimal numbers, names in both languages): the JSON of
//! `ita score --format json` and of the API. The same shape for every year.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::exact::Exact;
use crate::input::AgencyInfo;
use crate::methodology::Methodology;

use super::{LevelOutcome, ScoreResult, ScoreSource, explain, next_level_steps};

fn two(value: &Exact) -> f64 {
    value.round_hundredths().to_f64()
}

#[derive(Debug, Clone, Serialize)]
pub struct ResultView {
    pub methodology: String,
    pub methodology_title_th: String,
    pub agency: AgencyInfo,
    pub total: f64,
    /// The year's word for the level ("B", "ผ่านดี"); absent when the input cannot decide one.
    pub level: Option<String>,
    pub level_code: Option<String>,
    pub level_en: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub possible_levels: Option<Vec<String>>,
    pub level_reason_th: String,
    pub level_reason_en: String,
    pub pass_mark: f64,
    pub passed: bool,
    pub instruments: BTreeMap<String, InstrumentView>,
    pub indicators: BTreeMap<String, IndicatorView>,
    pub explanation: ExplanationView,
    pub next_levels: Vec<StepView>,
    pub notices: Vec<NoticeView>,
}

#[derive(Debug, Clone, Serialize)]
pub struct InstrumentView {
    pub name_th: String,
    pub name_en: String,
    pub score: f64,
    pub weight: f64,
    /// `round2(weight × score)`, as official results show it (for information: the total is not their sum).
    pub weighted: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct IndicatorView {
    pub name_th: String,
    pub name_en: String,
    pub instrument: String,
    pub score: f64,
    pub source: &'static str,
    /// The indicator's share of the total, in percent (6 for an IIT indicator of 2565).
    pub weight_percent: f64,
    pub points: f64,
    pub points_lost: f64,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub items: Vec<ItemView>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub sub_indicators: Vec<SubIndicatorView>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ItemView {
    pub code: String,
    pub score: Option<f64>,
    pub respondents: usize,
    pub partial_respondents: usize,
    pub silent_respondents: usize,
    pub points_lost: Option<f64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SubIndicatorView {
    pub code: String,
    pub name_th: String,
    pub score: Option<f64>,
    pub passed: usize,
    pub judged: usize,
    pub items: usize,
    pub failed_items: Vec<String>,
    pub unjudged_items: Vec<String>,
}

/// The explanation in three parts: how the total is made, what each indicator cost, what each item cost.
#[derive(Debug, Clone, Serialize)]
pub struct ExplanationView {
    pub summary: Vec<LineView>,
    pub indicators: Vec<LineView>,
    pub items: Vec<LineView>,
}

#[derive(Debug, Clone, Serialize)]
pub struct LineView {
    pub th: String,
    pub en: String,
    pub points_lost: f64,
}

impl LineView {
    fn from_line(line: &super::explain::ExplanationLine) -> LineView {
        LineView { th: line.th.clone(), en: line.en.clone(), points_lost: line.points_lost.to_f64() }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct StepView {
    pub level: String,
    pub level_code: String,
    pub gates_to_clear: Vec<GateView>,
    pub total_gap: f64,
    pub alternatives: BTreeMap<String, f64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct GateView {
    pub instrument: String,
    pub score: f64,
    pub gate: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct NoticeView {
    pub th: String,
    pub en: String,
}

impl ResultView {
    pub fn new(methodology: &Methodology, result: &ScoreResult, agency: &AgencyInfo) -> ResultView {
        let level_of = |code: &str| methodology.levels.iter().find(|level| level.code == code);
        let (level, level_code, level_en, possible_levels) = match &result.level {
            LevelOutcome::Decided { code, .. } => {
                let found = level_of(code);
                (
                    found.map(|level| level.name_th.clone()),
                    Some(code.clone()),
                    found.map(|level| level.name_en.clone()),
                    None,
                )
            }
            LevelOutcome::Possible { codes, .. } => (
                None,
                None,
                None,
                Some(
                    codes
                        .iter()
                        .filter_map(|code| level_of(code))
                        .map(|level| level.name_th.clone())
                        .collect(),
                ),
            ),
        };
        let instruments = result
            .instruments
            .iter()
            .map(|instrument| {
                let definition = methodology.instrument(&instrument.code).expect("scored instruments exist");
                (
                    instrument.code.clone(),
                    InstrumentView {
                        name_th: definition.name_th.clone(),
                        name_en: definition.name_en.clone(),
                        score: two(&instrument.score),
                        weight: instrument.weight.to_f64(),
                        weighted: two(&instrument.weighted()),
                    },
                )
            })
            .collect();
        let indicators = result
            .indicators
            .iter()
            .map(|indicator| {
                let definition = methodology.indicator(indicator.number).expect("scored indicators exist");
                let items = indicator
                    .items
                    .iter()
                    .map(|item| ItemView {
                        code: item.code.clone(),
                        score: item.score.as_ref().map(two),
                        respondents: item.respondents,
                        partial_respondents: item.partial_respondents,
                        silent_respondents: item.silent_respondents,
                        points_lost: item
                            .score
                            .as_ref()
                            .map(|score| two(&((Exact::hundred() - score) * &item.weight_in_total))),
                    })
                    .collect();
                let sub_indicators = indicator
                    .sub_indicators
                    .iter()
                    .map(|sub| SubIndicatorView {
                        code: sub.code.clone(),
                        name_th: methodology
                            .sub_indicators
                            .iter()
                            .find(|candidate| candidate.code == sub.code)
                            .map(|candidate| candidate.name_th.clone())
                            .unwrap_or_default(),
                        score: sub.score.as_ref().map(two),
                        passed: sub.passed(),
                        judged: sub.judged(),
                        items: sub.items.len(),
                        failed_items: sub
                            .items
                            .iter()
                            .filter(|item| item.passed == Some(false))
                            .map(|item| item.code.clone())
                            .collect(),
                        unjudged_items: sub
                            .items
                            .iter()
                            .filter(|item| item.score.is_none())
                            .map(|item| item.code.clone())
                            .collect(),
                    })
                    .collect();
                (
                    indicator.number.to_string(),
                    IndicatorView {
                        name_th: definition.name_th.clone(),
                        name_en: definition.name_en.clone(),
                        instrument: indicator.instrument.clone(),
                        score: two(&indicator.score),
                        source: match indicator.source {
                            ScoreSource::Given => "given",
                            ScoreSource::Responses => "responses",
                            ScoreSource::ItemScores => "item_scores",
                            ScoreSource::Verdicts => "verdicts",
                        },
                        weight_percent: two(&(&indicator.weight_in_total * &Exact::hundred())),
                        points: two(&indicator.points()),
                        points_lost: two(&indicator.points_lost()),
                        items,
                        sub_indicators,
                    },
                )
            })
            .collect();
        let explanation = explain(methodology, result);
        let next_levels = next_level_steps(methodology, &result.total, &result.instruments)
            .into_iter()
            .map(|step| StepView {
                level: level_of(&step.level_code).map(|level| level.name_th.clone()).unwrap_or_default(),
                level_code: step.level_code,
                gates_to_clear: step
                    .gates_to_clear
                    .iter()
                    .map(|miss| GateView {
                        instrument: miss.instrument.clone(),
                        score: two(&miss.score),
                        gate: two(&miss.gate),
                    })
                    .collect(),
                total_gap: two(&step.total_gap),
                alternatives: step
                    .alternatives
                    .iter()
                    .map(|(instrument, increase)| (instrument.clone(), two(increase)))
                    .collect(),
            })
            .collect();
        let total = result.total.round_hundredths();
        ResultView {
            methodology: result.methodology.to_string(),
            methodology_title_th: methodology.title_th.clone(),
            agency: agency.clone(),
            total: total.to_f64(),
            level,
            level_code,
            level_en,
            possible_levels,
            level_reason_th: result.level.reason_th().to_string(),
            level_reason_en: result.level.reason_en().to_string(),
            pass_mark: two(&methodology.scoring.pass_mark),
            passed: total.to_exact() >= methodology.scoring.pass_mark,
            instruments,
            indicators,
            explanation: ExplanationView {
                summary: [&explanation.formula, &explanation.pass_mark]
                    .into_iter()
                    .map(LineView::from_line)
                    .collect(),
                indicators: explanation.indicators.iter().map(LineView::from_line).collect(),
                items: explanation.items.iter().map(LineView::from_line).collect(),
            },
            next_levels,
            notices: result
                .notices
                .iter()
                .map(|notice| NoticeView { th: notice.th.clone(), en: notice.en.clone() })
                .collect(),
        }
    }
}
