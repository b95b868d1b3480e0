//! The analysis follows the year: 2569 chooses its one weakest indicator (O25); 2565 addresses every indicator
//! below the pass mark (O42); last year's evidence is offered again only for the item with the same stable key.

use ita_domain::Exact;
use ita_domain::analysis::indicators_to_address;
use ita_domain::methodology::{Catalog, MethodologyId, previous_item};
use ita_domain::scoring::{self, ScoreInput};

fn scores(values: [&str; 10]) -> ScoreInput {
    let mut input = ScoreInput::default();
    for (index, value) in values.into_iter().enumerate() {
        input.indicators.insert(u8::try_from(index + 1).unwrap(), Exact::parse(value).unwrap());
    }
    input
}

#[test]
fn the_2565_analysis_addresses_every_indicator_below_85_weakest_first() {
    let catalog = Catalog::builtin().unwrap();
    let methodology = catalog.get(&MethodologyId::nacc(2565)).unwrap();
    let input = scores(["100", "100", "100", "99.34", "97.77", "89.70", "88.91", "86.09", "85.29", "25.00"]);
    let result = scoring::score(methodology, &input).unwrap();
    assert_eq!(indicators_to_address(methodology, &result), vec![10]);
    assert_eq!(methodology.analysis.as_ref().unwrap().analysis_item, "O42");
}

#[test]
fn the_2569_analysis_chooses_the_one_lowest_indicator_and_is_o25() {
    let catalog = Catalog::builtin().unwrap();
    let methodology = catalog.get(&MethodologyId::nacc(2569)).unwrap();
    let input =
        scores(["96.12", "93.40", "95.05", "94.77", "92.18", "88.35", "84.10", "83.62", "93.33", "90.91"]);
    let result = scoring::score(methodology, &input).unwrap();
    assert_eq!(indicators_to_address(methodology, &result), vec![8]);
    let analysis = methodology.analysis.as_ref().unwrap();
    assert_eq!((analysis.analysis_item.as_str(), analysis.follow_up_item.as_str()), ("O25", "O26"));
    assert_eq!(methodology.oit_item("O25").unwrap().name_th, "การนำผลการประเมิน ITA ไปสู่การพัฒนาองค์กร");
}

#[test]
fn evidence_carries_over_only_to_the_item_with_the_same_key() {
    let catalog = Catalog::builtin().unwrap();
    let old = catalog.get(&MethodologyId::nacc(2568)).unwrap();
    let new = catalog.get(&MethodologyId::nacc(2569)).unwrap();
    // 2569 O11 (monthly procurement summary) must not inherit 2568 O11 (service statistics).
    let o11 = new.oit_item("O11").unwrap();
    assert!(previous_item(old, o11).is_none_or(|previous| previous.code != "O11"));
    // 2569 O12 continues 2568 O13 (the annual procurement report).
    let o12 = new.oit_item("O12").unwrap();
    assert_eq!(previous_item(old, o12).map(|previous| previous.code.as_str()), Some("O13"));
}
