//! The survey posters, checked with real tools: poppler (Debian package `poppler-utils`; the tests fail when it is
//! missing) extracts the text and the page size, and rasterises the page at 150 dpi, as a printer would see it; the
//! QR code is then read back from those pixels by `rqrr`, and must give the survey's address exactly.
//!
//! The rasterised pages stay in cargo's test folder (`target/tmp/poster-*.png`) for a person to look at.

use std::io::Cursor;
use std::path::PathBuf;
use std::process::Command;

use ita_domain::Lang;
use ita_report::{FontSet, Poster, PosterInstrument, poster_pdf};

const IIT_URL: &str = "https://ita.example.go.th/s/5800101/2570/iit";
const EIT_URL: &str = "https://ita.example.go.th/s/5800101/2570/eit";
const AGENCY: &str = "องค์การบริหารส่วนตำบลเขาทอง อำเภอพยุหะคีรี จังหวัดนครสวรรค์";

fn iit(lang: Lang) -> Poster {
    Poster {
        lang,
        instrument: PosterInstrument::Iit,
        title: PosterInstrument::Iit.default_title(lang).to_string(),
        agency_name: AGENCY.to_string(),
        url: IIT_URL.to_string(),
        access_code: Some("K7P2MX4Q".to_string()),
        window: Some(match lang {
            Lang::Th => ("1 มีนาคม 2570".to_string(), "30 เมษายน 2570".to_string()),
            Lang::En => ("1 March 2027".to_string(), "30 April 2027".to_string()),
        }),
        fiscal_year: 2570,
    }
}

fn eit() -> Poster {
    Poster {
        lang: Lang::Th,
        instrument: PosterInstrument::Eit,
        title: PosterInstrument::Eit.default_title(Lang::Th).to_string(),
        agency_name: AGENCY.to_string(),
        url: EIT_URL.to_string(),
        access_code: None,
        window: Some(("1 มีนาคม 2570".to_string(), "30 เมษายน 2570".to_string())),
        fiscal_year: 2570,
    }
}

fn render(poster: &Poster) -> Vec<u8> {
    let bytes = poster_pdf(&FontSet::default(), poster).unwrap();
    assert!(bytes.starts_with(b"%PDF-"), "a PDF");
    bytes
}

fn folder() -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
}

/// Writes the PDF to cargo's test folder and runs a poppler tool on it with `arguments` then the file.
fn poppler(tool: &str, arguments: &[&str], pdf: &[u8], name: &str) -> Vec<u8> {
    let file = folder().join(format!("poster-{name}.pdf"));
    std::fs::write(&file, pdf).unwrap();
    let output = Command::new(tool).args(arguments).arg(&file).args(["-"].iter().filter(|_| tool == "pdftotext")).output().unwrap_or_else(|error| {
        panic!("cannot run {tool} ({error}): install the Debian package poppler-utils (apt-get install poppler-utils)")
    });
    assert!(output.status.success(), "{tool} failed: {}", String::from_utf8_lossy(&output.stderr));
    output.stdout
}

fn text_of(pdf: &[u8], name: &str) -> String {
    String::from_utf8(poppler("pdftotext", &["-raw", "-enc", "UTF-8"], pdf, name))
        .unwrap()
        .replace(['\u{c}'], "")
}

/// The text with every white space (line ends included) removed: a heading may wrap anywhere.
fn squeezed(text: &str) -> String {
    text.chars().filter(|c| !c.is_whitespace()).collect()
}

fn assert_has(text: &str, wanted: &str) {
    assert!(squeezed(text).contains(&squeezed(wanted)), "{wanted:?} not in the extracted text:\n{text}");
}

/// Checks that the PDF has one A4 page.
fn assert_one_a4_page(pdf: &[u8], name: &str) {
    let info = String::from_utf8(poppler("pdfinfo", &[], pdf, name)).unwrap();
    assert!(info.lines().any(|line| line.starts_with("Pages:") && line.ends_with(" 1")), "{info}");
    assert!(info.lines().any(|line| line.starts_with("Page size:") && line.contains("(A4)")), "{info}");
}

/// Rasterises the page at 150 dpi with `pdftoppm` (kept as `target/tmp/poster-<name>.png`) and reads the QR code
/// back from the pixels.
fn qr_text(pdf: &[u8], name: &str) -> String {
    let prefix = folder().join(format!("poster-{name}"));
    let pdf_file = prefix.with_extension("pdf");
    std::fs::write(&pdf_file, pdf).unwrap();
    // pdftoppm takes the PDF first and the output prefix after it.
    let output = Command::new("pdftoppm")
        .args(["-r", "150", "-png", "-singlefile"])
        .arg(&pdf_file)
        .arg(&prefix)
        .output()
        .expect("pdftoppm (Debian package poppler-utils)");
    assert!(output.status.success(), "pdftoppm failed: {}", String::from_utf8_lossy(&output.stderr));
    let png_file = prefix.with_extension("png");
    let png = std::fs::read(&png_file).unwrap();
    let mut reader = png::Decoder::new(Cursor::new(png)).read_info().unwrap();
    let mut pixels = vec![0; reader.output_buffer_size().unwrap()];
    let frame = reader.next_frame(&mut pixels).unwrap();
    let (width, height) = (frame.width as usize, frame.height as usize);
    // A4 at 150 dpi (poppler rounds the width up to 1241).
    assert!(width.abs_diff(1240) <= 1 && height.abs_diff(1754) <= 1, "{width}x{height}");
    assert_eq!(frame.bit_depth, png::BitDepth::Eight);
    let channels = frame.color_type.samples();
    let line = frame.line_size;
    let mut image = rqrr::PreparedImage::prepare_from_greyscale(width, height, |x, y| {
        let at = y * line + x * channels;
        match channels {
            1 | 2 => pixels[at],
            _ => {
                let sum = u32::from(pixels[at]) + u32::from(pixels[at + 1]) + u32::from(pixels[at + 2]);
                u8::try_from(sum / 3).unwrap()
            }
        }
    });
    let grids = image.detect_grids();
    assert_eq!(grids.len(), 1, "exactly one QR code on {}", png_file.display());
    let (meta, text) = grids[0].decode().unwrap();
    // Error correction Q (rqrr numbers the levels M=0, L=1, H=2, Q=3 as the format bits do).
    assert_eq!(meta.ecc_level, 3, "level Q");
    text
}

#[test]
fn the_iit_poster_has_its_heading_code_and_address_and_its_qr_code_reads_back() {
    let pdf = render(&iit(Lang::Th));
    assert_one_a4_page(&pdf, "iit-th");
    let text = text_of(&pdf, "iit-th");
    // Whole Thai words as a reader copying from the PDF gets them (no doubled clusters such as ทั้ทั้ง).
    for wanted in [
        "ร่วมตอบแบบวัดการรับรู้ของผู้มีส่วนได้ส่วนเสียภายใน (IIT)",
        AGENCY,
        "การประเมินคุณธรรมและความโปร่งใสในการดำเนินงานของหน่วยงานภาครัฐ (ITA) ประจำปีงบประมาณ พ.ศ. 2570",
        "สำหรับบุคลากรที่ปฏิบัติงานในหน่วยงานไม่น้อยกว่า 1 ปี",
        IIT_URL,
        "รหัสเข้าตอบ",
        "K7P2MX4Q",
        "เปิดให้ตอบตั้งแต่วันที่ 1 มีนาคม 2570 ถึงวันที่ 30 เมษายน 2570",
        "สแกน QR code",
        "ตอบแบบวัด",
        "กดส่ง",
        "ไม่มีการเก็บชื่อ",
        "ผู้ใดก็ไม่สามารถทราบได้ว่าท่านตอบอย่างไร",
    ] {
        assert_has(&text, wanted);
    }
    for doubled in ["ตั้ตั้ง", "ที่ที่", "ผู้ผู้", "ไม่ไม่"]
    {
        assert!(!text.contains(doubled), "a doubled cluster {doubled:?} in:\n{text}");
    }
    // The address is printed whole on one line, and the code too: what a person types must read as one word.
    assert!(text.lines().any(|line| line.contains(IIT_URL)), "{text}");
    assert!(text.lines().any(|line| line.contains("K7P2MX4Q")), "{text}");
    // The QR code, read from the printed page, is the address itself.
    assert_eq!(qr_text(&pdf, "iit-th"), IIT_URL);
}

#[test]
fn the_eit_poster_is_public_and_its_qr_code_reads_back() {
    let pdf = render(&eit());
    assert_one_a4_page(&pdf, "eit-th");
    let text = text_of(&pdf, "eit-th");
    for wanted in [
        "ร่วมตอบแบบวัดการรับรู้ของผู้มีส่วนได้ส่วนเสียภายนอก (EIT)",
        AGENCY,
        "ประจำปีงบประมาณ พ.ศ. 2570",
        "สำหรับผู้รับบริการหรือผู้ติดต่อ",
        EIT_URL,
        "เปิดให้ตอบตั้งแต่วันที่ 1 มีนาคม 2570 ถึงวันที่ 30 เมษายน 2570",
        "ผู้ใดก็ไม่สามารถทราบได้ว่าท่านตอบอย่างไร",
    ] {
        assert_has(&text, wanted);
    }
    assert!(!text.contains("รหัสเข้าตอบ"), "the EIT needs no access code:\n{text}");
    assert_eq!(qr_text(&pdf, "eit-th"), EIT_URL);
}

#[test]
fn the_english_poster_and_a_long_address_still_fit_one_page() {
    // A long address (a caller's own domain and path) wraps at its slashes and stays readable by a camera.
    let url =
        "https://integrity-assessment.provincial-office.example.go.th/surveys/s/5800101/2570/iit?from=poster";
    let poster = Poster { url: url.to_string(), ..iit(Lang::En) };
    let pdf = render(&poster);
    assert_one_a4_page(&pdf, "iit-en");
    let text = text_of(&pdf, "iit-en");
    for wanted in [
        "Please answer the Internal stakeholders' perception survey (IIT)",
        "Fiscal year B.E. 2570",
        "For staff who have worked at the agency for at least one year",
        "Access code",
        "K7P2MX4Q",
        "Open from 1 March 2027 to 30 April 2027",
        "Nobody, not even your superiors, can find out how you answered.",
        url,
    ] {
        assert_has(&text, wanted);
    }
    assert!(!text.contains("ร่วมตอบ"), "no Thai heading on the English poster:\n{text}");
    assert_eq!(qr_text(&pdf, "iit-en"), url);
}

#[test]
fn long_names_and_a_long_address_make_a_compact_poster_that_still_reads_back() {
    let agency = "สำนักงานคณะกรรมการส่งเสริมวิทยาศาสตร์ วิจัยและนวัตกรรม กระทรวงการอุดมศึกษา วิทยาศาสตร์ วิจัยและนวัตกรรม";
    let url =
        "https://integrity-assessment.provincial-office.example.go.th/surveys/s/5800101/2570/iit?from=poster";
    let poster = Poster {
        agency_name: agency.to_string(),
        url: url.to_string(),
        access_code: Some("K7P2-MX4Q-93".to_string()),
        ..iit(Lang::Th)
    };
    let pdf = render(&poster);
    assert_one_a4_page(&pdf, "iit-long");
    let text = text_of(&pdf, "iit-long");
    for wanted in [agency, url, "K7P2-MX4Q-93", "ผู้ใดก็ไม่สามารถทราบได้ว่าท่านตอบอย่างไร"]
    {
        assert_has(&text, wanted);
    }
    assert_eq!(qr_text(&pdf, "iit-long"), url);
}

#[test]
fn an_address_too_long_for_a_qr_code_is_a_clear_error() {
    let url = format!("https://ita.example.go.th/{}", "x".repeat(4000));
    let error = poster_pdf(&FontSet::default(), &Poster { url, ..eit() }).unwrap_err().to_string();
    assert!(error.contains("QR code"), "{error}");
}
