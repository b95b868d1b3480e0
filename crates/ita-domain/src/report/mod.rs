//! The analysis report and measures plan as a model: everything the published document says (summary, each
//! indicator's score and issues, prioritised improvements, the path to the next level and the pass mark, the
//! measures table), derived from a scored result, in Thai and English. Renderers (DOCX, PDF, HTML, Markdown)
//! live in the `ita-report` crate and only lay this model out.

pub mod recommendations;

use std::collections::BTreeMap;

use crate::analysis::indicators_to_address;
use crate::exact::{Exact, Hundredths};
use crate::input::AgencyInfo;
use crate::lang::Lang;
use crate::methodology::{Methodology, MethodologyId};
use crate::scoring::{self, ScoreInput, ScoreResult, explain};
use crate::thai::CalendarDate;

pub use recommendations::Library;

/// A text in both languages.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Text {
    pub th: String,
    pub en: String,
}

impl Text {
    pub fn new(th: impl Into<String>, en: impl Into<String>) -> Text {
        Text { th: th.into(), en: en.into() }
    }

    pub fn get(&self, lang: Lang) -> &str {
        lang.pick(&self.th, &self.en)
    }
}

/// A measure given by the agency (มาตรการ), one row of the measures table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MeasureInput {
    pub measure: String,
    pub how: String,
    pub owner: String,
    pub period: String,
    pub follow_up: String,
    /// The issue it answers, e.g. an indicator number ("10") or an item code ("O36"); free text otherwise.
    pub answers: Option<String>,
}

/// What the assessor wrote about an OIT item (เหตุผล, ข้อแนะนำ), in the assessor's own words: kept as written,
/// not translated, and shown under the item when it failed.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AssessorNote {
    /// Why the evidence does not meet the item (เหตุผล).
    pub reason: String,
    /// What the agency should do about it (ข้อแนะนำ).
    pub guidance: String,
}

impl AssessorNote {
    /// Whether the assessor wrote anything at all.
    pub fn is_blank(&self) -> bool {
        self.reason.trim().is_empty() && self.guidance.trim().is_empty()
    }
}

/// Everything a report needs besides the result.
#[derive(Debug, Clone)]
pub struct ReportRequest<'a> {
    pub methodology: &'a Methodology,
    pub result: &'a ScoreResult,
    /// Last year's result, for the change.
    pub previous: Option<&'a ScoreResult>,
    pub agency: &'a AgencyInfo,
    /// The fiscal year in which the measures are carried out; the assessment year + 1 when not given.
    pub measures_year: Option<u16>,
    pub measures: Vec<MeasureInput>,
    /// Whether to add the library's proposed measures after the agency's own.
    pub propose_measures: bool,
    /// The report's date, from the caller's clock.
    pub date: Option<CalendarDate>,
    /// Who signs: name and position (ผู้บริหาร).
    pub signer: Option<(String, String)>,
    pub library: &'a Library,
    /// The assessors' notes on OIT items, by item code; only those of failed items are shown.
    pub assessor_notes: BTreeMap<String, AssessorNote>,
}

/// Whether an indicator reaches the pass mark.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IndicatorStatus {
    Full,
    Pass,
    Below,
}

impl IndicatorStatus {
    pub fn text(self) -> Text {
        match self {
            IndicatorStatus::Full => Text::new("คะแนนเต็ม", "full marks"),
            IndicatorStatus::Pass => Text::new("ผ่านเกณฑ์", "passes"),
            IndicatorStatus::Below => Text::new("ต่ำกว่าเกณฑ์", "below the pass mark"),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstrumentRow {
    pub code: String,
    pub name: Text,
    pub score: Hundredths,
    pub weight_percent: i64,
    pub weighted: Hundredths,
    pub indicators: Vec<IndicatorRow>,
}

/// One indicator with what must be improved (ประเด็นที่ต้องแก้ไข/ปรับปรุง).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndicatorRow {
    pub number: u8,
    pub name: Text,
    pub score: Hundredths,
    pub previous: Option<Hundredths>,
    pub status: IndicatorStatus,
    /// Points of the total the indicator falls short by.
    pub points_lost: Hundredths,
    pub issues: Vec<Text>,
    /// Survey items scoring below the pass mark, weakest first (when item scores are known).
    pub weak_items: Vec<WeakItem>,
    /// OIT items that failed (when verdicts are known).
    pub failed_items: Vec<FailedItem>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WeakItem {
    pub code: String,
    pub question: Text,
    pub score: Hundredths,
    pub issue: Option<Text>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FailedItem {
    pub code: String,
    pub name: Text,
    pub points_lost: Hundredths,
    /// What the recommendation library (or else the item's requirement) says to do.
    pub guidance: Option<Text>,
    /// What the assessor wrote about this agency's evidence, when known.
    pub assessor: Option<AssessorNote>,
}

/// One improvement and the points of the total it would add at most.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Improvement {
    pub target: Text,
    pub points: Hundredths,
}

/// The fewest improvements that reach a target (the next level, the pass mark).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathToTarget {
    pub target: Text,
    pub steps: Vec<Improvement>,
    pub total_after: Hundredths,
    pub level_after: Text,
    pub reachable: bool,
}

/// One row of the measures table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MeasureRow {
    pub measure: Text,
    pub how: Text,
    pub owner: Text,
    pub period: Text,
    pub follow_up: Text,
    /// The issue it answers.
    pub answers: Text,
    /// Proposed by the library rather than given by the agency.
    pub proposed: bool,
}

/// The report, ready to render.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportModel {
    pub methodology: MethodologyId,
    pub assessment_year: u16,
    pub measures_year: u16,
    pub title: Text,
    pub measures_title: Text,
    /// The OIT item this document evidences (O42 until 2565, O25 from 2569), if the year names one.
    pub evidence_item: Option<String>,
    pub agency_name: Text,
    pub agency_place: Text,
    pub total: Hundredths,
    pub previous_total: Option<Hundredths>,
    pub level: Text,
    pub level_reason: Text,
    pub pass_mark: Hundredths,
    pub passed: bool,
    pub summary: Text,
    pub instruments: Vec<InstrumentRow>,
    pub improvements: Vec<Improvement>,
    pub item_improvements: Vec<Improvement>,
    pub paths: Vec<PathToTarget>,
    pub addressed_indicators: Vec<u8>,
    pub measures: Vec<MeasureRow>,
    pub notices: Vec<Text>,
    pub date: Option<Text>,
    pub signer: Option<(String, String)>,
}

impl ReportModel {
    /// Every indicator, in order.
    pub fn indicators(&self) -> impl Iterator<Item = &IndicatorRow> {
        self.instruments.iter().flat_map(|instrument| instrument.indicators.iter())
    }
}

fn indicator_label(methodology: &Methodology, number: u8) -> Text {
    let indicator = methodology.indicator(number).expect("scored indicators exist");
    Text::new(
        format!("ตัวชี้วัดที่ {number} {}", indicator.name_th),
        format!("indicator {number} {}", indicator.name_en),
    )
}

fn level_name(methodology: &Methodology, code: &str) -> Text {
    methodology
        .levels
        .iter()
        .find(|level| level.code == code)
        .map_or_else(|| Text::new(code, code), |level| Text::new(&level.name_th, &level.name_en))
}

/// Builds the report model. Fails only if the result has no indicator scores (a total alone cannot be analysed).
pub fn build(request: &ReportRequest<'_>) -> crate::Result<ReportModel> {
    let methodology = request.methodology;
    let result = request.result;
    if result.indicators.is_empty() {
        return Err(crate::Error::new(
            crate::ErrorKind::Input,
            "",
            "indicators",
            "การวิเคราะห์ผลต้องใช้คะแนนรายตัวชี้วัด ทราบเพียงคะแนนรวมหรือคะแนนรายแบบวัดไม่เพียงพอ",
            "an analysis needs indicator scores: a total or instrument scores alone are not enough",
        ));
    }
    let year = methodology.year;
    let measures_year = request.measures_year.unwrap_or(year + 1);
    let pass_mark = methodology.scoring.pass_mark.clone();
    let total = result.total_rounded();
    let passed = total.to_exact() >= pass_mark;
    let level_code = result.level.decided().unwrap_or_default().to_string();
    let level = level_name(methodology, &level_code);
    let labels = methodology.has_gated_levels();
    let agency_name = request.agency.name.clone().unwrap_or_else(|| "หน่วยงาน".to_string());
    let agency_place = Text::new(
        [
            request.agency.district.as_ref().map(|district| format!("อำเภอ{district}")),
            request.agency.province.as_ref().map(|province| format!("จังหวัด{province}")),
        ]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" "),
        [
            request.agency.district.as_ref().map(|district| format!("{district} district")),
            request.agency.province.as_ref().map(|province| format!("{province} province")),
        ]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(", "),
    );
    let analysis = methodology.analysis.as_ref();
    let evidence_item = analysis.map(|analysis| analysis.analysis_item.clone());
    let o25_pattern = analysis.is_some_and(|analysis| analysis.pattern == "o25_o26");
    let title = if o25_pattern {
        Text::new(
            format!(
                "การนำผลการประเมินคุณธรรมและความโปร่งใสในการดำเนินงานของหน่วยงานภาครัฐ (ITA) ประจำปีงบประมาณ พ.ศ. {year} ไปสู่การพัฒนาองค์กร"
            ),
            format!(
                "Using the {year} Integrity and Transparency Assessment (ITA) result to develop the organisation"
            ),
        )
    } else {
        Text::new(
            format!(
                "รายงานการวิเคราะห์ผลการประเมินคุณธรรมและความโปร่งใสในการดำเนินงานของหน่วยงานภาครัฐ (ITA) ประจำปีงบประมาณ พ.ศ. {year}"
            ),
            format!("Analysis of the {year} Integrity and Transparency Assessment (ITA) result"),
        )
    };
    let measures_title = Text::new(
        format!("มาตรการส่งเสริมคุณธรรมและความโปร่งใสภายในหน่วยงาน ประจำปีงบประมาณ พ.ศ. {measures_year}"),
        format!(
            "Measures to promote integrity and transparency within the agency, fiscal year {measures_year}"
        ),
    );
    let previous_total = request.previous.map(ScoreResult::total_rounded);
    let summary =
        summary_text(methodology, &agency_name, total, &level, labels, passed, &pass_mark, request.previous);
    let explanation = explain(methodology, result);
    let instruments = methodology
        .instruments
        .iter()
        .filter_map(|instrument| {
            let scored = result.instrument(&instrument.code)?;
            let indicators = result
                .indicators
                .iter()
                .filter(|indicator| indicator.instrument == instrument.code)
                .map(|indicator| indicator_row(request, indicator))
                .collect();
            Some(InstrumentRow {
                code: instrument.code.clone(),
                name: Text::new(&instrument.name_th, &instrument.name_en),
                score: scored.score.round_hundredths(),
                weight_percent: (&instrument.weight * &Exact::hundred()).round_hundredths().0 / 100,
                weighted: scored.weighted().round_hundredths(),
                indicators,
            })
        })
        .collect();
    let mut improvements: Vec<Improvement> = result
        .indicators
        .iter()
        .filter(|indicator| indicator.score < Exact::hundred())
        .map(|indicator| Improvement {
            target: indicator_label(methodology, indicator.number),
            points: indicator.points_lost().round_hundredths(),
        })
        .collect();
    improvements.sort_by_key(|improvement| std::cmp::Reverse(improvement.points));
    let item_improvements = explanation
        .items
        .iter()
        .take(10)
        .map(|line| Improvement { target: Text::new(&line.th, &line.en), points: line.points_lost })
        .collect();
    let paths = paths_to_targets(methodology, result)?;
    let addressed = indicators_to_address(methodology, result);
    let measures = measure_rows(request, &addressed);
    let notices = result.notices.iter().map(|notice| Text::new(&notice.th, &notice.en)).collect();
    Ok(ReportModel {
        methodology: methodology.id(),
        assessment_year: year,
        measures_year,
        title,
        measures_title,
        evidence_item,
        agency_name: Text::new(&agency_name, &agency_name),
        agency_place,
        total,
        previous_total,
        level,
        level_reason: Text::new(result.level.reason_th(), result.level.reason_en()),
        pass_mark: pass_mark.round_hundredths(),
        passed,
        summary,
        instruments,
        improvements,
        item_improvements,
        paths,
        addressed_indicators: addressed,
        measures,
        notices,
        date: request.date.map(|date| Text::new(date.thai(), date.english())),
        signer: request.signer.clone(),
    })
}

#[allow(clippy::too_many_arguments)]
fn summary_text(
    methodology: &Methodology,
    agency: &str,
    total: Hundredths,
    level: &Text,
    labels: bool,
    passed: bool,
    pass_mark: &Exact,
    previous: Option<&ScoreResult>,
) -> Text {
    let year = methodology.year;
    let pass = pass_mark.round_hundredths();
    let (level_th, level_en) = if labels {
        (format!("ได้ผลการประเมิน {}", level.th), format!("rated {}", level.en))
    } else {
        (format!("อยู่ในระดับ {}", level.th), format!("level {}", level.en))
    };
    let mut th = format!(
        "จากผลการประเมิน ITA ในปีงบประมาณ พ.ศ. {year} ของ{agency} พบว่ามีผลคะแนน {total} คะแนน {level_th}"
    );
    let mut en = format!("In the {year} ITA, {agency} scored {total} points, {level_en}");
    if passed {
        th.push_str(&format!(" ซึ่งผ่านเกณฑ์การประเมินที่ {pass} คะแนน"));
        en.push_str(&format!(", which reaches the pass mark of {pass}"));
    } else {
        let gap = (pass_mark - &total.to_exact()).round_hundredths();
        th.push_str(&format!(" ซึ่งยังไม่ผ่านเกณฑ์การประเมินที่ {pass} คะแนน โดยต่ำกว่าเกณฑ์ {gap} คะแนน"));
        en.push_str(&format!(", {gap} points short of the pass mark of {pass}"));
    }
    if let Some(previous) = previous {
        let before = previous.total_rounded();
        let change = total.0 - before.0;
        let amount = Hundredths(change.abs());
        let previous_year = previous.methodology.year;
        if change > 0 {
            th.push_str(&format!(
                " เพิ่มขึ้นจากปีงบประมาณ พ.ศ. {previous_year} ซึ่งได้ {before} คะแนน จำนวน {amount} คะแนน"
            ));
            en.push_str(&format!(", up {amount} from {before} in {previous_year}"));
        } else if change < 0 {
            th.push_str(&format!(
                " ลดลงจากปีงบประมาณ พ.ศ. {previous_year} ซึ่งได้ {before} คะแนน จำนวน {amount} คะแนน"
            ));
            en.push_str(&format!(", down {amount} from {before} in {previous_year}"));
        } else {
            th.push_str(&format!(" เท่ากับปีงบประมาณ พ.ศ. {previous_year}"));
            en.push_str(&format!(", the same as in {previous_year}"));
        }
    }
    Text::new(th, en)
}

fn indicator_row(request: &ReportRequest<'_>, indicator: &scoring::IndicatorScore) -> IndicatorRow {
    let methodology = request.methodology;
    let library = request.library;
    let year = methodology.year;
    let definition = methodology.indicator(indicator.number).expect("scored indicators exist");
    let score = indicator.score.round_hundredths();
    let pass_mark = &methodology.scoring.pass_mark;
    let status = if indicator.score >= Exact::hundred() {
        IndicatorStatus::Full
    } else if indicator.score >= *pass_mark {
        IndicatorStatus::Pass
    } else {
        IndicatorStatus::Below
    };
    let mut issues = Vec::new();
    match status {
        IndicatorStatus::Below => {
            if let Some(advice) = library.indicator(year, indicator.number) {
                issues.push(Text::new(&advice.issue_th, &advice.issue_en));
            }
        }
        IndicatorStatus::Pass => {
            let short = (Exact::hundred() - &indicator.score).round_hundredths();
            let next = library.indicator(year, indicator.number).and_then(|advice| advice.measures.first());
            issues.push(match next {
                Some(measure) => Text::new(
                    format!(
                        "ผ่านเกณฑ์แล้ว แต่ยังต่ำกว่าคะแนนเต็ม {short} คะแนน ควรดำเนินการต่อเนื่อง ได้แก่ {}",
                        measure.measure_th
                    ),
                    format!("passes, {short} short of full marks; keep working on: {}", measure.measure_en),
                ),
                None => Text::new(
                    format!("ผ่านเกณฑ์แล้ว แต่ยังต่ำกว่าคะแนนเต็ม {short} คะแนน ควรรักษามาตรฐานและปรับปรุงต่อเนื่อง"),
                    format!("passes, {short} short of full marks; keep the standard and keep improving"),
                ),
            });
        }
        IndicatorStatus::Full => {
            issues.push(Text::new("ได้คะแนนเต็ม ควรรักษามาตรฐานไว้", "full marks; keep the standard"))
        }
    }
    let mut weak: Vec<&scoring::SurveyItemScore> = indicator
        .items
        .iter()
        .filter(|item| item.score.as_ref().is_some_and(|score| score < pass_mark))
        .collect();
    weak.sort_by(|a, b| a.score.cmp(&b.score));
    let weak_items = weak
        .into_iter()
        .take(3)
        .map(|item| {
            let question = methodology.items.iter().find(|candidate| candidate.code == item.code);
            WeakItem {
                code: item.code.clone(),
                question: question
                    .map_or_else(Text::default, |question| Text::new(&question.text_th, &question.text_en)),
                score: item.score.as_ref().map(Exact::round_hundredths).unwrap_or_default(),
                issue: library
                    .item(year, &item.code)
                    .map(|advice| Text::new(&advice.issue_th, &advice.issue_en)),
            }
        })
        .collect();
    let sub_count = indicator.sub_indicators.len().max(1);
    let mut failed_items = Vec::new();
    for sub in &indicator.sub_indicators {
        let item_weight = &indicator.weight_in_total
            / &Exact::integer(i64::try_from(sub_count * sub.items.len().max(1)).unwrap_or(1));
        let failed: Vec<_> = sub.items.iter().filter(|item| item.passed == Some(false)).collect();
        if !failed.is_empty()
            && let Some(advice) = library.sub_indicator(year, &sub.code)
        {
            issues.push(Text::new(&advice.issue_th, &advice.issue_en));
        }
        for item in failed {
            let definition = methodology.oit_item(&item.code).expect("scored items exist");
            let lost = (Exact::hundred() - item.score.clone().unwrap_or_default()) * &item_weight;
            failed_items.push(FailedItem {
                code: item.code.clone(),
                name: Text::new(&definition.name_th, &definition.name_en),
                points_lost: lost.round_hundredths(),
                guidance: library
                    .oit_item(year, &definition.key)
                    .map(|advice| Text::new(&advice.guidance_th, &advice.guidance_en))
                    .or_else(|| {
                        (!definition.requires_th.is_empty())
                            .then(|| Text::new(&definition.requires_th, &definition.requires_en))
                    }),
                assessor: request.assessor_notes.get(&item.code).filter(|note| !note.is_blank()).map(
                    |note| AssessorNote {
                        reason: note.reason.trim().to_string(),
                        guidance: note.guidance.trim().to_string(),
                    },
                ),
            });
        }
    }
    let previous = request
        .previous
        .and_then(|previous| previous.indicator(indicator.number))
        .map(|previous| previous.score.round_hundredths());
    IndicatorRow {
        number: indicator.number,
        name: Text::new(&definition.name_th, &definition.name_en),
        score,
        previous,
        status,
        points_lost: indicator.points_lost().round_hundredths(),
        issues,
        weak_items,
        failed_items,
    }
}

/// What a path aims at: a level at least as good as a rank in the year's list, or a total at the pass mark.
enum Target {
    Rank(usize),
    PassMark(Exact),
}

impl Target {
    fn reached(&self, methodology: &Methodology, scored: &ScoreResult) -> bool {
        match self {
            Target::Rank(rank) => methodology
                .levels
                .iter()
                .position(|level| Some(level.code.as_str()) == scored.level.decided())
                .is_some_and(|position| position <= *rank),
            Target::PassMark(mark) => scored.total_rounded().to_exact() >= *mark,
        }
    }
}

/// Greedy is exact for "fewest improvements": raising the costliest indicators first reaches any total soonest;
/// gates are checked on the way, since each step re-scores the whole result.
fn paths_to_targets(methodology: &Methodology, result: &ScoreResult) -> crate::Result<Vec<PathToTarget>> {
    let current_rank = methodology
        .levels
        .iter()
        .position(|level| Some(level.code.as_str()) == result.level.decided())
        .unwrap_or(usize::MAX);
    let mut targets: Vec<(Text, Target)> = Vec::new();
    if current_rank > 0 && current_rank != usize::MAX {
        let next = &methodology.levels[current_rank - 1];
        let word = if methodology.has_gated_levels() {
            ("ผล", "the label")
        } else {
            ("ระดับ", "level")
        };
        targets.push((
            Text::new(format!("{} {}", word.0, next.name_th), format!("{} {}", word.1, next.name_en)),
            Target::Rank(current_rank - 1),
        ));
    }
    let pass_mark = methodology.scoring.pass_mark.clone();
    if result.total_rounded().to_exact() < pass_mark {
        let mark = pass_mark.round_hundredths();
        targets.push((
            Text::new(format!("เกณฑ์ผ่าน {mark} คะแนน"), format!("the pass mark of {mark}")),
            Target::PassMark(pass_mark),
        ));
    }
    let mut order: Vec<&scoring::IndicatorScore> =
        result.indicators.iter().filter(|indicator| indicator.score < Exact::hundred()).collect();
    order.sort_by_key(|indicator| std::cmp::Reverse(indicator.points_lost()));
    let mut paths = Vec::new();
    for (target, target_to_reach) in targets {
        let mut input = ScoreInput::default();
        for indicator in &result.indicators {
            input.indicators.insert(indicator.number, indicator.score.clone());
        }
        let mut steps = Vec::new();
        let mut current = scoring::score(methodology, &input)?;
        for indicator in &order {
            if target_to_reach.reached(methodology, &current) {
                break;
            }
            input.indicators.insert(indicator.number, Exact::hundred());
            steps.push(Improvement {
                target: indicator_label(methodology, indicator.number),
                points: indicator.points_lost().round_hundredths(),
            });
            current = scoring::score(methodology, &input)?;
        }
        let reachable = target_to_reach.reached(methodology, &current);
        // Two targets reached by the same steps (the next level is the pass mark) are one path.
        if let Some(same) = paths.iter_mut().find(|path: &&mut PathToTarget| path.steps == steps) {
            same.target = Text::new(
                format!("{} และ{}", same.target.th, target.th),
                format!("{} and {}", same.target.en, target.en),
            );
            continue;
        }
        paths.push(PathToTarget {
            target,
            steps,
            total_after: current.total_rounded(),
            level_after: level_name(methodology, current.level.decided().unwrap_or_default()),
            reachable,
        });
    }
    Ok(paths)
}

fn measure_rows(request: &ReportRequest<'_>, addressed: &[u8]) -> Vec<MeasureRow> {
    let methodology = request.methodology;
    let year = methodology.year;
    let describe_answer = |answers: &Option<String>| -> Text {
        match answers.as_deref().map(str::trim) {
            None | Some("") => Text::new("ภาพรวมของผลการประเมิน", "the result as a whole"),
            Some(text) => {
                match text.parse::<u8>().ok().filter(|number| methodology.indicator(*number).is_some()) {
                    Some(number) => indicator_label(methodology, number),
                    None => match methodology.oit_item(text) {
                        Some(item) => Text::new(
                            format!("ข้อ {} {}", item.code, item.name_th),
                            format!("{} {}", item.code, item.name_en),
                        ),
                        None => Text::new(text, text),
                    },
                }
            }
        }
    };
    let mut rows: Vec<MeasureRow> = request
        .measures
        .iter()
        .map(|measure| MeasureRow {
            measure: Text::new(&measure.measure, &measure.measure),
            how: Text::new(&measure.how, &measure.how),
            owner: Text::new(&measure.owner, &measure.owner),
            period: Text::new(&measure.period, &measure.period),
            follow_up: Text::new(&measure.follow_up, &measure.follow_up),
            answers: describe_answer(&measure.answers),
            proposed: false,
        })
        .collect();
    if !request.propose_measures {
        return rows;
    }
    for number in addressed {
        if let Some(advice) = request.library.indicator(year, *number) {
            for measure in &advice.measures {
                rows.push(MeasureRow {
                    measure: Text::new(&measure.measure_th, &measure.measure_en),
                    how: Text::new(&measure.how_th, &measure.how_en),
                    owner: Text::new(&measure.owner_th, &measure.owner_en),
                    period: Text::new(&measure.period_th, &measure.period_en),
                    follow_up: Text::new(&measure.follow_up_th, &measure.follow_up_en),
                    answers: indicator_label(methodology, *number),
                    proposed: true,
                });
            }
        }
    }
    // Failed OIT items are answered together, as one website measure (as agencies publish them).
    let failed: Vec<(&crate::methodology::OitItem, Option<&recommendations::OitAdvice>)> = request
        .result
        .indicators
        .iter()
        .flat_map(|indicator| indicator.sub_indicators.iter())
        .flat_map(|sub| sub.items.iter())
        .filter(|item| item.passed == Some(false))
        .filter_map(|item| methodology.oit_item(&item.code))
        .map(|item| (item, request.library.oit_item(year, &item.key)))
        .collect();
    if !failed.is_empty() {
        let codes: Vec<&str> = failed.iter().map(|(item, _)| item.code.as_str()).collect();
        let steps_th: Vec<String> = failed
            .iter()
            .enumerate()
            .map(|(index, (item, advice))| {
                let guidance = advice.map_or(item.requires_th.as_str(), |advice| advice.guidance_th.as_str());
                format!("({}) ข้อ {} {}: {}", index + 1, item.code, item.name_th, guidance)
            })
            .collect();
        let steps_en: Vec<String> = failed
            .iter()
            .enumerate()
            .map(|(index, (item, advice))| {
                let guidance = advice.map_or(item.requires_en.as_str(), |advice| advice.guidance_en.as_str());
                format!("({}) {} {}: {}", index + 1, item.code, item.name_en, guidance)
            })
            .collect();
        let mut owners: Vec<&str> =
            failed.iter().filter_map(|(_, advice)| advice.map(|advice| advice.owner_th.as_str())).collect();
        owners.sort_unstable();
        owners.dedup();
        let mut owners_en: Vec<&str> =
            failed.iter().filter_map(|(_, advice)| advice.map(|advice| advice.owner_en.as_str())).collect();
        owners_en.sort_unstable();
        owners_en.dedup();
        rows.push(MeasureRow {
            measure: Text::new(
                format!("ปรับปรุงการเปิดเผยข้อมูลบนเว็บไซต์ของหน่วยงานให้ครบถ้วนตามข้อ {}", codes.join(", ")),
                format!("Complete the information on the agency's website for {}", codes.join(", ")),
            ),
            how: Text::new(steps_th.join(" "), steps_en.join(" ")),
            owner: Text::new(
                if owners.is_empty() { "สำนักปลัด".to_string() } else { owners.join(", ") },
                if owners_en.is_empty() { "Office of the Permanent Secretary".to_string() } else { owners_en.join(", ") },
            ),
            period: Text::new(
                "ภายในเดือนมีนาคม ก่อนช่วงการตอบแบบวัด OIT",
                "by March, before the OIT answering period",
            ),
            follow_up: Text::new(
                "ตรวจสอบความครบถ้วนของข้อมูลบนเว็บไซต์ตามรายการข้อ ก่อนส่งแบบวัด OIT และรายงานผลต่อผู้บริหาร",
                "check the website against the item list before submitting the OIT, and report to the executives",
            ),
            answers: Text::new(
                "แบบวัดการเปิดเผยข้อมูลสาธารณะ (OIT) ข้อที่ไม่ผ่าน",
                "the OIT items that failed",
            ),
            proposed: true,
        });
    }
    rows
}
