//! The methodology of one assessment year as data: instruments, indicators, items, scales, levels, sample rules.
//!
//! A year file (`methodology/2565.toml`) is read straight into these types and then checked as a whole by
//! [`validate`]; nothing of a year's method lives in code. `methodology/README.md` documents the file format.

mod catalog;
mod diff;
mod validate;

use std::collections::BTreeMap;
use std::fmt;

use serde::Deserialize;

pub use catalog::{Catalog, MethodologyId};
pub use diff::{ItemChange, MethodologyDiff, previous_item};

use crate::error::{Error, ErrorKind, Result, line_of};
use crate::exact::Exact;
use crate::lang::Lang;

/// การประเมิน ITA ของปีงบประมาณหนึ่ง: one year's (and variant's) whole method.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Methodology {
    /// Buddhist-era fiscal year (ปีงบประมาณ พ.ศ.).
    pub year: u16,
    #[serde(default = "default_variant")]
    pub variant: String,
    pub title_th: String,
    pub title_en: String,
    #[serde(default)]
    pub status: Option<Status>,
    #[serde(default)]
    pub note_th: Option<String>,
    #[serde(default)]
    pub note_en: Option<String>,
    pub scoring: ScoringRules,
    #[serde(default)]
    pub analysis: Option<AnalysisPattern>,
    pub instruments: Vec<Instrument>,
    pub indicators: Vec<Indicator>,
    #[serde(default)]
    pub sub_indicators: Vec<SubIndicator>,
    pub levels: Vec<Level>,
    #[serde(default)]
    pub scales: Vec<Scale>,
    #[serde(default)]
    pub items: Vec<SurveyItem>,
    #[serde(default)]
    pub oit_items: Vec<OitItem>,
    #[serde(default)]
    pub sample: BTreeMap<String, SampleRule>,
    #[serde(default)]
    pub eit_relations: Vec<Relation>,
    /// Where the file came from (its name), for messages.
    #[serde(skip)]
    pub source: String,
}

fn default_variant() -> String {
    "nacc".to_string()
}

/// Where a fact comes from: confirmed, a copy of an official form, or our reconstruction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Confirmed,
    Copy,
    Assumed,
}

impl Status {
    pub fn label(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (Status::Confirmed, Lang::Th) => "ยืนยันแล้ว",
            (Status::Copy, Lang::Th) => "ตามสำเนาแบบฟอร์ม",
            (Status::Assumed, Lang::Th) => "สันนิษฐาน",
            (Status::Confirmed, Lang::En) => "confirmed",
            (Status::Copy, Lang::En) => "copy",
            (Status::Assumed, Lang::En) => "assumed",
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScoringRules {
    #[serde(default)]
    pub status: Option<Status>,
    pub rounding: Rounding,
    pub decimals: u8,
    pub aggregation: Aggregation,
    #[serde(default)]
    pub aggregation_status: Option<Status>,
    pub oit_credit: OitCredit,
    pub pass_mark: Exact,
    pub gate_scores: GateScores,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Rounding {
    HalfUp,
}

/// How an indicator's score is made from its survey items.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Aggregation {
    /// The mean of its items; an item is the mean of its sub-questions.
    Item,
    /// The mean of all its sub-questions, each counting once.
    SubQuestion,
}

/// How an OIT item is credited.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OitCredit {
    /// An item is 0 or 100.
    AllOrNothing,
    /// An item is the share of its elements that pass.
    PerElement,
}

/// Whether level gates compare the two-decimal instrument scores an agency sees, or the exact ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GateScores {
    Rounded,
    Exact,
}

/// Which OIT items the analysis document evidences, and how it chooses indicators.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AnalysisPattern {
    #[serde(default)]
    pub status: Option<Status>,
    pub pattern: String,
    pub analysis_item: String,
    pub follow_up_item: String,
    /// How many weakest indicators the analysis must choose; 0 means every one that needs improvement.
    #[serde(default)]
    pub indicators_to_choose: u8,
}

/// แบบวัด: IIT, EIT or OIT.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Instrument {
    pub code: String,
    pub kind: InstrumentKind,
    pub weight: Exact,
    pub name_th: String,
    pub name_en: String,
    #[serde(default)]
    pub status: Option<Status>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InstrumentKind {
    /// Answered by respondents (IIT, EIT).
    Survey,
    /// Judged item by item by assessors (OIT).
    Checklist,
}

/// ตัวชี้วัด: one of the indicators.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Indicator {
    pub number: u8,
    pub instrument: String,
    pub name_th: String,
    pub name_en: String,
    #[serde(default)]
    pub status: Option<Status>,
}

/// ตัวชี้วัดย่อย: a group of OIT items within a checklist indicator.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SubIndicator {
    pub code: String,
    pub indicator: u8,
    pub name_th: String,
    pub name_en: String,
    #[serde(default)]
    pub status: Option<Status>,
}

/// ระดับ or ผลการประเมิน: a level (AA..F) or a label (ผ่านดีเยี่ยม..), with optional per-instrument gates.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Level {
    pub code: String,
    pub name_th: String,
    pub name_en: String,
    pub min: Exact,
    #[serde(default)]
    pub below: Option<Exact>,
    #[serde(default)]
    pub gates: BTreeMap<String, Exact>,
    #[serde(default)]
    pub status: Option<Status>,
}

impl Level {
    /// Whether a rounded total falls in this level's range.
    pub fn holds_total(&self, total: &Exact) -> bool {
        *total >= self.min && self.below.as_ref().is_none_or(|below| total < below)
    }

    pub fn name(&self, lang: Lang) -> &str {
        lang.pick(&self.name_th, &self.name_en)
    }
}

/// มาตราวัด: an answer scale with a score for each option.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scale {
    pub code: String,
    pub polarity: Polarity,
    #[serde(default)]
    pub status: Option<Status>,
    #[serde(default)]
    pub note_en: Option<String>,
    pub options: Vec<ScaleOption>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Polarity {
    Positive,
    Negative,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScaleOption {
    pub code: String,
    pub name_th: String,
    pub name_en: String,
    pub score: Exact,
}

/// ข้อคำถาม: an IIT or EIT question, with its sub-questions.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SurveyItem {
    pub code: String,
    pub instrument: String,
    pub indicator: u8,
    pub scale: String,
    pub text_th: String,
    pub text_en: String,
    #[serde(default)]
    pub status: Option<Status>,
    #[serde(default)]
    pub assumed: Vec<String>,
    /// After loading, never empty: an item written without sub-questions gets one, under its own code.
    #[serde(default)]
    pub sub_questions: Vec<SubQuestion>,
}

impl SurveyItem {
    pub fn text(&self, lang: Lang) -> &str {
        lang.pick(&self.text_th, &self.text_en)
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SubQuestion {
    pub code: String,
    /// Empty for the one sub-question of an item asked as a whole.
    #[serde(default)]
    pub text_th: String,
    #[serde(default)]
    pub text_en: String,
    /// After loading, always set (from the item when the file leaves it out).
    #[serde(default)]
    pub scale: String,
}

/// ข้อการเปิดเผยข้อมูลสาธารณะ: an OIT checklist item.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OitItem {
    pub code: String,
    /// Stable across years: items are matched between years by key, never by code.
    pub key: String,
    pub sub_indicator: String,
    pub name_th: String,
    pub name_en: String,
    #[serde(default)]
    pub requires_th: String,
    #[serde(default)]
    pub requires_en: String,
    pub period: DataPeriod,
    #[serde(default)]
    pub elements: Vec<Element>,
    #[serde(default)]
    pub status: Option<Status>,
    #[serde(default)]
    pub assumed: Vec<String>,
}

impl OitItem {
    pub fn name(&self, lang: Lang) -> &str {
        lang.pick(&self.name_th, &self.name_en)
    }
}

/// The period that an OIT item's evidence must cover.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DataPeriod {
    CurrentFy,
    PreviousFy,
    CurrentFyFirstHalf,
    Any,
}

impl DataPeriod {
    pub fn label(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (DataPeriod::CurrentFy, Lang::Th) => "ปีงบประมาณปัจจุบัน",
            (DataPeriod::PreviousFy, Lang::Th) => "ปีงบประมาณที่ผ่านมา",
            (DataPeriod::CurrentFyFirstHalf, Lang::Th) => "รอบ 6 เดือนแรกของปีงบประมาณปัจจุบัน",
            (DataPeriod::Any, Lang::Th) => "ไม่จำกัดช่วงเวลา",
            (DataPeriod::CurrentFy, Lang::En) => "current fiscal year",
            (DataPeriod::PreviousFy, Lang::En) => "previous fiscal year",
            (DataPeriod::CurrentFyFirstHalf, Lang::En) => "first half of the current fiscal year",
            (DataPeriod::Any, Lang::En) => "any period",
        }
    }
}

/// องค์ประกอบ: one numbered element of an OIT item.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Element {
    pub number: String,
    pub text_th: String,
    pub text_en: String,
}

/// The minimum sample for a survey instrument.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SampleRule {
    #[serde(default)]
    pub status: Option<Status>,
    pub rules: Vec<SampleRuleKind>,
    #[serde(default)]
    pub max: Option<u32>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum SampleRuleKind {
    AllIfAtMost { n: u32 },
    PercentWithFloor { percent: Exact, floor: u32 },
    Yamane { e: Exact },
    Fixed { n: u32 },
}

impl SampleRule {
    /// The rule in words, e.g. "everyone when at most 30; else 10%, at least 30; at most 400".
    pub fn describe(&self, lang: Lang) -> String {
        let parts: Vec<String> = self
            .rules
            .iter()
            .map(|rule| match (rule, lang) {
                (SampleRuleKind::AllIfAtMost { n }, Lang::Th) => format!("ทุกคนเมื่อมีไม่เกิน {n} คน"),
                (SampleRuleKind::AllIfAtMost { n }, Lang::En) => format!("everyone when at most {n}"),
                (SampleRuleKind::PercentWithFloor { percent, floor }, Lang::Th) => {
                    format!("ร้อยละ {} แต่ไม่น้อยกว่า {floor} คน", percent.to_f64())
                }
                (SampleRuleKind::PercentWithFloor { percent, floor }, Lang::En) => {
                    format!("{}% but at least {floor}", percent.to_f64())
                }
                (SampleRuleKind::Yamane { e }, Lang::Th) => format!("สูตรยามาเน่ ความคลาดเคลื่อน {}", e.to_f64()),
                (SampleRuleKind::Yamane { e }, Lang::En) => {
                    format!("Yamane's formula with e = {}", e.to_f64())
                }
                (SampleRuleKind::Fixed { n }, Lang::Th) => format!("{n} คน"),
                (SampleRuleKind::Fixed { n }, Lang::En) => format!("{n} people"),
            })
            .collect();
        let mut text = parts.join(match lang {
            Lang::Th => " มิฉะนั้น ",
            Lang::En => "; otherwise ",
        });
        if let Some(max) = self.max {
            text.push_str(&match lang {
                Lang::Th => format!(" (ไม่เกิน {max} คน)"),
                Lang::En => format!(" (at most {max})"),
            });
        }
        text
    }

    /// The minimum number of respondents for a population of `population` people.
    pub fn minimum(&self, population: u32) -> u32 {
        let mut minimum = population;
        for rule in &self.rules {
            match rule {
                SampleRuleKind::AllIfAtMost { n } => {
                    if population <= *n {
                        minimum = population;
                        break;
                    }
                }
                SampleRuleKind::PercentWithFloor { percent, floor } => {
                    let share = Exact::integer(i64::from(population)) * percent / Exact::hundred();
                    minimum = u32::try_from(share.ceil_integer()).unwrap_or(u32::MAX).max(*floor);
                    break;
                }
                SampleRuleKind::Yamane { e } => {
                    let population_exact = Exact::integer(i64::from(population));
                    let value = &population_exact / (Exact::integer(1) + &population_exact * e * e);
                    minimum = u32::try_from(value.ceil_integer()).unwrap_or(u32::MAX);
                    break;
                }
                SampleRuleKind::Fixed { n } => {
                    minimum = *n;
                    break;
                }
            }
        }
        if let Some(max) = self.max {
            minimum = minimum.min(max);
        }
        minimum.min(population)
    }
}

/// What an external respondent says of their relation to the agency.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Relation {
    pub code: String,
    pub name_th: String,
    pub name_en: String,
}

/// One assumed part of a year, for `ita methodology show`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssumedPart {
    pub path: String,
    pub what_en: String,
}

impl fmt::Display for AssumedPart {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "{}: {}", self.path, self.what_en)
    }
}

impl Methodology {
    /// Reads and validates a year file. `source` names the file in messages.
    pub fn parse(source: &str, text: &str) -> Result<Methodology> {
        let mut methodology: Methodology = toml::from_str(text).map_err(|error| {
            let field = error_field(error.message());
            let mut problem = Error::new(
                ErrorKind::Methodology,
                source,
                field,
                format!("อ่านแฟ้มไม่ได้: {}", error.message().trim()),
                format!("cannot read the file: {}", error.message().trim()),
            );
            if let Some(span) = error.span() {
                problem = problem.with_line(line_of(text, span.start));
            }
            problem
        })?;
        methodology.source = source.to_string();
        methodology.fill_defaults();
        validate::validate(&methodology, text)?;
        Ok(methodology)
    }

    fn fill_defaults(&mut self) {
        for item in &mut self.items {
            if item.sub_questions.is_empty() {
                item.sub_questions.push(SubQuestion {
                    code: item.code.clone(),
                    text_th: String::new(),
                    text_en: String::new(),
                    scale: item.scale.clone(),
                });
            }
            for sub_question in &mut item.sub_questions {
                if sub_question.scale.is_empty() {
                    sub_question.scale = item.scale.clone();
                }
            }
        }
    }

    pub fn id(&self) -> MethodologyId {
        MethodologyId { year: self.year, variant: self.variant.clone() }
    }

    pub fn title(&self, lang: Lang) -> &str {
        lang.pick(&self.title_th, &self.title_en)
    }

    pub fn file_status(&self) -> Status {
        self.status.unwrap_or(Status::Confirmed)
    }

    pub fn instrument(&self, code: &str) -> Option<&Instrument> {
        self.instruments.iter().find(|instrument| instrument.code == code)
    }

    pub fn indicator(&self, number: u8) -> Option<&Indicator> {
        self.indicators.iter().find(|indicator| indicator.number == number)
    }

    pub fn indicators_of<'a>(&'a self, instrument: &'a str) -> impl Iterator<Item = &'a Indicator> + 'a {
        self.indicators.iter().filter(move |indicator| indicator.instrument == instrument)
    }

    pub fn scale(&self, code: &str) -> Option<&Scale> {
        self.scales.iter().find(|scale| scale.code == code)
    }

    pub fn sub_indicators_of(&self, indicator: u8) -> impl Iterator<Item = &SubIndicator> + '_ {
        self.sub_indicators.iter().filter(move |sub| sub.indicator == indicator)
    }

    pub fn oit_items_of<'a>(&'a self, sub_indicator: &'a str) -> impl Iterator<Item = &'a OitItem> + 'a {
        self.oit_items.iter().filter(move |item| item.sub_indicator == sub_indicator)
    }

    pub fn oit_item(&self, code: &str) -> Option<&OitItem> {
        self.oit_items.iter().find(|item| item.code == code)
    }

    pub fn items_of(&self, indicator: u8) -> impl Iterator<Item = &SurveyItem> + '_ {
        self.items.iter().filter(move |item| item.indicator == indicator)
    }

    /// The weight of one indicator in the total: its instrument's weight shared equally among its indicators.
    pub fn indicator_weight(&self, number: u8) -> Exact {
        let Some(indicator) = self.indicator(number) else { return Exact::zero() };
        let Some(instrument) = self.instrument(&indicator.instrument) else { return Exact::zero() };
        let count = self.indicators_of(&instrument.code).count();
        &instrument.weight / &Exact::integer(count as i64)
    }

    pub fn has_gated_levels(&self) -> bool {
        self.levels.iter().any(|level| !level.gates.is_empty())
    }

    /// Every part of the year marked assumed, in file order.
    pub fn assumed_parts(&self) -> Vec<AssumedPart> {
        let mut parts = Vec::new();
        let mut push = |path: String, what: String| parts.push(AssumedPart { path, what_en: what });
        if self.status == Some(Status::Assumed) {
            push("(file)".into(), "the whole year file".into());
        }
        if self.scoring.status == Some(Status::Assumed) {
            push("scoring".into(), "scoring rules".into());
        }
        if self.scoring.aggregation_status == Some(Status::Assumed) {
            push("scoring.aggregation".into(), "how survey items make an indicator".into());
        }
        if let Some(analysis) = &self.analysis
            && analysis.status == Some(Status::Assumed)
        {
            push("analysis".into(), "the analysis document's pattern".into());
        }
        for (index, level) in self.levels.iter().enumerate() {
            if level.status == Some(Status::Assumed) {
                push(format!("levels[{index}]"), format!("level {}", level.name_en));
            }
        }
        for scale in &self.scales {
            if scale.status == Some(Status::Assumed) {
                push(format!("scales.{}", scale.code), "answer scale".into());
            }
            if let Some(note) = &scale.note_en
                && note.contains("assumed")
            {
                push(format!("scales.{}", scale.code), note.clone());
            }
        }
        let assumed_items: Vec<&str> = self
            .items
            .iter()
            .filter(|item| item.status == Some(Status::Assumed))
            .map(|item| item.code.as_str())
            .collect();
        if !assumed_items.is_empty() {
            push(
                "items".into(),
                format!("question wording and scales of {}", summarise_codes(&assumed_items)),
            );
        }
        let assumed_oit: Vec<&str> = self
            .oit_items
            .iter()
            .filter(|item| item.status == Some(Status::Assumed))
            .map(|item| item.code.as_str())
            .collect();
        if !assumed_oit.is_empty() {
            push("oit_items".into(), format!("the items {}", summarise_codes(&assumed_oit)));
        }
        let mut fields: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        for item in &self.oit_items {
            for field in &item.assumed {
                fields.entry(field.as_str()).or_default().push(item.code.as_str());
            }
        }
        for item in &self.items {
            for field in &item.assumed {
                fields.entry(field.as_str()).or_default().push(item.code.as_str());
            }
        }
        for (field, codes) in fields {
            push(format!("*.{field}"), format!("{field} of {}", summarise_codes(&codes)));
        }
        for (instrument, rule) in &self.sample {
            if rule.status == Some(Status::Assumed) {
                push(format!("sample.{instrument}"), format!("minimum sample rule for {instrument}"));
            }
        }
        parts
    }
}

/// `I1, I2, I3, I5` becomes `I1-I3, I5`.
fn summarise_codes(codes: &[&str]) -> String {
    let mut groups: Vec<(String, u32, u32)> = Vec::new();
    let mut loose: Vec<String> = Vec::new();
    for code in codes {
        let prefix: String = code.chars().take_while(|c| !c.is_ascii_digit()).collect();
        match code[prefix.len()..].parse::<u32>() {
            Ok(number) => match groups.last_mut() {
                Some((last_prefix, _, end)) if *last_prefix == prefix && *end + 1 == number => *end = number,
                _ => groups.push((prefix, number, number)),
            },
            Err(_) => loose.push((*code).to_string()),
        }
    }
    let mut parts: Vec<String> =
        groups
            .into_iter()
            .map(|(prefix, start, end)| {
                if start == end {
                    format!("{prefix}{start}")
                } else {
                    format!("{prefix}{start}-{prefix}{end}")
                }
            })
            .collect();
    parts.extend(loose);
    parts.join(", ")
}

/// The field a TOML error names, when it names one (`unknown field `wieght``, `missing field `weight``).
fn error_field(message: &str) -> String {
    for marker in ["unknown field `", "missing field `", "duplicate key `"] {
        if let Some(start) = message.find(marker) {
            let rest = &message[start + marker.len()..];
            if let Some(end) = rest.find('`') {
                return rest[..end].to_string();
            }
        }
    }
    String::new()
}

impl<'de> Deserialize<'de> for Exact {
    /// A number (`85`, `0.30`) or an exact fraction written as a string (`"100/3"`).
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> std::result::Result<Exact, D::Error> {
        struct ExactVisitor;
        impl serde::de::Visitor<'_> for ExactVisitor {
            type Value = Exact;
            fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
                formatter.write_str("a number or a fraction such as \"100/3\"")
            }
            fn visit_i64<E: serde::de::Error>(self, value: i64) -> std::result::Result<Exact, E> {
                Ok(Exact::integer(value))
            }
            fn visit_u64<E: serde::de::Error>(self, value: u64) -> std::result::Result<Exact, E> {
                i64::try_from(value).map(Exact::integer).map_err(|_| E::custom("number too large"))
            }
            fn visit_f64<E: serde::de::Error>(self, value: f64) -> std::result::Result<Exact, E> {
                Exact::from_written_f64(value)
                    .ok_or_else(|| E::custom(format!("not a usable number: {value}")))
            }
            fn visit_str<E: serde::de::Error>(self, value: &str) -> std::result::Result<Exact, E> {
                Exact::parse(value).ok_or_else(|| E::custom(format!("not a number or fraction: {value:?}")))
            }
        }
        deserializer.deserialize_any(ExactVisitor)
    }
}
