//! Data-driven scoring tests: every `tests/data/scoring/*.toml` is scored by one `check` function and its result
//! (or its error) compared with the text snapshot beside it (`*.snap`). Run with `UPDATE_EXPECT=1` to rewrite
//! the snapshots, then read the diff.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use expect_test::expect_file;
use ita_domain::Exact;
use ita_domain::input::ScoreDocument;
use ita_domain::methodology::Catalog;
use ita_domain::scoring::{self, LevelOutcome, ScoreResult, explain};

fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/scoring")
}

/// Scores one fixture and renders what a reviewer needs to see: the result, or the error.
fn render(catalog: &Catalog, path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap();
    let folder = path.parent().unwrap().to_path_buf();
    let load =
        move |name: &str| std::fs::read_to_string(folder.join(name)).map_err(|error| error.to_string());
    let name = path.file_name().unwrap().to_string_lossy().into_owned();
    let document = match ScoreDocument::parse(&name, &text, catalog, &load) {
        Ok(document) => document,
        Err(error) => return format!("{error}\n"),
    };
    match document.score(catalog) {
        Ok((_, result)) => render_result(catalog, &document.methodology, &result),
        Err(error) => format!("{error}\n"),
    }
}

fn render_result(
    catalog: &Catalog,
    id: &ita_domain::methodology::MethodologyId,
    result: &ScoreResult,
) -> String {
    let methodology = catalog.get(id).unwrap();
    let mut out = String::new();
    let level = match &result.level {
        LevelOutcome::Decided { code, .. } => code.clone(),
        LevelOutcome::Possible { codes, .. } => format!("one of {}", codes.join(", ")),
    };
    writeln!(out, "methodology {} total {} level {level}", result.methodology, result.total).unwrap();
    writeln!(out, "  {}", result.level.reason_th()).unwrap();
    writeln!(out, "  {}", result.level.reason_en()).unwrap();
    for instrument in &result.instruments {
        writeln!(out, "{} {} weighted {}", instrument.code, instrument.score, instrument.weighted()).unwrap();
    }
    for indicator in &result.indicators {
        writeln!(
            out,
            "indicator {} {} ({:?}) points {} lost {}",
            indicator.number,
            indicator.score,
            indicator.source,
            indicator.points(),
            indicator.points_lost()
        )
        .unwrap();
        for item in indicator.items.iter().filter(|item| item.score.is_some()) {
            let score = item.score.as_ref().unwrap();
            let lost = (Exact::hundred() - score) * &item.weight_in_total;
            writeln!(out, "  {} {score} from {} respondents, costs {lost}", item.code, item.respondents)
                .unwrap();
        }
        for sub in &indicator.sub_indicators {
            let score = sub.score.as_ref().map_or("-".to_string(), ToString::to_string);
            writeln!(out, "  {} {score} ({} of {} passed)", sub.code, sub.passed(), sub.items.len()).unwrap();
        }
    }
    let explanation = explain(methodology, result);
    writeln!(out, "explanation:").unwrap();
    for line in [&explanation.formula, &explanation.pass_mark]
        .into_iter()
        .chain(&explanation.indicators)
        .chain(&explanation.items)
    {
        writeln!(out, "  {}", line.th).unwrap();
        writeln!(out, "  {}", line.en).unwrap();
    }
    if !result.notices.is_empty() {
        writeln!(out, "notices:").unwrap();
        for notice in &result.notices {
            writeln!(out, "  {}", notice.en).unwrap();
        }
    }
    out
}

fn check(name: &str) {
    let catalog = Catalog::builtin().unwrap();
    let path = data_dir().join(format!("{name}.toml"));
    let actual = render(&catalog, &path);
    expect_file![data_dir().join(format!("{name}.snap"))].assert_eq(&actual);
}

#[test]
fn every_fixture_has_a_test_and_a_snapshot() {
    // A fixture added without a test below would never run; a snapshot without a fixture is stale.
    let source = include_str!("scoring.rs");
    for entry in std::fs::read_dir(data_dir()).unwrap() {
        let path = entry.unwrap().path();
        let stem = path.file_stem().unwrap().to_string_lossy().into_owned();
        match path.extension().and_then(|extension| extension.to_str()) {
            Some("toml") => {
                assert!(source.contains(&format!("check(\"{stem}\")")), "no test runs {stem}.toml")
            }
            Some("snap") => {
                assert!(data_dir().join(format!("{stem}.toml")).exists(), "{stem}.snap has no fixture")
            }
            _ => {}
        }
    }
}

#[test]
fn reference_agency_from_published_indicators_is_78_35_level_b() {
    check("khaothong-2565");
}

#[test]
fn trat_average_2564_is_81_45_level_b() {
    check("trat-average-2564");
}

#[test]
fn reference_agency_oit_from_verdicts_gives_85_29_and_25_00() {
    check("khaothong-oit-verdicts-2565");
}

#[test]
fn oit_cases_97_78_and_93_75() {
    check("oit-97.78-93.75-2564");
}

#[test]
fn oit_cases_97_50_and_87_50() {
    check("oit-97.50-87.50-2564");
}

#[test]
fn oit_cases_92_50_and_93_75() {
    check("oit-92.50-93.75-2564");
}

#[test]
fn raw_responses_mixed_with_published_scores_and_verdicts() {
    check("raw-mixed-2565");
}

#[test]
fn published_item_scores_make_the_indicators() {
    check("item-scores-2569");
}

#[test]
fn indicator_out_of_range_is_refused() {
    check("error-indicator-out-of-range");
}

#[test]
fn missing_indicator_is_refused() {
    check("error-indicator-missing");
}

#[test]
fn unknown_year_is_refused() {
    check("error-unknown-year");
}

#[test]
fn unknown_oit_item_is_refused() {
    check("error-unknown-item");
}

#[test]
fn answer_outside_scale_is_refused() {
    check("error-answer-out-of-scale");
}

#[test]
fn unknown_question_is_refused() {
    check("error-unknown-question");
}

#[test]
fn unknown_indicator_is_refused() {
    check("error-unknown-indicator");
}

#[test]
fn misspelt_section_is_refused() {
    check("error-unknown-field");
}

#[test]
fn label_2568_total_94_64_is_only_pass_because_eit_is_below_85() {
    check("label-2568-94.64-eit-below-85");
}

#[test]
fn label_2567_total_92_43_is_pass_good_with_every_instrument_at_85() {
    check("label-2567-92.43-every-instrument-85");
}

#[test]
fn label_2566_total_86_78_is_pass_with_oit_below_85() {
    check("label-2566-86.78-oit-below-85");
}

#[test]
fn label_2567_total_91_15_is_pass_with_eit_below_85() {
    check("label-2567-91.15-eit-below-85");
}

#[test]
fn total_alone_95_81_in_2566_allows_pass_good_or_excellent_never_pass() {
    check("label-2566-total-only-95.81");
}

#[test]
fn total_alone_99_00_allows_only_excellent() {
    check("label-2569-total-only-99.00");
}

#[test]
fn total_alone_80_00_is_needs_improvement() {
    check("label-2569-total-only-80.00");
}

#[test]
fn a_total_that_contradicts_the_instruments_is_refused() {
    check("error-total-contradicts-instruments");
}

#[test]
fn an_unknown_variant_is_refused() {
    check("error-unknown-variant");
}

#[test]
fn instruments_and_indicators_together_are_refused() {
    check("error-instruments-and-indicators");
}

/// The published labels, asserted directly (the year's word, as `ita score --format json` prints it).
#[test]
fn published_labels_are_reproduced() {
    let catalog = Catalog::builtin().unwrap();
    let cases = [
        ("label-2568-94.64-eit-below-85", "94.64", Some("ผ่าน"), vec![]),
        ("label-2567-92.43-every-instrument-85", "92.43", Some("ผ่านดี"), vec![]),
        ("label-2566-86.78-oit-below-85", "86.78", Some("ผ่าน"), vec![]),
        ("label-2567-91.15-eit-below-85", "91.15", Some("ผ่าน"), vec![]),
        ("label-2566-total-only-95.81", "95.81", None, vec!["ผ่านดีเยี่ยม", "ผ่านดี"]),
        ("label-2569-total-only-99.00", "99.00", None, vec!["ผ่านดีเยี่ยม"]),
        ("label-2569-total-only-80.00", "80.00", None, vec!["ต้องปรับปรุง"]),
    ];
    for (name, total, label, possible) in cases {
        let text = std::fs::read_to_string(data_dir().join(format!("{name}.toml"))).unwrap();
        let no_files = |_: &str| Err("no files".to_string());
        let document = ScoreDocument::parse(name, &text, &catalog, &no_files).unwrap();
        let (methodology, result) = document.score(&catalog).unwrap();
        let view = scoring::ResultView::new(methodology, &result, &document.agency);
        assert_eq!(result.total_rounded().to_string(), total, "{name}");
        assert_eq!(view.level.as_deref(), label, "{name}");
        let possible_view: Vec<String> = view.possible_levels.clone().unwrap_or_default();
        assert_eq!(possible_view, possible, "{name}");
    }
}

/// "EIT 84.20: 0.80 more points of EIT would make this ผ่านดี".
#[test]
fn what_it_takes_names_the_gate_to_clear() {
    let catalog = Catalog::builtin().unwrap();
    let methodology = catalog.get(&"2568".parse().unwrap()).unwrap();
    let mut input = scoring::ScoreInput::default();
    for (code, score) in [("IIT", "98.00"), ("EIT", "84.20"), ("OIT", "99.95")] {
        input.instruments.insert(code.into(), Exact::parse(score).unwrap());
    }
    let result = scoring::score(methodology, &input).unwrap();
    let steps = scoring::next_level_steps(methodology, &result.total, &result.instruments);
    let good = steps.iter().find(|step| step.level_code == "good").expect("a step to ผ่านดี");
    assert_eq!(good.gates_to_clear.len(), 1);
    assert_eq!(good.gates_to_clear[0].instrument, "EIT");
    assert_eq!((&good.gates_to_clear[0].gate - &good.gates_to_clear[0].score).to_string(), "0.80");
    assert!(good.total_gap.is_zero(), "raising EIT to 85 lifts the total past 85 already");
    let excellent = steps.iter().find(|step| step.level_code == "excellent").expect("a step to ผ่านดีเยี่ยม");
    assert_eq!(excellent.gates_to_clear.len(), 1, "EIT below 95; IIT 98 and OIT 99.95 clear it");
}

/// The published totals and weighted OIT scores must come out exactly, whatever the snapshots say.
#[test]
fn published_values_are_reproduced_exactly() {
    let catalog = Catalog::builtin().unwrap();
    let cases = [
        ("khaothong-2565", "78.35", "B", None),
        ("trat-average-2564", "81.45", "B", None),
        ("khaothong-oit-verdicts-2565", "78.35", "B", Some(("85.29", "25.00", None))),
        ("oit-97.78-93.75-2564", "", "", Some(("97.78", "93.75", Some("38.31")))),
        ("oit-97.50-87.50-2564", "", "", Some(("97.50", "87.50", Some("37.00")))),
        ("oit-92.50-93.75-2564", "", "", Some(("92.50", "93.75", Some("37.25")))),
        ("raw-mixed-2565", "81.00", "B", None),
        ("item-scores-2569", "89.10", "good", None),
    ];
    for (name, total, level, oit) in cases {
        let path = data_dir().join(format!("{name}.toml"));
        let text = std::fs::read_to_string(&path).unwrap();
        let folder = data_dir();
        let load = |file: &str| std::fs::read_to_string(folder.join(file)).map_err(|error| error.to_string());
        let document = ScoreDocument::parse(name, &text, &catalog, &load).unwrap();
        let methodology = catalog.get(&document.methodology).unwrap();
        let result = scoring::score(methodology, &document.input).unwrap();
        if !total.is_empty() {
            assert_eq!(result.total_rounded().to_string(), total, "{name}");
            assert_eq!(result.level.decided(), Some(level), "{name}");
        }
        if let Some((nine, ten, weighted)) = oit {
            assert_eq!(result.indicator(9).unwrap().score.to_string(), nine, "{name}");
            assert_eq!(result.indicator(10).unwrap().score.to_string(), ten, "{name}");
            if let Some(weighted) = weighted {
                assert_eq!(result.instrument("OIT").unwrap().weighted().to_string(), weighted, "{name}");
            }
        }
    }
}

/// Rounding the instrument means before weighting would give 78.36 for the reference agency: the engine must not.
#[test]
fn total_is_rounded_once_at_the_end() {
    let catalog = Catalog::builtin().unwrap();
    let methodology = catalog.get(&"2565".parse().unwrap()).unwrap();
    let mut input = scoring::ScoreInput::default();
    for (number, score) in [
        (1, "100"),
        (2, "100"),
        (3, "100"),
        (4, "99.34"),
        (5, "97.77"),
        (6, "89.70"),
        (7, "88.91"),
        (8, "86.09"),
        (9, "85.29"),
        (10, "25.00"),
    ] {
        input.indicators.insert(number, Exact::parse(score).unwrap());
    }
    let result = scoring::score(methodology, &input).unwrap();
    let rounded_first: Exact = result
        .instruments
        .iter()
        .map(|instrument| instrument.score.round_hundredths().to_exact() * &instrument.weight)
        .fold(Exact::zero(), |sum, part| sum + part);
    assert_eq!(rounded_first.round_hundredths().to_string(), "78.36");
    assert_eq!(result.total_rounded().to_string(), "78.35");
}
