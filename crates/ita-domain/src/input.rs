//! The score input file (`ita score FILE`): TOML naming the year and the agency, with the agency's result at
//! whatever level it has it. Parsed here into domain types; files it names (CSV) are read by the caller and
//! handed in through a loader, so this module does no IO.
//!
//! ```toml
//! methodology = 2565            # or "2569-vec" for a variant; the newest year when left out
//! [agency]
//! name = "องค์การบริหารส่วนตำบลเขาทอง"
//! province = "กระบี่"
//! [indicators]                  # published indicator scores, keys 1..10
//! 1 = 100.00
//! [items]                       # or published survey item scores: I1 = 95.50
//! [instruments]                 # or instrument scores: IIT, EIT, OIT
//! total = 95.81                 # or a total alone
//! [responses.IIT]               # or raw responses: a CSV beside this file, or inline records
//! csv = "iit.csv"
//! [verdicts]                    # and OIT verdicts: a CSV (item, verdict, optionally element, reason and
//! items = { O1 = "pass", O2 = "fail" } # guidance: the assessor's words, shown in the report), or inline
//! ```

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::error::{Error, ErrorKind, Result, line_of};
use crate::exact::Exact;
use crate::methodology::{Catalog, Methodology, MethodologyId};
use crate::report::{AssessorNote, MeasureInput};
use crate::scoring::{ResponseSet, ScoreInput, Verdict, VerdictSet};

/// Details of the agency, as far as the input gives them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct AgencyInfo {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// ประเภทหน่วยงาน, e.g. อบต., เทศบาล, กรม.
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub agency_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub district: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub province: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub website: Option<String>,
}

/// A parsed score input: the year, the agency, and the scores or raw data.
#[derive(Debug, Clone)]
pub struct ScoreDocument {
    /// The file the input came from, for messages.
    pub source: String,
    pub methodology: MethodologyId,
    pub agency: AgencyInfo,
    pub input: ScoreInput,
    pub report: ReportOptions,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDocument {
    /// The year; the newest NACC year when left out.
    #[serde(default)]
    methodology: Option<toml::Value>,
    #[serde(default)]
    variant: Option<String>,
    #[serde(default)]
    agency: AgencyInfo,
    #[serde(default)]
    indicators: BTreeMap<String, toml::Value>,
    #[serde(default)]
    items: BTreeMap<String, toml::Value>,
    #[serde(default)]
    instruments: BTreeMap<String, toml::Value>,
    #[serde(default)]
    total: Option<toml::Value>,
    #[serde(default)]
    responses: BTreeMap<String, RawResponses>,
    #[serde(default)]
    verdicts: Option<RawVerdicts>,
    /// The report's options and the agency's own measures; scoring ignores them.
    #[serde(default)]
    report: RawReport,
    #[serde(default)]
    measures: Vec<RawMeasure>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawReport {
    /// The fiscal year in which the measures are carried out.
    #[serde(default)]
    fiscal_year: Option<u16>,
    #[serde(default)]
    propose_measures: Option<bool>,
    #[serde(default)]
    signer_name: Option<String>,
    #[serde(default)]
    signer_position: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMeasure {
    #[serde(default)]
    measure: String,
    #[serde(default)]
    how: String,
    #[serde(default)]
    owner: String,
    #[serde(default)]
    period: String,
    #[serde(default)]
    follow_up: String,
    #[serde(default)]
    answers: Option<toml::Value>,
}

/// What the input says about the report: its year, signer and the agency's own measures.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReportOptions {
    pub measures_year: Option<u16>,
    /// Add the library's proposals after the agency's own measures (default: yes).
    pub propose_measures: bool,
    pub signer: Option<(String, String)>,
    pub measures: Vec<MeasureInput>,
    /// The assessors' notes from the verdicts file (its `reason` and `guidance` columns), by item code.
    pub assessor_notes: BTreeMap<String, AssessorNote>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawResponses {
    #[serde(default)]
    csv: Option<String>,
    #[serde(default)]
    records: Vec<BTreeMap<String, toml::Value>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawVerdicts {
    #[serde(default)]
    csv: Option<String>,
    #[serde(default)]
    items: BTreeMap<String, toml::Value>,
}

/// Reads a file that the input names, relative to the input; returns its text or a reason it could not.
pub type Loader<'a> = dyn Fn(&str) -> std::result::Result<String, String> + 'a;

fn input_error(file: &str, field: impl Into<String>, th: String, en: String) -> Error {
    Error::new(ErrorKind::Input, file, field, th, en)
}

fn number(file: &str, field: &str, value: &toml::Value) -> Result<Exact> {
    let parsed = match value {
        toml::Value::Integer(integer) => Some(Exact::integer(*integer)),
        toml::Value::Float(float) => Exact::from_written_f64(*float),
        toml::Value::String(text) => Exact::parse(text),
        _ => None,
    };
    parsed.ok_or_else(|| {
        input_error(
            file,
            field,
            format!("ต้องเป็นตัวเลข (ได้ {value})"),
            format!("must be a number (got {value})"),
        )
    })
}

impl ScoreDocument {
    /// Parses an input file. `file` names it in messages; `load` reads the CSV files it names.
    pub fn parse(file: &str, text: &str, catalog: &Catalog, load: &Loader<'_>) -> Result<ScoreDocument> {
        let raw: RawDocument = toml::from_str(text).map_err(|error| {
            let mut problem = input_error(
                file,
                "",
                format!("อ่านแฟ้มไม่ได้: {}", error.message().trim()),
                format!("cannot read the file: {}", error.message().trim()),
            );
            if let Some(span) = error.span() {
                problem = problem.with_line(line_of(text, span.start));
            }
            problem
        })?;
        let mut id: MethodologyId = match &raw.methodology {
            None => catalog.newest().map(Methodology::id).ok_or_else(|| {
                input_error(
                    file,
                    "methodology",
                    "ไม่มีวิธีการประเมินให้ใช้".into(),
                    "no methodology year is known".into(),
                )
            })?,
            Some(toml::Value::Integer(year)) => {
                u16::try_from(*year).map(MethodologyId::nacc).map_err(|_| {
                    input_error(
                        file,
                        "methodology",
                        format!("ปีของวิธีการประเมินไม่ถูกต้อง: {year}"),
                        format!("not a methodology year: {year}"),
                    )
                })?
            }
            Some(toml::Value::String(text)) => {
                text.parse().map_err(|error: Error| Error { file: file.to_string(), ..error })?
            }
            Some(other) => {
                return Err(input_error(
                    file,
                    "methodology",
                    format!("ต้องระบุปี เช่น methodology = 2565 (ได้ {other})"),
                    format!("give the year, e.g. methodology = 2565 (got {other})"),
                ));
            }
        };
        if let Some(variant) = raw.variant {
            id.variant = variant;
        }
        let methodology = catalog.get(&id).map_err(|error| Error { file: file.to_string(), ..error })?;
        let mut input = ScoreInput::default();
        for (key, value) in &raw.indicators {
            let field = format!("indicators.{key}");
            let number_key =
                key.trim().parse::<u8>().ok().filter(|number| methodology.indicator(*number).is_some());
            let Some(indicator) = number_key else {
                return Err(input_error(
                    file,
                    &field,
                    format!("ปี {} ไม่มีตัวชี้วัดที่ {key}", methodology.id()),
                    format!("year {} has no indicator {key}", methodology.id()),
                ));
            };
            input.indicators.insert(indicator, number(file, &field, value)?);
        }
        for (code, value) in &raw.items {
            let field = format!("items.{code}");
            if !methodology.items.iter().any(|item| item.code == *code) {
                return Err(input_error(
                    file,
                    &field,
                    format!(
                        "ปี {} ไม่มีข้อคำถาม {code} (ระบุคะแนนรายข้อได้เฉพาะข้อของแบบวัด IIT และ EIT)",
                        methodology.id()
                    ),
                    format!(
                        "year {} has no survey item {code} (item scores are for IIT and EIT items)",
                        methodology.id()
                    ),
                ));
            }
            let score = number(file, &field, value)?;
            if score.is_negative() || score > Exact::hundred() {
                return Err(input_error(
                    file,
                    &field,
                    format!("คะแนนข้อ {code} ต้องอยู่ระหว่าง 0 ถึง 100 (ได้ {})", score.to_f64()),
                    format!("item {code} must be between 0 and 100 (got {})", score.to_f64()),
                ));
            }
            input.item_scores.insert(code.clone(), score);
        }
        for (code, value) in &raw.instruments {
            let field = format!("instruments.{code}");
            if methodology.instrument(code).is_none() {
                return Err(input_error(
                    file,
                    &field,
                    format!("ปี {} ไม่มีแบบวัด {code}", methodology.id()),
                    format!("year {} has no instrument {code}", methodology.id()),
                ));
            }
            input.instruments.insert(code.clone(), number(file, &field, value)?);
        }
        if let Some(total) = &raw.total {
            input.total = Some(number(file, "total", total)?);
        }
        for (code, responses) in &raw.responses {
            let field = format!("responses.{code}");
            let mut set = ResponseSet::new(methodology, code).map_err(|error| Error {
                file: file.to_string(),
                field: field.clone(),
                kind: ErrorKind::Input,
                ..error
            })?;
            if let Some(csv_name) = &responses.csv {
                let text = load(csv_name).map_err(|reason| {
                    input_error(
                        file,
                        format!("{field}.csv"),
                        format!("อ่านแฟ้ม {csv_name} ไม่ได้: {reason}"),
                        format!("cannot read {csv_name}: {reason}"),
                    )
                })?;
                read_responses_csv(&mut set, csv_name, &text)?;
            }
            for (index, record) in responses.records.iter().enumerate() {
                let record_field = format!("{field}.records[{index}]");
                let mut answers: Vec<(String, String)> = Vec::new();
                let mut relation = None;
                for (key, value) in record {
                    let answer = match value {
                        toml::Value::String(text) => text.clone(),
                        toml::Value::Integer(integer) => integer.to_string(),
                        other => other.to_string(),
                    };
                    if key == "relation" {
                        relation = Some(answer);
                    } else {
                        answers.push((key.clone(), answer));
                    }
                }
                set.push(answers.iter().map(|(key, value)| (key.as_str(), value.as_str())), relation)
                    .map_err(|problem| problem.into_error(file, &record_field))?;
            }
            input.responses.insert(code.clone(), set);
        }
        let mut assessor_notes = BTreeMap::new();
        if let Some(verdicts) = &raw.verdicts {
            let mut set = VerdictSet::new();
            if let Some(csv_name) = &verdicts.csv {
                let text = load(csv_name).map_err(|reason| {
                    input_error(
                        file,
                        "verdicts.csv",
                        format!("อ่านแฟ้ม {csv_name} ไม่ได้: {reason}"),
                        format!("cannot read {csv_name}: {reason}"),
                    )
                })?;
                read_verdicts_csv(methodology, &mut set, &mut assessor_notes, csv_name, &text)?;
            }
            for (code, value) in &verdicts.items {
                let field = format!("verdicts.items.{code}");
                let verdict = parse_verdict_value(file, &field, value)?;
                set.insert(methodology, code, verdict, file, &field)?;
            }
            input.verdicts = Some(set);
        }
        let mut report = report_options(file, &raw.report, &raw.measures)?;
        report.assessor_notes = assessor_notes;
        Ok(ScoreDocument { source: file.to_string(), methodology: id, agency: raw.agency, input, report })
    }
}

impl ScoreDocument {
    /// Scores the input with its year; an error names this input's file.
    pub fn score<'c>(&self, catalog: &'c Catalog) -> Result<(&'c Methodology, crate::scoring::ScoreResult)> {
        let with_file = |error: Error| Error { file: self.source.clone(), ..error };
        let methodology = catalog.get(&self.methodology).map_err(with_file)?;
        let result = crate::scoring::score(methodology, &self.input).map_err(with_file)?;
        Ok((methodology, result))
    }
}

fn report_options(file: &str, raw: &RawReport, measures: &[RawMeasure]) -> Result<ReportOptions> {
    let mut parsed = Vec::new();
    for (index, measure) in measures.iter().enumerate() {
        let field = |name: &str| format!("measures[{index}].{name}");
        for (name, value, th) in [
            ("measure", &measure.measure, "มาตรการ/แนวทาง"),
            ("owner", &measure.owner, "ผู้รับผิดชอบ"),
            ("period", &measure.period, "ระยะเวลาดำเนินการ"),
        ] {
            if value.trim().is_empty() {
                return Err(input_error(
                    file,
                    field(name),
                    format!("มาตรการลำดับที่ {} ยังไม่ได้ระบุ{th}", index + 1),
                    format!("measure {} has no {name}", index + 1),
                ));
            }
        }
        let answers = match &measure.answers {
            None => None,
            Some(toml::Value::String(text)) => Some(text.clone()),
            Some(toml::Value::Integer(number)) => Some(number.to_string()),
            Some(other) => {
                return Err(input_error(
                    file,
                    field("answers"),
                    format!("answers ต้องเป็นเลขตัวชี้วัดหรือรหัสข้อ (ได้ {other})"),
                    format!("answers must be an indicator number or an item code (got {other})"),
                ));
            }
        };
        parsed.push(MeasureInput {
            measure: measure.measure.trim().to_string(),
            how: measure.how.trim().to_string(),
            owner: measure.owner.trim().to_string(),
            period: measure.period.trim().to_string(),
            follow_up: measure.follow_up.trim().to_string(),
            answers,
        });
    }
    let signer = match (&raw.signer_name, &raw.signer_position) {
        (Some(name), Some(position)) => Some((name.clone(), position.clone())),
        (None, None) => None,
        _ => {
            return Err(input_error(
                file,
                "report.signer_name",
                "ต้องระบุทั้งชื่อและตำแหน่งของผู้ลงนาม".into(),
                "give both the signer's name and position".into(),
            ));
        }
    };
    Ok(ReportOptions {
        measures_year: raw.fiscal_year,
        propose_measures: raw.propose_measures.unwrap_or(true),
        signer,
        measures: parsed,
        assessor_notes: BTreeMap::new(),
    })
}

fn parse_verdict_value(file: &str, field: &str, value: &toml::Value) -> Result<Verdict> {
    let word = |value: &toml::Value| match value {
        toml::Value::String(text) => Verdict::parse_word(text),
        toml::Value::Boolean(flag) => Some(*flag),
        toml::Value::Integer(integer) => Verdict::parse_word(&integer.to_string()),
        _ => None,
    };
    let bad = || {
        input_error(
            file,
            field,
            format!("ผลการพิจารณาต้องเป็น \"pass\" หรือ \"fail\" (ผ่าน/ไม่ผ่าน) หรือตารางรายองค์ประกอบ (ได้ {value})"),
            format!("a verdict is \"pass\" or \"fail\", or a table of elements (got {value})"),
        )
    };
    match value {
        toml::Value::Table(elements) => {
            let mut map = BTreeMap::new();
            for (number, element_value) in elements {
                map.insert(number.clone(), word(element_value).ok_or_else(bad)?);
            }
            Ok(Verdict::Elements(map))
        }
        other => match word(other) {
            Some(true) => Ok(Verdict::Pass),
            Some(false) => Ok(Verdict::Fail),
            None => Err(bad()),
        },
    }
}

/// Reads survey responses from CSV text: a header of sub-question codes (and optionally `respondent` and
/// `relation`), one respondent per row, an option code or name per cell, empty for no answer.
pub fn read_responses_csv(set: &mut ResponseSet, file: &str, text: &str) -> Result<usize> {
    let mut reader =
        csv::ReaderBuilder::new().flexible(false).trim(csv::Trim::All).from_reader(text.as_bytes());
    let headers = reader
        .headers()
        .map_err(|error| csv_error(file, 1, &error))?
        .iter()
        .map(|header| header.trim_start_matches('\u{feff}').to_string())
        .collect::<Vec<_>>();
    let known: Vec<&str> = set.column_codes().collect();
    for (index, header) in headers.iter().enumerate() {
        if header != "respondent" && header != "relation" && !known.contains(&header.as_str()) {
            return Err(input_error(
                file,
                format!("column {} ({header})", index + 1),
                format!("ไม่มีข้อคำถามรหัส {header} ในแบบวัด {} ของปีนี้", set.instrument()),
                format!("there is no question {header} in this year's {}", set.instrument()),
            )
            .with_line(1));
        }
    }
    let mut count = 0;
    for (row_index, record) in reader.records().enumerate() {
        let line = row_index + 2;
        let record = record.map_err(|error| csv_error(file, line, &error))?;
        let mut relation = None;
        let mut answers = Vec::new();
        for (header, cell) in headers.iter().zip(record.iter()) {
            match header.as_str() {
                "respondent" => {}
                "relation" => relation = (!cell.is_empty()).then(|| cell.to_string()),
                code => answers.push((code, cell)),
            }
        }
        set.push(answers, relation)
            .map_err(|problem| problem.into_error(file, &format!("row {}", row_index + 1)).with_line(line))?;
        count += 1;
    }
    Ok(count)
}

/// Reads OIT verdicts from CSV text with columns `item`, `verdict` and optionally `element`; a row with an
/// element is that element's verdict. Optional `reason` and `guidance` columns are the assessor's words, put in
/// `notes` by item (the rows of one item's elements joined).
pub fn read_verdicts_csv(
    methodology: &Methodology,
    set: &mut VerdictSet,
    notes: &mut BTreeMap<String, AssessorNote>,
    file: &str,
    text: &str,
) -> Result<usize> {
    let mut reader = csv::ReaderBuilder::new().trim(csv::Trim::All).from_reader(text.as_bytes());
    let headers: Vec<String> = reader
        .headers()
        .map_err(|error| csv_error(file, 1, &error))?
        .iter()
        .map(|header| header.trim_start_matches('\u{feff}').to_lowercase())
        .collect();
    let column = |name: &str| headers.iter().position(|header| header == name);
    let (Some(item_column), Some(verdict_column)) = (column("item"), column("verdict")) else {
        return Err(input_error(
            file,
            "header",
            "แฟ้มผลการพิจารณาต้องมีคอลัมน์ item และ verdict".into(),
            "a verdicts file needs the columns item and verdict".into(),
        )
        .with_line(1));
    };
    let element_column = column("element");
    let (reason_column, guidance_column) = (column("reason"), column("guidance"));
    let mut per_element: BTreeMap<String, BTreeMap<String, bool>> = BTreeMap::new();
    let mut count = 0;
    for (row_index, record) in reader.records().enumerate() {
        let line = row_index + 2;
        let record = record.map_err(|error| csv_error(file, line, &error))?;
        let field = format!("row {}", row_index + 1);
        let code = record.get(item_column).unwrap_or_default();
        let word = record.get(verdict_column).unwrap_or_default();
        let cell = |column: Option<usize>| column.and_then(|index| record.get(index)).unwrap_or_default();
        let (reason, guidance) = (cell(reason_column), cell(guidance_column));
        if !reason.is_empty() || !guidance.is_empty() {
            let note = notes.entry(code.to_string()).or_default();
            for (kept, text) in [(&mut note.reason, reason), (&mut note.guidance, guidance)] {
                if !text.is_empty() && !kept.contains(text) {
                    if !kept.is_empty() {
                        kept.push(' ');
                    }
                    kept.push_str(text);
                }
            }
        }
        let Some(passed) = Verdict::parse_word(word) else {
            return Err(input_error(
                file,
                &field,
                format!("ผลการพิจารณาของข้อ {code} ต้องเป็น pass หรือ fail (ผ่าน/ไม่ผ่าน) (ได้ {word:?})"),
                format!("the verdict on {code} must be pass or fail (got {word:?})"),
            )
            .with_line(line));
        };
        match element_column.and_then(|index| record.get(index)).filter(|element| !element.is_empty()) {
            Some(element) => {
                if methodology.oit_item(code).is_none() {
                    return Err(input_error(
                        file,
                        &field,
                        format!("ไม่มีข้อ {code} ในปี {}", methodology.id()),
                        format!("there is no OIT item {code} in year {}", methodology.id()),
                    )
                    .with_line(line));
                }
                per_element.entry(code.to_string()).or_default().insert(element.to_string(), passed);
            }
            None => {
                let verdict = if passed { Verdict::Pass } else { Verdict::Fail };
                set.insert(methodology, code, verdict, file, &field)
                    .map_err(|error| error.with_line(line))?;
            }
        }
        count += 1;
    }
    for (code, elements) in per_element {
        set.insert(methodology, &code, Verdict::Elements(elements), file, &format!("item {code}"))?;
    }
    Ok(count)
}

fn csv_error(file: &str, line: usize, error: &csv::Error) -> Error {
    input_error(file, "", format!("อ่านแฟ้ม CSV ไม่ได้: {error}"), format!("cannot read the CSV: {error}"))
        .with_line(line)
}
