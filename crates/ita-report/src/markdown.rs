//! The report as Markdown: the plain-text form of the model, for editing, diffs and the snapshot tests.

use std::fmt::Write as _;

use ita_domain::report::ReportModel;

use crate::RenderOptions;

/// A table cell: no pipes or line breaks.
fn cell(text: &str) -> String {
    text.replace('|', "/").replace('\n', " ")
}

pub fn render(model: &ReportModel, options: RenderOptions) -> String {
    let o = options;
    let mut out = String::new();
    let _ = writeln!(out, "# {}\n", o.text(&model.title));
    let _ = writeln!(out, "**{}** {}\n", o.text(&model.agency_name), o.text(&model.agency_place));
    if let Some(item) = &model.evidence_item {
        let _ = writeln!(
            out,
            "_{}_\n",
            o.pick(
                &format!("เอกสารประกอบการเปิดเผยข้อมูลสาธารณะ ข้อ {item}"),
                &format!("Evidence for OIT item {item}")
            )
        );
    }
    let _ = writeln!(
        out,
        "## {} {}\n",
        o.digits("1."),
        o.pick(
            &format!("การวิเคราะห์ผลการประเมิน ITA ปีงบประมาณ พ.ศ. {}", model.assessment_year),
            &format!("Analysis of the {} ITA result", model.assessment_year)
        )
    );
    let _ = writeln!(out, "{}\n", o.text(&model.summary));
    let _ = writeln!(out, "{}\n", o.text(&model.level_reason));
    let _ = writeln!(out, "### {}\n", o.pick("ผลคะแนนรายแบบวัด", "Scores by instrument"));
    let _ = writeln!(
        out,
        "| {} |\n|---|---:|---:|---:|",
        o.pick("แบบวัด | คะแนน | น้ำหนัก | คะแนนถ่วงน้ำหนัก", "Instrument | Score | Weight | Weighted")
    );
    for instrument in &model.instruments {
        let _ = writeln!(
            out,
            "| {} ({}) | {} | {} | {} |",
            o.text(&instrument.name),
            instrument.code,
            o.number(instrument.score),
            o.digits(&format!("{}%", instrument.weight_percent)),
            o.number(instrument.weighted)
        );
    }
    let _ = writeln!(out, "| {} | {} | | |\n", o.pick("คะแนนรวม", "Total"), o.number(model.total));
    let _ = writeln!(out, "### {}\n", o.pick("ผลการวิเคราะห์รายตัวชี้วัด", "Analysis by indicator"));
    let _ = writeln!(
        out,
        "| {} |\n|---|---:|---|---|",
        o.pick(
            "ตัวชี้วัดของการประเมิน ITA | คะแนน | สถานะ | ประเด็นที่ต้องแก้ไข/ปรับปรุง",
            "ITA indicator | Score | Status | What must be improved"
        )
    );
    for instrument in &model.instruments {
        let _ = writeln!(out, "| **{} ({})** | | | |", o.text(&instrument.name), instrument.code);
        for indicator in &instrument.indicators {
            let issues: Vec<String> = indicator.issues.iter().map(|issue| o.text(issue)).collect();
            let previous = indicator
                .previous
                .map(|previous| o.pick(&format!(" (ปีก่อน {previous})"), &format!(" (last year {previous})")))
                .unwrap_or_default();
            let _ = writeln!(
                out,
                "| {} {} | {}{} | {} | {} |",
                o.digits(&format!("{}.", indicator.number)),
                o.text(&indicator.name),
                o.number(indicator.score),
                previous,
                o.text(&indicator.status.text()),
                cell(&issues.join(" "))
            );
        }
    }
    out.push('\n');
    let detailed: Vec<_> = model
        .indicators()
        .filter(|indicator| !indicator.weak_items.is_empty() || !indicator.failed_items.is_empty())
        .collect();
    if !detailed.is_empty() {
        let _ =
            writeln!(out, "### {}\n", o.pick("ข้อที่ได้คะแนนต่ำและข้อที่ไม่ผ่าน", "Weakest items and failed items"));
        for indicator in detailed {
            let _ = writeln!(
                out,
                "**{}**\n",
                o.pick(
                    &format!("ตัวชี้วัดที่ {} {}", indicator.number, indicator.name.th),
                    &format!("Indicator {} {}", indicator.number, indicator.name.en)
                )
            );
            for item in &indicator.weak_items {
                let issue =
                    item.issue.as_ref().map(|issue| format!(" {}", o.text(issue))).unwrap_or_default();
                let _ = writeln!(
                    out,
                    "- {} {} ({}){issue}",
                    item.code,
                    o.text(&item.question),
                    o.pick(&format!("{} คะแนน", item.score), &format!("{} points", item.score))
                );
            }
            for item in &indicator.failed_items {
                let guidance = item
                    .guidance
                    .as_ref()
                    .map(|guidance| format!(" {}", o.text(guidance)))
                    .unwrap_or_default();
                let _ = writeln!(
                    out,
                    "- {} {} ({}){guidance}",
                    item.code,
                    o.text(&item.name),
                    o.pick(
                        &format!("ไม่ผ่าน ทำให้คะแนนรวมลดลง {} คะแนน", item.points_lost),
                        &format!("failed, cost {} points of the total", item.points_lost)
                    )
                );
                for line in crate::assessor_lines(o, item) {
                    let _ = writeln!(out, "  - {line}");
                }
            }
            out.push('\n');
        }
    }
    let _ = writeln!(
        out,
        "## {} {}\n",
        o.digits("2."),
        o.pick("ลำดับความสำคัญของการปรับปรุง", "Improvements in order of priority")
    );
    for (index, improvement) in model.improvements.iter().enumerate() {
        let _ = writeln!(
            out,
            "{} {}: {}",
            o.digits(&format!("{}.", index + 1)),
            o.text(&improvement.target),
            o.pick(
                &format!("หากได้คะแนนเต็ม คะแนนรวมจะเพิ่มขึ้นสูงสุด {} คะแนน", improvement.points),
                &format!("full marks would add up to {} points to the total", improvement.points)
            )
        );
    }
    out.push('\n');
    if !model.item_improvements.is_empty() {
        let _ = writeln!(out, "{}\n", o.pick("รายข้อที่ส่งผลต่อคะแนนรวมมากที่สุด:", "The items that cost the most:"));
        for improvement in &model.item_improvements {
            let _ = writeln!(out, "- {}", o.text(&improvement.target));
        }
        out.push('\n');
    }
    for path in &model.paths {
        let _ = writeln!(
            out,
            "**{}**\n",
            o.pick(&format!("แนวทางสู่{}", path.target.th), &format!("Path to {}", path.target.en))
        );
        for (index, step) in path.steps.iter().enumerate() {
            let _ = writeln!(
                out,
                "{} {} (+{})",
                o.digits(&format!("{}.", index + 1)),
                o.pick(
                    &format!("ยก{}ให้ได้คะแนนเต็ม", step.target.th),
                    &format!("raise {} to full marks", step.target.en)
                ),
                o.number(step.points)
            );
        }
        let outcome = crate::path_outcome(o, path);
        let _ = writeln!(out, "\n{outcome}\n");
    }
    let _ = writeln!(out, "## {} {}\n", o.digits("3."), o.text(&model.measures_title));
    let _ = writeln!(
        out,
        "| {} |\n|---|---|---|---|---|",
        o.pick(
            "มาตรการ/แนวทาง | วิธีการดำเนินการ | ผู้รับผิดชอบ | ระยะเวลาดำเนินการ | การติดตามผล",
            "Measure | How | Responsible | When | Follow-up"
        )
    );
    for (index, measure) in model.measures.iter().enumerate() {
        let _ = writeln!(
            out,
            "| {} {} ({}) | {} | {} | {} | {} |",
            o.digits(&format!("{}.", index + 1)),
            cell(&o.text(&measure.measure)),
            cell(&o.pick(
                &format!("ตอบประเด็น: {}", measure.answers.th),
                &format!("answers: {}", measure.answers.en)
            )),
            cell(&o.text(&measure.how)),
            cell(&o.text(&measure.owner)),
            cell(&o.text(&measure.period)),
            cell(&o.text(&measure.follow_up))
        );
    }
    out.push('\n');
    if !model.notices.is_empty() {
        let _ = writeln!(out, "### {}\n", o.pick("ข้อสังเกตเกี่ยวกับข้อมูล", "Notes on the data"));
        for notice in &model.notices {
            let _ = writeln!(out, "- {}", o.text(notice));
        }
        out.push('\n');
    }
    let _ = writeln!(
        out,
        "{}\n",
        o.pick(
            "ลงชื่อ ........................................",
            "Signed ........................................"
        )
    );
    if let Some((name, position)) = &model.signer {
        let _ = writeln!(out, "({name})  \n{position}\n");
    } else {
        let _ = writeln!(
            out,
            "(........................................)  \n{}\n",
            o.pick("ผู้บริหารสูงสุดของหน่วยงาน", "Head of the agency")
        );
    }
    if let Some(date) = &model.date {
        let _ =
            writeln!(out, "{}", o.pick(&format!("วันที่ {}", o.text(date)), &format!("Date: {}", o.text(date))));
    }
    out
}
