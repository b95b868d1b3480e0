//! `ita report`: the analysis report and measures plan of one agency, or of many (`--batch`), written
//! atomically (a temporary file renamed into place) so that no half-written report is ever left behind.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use ita_domain::input::ScoreDocument;
use ita_domain::methodology::Catalog;
use ita_domain::report::{self, Library, ReportRequest};
use ita_domain::thai::CalendarDate;
use ita_report::{FontSet, Format, RenderOptions};

/// Reads, scores and renders one input file.
pub struct Renderer<'a> {
    pub catalog: &'a Catalog,
    pub library: &'a Library,
    pub fonts: &'a FontSet,
    pub options: RenderOptions,
    pub format: Format,
    pub date: CalendarDate,
}

impl Renderer<'_> {
    /// The report of a parsed input, as bytes.
    pub fn render_document(
        &self,
        document: &ScoreDocument,
        previous: Option<&ScoreDocument>,
    ) -> anyhow::Result<Vec<u8>> {
        let (methodology, result) = document.score(self.catalog)?;
        let previous_result = match previous {
            Some(previous) => Some(previous.score(self.catalog)?.1),
            None => None,
        };
        let request = ReportRequest {
            methodology,
            result: &result,
            previous: previous_result.as_ref(),
            agency: &document.agency,
            measures_year: document.report.measures_year,
            measures: document.report.measures.clone(),
            propose_measures: document.report.propose_measures,
            date: Some(self.date),
            signer: document.report.signer.clone(),
            library: self.library,
            assessor_notes: document.report.assessor_notes.clone(),
        };
        let model = report::build(&request)
            .map_err(|error| ita_domain::Error { file: document.source.clone(), ..error })?;
        Ok(ita_report::render(&model, self.format, self.options, self.fonts)?)
    }
}

/// Reads a score input file, resolving the CSV files it names beside it.
pub fn read_document(catalog: &Catalog, file: &Path) -> anyhow::Result<ScoreDocument> {
    let name = file.display().to_string();
    let text = std::fs::read_to_string(file).map_err(|error| {
        anyhow::anyhow!("ข้อผิดพลาด: อ่านแฟ้ม {name} ไม่ได้\nerror: cannot read {name}: {error}")
    })?;
    let folder = file.parent().unwrap_or(Path::new(".")).to_path_buf();
    let load = move |relative: &str| {
        std::fs::read_to_string(folder.join(relative)).map_err(|error| error.to_string())
    };
    Ok(ScoreDocument::parse(&name, &text, catalog, &load)?)
}

/// Writes `bytes` to `path` through a temporary file in the same folder, renamed into place.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let folder = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let shown = path.display();
    let mut temporary = tempfile::NamedTempFile::new_in(&folder).map_err(|error| {
        anyhow::anyhow!(
            "ข้อผิดพลาด: เขียนแฟ้มในโฟลเดอร์ {} ไม่ได้\nerror: cannot write in {}: {error}",
            folder.display(),
            folder.display()
        )
    })?;
    temporary
        .write_all(bytes)
        .and_then(|()| temporary.as_file().sync_all())
        .with_context(|| format!("writing {shown}"))?;
    temporary.persist(path).map_err(|error| {
        anyhow::anyhow!("ข้อผิดพลาด: บันทึกแฟ้ม {shown} ไม่ได้\nerror: cannot save {shown}: {}", error.error)
    })?;
    Ok(())
}

/// `ita report FILE`: one agency's report.
pub fn run_single(
    renderer: &Renderer<'_>,
    file: &Path,
    previous: Option<&Path>,
    output: &Path,
) -> anyhow::Result<()> {
    let document = read_document(renderer.catalog, file)?;
    let previous = previous.map(|path| read_document(renderer.catalog, path)).transpose()?;
    let bytes = renderer.render_document(&document, previous.as_ref())?;
    write_atomically(output, &bytes)?;
    eprintln!("เขียนรายงานแล้ว / wrote {} ({} bytes)", output.display(), bytes.len());
    Ok(())
}

pub fn parse_format(text: &str) -> Result<Format, String> {
    match text.to_ascii_lowercase().as_str() {
        "docx" => Ok(Format::Docx),
        "pdf" => Ok(Format::Pdf),
        "html" => Ok(Format::Html),
        "md" | "markdown" => Ok(Format::Markdown),
        other => Err(format!("unknown format {other:?}: use docx, pdf, html or md")),
    }
}

/// Today's date from the system clock (the domain never reads one).
pub fn today() -> CalendarDate {
    let days = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|elapsed| elapsed.as_secs() / 86_400)
        .unwrap_or(0);
    CalendarDate::from_days_since_1970(i64::try_from(days).unwrap_or(0))
}

/// Parses `YYYY-MM-DD` (Common Era) for `--date`.
pub fn parse_date(text: &str) -> Result<CalendarDate, String> {
    let parts: Vec<&str> = text.split('-').collect();
    let bad = || format!("a date is YYYY-MM-DD, e.g. 2026-11-25 (got {text:?})");
    let [year, month, day] = parts.as_slice() else { return Err(bad()) };
    let date = CalendarDate {
        year: year.parse().map_err(|_| bad())?,
        month: month.parse().map_err(|_| bad())?,
        day: day.parse().map_err(|_| bad())?,
    };
    if !(1..=12).contains(&date.month) || !(1..=31).contains(&date.day) {
        return Err(bad());
    }
    Ok(date)
}

/// One agency of a batch file, before scoring.
struct BatchRow {
    /// 1-based row number in the file (the header is row 1).
    line: usize,
    label: String,
    document: Result<ScoreDocument, String>,
}

/// The columns of a batch file: agency details, the year, and the ten indicator scores.
const BATCH_HELP: &str =
    "columns: code, name, type, district, province, methodology, 1 .. 10 (indicator scores)";

/// `ita report --batch FILE -o DIR`: every good row is rendered (on every core); bad rows are listed at the end
/// and make the exit non-zero.
pub fn run_batch(renderer: &Renderer<'_>, batch: &Path, output: &Path) -> anyhow::Result<()> {
    let rows = read_batch(renderer.catalog, batch)?;
    std::fs::create_dir_all(output).map_err(|error| {
        anyhow::anyhow!("ข้อผิดพลาด: สร้างโฟลเดอร์ {0} ไม่ได้\nerror: cannot create {0}: {error}", output.display())
    })?;
    let progress = indicatif::ProgressBar::new(rows.len() as u64);
    progress.set_style(
        indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} {msg}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let next = std::sync::atomic::AtomicUsize::new(0);
    let failures = std::sync::Mutex::new(Vec::<(usize, String, String)>::new());
    let workers = std::thread::available_parallelism().map_or(1, usize::from).min(rows.len().max(1));
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| {
                loop {
                    let index = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    let Some(row) = rows.get(index) else { break };
                    let outcome = match &row.document {
                        Err(message) => Err(message.clone()),
                        Ok(document) => renderer
                            .render_document(document, None)
                            .and_then(|bytes| {
                                let path = output.join(format!(
                                    "{}.{}",
                                    file_stem(&row.label, row.line),
                                    renderer.format.extension()
                                ));
                                write_atomically(&path, &bytes)
                            })
                            .map_err(|error| format!("{error:#}")),
                    };
                    if let Err(message) = outcome {
                        failures.lock().expect("no worker panics holding the lock").push((
                            row.line,
                            row.label.clone(),
                            message,
                        ));
                    }
                    progress.inc(1);
                }
            });
        }
    });
    progress.finish_and_clear();
    let mut failures = failures.into_inner().expect("workers are done");
    failures.sort();
    let written = rows.len() - failures.len();
    eprintln!("เขียนรายงานแล้ว {written} ฉบับใน {0} / wrote {written} reports in {0}", output.display());
    if failures.is_empty() {
        return Ok(());
    }
    let mut summary = format!(
        "ข้อผิดพลาด: {0} แถวใน {1} สร้างรายงานไม่ได้\nerror: {0} rows of {1} could not be reported:",
        failures.len(),
        batch.display()
    );
    for (line, label, message) in &failures {
        summary.push_str(&format!("\n  row {line} ({label}): {}", message.replace('\n', " / ")));
    }
    anyhow::bail!(summary)
}

/// A safe file name for an agency: its code or name, with anything but letters, digits and '-' replaced.
fn file_stem(label: &str, line: usize) -> String {
    let cleaned: String =
        label.chars().map(|c| if c.is_alphanumeric() || c == '-' { c } else { '_' }).collect::<String>();
    let cleaned = cleaned.trim_matches('_');
    if cleaned.is_empty() { format!("row-{line}") } else { format!("{line:05}-{cleaned}") }
}

/// Reads a batch file (CSV, UTF-8 with or without BOM, or the first sheet of an XLSX) into score documents;
/// a row that cannot be read becomes an error for that row only.
fn read_batch(catalog: &Catalog, batch: &Path) -> anyhow::Result<Vec<BatchRow>> {
    let shown = batch.display().to_string();
    let records: Vec<Vec<String>> = match batch.extension().and_then(|extension| extension.to_str()) {
        Some("xlsx") | Some("xls") => {
            use calamine::Reader as _;
            let mut workbook = calamine::open_workbook_auto(batch).map_err(|error| {
                anyhow::anyhow!("ข้อผิดพลาด: เปิดแฟ้ม {shown} ไม่ได้\nerror: cannot open {shown}: {error}")
            })?;
            let sheet = workbook
                .worksheet_range_at(0)
                .ok_or_else(|| {
                    anyhow::anyhow!("ข้อผิดพลาด: แฟ้ม {shown} ไม่มีแผ่นงาน\nerror: {shown} has no sheet")
                })?
                .map_err(|error| anyhow::anyhow!("error: cannot read {shown}: {error}"))?;
            sheet
                .rows()
                .map(|row| row.iter().map(|cell| cell.to_string().trim().to_string()).collect())
                .collect()
        }
        _ => {
            let text = std::fs::read_to_string(batch).map_err(|error| {
                anyhow::anyhow!("ข้อผิดพลาด: อ่านแฟ้ม {shown} ไม่ได้\nerror: cannot read {shown}: {error}")
            })?;
            let mut reader = csv::ReaderBuilder::new()
                .has_headers(false)
                .flexible(true)
                .trim(csv::Trim::All)
                .from_reader(text.trim_start_matches('\u{feff}').as_bytes());
            reader
                .records()
                .map(|record| record.map(|record| record.iter().map(str::to_string).collect()))
                .collect::<Result<_, _>>()
                .map_err(|error| {
                    anyhow::anyhow!(
                        "ข้อผิดพลาด: อ่านแฟ้ม CSV {shown} ไม่ได้\nerror: cannot read the CSV {shown}: {error}"
                    )
                })?
        }
    };
    let Some((header, body)) = records.split_first() else {
        anyhow::bail!("ข้อผิดพลาด: แฟ้ม {shown} ว่างเปล่า\nerror: {shown} is empty ({BATCH_HELP})");
    };
    let column = |name: &str| header.iter().position(|cell| cell.trim().eq_ignore_ascii_case(name));
    let indicator_columns: Vec<(u8, usize)> =
        (1..=10u8).filter_map(|number| column(&number.to_string()).map(|index| (number, index))).collect();
    if column("methodology").is_none() || indicator_columns.is_empty() {
        anyhow::bail!(
            "ข้อผิดพลาด: หัวตารางของ {shown} ไม่ครบ\nerror: the header of {shown} is incomplete ({BATCH_HELP})"
        );
    }
    let rows = body
        .iter()
        .enumerate()
        .filter(|(_, record)| record.iter().any(|cell| !cell.is_empty()))
        .map(|(index, record)| {
            let line = index + 2;
            let get = |name: &str| {
                column(name).and_then(|position| record.get(position)).cloned().unwrap_or_default()
            };
            let label = if get("code").is_empty() { get("name") } else { get("code") };
            // Each row becomes the same TOML an agency would write, so that it is checked by the same parser.
            let mut toml_text = format!("methodology = {}\n[agency]\n", toml_string(&get("methodology")));
            for field in ["code", "name", "type", "district", "province"] {
                let value = get(field);
                if !value.is_empty() {
                    toml_text.push_str(&format!("{field} = {}\n", toml_text_value(&value)));
                }
            }
            toml_text.push_str("[indicators]\n");
            for (number, position) in &indicator_columns {
                let value = record.get(*position).cloned().unwrap_or_default();
                if !value.is_empty() {
                    toml_text.push_str(&format!("{number} = {}\n", toml_string(&value)));
                }
            }
            let source = format!("{shown} row {line}");
            let no_files = |_: &str| Err("a batch row cannot name files".to_string());
            let document = ScoreDocument::parse(&source, &toml_text, catalog, &no_files)
                .and_then(|document| document.score(catalog).map(|_| document))
                .map_err(|error| format!("{}: {}", error.field, error.message_en));
            BatchRow { line, label, document }
        })
        .collect();
    Ok(rows)
}

/// A TOML value for a cell: a bare number when it is one (so the year and scores stay numeric; a spreadsheet's
/// `2565.0` becomes `2565`), else a basic string with `\` and `"` escaped and control characters dropped.
fn toml_string(value: &str) -> String {
    if let Ok(number) = value.parse::<f64>()
        && number.is_finite()
    {
        if number.fract() == 0.0 && number.abs() < 1e9 {
            return format!("{}", number as i64);
        }
        return value.to_string();
    }
    toml_text_value(value)
}

/// A TOML basic string: `\` and `"` escaped, control characters dropped.
fn toml_text_value(value: &str) -> String {
    let escaped: String = value
        .chars()
        .filter(|c| !c.is_control())
        .flat_map(|c| match c {
            '\\' => vec!['\\', '\\'],
            '"' => vec!['\\', '"'],
            other => vec![other],
        })
        .collect();
    format!("\"{escaped}\"")
}
