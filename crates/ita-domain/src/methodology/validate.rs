//! Checks a year file as a whole after it is read: every reference resolves, weights and scales add up, and
//! levels cover the whole range. The first problem found is reported with its field path and, where it can be
//! found, its line.

use std::collections::{BTreeMap, BTreeSet};

use super::{InstrumentKind, Methodology, OitCredit, Polarity, SampleRuleKind};
use crate::error::{Error, ErrorKind, Result, line_of};
use crate::exact::Exact;

struct Checker<'a> {
    source: &'a str,
    text: &'a str,
}

impl Checker<'_> {
    /// An error at `field`; `anchor` is a piece of the file (such as `code = "I3"`) whose line to show.
    fn fail(&self, field: impl Into<String>, anchor: Option<String>, th: String, en: String) -> Error {
        let mut error = Error::new(ErrorKind::Methodology, self.source, field, th, en);
        if let Some(anchor) = anchor
            && let Some(offset) = self.text.find(&anchor)
        {
            error = error.with_line(line_of(self.text, offset));
        }
        error
    }
}

fn code_anchor(code: &str) -> Option<String> {
    Some(format!("code = \"{code}\""))
}

fn number_anchor(number: u8) -> Option<String> {
    Some(format!("number = {number}"))
}

fn in_percent_range(value: &Exact) -> bool {
    !value.is_negative() && *value <= Exact::hundred()
}

pub(super) fn validate(methodology: &Methodology, text: &str) -> Result<()> {
    let check = Checker { source: &methodology.source, text };
    check_header(methodology, &check)?;
    check_instruments(methodology, &check)?;
    check_indicators(methodology, &check)?;
    check_levels(methodology, &check)?;
    check_scales(methodology, &check)?;
    check_items(methodology, &check)?;
    check_oit(methodology, &check)?;
    check_sample(methodology, &check)?;
    check_analysis(methodology, &check)?;
    Ok(())
}

fn check_header(methodology: &Methodology, check: &Checker<'_>) -> Result<()> {
    if !(2500..=2700).contains(&methodology.year) {
        return Err(check.fail(
            "year",
            Some("year".into()),
            format!("ปีงบประมาณต้องเป็นปีพุทธศักราช เช่น 2565 (ได้ {})", methodology.year),
            format!("the year must be a Buddhist-era fiscal year such as 2565 (got {})", methodology.year),
        ));
    }
    let variant_ok = !methodology.variant.is_empty()
        && methodology.variant.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if !variant_ok {
        return Err(check.fail(
            "variant",
            Some("variant".into()),
            format!("ชื่อรูปแบบต้องเป็นอักษรภาษาอังกฤษตัวเล็ก ตัวเลข หรือ - (ได้ {:?})", methodology.variant),
            format!("the variant must be lowercase letters, digits or '-' (got {:?})", methodology.variant),
        ));
    }
    let scoring = &methodology.scoring;
    if scoring.decimals > 6 {
        return Err(check.fail(
            "scoring.decimals",
            Some("decimals".into()),
            "จำนวนตำแหน่งทศนิยมต้องไม่เกิน 6".into(),
            "decimals must be at most 6".into(),
        ));
    }
    if !in_percent_range(&scoring.pass_mark) {
        return Err(check.fail(
            "scoring.pass_mark",
            Some("pass_mark".into()),
            "เกณฑ์ผ่านต้องอยู่ระหว่าง 0 ถึง 100".into(),
            "the pass mark must be between 0 and 100".into(),
        ));
    }
    Ok(())
}

fn check_instruments(methodology: &Methodology, check: &Checker<'_>) -> Result<()> {
    if methodology.instruments.is_empty() {
        return Err(check.fail(
            "instruments",
            None,
            "ต้องมีแบบวัดอย่างน้อยหนึ่งแบบ".into(),
            "at least one instrument is needed".into(),
        ));
    }
    let mut seen = BTreeSet::new();
    let mut weight_sum = Exact::zero();
    for (index, instrument) in methodology.instruments.iter().enumerate() {
        let field = format!("instruments[{index}]");
        if !seen.insert(instrument.code.as_str()) {
            return Err(check.fail(
                format!("{field}.code"),
                code_anchor(&instrument.code),
                format!("รหัสแบบวัด {} ซ้ำกัน", instrument.code),
                format!("instrument code {} appears twice", instrument.code),
            ));
        }
        if instrument.weight.is_negative() || instrument.weight.is_zero() {
            return Err(check.fail(
                format!("{field}.weight"),
                code_anchor(&instrument.code),
                format!("น้ำหนักของแบบวัด {} ต้องมากกว่า 0", instrument.code),
                format!("the weight of instrument {} must be more than 0", instrument.code),
            ));
        }
        weight_sum = weight_sum + &instrument.weight;
    }
    if weight_sum != Exact::integer(1) {
        let got = weight_sum.to_f64();
        return Err(check.fail(
            "instruments.weight",
            Some("weight".into()),
            format!("น้ำหนักของแบบวัดทุกแบบรวมกันต้องเท่ากับ 1 (ได้ {got})"),
            format!("the instruments' weights must sum to 1 (got {got})"),
        ));
    }
    Ok(())
}

fn check_indicators(methodology: &Methodology, check: &Checker<'_>) -> Result<()> {
    let mut seen = BTreeSet::new();
    for (index, indicator) in methodology.indicators.iter().enumerate() {
        let field = format!("indicators[{index}]");
        if !seen.insert(indicator.number) {
            return Err(check.fail(
                format!("{field}.number"),
                number_anchor(indicator.number),
                format!("ตัวชี้วัดที่ {} ซ้ำกัน", indicator.number),
                format!("indicator {} appears twice", indicator.number),
            ));
        }
        if methodology.instrument(&indicator.instrument).is_none() {
            return Err(check.fail(
                format!("{field}.instrument"),
                number_anchor(indicator.number),
                format!("ตัวชี้วัดที่ {} อ้างถึงแบบวัด {} ซึ่งไม่มีอยู่", indicator.number, indicator.instrument),
                format!(
                    "indicator {} names instrument {}, which does not exist",
                    indicator.number, indicator.instrument
                ),
            ));
        }
    }
    for instrument in &methodology.instruments {
        if methodology.indicators_of(&instrument.code).next().is_none() {
            return Err(check.fail(
                "indicators",
                code_anchor(&instrument.code),
                format!("แบบวัด {} ไม่มีตัวชี้วัด", instrument.code),
                format!("instrument {} has no indicator", instrument.code),
            ));
        }
    }
    let mut sub_seen = BTreeSet::new();
    for (index, sub) in methodology.sub_indicators.iter().enumerate() {
        let field = format!("sub_indicators[{index}]");
        if !sub_seen.insert(sub.code.as_str()) {
            return Err(check.fail(
                format!("{field}.code"),
                code_anchor(&sub.code),
                format!("ตัวชี้วัดย่อย {} ซ้ำกัน", sub.code),
                format!("sub-indicator {} appears twice", sub.code),
            ));
        }
        let instrument_kind = methodology
            .indicator(sub.indicator)
            .and_then(|indicator| methodology.instrument(&indicator.instrument))
            .map(|instrument| instrument.kind);
        if instrument_kind != Some(InstrumentKind::Checklist) {
            return Err(check.fail(
                format!("{field}.indicator"),
                code_anchor(&sub.code),
                format!("ตัวชี้วัดย่อย {} ต้องอยู่ในตัวชี้วัดของแบบวัดการเปิดเผยข้อมูลสาธารณะที่มีอยู่", sub.code),
                format!("sub-indicator {} must belong to an existing checklist (OIT) indicator", sub.code),
            ));
        }
    }
    Ok(())
}

fn check_levels(methodology: &Methodology, check: &Checker<'_>) -> Result<()> {
    if methodology.levels.is_empty() {
        return Err(check.fail(
            "levels",
            None,
            "ต้องกำหนดระดับผลการประเมิน".into(),
            "levels are missing".into(),
        ));
    }
    let mut codes = BTreeSet::new();
    for (index, level) in methodology.levels.iter().enumerate() {
        let field = format!("levels[{index}]");
        if !codes.insert(level.code.as_str()) {
            return Err(check.fail(
                format!("{field}.code"),
                code_anchor(&level.code),
                format!("ระดับ {} ซ้ำกัน", level.code),
                format!("level {} appears twice", level.code),
            ));
        }
        let below_ok = level.below.as_ref().is_none_or(|below| *below > level.min && in_percent_range(below));
        if !in_percent_range(&level.min) || !below_ok {
            return Err(check.fail(
                format!("{field}.min"),
                code_anchor(&level.code),
                format!("ช่วงคะแนนของระดับ {} ไม่ถูกต้อง: ต้องอยู่ในช่วง 0 ถึง 100 และ min น้อยกว่า below", level.code),
                format!(
                    "level {} has a bad range: it must lie within 0 to 100 with min below `below`",
                    level.code
                ),
            ));
        }
        for (instrument, threshold) in &level.gates {
            if methodology.instrument(instrument).is_none() {
                return Err(check.fail(
                    format!("{field}.gates.{instrument}"),
                    code_anchor(&level.code),
                    format!("เงื่อนไขของระดับ {} อ้างถึงแบบวัด {} ซึ่งไม่มีอยู่", level.code, instrument),
                    format!(
                        "a gate of level {} names instrument {}, which does not exist",
                        level.code, instrument
                    ),
                ));
            }
            if !in_percent_range(threshold) {
                return Err(check.fail(
                    format!("{field}.gates.{instrument}"),
                    code_anchor(&level.code),
                    format!("เกณฑ์ของแบบวัด {instrument} ในระดับ {} ต้องอยู่ระหว่าง 0 ถึง 100", level.code),
                    format!("the {instrument} gate of level {} must be between 0 and 100", level.code),
                ));
            }
        }
    }
    // The levels without gates must cover 0..=100 exactly once.
    let mut ungated: Vec<(usize, &super::Level)> =
        methodology.levels.iter().enumerate().filter(|(_, level)| level.gates.is_empty()).collect();
    ungated.sort_by(|a, b| a.1.min.cmp(&b.1.min));
    let mut reach = Exact::zero();
    for (position, (index, level)) in ungated.iter().enumerate() {
        if level.min != reach {
            let (th, en) = if level.min < reach {
                (
                    format!("ช่วงคะแนนของระดับ {} ซ้อนทับกับระดับอื่น", level.code),
                    format!("level {} overlaps another level", level.code),
                )
            } else {
                (
                    format!("ช่วงคะแนนตั้งแต่ {reach} ถึงก่อน {} ไม่มีระดับรองรับ", level.min),
                    format!("no level covers the totals from {reach} up to {}", level.min),
                )
            };
            return Err(check.fail(format!("levels[{index}].min"), code_anchor(&level.code), th, en));
        }
        match &level.below {
            Some(below) => reach = below.clone(),
            None => {
                if position + 1 != ungated.len() {
                    let next = ungated[position + 1].1;
                    return Err(check.fail(
                        format!("levels[{index}].below"),
                        code_anchor(&level.code),
                        format!("ระดับ {} ครอบคลุมถึง 100 และซ้อนทับกับระดับ {}", level.code, next.code),
                        format!("level {} reaches 100 and overlaps level {}", level.code, next.code),
                    ));
                }
                reach = Exact::hundred() + Exact::integer(1);
            }
        }
    }
    if reach <= Exact::hundred() {
        return Err(check.fail(
            "levels",
            None,
            "ระดับที่ไม่มีเงื่อนไขต้องครอบคลุมคะแนนถึง 100".into(),
            "the levels without gates must reach 100".into(),
        ));
    }
    // A gated level listed after an ungated level that takes all of its totals could never be given.
    for (index, level) in methodology.levels.iter().enumerate() {
        if level.gates.is_empty() {
            continue;
        }
        let shadowed_by = methodology.levels[..index].iter().find(|earlier| {
            earlier.gates.is_empty()
                && earlier.min <= level.min
                && match (&earlier.below, &level.below) {
                    (None, _) => true,
                    (Some(_), None) => false,
                    (Some(earlier_below), Some(below)) => earlier_below >= below,
                }
        });
        let duplicate = methodology.levels[..index].iter().find(|earlier| {
            earlier.gates == level.gates && earlier.min == level.min && earlier.below == level.below
        });
        if let Some(earlier) = shadowed_by.or(duplicate) {
            return Err(check.fail(
                format!("levels[{index}]"),
                code_anchor(&level.code),
                format!(
                    "ระดับ {} ไม่มีทางได้รับ เพราะระดับ {} ซึ่งอยู่ก่อนครอบคลุมคะแนนเดียวกันทั้งหมด",
                    level.code, earlier.code
                ),
                format!(
                    "level {} can never be given: level {}, listed before it, takes all its totals",
                    level.code, earlier.code
                ),
            ));
        }
    }
    Ok(())
}

fn check_scales(methodology: &Methodology, check: &Checker<'_>) -> Result<()> {
    let mut codes = BTreeSet::new();
    for (index, scale) in methodology.scales.iter().enumerate() {
        let field = format!("scales[{index}]");
        if !codes.insert(scale.code.as_str()) {
            return Err(check.fail(
                format!("{field}.code"),
                code_anchor(&scale.code),
                format!("มาตราวัด {} ซ้ำกัน", scale.code),
                format!("scale {} appears twice", scale.code),
            ));
        }
        if scale.options.len() < 2 {
            return Err(check.fail(
                format!("{field}.options"),
                code_anchor(&scale.code),
                format!("มาตราวัด {} ต้องมีตัวเลือกอย่างน้อย 2 ตัวเลือก", scale.code),
                format!("scale {} needs at least two options", scale.code),
            ));
        }
        let mut option_codes = BTreeSet::new();
        for (option_index, option) in scale.options.iter().enumerate() {
            let option_field = format!("{field}.options[{option_index}]");
            if !option_codes.insert(option.code.as_str()) {
                return Err(check.fail(
                    format!("{option_field}.code"),
                    code_anchor(&scale.code),
                    format!("ตัวเลือก {} ของมาตราวัด {} ซ้ำกัน", option.code, scale.code),
                    format!("option {} of scale {} appears twice", option.code, scale.code),
                ));
            }
            let small = option.score.to_i64_parts().is_some_and(|(_, denominator)| denominator <= 10_000);
            if !in_percent_range(&option.score) || !small {
                return Err(check.fail(
                    format!("{option_field}.score"),
                    code_anchor(&scale.code),
                    format!("คะแนนของตัวเลือก {} ในมาตราวัด {} ต้องอยู่ระหว่าง 0 ถึง 100 และเป็นเศษส่วนที่มีตัวส่วนไม่เกิน 10000", option.code, scale.code),
                    format!("the score of option {} of scale {} must be between 0 and 100, a fraction with a denominator of at most 10000", option.code, scale.code),
                ));
            }
        }
        let ordered = scale.options.windows(2).all(|pair| match scale.polarity {
            Polarity::Positive => pair[0].score <= pair[1].score,
            Polarity::Negative => pair[0].score >= pair[1].score,
        });
        // Two options (มี/ไม่มี) carry their meaning in their scores; longer scales must be ordered.
        if !ordered && scale.options.len() > 2 {
            return Err(check.fail(
                format!("{field}.options"),
                code_anchor(&scale.code),
                format!("คะแนนของมาตราวัด {} ไม่เรียงตามทิศทาง {:?}", scale.code, scale.polarity),
                format!("the scores of scale {} do not follow its {:?} polarity", scale.code, scale.polarity),
            ));
        }
    }
    Ok(())
}

fn check_items(methodology: &Methodology, check: &Checker<'_>) -> Result<()> {
    let mut codes = BTreeSet::new();
    for (index, item) in methodology.items.iter().enumerate() {
        let field = format!("items[{index}]");
        let anchor = code_anchor(&item.code);
        if !codes.insert(item.code.as_str()) {
            return Err(check.fail(
                format!("{field}.code"),
                anchor,
                format!("ข้อคำถาม {} ซ้ำกัน", item.code),
                format!("item {} appears twice", item.code),
            ));
        }
        let Some(instrument) = methodology.instrument(&item.instrument) else {
            return Err(check.fail(
                format!("{field}.instrument"),
                anchor,
                format!("ข้อคำถาม {} อ้างถึงแบบวัด {} ซึ่งไม่มีอยู่", item.code, item.instrument),
                format!("item {} names instrument {}, which does not exist", item.code, item.instrument),
            ));
        };
        if instrument.kind != InstrumentKind::Survey {
            return Err(check.fail(
                format!("{field}.instrument"),
                anchor,
                format!("ข้อคำถาม {} ต้องอยู่ในแบบวัดที่เป็นแบบสำรวจ", item.code),
                format!("item {} must belong to a survey instrument", item.code),
            ));
        }
        if methodology
            .indicator(item.indicator)
            .is_none_or(|indicator| indicator.instrument != item.instrument)
        {
            return Err(check.fail(
                format!("{field}.indicator"),
                anchor,
                format!(
                    "ข้อคำถาม {} อ้างถึงตัวชี้วัดที่ {} ซึ่งไม่มีในแบบวัด {}",
                    item.code, item.indicator, item.instrument
                ),
                format!(
                    "item {} names indicator {}, which is not an indicator of {}",
                    item.code, item.indicator, item.instrument
                ),
            ));
        }
        if item.text_th.trim().is_empty() {
            return Err(check.fail(
                format!("{field}.text_th"),
                anchor,
                format!("ข้อคำถาม {} ไม่มีข้อความภาษาไทย", item.code),
                format!("item {} has no Thai text", item.code),
            ));
        }
        for (sub_index, sub_question) in item.sub_questions.iter().enumerate() {
            let sub_field = format!("{field}.sub_questions[{sub_index}]");
            if sub_question.code != item.code && !codes.insert(sub_question.code.as_str()) {
                return Err(check.fail(
                    format!("{sub_field}.code"),
                    anchor,
                    format!("ข้อคำถามย่อย {} ซ้ำกัน", sub_question.code),
                    format!("sub-question {} appears twice", sub_question.code),
                ));
            }
            if methodology.scale(&sub_question.scale).is_none() {
                return Err(check.fail(
                    format!("{sub_field}.scale"),
                    anchor,
                    format!("ข้อคำถาม {} ใช้มาตราวัด {} ซึ่งไม่มีอยู่", sub_question.code, sub_question.scale),
                    format!("{} uses scale {}, which does not exist", sub_question.code, sub_question.scale),
                ));
            }
        }
    }
    for indicator in &methodology.indicators {
        let kind = methodology.instrument(&indicator.instrument).map(|instrument| instrument.kind);
        let has_content = match kind {
            Some(InstrumentKind::Survey) => methodology.items_of(indicator.number).next().is_some(),
            _ => methodology.sub_indicators_of(indicator.number).next().is_some(),
        };
        if !has_content {
            let (th, en) = match kind {
                Some(InstrumentKind::Survey) => (
                    format!("ตัวชี้วัดที่ {} ไม่มีข้อคำถาม", indicator.number),
                    format!("indicator {} has no item", indicator.number),
                ),
                _ => (
                    format!("ตัวชี้วัดที่ {} ไม่มีตัวชี้วัดย่อย", indicator.number),
                    format!("indicator {} has no sub-indicator", indicator.number),
                ),
            };
            return Err(check.fail("indicators", number_anchor(indicator.number), th, en));
        }
    }
    Ok(())
}

fn check_oit(methodology: &Methodology, check: &Checker<'_>) -> Result<()> {
    let mut codes = BTreeSet::new();
    let mut keys: BTreeMap<&str, &str> = BTreeMap::new();
    for (index, item) in methodology.oit_items.iter().enumerate() {
        let field = format!("oit_items[{index}]");
        let anchor = code_anchor(&item.code);
        if !codes.insert(item.code.as_str()) {
            return Err(check.fail(
                format!("{field}.code"),
                anchor,
                format!("ข้อ {} ซ้ำกัน", item.code),
                format!("item {} appears twice", item.code),
            ));
        }
        let key_ok = !item.key.is_empty()
            && item.key.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        if !key_ok {
            return Err(check.fail(
                format!("{field}.key"),
                anchor,
                format!("รหัสถาวรของข้อ {} ต้องเป็นอักษรภาษาอังกฤษตัวเล็ก ตัวเลข หรือ -", item.code),
                format!("the stable key of {} must be lowercase letters, digits or '-'", item.code),
            ));
        }
        if let Some(other) = keys.insert(item.key.as_str(), item.code.as_str()) {
            return Err(check.fail(
                format!("{field}.key"),
                anchor,
                format!("รหัสถาวร {} ซ้ำกันในข้อ {} และข้อ {}", item.key, other, item.code),
                format!("stable key {} is used by both {} and {}", item.key, other, item.code),
            ));
        }
        if !methodology.sub_indicators.iter().any(|sub| sub.code == item.sub_indicator) {
            return Err(check.fail(
                format!("{field}.sub_indicator"),
                anchor,
                format!("ข้อ {} อ้างถึงตัวชี้วัดย่อย {} ซึ่งไม่มีอยู่", item.code, item.sub_indicator),
                format!(
                    "item {} names sub-indicator {}, which does not exist",
                    item.code, item.sub_indicator
                ),
            ));
        }
        if methodology.scoring.oit_credit == OitCredit::PerElement && item.elements.is_empty() {
            return Err(check.fail(
                format!("{field}.elements"),
                anchor,
                format!("ข้อ {} ต้องมีองค์ประกอบ เพราะปีนี้ให้คะแนนรายองค์ประกอบ", item.code),
                format!("item {} needs elements: this year credits each element", item.code),
            ));
        }
        let mut numbers = BTreeSet::new();
        for element in &item.elements {
            if !numbers.insert(element.number.as_str()) {
                return Err(check.fail(
                    format!("{field}.elements"),
                    anchor,
                    format!("องค์ประกอบ {} ของข้อ {} ซ้ำกัน", element.number, item.code),
                    format!("element {} of item {} appears twice", element.number, item.code),
                ));
            }
        }
    }
    for (index, sub) in methodology.sub_indicators.iter().enumerate() {
        if methodology.oit_items_of(&sub.code).next().is_none() {
            return Err(check.fail(
                format!("sub_indicators[{index}]"),
                code_anchor(&sub.code),
                format!("ตัวชี้วัดย่อย {} ไม่มีข้อการประเมิน", sub.code),
                format!("sub-indicator {} has no item", sub.code),
            ));
        }
    }
    Ok(())
}

fn check_sample(methodology: &Methodology, check: &Checker<'_>) -> Result<()> {
    for (instrument, rule) in &methodology.sample {
        let field = format!("sample.{instrument}");
        if methodology.instrument(instrument).is_none_or(|found| found.kind != InstrumentKind::Survey) {
            return Err(check.fail(
                &field,
                Some(format!("[sample.{instrument}]")),
                format!("เกณฑ์ขนาดตัวอย่างอ้างถึงแบบวัด {instrument} ซึ่งไม่ใช่แบบสำรวจที่มีอยู่"),
                format!("a sample rule names {instrument}, which is not an existing survey instrument"),
            ));
        }
        if rule.rules.is_empty() {
            return Err(check.fail(
                format!("{field}.rules"),
                Some(format!("[sample.{instrument}]")),
                "ต้องมีเกณฑ์อย่างน้อยหนึ่งข้อ".into(),
                "at least one rule is needed".into(),
            ));
        }
        for (index, kind) in rule.rules.iter().enumerate() {
            let bad = match kind {
                SampleRuleKind::PercentWithFloor { percent, .. } => {
                    percent.is_zero() || !in_percent_range(percent)
                }
                SampleRuleKind::Yamane { e } => e.is_zero() || e.is_negative() || *e >= Exact::integer(1),
                _ => false,
            };
            if bad {
                return Err(check.fail(
                    format!("{field}.rules[{index}]"),
                    Some(format!("[sample.{instrument}]")),
                    "ค่าของเกณฑ์ขนาดตัวอย่างอยู่นอกช่วงที่ใช้ได้".into(),
                    "a sample rule's parameter is out of range".into(),
                ));
            }
        }
    }
    Ok(())
}

fn check_analysis(methodology: &Methodology, check: &Checker<'_>) -> Result<()> {
    let Some(analysis) = &methodology.analysis else { return Ok(()) };
    for (name, code) in
        [("analysis_item", &analysis.analysis_item), ("follow_up_item", &analysis.follow_up_item)]
    {
        if methodology.oit_item(code).is_none() {
            return Err(check.fail(
                format!("analysis.{name}"),
                Some(name.to_string()),
                format!("ข้อ {code} ที่อ้างถึงไม่มีในรายการข้อการประเมิน OIT ของปีนี้"),
                format!("item {code} is not an OIT item of this year"),
            ));
        }
    }
    Ok(())
}
