//! Plain-text tables that line up Thai text: widths are measured in terminal columns, so combining vowels and
//! tone marks (which take no column) do not push the columns apart.

use unicode_width::UnicodeWidthStr;

/// How a column's cells sit in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    Left,
    Right,
}

/// A table of text cells with a header row.
#[derive(Debug)]
pub struct Table {
    aligns: Vec<Align>,
    rows: Vec<Vec<String>>,
}

impl Table {
    pub fn new(header: &[&str], aligns: &[Align]) -> Table {
        Table { aligns: aligns.to_vec(), rows: vec![header.iter().map(|cell| cell.to_string()).collect()] }
    }

    pub fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }

    pub fn render(&self) -> String {
        let columns = self.aligns.len();
        let widths: Vec<usize> = (0..columns)
            .map(|column| {
                self.rows.iter().map(|row| row.get(column).map_or(0, |cell| cell.width())).max().unwrap_or(0)
            })
            .collect();
        let mut out = String::new();
        for (index, row) in self.rows.iter().enumerate() {
            let mut line = String::new();
            for (column, width) in widths.iter().enumerate() {
                let cell = row.get(column).map_or("", String::as_str);
                let padding = " ".repeat(width.saturating_sub(cell.width()));
                if column > 0 {
                    line.push_str("  ");
                }
                match self.aligns[column] {
                    Align::Left => {
                        line.push_str(cell);
                        line.push_str(&padding);
                    }
                    Align::Right => {
                        line.push_str(&padding);
                        line.push_str(cell);
                    }
                }
            }
            out.push_str(line.trim_end());
            out.push('\n');
            if index == 0 {
                let rule: usize = widths.iter().sum::<usize>() + 2 * columns.saturating_sub(1);
                out.push_str(&"─".repeat(rule));
                out.push('\n');
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thai_marks_take_no_column() {
        let mut table = Table::new(&["ชื่อ", "n"], &[Align::Left, Align::Right]);
        table.row(vec!["การใช้ทรัพย์สินของราชการ".into(), "1".into()]);
        table.row(vec!["ab".into(), "22".into()]);
        let rendered = table.render();
        let widths: Vec<usize> =
            rendered.lines().filter(|line| !line.starts_with('─')).map(UnicodeWidthStr::width).collect();
        assert!(widths.windows(2).all(|pair| pair[0] == pair[1]), "{rendered}");
    }
}
