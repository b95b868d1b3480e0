//! ผลจากข้อมูลในระบบ: one agency's result in a round from the round's own data (its IIT and EIT responses and
//! the assessors' final OIT verdicts), mixed with the stored result record, for its round page, its report and
//! the "compute the result" button.
//!
//! The rule: a stored `Official` result (ITAS, entered or imported) wins whole: those are the published numbers,
//! and the report then names no items. Otherwise (no record, or a `Computed` one) an instrument's indicators come
//! from the platform data when it is complete: a survey instrument with at least [`MIN_GROUP`] respondents, the
//! OIT once every item of the year is judged and the viewer may see the verdicts; an instrument without complete
//! data keeps the stored (computed) record's scores. Each indicator is given to the domain once, as raw data or as
//! a score, never both.

use std::collections::BTreeMap;

use ita_domain::methodology::{InstrumentKind, Methodology};
use ita_domain::platform::Invalid;
use ita_domain::questionnaire::{MIN_GROUP, suppressed};
use ita_domain::report::AssessorNote;
use ita_domain::scoring::{ResponseSet, ScoreInput, ScoreResult, Verdict, VerdictSet, score};
use ita_domain::{Hundredths, Lang};
use ita_store::{OitVerdict, ResponseQuery, ResultDraft, ResultRecord, ResultSource, Round};
use uuid::Uuid;

use crate::auth::Viewer;
use crate::survey_export::Groups;
use crate::{AppState, WebError};

/// What the round's own data holds for one agency, as far as this viewer may use it.
#[derive(Debug, Clone, Default)]
pub struct PlatformData {
    /// Stored responses per survey instrument of the year (0 when nobody answered).
    pub respondents: BTreeMap<String, i64>,
    /// The responses of each survey instrument with at least [`MIN_GROUP`] readable respondents.
    pub responses: BTreeMap<String, ResponseSet>,
    /// The final verdicts, once every OIT item of the year is judged (and the viewer may see them).
    pub verdicts: Option<VerdictSet>,
    /// What the assessors wrote on the final verdicts, by item code (with `verdicts` only).
    pub notes: BTreeMap<String, AssessorNote>,
    /// OIT items with a final verdict, and the year's OIT items.
    pub judged: usize,
    pub items: usize,
    /// The verdicts are not shown to this viewer yet (the agency's people see them once the review is over).
    pub verdicts_hidden: bool,
}

/// The final verdicts of the year's items: the store keeps one verdict per item, and a verdict given on a dispute
/// in the clarification window replaces the review one there; a stored verdict of an item the year does not have
/// is left out, as the agency's OIT page (`routes::oit`) and the review page (`routes::review`) leave it out.
pub fn final_verdicts<'a>(methodology: &Methodology, stored: &'a [OitVerdict]) -> Vec<&'a OitVerdict> {
    stored.iter().filter(|verdict| methodology.oit_item(&verdict.item_code).is_some()).collect()
}

impl PlatformData {
    /// Reads the agency's responses and verdicts in `round`. `verdicts_visible` is whether this viewer may see
    /// the verdicts now (`routes::oit::verdicts_visible`); when not, the OIT is left to the stored record.
    pub async fn read(
        state: &AppState,
        methodology: &Methodology,
        agency_id: Uuid,
        round: &Round,
        verdicts_visible: bool,
    ) -> Result<PlatformData, WebError> {
        let mut data = PlatformData { items: methodology.oit_items.len(), ..PlatformData::default() };
        let counts = state.store.survey_counts(agency_id, round.id).await?;
        for instrument in methodology.instruments.iter().filter(|each| each.kind == InstrumentKind::Survey) {
            let count = counts.get(&instrument.code).copied().unwrap_or(0);
            data.respondents.insert(instrument.code.clone(), count);
            if count < MIN_GROUP as i64 {
                continue;
            }
            let set = read_responses(state, methodology, agency_id, round.id, &instrument.code).await?;
            if set.respondent_count() >= MIN_GROUP {
                data.responses.insert(instrument.code.clone(), set);
            }
        }
        if !verdicts_visible {
            data.verdicts_hidden = true;
            return Ok(data);
        }
        let stored = state.store.oit_verdicts(agency_id, round.id).await?;
        let final_ones = final_verdicts(methodology, &stored);
        data.judged = final_ones.len();
        if data.items > 0 && data.judged == data.items {
            let mut set = VerdictSet::new();
            for verdict in &final_ones {
                let given = if verdict.passed { Verdict::Pass } else { Verdict::Fail };
                set.insert(methodology, &verdict.item_code, given, "", "oit_verdicts")
                    .map_err(anyhow::Error::new)?;
                if !verdict.passed {
                    data.notes.insert(
                        verdict.item_code.clone(),
                        AssessorNote { reason: verdict.reason.clone(), guidance: verdict.guidance.clone() },
                    );
                }
            }
            data.verdicts = Some(set);
        }
        Ok(data)
    }

    /// What keeps the result from being computed from this data alone, in Thai and English; empty when nothing
    /// does. Counts of 1 to 4 respondents are not named (`questionnaire::suppressed`).
    pub fn missing(&self) -> Vec<Invalid> {
        let mut problems = Vec::new();
        for (instrument, count) in &self.respondents {
            if self.responses.contains_key(instrument) {
                continue;
            }
            let count = usize::try_from(*count).unwrap_or(0);
            problems.push(if count == 0 {
                Invalid::new(
                    format!("แบบวัด {instrument} ยังไม่มีผู้ตอบ (ต้องมีผู้ตอบอย่างน้อย {MIN_GROUP} คน)"),
                    format!("nobody has answered the {instrument} yet (at least {MIN_GROUP} respondents are needed)"),
                )
            } else if suppressed(count) {
                Invalid::new(
                    format!("แบบวัด {instrument} มีผู้ตอบน้อยกว่า {MIN_GROUP} คน (ต้องมีผู้ตอบอย่างน้อย {MIN_GROUP} คน)"),
                    format!(
                        "the {instrument} has fewer than {MIN_GROUP} respondents (at least {MIN_GROUP} are needed)"
                    ),
                )
            } else {
                Invalid::new(
                    format!("คำตอบแบบวัด {instrument} ที่อ่านได้มีน้อยกว่า {MIN_GROUP} ชุด"),
                    format!("fewer than {MIN_GROUP} of the stored {instrument} responses can be read"),
                )
            });
        }
        if self.verdicts_hidden {
            problems.push(Invalid::new(
                "ผลการพิจารณาแบบวัด OIT จะเปิดเผยแก่หน่วยงานเมื่อสิ้นสุดช่วงการตรวจ จึงยังนำมาคำนวณไม่ได้",
                "the OIT verdicts are shown to the agency only once the review is over, so they cannot be used yet",
            ));
        } else if self.verdicts.is_none() {
            problems.push(Invalid::new(
                format!("แบบวัด OIT ยังพิจารณาไม่ครบทุกข้อ (พิจารณาแล้ว {} จาก {} ข้อ)", self.judged, self.items),
                format!("not every OIT item is judged yet ({} of {} items judged)", self.judged, self.items),
            ));
        }
        problems
    }
}

/// Every answer of one instrument of one agency in a round, as the domain holds them. A stored response that no
/// longer fits the year's questionnaire is left out and logged, as the survey pages do.
async fn read_responses(
    state: &AppState,
    methodology: &Methodology,
    agency_id: Uuid,
    round_id: Uuid,
    instrument: &str,
) -> Result<ResponseSet, WebError> {
    let mut set = ResponseSet::new(methodology, instrument).map_err(anyhow::Error::new)?;
    let query = ResponseQuery {
        round_id,
        agency_id: Some(agency_id),
        province: None,
        instrument: Some(instrument.to_string()),
    };
    let mut groups = Groups::new(state.store.responses(query));
    while let Some(group) = groups.next_group().await? {
        for response in group.responses {
            if let Err(problem) = set.push_encoded(&response.answers, response.relation) {
                tracing::warn!(?problem, "a stored response does not fit the questionnaire");
            }
        }
    }
    Ok(set)
}

/// An agency's result and where its numbers came from.
#[derive(Debug, Clone)]
pub struct AgencyResult {
    pub result: ScoreResult,
    /// The assessors' notes on failed items (empty unless the OIT came from the verdicts).
    pub notes: BTreeMap<String, AssessorNote>,
    /// The instruments scored from the round's own data (responses, verdicts), in the year's order.
    pub from_platform: Vec<String>,
    /// The instruments whose scores came from the stored computed record instead.
    pub from_record: Vec<String>,
    /// The stored record the rest came from, if any.
    pub record_source: Option<ResultSource>,
}

/// The agency's result from `data` and the stored `record` by the rule of this module, or `None` when neither
/// gives every indicator (no record, and the platform data incomplete).
pub fn combine(
    methodology: &Methodology,
    mut data: PlatformData,
    record: Option<&ResultRecord>,
) -> Result<Option<AgencyResult>, WebError> {
    let record_source = record.map(|record| record.source);
    if let Some(record) = record.filter(|record| record.source == ResultSource::Official) {
        let result = crate::scoring::score_record(methodology, record)?;
        return Ok(Some(AgencyResult {
            result,
            notes: BTreeMap::new(),
            from_platform: Vec::new(),
            from_record: methodology.instruments.iter().map(|instrument| instrument.code.clone()).collect(),
            record_source,
        }));
    }
    let mut input = ScoreInput::default();
    let mut from_platform = Vec::new();
    let mut from_record = Vec::new();
    let mut notes = BTreeMap::new();
    for instrument in &methodology.instruments {
        let raw = match instrument.kind {
            InstrumentKind::Survey => match data.responses.remove(&instrument.code) {
                Some(set) => {
                    input.responses.insert(instrument.code.clone(), set);
                    true
                }
                None => false,
            },
            // One verdict set covers every checklist instrument of the year.
            InstrumentKind::Checklist => match &data.verdicts {
                Some(verdicts) => {
                    if input.verdicts.is_none() {
                        input.verdicts = Some(verdicts.clone());
                        notes = data.notes.clone();
                    }
                    true
                }
                None => false,
            },
        };
        if raw {
            from_platform.push(instrument.code.clone());
            continue;
        }
        from_record.push(instrument.code.clone());
        for indicator in methodology.indicators_of(&instrument.code) {
            match record.and_then(|record| record.indicators.get(&indicator.number)) {
                Some(value) => {
                    input.indicators.insert(indicator.number, value.to_exact());
                }
                None => return Ok(None),
            }
        }
    }
    let result = score(methodology, &input).map_err(anyhow::Error::new)?;
    Ok(Some(AgencyResult { result, notes, from_platform, from_record, record_source }))
}

/// The record a computed result is stored as: indicator scores in hundredths (the record's form), and the total
/// and level the domain gave the raw data (rounded once, at the end, as every total is).
pub fn computed_draft(result: &ScoreResult) -> ResultDraft {
    let indicators: BTreeMap<u8, Hundredths> = result
        .indicators
        .iter()
        .map(|indicator| (indicator.number, indicator.score.round_hundredths()))
        .collect();
    ResultDraft {
        source: ResultSource::Computed,
        indicators,
        total: result.total_rounded(),
        level_code: result.level.decided().map(str::to_string),
    }
}

/// The agency's result in `round` as this viewer sees it: the stored record, with the round's own data where the
/// rule of this module takes it (the OIT only when the viewer may see the verdicts now).
pub async fn agency_result(
    state: &AppState,
    viewer: &Viewer,
    agency_id: Uuid,
    round: &Round,
    record: Option<&ResultRecord>,
) -> Result<Option<AgencyResult>, WebError> {
    let methodology = crate::scoring::methodology_of(state, round)?;
    // An official result takes nothing from the platform data: no need to read it.
    if record.is_some_and(|record| record.source == ResultSource::Official) {
        return combine(methodology, PlatformData::default(), record);
    }
    let data =
        PlatformData::read(state, methodology, agency_id, round, verdicts_visible_now(viewer, round)).await?;
    combine(methodology, data, record)
}

/// Whether this viewer may see the round's verdicts today (the OIT page's rule).
pub fn verdicts_visible_now(viewer: &Viewer, round: &Round) -> bool {
    crate::routes::oit::verdicts_visible(viewer, &round.windows, &crate::routes::surveys::today())
}

impl AgencyResult {
    /// Where the numbers come from, in a sentence for the round page and the report's readers.
    pub fn source_text(&self, lang: Lang) -> String {
        let platform = self.from_platform.join(", ");
        let record = self.from_record.join(", ");
        match (self.record_source, self.from_platform.is_empty()) {
            (Some(ResultSource::Official), _) => lang
                .pick(
                    "ผลทางการ (ITAS) ที่บันทึกหรือนำเข้าไว้ รายงานจึงไม่มีรายละเอียดรายข้อจากข้อมูลในระบบ",
                    "the official (ITAS) result entered or imported, so the report has no item detail from this platform's data",
                )
                .to_string(),
            (_, true) => lang
                .pick("ผลที่คำนวณและบันทึกไว้ในระบบ", "the result computed and stored here")
                .to_string(),
            (Some(ResultSource::Computed), false) if self.from_record.is_empty() => match lang {
                Lang::Th => format!("คำนวณจากข้อมูลในระบบของรอบนี้ ({platform})"),
                Lang::En => format!("computed from this round's data ({platform})"),
            },
            (Some(ResultSource::Computed), false) => match lang {
                Lang::Th => format!(
                    "คำนวณจากข้อมูลในระบบของรอบนี้ ({platform}) ส่วน {record} จากผลที่คำนวณและบันทึกไว้"
                ),
                Lang::En => format!(
                    "computed from this round's data ({platform}); {record} from the stored computed result"
                ),
            },
            (None, false) => match lang {
                Lang::Th => format!("คำนวณจากข้อมูลในระบบของรอบนี้ ({platform}) และยังไม่ได้บันทึกเป็นผลของหน่วยงาน"),
                Lang::En => format!("computed from this round's data ({platform}); not stored as the agency's result yet"),
            },
        }
    }
}
