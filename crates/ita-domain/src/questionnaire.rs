//! แบบสอบถามออนไลน์: the IIT and EIT questionnaires built from a methodology year, the checking of a posted
//! form, the compact encoding of one respondent's answers, scores from stored responses, the smallest group a
//! page may show, and progress towards the minimum sample.
//!
//! One respondent's answers are stored as a short string, one character per sub-question in exactly
//! [`ResponseSet`]'s column order: the option's index in its scale, `0`-`9` then `a`-`z`. The questionnaire writes
//! it ([`Questionnaire::parse`]) and [`ResponseSet::push_encoded`] reads it back without a lookup per answer.

use std::collections::{BTreeMap, HashMap};

use crate::error::{Error, ErrorKind, Result};
use crate::exact::Exact;
use crate::lang::Lang;
use crate::methodology::{InstrumentKind, Methodology, Relation, SampleRule};
use crate::scoring::ResponseSet;

/// The smallest group of respondents any page or export may show a figure of: fewer would let colleagues guess
/// who answered what.
pub const MIN_GROUP: usize = 5;

/// Whether a figure over `count` respondents must be withheld: true for 1 to 4. Zero respondents is "no data
/// yet", not suppressed: a page says nobody has answered, which reveals nothing about anyone.
pub fn suppressed(count: usize) -> bool {
    count > 0 && count < MIN_GROUP
}

/// The most options a scale may have: one character per answer, `0`-`9` then `a`-`z`.
pub const MAX_OPTIONS: usize = 36;

/// The character that stores option index `index`, or `None` past [`MAX_OPTIONS`].
pub fn option_char(index: usize) -> Option<char> {
    match index {
        0..=9 => Some(char::from(b'0' + index as u8)),
        10..=35 => Some(char::from(b'a' + (index - 10) as u8)),
        _ => None,
    }
}

/// The option index a stored byte stands for, or `None` for a byte that is not `0`-`9` or `a`-`z`.
pub fn option_index(byte: u8) -> Option<usize> {
    match byte {
        b'0'..=b'9' => Some(usize::from(byte - b'0')),
        b'a'..=b'z' => Some(usize::from(byte - b'a') + 10),
        _ => None,
    }
}

/// The form field that carries the answer to sub-question `code`: `q.I1.1`.
pub fn field_name(code: &str) -> String {
    format!("q.{code}")
}

/// The form field of the EIT respondent's relation to the agency.
pub const RELATION_FIELD: &str = "relation";

/// แบบสอบถาม: one instrument's questionnaire (IIT or EIT) of one methodology year.
#[derive(Debug, Clone)]
pub struct Questionnaire {
    instrument: String,
    name_th: String,
    name_en: String,
    groups: Vec<QuestionGroup>,
    relations: Vec<Relation>,
    /// Per stored column (ResponseSet order): where its sub-question sits, `(group, item, sub-question)`.
    columns: Vec<(usize, usize, usize)>,
}

/// ตัวชี้วัด: the questions of one indicator, shown together.
#[derive(Debug, Clone)]
pub struct QuestionGroup {
    pub indicator: u8,
    pub name_th: String,
    pub name_en: String,
    pub items: Vec<Question>,
}

/// ข้อคำถาม: one item, with its sub-questions (an item asked as a whole has one, under its own code and with
/// empty text: show the item's text only).
#[derive(Debug, Clone)]
pub struct Question {
    pub item_code: String,
    pub text_th: String,
    pub text_en: String,
    pub sub_questions: Vec<SubQuestionView>,
}

/// ข้อย่อย: one answerable question and its options.
#[derive(Debug, Clone)]
pub struct SubQuestionView {
    pub code: String,
    /// The form field: `q.<code>`.
    pub field: String,
    /// Empty for the one sub-question of an item asked as a whole.
    pub text_th: String,
    pub text_en: String,
    /// Its position in the encoded answer string.
    pub column: usize,
    pub options: Vec<OptionView>,
}

/// ตัวเลือก: one option of a sub-question's scale; `code` is the value the form posts.
#[derive(Debug, Clone)]
pub struct OptionView {
    pub code: String,
    pub name_th: String,
    pub name_en: String,
}

/// A respondent's checked answers: ready to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answers {
    /// One character per column in [`ResponseSet`] order: the option index, `0`-`9` then `a`-`z`.
    pub encoded: String,
    /// The EIT respondent's relation code; always `None` for IIT.
    pub relation: Option<String>,
}

/// One problem with a posted form, tied to the field it is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AnswerIssue {
    /// A question left unanswered.
    Missing { field: String, code: String },
    /// An answer that is not one of the question's options (a tampered or outdated form).
    OutOfScale { field: String, code: String, answer: String },
    /// EIT without the respondent's relation.
    MissingRelation,
    /// A relation that is not one of the year's.
    UnknownRelation(String),
}

impl AnswerIssue {
    /// The form field the issue is about (`q.I1.1`, `relation`), to show it next to its question.
    pub fn field(&self) -> &str {
        match self {
            AnswerIssue::Missing { field, .. } | AnswerIssue::OutOfScale { field, .. } => field,
            AnswerIssue::MissingRelation | AnswerIssue::UnknownRelation(_) => RELATION_FIELD,
        }
    }

    /// What is wrong and what to do, in Thai or English.
    pub fn message(&self, lang: Lang) -> String {
        match (self, lang) {
            (AnswerIssue::Missing { code, .. }, Lang::Th) => format!("กรุณาตอบข้อ {code}"),
            (AnswerIssue::Missing { code, .. }, Lang::En) => format!("Please answer question {code}"),
            (AnswerIssue::OutOfScale { code, .. }, Lang::Th) => {
                format!("คำตอบข้อ {code} ไม่ตรงกับตัวเลือกที่กำหนด กรุณาเลือกคำตอบใหม่")
            }
            (AnswerIssue::OutOfScale { code, .. }, Lang::En) => {
                format!("The answer to question {code} is not one of its options: please choose again")
            }
            (AnswerIssue::MissingRelation, Lang::Th) => "กรุณาระบุความเกี่ยวข้องของท่านกับหน่วยงาน".to_string(),
            (AnswerIssue::MissingRelation, Lang::En) => {
                "Please say how you are related to the agency".to_string()
            }
            (AnswerIssue::UnknownRelation(_), Lang::Th) => {
                "ความเกี่ยวข้องกับหน่วยงานที่ระบุไม่ตรงกับตัวเลือกที่กำหนด กรุณาเลือกใหม่".to_string()
            }
            (AnswerIssue::UnknownRelation(_), Lang::En) => {
                "The relation to the agency given is not one of the choices: please choose again".to_string()
            }
        }
    }
}

impl Questionnaire {
    /// The questionnaire of `instrument` (a survey instrument of the year: `IIT`, `EIT`): one group per
    /// indicator in the year's order, each item with its sub-questions and their scales' options.
    pub fn new(methodology: &Methodology, instrument: &str) -> Result<Questionnaire> {
        let request_error = |th: String, en: String| {
            Error::new(ErrorKind::Request, &methodology.source, "instrument", th, en)
        };
        let Some(found) = methodology.instrument(instrument) else {
            return Err(request_error(
                format!("ปี {} ไม่มีแบบวัด {instrument}", methodology.id()),
                format!("year {} has no instrument {instrument}", methodology.id()),
            ));
        };
        if found.kind != InstrumentKind::Survey {
            return Err(request_error(
                format!("แบบวัด {instrument} ของปี {} ไม่ใช่แบบสอบถาม", methodology.id()),
                format!("instrument {instrument} of year {} is not a survey", methodology.id()),
            ));
        }
        // Stored column order is ResponseSet's: the year's items of the instrument in file order, then their
        // sub-questions. Display order groups them by indicator; `columns` maps one onto the other.
        let set = ResponseSet::new(methodology, instrument)?;
        let mut groups = Vec::new();
        let mut places: HashMap<&str, (usize, usize, usize)> = HashMap::new();
        for indicator in methodology.indicators_of(instrument) {
            let group_index = groups.len();
            let mut items = Vec::new();
            for item in methodology.items_of(indicator.number).filter(|item| item.instrument == instrument) {
                let mut sub_questions = Vec::new();
                for sub_question in &item.sub_questions {
                    let scale =
                        methodology.scale(&sub_question.scale).expect("validated: every scale exists");
                    if scale.options.len() > MAX_OPTIONS {
                        return Err(Error::new(
                            ErrorKind::Methodology,
                            &methodology.source,
                            format!("scales.{}", scale.code),
                            format!(
                                "มาตราวัด {} มีตัวเลือก {} ข้อ เกินกว่าที่แบบสอบถามออนไลน์รองรับ ({MAX_OPTIONS} ข้อ)",
                                scale.code,
                                scale.options.len()
                            ),
                            format!(
                                "scale {} has {} options, more than an online questionnaire can store ({MAX_OPTIONS})",
                                scale.code,
                                scale.options.len()
                            ),
                        ));
                    }
                    places.insert(&sub_question.code, (group_index, items.len(), sub_questions.len()));
                    sub_questions.push(SubQuestionView {
                        code: sub_question.code.clone(),
                        field: field_name(&sub_question.code),
                        text_th: sub_question.text_th.clone(),
                        text_en: sub_question.text_en.clone(),
                        column: usize::MAX,
                        options: scale
                            .options
                            .iter()
                            .map(|option| OptionView {
                                code: option.code.clone(),
                                name_th: option.name_th.clone(),
                                name_en: option.name_en.clone(),
                            })
                            .collect(),
                    });
                }
                items.push(Question {
                    item_code: item.code.clone(),
                    text_th: item.text_th.clone(),
                    text_en: item.text_en.clone(),
                    sub_questions,
                });
            }
            groups.push(QuestionGroup {
                indicator: indicator.number,
                name_th: indicator.name_th.clone(),
                name_en: indicator.name_en.clone(),
                items,
            });
        }
        let mut columns = Vec::new();
        for (column, code) in set.column_codes().enumerate() {
            let Some(&(group, item, sub)) = places.get(code) else {
                return Err(Error::new(
                    ErrorKind::Methodology,
                    &methodology.source,
                    "items",
                    format!("ข้อย่อย {code} ของแบบวัด {instrument} ไม่อยู่ในตัวชี้วัดใดของแบบวัดนี้"),
                    format!("sub-question {code} of {instrument} is under none of its indicators"),
                ));
            };
            groups[group].items[item].sub_questions[sub].column = column;
            columns.push((group, item, sub));
        }
        let relations = if instrument == "EIT" { methodology.eit_relations.clone() } else { Vec::new() };
        Ok(Questionnaire {
            instrument: instrument.to_string(),
            name_th: found.name_th.clone(),
            name_en: found.name_en.clone(),
            groups,
            relations,
            columns,
        })
    }

    pub fn instrument(&self) -> &str {
        &self.instrument
    }

    /// The instrument's name (แบบวัดการรับรู้ของผู้มีส่วนได้ส่วนเสียภายใน ...).
    pub fn name(&self, lang: Lang) -> &str {
        lang.pick(&self.name_th, &self.name_en)
    }

    /// One group per indicator, in the year's order.
    pub fn groups(&self) -> &[QuestionGroup] {
        &self.groups
    }

    /// The relations an EIT respondent chooses from; empty for IIT (which asks none).
    pub fn relations(&self) -> &[Relation] {
        &self.relations
    }

    /// Whether the form asks the respondent's relation (EIT of a year that lists relations).
    pub fn asks_relation(&self) -> bool {
        !self.relations.is_empty()
    }

    /// Sub-questions, that is characters of the encoded answers.
    pub fn column_count(&self) -> usize {
        self.columns.len()
    }

    /// Every sub-question in stored column order (= [`ResponseSet::column_codes`]), with its item code.
    pub fn columns(&self) -> impl Iterator<Item = (&str, &SubQuestionView)> {
        self.columns.iter().map(|&(group, item, sub)| {
            let question = &self.groups[group].items[item];
            (question.item_code.as_str(), &question.sub_questions[sub])
        })
    }

    /// Checks a posted form. `fields` are its (name, value) pairs; question fields are named `q.<sub-question
    /// code>` with an option code as value, the relation field `relation`. Every question is required; an EIT
    /// form of a year with relations requires one of them; unknown fields are ignored (IIT's `relation` too).
    /// Every problem is returned at once, in form order.
    pub fn parse(&self, fields: &[(String, String)]) -> std::result::Result<Answers, Vec<AnswerIssue>> {
        let mut posted: HashMap<&str, &str> = HashMap::with_capacity(fields.len());
        for (name, value) in fields {
            // The first value of a field counts: a form has one of each, a repeated one is tampering.
            posted.entry(name.as_str()).or_insert(value.as_str());
        }
        let mut issues = Vec::new();
        if self.asks_relation() {
            match posted.get(RELATION_FIELD).map(|value| value.trim()) {
                None | Some("") => issues.push(AnswerIssue::MissingRelation),
                Some(code) if !self.relations.iter().any(|relation| relation.code == code) => {
                    issues.push(AnswerIssue::UnknownRelation(code.to_string()));
                }
                Some(_) => {}
            }
        }
        let mut indices: Vec<Option<usize>> = vec![None; self.columns.len()];
        for group in &self.groups {
            for question in &group.items {
                for sub in &question.sub_questions {
                    match posted.get(sub.field.as_str()).map(|value| value.trim()) {
                        None | Some("") => {
                            issues.push(AnswerIssue::Missing {
                                field: sub.field.clone(),
                                code: sub.code.clone(),
                            });
                        }
                        Some(answer) => match sub.options.iter().position(|option| option.code == answer) {
                            Some(index) => indices[sub.column] = Some(index),
                            None => issues.push(AnswerIssue::OutOfScale {
                                field: sub.field.clone(),
                                code: sub.code.clone(),
                                answer: answer.to_string(),
                            }),
                        },
                    }
                }
            }
        }
        if !issues.is_empty() {
            return Err(issues);
        }
        let encoded = indices
            .into_iter()
            .map(|index| option_char(index.expect("every column answered")).expect("checked at new"))
            .collect();
        let relation = if self.asks_relation() {
            posted.get(RELATION_FIELD).map(|value| value.trim().to_string())
        } else {
            None
        };
        Ok(Answers { encoded, relation })
    }

    /// The options a stored answer string stands for, in column order; `None` when it does not fit this
    /// questionnaire (wrong length, or a character outside a scale).
    pub fn decode(&self, encoded: &str) -> Option<Vec<&OptionView>> {
        if encoded.len() != self.columns.len() {
            return None;
        }
        self.columns()
            .zip(encoded.bytes())
            .map(|((_, sub), byte)| option_index(byte).and_then(|index| sub.options.get(index)))
            .collect()
    }
}

/// Scores of one instrument from its responses: per item (as ITAS shows them) and per indicator.
#[derive(Debug, Clone)]
pub struct SurveyScores {
    pub instrument: String,
    pub respondents: usize,
    /// Indicators of the instrument that have a score (left out while nobody answered).
    pub indicators: BTreeMap<u8, Exact>,
    /// Every item of the instrument, in the year's order.
    pub items: Vec<ItemScore>,
}

impl SurveyScores {
    /// Whether a page or export may show these scores: at least [`MIN_GROUP`] respondents.
    pub fn showable(&self) -> bool {
        self.respondents >= MIN_GROUP
    }
}

/// One item's score.
#[derive(Debug, Clone)]
pub struct ItemScore {
    pub code: String,
    pub indicator: u8,
    pub text_th: String,
    pub text_en: String,
    /// `None` while nobody answered it.
    pub score: Option<Exact>,
    /// Respondents who answered at least one of its sub-questions.
    pub answered: usize,
}

/// Item and indicator scores of `responses`, by the same arithmetic as [`crate::scoring::score`]: items from
/// [`ResponseSet::aggregate`], indicators by the year's aggregation rule.
pub fn survey_scores(methodology: &Methodology, responses: &ResponseSet) -> Result<SurveyScores> {
    let instrument = responses.instrument();
    let expected = methodology
        .items
        .iter()
        .filter(|item| item.instrument == instrument)
        .flat_map(|item| item.sub_questions.iter().map(|sub_question| sub_question.code.as_str()));
    if !expected.eq(responses.column_codes()) {
        return Err(Error::new(
            ErrorKind::Input,
            &methodology.source,
            "responses",
            format!("คำตอบแบบวัด {instrument} ไม่ได้จัดตามข้อคำถามของปี {}", methodology.id()),
            format!("the {instrument} responses are not laid out for year {}", methodology.id()),
        ));
    }
    let aggregate = responses.aggregate();
    let mut indicators = BTreeMap::new();
    for indicator in methodology.indicators_of(instrument) {
        if let (Some(score), _) = aggregate.indicator_score(methodology, indicator.number) {
            indicators.insert(indicator.number, score);
        }
    }
    let items = methodology
        .items
        .iter()
        .filter(|item| item.instrument == instrument)
        .map(|item| {
            let found = aggregate.items.iter().find(|candidate| candidate.code == item.code);
            ItemScore {
                code: item.code.clone(),
                indicator: item.indicator,
                text_th: item.text_th.clone(),
                text_en: item.text_en.clone(),
                score: found.and_then(|found| found.score.clone()),
                answered: found.map_or(0, |found| found.respondents),
            }
        })
        .collect();
    Ok(SurveyScores {
        instrument: instrument.to_string(),
        respondents: aggregate.respondents,
        indicators,
        items,
    })
}

/// ความคืบหน้าของกลุ่มตัวอย่าง: responses so far against the year's minimum sample.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SampleProgress {
    /// The declared population (IIT: staff of at least a year; EIT: the estimate of service users).
    pub population: Option<u32>,
    /// The minimum sample, when the year has a rule and the population is declared.
    pub minimum: Option<u32>,
    pub responses: i64,
}

impl SampleProgress {
    pub fn new(rule: Option<&SampleRule>, population: Option<u32>, responses: i64) -> SampleProgress {
        let minimum = rule.zip(population).map(|(rule, population)| rule.minimum(population));
        SampleProgress { population, minimum, responses }
    }

    /// Responses still needed (0 once reached); `None` while the minimum is unknown.
    pub fn short_by(&self) -> Option<u32> {
        let minimum = self.minimum?;
        let responses = u32::try_from(self.responses.max(0)).unwrap_or(u32::MAX);
        Some(minimum.saturating_sub(responses))
    }

    /// Whether the minimum is known and reached.
    pub fn reached(&self) -> bool {
        self.short_by() == Some(0)
    }

    /// Responses as a whole percentage of the minimum, rounded down and capped at 100; `None` while the minimum
    /// is unknown. A minimum of 0 (nobody to ask) is 100.
    pub fn percent(&self) -> Option<u32> {
        let minimum = i64::from(self.minimum?);
        if minimum == 0 {
            return Some(100);
        }
        let percent = (self.responses.max(0).saturating_mul(100) / minimum).min(100);
        Some(u32::try_from(percent).unwrap_or(100))
    }
}
