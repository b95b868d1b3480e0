//! Online questionnaires: every `tests/data/questionnaire/*.toml` case posts its respondents' forms through
//! `Questionnaire::parse`, stores the encoded answers with `ResponseSet::push_encoded` (and the same answers with
//! `ResponseSet::push`), and one `check` compares the refusals, the encoded strings and the hand-computed item
//! and indicator scores written in the case. The other tests hold for every built-in year.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use ita_domain::Exact;
use ita_domain::Lang;
use ita_domain::methodology::{Aggregation, Catalog, Methodology, MethodologyId};
use ita_domain::questionnaire::{
    self, AnswerIssue, MIN_GROUP, Questionnaire, SampleProgress, option_char, option_index, suppressed,
    survey_scores,
};
use ita_domain::scoring::{self, ResponseSet, ScoreInput};
use proptest::prelude::*;
use serde::Deserialize;

fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/questionnaire")
}

fn builtin(year: u16) -> Methodology {
    Catalog::builtin().unwrap().get(&MethodologyId::nacc(year)).unwrap().clone()
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    /// A built-in year (`2565`) or a year file beside the cases.
    methodology: String,
    instrument: String,
    /// Overrides the year's aggregation rule.
    #[serde(default)]
    aggregation: Option<String>,
    /// Per scale code, the option a respondent gives where the case says nothing.
    #[serde(default)]
    defaults: BTreeMap<String, String>,
    #[serde(default)]
    respondents: Vec<Respondent>,
    #[serde(default)]
    stored: Vec<StoredRow>,
    expect: Expect,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Respondent {
    #[serde(default)]
    relation: Option<String>,
    /// Sub-question code -> posted value, over the defaults.
    #[serde(default)]
    answers: BTreeMap<String, String>,
    /// Sub-questions whose field is not posted at all.
    #[serde(default)]
    omit: Vec<String>,
    /// The encoded answers the form must give.
    #[serde(default)]
    encoded: Option<String>,
    /// When given, the form must be refused with exactly these, as `field | Thai | English`.
    #[serde(default)]
    issues: Option<Vec<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StoredRow {
    encoded: String,
    /// When given, `push_encoded` must refuse the row with this problem (its Debug form).
    #[serde(default)]
    problem: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Expect {
    respondents: usize,
    showable: bool,
    /// The score of every item not listed in `items`.
    #[serde(default)]
    item_default: Option<String>,
    items: BTreeMap<String, String>,
    indicators: BTreeMap<String, String>,
}

fn exact(text: &str) -> Exact {
    Exact::parse(text).unwrap_or_else(|| panic!("not a number: {text}"))
}

fn load(case: &Case) -> Methodology {
    let mut methodology = match case.methodology.parse::<u16>() {
        Ok(year) => builtin(year),
        Err(_) => {
            let path = data_dir().join(&case.methodology);
            Methodology::parse(&case.methodology, &std::fs::read_to_string(path).unwrap()).unwrap()
        }
    };
    match case.aggregation.as_deref() {
        None => {}
        Some("item") => methodology.scoring.aggregation = Aggregation::Item,
        Some("sub_question") => methodology.scoring.aggregation = Aggregation::SubQuestion,
        Some(other) => panic!("unknown aggregation {other}"),
    }
    methodology
}

/// The posted form of one respondent: every question's field (default or given, unless omitted), the relation.
fn form(
    methodology: &Methodology,
    questionnaire: &Questionnaire,
    case: &Case,
    respondent: &Respondent,
) -> Vec<(String, String)> {
    let mut fields = vec![("token".to_string(), "ignored".to_string())];
    if let Some(relation) = &respondent.relation {
        fields.push(("relation".to_string(), relation.clone()));
    }
    for (item_code, sub) in questionnaire.columns() {
        if respondent.omit.contains(&sub.code) {
            continue;
        }
        let value = match respondent.answers.get(&sub.code) {
            Some(value) => value.clone(),
            None => {
                let item = methodology.items.iter().find(|item| item.code == item_code).unwrap();
                let scale = &item.sub_questions.iter().find(|s| s.code == sub.code).unwrap().scale;
                case.defaults.get(scale).unwrap_or_else(|| panic!("no default for scale {scale}")).clone()
            }
        };
        fields.push((sub.field.clone(), value));
    }
    for code in respondent.answers.keys() {
        assert!(
            questionnaire.columns().any(|(_, sub)| sub.code == *code),
            "the case answers {code}, which is not a question"
        );
    }
    fields
}

fn render_issue(issue: &AnswerIssue) -> String {
    format!("{} | {} | {}", issue.field(), issue.message(Lang::Th), issue.message(Lang::En))
}

fn check(path: &Path) {
    let name = path.file_name().unwrap().to_string_lossy().into_owned();
    let case: Case = toml::from_str(&std::fs::read_to_string(path).unwrap())
        .unwrap_or_else(|error| panic!("{name}: {error}"));
    let methodology = load(&case);
    let questionnaire = Questionnaire::new(&methodology, &case.instrument).unwrap();
    // `encoded`: rows stored through the questionnaire; `plain`: the same answers through ResponseSet::push.
    let mut encoded = ResponseSet::new(&methodology, &case.instrument).unwrap();
    let mut plain = ResponseSet::new(&methodology, &case.instrument).unwrap();
    for (number, respondent) in case.respondents.iter().enumerate() {
        let context = format!("{name}: respondent {}", number + 1);
        let fields = form(&methodology, &questionnaire, &case, respondent);
        match (questionnaire.parse(&fields), &respondent.issues) {
            (Ok(answers), None) => {
                if let Some(expected) = &respondent.encoded {
                    assert_eq!(&answers.encoded, expected, "{context}: encoded answers");
                }
                assert_eq!(answers.encoded.len(), questionnaire.column_count(), "{context}");
                let relation = if questionnaire.asks_relation() { respondent.relation.clone() } else { None };
                assert_eq!(answers.relation, relation, "{context}: relation");
                encoded.push_encoded(&answers.encoded, answers.relation.clone()).unwrap();
                let pairs: Vec<(&str, &str)> = fields
                    .iter()
                    .filter_map(|(field, value)| Some((field.strip_prefix("q.")?, value.as_str())))
                    .collect();
                plain.push(pairs, answers.relation).unwrap();
            }
            (Err(issues), Some(expected)) => {
                let found: Vec<String> = issues.iter().map(render_issue).collect();
                assert_eq!(&found, expected, "{context}: issues");
            }
            (Ok(answers), Some(expected)) => {
                panic!("{context}: accepted as {answers:?}, expected refusal {expected:#?}")
            }
            (Err(issues), None) => {
                panic!("{context}: refused: {:#?}", issues.iter().map(render_issue).collect::<Vec<_>>())
            }
        }
    }
    for row in &case.stored {
        let context = format!("{name}: stored row {:?}", row.encoded);
        let before = format!("{:?}", encoded.aggregate());
        match (encoded.push_encoded(&row.encoded, None), &row.problem) {
            (Ok(()), None) => {
                let options =
                    questionnaire.decode(&row.encoded).unwrap_or_else(|| panic!("{context}: decode"));
                let pairs: Vec<(&str, &str)> = questionnaire
                    .columns()
                    .zip(&options)
                    .map(|((_, sub), option)| (sub.code.as_str(), option.code.as_str()))
                    .collect();
                plain.push(pairs, None).unwrap();
            }
            (Err(problem), Some(expected)) => {
                assert_eq!(&format!("{problem:?}"), expected, "{context}");
                assert_eq!(
                    format!("{:?}", encoded.aggregate()),
                    before,
                    "{context}: a refused row changed the set"
                );
                assert!(questionnaire.decode(&row.encoded).is_none(), "{context}: decode accepts it");
            }
            (Ok(()), Some(expected)) => panic!("{context}: accepted, expected {expected}"),
            (Err(problem), None) => panic!("{context}: refused: {problem:?}"),
        }
    }
    // The two ways in give the same set.
    assert_eq!(
        format!("{:?}", encoded.aggregate()),
        format!("{:?}", plain.aggregate()),
        "{name}: round trip"
    );

    let scores = survey_scores(&methodology, &encoded).unwrap();
    assert_eq!(scores.respondents, case.expect.respondents, "{name}: respondents");
    assert_eq!(scores.showable(), case.expect.showable, "{name}: showable");
    let items: Vec<&str> = methodology
        .items
        .iter()
        .filter(|item| item.instrument == case.instrument)
        .map(|i| i.code.as_str())
        .collect();
    assert_eq!(
        scores.items.iter().map(|item| item.code.as_str()).collect::<Vec<_>>(),
        items,
        "{name}: items"
    );
    for item in &scores.items {
        let expected = match (case.expect.items.get(&item.code), &case.expect.item_default) {
            (Some(value), _) | (None, Some(value)) => exact(value),
            (None, None) => panic!("{name}: no expected score for {}", item.code),
        };
        assert_eq!(
            item.score.as_ref(),
            Some(&expected),
            "{name}: item {} ({:?})",
            item.code,
            item.score.as_ref().map(Exact::to_f64)
        );
        // Every question is required, so everyone answered every item.
        assert_eq!(item.answered, case.expect.respondents, "{name}: item {} answered", item.code);
    }
    for code in case.expect.items.keys() {
        assert!(items.contains(&code.as_str()), "{name}: expects unknown item {code}");
    }
    let expected: BTreeMap<u8, Exact> = case
        .expect
        .indicators
        .iter()
        .map(|(number, value)| (number.parse().unwrap(), exact(value)))
        .collect();
    assert_eq!(scores.indicators, expected, "{name}: indicators");
}

#[test]
fn every_case_gives_its_hand_computed_scores() {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(data_dir())
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|extension| extension == "toml"))
        .collect();
    paths.sort();
    assert!(paths.len() >= 5, "cases missing: {paths:?}");
    for path in &paths {
        check(path);
    }
}

#[test]
fn questionnaire_columns_are_the_response_set_columns_for_every_year_and_instrument() {
    let catalog = Catalog::builtin().unwrap();
    for methodology in catalog.list() {
        for instrument in ["IIT", "EIT"] {
            let context = format!("{} {instrument}", methodology.id());
            let questionnaire = Questionnaire::new(methodology, instrument).unwrap();
            let set = ResponseSet::new(methodology, instrument).unwrap();
            let columns: Vec<&str> = questionnaire.columns().map(|(_, sub)| sub.code.as_str()).collect();
            assert_eq!(columns, set.column_codes().collect::<Vec<_>>(), "{context}");
            assert_eq!(questionnaire.column_count(), columns.len(), "{context}");
            // The form shows every column once, grouped by indicator in the year's order, field `q.<code>`.
            let indicators: Vec<u8> = methodology.indicators_of(instrument).map(|i| i.number).collect();
            let groups: Vec<u8> = questionnaire.groups().iter().map(|group| group.indicator).collect();
            assert_eq!(groups, indicators, "{context}");
            let mut seen = vec![false; columns.len()];
            for group in questionnaire.groups() {
                assert!(!group.items.is_empty(), "{context}: indicator {} has no question", group.indicator);
                for question in &group.items {
                    let item = methodology.items.iter().find(|item| item.code == question.item_code).unwrap();
                    assert_eq!((item.indicator, item.instrument.as_str()), (group.indicator, instrument));
                    for sub in &question.sub_questions {
                        assert_eq!(columns[sub.column], sub.code, "{context}");
                        assert_eq!(sub.field, format!("q.{}", sub.code), "{context}");
                        assert!(!sub.options.is_empty(), "{context}: {} has no options", sub.code);
                        assert!(
                            !std::mem::replace(&mut seen[sub.column], true),
                            "{context}: {} twice",
                            sub.code
                        );
                    }
                }
            }
            assert!(seen.iter().all(|&shown| shown), "{context}: a column is not on the form");
            let relations: Vec<&str> = questionnaire.relations().iter().map(|r| r.code.as_str()).collect();
            if instrument == "EIT" {
                let expected: Vec<&str> = methodology.eit_relations.iter().map(|r| r.code.as_str()).collect();
                assert_eq!(relations, expected, "{context}");
                assert!(questionnaire.asks_relation(), "{context}");
            } else {
                assert!(relations.is_empty(), "{context}: IIT asks no relation");
            }
        }
    }
}

#[test]
fn only_survey_instruments_of_the_year_have_a_questionnaire() {
    let methodology = builtin(2565);
    let oit = Questionnaire::new(&methodology, "OIT").unwrap_err();
    assert_eq!(oit.field, "instrument");
    assert!(oit.message_th.contains("ไม่ใช่แบบสอบถาม"), "{oit}");
    let unknown = Questionnaire::new(&methodology, "XIT").unwrap_err();
    assert!(unknown.message_en.contains("no instrument XIT"), "{unknown}");
}

#[test]
fn a_scale_of_more_than_36_options_is_refused() {
    let text = std::fs::read_to_string(data_dir().join("years/mixed-2599.toml")).unwrap();
    let more: String = (12..37)
        .map(|k| format!("  {{ code = \"{k}\", name_th = \"{k}\", name_en = \"{k}\", score = 100 }},\n"))
        .collect();
    let anchor = "  { code = \"11\", name_th = \"11\", name_en = \"11\", score = 100 },\n";
    assert!(text.contains(anchor));
    let methodology =
        Methodology::parse("wide.toml", &text.replace(anchor, &format!("{anchor}{more}"))).unwrap();
    assert_eq!(methodology.scale("twelve").unwrap().options.len(), 37);
    let error = Questionnaire::new(&methodology, "IIT").unwrap_err();
    assert_eq!((error.file.as_str(), error.field.as_str()), ("wide.toml", "scales.twelve"));
    assert!(error.message_en.contains("37 options"), "{error}");

    // 36 options (indices up to `z`) are fine.
    let fewer: String = (12..36)
        .map(|k| format!("  {{ code = \"{k}\", name_th = \"{k}\", name_en = \"{k}\", score = 100 }},\n"))
        .collect();
    let methodology =
        Methodology::parse("wide.toml", &text.replace(anchor, &format!("{anchor}{fewer}"))).unwrap();
    let questionnaire = Questionnaire::new(&methodology, "IIT").unwrap();
    let fields: Vec<(String, String)> = [("q.I3", "35"), ("q.I1", "yes"), ("q.I2.1", "1"), ("q.I2.2", "no")]
        .iter()
        .map(|(field, value)| (field.to_string(), value.to_string()))
        .collect();
    assert_eq!(questionnaire.parse(&fields).unwrap().encoded, "z001");
}

#[test]
fn option_characters_run_0_to_9_then_a_to_z() {
    let characters: String = (0..36).map(|index| option_char(index).unwrap()).collect();
    assert_eq!(characters, "0123456789abcdefghijklmnopqrstuvwxyz");
    assert_eq!(option_char(36), None);
    for (index, character) in characters.bytes().enumerate() {
        assert_eq!(option_index(character), Some(index));
    }
    for byte in [b'A', b'Z', b'-', b' ', b'/', b':', b'{', 0, 255] {
        assert_eq!(option_index(byte), None, "{byte}");
    }
}

#[test]
fn groups_under_five_are_suppressed_and_zero_is_no_data() {
    assert_eq!(MIN_GROUP, 5);
    let suppressed_counts: Vec<usize> = (0..=7).filter(|&count| suppressed(count)).collect();
    assert_eq!(suppressed_counts, vec![1, 2, 3, 4]);
}

#[test]
fn sample_progress_follows_the_year_rule() {
    // 2565 (assumed rule): everyone up to 30; else 10 %, at least 30; at most 400.
    let methodology = builtin(2565);
    let rule = methodology.sample.get("IIT");
    let small = SampleProgress::new(rule, Some(25), 20);
    assert_eq!(
        (small.minimum, small.short_by(), small.percent(), small.reached()),
        (Some(25), Some(5), Some(80), false)
    );
    let middle = SampleProgress::new(rule, Some(500), 50);
    assert_eq!(
        (middle.minimum, middle.short_by(), middle.percent(), middle.reached()),
        (Some(50), Some(0), Some(100), true)
    );
    let floor = SampleProgress::new(rule, Some(120), 7);
    assert_eq!((floor.minimum, floor.short_by(), floor.percent()), (Some(30), Some(23), Some(23)));
    let capped = SampleProgress::new(rule, Some(9000), 600);
    assert_eq!(
        (capped.minimum, capped.short_by(), capped.percent(), capped.reached()),
        (Some(400), Some(0), Some(100), true)
    );
    let undeclared = SampleProgress::new(rule, None, 12);
    assert_eq!(
        (undeclared.minimum, undeclared.short_by(), undeclared.percent(), undeclared.reached()),
        (None, None, None, false)
    );
    let no_rule = SampleProgress::new(None, Some(100), 12);
    assert_eq!((no_rule.minimum, no_rule.short_by()), (None, None));
    let nobody = SampleProgress::new(rule, Some(0), 0);
    assert_eq!(
        (nobody.minimum, nobody.short_by(), nobody.percent(), nobody.reached()),
        (Some(0), Some(0), Some(100), true)
    );
}

/// Respondent `r` answers column `c` with option `(r * 7 + c * 3) % options`: varied, deterministic.
fn patterned(methodology: &Methodology, instrument: &str, respondents: usize) -> ResponseSet {
    let questionnaire = Questionnaire::new(methodology, instrument).unwrap();
    let mut set = ResponseSet::new(methodology, instrument).unwrap();
    for r in 0..respondents {
        let encoded: String = questionnaire
            .columns()
            .enumerate()
            .map(|(c, (_, sub))| option_char((r * 7 + c * 3) % sub.options.len()).unwrap())
            .collect();
        set.push_encoded(&encoded, None).unwrap();
    }
    set
}

#[test]
fn survey_scores_agree_with_the_scoring_of_the_year_for_every_year() {
    let catalog = Catalog::builtin().unwrap();
    for methodology in catalog.list() {
        let iit = patterned(methodology, "IIT", 13);
        let eit = patterned(methodology, "EIT", 8);
        let mut input = ScoreInput::default();
        for indicator in methodology.indicators.iter().filter(|i| i.instrument == "OIT") {
            input.indicators.insert(indicator.number, Exact::hundred());
        }
        input.responses.insert("IIT".into(), iit.clone());
        input.responses.insert("EIT".into(), eit.clone());
        let result = scoring::score(methodology, &input).unwrap();
        for set in [&iit, &eit] {
            let scores = survey_scores(methodology, set).unwrap();
            assert_eq!(scores.instrument, set.instrument());
            assert_eq!(scores.respondents, set.respondent_count());
            for (number, score) in &scores.indicators {
                let official = result.indicator(*number).unwrap();
                assert_eq!(score, &official.score, "{} indicator {number}", methodology.id());
                for item in scores.items.iter().filter(|item| item.indicator == *number) {
                    let found = official.items.iter().find(|candidate| candidate.code == item.code).unwrap();
                    assert_eq!(item.score, found.score, "{} {}", methodology.id(), item.code);
                    assert_eq!(item.answered, found.respondents, "{} {}", methodology.id(), item.code);
                }
            }
            let expected: Vec<u8> = methodology.indicators_of(set.instrument()).map(|i| i.number).collect();
            assert_eq!(scores.indicators.keys().copied().collect::<Vec<_>>(), expected);
        }
    }
}

#[test]
fn survey_scores_without_respondents_have_no_scores_and_other_layouts_are_refused() {
    let methodology = builtin(2565);
    let empty = ResponseSet::new(&methodology, "IIT").unwrap();
    let scores = survey_scores(&methodology, &empty).unwrap();
    assert_eq!(scores.respondents, 0);
    assert!(scores.indicators.is_empty());
    assert!(scores.items.iter().all(|item| item.score.is_none() && item.answered == 0));
    assert!(!scores.showable());

    let text = std::fs::read_to_string(data_dir().join("years/mixed-2599.toml")).unwrap();
    let mixed = Methodology::parse("mixed-2599.toml", &text).unwrap();
    let other = ResponseSet::new(&mixed, "IIT").unwrap();
    let error = survey_scores(&methodology, &other).unwrap_err();
    assert_eq!(error.field, "responses");
}

#[test]
fn unknown_fields_are_ignored_and_a_repeated_field_counts_once() {
    let text = std::fs::read_to_string(data_dir().join("years/mixed-2599.toml")).unwrap();
    let methodology = Methodology::parse("mixed-2599.toml", &text).unwrap();
    let questionnaire = Questionnaire::new(&methodology, "IIT").unwrap();
    let fields: Vec<(String, String)> = [
        ("q.I1", "no"),
        ("q.I1", "yes"),
        ("q.I2.1", "3"),
        ("q.I2.2", "yes"),
        ("q.I3", "0"),
        ("q.I99", "whatever"),
        ("lang", "en"),
        ("relation", "anything"),
    ]
    .iter()
    .map(|(field, value)| (field.to_string(), value.to_string()))
    .collect();
    let answers = questionnaire.parse(&fields).unwrap();
    assert_eq!(answers.encoded, "0120");
    assert_eq!(answers.relation, None);
    let options: Vec<&str> =
        questionnaire.decode(&answers.encoded).unwrap().iter().map(|option| option.code.as_str()).collect();
    assert_eq!(options, ["0", "no", "3", "yes"]);
    assert_eq!(questionnaire.name(Lang::Th), "แบบวัดภายใน");
    assert_eq!(questionnaire::field_name("I2.1"), "q.I2.1");
}

fn rows(widths: Vec<usize>) -> impl Strategy<Value = Vec<Vec<usize>>> {
    let row = widths.into_iter().map(|width| 0..width).collect::<Vec<_>>();
    prop::collection::vec(row, 0..12)
}

fn widths(year: u16, instrument: &str) -> Vec<usize> {
    let methodology = builtin(year);
    let questionnaire = Questionnaire::new(&methodology, instrument).unwrap();
    questionnaire.columns().map(|(_, sub)| sub.options.len()).collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Any answers posted through the form, stored encoded and read back, score as the same answers given to
    /// `ResponseSet::push`.
    #[test]
    fn the_form_and_push_give_the_same_scores(rows in rows(widths(2565, "IIT"))) {
        let methodology = builtin(2565);
        let questionnaire = Questionnaire::new(&methodology, "IIT").unwrap();
        let mut encoded = ResponseSet::new(&methodology, "IIT").unwrap();
        let mut plain = ResponseSet::new(&methodology, "IIT").unwrap();
        for row in &rows {
            let fields: Vec<(String, String)> = questionnaire
                .columns()
                .zip(row)
                .map(|((_, sub), &index)| (sub.field.clone(), sub.options[index].code.clone()))
                .collect();
            let answers = questionnaire.parse(&fields).unwrap();
            prop_assert_eq!(
                questionnaire.decode(&answers.encoded).unwrap().iter().map(|o| o.code.as_str()).collect::<Vec<_>>(),
                fields.iter().map(|(_, value)| value.as_str()).collect::<Vec<_>>()
            );
            encoded.push_encoded(&answers.encoded, None).unwrap();
            plain
                .push(fields.iter().map(|(field, value)| (&field[2..], value.as_str())), None)
                .unwrap();
        }
        prop_assert_eq!(format!("{:?}", encoded.aggregate()), format!("{:?}", plain.aggregate()));
    }
}
