//! `ita methodology list|show|check|diff`: what the tool knows of each assessment year.

use std::path::Path;

use ita_domain::Lang;
use ita_domain::methodology::{Catalog, ItemChange, MethodologyDiff, MethodologyId, Status};

use crate::table::{Align, Table};

pub fn list(catalog: &Catalog) -> anyhow::Result<()> {
    let mut table = Table::new(
        &["ปี/Year", "ระดับหรือผล/Levels", "IIT/EIT", "OIT", "ส่วนที่สันนิษฐาน/Assumed parts", "ชื่อ/Title"],
        &[Align::Left, Align::Left, Align::Right, Align::Right, Align::Right, Align::Left],
    );
    for methodology in catalog.list() {
        let levels: Vec<&str> = methodology.levels.iter().map(|level| level.name_th.as_str()).collect();
        table.row(vec![
            methodology.id().to_string(),
            levels.join(" "),
            methodology.items.len().to_string(),
            methodology.oit_items.len().to_string(),
            methodology.assumed_parts().len().to_string(),
            methodology.title_th.clone(),
        ]);
    }
    print!("{}", table.render());
    Ok(())
}

pub fn show(catalog: &Catalog, year: &str, lang: Lang) -> anyhow::Result<()> {
    let id: MethodologyId = year.parse()?;
    let methodology = catalog.get(&id)?;
    let th = lang == Lang::Th;
    println!("{} [{}]", methodology.title(lang), methodology.id());
    println!();
    for instrument in &methodology.instruments {
        println!(
            "{} {} ({}{}%)",
            instrument.code,
            lang.pick(&instrument.name_th, &instrument.name_en),
            if th { "น้ำหนัก " } else { "weight " },
            (instrument.weight.to_f64() * 100.0).round()
        );
        for indicator in methodology.indicators_of(&instrument.code) {
            println!("  {:>2} {}", indicator.number, lang.pick(&indicator.name_th, &indicator.name_en));
            for item in methodology.items_of(indicator.number) {
                println!("       {:<4} [{}] {}", item.code, item.scale, item.text(lang));
                for sub in item.sub_questions.iter().filter(|sub| !sub.text_th.is_empty()) {
                    println!("            {:<6} {}", sub.code, lang.pick(&sub.text_th, &sub.text_en));
                }
            }
            for sub_indicator in methodology.sub_indicators_of(indicator.number) {
                println!(
                    "     {} {}",
                    sub_indicator.code,
                    lang.pick(&sub_indicator.name_th, &sub_indicator.name_en)
                );
                for item in methodology.oit_items_of(&sub_indicator.code) {
                    println!("       {:<4} {} ({})", item.code, item.name(lang), item.period.label(lang));
                }
            }
        }
    }
    println!();
    println!("{}", if th { "ระดับผลการประเมิน" } else { "Levels" });
    for level in &methodology.levels {
        let range = match &level.below {
            Some(below) => format!("{} ≤ total < {}", level.min, below),
            None => format!("{} ≤ total ≤ 100", level.min),
        };
        let gates: Vec<String> = level.gates.iter().map(|(code, gate)| format!("{code} ≥ {gate}")).collect();
        let gates = if gates.is_empty() { String::new() } else { format!(", {}", gates.join(", ")) };
        println!("  {:<12} {range}{gates}", level.name(lang));
    }
    println!();
    for (instrument, rule) in &methodology.sample {
        let status = rule.status.unwrap_or(Status::Confirmed);
        println!(
            "{} {instrument}: {} [{}]",
            if th { "ขนาดตัวอย่างขั้นต่ำ" } else { "Minimum sample" },
            rule.describe(lang),
            status.label(lang)
        );
    }
    let assumed = methodology.assumed_parts();
    println!();
    if assumed.is_empty() {
        println!(
            "{}",
            if th {
                "ไม่มีส่วนที่สันนิษฐาน"
            } else {
                "No part is assumed"
            }
        );
    } else {
        println!("{} ({})", if th { "ส่วนที่สันนิษฐาน (assumed)" } else { "Assumed parts" }, assumed.len());
        for part in assumed {
            println!("  - {part}");
        }
    }
    Ok(())
}

pub fn check(file: &Path) -> anyhow::Result<()> {
    let methodology = crate::read_methodology(file)?;
    println!(
        "ถูกต้อง: {} ปี {} มีตัวชี้วัด {} ตัว ข้อคำถาม {} ข้อ และข้อ OIT {} ข้อ\nok: {} year {}: {} indicators, {} survey items, {} OIT items",
        file.display(),
        methodology.id(),
        methodology.indicators.len(),
        methodology.items.len(),
        methodology.oit_items.len(),
        file.display(),
        methodology.id(),
        methodology.indicators.len(),
        methodology.items.len(),
        methodology.oit_items.len(),
    );
    Ok(())
}

pub fn diff(catalog: &Catalog, old: &str, new: &str) -> anyhow::Result<()> {
    let old = catalog.get(&old.parse()?)?;
    let new = catalog.get(&new.parse()?)?;
    let diff = MethodologyDiff::between(old, new);
    println!(
        "OIT {} → {}: ข้อที่ยังอยู่/items kept {}, การเปลี่ยนแปลง/changes {}",
        old.id(),
        new.id(),
        diff.carried_over.len(),
        diff.changes.len()
    );
    let mut previous_key: Option<&str> = None;
    for change in &diff.changes {
        let line = match change {
            ItemChange::Added { code, key, name_th } => {
                format!("+ เพิ่ม/added          {code:<4} {name_th} [{key}]")
            }
            ItemChange::Removed { code, key, name_th } => {
                format!("- ตัดออก/removed       {code:<4} {name_th} [{key}]")
            }
            ItemChange::Renumbered { key, old_code, new_code, name_th } => {
                format!("~ เปลี่ยนเลข/renumbered {old_code} → {new_code} {name_th} [{key}]")
            }
            // A rename of the item just renumbered is shown under it, not as a second entry.
            ItemChange::Renamed { key, old_name_th, .. } if previous_key == Some(key.as_str()) => {
                format!("    ชื่อเดิม/formerly: {old_name_th}")
            }
            ItemChange::Renamed { key, code, old_name_th, new_name_th } => {
                format!(
                    "~ เปลี่ยนชื่อ/renamed    {code:<4} {new_name_th} [{key}]\n    ชื่อเดิม/formerly: {old_name_th}"
                )
            }
        };
        previous_key = match change {
            ItemChange::Renumbered { key, .. } => Some(key.as_str()),
            _ => None,
        };
        println!("{line}");
    }
    Ok(())
}
