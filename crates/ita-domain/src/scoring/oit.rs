//! OIT verdicts and their scores: an item passes or fails (or earns a share of its elements), a sub-indicator is
//! the percentage of its items' credit, and an indicator is the mean of its sub-indicators.
//!
//! "Mean of sub-indicators", not "items passed over all items": every published case agrees with the first
//! (97.78 = mean(8/9, 1, 1, 1, 1)) and not with the second.

use std::collections::BTreeMap;

use crate::error::{Error, ErrorKind, Result};
use crate::exact::Exact;
use crate::methodology::{Methodology, OitCredit};

/// ผลการพิจารณา: an assessor's verdict on one OIT item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Pass,
    Fail,
    /// Per element (numbered as in the year file): passed or not.
    Elements(BTreeMap<String, bool>),
}

impl Verdict {
    /// Reads `pass`, `fail`, `ผ่าน`, `ไม่ผ่าน`, `มี`, `ไม่มี`, `yes`, `no`, `1`, `0`, `true`, `false`.
    pub fn parse_word(word: &str) -> Option<bool> {
        match word.trim().to_lowercase().as_str() {
            "pass" | "passed" | "ผ่าน" | "มี" | "yes" | "y" | "1" | "true" | "100" => Some(true),
            "fail" | "failed" | "ไม่ผ่าน" | "ไม่มี" | "no" | "n" | "0" | "false" => {
                Some(false)
            }
            _ => None,
        }
    }
}

/// The verdicts given so far for one agency's OIT.
#[derive(Debug, Clone, Default)]
pub struct VerdictSet {
    verdicts: BTreeMap<String, Verdict>,
}

impl VerdictSet {
    pub fn new() -> VerdictSet {
        VerdictSet::default()
    }

    /// Records the verdict on `code`, checking the item and its elements against the year.
    pub fn insert(
        &mut self,
        methodology: &Methodology,
        code: &str,
        verdict: Verdict,
        file: &str,
        field: &str,
    ) -> Result<()> {
        let Some(item) = methodology.oit_item(code) else {
            return Err(Error::new(
                ErrorKind::Input,
                file,
                field,
                format!("ไม่มีข้อ {code} ในแบบวัดการเปิดเผยข้อมูลสาธารณะของปี {}", methodology.id()),
                format!("there is no OIT item {code} in year {}", methodology.id()),
            ));
        };
        if let Verdict::Elements(elements) = &verdict {
            for number in elements.keys() {
                if !item.elements.iter().any(|element| element.number == *number) {
                    let known: Vec<&str> =
                        item.elements.iter().map(|element| element.number.as_str()).collect();
                    return Err(Error::new(
                        ErrorKind::Input,
                        file,
                        field,
                        format!("ข้อ {code} ไม่มีองค์ประกอบ {number} (ที่มี: {})", known.join(", ")),
                        format!("item {code} has no element {number} (known: {})", known.join(", ")),
                    ));
                }
            }
        }
        if self.verdicts.insert(code.to_string(), verdict).is_some() {
            return Err(Error::new(
                ErrorKind::Input,
                file,
                field,
                format!("ข้อ {code} มีผลการพิจารณามากกว่าหนึ่งครั้ง"),
                format!("item {code} has more than one verdict"),
            ));
        }
        Ok(())
    }

    pub fn get(&self, code: &str) -> Option<&Verdict> {
        self.verdicts.get(code)
    }

    pub fn len(&self) -> usize {
        self.verdicts.len()
    }

    pub fn is_empty(&self) -> bool {
        self.verdicts.is_empty()
    }
}

/// One OIT item's credit, out of 100.
#[derive(Debug, Clone)]
pub struct OitItemScore {
    pub code: String,
    /// `None` until an assessor has judged it.
    pub score: Option<Exact>,
    pub passed: Option<bool>,
    /// How many of its elements passed, when judged per element.
    pub elements_passed: Option<(usize, usize)>,
}

/// One sub-indicator's score.
#[derive(Debug, Clone)]
pub struct SubIndicatorScore {
    pub code: String,
    pub score: Option<Exact>,
    pub items: Vec<OitItemScore>,
}

impl SubIndicatorScore {
    pub fn judged(&self) -> usize {
        self.items.iter().filter(|item| item.score.is_some()).count()
    }

    pub fn passed(&self) -> usize {
        self.items.iter().filter(|item| item.passed == Some(true)).count()
    }
}

/// The sub-indicator scores of one checklist indicator.
pub fn score_indicator(
    methodology: &Methodology,
    indicator: u8,
    verdicts: &VerdictSet,
) -> Vec<SubIndicatorScore> {
    methodology
        .sub_indicators_of(indicator)
        .map(|sub| {
            let items: Vec<OitItemScore> = methodology
                .oit_items_of(&sub.code)
                .map(|item| {
                    let element_count = item.elements.len();
                    let (score, passed, elements_passed) = match verdicts.get(&item.code) {
                        None => (None, None, None),
                        Some(Verdict::Pass) => (Some(Exact::hundred()), Some(true), None),
                        Some(Verdict::Fail) => (Some(Exact::zero()), Some(false), None),
                        Some(Verdict::Elements(elements)) => {
                            let passed_count = elements.values().filter(|passed| **passed).count();
                            let all_pass = passed_count == element_count;
                            let score = match methodology.scoring.oit_credit {
                                OitCredit::AllOrNothing => {
                                    if all_pass {
                                        Exact::hundred()
                                    } else {
                                        Exact::zero()
                                    }
                                }
                                OitCredit::PerElement => {
                                    Exact::ratio(100 * passed_count as i128, element_count.max(1) as i128)
                                }
                            };
                            (Some(score), Some(all_pass), Some((passed_count, element_count)))
                        }
                    };
                    OitItemScore { code: item.code.clone(), score, passed, elements_passed }
                })
                .collect();
            let score = Exact::mean(items.iter().filter_map(|item| item.score.as_ref()));
            SubIndicatorScore { code: sub.code.clone(), score, items }
        })
        .collect()
}
