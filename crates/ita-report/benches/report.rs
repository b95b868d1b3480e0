//! Report benchmark (run on demand, not in CI): `cargo bench -p ita-report --bench report`.
//! Times the first PDF of the process (nothing memoised yet), building the model and rendering each format for
//! the reference agency, then a batch of 1,000 synthetic agencies (each its own Thai name and scores) as PDF on
//! one thread and on every core.
//! `cargo bench -p ita-report --bench report -- pdfs N` renders only N different PDFs on one thread, each timed
//! (for a profiler: `valgrind --tool=callgrind target/release/deps/report-* pdfs 8`). Figures go in
//! BENCHMARKS.md.

use std::path::Path;
use std::time::{Duration, Instant};

use ita_domain::Exact;
use ita_domain::input::AgencyInfo;
use ita_domain::methodology::{Catalog, MethodologyId};
use ita_domain::report::{self, Library, ReportModel, ReportRequest};
use ita_domain::scoring::{self, ScoreInput};
use ita_domain::thai::CalendarDate;
use ita_report::{FontSet, Format, RenderOptions};

const REFERENCE: [&str; 10] =
    ["100", "100", "100", "99.34", "97.77", "89.70", "88.91", "86.09", "85.29", "25.00"];

fn model(catalog: &Catalog, library: &Library, scores: &[Exact; 10], name: &str) -> ReportModel {
    let methodology = catalog.get(&MethodologyId::nacc(2565)).unwrap();
    let mut input = ScoreInput::default();
    for (index, score) in scores.iter().enumerate() {
        input.indicators.insert(u8::try_from(index + 1).unwrap(), score.clone());
    }
    let result = scoring::score(methodology, &input).unwrap();
    let agency =
        AgencyInfo {
            name: Some(name.to_string()), province: Some("กระบี่".into()), ..AgencyInfo::default()
        };
    report::build(&ReportRequest {
        methodology,
        result: &result,
        previous: None,
        agency: &agency,
        measures_year: None,
        measures: Vec::new(),
        propose_measures: true,
        date: Some(CalendarDate { year: 2026, month: 11, day: 25 }),
        signer: None,
        library,
        assessor_notes: Default::default(),
    })
    .unwrap()
}

/// Runs `work` `runs` times after one warm-up; returns the mean and the fastest run.
fn time(runs: u32, mut work: impl FnMut()) -> (Duration, Duration) {
    work();
    let mut fastest = Duration::MAX;
    let started = Instant::now();
    for _ in 0..runs {
        let one = Instant::now();
        work();
        fastest = fastest.min(one.elapsed());
    }
    (started.elapsed() / runs, fastest)
}

/// A distinct Thai name for each synthetic agency (1,600 of them), as real names are: written without spaces,
/// so that the line breaker meets a new run of Thai letters in every report, as it would in a real batch.
fn synthetic_name(index: usize) -> String {
    const KINDS: [&str; 3] = ["องค์การบริหารส่วนตำบล", "เทศบาลตำบล", "เทศบาลเมือง"];
    const WORDS: [&str; 40] = [
        "หนอง",
        "บ้าน",
        "ดอน",
        "โคก",
        "นา",
        "ป่า",
        "ทุ่ง",
        "ห้วย",
        "วัง",
        "บาง",
        "เขา",
        "ท่า",
        "สระ",
        "คลอง",
        "ไผ่",
        "แก้ว",
        "ทอง",
        "ใหม่",
        "หลวง",
        "กลาง",
        "ใต้",
        "เหนือ",
        "จันทร์",
        "ศรี",
        "สวรรค์",
        "งาม",
        "ตาล",
        "มะม่วง",
        "ขาม",
        "ยาง",
        "โพธิ์",
        "ไทร",
        "สะแก",
        "กระทุ่ม",
        "ลำ",
        "พะยอม",
        "ชัย",
        "สุข",
        "เจริญ",
        "บัว",
    ];
    format!("{}{}{}", KINDS[index % 3], WORDS[index % 40], WORDS[(index / 40 + 7) % 40])
}

fn synthetic_scores(index: usize) -> [Exact; 10] {
    // A deterministic spread of results: every indicator between 40 and 100.
    std::array::from_fn(|indicator| {
        let hundredths = 4000 + ((index * 7919 + indicator * 104_729) % 6001);
        Exact::ratio(i128::try_from(hundredths).unwrap(), 100)
    })
}

fn main() {
    let catalog = Catalog::builtin().unwrap();
    let library = Library::builtin().unwrap();
    let fonts = FontSet::load(None).unwrap();
    let options = RenderOptions { lang: ita_domain::Lang::Th, thai_digits: true };
    // `-- pdfs N`: only N different PDFs on one thread, each timed.
    let arguments: Vec<String> = std::env::args().skip(1).filter(|argument| argument != "--bench").collect();
    if let [mode, count] = arguments.as_slice()
        && mode == "pdfs"
    {
        for index in 0..count.parse::<usize>().unwrap() {
            let agency = model(&catalog, &library, &synthetic_scores(index), &synthetic_name(index));
            let started = Instant::now();
            let bytes = ita_report::render(&agency, Format::Pdf, options, &fonts).unwrap();
            println!("pdf {index}: {:.2} ms, {} bytes", started.elapsed().as_secs_f64() * 1e3, bytes.len());
        }
        return;
    }
    let reference: [Exact; 10] = REFERENCE.map(|score| Exact::parse(score).unwrap());
    let reference_model = model(&catalog, &library, &reference, "องค์การบริหารส่วนตำบลเขาทอง");
    let started = Instant::now();
    let first = ita_report::render(&reference_model, Format::Pdf, options, &fonts).unwrap();
    println!(
        "first PDF of the process (the reference report): {:.2} ms ({} bytes)",
        started.elapsed().as_secs_f64() * 1e3,
        first.len()
    );
    println!("one agency (the reference report), mean / fastest:");
    let (mean, fastest) = time(200, || {
        let _ = model(&catalog, &library, &reference, "องค์การบริหารส่วนตำบลเขาทอง");
    });
    println!("  model     {:>8.2} ms / {:>8.2} ms", mean.as_secs_f64() * 1e3, fastest.as_secs_f64() * 1e3);
    for (format, runs) in
        [(Format::Markdown, 200), (Format::Html, 200), (Format::Docx, 100), (Format::Pdf, 50)]
    {
        let mut size = 0;
        let (mean, fastest) = time(runs, || {
            size = ita_report::render(&reference_model, format, options, &fonts).unwrap().len();
        });
        println!(
            "  {:<9} {:>8.2} ms / {:>8.2} ms  ({} bytes)",
            format.extension(),
            mean.as_secs_f64() * 1e3,
            fastest.as_secs_f64() * 1e3,
            size
        );
    }
    let count = 1000;
    let out = std::env::temp_dir().join(format!("ita-bench-{}", std::process::id()));
    std::fs::create_dir_all(&out).unwrap();
    for threads in [1, std::thread::available_parallelism().map_or(1, usize::from)] {
        let next = std::sync::atomic::AtomicUsize::new(0);
        let times = std::sync::Mutex::new(Vec::with_capacity(count));
        let started = Instant::now();
        std::thread::scope(|scope| {
            for _ in 0..threads {
                scope.spawn(|| {
                    loop {
                        let index = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        if index >= count {
                            break;
                        }
                        let one = Instant::now();
                        let agency =
                            model(&catalog, &library, &synthetic_scores(index), &synthetic_name(index));
                        let bytes = ita_report::render(&agency, Format::Pdf, options, &fonts).unwrap();
                        std::fs::write(Path::new(&out).join(format!("{index}.pdf")), bytes).unwrap();
                        times.lock().unwrap().push(one.elapsed());
                    }
                });
            }
        });
        let elapsed = started.elapsed();
        let mut times = times.into_inner().unwrap();
        times.sort();
        let at = |share: f64| times[((times.len() - 1) as f64 * share) as usize].as_secs_f64() * 1e3;
        println!(
            "batch of {count} PDFs (model + render + write), {threads} thread(s): {:.2} s, {:.1} ms per report \
             (each report: median {:.1} ms, 90th percentile {:.1} ms, slowest {:.1} ms)",
            elapsed.as_secs_f64(),
            elapsed.as_secs_f64() * 1e3 / count as f64,
            at(0.5),
            at(0.9),
            at(1.0)
        );
    }
    std::fs::remove_dir_all(&out).unwrap();
}
