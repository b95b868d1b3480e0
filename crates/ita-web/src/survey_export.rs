//! Survey responses as files: CSV (UTF-8 with a byte-order mark, so that Excel reads the Thai) and XLSX. Both read
//! the store's stream one group at a time (one agency's answers to one instrument), so that a national year of
//! responses never sits in memory; groups too small to publish are left out and small relations are blanked.

use std::collections::{BTreeMap, HashMap};
use std::io::{Seek as _, SeekFrom};

use axum::body::Body;
use bytes::Bytes;
use futures_util::StreamExt as _;
use futures_util::stream::BoxStream;
use ita_domain::questionnaire::{MIN_GROUP, Questionnaire, option_index};
use ita_store::{ResponseQuery, Store, StoredResponse};
use tokio::io::AsyncReadExt as _;
use uuid::Uuid;

/// The byte-order mark that tells spreadsheet programs the CSV is UTF-8.
pub const BOM: &[u8] = b"\xEF\xBB\xBF";
/// The rows a worksheet holds below its header row (Excel's limit is 1,048,576 rows with the header).
pub const ROWS_PER_SHEET: usize = 1_048_575;
/// How much CSV is gathered before it is sent on.
const CHUNK_BYTES: usize = 64 * 1024;

/// The columns of an export of one instrument: its sub-questions in form order, each with its options' codes in
/// scale order (an answer is stored as the option's index).
#[derive(Debug, Clone)]
pub struct ExportLayout {
    instrument: String,
    columns: Vec<(String, Vec<String>)>,
}

impl ExportLayout {
    pub fn new(questionnaire: &Questionnaire) -> ExportLayout {
        // Stored order, which is the order of the characters of a stored answer string.
        let columns = questionnaire
            .columns()
            .map(|(_, sub)| {
                (sub.code.clone(), sub.options.iter().map(|option| option.code.clone()).collect())
            })
            .collect();
        ExportLayout { instrument: questionnaire.instrument().to_string(), columns }
    }

    pub fn instrument(&self) -> &str {
        &self.instrument
    }

    /// `agency_code`, `instrument`, `relation`, then one column per sub-question code.
    pub fn header(&self) -> Vec<String> {
        ["agency_code", "instrument", "relation"]
            .into_iter()
            .map(str::to_string)
            .chain(self.columns.iter().map(|(code, _)| code.clone()))
            .collect()
    }

    /// One response as cells: the answers as option codes (blank where an answer is missing or unreadable).
    pub fn cells(&self, agency_code: &str, row: &ExportRow) -> Vec<String> {
        let mut cells = Vec::with_capacity(self.columns.len() + 3);
        cells.push(agency_code.to_string());
        cells.push(self.instrument.clone());
        cells.push(row.relation.clone().unwrap_or_default());
        let mut answers = row.answers.bytes();
        for (_, options) in &self.columns {
            let option = answers
                .next()
                .and_then(option_index)
                .and_then(|index| options.get(index))
                .cloned()
                .unwrap_or_default();
            cells.push(option);
        }
        cells
    }
}

/// One response as it may be published: its relation is blank when too few of its agency share that relation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportRow {
    pub relation: Option<String>,
    pub answers: String,
}

/// One agency's responses to one instrument, read whole from the stream (the stream is ordered that way).
#[derive(Debug)]
pub struct ResponseGroup {
    pub agency_id: Uuid,
    pub instrument: String,
    pub responses: Vec<StoredResponse>,
}

impl ResponseGroup {
    /// The rows an export may show, or `None` when the group itself is too small to show at all.
    pub fn publishable(self) -> Option<Vec<ExportRow>> {
        if self.responses.len() < MIN_GROUP {
            return None;
        }
        let mut per_relation: BTreeMap<Option<String>, usize> = BTreeMap::new();
        for response in &self.responses {
            *per_relation.entry(response.relation.clone()).or_default() += 1;
        }
        Some(
            self.responses
                .into_iter()
                .map(|response| {
                    let small = per_relation.get(&response.relation).is_some_and(|count| *count < MIN_GROUP);
                    ExportRow {
                        relation: if small { None } else { response.relation },
                        answers: response.answers,
                    }
                })
                .collect(),
        )
    }
}

/// Cuts the store's ordered stream into [`ResponseGroup`]s.
pub struct Groups {
    stream: BoxStream<'static, ita_store::Result<StoredResponse>>,
    pending: Option<StoredResponse>,
    /// The stream has ended (it must not be polled again).
    done: bool,
}

impl std::fmt::Debug for Groups {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Groups")
            .field("pending", &self.pending)
            .field("done", &self.done)
            .finish_non_exhaustive()
    }
}

impl Groups {
    pub fn new(stream: BoxStream<'static, ita_store::Result<StoredResponse>>) -> Groups {
        Groups { stream, pending: None, done: false }
    }

    /// The next whole group, or `None` at the end.
    pub async fn next_group(&mut self) -> ita_store::Result<Option<ResponseGroup>> {
        let first = match self.pending.take() {
            Some(first) => first,
            None if self.done => return Ok(None),
            None => match self.stream.next().await {
                Some(response) => response?,
                None => {
                    self.done = true;
                    return Ok(None);
                }
            },
        };
        let mut group = ResponseGroup {
            agency_id: first.agency_id,
            instrument: first.instrument.clone(),
            responses: vec![first],
        };
        while !self.done {
            let Some(response) = self.stream.next().await else {
                self.done = true;
                break;
            };
            let response = response?;
            if response.agency_id != group.agency_id || response.instrument != group.instrument {
                self.pending = Some(response);
                break;
            }
            group.responses.push(response);
        }
        Ok(Some(group))
    }
}

/// The CSV of the responses a query names, as a streamed body: the byte-order mark and the header first, then
/// each publishable group as it is read. `codes` names the agencies (a response carries only the agency's id);
/// a response of an agency not in `codes` is left out.
pub fn csv_body(
    store: &dyn Store,
    query: ResponseQuery,
    layout: ExportLayout,
    codes: HashMap<Uuid, String>,
) -> Body {
    let (sender, receiver) = tokio::sync::mpsc::channel::<Result<Bytes, std::io::Error>>(4);
    let mut groups = Groups::new(store.responses(query));
    tokio::spawn(async move {
        let result = async {
            let mut writer = csv::Writer::from_writer(BOM.to_vec());
            writer.write_record(layout.header())?;
            while let Some(group) = groups.next_group().await? {
                let Some(code) = codes.get(&group.agency_id) else { continue };
                let Some(rows) = group.publishable() else { continue };
                for row in &rows {
                    writer.write_record(layout.cells(code, row))?;
                    if writer.get_ref().len() >= CHUNK_BYTES {
                        let full = std::mem::replace(&mut writer, csv::Writer::from_writer(Vec::new()));
                        let chunk = Bytes::from(full.into_inner().map_err(|error| error.into_error())?);
                        if sender.send(Ok(chunk)).await.is_err() {
                            // The browser went away: stop reading.
                            return Ok(());
                        }
                    }
                }
            }
            let rest = writer.into_inner().map_err(|error| error.into_error())?;
            let _ = sender.send(Ok(Bytes::from(rest))).await;
            Ok::<(), anyhow::Error>(())
        }
        .await;
        if let Err(error) = result {
            tracing::error!(error = format!("{error:#}"), "survey export failed part way");
            let _ = sender.send(Err(std::io::Error::other("export failed"))).await;
        }
    });
    Body::from_stream(futures_util::stream::unfold(receiver, |mut receiver| async move {
        receiver.recv().await.map(|chunk| (chunk, receiver))
    }))
}

/// The XLSX of the responses a query names, written in constant-memory mode to an anonymous temporary file
/// (rows go to disk as they are written) and returned rewound, with its length. More rows than a worksheet holds
/// continue on another worksheet, each with the header.
pub async fn xlsx_file(
    store: &dyn Store,
    query: ResponseQuery,
    layout: ExportLayout,
    codes: HashMap<Uuid, String>,
) -> anyhow::Result<(tokio::fs::File, u64)> {
    let (sender, mut receiver) = tokio::sync::mpsc::channel::<(String, Vec<ExportRow>)>(4);
    let writer = tokio::task::spawn_blocking(move || {
        write_workbook(&layout, ROWS_PER_SHEET, std::iter::from_fn(|| receiver.blocking_recv()))
    });
    let mut groups = Groups::new(store.responses(query));
    let reading = async {
        while let Some(group) = groups.next_group().await? {
            let Some(code) = codes.get(&group.agency_id) else { continue };
            let Some(rows) = group.publishable() else { continue };
            if sender.send((code.clone(), rows)).await.is_err() {
                break;
            }
        }
        Ok::<(), ita_store::StoreError>(())
    }
    .await;
    drop(sender);
    let file = writer.await??;
    reading?;
    let length = file.metadata()?.len();
    Ok((tokio::fs::File::from_std(file), length))
}

/// Writes the groups' rows to a workbook in an anonymous temporary file, `rows_per_sheet` rows to a worksheet,
/// and returns the file rewound.
fn write_workbook(
    layout: &ExportLayout,
    rows_per_sheet: usize,
    groups: impl Iterator<Item = (String, Vec<ExportRow>)>,
) -> anyhow::Result<std::fs::File> {
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let header = layout.header();
    let mut sheet_index = 0usize;
    let mut row_in_sheet = 0usize;
    new_sheet(&mut workbook, &header, sheet_index)?;
    for (code, rows) in groups {
        for row in &rows {
            if row_in_sheet == rows_per_sheet {
                sheet_index += 1;
                row_in_sheet = 0;
                new_sheet(&mut workbook, &header, sheet_index)?;
            }
            let sheet = workbook.worksheet_from_index(sheet_index)?;
            let excel_row = u32::try_from(row_in_sheet + 1)?;
            for (column, cell) in layout.cells(&code, row).iter().enumerate() {
                sheet.write_string(excel_row, u16::try_from(column)?, cell)?;
            }
            row_in_sheet += 1;
        }
    }
    let mut file = tempfile::tempfile()?;
    workbook.save_to_writer(&mut file)?;
    file.seek(SeekFrom::Start(0))?;
    Ok(file)
}

fn new_sheet(
    workbook: &mut rust_xlsxwriter::Workbook,
    header: &[String],
    index: usize,
) -> anyhow::Result<()> {
    let sheet = workbook.add_worksheet_with_constant_memory();
    sheet.set_name(format!(
        "responses{}",
        if index == 0 { String::new() } else { format!("-{}", index + 1) }
    ))?;
    for (column, name) in header.iter().enumerate() {
        sheet.write_string(0, u16::try_from(column)?, name)?;
    }
    Ok(())
}

/// A file as a streamed body, read a chunk at a time.
pub fn file_body(file: tokio::fs::File) -> Body {
    Body::from_stream(futures_util::stream::unfold(Some(file), |file| async move {
        let mut file = file?;
        let mut buffer = vec![0u8; CHUNK_BYTES];
        match file.read(&mut buffer).await {
            Ok(0) => None,
            Ok(read) => {
                buffer.truncate(read);
                Some((Ok::<Bytes, std::io::Error>(Bytes::from(buffer)), Some(file)))
            }
            Err(error) => Some((Err(error), None)),
        }
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn response(relation: Option<&str>) -> StoredResponse {
        StoredResponse {
            agency_id: Uuid::from_u128(1),
            instrument: "EIT".into(),
            relation: relation.map(str::to_string),
            answers: "01".into(),
        }
    }

    #[test]
    fn rows_past_a_worksheet_s_limit_continue_on_another_sheet_under_the_same_header() {
        use calamine::Reader as _;
        let methodology = ita_domain::methodology::Catalog::builtin()
            .unwrap()
            .get(&"2565".parse().unwrap())
            .unwrap()
            .clone();
        let layout = ExportLayout::new(&Questionnaire::new(&methodology, "EIT").unwrap());
        let rows: Vec<ExportRow> = (0..5)
            .map(|index| ExportRow {
                relation: Some(format!("r{index}")),
                answers: "1".repeat(layout.columns.len()),
            })
            .collect();
        let mut file = write_workbook(&layout, 2, std::iter::once(("A-1".to_string(), rows))).unwrap();
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(&mut file, &mut bytes).unwrap();
        let mut workbook = calamine::Xlsx::new(std::io::Cursor::new(bytes)).unwrap();
        assert_eq!(workbook.sheet_names(), ["responses", "responses-2", "responses-3"]);
        let mut relations = Vec::new();
        for name in workbook.sheet_names() {
            let range = workbook.worksheet_range(&name).unwrap();
            let mut sheet_rows = range.rows();
            let header: Vec<String> =
                sheet_rows.next().unwrap().iter().map(|cell| cell.to_string()).collect();
            assert_eq!(header, layout.header());
            relations.extend(sheet_rows.map(|row| row[2].to_string()));
        }
        assert_eq!(relations, ["r0", "r1", "r2", "r3", "r4"]);
    }

    #[test]
    fn a_small_relation_is_blanked_and_a_small_group_left_out() {
        let mut responses: Vec<StoredResponse> = (0..5).map(|_| response(Some("service_user"))).collect();
        responses.extend((0..4).map(|_| response(Some("contact"))));
        let group = ResponseGroup { agency_id: Uuid::from_u128(1), instrument: "EIT".into(), responses };
        let rows = group.publishable().expect("nine responses are shown");
        let relations: Vec<Option<&str>> = rows.iter().map(|row| row.relation.as_deref()).collect();
        assert_eq!(relations.iter().filter(|relation| **relation == Some("service_user")).count(), 5);
        assert_eq!(relations.iter().filter(|relation| relation.is_none()).count(), 4);
        let small = ResponseGroup {
            agency_id: Uuid::from_u128(1),
            instrument: "EIT".into(),
            responses: (0..4).map(|_| response(None)).collect(),
        };
        assert!(small.publishable().is_none());
    }
}
