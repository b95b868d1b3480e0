//! Properties every scoring must keep, on generated responses and verdicts: scores stay within 0..100, a better
//! answer never lowers a score, the order of respondents changes nothing, and the best answers give 100.

use ita_domain::Exact;
use ita_domain::methodology::{Catalog, Methodology, MethodologyId};
use ita_domain::scoring::{self, ResponseSet, ScoreInput, ScoreResult, Verdict, VerdictSet};
use proptest::prelude::*;

fn methodology(year: u16) -> Methodology {
    Catalog::builtin().unwrap().get(&MethodologyId::nacc(year)).unwrap().clone()
}

/// Every sub-question of a survey instrument with its options, ordered by score (worst first).
fn columns(methodology: &Methodology, instrument: &str) -> Vec<(String, Vec<(String, Exact)>)> {
    methodology
        .items
        .iter()
        .filter(|item| item.instrument == instrument)
        .flat_map(|item| item.sub_questions.iter())
        .map(|sub| {
            let scale = methodology.scale(&sub.scale).unwrap();
            let mut options: Vec<(String, Exact)> =
                scale.options.iter().map(|option| (option.code.clone(), option.score.clone())).collect();
            options.sort_by(|a, b| a.1.cmp(&b.1));
            (sub.code.clone(), options)
        })
        .collect()
}

/// A respondent's answers as ranks into each column's options (worst = 0), `None` for no answer.
type Ranks = Vec<Option<usize>>;

fn response_set(methodology: &Methodology, instrument: &str, respondents: &[Ranks]) -> ResponseSet {
    let columns = columns(methodology, instrument);
    let mut set = ResponseSet::new(methodology, instrument).unwrap();
    for ranks in respondents {
        let answers: Vec<(&str, &str)> = columns
            .iter()
            .zip(ranks)
            .filter_map(|((code, options), rank)| {
                rank.map(|rank| (code.as_str(), options[rank.min(options.len() - 1)].0.as_str()))
            })
            .collect();
        set.push(answers, None).unwrap();
    }
    set
}

fn verdict_set(methodology: &Methodology, passes: &[bool]) -> VerdictSet {
    let mut set = VerdictSet::new();
    for (item, passed) in methodology.oit_items.iter().zip(passes.iter().cycle()) {
        let verdict = if *passed { Verdict::Pass } else { Verdict::Fail };
        set.insert(methodology, &item.code, verdict, "test", "verdicts").unwrap();
    }
    set
}

fn score_all(methodology: &Methodology, iit: &[Ranks], eit: &[Ranks], passes: &[bool]) -> ScoreResult {
    let mut input = ScoreInput::default();
    input.responses.insert("IIT".into(), response_set(methodology, "IIT", iit));
    input.responses.insert("EIT".into(), response_set(methodology, "EIT", eit));
    input.verdicts = Some(verdict_set(methodology, passes));
    scoring::score(methodology, &input).unwrap()
}

/// Every score of a result, flattened: items, indicators, instruments, total.
fn all_scores(result: &ScoreResult) -> Vec<Exact> {
    let mut scores = Vec::new();
    for indicator in &result.indicators {
        scores.push(indicator.score.clone());
        scores.extend(indicator.items.iter().filter_map(|item| item.score.clone()));
        scores.extend(indicator.sub_indicators.iter().filter_map(|sub| sub.score.clone()));
    }
    scores.extend(result.instruments.iter().map(|instrument| instrument.score.clone()));
    scores.push(result.total.clone());
    scores
}

/// Respondents who answer every sub-question (so that every item and indicator has a score), with some
/// answers left out at random.
fn respondents(width: usize) -> impl Strategy<Value = Vec<Ranks>> {
    let full =
        prop::collection::vec(0usize..4, width).prop_map(|ranks| ranks.into_iter().map(Some).collect());
    let sparse = prop::collection::vec(prop::option::weighted(0.8, 0usize..4), width);
    (full, prop::collection::vec(sparse, 0..6)).prop_map(|(first, mut rest): (Ranks, Vec<Ranks>)| {
        rest.insert(0, first);
        rest
    })
}

fn widths(year: u16) -> (usize, usize) {
    let methodology = methodology(year);
    (columns(&methodology, "IIT").len(), columns(&methodology, "EIT").len())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn every_score_lies_within_0_and_100(
        iit in respondents(widths(2565).0),
        eit in respondents(widths(2565).1),
        passes in prop::collection::vec(any::<bool>(), 1..43),
    ) {
        let methodology = methodology(2565);
        let result = score_all(&methodology, &iit, &eit, &passes);
        for score in all_scores(&result) {
            prop_assert!(!score.is_negative() && score <= Exact::hundred(), "{score} out of range");
        }
    }

    #[test]
    fn a_better_answer_never_lowers_any_score(
        iit in respondents(widths(2565).0),
        eit in respondents(widths(2565).1),
        passes in prop::collection::vec(any::<bool>(), 1..43),
        which_respondent in any::<prop::sample::Index>(),
        which_column in any::<prop::sample::Index>(),
    ) {
        let methodology = methodology(2565);
        let before = score_all(&methodology, &iit, &eit, &passes);
        let mut raised = iit;
        let respondent = which_respondent.index(raised.len());
        let column = which_column.index(raised[respondent].len());
        if let Some(rank) = raised[respondent][column] {
            raised[respondent][column] = Some((rank + 1).min(3));
        }
        let after = score_all(&methodology, &raised, &eit, &passes);
        for (old, new) in all_scores(&before).iter().zip(all_scores(&after).iter()) {
            prop_assert!(new >= old, "a score fell from {old} to {new}");
        }
    }

    #[test]
    fn the_order_of_respondents_changes_nothing(
        iit in respondents(widths(2565).0),
        eit in respondents(widths(2565).1),
        passes in prop::collection::vec(any::<bool>(), 1..43),
        rotation in any::<prop::sample::Index>(),
    ) {
        let methodology = methodology(2565);
        let before = score_all(&methodology, &iit, &eit, &passes);
        let mut reordered = iit;
        let shift = rotation.index(reordered.len());
        reordered.rotate_left(shift);
        reordered.reverse();
        let after = score_all(&methodology, &reordered, &eit, &passes);
        prop_assert_eq!(all_scores(&before), all_scores(&after));
    }

    #[test]
    fn passing_one_more_oit_item_never_lowers_the_total(
        passes in prop::collection::vec(any::<bool>(), 43),
        which in any::<prop::sample::Index>(),
    ) {
        let methodology = methodology(2565);
        let iit = vec![vec![Some(3); widths(2565).0]];
        let eit = vec![vec![Some(3); widths(2565).1]];
        let before = score_all(&methodology, &iit, &eit, &passes);
        let mut more = passes;
        more[which.index(43)] = true;
        let after = score_all(&methodology, &iit, &eit, &more);
        prop_assert!(after.total >= before.total);
    }
}

#[test]
fn the_best_answers_and_every_item_passed_give_100_in_every_year() {
    for year in [2562, 2563, 2564, 2565] {
        let methodology = methodology(year);
        let (iit_width, eit_width) = widths(year);
        let best_iit = vec![vec![Some(3); iit_width]; 3];
        let best_eit = vec![vec![Some(3); eit_width]; 2];
        let result = score_all(&methodology, &best_iit, &best_eit, &[true]);
        for score in all_scores(&result) {
            assert_eq!(score, Exact::hundred(), "year {year}");
        }
        assert_eq!(result.level.decided(), Some(methodology.levels[0].code.as_str()), "year {year}");
    }
}

#[test]
fn the_worst_answers_and_every_item_failed_give_0() {
    let methodology = methodology(2565);
    let (iit_width, eit_width) = widths(2565);
    let result = score_all(&methodology, &[vec![Some(0); iit_width]], &[vec![Some(0); eit_width]], &[false]);
    assert_eq!(result.total, Exact::zero());
    assert_eq!(result.level.decided(), Some("F"));
}
