//! Between stored results and the domain: a stored result is scored with its round's methodology, and a set of
//! indicator scores typed or imported becomes a draft with the total and level the domain computes.

use std::collections::BTreeMap;

use ita_domain::Hundredths;
use ita_domain::input::AgencyInfo;
use ita_domain::methodology::{Methodology, MethodologyId};
use ita_domain::platform::Invalid;
use ita_domain::scoring::{ScoreInput, ScoreResult, score};
use ita_store::{Agency, ResultDraft, ResultRecord, ResultSource, Round};

use crate::{AppState, WebError};

/// The methodology a round is assessed with.
pub fn methodology_of<'a>(state: &'a AppState, round: &Round) -> Result<&'a Methodology, WebError> {
    let id = MethodologyId { year: round.methodology_year, variant: round.methodology_variant.clone() };
    state.catalog.get(&id).map_err(|error| WebError::Internal(anyhow::Error::new(error)))
}

/// Scores a set of indicator scores exactly; every indicator of the methodology must be there.
pub fn score_indicators(
    methodology: &Methodology,
    indicators: &BTreeMap<u8, Hundredths>,
) -> Result<ScoreResult, Invalid> {
    let missing: Vec<String> = methodology
        .indicators
        .iter()
        .filter(|indicator| !indicators.contains_key(&indicator.number))
        .map(|indicator| indicator.number.to_string())
        .collect();
    if !missing.is_empty() {
        return Err(Invalid::new(
            format!("ยังไม่ได้ระบุคะแนนตัวชี้วัดที่ {}", missing.join(", ")),
            format!("scores are missing for indicator {}", missing.join(", ")),
        ));
    }
    if let Some(unknown) = indicators.keys().find(|number| methodology.indicator(**number).is_none()) {
        return Err(Invalid::new(
            format!("ระเบียบวิธีปี {} ไม่มีตัวชี้วัดที่ {unknown}", methodology.year),
            format!("methodology {} has no indicator {unknown}", methodology.year),
        ));
    }
    let input = ScoreInput {
        indicators: indicators.iter().map(|(number, value)| (*number, value.to_exact())).collect(),
        ..ScoreInput::default()
    };
    score(methodology, &input).map_err(|error| Invalid::new(error.message_th, error.message_en))
}

/// A draft result ready to store, its total and level computed by the domain.
pub fn draft_from_indicators(
    methodology: &Methodology,
    indicators: BTreeMap<u8, Hundredths>,
    source: ResultSource,
) -> Result<ResultDraft, Invalid> {
    let result = score_indicators(methodology, &indicators)?;
    Ok(ResultDraft {
        source,
        total: result.total_rounded(),
        level_code: result.level.decided().map(str::to_string),
        indicators,
    })
}

/// The domain's score of a stored result.
pub fn score_record(methodology: &Methodology, record: &ResultRecord) -> Result<ScoreResult, WebError> {
    score_indicators(methodology, &record.indicators).map_err(WebError::Invalid)
}

/// The agency as the report and result views name it.
pub fn agency_info(agency: &Agency) -> AgencyInfo {
    AgencyInfo {
        code: Some(agency.code.to_string()),
        name: Some(agency.name_th.clone()),
        agency_type: Some(agency.kind.thai().to_string()),
        district: agency.district.clone(),
        province: Some(agency.province.clone()),
        website: agency.website.clone(),
    }
}

/// The name of a level code in a methodology's own words ("B", "ผ่านดี"), or the code itself.
pub fn level_name(methodology: &Methodology, code: &str, lang: ita_domain::Lang) -> String {
    methodology
        .levels
        .iter()
        .find(|level| level.code == code)
        .map(|level| lang.pick(&level.name_th, &level.name_en).to_string())
        .unwrap_or_else(|| code.to_string())
}
