//! IIT and EIT responses: one compact record per respondent, and their exact aggregation into item scores.
//!
//! Answers are held as option indices, one byte each, so that a national year (1.4 million respondents) fits in
//! memory. Each option's score is turned into whole "units" of 1/D (D the common denominator of the scale
//! scores, 3 for thirds), so that sums over respondents are integer additions and the result stays exact.

use std::collections::BTreeMap;

use num_integer::Integer;

use crate::error::{Error, ErrorKind, Result};
use crate::exact::Exact;
use crate::methodology::{Aggregation, Methodology};

const MISSING: u8 = u8::MAX;

/// Where one sub-question sits: its item, and its scale's options.
#[derive(Debug, Clone)]
struct Column {
    code: String,
    item: usize,
    /// The option codes and names that a respondent may give, in scale order.
    option_codes: Vec<String>,
    option_names: Vec<(String, String)>,
    /// Each option's score in units of 1/denominator.
    option_units: Vec<i64>,
}

/// All responses of one survey instrument (IIT or EIT) for one agency.
#[derive(Debug, Clone)]
pub struct ResponseSet {
    instrument: String,
    columns: Vec<Column>,
    item_codes: Vec<String>,
    denominator: i64,
    /// Respondent-major: `answers[r * columns.len() + c]` is an option index or `MISSING`.
    answers: Vec<u8>,
    /// Optional EIT relation code per respondent.
    relations: Vec<Option<String>>,
}

impl ResponseSet {
    /// An empty set for `instrument`, laid out from the year's items.
    pub fn new(methodology: &Methodology, instrument: &str) -> Result<ResponseSet> {
        let mut columns = Vec::new();
        let mut item_codes = Vec::new();
        let mut denominator: i64 = 1;
        for item in methodology.items.iter().filter(|item| item.instrument == instrument) {
            let item_index = item_codes.len();
            item_codes.push(item.code.clone());
            for sub_question in &item.sub_questions {
                let scale = methodology.scale(&sub_question.scale).expect("validated: every scale exists");
                for option in &scale.options {
                    let (_, option_denominator) = exact_parts(&option.score);
                    denominator = denominator.lcm(&option_denominator);
                }
                columns.push(Column {
                    code: sub_question.code.clone(),
                    item: item_index,
                    option_codes: scale.options.iter().map(|option| option.code.clone()).collect(),
                    option_names: scale
                        .options
                        .iter()
                        .map(|option| (option.name_th.clone(), option.name_en.clone()))
                        .collect(),
                    option_units: Vec::new(),
                });
            }
        }
        if columns.is_empty() {
            return Err(Error::new(
                ErrorKind::Request,
                &methodology.source,
                "items",
                format!("ปีนี้ไม่มีข้อคำถามของแบบวัด {instrument}"),
                format!("this year has no questions for instrument {instrument}"),
            ));
        }
        for column in &mut columns {
            let item =
                methodology.items.iter().find(|item| item.code == item_codes[column.item]).expect("present");
            let sub_question =
                item.sub_questions.iter().find(|sub| sub.code == column.code).expect("present");
            let scale = methodology.scale(&sub_question.scale).expect("validated");
            column.option_units = scale
                .options
                .iter()
                .map(|option| {
                    let (numerator, option_denominator) = exact_parts(&option.score);
                    numerator * (denominator / option_denominator)
                })
                .collect();
        }
        Ok(ResponseSet {
            instrument: instrument.to_string(),
            columns,
            item_codes,
            denominator,
            answers: Vec::new(),
            relations: Vec::new(),
        })
    }

    pub fn instrument(&self) -> &str {
        &self.instrument
    }

    pub fn respondent_count(&self) -> usize {
        self.relations.len()
    }

    /// The sub-question codes, in form order.
    pub fn column_codes(&self) -> impl Iterator<Item = &str> {
        self.columns.iter().map(|column| column.code.as_str())
    }

    /// Adds one respondent. `answers` pairs a sub-question code with an option code or the option's Thai or
    /// English name; an empty answer is a missing one. Nothing is added when any answer is wrong.
    pub fn push<'a>(
        &mut self,
        answers: impl IntoIterator<Item = (&'a str, &'a str)>,
        relation: Option<String>,
    ) -> std::result::Result<(), AnswerProblem> {
        let mut row = vec![MISSING; self.columns.len()];
        for (code, answer) in answers {
            let Some(position) = self.columns.iter().position(|column| column.code == code) else {
                return Err(AnswerProblem::UnknownQuestion { code: code.to_string() });
            };
            let answer = answer.trim();
            if answer.is_empty() {
                continue;
            }
            let column = &self.columns[position];
            let option = column.option_codes.iter().position(|option| option == answer).or_else(|| {
                column
                    .option_names
                    .iter()
                    .position(|(thai, english)| thai == answer || english.eq_ignore_ascii_case(answer))
            });
            match option {
                Some(index) => row[position] = u8::try_from(index).unwrap_or(MISSING),
                None => {
                    return Err(AnswerProblem::OutOfScale {
                        code: code.to_string(),
                        answer: answer.to_string(),
                        allowed: column.option_codes.clone(),
                    });
                }
            }
        }
        self.answers.extend(row);
        self.relations.push(relation);
        Ok(())
    }

    /// Adds one stored respondent: `encoded` holds one character per column in [`ResponseSet::column_codes`]
    /// order, the option's index in its scale (`0`-`9` then `a`-`z`), as
    /// [`crate::questionnaire::Questionnaire::parse`] writes it. A string of the wrong length or with a character
    /// outside its column's scale is refused and nothing is added. No allocation beyond the row itself.
    pub fn push_encoded(
        &mut self,
        encoded: &str,
        relation: Option<String>,
    ) -> std::result::Result<(), AnswerProblem> {
        let bytes = encoded.as_bytes();
        if bytes.len() != self.columns.len() {
            return Err(AnswerProblem::WrongLength { expected: self.columns.len(), found: bytes.len() });
        }
        let start = self.answers.len();
        self.answers.reserve(bytes.len());
        for (position, (column, &byte)) in self.columns.iter().zip(bytes).enumerate() {
            let index = match byte {
                b'0'..=b'9' => byte - b'0',
                b'a'..=b'z' => byte - b'a' + 10,
                _ => u8::MAX,
            };
            if usize::from(index) >= column.option_units.len() {
                self.answers.truncate(start);
                return Err(AnswerProblem::BadEncoding { position, code: column.code.clone() });
            }
            self.answers.push(index);
        }
        self.relations.push(relation);
        Ok(())
    }

    /// Respondents that gave an answer to this sub-question code, or `None` for an unknown code.
    pub fn answered_count(&self, code: &str) -> Option<usize> {
        let position = self.columns.iter().position(|column| column.code == code)?;
        Some(self.rows().filter(|row| row[position] != MISSING).count())
    }

    fn rows(&self) -> impl Iterator<Item = &[u8]> {
        self.answers.chunks_exact(self.columns.len().max(1))
    }

    /// The exact score of every item, and of every sub-question, with counts of missing answers.
    pub fn aggregate(&self) -> SurveyAggregate {
        let item_count = self.item_codes.len();
        // For each item: respondents grouped by how many sub-questions they answered, with their unit sums.
        let mut by_answered: Vec<BTreeMap<i64, (i128, i64)>> = vec![BTreeMap::new(); item_count];
        let mut partial: Vec<usize> = vec![0; item_count];
        let mut silent: Vec<usize> = vec![0; item_count];
        let mut column_sums: Vec<(i128, i64)> = vec![(0, 0); self.columns.len()];
        let mut item_sums: Vec<(i64, i64)> = vec![(0, 0); item_count];
        for row in self.rows() {
            item_sums.iter_mut().for_each(|sums| *sums = (0, 0));
            let mut sub_question_counts = vec![0i64; item_count];
            for (column, &answer) in self.columns.iter().zip(row) {
                sub_question_counts[column.item] += 1;
                if answer == MISSING {
                    continue;
                }
                let units = column.option_units[usize::from(answer)];
                item_sums[column.item].0 += units;
                item_sums[column.item].1 += 1;
            }
            for ((column, &answer), sums) in self.columns.iter().zip(row).zip(column_sums.iter_mut()) {
                if answer != MISSING {
                    sums.0 += i128::from(column.option_units[usize::from(answer)]);
                    sums.1 += 1;
                }
            }
            for (item, &(units, answered)) in item_sums.iter().enumerate() {
                if answered == 0 {
                    silent[item] += 1;
                    continue;
                }
                if answered < sub_question_counts[item] {
                    partial[item] += 1;
                }
                let entry = by_answered[item].entry(answered).or_insert((0, 0));
                entry.0 += i128::from(units);
                entry.1 += 1;
            }
        }
        let denominator = i128::from(self.denominator);
        let items = self
            .item_codes
            .iter()
            .enumerate()
            .map(|(item, code)| {
                let respondents: i64 = by_answered[item].values().map(|(_, count)| count).sum();
                let score = (respondents > 0).then(|| {
                    let mut sum = Exact::zero();
                    for (&answered, &(units, _)) in &by_answered[item] {
                        sum = sum + Exact::ratio(units, denominator * i128::from(answered));
                    }
                    sum / Exact::integer(respondents)
                });
                ItemAggregate {
                    code: code.clone(),
                    score,
                    respondents: usize::try_from(respondents).unwrap_or(0),
                    partial_respondents: partial[item],
                    silent_respondents: silent[item],
                }
            })
            .collect();
        let sub_questions = self
            .columns
            .iter()
            .zip(&column_sums)
            .map(|(column, &(units, answered))| SubQuestionAggregate {
                code: column.code.clone(),
                item: self.item_codes[column.item].clone(),
                score: (answered > 0).then(|| Exact::ratio(units, denominator * i128::from(answered))),
                respondents: usize::try_from(answered).unwrap_or(0),
            })
            .collect();
        SurveyAggregate { respondents: self.respondent_count(), items, sub_questions }
    }
}

/// Why a respondent's answers were refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AnswerProblem {
    UnknownQuestion {
        code: String,
    },
    OutOfScale {
        code: String,
        answer: String,
        allowed: Vec<String>,
    },
    /// A stored answer string whose length is not the number of sub-questions.
    WrongLength {
        expected: usize,
        found: usize,
    },
    /// A stored answer string with a character at `position` (sub-question `code`) outside its scale.
    BadEncoding {
        position: usize,
        code: String,
    },
}

impl AnswerProblem {
    /// The problem as an error at `file` and `field`.
    pub fn into_error(self, file: &str, field: &str) -> Error {
        match self {
            AnswerProblem::UnknownQuestion { code } => Error::new(
                ErrorKind::Input,
                file,
                field,
                format!("ไม่มีข้อคำถามรหัส {code} ในแบบวัดของปีนี้"),
                format!("there is no question {code} in this year's survey"),
            ),
            AnswerProblem::OutOfScale { code, answer, allowed } => Error::new(
                ErrorKind::Input,
                file,
                field,
                format!("คำตอบ {answer:?} ของข้อ {code} อยู่นอกมาตราวัด (ใช้ได้: {})", allowed.join(", ")),
                format!("answer {answer:?} to {code} is outside its scale (allowed: {})", allowed.join(", ")),
            ),
            AnswerProblem::WrongLength { expected, found } => Error::new(
                ErrorKind::Input,
                file,
                field,
                format!("คำตอบที่บันทึกไว้มี {found} ข้อ แต่แบบวัดของปีนี้มี {expected} ข้อ"),
                format!("a stored response has {found} answers where this year's survey has {expected}"),
            ),
            AnswerProblem::BadEncoding { position, code } => Error::new(
                ErrorKind::Input,
                file,
                field,
                format!("คำตอบที่บันทึกไว้ของข้อ {code} (ลำดับที่ {}) อยู่นอกมาตราวัด", position + 1),
                format!("the stored answer to {code} (position {}) is outside its scale", position + 1),
            ),
        }
    }
}

/// Item and sub-question scores of one survey instrument.
#[derive(Debug, Clone)]
pub struct SurveyAggregate {
    pub respondents: usize,
    pub items: Vec<ItemAggregate>,
    pub sub_questions: Vec<SubQuestionAggregate>,
}

#[derive(Debug, Clone)]
pub struct ItemAggregate {
    pub code: String,
    /// `None` when nobody answered the item.
    pub score: Option<Exact>,
    pub respondents: usize,
    /// Respondents who answered some but not all of its sub-questions (their mean is over what they answered).
    pub partial_respondents: usize,
    /// Respondents who answered none of it (left out of its score).
    pub silent_respondents: usize,
}

#[derive(Debug, Clone)]
pub struct SubQuestionAggregate {
    pub code: String,
    pub item: String,
    pub score: Option<Exact>,
    pub respondents: usize,
}

impl SurveyAggregate {
    /// Published item scores (what ITAS shows per item) as an aggregate: each sub-question carries its item's
    /// score, which gives the same indicator under either aggregation rule.
    pub fn from_item_scores(
        methodology: &Methodology,
        instrument: &str,
        scores: &BTreeMap<String, Exact>,
    ) -> SurveyAggregate {
        let mut items = Vec::new();
        let mut sub_questions = Vec::new();
        for item in methodology.items.iter().filter(|item| item.instrument == instrument) {
            let score = scores.get(&item.code).cloned();
            for sub_question in &item.sub_questions {
                sub_questions.push(SubQuestionAggregate {
                    code: sub_question.code.clone(),
                    item: item.code.clone(),
                    score: score.clone(),
                    respondents: 0,
                });
            }
            items.push(ItemAggregate {
                code: item.code.clone(),
                score,
                respondents: 0,
                partial_respondents: 0,
                silent_respondents: 0,
            });
        }
        SurveyAggregate { respondents: 0, items, sub_questions }
    }

    /// An indicator's score from its items (or sub-questions), with each item's share of the indicator.
    pub fn indicator_score(
        &self,
        methodology: &Methodology,
        indicator: u8,
    ) -> (Option<Exact>, BTreeMap<String, Exact>) {
        let item_codes: Vec<&str> = methodology.items_of(indicator).map(|item| item.code.as_str()).collect();
        let mut shares = BTreeMap::new();
        match methodology.scoring.aggregation {
            Aggregation::Item => {
                let scored: Vec<&ItemAggregate> = self
                    .items
                    .iter()
                    .filter(|item| item_codes.contains(&item.code.as_str()) && item.score.is_some())
                    .collect();
                let count = scored.len() as i64;
                for item in &scored {
                    shares.insert(item.code.clone(), Exact::ratio(1, i128::from(count)));
                }
                (Exact::mean(scored.iter().filter_map(|item| item.score.as_ref())), shares)
            }
            Aggregation::SubQuestion => {
                let scored: Vec<&SubQuestionAggregate> = self
                    .sub_questions
                    .iter()
                    .filter(|sub| item_codes.contains(&sub.item.as_str()) && sub.score.is_some())
                    .collect();
                let count = scored.len() as i128;
                for sub in &scored {
                    let share = shares.entry(sub.item.clone()).or_insert_with(Exact::zero);
                    *share = &*share + &Exact::ratio(1, count);
                }
                (Exact::mean(scored.iter().filter_map(|sub| sub.score.as_ref())), shares)
            }
        }
    }
}

/// Numerator and denominator of a scale score; the loader refuses scores whose parts do not fit.
fn exact_parts(value: &Exact) -> (i64, i64) {
    value.to_i64_parts().expect("validated: scale scores have small numerators and denominators")
}
