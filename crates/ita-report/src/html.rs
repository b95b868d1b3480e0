//! The report as one self-contained HTML page (styles inline, chart inline as SVG, print-friendly), rendered
//! through an askama template so that every text is escaped.

use askama::Template;
use ita_domain::report::{IndicatorStatus, ReportModel};

use crate::{RenderOptions, indicator_chart_svg};

struct InstrumentView {
    heading: String,
    score: String,
    weight: String,
    weighted: String,
    indicators: Vec<IndicatorView>,
}

struct IndicatorView {
    label: String,
    score: String,
    status: String,
    below: bool,
    issues: Vec<String>,
    details: Vec<Detail>,
}

/// A weak or failed item, with the lines shown under it (for a failed item: what to do, and the assessor's
/// reason and guidance).
struct Detail {
    text: String,
    notes: Vec<String>,
}

struct MeasureView {
    measure: String,
    answers: String,
    how: String,
    owner: String,
    period: String,
    follow_up: String,
}

struct PathView {
    heading: String,
    steps: Vec<String>,
    outcome: String,
}

#[derive(Template)]
#[template(path = "report.html")]
struct ReportPage {
    lang: &'static str,
    title: String,
    agency: String,
    place: String,
    evidence: Option<String>,
    section_1: String,
    summary: String,
    level_reason: String,
    instruments_heading: String,
    instrument_header: Vec<String>,
    instruments: Vec<InstrumentView>,
    total_label: String,
    total: String,
    indicators_heading: String,
    indicator_header: Vec<String>,
    chart_svg: String,
    section_2: String,
    improvements: Vec<String>,
    item_heading: String,
    item_improvements: Vec<String>,
    paths: Vec<PathView>,
    section_3: String,
    measure_header: Vec<String>,
    measures: Vec<MeasureView>,
    notices_heading: String,
    notices: Vec<String>,
    signed: String,
    signer_name: String,
    signer_position: String,
    date: Option<String>,
}

fn split(text: &str) -> Vec<String> {
    text.split(" | ").map(str::to_string).collect()
}

pub fn render(model: &ReportModel, options: RenderOptions) -> Result<String, askama::Error> {
    let o = options;
    let instruments = model
        .instruments
        .iter()
        .map(|instrument| InstrumentView {
            heading: format!("{} ({})", o.text(&instrument.name), instrument.code),
            score: o.number(instrument.score),
            weight: o.digits(&format!("{}%", instrument.weight_percent)),
            weighted: o.number(instrument.weighted),
            indicators: instrument
                .indicators
                .iter()
                .map(|indicator| {
                    let mut details: Vec<Detail> = indicator
                        .weak_items
                        .iter()
                        .map(|item| Detail {
                            text: format!(
                                "{} {} ({})",
                                item.code,
                                o.text(&item.question),
                                o.pick(&format!("{} คะแนน", item.score), &format!("{} points", item.score))
                            ),
                            notes: Vec::new(),
                        })
                        .collect();
                    details.extend(indicator.failed_items.iter().map(|item| {
                        let library = item.guidance.as_ref().map(|guidance| {
                            format!("{}: {}", o.pick("แนวทางแก้ไข", "What to do"), o.text(guidance))
                        });
                        Detail {
                            text: format!(
                                "{} {} ({})",
                                item.code,
                                o.text(&item.name),
                                o.pick(
                                    &format!("ไม่ผ่าน −{} คะแนน", item.points_lost),
                                    &format!("failed, −{} points", item.points_lost)
                                )
                            ),
                            notes: library.into_iter().chain(crate::assessor_lines(o, item)).collect(),
                        }
                    }));
                    IndicatorView {
                        label: format!(
                            "{} {}",
                            o.digits(&format!("{}.", indicator.number)),
                            o.text(&indicator.name)
                        ),
                        score: o.number(indicator.score),
                        status: o.text(&indicator.status.text()),
                        below: indicator.status == IndicatorStatus::Below,
                        issues: indicator.issues.iter().map(|issue| o.text(issue)).collect(),
                        details,
                    }
                })
                .collect(),
        })
        .collect();
    let paths = model
        .paths
        .iter()
        .map(|path| PathView {
            heading: o.pick(&format!("แนวทางสู่{}", path.target.th), &format!("Path to {}", path.target.en)),
            steps: path
                .steps
                .iter()
                .map(|step| {
                    o.pick(
                        &format!("ยก{}ให้ได้คะแนนเต็ม (+{})", step.target.th, step.points),
                        &format!("raise {} to full marks (+{})", step.target.en, step.points),
                    )
                })
                .collect(),
            outcome: if path.reachable {
                o.pick(
                    &format!("คะแนนรวมจะเป็น {} ({})", path.total_after, path.level_after.th),
                    &format!("the total would be {} ({})", path.total_after, path.level_after.en),
                )
            } else {
                o.pick("แม้ได้คะแนนเต็มทุกตัวชี้วัดก็ยังไม่ถึงเป้าหมายนี้", "not reachable even with full marks everywhere")
            },
        })
        .collect();
    let (signer_name, signer_position) = match &model.signer {
        Some((name, position)) => (name.clone(), position.clone()),
        None => (
            "........................................".to_string(),
            o.pick("ผู้บริหารสูงสุดของหน่วยงาน", "Head of the agency"),
        ),
    };
    let page = ReportPage {
        lang: o.lang.code(),
        title: o.text(&model.title),
        agency: o.text(&model.agency_name),
        place: o.text(&model.agency_place),
        evidence: model.evidence_item.as_ref().map(|item| {
            o.pick(
                &format!("เอกสารประกอบการเปิดเผยข้อมูลสาธารณะ ข้อ {item}"),
                &format!("Evidence for OIT item {item}"),
            )
        }),
        section_1: o.pick(
            &format!("1. การวิเคราะห์ผลการประเมิน ITA ปีงบประมาณ พ.ศ. {}", model.assessment_year),
            &format!("1. Analysis of the {} ITA result", model.assessment_year),
        ),
        summary: o.text(&model.summary),
        level_reason: o.text(&model.level_reason),
        instruments_heading: o.pick("ผลคะแนนรายแบบวัด", "Scores by instrument"),
        instrument_header: split(
            &o.pick("แบบวัด | คะแนน | น้ำหนัก | คะแนนถ่วงน้ำหนัก", "Instrument | Score | Weight | Weighted"),
        ),
        instruments,
        total_label: o.pick("คะแนนรวม", "Total"),
        total: o.number(model.total),
        indicators_heading: o.pick("ผลการวิเคราะห์รายตัวชี้วัด", "Analysis by indicator"),
        indicator_header: split(&o.pick(
            "ตัวชี้วัดของการประเมิน ITA | คะแนน | สถานะ | ประเด็นที่ต้องแก้ไข/ปรับปรุง",
            "ITA indicator | Score | Status | What must be improved",
        )),
        chart_svg: indicator_chart_svg(model, o),
        section_2: o.pick("2. ลำดับความสำคัญของการปรับปรุง", "2. Improvements in order of priority"),
        improvements: model
            .improvements
            .iter()
            .map(|improvement| {
                o.pick(
                    &format!(
                        "{}: หากได้คะแนนเต็ม คะแนนรวมจะเพิ่มขึ้นสูงสุด {} คะแนน",
                        improvement.target.th, improvement.points
                    ),
                    &format!(
                        "{}: full marks would add up to {} points",
                        improvement.target.en, improvement.points
                    ),
                )
            })
            .collect(),
        item_heading: o.pick("รายข้อที่ส่งผลต่อคะแนนรวมมากที่สุด", "The items that cost the most"),
        item_improvements: model
            .item_improvements
            .iter()
            .map(|improvement| o.text(&improvement.target))
            .collect(),
        paths,
        section_3: format!("{} {}", o.digits("3."), o.text(&model.measures_title)),
        measure_header: split(&o.pick(
            "มาตรการ/แนวทาง | วิธีการดำเนินการ | ผู้รับผิดชอบ | ระยะเวลาดำเนินการ | การติดตามผล",
            "Measure | How | Responsible | When | Follow-up",
        )),
        measures: model
            .measures
            .iter()
            .enumerate()
            .map(|(index, measure)| MeasureView {
                measure: format!("{} {}", o.digits(&format!("{}.", index + 1)), o.text(&measure.measure)),
                answers: o.pick(
                    &format!("ตอบประเด็น: {}", measure.answers.th),
                    &format!("answers: {}", measure.answers.en),
                ),
                how: o.text(&measure.how),
                owner: o.text(&measure.owner),
                period: o.text(&measure.period),
                follow_up: o.text(&measure.follow_up),
            })
            .collect(),
        notices_heading: o.pick("ข้อสังเกตเกี่ยวกับข้อมูล", "Notes on the data"),
        notices: model.notices.iter().map(|notice| o.text(notice)).collect(),
        signed: o.pick("ลงชื่อ", "Signed"),
        signer_name,
        signer_position,
        date: model
            .date
            .as_ref()
            .map(|date| o.pick(&format!("วันที่ {}", date.th), &format!("Date: {}", date.en))),
    };
    // Section numbers follow the digits option too.
    let mut page = page;
    page.section_1 = o.digits(&page.section_1);
    page.section_2 = o.digits(&page.section_2);
    page.render()
}
