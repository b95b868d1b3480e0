//! OIT verdicts in bulk: importing them from a CSV or XLSX table (agency code, item code, verdict, reason,
//! guidance), row by row, each row written or refused with its reasons under the row number Excel shows; and
//! the whole checklist of a round (one row per agency and item: the answer, its URLs, the verdict, the
//! reason, the guidance, the dispute and its resolution) as CSV (UTF-8 with a byte-order mark) or XLSX,
//! written an agency at a time so that a national round never sits in memory whole.

use std::collections::{BTreeMap, HashMap};
use std::io::{Seek as _, SeekFrom};
use std::sync::Arc;

use axum::body::Body;
use bytes::Bytes;
use ita_domain::Lang;
use ita_domain::methodology::Methodology;
use ita_domain::platform::{AgencyCode, Invalid};
use ita_domain::scoring::Verdict;
use ita_store::{Actor, Agency, OitVerdictDraft, Round, Store};
use uuid::Uuid;

use crate::import::{self, Row, Table};
use crate::survey_export::BOM;

/// The longest reason or guidance taken (characters); more is a pasted document, not a reason.
pub const MAX_TEXT_CHARS: usize = 5_000;
/// The stage a verdict given in the review window is stored at.
pub const REVIEW_STAGE: &str = "review";

/// What a person reads when a failure has no reason.
pub fn missing_reason() -> Invalid {
    Invalid::new("ผลไม่ผ่านต้องระบุเหตุผลว่าหลักฐานขาดสิ่งใด", "a failure needs a reason: say what the evidence lacks")
}

/// What a person reads when a failure has no guidance.
pub fn missing_guidance() -> Invalid {
    Invalid::new(
        "ผลไม่ผ่านต้องระบุข้อแนะนำว่าหน่วยงานควรแก้ไขอย่างไร",
        "a failure needs guidance: say how the agency can put it right",
    )
}

/// A reason or guidance that is too long, named by `label_th` / `label_en`.
pub fn too_long(label_th: &str, label_en: &str) -> Invalid {
    Invalid::new(
        format!("{label_th}ยาวเกิน {MAX_TEXT_CHARS} ตัวอักษร กรุณาสรุปให้กระชับ"),
        format!("the {label_en} is longer than {MAX_TEXT_CHARS} characters: please shorten it"),
    )
}

/// Checks one verdict as a person gave it: a failure needs a reason and guidance; neither may be too long.
pub fn check_verdict(passed: bool, reason: &str, guidance: &str) -> Vec<Invalid> {
    let mut problems = Vec::new();
    if !passed && reason.trim().is_empty() {
        problems.push(missing_reason());
    }
    if !passed && guidance.trim().is_empty() {
        problems.push(missing_guidance());
    }
    if reason.chars().count() > MAX_TEXT_CHARS {
        problems.push(too_long("เหตุผล", "reason"));
    }
    if guidance.chars().count() > MAX_TEXT_CHARS {
        problems.push(too_long("ข้อแนะนำ", "guidance"));
    }
    problems
}

/// An item code as people type it (`o1`, ` O1 `) in the year's spelling, if the year has that item.
pub fn item_code<'m>(methodology: &'m Methodology, text: &str) -> Option<&'m str> {
    let wanted = import::arabic_digits(text.trim());
    methodology
        .oit_items
        .iter()
        .find(|item| item.code.eq_ignore_ascii_case(&wanted))
        .map(|item| item.code.as_str())
}

// Import.

/// A column of the verdict file: its key, its Thai header, and the other names it goes by.
#[derive(Debug)]
pub struct VerdictColumn {
    pub key: &'static str,
    pub thai: &'static str,
    pub aliases: &'static [&'static str],
    pub required: bool,
    pub note_th: &'static str,
    pub note_en: &'static str,
}

pub const VERDICT_COLUMNS: [VerdictColumn; 5] = [
    VerdictColumn {
        key: "agency_code",
        thai: "รหัสหน่วยงาน",
        aliases: &["code", "agency code", "รหัส"],
        required: true,
        note_th: "รหัสหน่วยงานตามระบบ เช่น 5150101",
        note_en: "the agency's code, e.g. 5150101",
    },
    VerdictColumn {
        key: "item_code",
        thai: "รหัสข้อ",
        aliases: &["item", "item code", "ข้อ", "ข้อที่", "oit"],
        required: true,
        note_th: "รหัสข้อของแบบ OIT ตามปีการประเมิน เช่น O1",
        note_en: "the OIT item code of the year, e.g. O1",
    },
    VerdictColumn {
        key: "verdict",
        thai: "ผลการพิจารณา",
        aliases: &["ผล", "result"],
        required: true,
        note_th: "ผ่าน หรือ ไม่ผ่าน (pass หรือ fail) แถวที่เว้นว่างจะถูกข้ามไป",
        note_en: "ผ่าน or ไม่ผ่าน (pass or fail); a row left blank is skipped",
    },
    VerdictColumn {
        key: "reason",
        thai: "เหตุผล",
        aliases: &["เหตุผลที่ไม่ผ่าน"],
        required: false,
        note_th: "ต้องระบุเมื่อไม่ผ่าน: หลักฐานขาดสิ่งใด",
        note_en: "required on a failure: what the evidence lacks",
    },
    VerdictColumn {
        key: "guidance",
        thai: "ข้อแนะนำ",
        aliases: &["คำแนะนำ", "แนวทางการแก้ไข"],
        required: false,
        note_th: "ต้องระบุเมื่อไม่ผ่าน: หน่วยงานควรแก้ไขอย่างไร",
        note_en: "required on a failure: how the agency can put it right",
    },
];

/// Where each verdict column is in the file (the order of [`VERDICT_COLUMNS`]).
#[derive(Debug, Clone)]
pub struct VerdictColumns([Option<usize>; 5]);

impl VerdictColumns {
    pub fn locate(headers: &[String]) -> Result<VerdictColumns, Invalid> {
        let mut found = [None; 5];
        let mut missing_th = Vec::new();
        let mut missing_en = Vec::new();
        for (slot, column) in found.iter_mut().zip(&VERDICT_COLUMNS) {
            let mut names = vec![column.key, column.thai];
            names.extend_from_slice(column.aliases);
            *slot = import::find_column(headers, &names, &Invalid::new(column.thai, column.key))?;
            if column.required && slot.is_none() {
                missing_th.push(format!("{} ({})", column.thai, column.key));
                missing_en.push(format!("{} ({})", column.key, column.thai));
            }
        }
        if !missing_th.is_empty() {
            return Err(Invalid::new(
                format!("ไม่พบคอลัมน์ที่จำเป็น: {} (แถวที่ 1 ของแฟ้มต้องเป็นหัวตาราง)", missing_th.join(", ")),
                format!(
                    "required columns are missing: {} (row 1 of the file must be the header row)",
                    missing_en.join(", ")
                ),
            ));
        }
        Ok(VerdictColumns(found))
    }

    fn cell<'r>(&self, row: &'r Row, key: &str) -> &'r str {
        let index = VERDICT_COLUMNS.iter().position(|column| column.key == key);
        row.cell(index.and_then(|index| self.0[index]))
    }
}

/// What became of one row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowOutcome {
    Written,
    /// No verdict in the row: nothing to do.
    Skipped,
    Refused,
}

/// One row of the report.
#[derive(Debug, Clone)]
pub struct ImportedRow {
    pub number: usize,
    pub agency_code: String,
    pub agency: Option<(Uuid, String)>,
    pub item_code: String,
    pub item_name: String,
    pub verdict: Option<bool>,
    pub outcome: RowOutcome,
    pub problems: Vec<Invalid>,
}

/// The rows of a verdict file, checked: each row's outcome (`Written` for a row about to be, until a failed
/// write says otherwise) and the drafts to store, per agency, with the index of the row each came from.
#[derive(Debug, Default)]
pub struct CheckedImport {
    pub rows: Vec<ImportedRow>,
    pub drafts: BTreeMap<Uuid, Vec<(usize, OitVerdictDraft)>>,
}

/// Checks every row against the year and the agencies the importer may judge (`agencies`, by code).
/// `national` says whether `agencies` is every agency (so an absent code does not exist) or only those
/// assigned to the importer (then an absent code is named as not among theirs, whether or not it exists
/// elsewhere).
pub fn check_rows(
    table: &Table,
    columns: &VerdictColumns,
    methodology: &Methodology,
    agencies: &HashMap<AgencyCode, Agency>,
    national: bool,
    lang: Lang,
) -> CheckedImport {
    let mut checked = CheckedImport::default();
    let mut first_row: HashMap<(Uuid, String), usize> = HashMap::new();
    for row in &table.rows {
        let code_text = columns.cell(row, "agency_code").to_string();
        let item_text = columns.cell(row, "item_code").to_string();
        let verdict_text = columns.cell(row, "verdict").to_string();
        let reason = columns.cell(row, "reason").to_string();
        let guidance = columns.cell(row, "guidance").to_string();
        let mut problems = Vec::new();
        let mut agency = None;
        match AgencyCode::parse(&import::arabic_digits(&code_text)) {
            Err(invalid) => problems.push(invalid),
            Ok(code) => match agencies.get(&code) {
                Some(found) => agency = Some(found),
                None if national => problems.push(Invalid::new(
                    format!("ไม่พบหน่วยงานรหัส {code} ในระบบ"),
                    format!("there is no agency with code {code}"),
                )),
                None => problems.push(Invalid::new(
                    format!("หน่วยงานรหัส {code} ไม่อยู่ในรายชื่อหน่วยงานที่ท่านได้รับมอบหมายให้ตรวจประเมิน"),
                    format!("agency {code} is not among the agencies assigned to you"),
                )),
            },
        }
        let item = item_code(methodology, &item_text).and_then(|code| methodology.oit_item(code));
        if item.is_none() {
            problems.push(if item_text.is_empty() {
                Invalid::new("ยังไม่ได้ระบุรหัสข้อ", "no item code given")
            } else {
                Invalid::new(
                    format!("ไม่มีข้อ {item_text} ในแบบ OIT ของปี {}", methodology.id()),
                    format!("there is no OIT item {item_text} in year {}", methodology.id()),
                )
            });
        }
        let verdict = if verdict_text.is_empty() { None } else { Verdict::parse_word(&verdict_text) };
        if !verdict_text.is_empty() && verdict.is_none() {
            problems.push(Invalid::new(
                format!("ผลการพิจารณา \"{verdict_text}\" อ่านไม่ได้ ให้ระบุ ผ่าน หรือ ไม่ผ่าน"),
                format!("verdict \"{verdict_text}\" is not readable: give pass or fail (ผ่าน or ไม่ผ่าน)"),
            ));
        }
        if let Some(passed) = verdict {
            problems.extend(check_verdict(passed, &reason, &guidance));
        }
        if let (Some(agency), Some(item), true) = (agency, item, verdict.is_some()) {
            if let Some(first) = first_row.get(&(agency.id, item.code.clone())) {
                problems.push(Invalid::new(
                    format!("หน่วยงาน {} ข้อ {} ซ้ำกับแถวที่ {first} ในแฟ้มนี้", agency.code, item.code),
                    format!("agency {} item {} repeats row {first} of this file", agency.code, item.code),
                ));
            } else if problems.is_empty() {
                first_row.insert((agency.id, item.code.clone()), row.number);
            }
        }
        let outcome = match (verdict_text.is_empty(), problems.is_empty()) {
            (_, false) => RowOutcome::Refused,
            (true, true) => RowOutcome::Skipped,
            (false, true) => RowOutcome::Written,
        };
        if let (RowOutcome::Written, Some(agency), Some(item), Some(passed)) =
            (outcome, agency, item, verdict)
        {
            checked.drafts.entry(agency.id).or_default().push((
                checked.rows.len(),
                OitVerdictDraft {
                    item_code: item.code.clone(),
                    passed,
                    reason: reason.clone(),
                    guidance: guidance.clone(),
                },
            ));
        }
        checked.rows.push(ImportedRow {
            number: row.number,
            agency_code: code_text,
            agency: agency.map(|agency| (agency.id, agency.name_th.clone())),
            item_code: item.map(|item| item.code.clone()).unwrap_or(item_text),
            item_name: item.map(|item| item.name(lang).to_string()).unwrap_or_default(),
            verdict,
            outcome,
            problems,
        });
    }
    checked
}

/// Stores the checked drafts, one transaction per agency. An agency whose transaction fails has its rows
/// refused with that reason (the cause is logged), and the other agencies' rows stand: the report says which
/// is which.
pub async fn write_checked(store: &dyn Store, actor: &Actor, round: &Round, checked: &mut CheckedImport) {
    for (agency_id, drafts) in std::mem::take(&mut checked.drafts) {
        let just_drafts: Vec<OitVerdictDraft> = drafts.iter().map(|(_, draft)| draft.clone()).collect();
        let result = store.put_oit_verdicts(actor, agency_id, round.id, &just_drafts, REVIEW_STAGE).await;
        let Err(error) = result else { continue };
        tracing::error!(error = format!("{error:#}"), agency = %agency_id, "verdict import failed for an agency");
        for (index, _) in &drafts {
            let row = &mut checked.rows[*index];
            row.outcome = RowOutcome::Refused;
            row.problems.push(Invalid::new(
                "ระบบบันทึกผลของหน่วยงานนี้ไม่สำเร็จ กรุณานำเข้าแถวของหน่วยงานนี้อีกครั้ง",
                "the verdicts of this agency could not be stored: import its rows again",
            ));
        }
    }
}

// The checklist.

/// The columns of the checklist, in the asker's language (an import reads either).
pub fn checklist_header(lang: Lang) -> Vec<String> {
    let pairs = [
        ("รหัสหน่วยงาน", "agency_code"),
        ("ชื่อหน่วยงาน", "agency_name"),
        ("รหัสข้อ", "item_code"),
        ("ชื่อข้อ", "item_name"),
        ("คำตอบ", "answer"),
        ("URL", "urls"),
        ("ผลการพิจารณา", "verdict"),
        ("เหตุผล", "reason"),
        ("ข้อแนะนำ", "guidance"),
        ("ข้อโต้แย้ง", "dispute"),
        ("ผลการพิจารณาข้อโต้แย้ง", "resolution"),
    ];
    pairs.iter().map(|(th, en)| lang.pick(th, en).to_string()).collect()
}

/// An agency of a checklist, and whether it has any OIT data in the round (one without is a block of empty
/// rows, read without asking the store).
#[derive(Debug, Clone)]
pub struct ChecklistAgency {
    pub agency: Agency,
    pub has_data: bool,
}

/// One agency's rows: every item of the year in order. Only submitted answers are shown (a draft is the
/// agency's own until it submits).
pub async fn checklist_rows(
    store: &dyn Store,
    round_id: Uuid,
    methodology: &Methodology,
    entry: &ChecklistAgency,
    lang: Lang,
) -> ita_store::Result<Vec<Vec<String>>> {
    let agency = &entry.agency;
    let (answers, verdicts, disputes) = if entry.has_data {
        (
            store.oit_answers(agency.id, round_id).await?,
            store.oit_verdicts(agency.id, round_id).await?,
            store.oit_disputes(agency.id, round_id).await?,
        )
    } else {
        (Vec::new(), Vec::new(), Vec::new())
    };
    let answers: HashMap<&str, _> = answers
        .iter()
        .filter(|answer| answer.submitted_at.is_some())
        .map(|answer| (answer.item_code.as_str(), answer))
        .collect();
    let verdicts: HashMap<&str, _> =
        verdicts.iter().map(|verdict| (verdict.item_code.as_str(), verdict)).collect();
    let disputes: HashMap<&str, _> =
        disputes.iter().map(|dispute| (dispute.item_code.as_str(), dispute)).collect();
    Ok(methodology
        .oit_items
        .iter()
        .map(|item| {
            let answer = answers.get(item.code.as_str());
            let verdict = verdicts.get(item.code.as_str());
            let dispute = disputes.get(item.code.as_str());
            vec![
                agency.code.to_string(),
                agency.name_th.clone(),
                item.code.clone(),
                item.name(lang).to_string(),
                answer
                    .map(|answer| {
                        if answer.has {
                            lang.pick("มี", "yes")
                        } else {
                            lang.pick("ไม่มี", "no")
                        }
                        .to_string()
                    })
                    .unwrap_or_default(),
                answer.map(|answer| answer.urls.join("\n")).unwrap_or_default(),
                verdict.map(|verdict| verdict_word(lang, verdict.passed).to_string()).unwrap_or_default(),
                verdict.map(|verdict| verdict.reason.clone()).unwrap_or_default(),
                verdict.map(|verdict| verdict.guidance.clone()).unwrap_or_default(),
                dispute.map(|dispute| dispute.statement.clone()).unwrap_or_default(),
                dispute.map(|dispute| resolution_text(lang, dispute)).unwrap_or_default(),
            ]
        })
        .collect())
}

/// ผ่าน / ไม่ผ่าน.
pub fn verdict_word(lang: Lang, passed: bool) -> &'static str {
    if passed { lang.pick("ผ่าน", "pass") } else { lang.pick("ไม่ผ่าน", "fail") }
}

/// How a dispute stands, in words: waiting, or confirmed or changed with the reason.
pub fn resolution_text(lang: Lang, dispute: &ita_store::OitDispute) -> String {
    let reason = dispute.resolution_reason.clone().unwrap_or_default();
    match dispute.confirmed {
        None => lang.pick("รอผู้ประเมินพิจารณา", "waiting for the assessor").to_string(),
        Some(true) => format!("{}: {reason}", lang.pick("ยืนยันผลไม่ผ่าน", "failure confirmed")),
        Some(false) => format!("{}: {reason}", lang.pick("เปลี่ยนเป็นผ่าน", "changed to a pass")),
    }
}

/// Reads the agencies' rows in order and hands each agency's rows on (stops when the receiver is gone).
async fn feed_rows(
    store: Arc<dyn Store>,
    round_id: Uuid,
    methodology: Arc<Methodology>,
    agencies: Vec<ChecklistAgency>,
    lang: Lang,
    sender: tokio::sync::mpsc::Sender<Vec<Vec<String>>>,
) -> ita_store::Result<()> {
    for entry in &agencies {
        let rows = checklist_rows(store.as_ref(), round_id, &methodology, entry, lang).await?;
        if sender.send(rows).await.is_err() {
            break;
        }
    }
    Ok(())
}

/// The checklist as a streamed CSV body: the byte-order mark and the header first, then an agency at a time.
pub fn checklist_csv(
    store: Arc<dyn Store>,
    round_id: Uuid,
    methodology: Arc<Methodology>,
    agencies: Vec<ChecklistAgency>,
    lang: Lang,
) -> Body {
    let (rows_in, mut rows_out) = tokio::sync::mpsc::channel::<Vec<Vec<String>>>(4);
    let (sender, receiver) = tokio::sync::mpsc::channel::<Result<Bytes, std::io::Error>>(4);
    let reading = tokio::spawn(feed_rows(store, round_id, methodology, agencies, lang, rows_in));
    tokio::spawn(async move {
        let result = async {
            let mut writer = csv::Writer::from_writer(BOM.to_vec());
            writer.write_record(checklist_header(lang))?;
            while let Some(rows) = rows_out.recv().await {
                for row in &rows {
                    writer.write_record(row)?;
                }
                let full = std::mem::replace(&mut writer, csv::Writer::from_writer(Vec::new()));
                let chunk = Bytes::from(full.into_inner().map_err(|error| error.into_error())?);
                if sender.send(Ok(chunk)).await.is_err() {
                    // The browser went away: stop reading.
                    return Ok(());
                }
            }
            reading.await??;
            let rest = writer.into_inner().map_err(|error| error.into_error())?;
            let _ = sender.send(Ok(Bytes::from(rest))).await;
            Ok::<(), anyhow::Error>(())
        }
        .await;
        if let Err(error) = result {
            tracing::error!(error = format!("{error:#}"), "checklist export failed part way");
            let _ = sender.send(Err(std::io::Error::other("export failed"))).await;
        }
    });
    Body::from_stream(futures_util::stream::unfold(receiver, |mut receiver| async move {
        receiver.recv().await.map(|chunk| (chunk, receiver))
    }))
}

/// The checklist as an XLSX workbook in an anonymous temporary file (constant-memory mode: rows go to disk as
/// they are written), rewound, with its length.
pub async fn checklist_xlsx(
    store: Arc<dyn Store>,
    round_id: Uuid,
    methodology: Arc<Methodology>,
    agencies: Vec<ChecklistAgency>,
    lang: Lang,
) -> anyhow::Result<(tokio::fs::File, u64)> {
    let (sender, mut receiver) = tokio::sync::mpsc::channel::<Vec<Vec<String>>>(4);
    let header = checklist_header(lang);
    let writer = tokio::task::spawn_blocking(move || {
        write_workbook(&header, std::iter::from_fn(|| receiver.blocking_recv()))
    });
    let reading = feed_rows(store, round_id, methodology, agencies, lang, sender).await;
    let file = writer.await??;
    reading?;
    let length = file.metadata()?.len();
    Ok((tokio::fs::File::from_std(file), length))
}

fn write_workbook(
    header: &[String],
    agencies: impl Iterator<Item = Vec<Vec<String>>>,
) -> anyhow::Result<std::fs::File> {
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let sheet = workbook.add_worksheet_with_constant_memory();
    sheet.set_name("OIT")?;
    // Widths are set before any row: a constant-memory sheet writes rows out as it goes.
    for (column, width) in [14.0, 36.0, 9.0, 40.0, 9.0, 48.0, 12.0, 40.0, 40.0, 40.0, 40.0].iter().enumerate()
    {
        sheet.set_column_width(u16::try_from(column)?, *width)?;
    }
    for (column, name) in header.iter().enumerate() {
        sheet.write_string(0, u16::try_from(column)?, name)?;
    }
    let mut row_number = 1u32;
    for rows in agencies {
        for row in rows {
            for (column, cell) in row.iter().enumerate() {
                sheet.write_string(row_number, u16::try_from(column)?, cell)?;
            }
            row_number += 1;
        }
    }
    let mut file = tempfile::tempfile()?;
    workbook.save_to_writer(&mut file)?;
    file.seek(SeekFrom::Start(0))?;
    Ok(file)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ita_domain::methodology::Catalog;
    use ita_domain::platform::AgencyKind;

    fn methodology() -> Methodology {
        Catalog::builtin().unwrap().get(&"2565".parse().unwrap()).unwrap().clone()
    }

    fn agency(code: &str) -> Agency {
        Agency {
            id: Uuid::new_v4(),
            code: AgencyCode::parse(code).unwrap(),
            name_th: format!("หน่วยงาน {code}"),
            name_en: None,
            kind: AgencyKind::SubdistrictAdministration,
            province: "อ่างทอง".into(),
            district: None,
            parent_id: None,
            website: None,
            contact: None,
            created_at: 0,
            updated_at: 0,
        }
    }

    fn table(text: &str) -> Table {
        import::read_table("verdicts.csv", text.as_bytes()).unwrap()
    }

    #[test]
    fn good_rows_become_drafts_and_bad_rows_are_named_by_their_row_number() {
        let ours = agency("5150101");
        let agencies = HashMap::from([(ours.code.clone(), ours.clone())]);
        let table = table(
            "รหัสหน่วยงาน,รหัสข้อ,ผลการพิจารณา,เหตุผล,ข้อแนะนำ\n\
             5150101,o1,ผ่าน,,\n\
             5150101,O2,ไม่ผ่าน,,\n\
             9999999,O3,pass,,\n\
             5150101,O99,fail,ไม่มี,ทำเสีย\n\
             5150101,O4,,,\n\
             5150101,O1,fail,ซ้ำ,ซ้ำ\n\
             5150101,O5,fail,ไม่พบแผนผัง,ให้เผยแพร่แผนผังโครงสร้าง\n",
        );
        let columns = VerdictColumns::locate(&table.headers).unwrap();
        let checked = check_rows(&table, &columns, &methodology(), &agencies, false, Lang::En);
        let outcomes: Vec<(usize, RowOutcome)> =
            checked.rows.iter().map(|row| (row.number, row.outcome)).collect();
        assert_eq!(
            outcomes,
            [
                (2, RowOutcome::Written),
                (3, RowOutcome::Refused),
                (4, RowOutcome::Refused),
                (5, RowOutcome::Refused),
                (6, RowOutcome::Skipped),
                (7, RowOutcome::Refused),
                (8, RowOutcome::Written),
            ]
        );
        let drafts = &checked.drafts[&ours.id];
        let codes: Vec<&str> = drafts.iter().map(|(_, draft)| draft.item_code.as_str()).collect();
        assert_eq!(codes, ["O1", "O5"]);
        assert!(checked.rows[1].problems.iter().any(|problem| problem.en.contains("needs a reason")));
        assert!(checked.rows[2].problems[0].en.contains("not among the agencies assigned to you"));
        assert!(checked.rows[3].problems[0].en.contains("no OIT item O99"));
        assert!(checked.rows[5].problems[0].en.contains("repeats row 2"));
    }

    #[test]
    fn a_file_without_the_verdict_column_is_refused_whole() {
        let headers = vec!["agency_code".to_string(), "item_code".to_string()];
        let error = VerdictColumns::locate(&headers).unwrap_err();
        assert!(error.en.contains("verdict"), "{}", error.en);
        assert_eq!(checklist_header(Lang::En)[..3], ["agency_code", "agency_name", "item_code"]);
        // The checklist's own header reads back as an import's.
        let exported: Vec<String> = checklist_header(Lang::Th);
        assert!(VerdictColumns::locate(&exported).is_ok());
        assert!(VerdictColumns::locate(&checklist_header(Lang::En)).is_ok());
    }
}
