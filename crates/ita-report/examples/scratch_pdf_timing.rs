//! Scratch (not committed): writes the reference PDFs and times renders.
use ita_domain::Lang;
use ita_domain::input::ScoreDocument;
use ita_domain::methodology::Catalog;
use ita_domain::report::{self, Library, MeasureInput, ReportRequest};
use ita_domain::thai::CalendarDate;
use ita_report::{FontSet, Format, RenderOptions};
use std::path::Path;

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let input = std::env::args().nth(1).unwrap_or("examples/khaothong-2565.toml".into());
    let catalog = Catalog::builtin().unwrap();
    let library = Library::builtin().unwrap();
    let path = root.join(&input);
    let text = std::fs::read_to_string(&path).unwrap();
    let folder = path.parent().unwrap().to_path_buf();
    let load = move |name: &str| std::fs::read_to_string(folder.join(name)).map_err(|e| e.to_string());
    let document = ScoreDocument::parse(&input, &text, &catalog, &load).unwrap();
    let (methodology, result) = document.score(&catalog).unwrap();
    let mut measures = document.report.measures.clone();
    measures.push(MeasureInput {
        measure: "เพิ่มช่องทางการเปิดเผยข้อมูล".into(),
        how: "ซึ่งทั้งสองเรื่องต้องเพิ่มการเปิดเผยข้อมูล".into(),
        owner: "สำนักปลัด".into(),
        period: "ตลอดปี".into(),
        follow_up: "รายงานผล".into(),
        answers: Some("10".into()),
    });
    let model = report::build(&ReportRequest {
        methodology,
        result: &result,
        previous: None,
        agency: &document.agency,
        measures_year: document.report.measures_year,
        measures,
        propose_measures: document.report.propose_measures,
        date: Some(CalendarDate { year: 2026, month: 11, day: 25 }),
        signer: document.report.signer.clone(),
        library: &library,
    })
    .unwrap();
    let fonts = match std::env::var("FONT_DIR") {
        Ok(d) => FontSet::load(Some(Path::new(&d))).unwrap(),
        Err(_) => FontSet::default(),
    };
    let th = RenderOptions { lang: Lang::Th, thai_digits: true };
    let en = RenderOptions { lang: Lang::En, thai_digits: false };
    let t = std::time::Instant::now();
    let first = ita_report::render(&model, Format::Pdf, th, &fonts).unwrap();
    println!("first render: {:?}", t.elapsed());
    std::fs::write("/tmp/pdfview/th.pdf", &first).unwrap();
    std::fs::write("/tmp/pdfview/en.pdf", ita_report::render(&model, Format::Pdf, en, &fonts).unwrap())
        .unwrap();
    let n = 30;
    let t = std::time::Instant::now();
    for i in 0..n {
        let o = if i % 2 == 0 { th } else { en };
        std::hint::black_box(ita_report::render(&model, Format::Pdf, o, &fonts).unwrap());
    }
    println!("mean of {n} renders (alternating th/en): {:?}", t.elapsed() / n);
    // Different models each time (no cache hits on the data): vary the date.
    let t = std::time::Instant::now();
    for day in 1..=n {
        let mut m = model.clone();
        m.date = Some(report::Text::new(format!("{day} พฤศจิกายน"), format!("{day} November")));
        std::hint::black_box(ita_report::render(&m, Format::Pdf, th, &fonts).unwrap());
    }
    println!("mean of {n} renders of distinct models: {:?}", t.elapsed() / n);
    let t = std::time::Instant::now();
    for _ in 0..n { typst::comemo::evict(0); std::hint::black_box(ita_report::render(&model, Format::Pdf, th, &fonts).unwrap()); }
    println!("mean of {n} renders with an empty cache: {:?}", t.elapsed() / n);
}
