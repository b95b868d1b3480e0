//! The OIT review helpers: the published OIT cases, read from the verdict sets of the scoring fixtures
//! (`tests/data/scoring/*.toml`), give the published indicator 9 and 10 scores through `oit_scores`, exactly as the
//! whole scoring does; an item's points add up to its indicator's weight in the total in every year; passing the
//! reference agency's failed items of indicator 10 adds the 15.00 points its report names; progress per
//! sub-indicator counts what was answered.

use std::path::{Path, PathBuf};

use ita_domain::Exact;
use ita_domain::Lang;
use ita_domain::input::ScoreDocument;
use ita_domain::methodology::{Catalog, Methodology, MethodologyId};
use ita_domain::oit_review::{
    checklist_indicators, element_points, item_points, item_points_text, oit_scores,
    points_if_failed_items_passed, progress_by_sub_indicator,
};
use ita_domain::scoring::{self, Verdict};

fn scoring_data() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/scoring")
}

fn builtin(year: u16) -> Methodology {
    Catalog::builtin().unwrap().get(&MethodologyId::nacc(year)).unwrap().clone()
}

/// The verdicts of a scoring fixture, as `(item, passed)` in file order: from `[verdicts] items = {...}` or
/// from the CSV file `[verdicts] csv` names (`item,verdict`).
fn fixture_verdicts(name: &str) -> (u16, Vec<(String, bool)>) {
    let text = std::fs::read_to_string(scoring_data().join(format!("{name}.toml"))).unwrap();
    let document: toml::Table = text.parse().unwrap();
    let year = u16::try_from(document["methodology"].as_integer().unwrap()).unwrap();
    let verdicts = document["verdicts"].as_table().unwrap();
    let word = |code: &str, word: &str| {
        (code.to_string(), Verdict::parse_word(word).unwrap_or_else(|| panic!("{name}: {code} = {word}")))
    };
    let list = if let Some(items) = verdicts.get("items") {
        items.as_table().unwrap().iter().map(|(code, value)| word(code, value.as_str().unwrap())).collect()
    } else {
        let file = verdicts["csv"].as_str().unwrap();
        let csv = std::fs::read_to_string(scoring_data().join(file)).unwrap();
        csv.lines()
            .skip(1)
            .filter(|line| !line.trim().is_empty())
            .map(|line| {
                let (code, verdict) = line.split_once(',').unwrap();
                word(code.trim(), verdict)
            })
            .collect()
    };
    (year, list)
}

fn pairs(verdicts: &[(String, bool)]) -> Vec<(&str, bool)> {
    verdicts.iter().map(|(code, passed)| (code.as_str(), *passed)).collect()
}

/// Indicator `number`'s score, rounded as shown.
fn shown(scores: &[ita_domain::oit_review::OitIndicatorScore], number: u8) -> String {
    let indicator = scores.iter().find(|indicator| indicator.number == number).unwrap();
    indicator.score.as_ref().unwrap().round_hundredths().to_string()
}

/// The published cases (spec section 5): the 2564 regional cases and the reference agency of 2565.
const PUBLISHED: [(&str, &str, &str); 4] = [
    ("oit-97.78-93.75-2564", "97.78", "93.75"),
    ("oit-97.50-87.50-2564", "97.50", "87.50"),
    ("oit-92.50-93.75-2564", "92.50", "93.75"),
    ("khaothong-oit-verdicts-2565", "85.29", "25.00"),
];

#[test]
fn published_oit_cases_come_out_of_the_verdicts() {
    for (name, nine, ten) in PUBLISHED {
        let (year, verdicts) = fixture_verdicts(name);
        let methodology = builtin(year);
        let scores = oit_scores(&methodology, &pairs(&verdicts)).unwrap();
        assert_eq!(scores.iter().map(|score| score.number).collect::<Vec<_>>(), [9, 10], "{name}");
        assert_eq!((shown(&scores, 9).as_str(), shown(&scores, 10).as_str()), (nine, ten), "{name}");
        assert!(scores.iter().all(|score| score.complete()), "{name}: every item is judged");
    }
}

/// The helper and the whole scoring agree exactly (not only to two decimals) on every fixture with verdicts.
#[test]
fn oit_scores_equal_the_whole_scoring_exactly() {
    let catalog = Catalog::builtin().unwrap();
    for (name, _, _) in PUBLISHED {
        let text = std::fs::read_to_string(scoring_data().join(format!("{name}.toml"))).unwrap();
        let load = |file: &str| std::fs::read_to_string(scoring_data().join(file)).map_err(|e| e.to_string());
        let document = ScoreDocument::parse(name, &text, &catalog, &load).unwrap();
        let methodology = catalog.get(&document.methodology).unwrap();
        let result = scoring::score(methodology, &document.input).unwrap();
        let (_, verdicts) = fixture_verdicts(name);
        for score in oit_scores(methodology, &pairs(&verdicts)).unwrap() {
            let whole = result.indicator(score.number).unwrap();
            assert_eq!(score.score.as_ref(), Some(&whole.score), "{name} indicator {}", score.number);
            assert_eq!(score.points(methodology), Some(whole.points()), "{name} indicator {}", score.number);
        }
    }
}

/// In every built-in year, the points of an indicator's items add up to the indicator's weight in the total
/// (× 100): passing everything earns exactly the indicator's share.
#[test]
fn item_points_add_up_to_the_indicator_s_weight_in_every_year() {
    let catalog = Catalog::builtin().unwrap();
    let mut years = 0;
    for methodology in catalog.list() {
        let indicators = checklist_indicators(methodology);
        assert!(!indicators.is_empty(), "{}", methodology.id());
        for number in indicators {
            let mut sum = Exact::zero();
            for sub in methodology.sub_indicators_of(number) {
                for item in methodology.oit_items_of(&sub.code) {
                    let points = item_points(methodology, &item.code).unwrap();
                    assert!(points > Exact::zero(), "{} {}", methodology.id(), item.code);
                    sum = sum + points;
                }
            }
            let weight = methodology.indicator_weight(number) * Exact::hundred();
            assert_eq!(sum, weight, "{} indicator {number}", methodology.id());
        }
        years += 1;
    }
    assert!(years >= 9, "every built-in year was checked");
}

/// 2565: OIT weighs 40% over two indicators (20 points each); 10.1 has 8 items (1.25 points each) and 10.2 two
/// (5.00 each), as the reference agency's explanation says.
#[test]
fn item_points_of_2565_are_those_the_explanation_gives() {
    let methodology = builtin(2565);
    let points = |code: &str| item_points(&methodology, code).unwrap().round_hundredths().to_string();
    assert_eq!(points("O34"), "1.25");
    assert_eq!(points("O43"), "5.00");
    // 9.3 has seven items: 20 / 5 / 7 = 0.571428...
    assert_eq!(item_points(&methodology, "O20"), Some(Exact::ratio(4, 7)));
    assert_eq!(item_points(&methodology, "O99"), None, "an item the year does not have");
    assert_eq!(
        item_points_text(&item_points(&methodology, "O43").unwrap(), Lang::Th),
        "ข้อนี้มีค่า 5.00 คะแนนของคะแนนรวม"
    );
    assert_eq!(
        item_points_text(&item_points(&methodology, "O34").unwrap(), Lang::En),
        "this item is worth 1.25 points of the total"
    );
    assert_eq!(element_points(&methodology, "O34"), None, "2565 credits whole items");
}

/// The reference agency: passing every failed item of indicator 10 adds 15.00 points, of indicator 9 2.94, and
/// each of them alone adds exactly its own points.
#[test]
fn passing_the_reference_agency_s_failed_items_adds_what_its_report_says() {
    let (year, verdicts) = fixture_verdicts("khaothong-oit-verdicts-2565");
    let methodology = builtin(year);
    let gains = points_if_failed_items_passed(&methodology, &pairs(&verdicts));
    assert_eq!(gains[&10].round_hundredths().to_string(), "15.00");
    assert_eq!(gains[&9].round_hundredths().to_string(), "2.94");
    let before = oit_scores(&methodology, &pairs(&verdicts)).unwrap();
    let total_points = |scores: &[ita_domain::oit_review::OitIndicatorScore]| {
        scores.iter().fold(Exact::zero(), |sum, score| sum + score.points(&methodology).unwrap())
    };
    // Every indicator falls short by exactly what its failed items would add.
    for score in &before {
        let short =
            (Exact::hundred() - score.score.clone().unwrap()) * methodology.indicator_weight(score.number);
        assert_eq!(short, gains[&score.number], "indicator {}", score.number);
    }
    for (index, (code, passed)) in verdicts.iter().enumerate() {
        if *passed {
            continue;
        }
        let mut flipped = verdicts.clone();
        flipped[index].1 = true;
        let after = oit_scores(&methodology, &pairs(&flipped)).unwrap();
        assert_eq!(
            total_points(&after) - total_points(&before),
            item_points(&methodology, code).unwrap(),
            "passing {code}"
        );
    }
}

/// A year that credits elements one by one: an element is worth its item's points over its elements.
#[test]
fn element_points_share_the_item_in_a_per_element_year() {
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/methodology/tiny-2599.toml"),
    )
    .unwrap();
    let methodology = Methodology::parse("tiny-2599.toml", &text).unwrap();
    // OIT weighs 50% with one indicator and one sub-indicator of two items: 25 points each.
    assert_eq!(item_points(&methodology, "O1"), Some(Exact::integer(25)));
    assert_eq!(element_points(&methodology, "O1"), Some(Exact::ratio(25, 2)));
    assert_eq!(element_points(&methodology, "O2"), Some(Exact::integer(25)));
    assert_eq!(checklist_indicators(&methodology), [2]);
}

#[test]
fn scores_are_provisional_while_items_are_unjudged() {
    let methodology = builtin(2565);
    let none = oit_scores(&methodology, &[]).unwrap();
    assert!(none.iter().all(|score| score.score.is_none() && score.judged == 0));
    assert_eq!(none.iter().map(|score| score.items).collect::<Vec<_>>(), [33, 10]);
    // One failed item of 10.1 and one passed of 10.2: mean(0, 100) = 50, two of ten judged.
    let some = oit_scores(&methodology, &[("O34", false), ("O42", true)]).unwrap();
    let ten = some.iter().find(|score| score.number == 10).unwrap();
    assert_eq!(ten.score, Some(Exact::integer(50)));
    assert_eq!((ten.judged, ten.items, ten.complete()), (2, 10, false));
    assert_eq!(some.iter().find(|score| score.number == 9).unwrap().score, None);
}

#[test]
fn unknown_and_repeated_items_are_refused() {
    let methodology = builtin(2565);
    let unknown = oit_scores(&methodology, &[("O1", true), ("O99", false)]).unwrap_err();
    assert!(unknown.to_string().contains("O99"), "{unknown}");
    assert!(unknown.message_th.contains("ไม่มีข้อ O99"), "{}", unknown.message_th);
    let twice = oit_scores(&methodology, &[("O1", true), ("O1", false)]).unwrap_err();
    assert!(twice.message_th.contains("มากกว่าหนึ่งครั้ง"), "{}", twice.message_th);
}

#[test]
fn progress_counts_answered_items_per_sub_indicator() {
    let methodology = builtin(2565);
    let empty = progress_by_sub_indicator(&methodology, []);
    let totals: Vec<(&str, usize)> = empty.iter().map(|sub| (sub.code.as_str(), sub.total)).collect();
    assert_eq!(
        totals,
        [("9.1", 9), ("9.2", 8), ("9.3", 7), ("9.4", 4), ("9.5", 5), ("10.1", 8), ("10.2", 2)]
    );
    assert!(empty.iter().all(|sub| sub.answered == 0 && sub.percent() == 0 && !sub.complete()));
    // O1..O9 make 9.1; O10 opens 9.2; O42, O43 make 10.2. Unknown codes and repeats change nothing.
    let answered: Vec<String> = (1..=10).chain([42, 43, 42]).map(|n| format!("O{n}")).collect();
    let mut codes: Vec<&str> = answered.iter().map(String::as_str).collect();
    codes.push("O99");
    let progress = progress_by_sub_indicator(&methodology, codes);
    let counts: Vec<(&str, usize, u32, bool)> =
        progress.iter().map(|sub| (sub.code.as_str(), sub.answered, sub.percent(), sub.complete())).collect();
    assert_eq!(
        counts,
        [
            ("9.1", 9, 100, true),
            ("9.2", 1, 12, false),
            ("9.3", 0, 0, false),
            ("9.4", 0, 0, false),
            ("9.5", 0, 0, false),
            ("10.1", 0, 0, false),
            ("10.2", 2, 100, true),
        ]
    );
    assert_eq!(progress[0].indicator, 9);
    assert!(!progress[0].name(Lang::Th).is_empty() && !progress[0].name(Lang::En).is_empty());
}
