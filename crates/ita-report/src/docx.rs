//! The report as DOCX (Word): the Markdown renderer's content in the same order, on A4 with the margins of Thai
//! official documents, "TH Sarabun New" for every script (Thai is a complex script in Word), Word heading styles
//! for the navigation pane, and bordered tables that fit the text width. The chart, which docx-rs can embed only
//! as a raster image, is the HTML's SVG drawn to PNG by resvg at twice its size, with the compiled-in Sarabun as
//! its only font (Thai digits need a Thai font), shown centred at the text width with alternative text.

use std::sync::{Arc, OnceLock};

use docx_rs::{
    AlignmentType, BorderType, BreakType, Docx, LineSpacing, PageMargin, Paragraph, Pic, Run, RunFonts,
    Shading, ShdType, SpecialIndentType, Style, StyleType, Table, TableBorder, TableBorderPosition,
    TableBorders, TableCell, TableLayoutType, TableRow, WidthType,
};
use ita_domain::report::ReportModel;
use resvg::{tiny_skia, usvg};

use crate::chart::chart_caption;
use crate::pdf::BUILTIN_FONTS;
use crate::{RenderError, RenderOptions, indicator_chart_svg};

/// The font of every run, for Latin, East Asian and complex scripts alike.
const FONT: &str = "TH Sarabun New";
/// Sizes in half-points: body 16 pt, as in Thai official documents.
const BODY: usize = 32;
const TITLE: usize = 40;
const HEADING_1: usize = 36;
const HEADING_2: usize = 34;
const HEADING_3: usize = 32;

/// A4 in twips, with 3 cm on the left and 2 cm elsewhere.
const PAGE_WIDTH: u32 = 11_906;
const PAGE_HEIGHT: u32 = 16_838;
const MARGIN_LEFT: i32 = 1701;
const MARGIN: i32 = 1134;
/// The width between the margins, which every table fills exactly.
const TEXT_WIDTH: usize = 9071;

/// Column widths (twips) of the three tables; each adds up to [`TEXT_WIDTH`]. The header texts fit on one line
/// at 16 pt in TH Sarabun New, except "ระยะเวลาดำเนินการ", which wraps as in the reference document.
const INSTRUMENT_COLUMNS: [usize; 4] = [4971, 1000, 1000, 2100];
const INDICATOR_COLUMNS: [usize; 4] = [2800, 1200, 1400, 3671];
const MEASURE_COLUMNS: [usize; 5] = [2100, 2471, 1400, 1400, 1700];

/// The chart is drawn at twice the size its SVG asks for (1280 × 560 pixels): about 200 dpi at the text width,
/// sharp in print.
const CHART_SCALE: f32 = 2.0;
/// The family the chart's `sans-serif` text is drawn in.
const CHART_FONT: &str = "Sarabun";
/// English Metric Units per twip: the chart is shown [`TEXT_WIDTH`] wide, whatever its pixels.
const EMU_PER_TWIP: u64 = 635;

/// The shading of header rows and of an instrument's group row.
const HEADER_FILL: &str = "D9D9D9";
const GROUP_FILL: &str = "F2F2F2";

/// The language of complex-script text (Thai), which docx-rs cannot set: added to the document defaults.
const LANG: &str = r#"<w:lang w:val="en-US" w:eastAsia="en-US" w:bidi="th-TH" />"#;
/// Header rows are the only rows that cannot split; Word repeats them on every page with `w:tblHeader`, which
/// docx-rs cannot set either.
const CANT_SPLIT: &str = "<w:cantSplit />";
const REPEATED_HEADER: &str = "<w:cantSplit /><w:tblHeader />";
/// The properties docx-rs writes for the one picture, the chart, which gets a description there.
const CHART_PROPERTIES: &str = r#"<wp:docPr id="1" name="Figure" />"#;

/// Text escaped for an XML attribute in double quotes.
fn attribute(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

fn fonts() -> RunFonts {
    RunFonts::new().ascii(FONT).hi_ansi(FONT).east_asia(FONT).cs(FONT)
}

/// How a run of text looks.
#[derive(Debug, Clone, Copy)]
struct Look {
    size: usize,
    bold: bool,
    italic: bool,
}

const PLAIN: Look = Look { size: BODY, bold: false, italic: false };
const BOLD: Look = Look { size: BODY, bold: true, italic: false };
const ITALIC: Look = Look { size: BODY, bold: false, italic: true };

impl Look {
    fn heading(size: usize) -> Look {
        Look { size, bold: true, italic: false }
    }
}

/// A run with the Thai font set for every script and both sizes (`w:sz`, `w:szCs`).
fn run(text: &str, look: Look) -> Run {
    let mut run = Run::new().fonts(fonts()).size(look.size);
    if look.bold {
        run = run.bold();
    }
    if look.italic {
        run = run.italic();
    }
    for (index, line) in text.split('\n').enumerate() {
        if index > 0 {
            run = run.add_break(BreakType::TextWrapping);
        }
        run = run.add_text(line);
    }
    run
}

/// A left-aligned body paragraph of runs.
fn paragraph(runs: Vec<Run>) -> Paragraph {
    runs.into_iter().fold(
        Paragraph::new().align(AlignmentType::Left).line_spacing(LineSpacing::new().before(0).after(120)),
        Paragraph::add_run,
    )
}

fn text(text: &str, look: Look) -> Paragraph {
    paragraph(vec![run(text, look)])
}

/// A paragraph in a Word heading style, kept with what follows.
fn heading(style: &str, size: usize, text: &str) -> Paragraph {
    Paragraph::new().style(style).keep_next(true).add_run(run(text, Look::heading(size)))
}

/// A list item: a bullet and a hanging indent.
fn bullet(text: &str) -> Paragraph {
    paragraph(vec![run(&format!("•\u{00a0}{text}"), PLAIN)]).indent(
        Some(567),
        Some(SpecialIndentType::Hanging(283)),
        None,
        None,
    )
}

/// A line under a bullet (the assessor's notes under a failed item), indented one step further.
fn sub_bullet(text: &str) -> Paragraph {
    paragraph(vec![run(&format!("–\u{00a0}{text}"), PLAIN)]).indent(
        Some(850),
        Some(SpecialIndentType::Hanging(283)),
        None,
        None,
    )
}

/// A numbered line ("๑. …") with a hanging indent, so that wrapped lines align with the text.
fn numbered(text: &str) -> Paragraph {
    paragraph(vec![run(text, PLAIN)]).indent(Some(425), Some(SpecialIndentType::Hanging(425)), None, None)
}

/// A line of the signature block: centred in the right half of the page, as Thai official documents sign.
fn signature(text: &str) -> Paragraph {
    Paragraph::new()
        .align(AlignmentType::Center)
        .indent(Some(4536), None, None, None)
        .line_spacing(LineSpacing::new().before(0).after(0))
        .add_run(run(text, PLAIN))
}

fn paragraph_style(id: &str, name: &str, size: usize) -> Style {
    Style::new(id, StyleType::Paragraph)
        .name(name)
        .based_on("Normal")
        .next("Normal")
        .q_format(true)
        .fonts(fonts())
        .size(size)
        .bold()
}

fn heading_style(level: usize, size: usize) -> Style {
    paragraph_style(&format!("Heading{level}"), &format!("heading {level}"), size)
        .ui_priority(9)
        .outline_lvl(level - 1)
        .align(AlignmentType::Left)
        .line_spacing(LineSpacing::new().before(240).after(120))
}

/// The fonts the chart is drawn with: only the compiled-in Sarabun, read from the binary once per process, and
/// standing in for `sans-serif`. No system font is looked at, so the chart looks the same on every machine.
fn chart_fonts() -> Arc<usvg::fontdb::Database> {
    static FONTS: OnceLock<Arc<usvg::fontdb::Database>> = OnceLock::new();
    FONTS
        .get_or_init(|| {
            let mut fonts = usvg::fontdb::Database::new();
            for data in BUILTIN_FONTS {
                fonts.load_font_source(usvg::fontdb::Source::Binary(Arc::new(data)));
            }
            fonts.set_sans_serif_family(CHART_FONT);
            Arc::new(fonts)
        })
        .clone()
}

/// The chart as a PNG, drawn at [`CHART_SCALE`] times its SVG size, with its width and height in pixels.
fn chart_png(model: &ReportModel, o: RenderOptions) -> Result<(Vec<u8>, u32, u32), RenderError> {
    let failed = |what: &str| RenderError::Docx(format!("the chart could not be drawn: {what}"));
    let options = usvg::Options {
        font_family: CHART_FONT.to_string(),
        fontdb: chart_fonts(),
        ..usvg::Options::default()
    };
    let tree = usvg::Tree::from_str(&indicator_chart_svg(model, o), &options)
        .map_err(|error| failed(&error.to_string()))?;
    let size = tree.size().to_int_size().scale_by(CHART_SCALE).ok_or_else(|| failed("it has no size"))?;
    let mut pixmap =
        tiny_skia::Pixmap::new(size.width(), size.height()).ok_or_else(|| failed("it has no size"))?;
    // On white, every pixel is opaque, so its premultiplied colour is its colour and the alpha can be dropped.
    pixmap.fill(tiny_skia::Color::WHITE);
    resvg::render(&tree, tiny_skia::Transform::from_scale(CHART_SCALE, CHART_SCALE), &mut pixmap.as_mut());
    let rgb: Vec<u8> =
        pixmap.data().chunks_exact(4).flat_map(|pixel| [pixel[0], pixel[1], pixel[2]]).collect();
    let mut png = Vec::new();
    let mut encoder = png::Encoder::new(&mut png, size.width(), size.height());
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    encoder
        .write_header()
        .and_then(|mut writer| {
            writer.write_image_data(&rgb)?;
            writer.finish()
        })
        .map_err(|error| failed(&error.to_string()))?;
    Ok((png, size.width(), size.height()))
}

/// The chart, centred at the text width and kept with its caption below.
fn chart(png: Vec<u8>, width: u32, height: u32) -> Paragraph {
    let shown_width = TEXT_WIDTH as u64 * EMU_PER_TWIP;
    let shown_height = shown_width * u64::from(height) / u64::from(width.max(1));
    let emu = |value: u64| u32::try_from(value).unwrap_or(u32::MAX);
    Paragraph::new()
        .align(AlignmentType::Center)
        .keep_next(true)
        .line_spacing(LineSpacing::new().before(120).after(0))
        .add_run(Run::new().add_image(
            Pic::new_with_dimensions(png, width, height).size(emu(shown_width), emu(shown_height)),
        ))
}

/// A table cell of one width, its text in paragraphs (one per line).
#[derive(Debug, Clone)]
struct Cell {
    lines: Vec<String>,
    look: Look,
    align: AlignmentType,
    fill: Option<&'static str>,
    span: usize,
}

impl Cell {
    fn new(text: impl Into<String>) -> Cell {
        Cell { lines: vec![text.into()], look: PLAIN, align: AlignmentType::Left, fill: None, span: 1 }
    }

    fn number(text: impl Into<String>) -> Cell {
        Cell { align: AlignmentType::Right, ..Cell::new(text) }
    }

    fn header(text: impl Into<String>) -> Cell {
        Cell { look: BOLD, align: AlignmentType::Center, fill: Some(HEADER_FILL), ..Cell::new(text) }
    }

    fn bold(mut self) -> Cell {
        self.look = BOLD;
        self
    }

    fn line(mut self, text: impl Into<String>) -> Cell {
        self.lines.push(text.into());
        self
    }

    fn build(self, width: usize, keep_next: bool) -> TableCell {
        let mut cell = TableCell::new().width(width, WidthType::Dxa).grid_span(self.span);
        if let Some(fill) = self.fill {
            cell = cell.shading(Shading::new().shd_type(ShdType::Clear).color("auto").fill(fill));
        }
        for line in &self.lines {
            cell = cell.add_paragraph(
                Paragraph::new()
                    .align(self.align)
                    .keep_next(keep_next)
                    .line_spacing(LineSpacing::new().before(0).after(0))
                    .add_run(run(line, self.look)),
            );
        }
        cell
    }
}

/// A bordered table of fixed column widths that fill the text width; the first row is the header, repeated on
/// every page.
fn table(columns: &[usize], header: Vec<Cell>, rows: Vec<Vec<Cell>>) -> Table {
    let build_row = |cells: Vec<Cell>, keep_next: bool| {
        let mut column = 0;
        let cells = cells
            .into_iter()
            .map(|cell| {
                let end = (column + cell.span).min(columns.len());
                let width = columns[column.min(end)..end].iter().sum();
                column = end;
                cell.build(width, keep_next)
            })
            .collect();
        TableRow::new(cells)
    };
    let mut all_rows = vec![build_row(header, true).cant_split()];
    all_rows.extend(rows.into_iter().map(|cells| {
        let keep_next = cells.first().is_some_and(|cell| cell.span > 1);
        build_row(cells, keep_next)
    }));
    let borders = [
        TableBorderPosition::Top,
        TableBorderPosition::Left,
        TableBorderPosition::Bottom,
        TableBorderPosition::Right,
        TableBorderPosition::InsideH,
        TableBorderPosition::InsideV,
    ]
    .into_iter()
    .fold(TableBorders::new(), |borders, position| {
        borders.set(TableBorder::new(position).border_type(BorderType::Single).size(4).color("000000"))
    });
    Table::new(all_rows)
        .set_grid(columns.to_vec())
        .width(TEXT_WIDTH, WidthType::Dxa)
        .layout(TableLayoutType::Fixed)
        .set_borders(borders)
}

pub fn render(model: &ReportModel, options: RenderOptions) -> Result<Vec<u8>, RenderError> {
    let o = options;
    let mut doc = Docx::new()
        .page_size(PAGE_WIDTH, PAGE_HEIGHT)
        .page_margin(
            PageMargin::new()
                .top(MARGIN)
                .bottom(MARGIN)
                .left(MARGIN_LEFT)
                .right(MARGIN)
                .header(567)
                .footer(567),
        )
        .default_fonts(fonts())
        .default_size(BODY)
        .add_style(
            paragraph_style("Title", "Title", TITLE)
                .ui_priority(10)
                .align(AlignmentType::Center)
                .line_spacing(LineSpacing::new().before(0).after(240)),
        )
        .add_style(heading_style(1, HEADING_1))
        .add_style(heading_style(2, HEADING_2))
        .add_style(heading_style(3, HEADING_3));

    doc = doc.add_paragraph(
        Paragraph::new().style("Title").add_run(run(&o.text(&model.title), Look::heading(TITLE))),
    );
    doc = doc.add_paragraph(paragraph(vec![
        run(&o.text(&model.agency_name), BOLD),
        run(&format!(" {}", o.text(&model.agency_place)), PLAIN),
    ]));
    if let Some(item) = &model.evidence_item {
        doc = doc.add_paragraph(text(
            &o.pick(
                &format!("เอกสารประกอบการเปิดเผยข้อมูลสาธารณะ ข้อ {item}"),
                &format!("Evidence for OIT item {item}"),
            ),
            ITALIC,
        ));
    }

    // 1. The analysis of the result.
    doc = doc.add_paragraph(heading(
        "Heading1",
        HEADING_1,
        &format!(
            "{} {}",
            o.digits("1."),
            o.pick(
                &format!("การวิเคราะห์ผลการประเมิน ITA ปีงบประมาณ พ.ศ. {}", model.assessment_year),
                &format!("Analysis of the {} ITA result", model.assessment_year)
            )
        ),
    ));
    doc = doc.add_paragraph(text(&o.text(&model.summary), PLAIN));
    doc = doc.add_paragraph(text(&o.text(&model.level_reason), PLAIN));

    doc =
        doc.add_paragraph(heading("Heading2", HEADING_2, &o.pick("ผลคะแนนรายแบบวัด", "Scores by instrument")));
    let header = [
        o.pick("แบบวัด", "Instrument"),
        o.pick("คะแนน", "Score"),
        o.pick("น้ำหนัก", "Weight"),
        o.pick("คะแนนถ่วงน้ำหนัก", "Weighted"),
    ]
    .into_iter()
    .map(Cell::header)
    .collect();
    let mut rows: Vec<Vec<Cell>> = model
        .instruments
        .iter()
        .map(|instrument| {
            vec![
                Cell::new(format!("{} ({})", o.text(&instrument.name), instrument.code)),
                Cell::number(o.number(instrument.score)),
                Cell::number(o.digits(&format!("{}%", instrument.weight_percent))),
                Cell::number(o.number(instrument.weighted)),
            ]
        })
        .collect();
    rows.push(vec![
        Cell::new(o.pick("คะแนนรวม", "Total")).bold(),
        Cell::number(o.number(model.total)).bold(),
        Cell::new(""),
        Cell::new(""),
    ]);
    doc = doc.add_table(table(&INSTRUMENT_COLUMNS, header, rows));

    // The chart where the HTML and the PDF have it, with the PDF's caption, which is also its alternative text.
    let caption = chart_caption(model, o);
    let (png, width, height) = chart_png(model, o)?;
    doc = doc.add_paragraph(chart(png, width, height));
    doc = doc.add_paragraph(
        Paragraph::new()
            .align(AlignmentType::Center)
            .line_spacing(LineSpacing::new().before(60).after(120))
            .add_run(run(&caption, PLAIN)),
    );

    doc = doc.add_paragraph(heading(
        "Heading2",
        HEADING_2,
        &o.pick("ผลการวิเคราะห์รายตัวชี้วัด", "Analysis by indicator"),
    ));
    let header = [
        o.pick("ตัวชี้วัดของการประเมิน ITA", "ITA indicator"),
        o.pick("คะแนน", "Score"),
        o.pick("สถานะ", "Status"),
        o.pick("ประเด็นที่ต้องแก้ไข/ปรับปรุง", "What must be improved"),
    ]
    .into_iter()
    .map(Cell::header)
    .collect();
    let mut rows = Vec::new();
    for instrument in &model.instruments {
        rows.push(vec![Cell {
            fill: Some(GROUP_FILL),
            span: INDICATOR_COLUMNS.len(),
            ..Cell::new(format!("{} ({})", o.text(&instrument.name), instrument.code)).bold()
        }]);
        for indicator in &instrument.indicators {
            let issues: Vec<String> = indicator.issues.iter().map(|issue| o.text(issue)).collect();
            let mut score = Cell::number(o.number(indicator.score));
            if let Some(previous) = indicator.previous {
                score = score.line(o.pick(&format!("(ปีก่อน {previous})"), &format!("(last year {previous})")));
            }
            rows.push(vec![
                Cell::new(format!(
                    "{} {}",
                    o.digits(&format!("{}.", indicator.number)),
                    o.text(&indicator.name)
                )),
                score,
                Cell::new(o.text(&indicator.status.text())),
                Cell::new(issues.join(" ")),
            ]);
        }
    }
    doc = doc.add_table(table(&INDICATOR_COLUMNS, header, rows));

    let detailed: Vec<_> = model
        .indicators()
        .filter(|indicator| !indicator.weak_items.is_empty() || !indicator.failed_items.is_empty())
        .collect();
    if !detailed.is_empty() {
        doc = doc.add_paragraph(heading(
            "Heading2",
            HEADING_2,
            &o.pick("ข้อที่ได้คะแนนต่ำและข้อที่ไม่ผ่าน", "Weakest items and failed items"),
        ));
        for indicator in detailed {
            doc = doc.add_paragraph(heading(
                "Heading3",
                HEADING_3,
                &o.pick(
                    &format!("ตัวชี้วัดที่ {} {}", indicator.number, indicator.name.th),
                    &format!("Indicator {} {}", indicator.number, indicator.name.en),
                ),
            ));
            for item in &indicator.weak_items {
                let issue =
                    item.issue.as_ref().map(|issue| format!(" {}", o.text(issue))).unwrap_or_default();
                doc = doc.add_paragraph(bullet(&format!(
                    "{} {} ({}){issue}",
                    item.code,
                    o.text(&item.question),
                    o.pick(&format!("{} คะแนน", item.score), &format!("{} points", item.score))
                )));
            }
            for item in &indicator.failed_items {
                let guidance = item
                    .guidance
                    .as_ref()
                    .map(|guidance| format!(" {}", o.text(guidance)))
                    .unwrap_or_default();
                doc = doc.add_paragraph(bullet(&format!(
                    "{} {} ({}){guidance}",
                    item.code,
                    o.text(&item.name),
                    o.pick(
                        &format!("ไม่ผ่าน ทำให้คะแนนรวมลดลง {} คะแนน", item.points_lost),
                        &format!("failed, cost {} points of the total", item.points_lost)
                    )
                )));
                for line in crate::assessor_lines(o, item) {
                    doc = doc.add_paragraph(sub_bullet(&line));
                }
            }
        }
    }

    // 2. The improvements in order of priority, and the paths to the targets.
    doc = doc.add_paragraph(heading(
        "Heading1",
        HEADING_1,
        &format!(
            "{} {}",
            o.digits("2."),
            o.pick("ลำดับความสำคัญของการปรับปรุง", "Improvements in order of priority")
        ),
    ));
    for (index, improvement) in model.improvements.iter().enumerate() {
        doc = doc.add_paragraph(numbered(&format!(
            "{} {}: {}",
            o.digits(&format!("{}.", index + 1)),
            o.text(&improvement.target),
            o.pick(
                &format!("หากได้คะแนนเต็ม คะแนนรวมจะเพิ่มขึ้นสูงสุด {} คะแนน", improvement.points),
                &format!("full marks would add up to {} points to the total", improvement.points)
            )
        )));
    }
    if !model.item_improvements.is_empty() {
        doc = doc.add_paragraph(text(
            &o.pick("รายข้อที่ส่งผลต่อคะแนนรวมมากที่สุด:", "The items that cost the most:"),
            PLAIN,
        ));
        for improvement in &model.item_improvements {
            doc = doc.add_paragraph(bullet(&o.text(&improvement.target)));
        }
    }
    for path in &model.paths {
        doc = doc.add_paragraph(heading(
            "Heading3",
            HEADING_3,
            &o.pick(&format!("แนวทางสู่{}", path.target.th), &format!("Path to {}", path.target.en)),
        ));
        for (index, step) in path.steps.iter().enumerate() {
            doc = doc.add_paragraph(numbered(&format!(
                "{} {} (+{})",
                o.digits(&format!("{}.", index + 1)),
                o.pick(
                    &format!("ยก{}ให้ได้คะแนนเต็ม", step.target.th),
                    &format!("raise {} to full marks", step.target.en)
                ),
                o.number(step.points)
            )));
        }
        let outcome = crate::path_outcome(o, path);
        doc = doc.add_paragraph(text(&outcome, PLAIN));
    }

    // 3. The measures.
    doc = doc.add_paragraph(heading(
        "Heading1",
        HEADING_1,
        &format!("{} {}", o.digits("3."), o.text(&model.measures_title)),
    ));
    let header = [
        o.pick("มาตรการ/แนวทาง", "Measure"),
        o.pick("วิธีการดำเนินการ", "How"),
        o.pick("ผู้รับผิดชอบ", "Responsible"),
        o.pick("ระยะเวลาดำเนินการ", "When"),
        o.pick("การติดตามผล", "Follow-up"),
    ]
    .into_iter()
    .map(Cell::header)
    .collect();
    let rows = model
        .measures
        .iter()
        .enumerate()
        .map(|(index, measure)| {
            vec![
                Cell::new(format!("{} {}", o.digits(&format!("{}.", index + 1)), o.text(&measure.measure)))
                    .line(format!(
                        "({})",
                        o.pick(
                            &format!("ตอบประเด็น: {}", measure.answers.th),
                            &format!("answers: {}", measure.answers.en)
                        )
                    )),
                Cell::new(o.text(&measure.how)),
                Cell::new(o.text(&measure.owner)),
                Cell::new(o.text(&measure.period)),
                Cell::new(o.text(&measure.follow_up)),
            ]
        })
        .collect();
    doc = doc.add_table(table(&MEASURE_COLUMNS, header, rows));

    if !model.notices.is_empty() {
        doc = doc.add_paragraph(heading(
            "Heading2",
            HEADING_2,
            &o.pick("ข้อสังเกตเกี่ยวกับข้อมูล", "Notes on the data"),
        ));
        for notice in &model.notices {
            doc = doc.add_paragraph(bullet(&o.text(notice)));
        }
    }

    // The signature block.
    doc = doc.add_paragraph(
        signature(&o.pick(
            "ลงชื่อ ........................................",
            "Signed ........................................",
        ))
        .line_spacing(LineSpacing::new().before(720).after(0)),
    );
    if let Some((name, position)) = &model.signer {
        doc = doc.add_paragraph(signature(&format!("({name})"))).add_paragraph(signature(position));
    } else {
        doc = doc
            .add_paragraph(signature("(........................................)"))
            .add_paragraph(signature(&o.pick("ผู้บริหารสูงสุดของหน่วยงาน", "Head of the agency")));
    }
    if let Some(date) = &model.date {
        doc = doc.add_paragraph(signature(
            &o.pick(&format!("วันที่ {}", o.text(date)), &format!("Date: {}", o.text(date))),
        ));
    }

    pack(doc, &caption)
}

/// Writes the package, with what docx-rs cannot say added to its XML: the Thai language of complex-script runs,
/// the repeated header rows and the chart's alternative text (`descr`, which Word shows as "Alt Text" and screen
/// readers read).
fn pack(doc: Docx, chart_text: &str) -> Result<Vec<u8>, RenderError> {
    let mut parts = doc.build();
    let styles = String::from_utf8(std::mem::take(&mut parts.styles))
        .map_err(|error| RenderError::Docx(format!("styles.xml is not UTF-8: {error}")))?;
    parts.styles =
        styles.replacen("</w:rPr></w:rPrDefault>", &format!("{LANG}</w:rPr></w:rPrDefault>"), 1).into_bytes();
    let document = String::from_utf8(std::mem::take(&mut parts.document))
        .map_err(|error| RenderError::Docx(format!("document.xml is not UTF-8: {error}")))?;
    parts.document = document
        .replace(CANT_SPLIT, REPEATED_HEADER)
        .replacen(
            CHART_PROPERTIES,
            &CHART_PROPERTIES.replace(" />", &format!(r#" descr="{}" />"#, attribute(chart_text))),
            1,
        )
        .into_bytes();
    let mut bytes = std::io::Cursor::new(Vec::new());
    parts.pack(&mut bytes).map_err(|error| RenderError::Docx(error.to_string()))?;
    Ok(bytes.into_inner())
}
