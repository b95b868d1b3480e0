//! Imports from CSV and XLSX files, for the national administrator: the agency list, and a round's official
//! indicator scores. Every row is reported, created or rejected with its reasons in Thai and English, under the
//! row number Excel shows; the rows that pass are written and the rejected ones are not; a file that cannot be
//! read as a table with the needed columns writes nothing at all.

use std::collections::{BTreeMap, HashMap};

use askama::Template;
use axum::Router;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, Path, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use ita_domain::Hundredths;
use ita_domain::methodology::Methodology;
use ita_domain::platform::{AgencyCode, AgencyKind, Invalid, Visibility, parse_score};
use ita_store::{Agency, AgencyDraft, AgencyQuery, ResultDraft, ResultSource, Round, StoreError};
use uuid::Uuid;

use crate::auth::Viewer;
use crate::error::conflict_message;
use crate::error::render;
use crate::import::{self, Row, Table};
use crate::page::Page;
use crate::routes::agencies::{AgencyForm, actor};
use crate::scoring::{draft_from_indicators, level_name, methodology_of};
use crate::{AppState, WebError};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/agencies/import", get(agency_page).post(import_agencies))
        .route("/agencies/import/template.csv", get(agency_template))
        .route("/rounds/{round_id}/results/import", get(results_page).post(import_results))
        .route("/rounds/{round_id}/results/import/template.csv", get(results_template))
}

fn require_admin(viewer: &Viewer) -> Result<(), WebError> {
    if viewer.principal.can_manage_platform() { Ok(()) } else { Err(WebError::Forbidden) }
}

/// A CSV file as Excel opens it: UTF-8 with a byte-order mark, so Thai is not read as the local code page.
fn csv_download(file_name: &str, rows: &[Vec<String>]) -> Result<Response, WebError> {
    let mut writer = csv::Writer::from_writer(b"\xEF\xBB\xBF".to_vec());
    for row in rows {
        writer.write_record(row).map_err(anyhow::Error::new)?;
    }
    let bytes = writer.into_inner().map_err(|error| anyhow::Error::msg(error.to_string()))?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{file_name}\"")),
        ],
        bytes,
    )
        .into_response())
}

// The uploaded file.

/// A file sent with an import form.
pub(crate) struct Upload {
    pub(crate) file_name: String,
    pub(crate) bytes: bytes::Bytes,
}

/// The `file` field of an import form, or a message saying what to send.
pub(crate) async fn read_upload(multipart: Result<Multipart, MultipartRejection>) -> Result<Upload, Invalid> {
    let unreadable = || {
        Invalid::new(
            "อ่านแฟ้มที่ส่งมาไม่ได้ กรุณาเลือกแฟ้มแล้วส่งอีกครั้ง",
            "the uploaded file could not be read: choose the file and send it again",
        )
    };
    let mut multipart = multipart.map_err(|_| unreadable())?;
    while let Some(field) = multipart.next_field().await.map_err(|_| unreadable())? {
        if field.name() != Some("file") {
            continue;
        }
        let file_name = field.file_name().unwrap_or("").to_string();
        let bytes = field.bytes().await.map_err(|_| unreadable())?;
        if file_name.is_empty() && bytes.is_empty() {
            break;
        }
        return Ok(Upload { file_name, bytes });
    }
    Err(Invalid::new("กรุณาเลือกแฟ้ม CSV หรือ XLSX ที่จะนำเข้า", "choose a CSV or XLSX file to import"))
}

// The report both imports end with.

struct ReportRow {
    number: usize,
    code: String,
    name: String,
    detail: String,
    link: Option<String>,
    ok: bool,
    problems: Vec<Invalid>,
}

#[derive(Template)]
#[template(path = "imports/report.html")]
struct ReportPage {
    page: Page,
    file_name: String,
    created: usize,
    rejected: usize,
    ok_label: String,
    created_label: String,
    detail_heading: String,
    again_hint: String,
    back_link: String,
    back_label: String,
    rows: Vec<ReportRow>,
}

/// Rejected rows first, so that in a file of thousands the few to correct are on top; each group in file order.
fn report_order(mut rows: Vec<ReportRow>) -> Vec<ReportRow> {
    rows.sort_by_key(|row| (row.ok, row.number));
    rows
}

// Agencies.

/// A column of the agency file: its key, its Thai header, the other names it goes by, and what goes in it.
struct AgencyColumn {
    key: &'static str,
    thai: &'static str,
    aliases: &'static [&'static str],
    required: bool,
    note_th: &'static str,
    note_en: &'static str,
}

const AGENCY_COLUMNS: [AgencyColumn; 9] = [
    AgencyColumn {
        key: "code",
        thai: "รหัสหน่วยงาน",
        aliases: &["agency code", "agency_code", "รหัส"],
        required: true,
        note_th: "รหัสตามระบบ ITAS เช่น 6150101 (ใน Excel ให้ตั้งรูปแบบคอลัมน์เป็นข้อความ เลข 0 นำหน้าจะได้ไม่หาย)",
        note_en: "the ITAS code, e.g. 6150101 (in Excel, format the column as text so leading zeros stay)",
    },
    AgencyColumn {
        key: "name_th",
        thai: "ชื่อหน่วยงาน",
        aliases: &["name", "name (thai)", "ชื่อหน่วยงาน (ภาษาไทย)", "ชื่อภาษาไทย"],
        required: true,
        note_th: "ชื่อเต็มภาษาไทย เช่น องค์การบริหารส่วนตำบลเขาทอง",
        note_en: "the full Thai name",
    },
    AgencyColumn {
        key: "name_en",
        thai: "ชื่อภาษาอังกฤษ",
        aliases: &["name (english)", "ชื่อหน่วยงาน (ภาษาอังกฤษ)", "ชื่อหน่วยงานภาษาอังกฤษ"],
        required: false,
        note_th: "ชื่อภาษาอังกฤษ (ถ้ามี)",
        note_en: "the English name, if any",
    },
    AgencyColumn {
        key: "kind",
        thai: "ประเภท",
        aliases: &["type", "agency type", "ประเภทหน่วยงาน"],
        required: true,
        note_th: "เช่น อบต. เทศบาล เทศบาลตำบล อบจ. กรม มหาวิทยาลัย หรือรหัสตามตารางประเภทด้านล่าง",
        note_en: "e.g. อบต., เทศบาล, อบจ., กรม, or a code from the table of types below",
    },
    AgencyColumn {
        key: "province",
        thai: "จังหวัด",
        aliases: &[],
        required: true,
        note_th: "ชื่อจังหวัด เช่น นครสวรรค์",
        note_en: "the province, e.g. นครสวรรค์",
    },
    AgencyColumn {
        key: "district",
        thai: "อำเภอ",
        aliases: &["อำเภอ/เขต", "เขต"],
        required: false,
        note_th: "ชื่ออำเภอหรือเขต (ถ้ามี)",
        note_en: "the district, if any",
    },
    AgencyColumn {
        key: "parent_code",
        thai: "รหัสต้นสังกัด",
        aliases: &["parent", "parent agency code", "รหัสหน่วยงานต้นสังกัด"],
        required: false,
        note_th: "รหัสของหน่วยงานต้นสังกัดที่มีในระบบแล้ว หรืออยู่ในแถวก่อนหน้าของแฟ้มนี้",
        note_en: "the code of a parent agency that exists already or is on an earlier row of this file",
    },
    AgencyColumn {
        key: "website",
        thai: "เว็บไซต์",
        aliases: &["url", "web"],
        required: false,
        note_th: "ขึ้นต้นด้วย https:// หรือ http://",
        note_en: "starting with https:// or http://",
    },
    AgencyColumn {
        key: "contact",
        thai: "ติดต่อ",
        aliases: &["ช่องทางติดต่อ"],
        required: false,
        note_th: "โทรศัพท์ อีเมล หรือช่องทางอื่น",
        note_en: "telephone, e-mail or another way",
    },
];

/// Where each agency column is in the file (the order of [`AGENCY_COLUMNS`]).
struct AgencyColumns([Option<usize>; 9]);

impl AgencyColumns {
    fn locate(headers: &[String]) -> Result<AgencyColumns, Invalid> {
        let mut found = [None; 9];
        let mut missing = Vec::new();
        for (slot, column) in found.iter_mut().zip(&AGENCY_COLUMNS) {
            let mut names = vec![column.key, column.thai];
            names.extend_from_slice(column.aliases);
            let label = Invalid::new(column.thai, column.key);
            *slot = import::find_column(headers, &names, &label)?;
            if column.required && slot.is_none() {
                missing.push(column);
            }
        }
        if !missing.is_empty() {
            let thai: Vec<String> =
                missing.iter().map(|column| format!("{} ({})", column.thai, column.key)).collect();
            let english: Vec<String> =
                missing.iter().map(|column| format!("{} ({})", column.key, column.thai)).collect();
            return Err(missing_columns(&thai, &english));
        }
        Ok(AgencyColumns(found))
    }

    fn cell<'r>(&self, row: &'r Row, key: &str) -> &'r str {
        let index = AGENCY_COLUMNS.iter().position(|column| column.key == key);
        row.cell(index.and_then(|index| self.0[index]))
    }
}

fn missing_columns(thai: &[String], english: &[String]) -> Invalid {
    Invalid::new(
        format!("ไม่พบคอลัมน์ที่จำเป็น: {} (แถวที่ 1 ของแฟ้มต้องเป็นหัวตาราง)", thai.join(", ")),
        format!(
            "required columns are missing: {} (row 1 of the file must be the header row)",
            english.join(", ")
        ),
    )
}

struct ColumnHelp {
    key: &'static str,
    thai: &'static str,
    required: bool,
    note: &'static str,
}

struct KindHelp {
    code: &'static str,
    thai: &'static str,
    english: &'static str,
}

#[derive(Template)]
#[template(path = "imports/agencies.html")]
struct AgencyImportPage {
    page: Page,
    columns: Vec<ColumnHelp>,
    kinds: Vec<KindHelp>,
    messages: Vec<Invalid>,
}

fn agency_import_page(viewer: &Viewer, messages: Vec<Invalid>) -> AgencyImportPage {
    AgencyImportPage {
        page: viewer.page(viewer.t("นำเข้าหน่วยงานจากแฟ้ม", "Import agencies from a file")),
        columns: AGENCY_COLUMNS
            .iter()
            .map(|column| ColumnHelp {
                key: column.key,
                thai: column.thai,
                required: column.required,
                note: viewer.t(column.note_th, column.note_en),
            })
            .collect(),
        kinds: AgencyKind::ALL
            .into_iter()
            .map(|kind| KindHelp { code: kind.code(), thai: kind.thai(), english: kind.english() })
            .collect(),
        messages,
    }
}

async fn agency_page(viewer: Viewer) -> Result<Html<String>, WebError> {
    require_admin(&viewer)?;
    render(&agency_import_page(&viewer, Vec::new()))
}

async fn agency_template(viewer: Viewer) -> Result<Response, WebError> {
    require_admin(&viewer)?;
    let header = AGENCY_COLUMNS.iter().map(|column| viewer.t(column.thai, column.key).to_string()).collect();
    csv_download("agencies-template.csv", &[header])
}

/// The parent an agency row names.
#[derive(Debug, Clone, Copy)]
enum Parent {
    None,
    Stored(Uuid),
    /// An earlier row of the same file (its index among the entries).
    Row(usize),
}

/// One row of the agency file on its way to the store.
struct AgencyEntry {
    number: usize,
    code: String,
    name: String,
    detail: String,
    draft: Option<AgencyDraft>,
    parent: Parent,
    /// Rows are created in waves, so that a row's parent is created (and has an id) before the row.
    wave: usize,
    problems: Vec<Invalid>,
    created: Option<Uuid>,
}

async fn import_agencies(
    State(state): State<AppState>,
    viewer: Viewer,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Response, WebError> {
    require_admin(&viewer)?;
    let refused = |invalid: Invalid| -> Result<Response, WebError> {
        let page = agency_import_page(&viewer, vec![invalid]);
        Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
    };
    let upload = match read_upload(multipart).await {
        Ok(upload) => upload,
        Err(invalid) => return refused(invalid),
    };
    let table = match import::read_table(&upload.file_name, &upload.bytes) {
        Ok(table) => table,
        Err(invalid) => return refused(invalid),
    };
    let columns = match AgencyColumns::locate(&table.headers) {
        Ok(columns) => columns,
        Err(invalid) => return refused(invalid),
    };
    let started = std::time::Instant::now();
    let mut entries = parse_agency_rows(&state, &viewer, &table, &columns).await?;
    create_in_waves(&state, &viewer, &mut entries).await?;
    let rows: Vec<ReportRow> = entries
        .into_iter()
        .map(|entry| ReportRow {
            number: entry.number,
            code: entry.code,
            name: entry.name,
            detail: entry.detail,
            link: entry.created.map(|id| format!("/agencies/{id}")),
            ok: entry.created.is_some(),
            problems: entry.problems,
        })
        .collect();
    let created = rows.iter().filter(|row| row.ok).count();
    tracing::info!(
        file = upload.file_name,
        created,
        rejected = rows.len() - created,
        elapsed_ms = started.elapsed().as_millis() as u64,
        "agency import"
    );
    let page = ReportPage {
        page: viewer.page(viewer.t("ผลการนำเข้าหน่วยงาน", "Agency import report")),
        file_name: upload.file_name,
        rejected: rows.len() - created,
        created,
        ok_label: viewer.t("สร้างแล้ว", "created").into(),
        created_label: viewer.t("หน่วยงานที่สร้างแล้ว", "agencies created").into(),
        detail_heading: viewer.t("ประเภท · จังหวัด", "Type · province").into(),
        again_hint: viewer
            .t(
                "แก้ไขแถวที่ไม่ผ่านในแฟ้ม แล้วนำเข้าเฉพาะแถวเหล่านั้นอีกครั้ง (แถวที่สร้างแล้วหากนำเข้าซ้ำจะแจ้งว่ารหัสมีอยู่ในระบบแล้ว)",
                "Correct the rejected rows and import just those rows again (rows created already would be reported as existing codes).",
            )
            .into(),
        back_link: "/agencies".into(),
        back_label: viewer.t("กลับไปหน้ารายชื่อหน่วยงาน", "Back to the agencies").into(),
        rows: report_order(rows),
    };
    Ok(render(&page)?.into_response())
}

/// Reads every row into a draft or its problems, in file order: duplicates within the file, and parents found
/// in the store or on an earlier row. Codes taken in the store already are found when the rows are created.
async fn parse_agency_rows(
    state: &AppState,
    viewer: &Viewer,
    table: &Table,
    columns: &AgencyColumns,
) -> Result<Vec<AgencyEntry>, WebError> {
    // Where each code first appears, to tell a duplicate from its original and a parent below its child.
    let mut first_row: HashMap<AgencyCode, (usize, usize)> = HashMap::new();
    for (index, row) in table.rows.iter().enumerate() {
        if let Ok(code) = AgencyCode::parse(columns.cell(row, "code")) {
            first_row.entry(code).or_insert((index, row.number));
        }
    }
    let mut stored_parents: HashMap<AgencyCode, Option<Uuid>> = HashMap::new();
    let mut entries: Vec<AgencyEntry> = Vec::with_capacity(table.rows.len());
    for (index, row) in table.rows.iter().enumerate() {
        let form = AgencyForm {
            code: columns.cell(row, "code").to_string(),
            name_th: columns.cell(row, "name_th").to_string(),
            name_en: columns.cell(row, "name_en").to_string(),
            kind: columns.cell(row, "kind").to_string(),
            province: columns.cell(row, "province").to_string(),
            district: columns.cell(row, "district").to_string(),
            // The parent is resolved below: it may be a row of this same file, which the form cannot know.
            parent_code: String::new(),
            website: columns.cell(row, "website").to_string(),
            contact: columns.cell(row, "contact").to_string(),
        };
        let (draft, mut problems) = match form.parse(state).await {
            Ok(draft) => (Some(draft), Vec::new()),
            Err(problems) => (None, problems),
        };
        let code = AgencyCode::parse(&form.code).ok();
        if let Some(code) = &code {
            if let Some((first, first_number)) = first_row.get(code).copied() {
                if first != index {
                    problems.push(Invalid::new(
                        format!("รหัสหน่วยงาน {code} ซ้ำกับแถวที่ {first_number} ในแฟ้มนี้"),
                        format!("agency code {code} repeats row {first_number} of this file"),
                    ));
                }
            }
        }
        let mut parent = Parent::None;
        let parent_text = columns.cell(row, "parent_code");
        if !parent_text.is_empty() {
            let not_found = Invalid::new(
                format!("ไม่พบหน่วยงานต้นสังกัดรหัส {parent_text}"),
                format!("no parent agency with code {parent_text}"),
            );
            match AgencyCode::parse(parent_text) {
                Err(_) => problems.push(not_found),
                Ok(parent_code) if Some(&parent_code) == code.as_ref() => problems
                    .push(Invalid::new("หน่วยงานเป็นต้นสังกัดของตนเองไม่ได้", "an agency cannot be its own parent")),
                Ok(parent_code) => {
                    let stored = match stored_parents.get(&parent_code) {
                        Some(found) => *found,
                        None => {
                            let found =
                                state.store.agency_by_code(&parent_code).await?.map(|agency| agency.id);
                            stored_parents.insert(parent_code.clone(), found);
                            found
                        }
                    };
                    match (stored, first_row.get(&parent_code)) {
                        (Some(id), _) => parent = Parent::Stored(id),
                        (None, Some((first, _))) if *first < index => parent = Parent::Row(*first),
                        (None, Some((_, number))) => problems.push(Invalid::new(
                            format!(
                                "หน่วยงานต้นสังกัดรหัส {parent_code} อยู่แถวที่ {number} ซึ่งอยู่ถัดลงไป กรุณาย้ายแถวต้นสังกัดขึ้นไปไว้ก่อน"
                            ),
                            format!(
                                "parent agency {parent_code} is on row {number}, below this one: move the parent's row up"
                            ),
                        )),
                        (None, None) => problems.push(not_found),
                    }
                }
            }
        }
        let kind = AgencyKind::parse(&form.kind).ok();
        let detail = [
            kind.map(|kind| viewer.t(kind.thai(), kind.english()).to_string()).unwrap_or(form.kind.clone()),
            form.province.clone(),
        ]
        .into_iter()
        .filter(|part| !part.is_empty())
        .collect::<Vec<_>>()
        .join(" · ");
        // A row's index in `entries` is its index in `table.rows`, which `Parent::Row` relies on.
        let wave = match parent {
            Parent::Row(first) => entries[first].wave + 1,
            _ => 0,
        };
        entries.push(AgencyEntry {
            number: row.number,
            code: form.code,
            name: form.name_th,
            detail,
            draft: if problems.is_empty() { draft } else { None },
            parent,
            wave,
            problems,
            created: None,
        });
    }
    Ok(entries)
}

/// Creates the rows that passed, wave by wave (a wave is one transaction): first those without a parent in the
/// file, then their children, and so on. A row whose parent was not created is rejected with that reason.
async fn create_in_waves(
    state: &AppState,
    viewer: &Viewer,
    entries: &mut [AgencyEntry],
) -> Result<(), WebError> {
    let actor = actor(viewer);
    let last_wave = entries.iter().map(|entry| entry.wave).max().unwrap_or(0);
    for wave in 0..=last_wave {
        let mut batch: Vec<(usize, AgencyDraft)> = Vec::new();
        for index in 0..entries.len() {
            if entries[index].wave != wave || !entries[index].problems.is_empty() {
                continue;
            }
            let Some(mut draft) = entries[index].draft.clone() else { continue };
            draft.parent_id = match entries[index].parent {
                Parent::None => None,
                Parent::Stored(id) => Some(id),
                Parent::Row(first) => {
                    match entries[first].created {
                        Some(id) => Some(id),
                        None => {
                            let (code, number) = (entries[first].code.clone(), entries[first].number);
                            entries[index].problems.push(Invalid::new(
                            format!("หน่วยงานต้นสังกัดรหัส {code} (แถวที่ {number}) ไม่ได้ถูกนำเข้า จึงนำเข้าแถวนี้ไม่ได้"),
                            format!("parent agency {code} (row {number}) was not imported, so this row cannot be"),
                        ));
                            continue;
                        }
                    }
                }
            };
            batch.push((index, draft));
        }
        if batch.is_empty() {
            continue;
        }
        let drafts: Vec<AgencyDraft> = batch.iter().map(|(_, draft)| draft.clone()).collect();
        let outcomes = state.store.create_agencies(&actor, &drafts).await?;
        for ((index, _), outcome) in batch.into_iter().zip(outcomes) {
            match outcome {
                Ok(agency) => entries[index].created = Some(agency.id),
                Err(StoreError::Conflict { field, value }) => {
                    entries[index].problems.push(conflict_message(field, &value))
                }
                Err(other) => return Err(other.into()),
            }
        }
    }
    Ok(())
}

// A round's results.

const CODE_NAMES: [&str; 4] = ["code", "รหัสหน่วยงาน", "agency code", "รหัส"];

/// Where the code and each indicator of the round's methodology are in the file.
struct ResultColumns {
    code: usize,
    indicators: BTreeMap<u8, usize>,
}

impl ResultColumns {
    fn locate(headers: &[String], methodology: &Methodology) -> Result<ResultColumns, Invalid> {
        let code = import::find_column(headers, &CODE_NAMES, &Invalid::new("รหัสหน่วยงาน", "code"))?;
        let mut indicators = BTreeMap::new();
        for (index, header) in headers.iter().enumerate() {
            let Some(number) = import::indicator_number(header) else { continue };
            if methodology.indicator(number).is_none() {
                return Err(Invalid::new(
                    format!(
                        "คอลัมน์ \"{header}\": ระเบียบวิธีปี {} ไม่มีตัวชี้วัดที่ {number} กรุณาตรวจว่าเลือกรอบการประเมินถูกต้อง",
                        methodology.year
                    ),
                    format!(
                        "column \"{header}\": methodology {} has no indicator {number}; check that this is the right round",
                        methodology.year
                    ),
                ));
            }
            if let Some(first) = indicators.insert(number, index) {
                return Err(Invalid::new(
                    format!("คอลัมน์ตัวชี้วัดที่ {number} ซ้ำกัน (\"{}\" และ \"{header}\")", headers[first]),
                    format!("indicator {number} has two columns (\"{}\" and \"{header}\")", headers[first]),
                ));
            }
        }
        let mut missing_th = Vec::new();
        let mut missing_en = Vec::new();
        if code.is_none() {
            missing_th.push("รหัสหน่วยงาน (code)".to_string());
            missing_en.push("code (รหัสหน่วยงาน)".to_string());
        }
        for indicator in &methodology.indicators {
            if !indicators.contains_key(&indicator.number) {
                missing_th.push(format!("ตัวชี้วัดที่ {}", indicator.number));
                missing_en.push(format!("indicator {}", indicator.number));
            }
        }
        match code {
            Some(code) if missing_th.is_empty() => Ok(ResultColumns { code, indicators }),
            _ => Err(missing_columns(&missing_th, &missing_en)),
        }
    }
}

struct IndicatorHelp {
    number: u8,
    name: String,
}

#[derive(Template)]
#[template(path = "imports/results.html")]
struct ResultsImportPage {
    page: Page,
    round: Round,
    methodology_title: String,
    indicators: Vec<IndicatorHelp>,
    messages: Vec<Invalid>,
}

async fn round_and_methodology(state: &AppState, round_id: Uuid) -> Result<(Round, &Methodology), WebError> {
    let round = state.store.round(round_id).await?.ok_or(WebError::NotFound)?;
    let methodology = methodology_of(state, &round)?;
    Ok((round, methodology))
}

fn results_import_page(
    viewer: &Viewer,
    round: Round,
    methodology: &Methodology,
    messages: Vec<Invalid>,
) -> ResultsImportPage {
    let title = format!(
        "{} {}",
        viewer.t("นำเข้าผลคะแนนทางการ ปีงบประมาณ", "Import official results, fiscal year"),
        round.fiscal_year
    );
    ResultsImportPage {
        page: viewer.page(title),
        methodology_title: viewer.t(&methodology.title_th, &methodology.title_en).to_string(),
        indicators: methodology
            .indicators
            .iter()
            .map(|indicator| IndicatorHelp {
                number: indicator.number,
                name: viewer.t(&indicator.name_th, &indicator.name_en).to_string(),
            })
            .collect(),
        round,
        messages,
    }
}

async fn results_page(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(round_id): Path<Uuid>,
) -> Result<Html<String>, WebError> {
    require_admin(&viewer)?;
    let (round, methodology) = round_and_methodology(&state, round_id).await?;
    render(&results_import_page(&viewer, round, methodology, Vec::new()))
}

async fn results_template(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(round_id): Path<Uuid>,
) -> Result<Response, WebError> {
    require_admin(&viewer)?;
    let (round, methodology) = round_and_methodology(&state, round_id).await?;
    let mut header = vec![viewer.t("รหัสหน่วยงาน", "code").to_string()];
    header.extend(methodology.indicators.iter().map(|indicator| match viewer.lang {
        ita_domain::Lang::Th => format!("ตัวชี้วัดที่ {}", indicator.number),
        ita_domain::Lang::En => format!("indicator_{}", indicator.number),
    }));
    csv_download(&format!("results-{}-template.csv", round.fiscal_year), &[header])
}

/// Every agency by its code: one query, where looking up each row of a national file would be thousands.
async fn every_agency(state: &AppState) -> Result<HashMap<AgencyCode, Agency>, WebError> {
    let all = state
        .store
        .list_agencies(&AgencyQuery {
            search: None,
            province: None,
            kind: None,
            visible: Visibility::All,
            round_id: None,
            offset: 0,
            limit: i64::MAX,
        })
        .await?;
    Ok(all.items.into_iter().map(|item| (item.agency.code.clone(), item.agency)).collect())
}

/// A score cell, with the indicator named in each language's own words.
fn score_cell(number: u8, text: &str) -> Result<Hundredths, Invalid> {
    let text = import::arabic_digits(text);
    if text.trim().is_empty() {
        return Err(Invalid::new(
            format!("ตัวชี้วัดที่ {number}: ยังไม่ได้กรอกคะแนน"),
            format!("indicator {number}: no score given"),
        ));
    }
    parse_score(&format!("ตัวชี้วัดที่ {number}"), &text).map_err(|thai| {
        let english =
            parse_score(&format!("indicator {number}"), &text).err().unwrap_or_else(|| thai.clone());
        Invalid::new(thai.th, english.en)
    })
}

async fn import_results(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(round_id): Path<Uuid>,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Response, WebError> {
    require_admin(&viewer)?;
    let (round, methodology) = round_and_methodology(&state, round_id).await?;
    let read = match read_upload(multipart).await {
        Ok(upload) => import::read_table(&upload.file_name, &upload.bytes)
            .and_then(|table| Ok((ResultColumns::locate(&table.headers, methodology)?, table)))
            .map(|(columns, table)| (upload.file_name, columns, table)),
        Err(invalid) => Err(invalid),
    };
    let (file_name, columns, table) = match read {
        Ok(read) => read,
        Err(invalid) => {
            let page = results_import_page(&viewer, round, methodology, vec![invalid]);
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response());
        }
    };
    let agencies = every_agency(&state).await?;
    let mut first_row: HashMap<AgencyCode, usize> = HashMap::new();
    let mut rows = Vec::with_capacity(table.rows.len());
    let mut results: Vec<(Uuid, Uuid, ResultDraft)> = Vec::new();
    for row in &table.rows {
        let code_text = row.cell(Some(columns.code)).to_string();
        let mut problems = Vec::new();
        let mut agency = None;
        match AgencyCode::parse(&code_text) {
            Err(invalid) => problems.push(invalid),
            Ok(code) => {
                if let Some(first) = first_row.get(&code) {
                    problems.push(Invalid::new(
                        format!("รหัสหน่วยงาน {code} ซ้ำกับแถวที่ {first} ในแฟ้มนี้"),
                        format!("agency code {code} repeats row {first} of this file"),
                    ));
                } else {
                    first_row.insert(code.clone(), row.number);
                }
                agency = agencies.get(&code).cloned();
                if agency.is_none() {
                    problems.push(Invalid::new(
                        format!("ไม่พบหน่วยงานรหัส {code} ในระบบ กรุณานำเข้าหรือเพิ่มหน่วยงานก่อน"),
                        format!("no agency with code {code}: import or add the agency first"),
                    ));
                }
            }
        }
        let mut indicators = BTreeMap::new();
        for (number, column) in &columns.indicators {
            match score_cell(*number, row.cell(Some(*column))) {
                Ok(score) => {
                    indicators.insert(*number, score);
                }
                Err(invalid) => problems.push(invalid),
            }
        }
        let mut detail = String::new();
        if problems.is_empty() {
            match draft_from_indicators(methodology, indicators, ResultSource::Official) {
                Ok(draft) => {
                    let level = draft
                        .level_code
                        .as_deref()
                        .map(|code| level_name(methodology, code, viewer.lang))
                        .unwrap_or_else(|| "-".into());
                    detail = format!("{} · {level}", draft.total);
                    if let Some(agency) = &agency {
                        results.push((agency.id, round.id, draft));
                    }
                }
                Err(invalid) => problems.push(invalid),
            }
        }
        rows.push(ReportRow {
            number: row.number,
            code: code_text,
            name: agency.as_ref().map(|agency| agency.name_th.clone()).unwrap_or_default(),
            detail,
            link: agency
                .as_ref()
                .filter(|_| problems.is_empty())
                .map(|agency| format!("/agencies/{}/rounds/{}", agency.id, round.id)),
            ok: problems.is_empty(),
            problems,
        });
    }
    // One transaction: every row that passed is stored, or (if the database fails) none is.
    if !results.is_empty() {
        state.store.put_results(&actor(&viewer), &results).await?;
    }
    let created = rows.iter().filter(|row| row.ok).count();
    let page = ReportPage {
        page: viewer.page(format!(
            "{} {}",
            viewer.t("ผลการนำเข้าผลคะแนน ปีงบประมาณ", "Results import report, fiscal year"),
            round.fiscal_year
        )),
        file_name,
        rejected: rows.len() - created,
        created,
        ok_label: viewer.t("บันทึกแล้ว", "stored").into(),
        created_label: viewer.t("ผลคะแนนที่บันทึกแล้ว", "results stored").into(),
        detail_heading: viewer.t("คะแนนรวม · ระดับ", "Total · level").into(),
        again_hint: viewer
            .t(
                "แก้ไขแถวที่ไม่ผ่านในแฟ้มแล้วนำเข้าอีกครั้ง ผลคะแนนของหน่วยงานที่บันทึกไว้แล้วในรอบนี้จะถูกแทนที่ด้วยค่าใหม่",
                "Correct the rejected rows and import again; a result stored already for an agency in this round is replaced.",
            )
            .into(),
        back_link: format!("/rounds/{}", round.id),
        back_label: viewer.t("กลับไปหน้ารอบการประเมิน", "Back to the round").into(),
        rows: report_order(rows),
    };
    Ok(render(&page)?.into_response())
}
