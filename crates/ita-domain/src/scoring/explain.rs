//! The explanation of a result: how the total is made, and how many points of it every indicator and item cost.

use crate::exact::{Exact, Hundredths};
use crate::methodology::Methodology;

use super::{ScoreResult, ScoreSource};

/// One line of an explanation, in both languages, with the points of the total it concerns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExplanationLine {
    pub th: String,
    pub en: String,
    /// Points of the total lost here (0 for lines that cost nothing).
    pub points_lost: Hundredths,
}

/// What a reader needs to check a result by hand.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Explanation {
    /// How the total is computed from the instruments.
    pub formula: ExplanationLine,
    /// Where the result stands against the pass mark.
    pub pass_mark: ExplanationLine,
    /// Every indicator that lost points, most costly first.
    pub indicators: Vec<ExplanationLine>,
    /// Every item (survey item or OIT item) that lost points, most costly first.
    pub items: Vec<ExplanationLine>,
}

/// A weight as a percentage of the total, e.g. `20%` or `6%`.
fn percent(weight: &Exact) -> String {
    let hundredths = (weight * &Exact::hundred()).round_hundredths();
    if hundredths.0 % 100 == 0 { format!("{}%", hundredths.0 / 100) } else { format!("{hundredths}%") }
}

pub fn explain(methodology: &Methodology, result: &ScoreResult) -> Explanation {
    let total = result.total.round_hundredths();
    let parts_th: Vec<String> = result
        .instruments
        .iter()
        .map(|instrument| {
            format!("{} × {} {}", instrument.weight.to_f64(), instrument.code, instrument.score)
        })
        .collect();
    let formula = if result.instruments.is_empty() {
        ExplanationLine {
            th: format!("ทราบเพียงคะแนนรวม {total}"),
            en: format!("only the total {total} is known"),
            points_lost: Hundredths(0),
        }
    } else {
        ExplanationLine {
            th: format!(
                "คะแนนรวม = {} = {total} (คำนวณด้วยค่าละเอียดเต็ม แล้วปัดเศษทศนิยมสองตำแหน่งครั้งเดียวเมื่อสิ้นสุด)",
                parts_th.join(" + ")
            ),
            en: format!(
                "total = {} = {total} (computed at full precision, rounded half-up to two decimals once at the end)",
                parts_th.join(" + ")
            ),
            points_lost: Hundredths(0),
        }
    };
    let pass_mark = &methodology.scoring.pass_mark;
    let pass_line = if total.to_exact() >= *pass_mark {
        ExplanationLine {
            th: format!("คะแนนรวม {total} ผ่านเกณฑ์ {} คะแนน", pass_mark.round_hundredths()),
            en: format!("the total {total} reaches the pass mark of {}", pass_mark.round_hundredths()),
            points_lost: Hundredths(0),
        }
    } else {
        let gap = (pass_mark - &total.to_exact()).round_hundredths();
        ExplanationLine {
            th: format!(
                "คะแนนรวม {total} ยังไม่ผ่านเกณฑ์ {} คะแนน ต้องเพิ่มอีก {gap} คะแนน",
                pass_mark.round_hundredths()
            ),
            en: format!(
                "the total {total} is {gap} points short of the pass mark of {}",
                pass_mark.round_hundredths()
            ),
            points_lost: gap,
        }
    };
    let mut indicators: Vec<ExplanationLine> = result
        .indicators
        .iter()
        .filter(|indicator| indicator.score < Exact::hundred())
        .map(|indicator| {
            let definition = methodology.indicator(indicator.number).expect("scored indicators exist");
            let lost = indicator.points_lost().round_hundredths();
            let source_th = match indicator.source {
                ScoreSource::Given => "",
                ScoreSource::Responses => " (คำนวณจากคำตอบ)",
                ScoreSource::ItemScores => " (คำนวณจากคะแนนรายข้อ)",
                ScoreSource::Verdicts => " (คำนวณจากผลการพิจารณา)",
            };
            let source_en = match indicator.source {
                ScoreSource::Given => "",
                ScoreSource::Responses => " (from responses)",
                ScoreSource::ItemScores => " (from item scores)",
                ScoreSource::Verdicts => " (from verdicts)",
            };
            ExplanationLine {
                th: format!(
                    "ตัวชี้วัดที่ {} {} ได้ {}{source_th} มีน้ำหนัก {} ของคะแนนรวม ทำให้คะแนนรวมลดลง {lost} คะแนน",
                    indicator.number,
                    definition.name_th,
                    indicator.score,
                    percent(&indicator.weight_in_total)
                ),
                en: format!(
                    "indicator {} {} scored {}{source_en}; weighing {} of the total, it cost {lost} points",
                    indicator.number,
                    definition.name_en,
                    indicator.score,
                    percent(&indicator.weight_in_total)
                ),
                points_lost: lost,
            }
        })
        .collect();
    indicators.sort_by_key(|line| std::cmp::Reverse(line.points_lost));
    let mut items = Vec::new();
    for indicator in &result.indicators {
        for item in &indicator.items {
            let Some(score) = &item.score else { continue };
            if *score >= Exact::hundred() {
                continue;
            }
            let lost = ((Exact::hundred() - score) * &item.weight_in_total).round_hundredths();
            let text = methodology.items.iter().find(|candidate| candidate.code == item.code);
            let short_th = text.map(|item| first_words(&item.text_th)).unwrap_or_default();
            let short_en = text.map(|item| first_words(&item.text_en)).unwrap_or_default();
            // Published item scores come without a respondent count.
            let (from_th, from_en) = if item.respondents > 0 {
                (
                    format!(" จากผู้ตอบ {} คน", item.respondents),
                    format!(" from {} respondents", item.respondents),
                )
            } else {
                (String::new(), String::new())
            };
            items.push(ExplanationLine {
                th: format!(
                    "ข้อ {} ({short_th}) ได้ {score}{from_th} ทำให้คะแนนรวมลดลง {lost} คะแนน",
                    item.code
                ),
                en: format!(
                    "{} ({short_en}) scored {score}{from_en} and cost {lost} points of the total",
                    item.code
                ),
                points_lost: lost,
            });
        }
        let sub_count = indicator.sub_indicators.len() as i128;
        for sub in &indicator.sub_indicators {
            let item_count = sub.items.len() as i128;
            let item_weight = &indicator.weight_in_total
                / &Exact::integer(i64::try_from(sub_count * item_count).unwrap_or(1));
            for item in &sub.items {
                let Some(score) = &item.score else { continue };
                if *score >= Exact::hundred() {
                    continue;
                }
                let lost = ((Exact::hundred() - score) * &item_weight).round_hundredths();
                let definition = methodology.oit_item(&item.code).expect("scored items exist");
                let (verdict_th, verdict_en) = match item.elements_passed {
                    Some((passed, all)) => (
                        format!("ผ่าน {passed} จาก {all} องค์ประกอบ"),
                        format!("passed {passed} of {all} elements"),
                    ),
                    None => ("ไม่ผ่าน".to_string(), "failed".to_string()),
                };
                items.push(ExplanationLine {
                    th: format!(
                        "ข้อ {} {} (ตัวชี้วัดย่อย {}) {verdict_th} ทำให้คะแนนรวมลดลง {lost} คะแนน",
                        item.code, definition.name_th, sub.code
                    ),
                    en: format!(
                        "{} {} (sub-indicator {}) {verdict_en} and cost {lost} points of the total",
                        item.code, definition.name_en, sub.code
                    ),
                    points_lost: lost,
                });
            }
        }
    }
    items.sort_by_key(|line| std::cmp::Reverse(line.points_lost));
    Explanation { formula, pass_mark: pass_line, indicators, items }
}

/// The first few words of a question, to name it in a line.
fn first_words(text: &str) -> String {
    const LIMIT: usize = 60;
    let text = text.trim();
    if text.chars().count() <= LIMIT {
        return text.to_string();
    }
    let cut: String = text.chars().take(LIMIT).collect();
    let cut = match cut.rfind(' ') {
        Some(space) if space > LIMIT / 2 => cut[..space].to_string(),
        _ => cut,
    };
    format!("{cut}…")
}
