//! Reading the tables people upload (CSV in UTF-8, or the first sheet of an XLSX workbook) into rows of text
//! cells, each numbered as the person sees it in Excel (the header is row 1), and finding the columns they named
//! in Thai or in English. What the cells mean is for the importer that asked.

use std::io::Cursor;

use calamine::{Data, Reader, Xlsx};
use ita_domain::platform::Invalid;

/// More rows than any national list has (Thailand assesses about 8,300 agencies); a larger file is a mistake.
pub const MAX_ROWS: usize = 50_000;

/// A table: the header row's cells, and the rows below it that hold anything.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    pub headers: Vec<String>,
    pub rows: Vec<Row>,
}

/// One row below the header.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// The row number Excel shows.
    pub number: usize,
    pub cells: Vec<String>,
}

impl Row {
    /// The trimmed text of a column, empty when the row is shorter or the column absent.
    pub fn cell(&self, column: Option<usize>) -> &str {
        column.and_then(|index| self.cells.get(index)).map(|text| text.trim()).unwrap_or("")
    }

    fn is_blank(&self) -> bool {
        self.cells.iter().all(|cell| cell.trim().is_empty())
    }
}

/// Reads a CSV or XLSX file, told apart by its first bytes and, failing that, its name.
pub fn read_table(file_name: &str, bytes: &[u8]) -> Result<Table, Invalid> {
    let name = file_name.trim().to_lowercase();
    if bytes.is_empty() {
        return Err(Invalid::new("แฟ้มว่างเปล่า ไม่มีข้อมูล", "the file is empty"));
    }
    let table = if bytes.starts_with(b"PK\x03\x04") {
        read_xlsx(bytes)?
    } else if bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]) || name.ends_with(".xls") {
        return Err(Invalid::new(
            "แฟ้ม .xls (Excel รุ่นเก่า) ยังไม่รองรับ กรุณาบันทึกเป็น .xlsx หรือ CSV UTF-8 แล้วนำเข้าใหม่",
            "old .xls workbooks are not supported: save it as .xlsx or CSV UTF-8 and import that",
        ));
    } else if name.ends_with(".csv") || name.ends_with(".txt") || !name.contains('.') {
        read_csv(bytes)?
    } else {
        return Err(Invalid::new(
            format!("แฟ้ม \"{file_name}\" ไม่ใช่ CSV หรือ XLSX กรุณาบันทึกจาก Excel เป็น .xlsx หรือ CSV UTF-8"),
            format!("\"{file_name}\" is not a CSV or XLSX file: save it from Excel as .xlsx or CSV UTF-8"),
        ));
    };
    if table.headers.iter().all(|header| header.trim().is_empty()) {
        return Err(Invalid::new("แฟ้มว่างเปล่า ไม่มีข้อมูล", "the file is empty"));
    }
    if table.rows.is_empty() {
        return Err(Invalid::new(
            "แฟ้มมีแต่แถวหัวตาราง ยังไม่มีข้อมูลในแถวถัดไป",
            "the file has its header row but no rows below it",
        ));
    }
    if table.rows.len() > MAX_ROWS {
        return Err(Invalid::new(
            format!("แฟ้มมี {} แถว เกินกว่าที่รับได้ ({MAX_ROWS} แถว) กรุณาแบ่งเป็นหลายแฟ้ม", table.rows.len()),
            format!(
                "the file has {} rows, more than {MAX_ROWS}: split it into several files",
                table.rows.len()
            ),
        ));
    }
    Ok(table)
}

/// Builds the table from rows in order: the first row with anything in it is the header; blank rows below it are
/// left out (their numbers stay counted, as Excel counts them).
fn table_of(rows: impl Iterator<Item = Row>) -> Table {
    let mut rows = rows.skip_while(Row::is_blank);
    let headers = rows.next().map(|row| row.cells).unwrap_or_default();
    Table { headers, rows: rows.filter(|row| !row.is_blank()).collect() }
}

fn read_csv(bytes: &[u8]) -> Result<Table, Invalid> {
    let not_utf8 = || {
        Invalid::new(
            "แฟ้ม CSV ไม่ได้บันทึกแบบ UTF-8 (ภาษาไทยจะอ่านไม่ออก) กรุณาบันทึกจาก Excel เป็นชนิด \"CSV UTF-8 (คั่นด้วยจุลภาค)\"",
            "the CSV file is not UTF-8 (its Thai would be garbled): save it from Excel as \"CSV UTF-8 (Comma delimited)\"",
        )
    };
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        return Err(not_utf8());
    }
    let text =
        std::str::from_utf8(bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes)).map_err(|_| not_utf8())?;
    // Comma, as Excel writes CSV in Thailand; a file whose header has no comma but tabs or semicolons was saved
    // by a program set up otherwise, and is read with what it used.
    let first_line = text.lines().find(|line| !line.trim().is_empty()).unwrap_or("");
    let delimiter = if first_line.contains(',') {
        b','
    } else if first_line.contains('\t') {
        b'\t'
    } else if first_line.contains(';') {
        b';'
    } else {
        b','
    };
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(text.as_bytes());
    let mut rows = Vec::new();
    // A line break inside a quoted cell starts no new row in Excel, so those are taken off the line count.
    let mut breaks_inside_cells = 0usize;
    for record in reader.records() {
        let record = record.map_err(|error| {
            let line = error.position().map(|position| position.line()).unwrap_or(0);
            Invalid::new(
                format!("อ่านแฟ้ม CSV ไม่ได้ที่บรรทัด {line} กรุณาตรวจเครื่องหมายคำพูดและจุลภาค"),
                format!("the CSV file could not be read at line {line}: check its quotes and commas"),
            )
        })?;
        let line = record.position().map(|position| position.line() as usize).unwrap_or(rows.len() + 1);
        let cells: Vec<String> = record.iter().map(str::to_string).collect();
        rows.push(Row { number: line - breaks_inside_cells, cells });
        breaks_inside_cells += record.iter().map(|cell| cell.matches('\n').count()).sum::<usize>();
        if rows.len() > MAX_ROWS + 1 {
            break;
        }
    }
    Ok(table_of(rows.into_iter()))
}

fn read_xlsx(bytes: &[u8]) -> Result<Table, Invalid> {
    let damaged = || {
        Invalid::new(
            "เปิดแฟ้ม XLSX ไม่ได้ แฟ้มอาจเสียหายหรือไม่ใช่แฟ้ม Excel",
            "the XLSX file could not be opened: it may be damaged or not an Excel workbook",
        )
    };
    let mut workbook = Xlsx::new(Cursor::new(bytes.to_vec())).map_err(|_| damaged())?;
    let range = match workbook.worksheet_range_at(0) {
        Some(Ok(range)) => range,
        Some(Err(_)) => return Err(damaged()),
        None => return Err(Invalid::new("แฟ้ม XLSX ไม่มีแผ่นงาน", "the XLSX workbook has no sheet")),
    };
    let Some((first_row, _)) = range.start() else {
        return Err(Invalid::new("แฟ้มว่างเปล่า ไม่มีข้อมูล", "the file is empty"));
    };
    let rows = range.rows().enumerate().map(|(index, cells)| Row {
        number: first_row as usize + index + 1,
        cells: cells.iter().map(cell_text).collect(),
    });
    Ok(table_of(rows))
}

/// A cell as the person sees it in Excel.
fn cell_text(cell: &Data) -> String {
    match cell {
        Data::Float(value) => number_text(*value),
        Data::Bool(value) => if *value { "TRUE" } else { "FALSE" }.to_string(),
        other => other.to_string(),
    }
}

/// A number as Excel shows it at full precision: 15 significant digits. So a score that a formula left as
/// 85.289999999999992 reads as the 85.29 the person sees, while a typed 99.345 stays 99.345 (and is refused).
fn number_text(value: f64) -> String {
    if !value.is_finite() {
        return value.to_string();
    }
    if value == 0.0 {
        return "0".to_string();
    }
    let magnitude = value.abs().log10().floor() as i32;
    let decimals = (14 - magnitude).clamp(0, 20) as usize;
    let text = format!("{value:.decimals$}");
    if text.contains('.') { text.trim_end_matches('0').trim_end_matches('.').to_string() } else { text }
}

/// A header as compared with the names a column goes by: lower case, without spaces, marks and punctuation
/// that people add or drop (`Name (Thai) *`, `name_th`, `ชื่อหน่วยงาน (ภาษาไทย)`).
pub fn header_key(text: &str) -> String {
    text.chars()
        .filter(|c| {
            !c.is_whitespace()
                && !matches!(c, '_' | '-' | '*' | '(' | ')' | '.' | ':' | '/' | '\u{feff}' | '\u{200b}')
        })
        .flat_map(char::to_lowercase)
        .collect()
}

/// The column whose header is one of `names`; an error when two columns are.
pub fn find_column(headers: &[String], names: &[&str], label: &Invalid) -> Result<Option<usize>, Invalid> {
    let keys: Vec<String> = names.iter().map(|name| header_key(name)).collect();
    let found: Vec<usize> = headers
        .iter()
        .enumerate()
        .filter(|(_, header)| keys.contains(&header_key(header)))
        .map(|(index, _)| index)
        .collect();
    match found.as_slice() {
        [] => Ok(None),
        [only] => Ok(Some(*only)),
        [first, second, ..] => Err(Invalid::new(
            format!(
                "คอลัมน์ {} ซ้ำกันในแถวหัวตาราง (\"{}\" และ \"{}\")",
                label.th, headers[*first], headers[*second]
            ),
            format!(
                "column {} appears twice in the header row (\"{}\" and \"{}\")",
                label.en, headers[*first], headers[*second]
            ),
        )),
    }
}

/// The indicator a header names: `4`, `indicator_4`, `ตัวชี้วัดที่ 4`, `ตัวชี้วัดที่ ๔`.
pub fn indicator_number(header: &str) -> Option<u8> {
    let key = header_key(header);
    let digits = ["ตัวชี้วัดที่", "ตัวชี้วัด", "indicator", "ind", "i"]
        .iter()
        .find_map(|prefix| key.strip_prefix(prefix))
        .unwrap_or(&key);
    let digits = arabic_digits(digits);
    if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    digits.parse::<u8>().ok().filter(|number| *number > 0)
}

/// Thai digits (๐-๙) as Arabic ones, for numbers typed on a Thai keyboard.
pub fn arabic_digits(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '๐'..='๙' => char::from_u32(u32::from(c) - 0x0E50 + u32::from('0')).unwrap_or(c),
            other => other,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_rows_are_numbered_as_excel_numbers_them() {
        let text = "\u{feff}code,name\n1,\"a\nb\"\n\n,\n2,c\n";
        let table = read_table("list.csv", text.as_bytes()).unwrap();
        assert_eq!(table.headers, vec!["code", "name"]);
        let numbers: Vec<usize> = table.rows.iter().map(|row| row.number).collect();
        // Row 2 spans two lines; row 3 is empty in Excel (skipped here), row 4 is only a comma.
        assert_eq!(numbers, vec![2, 5]);
        assert_eq!(table.rows[1].cell(Some(1)), "c");
    }

    #[test]
    fn numbers_read_as_excel_shows_them() {
        assert_eq!(number_text(5_150_101.0), "5150101");
        assert_eq!(number_text(99.34), "99.34");
        // Sums that binary floats cannot hold exactly, as a formula leaves them.
        assert_eq!(number_text(0.1 + 0.2), "0.3");
        assert_eq!(number_text(1.1 * 3.0), "3.3");
        assert_eq!(number_text(99.345), "99.345");
        assert_eq!(number_text(25.0), "25");
        assert_eq!(number_text(0.5), "0.5");
    }

    #[test]
    fn headers_match_in_thai_or_english_however_written() {
        let headers: Vec<String> =
            ["รหัสหน่วยงาน", "Name (Thai) *", "ตัวชี้วัดที่ ๔"].iter().map(|h| h.to_string()).collect();
        let label = Invalid::new("รหัส", "code");
        assert_eq!(find_column(&headers, &["code", "รหัสหน่วยงาน"], &label).unwrap(), Some(0));
        assert_eq!(find_column(&headers, &["name_th", "name thai"], &label).unwrap(), Some(1));
        assert_eq!(indicator_number(&headers[2]), Some(4));
        assert_eq!(indicator_number("indicator_10"), Some(10));
        assert_eq!(indicator_number("10"), Some(10));
        assert_eq!(indicator_number("name"), None);
        let twice = vec!["code".to_string(), "Code".to_string()];
        assert!(find_column(&twice, &["code"], &label).unwrap_err().en.contains("appears twice"));
    }

    #[test]
    fn files_that_are_not_tables_are_refused_with_a_reason() {
        assert!(read_table("a.csv", b"").unwrap_err().en.contains("empty"));
        assert!(read_table("a.pdf", b"%PDF-1.7").unwrap_err().en.contains("not a CSV or XLSX"));
        assert!(read_table("a.csv", b"code\xE0\n").unwrap_err().en.contains("not UTF-8"));
        assert!(read_table("a.xlsx", b"PK\x03\x04broken").unwrap_err().en.contains("could not be opened"));
        assert!(read_table("a.csv", b"code,name\n").unwrap_err().en.contains("no rows below"));
    }
}
