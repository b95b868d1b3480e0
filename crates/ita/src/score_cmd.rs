//! `ita score FILE`: reads an agency's input, scores it, and prints the result as a Thai-first table or as JSON.

use std::path::Path;

use ita_domain::Lang;
use ita_domain::input::ScoreDocument;
use ita_domain::methodology::{Catalog, Methodology};
use ita_domain::scoring::ResultView;

use crate::Format;
use crate::table::{Align, Table};

pub fn run(catalog: &Catalog, file: &Path, format: Format, lang: Lang) -> anyhow::Result<()> {
    let name = file.display().to_string();
    let text = std::fs::read_to_string(file).map_err(|error| {
        anyhow::anyhow!("ข้อผิดพลาด: อ่านแฟ้ม {name} ไม่ได้\nerror: cannot read {name}: {error}")
    })?;
    let folder = file.parent().unwrap_or(Path::new("."));
    let load =
        |relative: &str| std::fs::read_to_string(folder.join(relative)).map_err(|error| error.to_string());
    let document = ScoreDocument::parse(&name, &text, catalog, &load)?;
    let (methodology, result) = document.score(catalog)?;
    let view = ResultView::new(methodology, &result, &document.agency);
    match format {
        Format::Json => println!("{}", serde_json::to_string_pretty(&view)?),
        Format::Table => print!("{}", render_table(methodology, &view, lang)),
    }
    Ok(())
}

/// The result as text: header, total and level with the reason, instruments, indicators, explanation.
pub fn render_table(methodology: &Methodology, view: &ResultView, lang: Lang) -> String {
    let th = lang == Lang::Th;
    let mut out = String::new();
    out.push_str(&format!("{}\n", methodology.title(lang)));
    let agency: Vec<String> = [
        view.agency.name.clone(),
        view.agency
            .district
            .as_ref()
            .map(|district| if th { format!("อำเภอ{district}") } else { format!("{district} district") }),
        view.agency.province.as_ref().map(|province| {
            if th { format!("จังหวัด{province}") } else { format!("{province} province") }
        }),
    ]
    .into_iter()
    .flatten()
    .collect();
    if !agency.is_empty() {
        out.push_str(&format!("{} {}\n", if th { "หน่วยงาน:" } else { "Agency:" }, agency.join(" ")));
    }
    out.push('\n');
    let level_word = match (&view.level, &view.level_en, &view.possible_levels) {
        (Some(level), Some(level_en), _) => {
            if th {
                level.clone()
            } else {
                level_en.clone()
            }
        }
        (_, _, Some(possible)) => possible.join(if th { " หรือ " } else { " or " }),
        _ => String::new(),
    };
    let (total_label, level_label) = match (th, methodology.has_gated_levels()) {
        (true, false) => ("คะแนนรวม", "ระดับ"),
        (true, true) => ("คะแนนรวม", "ผลการประเมิน"),
        (false, false) => ("Total", "Level"),
        (false, true) => ("Total", "Result"),
    };
    let level_label = if view.possible_levels.is_some() {
        if th { "ผลที่เป็นไปได้" } else { "Possible levels" }
    } else {
        level_label
    };
    out.push_str(&format!("{total_label} {:.2}  {level_label} {level_word}\n", view.total));
    out.push_str(&format!("{}\n", if th { &view.level_reason_th } else { &view.level_reason_en }));
    if !view.instruments.is_empty() {
        out.push('\n');
        let header: &[&str] = if th {
            &["แบบวัด", "คะแนน", "น้ำหนัก", "คะแนนถ่วงน้ำหนัก"]
        } else {
            &["Instrument", "Score", "Weight", "Weighted"]
        };
        let mut table = Table::new(header, &[Align::Left, Align::Right, Align::Right, Align::Right]);
        for instrument in &methodology.instruments {
            if let Some(scored) = view.instruments.get(&instrument.code) {
                table.row(vec![
                    format!("{} {}", instrument.code, if th { &scored.name_th } else { &scored.name_en }),
                    format!("{:.2}", scored.score),
                    format!("{}%", (scored.weight * 100.0).round()),
                    format!("{:.2}", scored.weighted),
                ]);
            }
        }
        out.push_str(&table.render());
    }
    if !view.indicators.is_empty() {
        out.push('\n');
        let header: &[&str] = if th {
            &["ตัวชี้วัด", "คะแนน", "น้ำหนัก", "คะแนนที่ได้", "คะแนนที่เสีย"]
        } else {
            &["Indicator", "Score", "Weight", "Points", "Points lost"]
        };
        let mut table =
            Table::new(header, &[Align::Left, Align::Right, Align::Right, Align::Right, Align::Right]);
        for indicator in &methodology.indicators {
            if let Some(scored) = view.indicators.get(&indicator.number.to_string()) {
                table.row(vec![
                    format!("{:>2} {}", indicator.number, if th { &scored.name_th } else { &scored.name_en }),
                    format!("{:.2}", scored.score),
                    format!("{}%", scored.weight_percent),
                    format!("{:.2}", scored.points),
                    format!("{:.2}", scored.points_lost),
                ]);
            }
        }
        out.push_str(&table.render());
    }
    out.push('\n');
    out.push_str(if th { "คำอธิบาย\n" } else { "Explanation\n" });
    let pick = |line: &ita_domain::scoring::LineView| if th { line.th.clone() } else { line.en.clone() };
    for line in view.explanation.summary.iter().chain(&view.explanation.indicators) {
        out.push_str(&format!("- {}\n", pick(line)));
    }
    // The table names the costliest items; the JSON has them all.
    const ITEM_LINES: usize = 10;
    for line in view.explanation.items.iter().take(ITEM_LINES) {
        out.push_str(&format!("- {}\n", pick(line)));
    }
    let more = view.explanation.items.len().saturating_sub(ITEM_LINES);
    if more > 0 {
        out.push_str(&if th {
            format!("- และข้ออื่นอีก {more} ข้อ (ดูทั้งหมดด้วย --format json)\n")
        } else {
            format!("- and {more} more items (all of them with --format json)\n")
        });
    }
    if !view.next_levels.is_empty() {
        out.push('\n');
        out.push_str(if th {
            "สิ่งที่ต้องทำเพื่อยกระดับผล\n"
        } else {
            "What it takes to reach a better level\n"
        });
        for step in &view.next_levels {
            let mut parts = Vec::new();
            for gate in &step.gates_to_clear {
                parts.push(if th {
                    format!("ยก {} จาก {:.2} ให้ถึง {:.2}", gate.instrument, gate.score, gate.gate)
                } else {
                    format!("raise {} from {:.2} to {:.2}", gate.instrument, gate.score, gate.gate)
                });
            }
            if step.total_gap > 0.0 {
                let alternatives: Vec<String> = step
                    .alternatives
                    .iter()
                    .map(|(instrument, increase)| {
                        if th {
                            format!("{instrument} เพิ่ม {increase:.2}")
                        } else {
                            format!("{instrument} +{increase:.2}")
                        }
                    })
                    .collect();
                let gap = step.total_gap;
                parts.push(match (th, alternatives.is_empty()) {
                    (true, false) => format!("คะแนนรวมเพิ่มอีก {gap:.2} (เช่น {})", alternatives.join(" หรือ ")),
                    (true, true) => format!("คะแนนรวมเพิ่มอีก {gap:.2} ซึ่งต้องเพิ่มหลายแบบวัดพร้อมกัน"),
                    (false, false) => {
                        format!("{gap:.2} more points of the total (e.g. {})", alternatives.join(" or "))
                    }
                    (false, true) => {
                        format!("{gap:.2} more points of the total, from several instruments at once")
                    }
                });
            }
            let level = methodology.levels.iter().find(|level| level.code == step.level_code);
            let name = level.map_or(step.level.clone(), |level| level.name(lang).to_string());
            out.push_str(&format!("- {name}: {}\n", parts.join(if th { " และ " } else { " and " })));
        }
    }
    if !view.notices.is_empty() {
        out.push('\n');
        out.push_str(if th { "ข้อสังเกต\n" } else { "Notes\n" });
        for notice in &view.notices {
            out.push_str(&format!("- {}\n", if th { &notice.th } else { &notice.en }));
        }
    }
    out
}
