//! Survey scores of a whole round at once (at its close): the responses are read as one stream ordered by agency
//! and instrument, each agency's answers become a `ResponseSet` per instrument, the domain scores them exactly,
//! and the indicator scores are stored in batches. Memory holds one agency's answers at a time.

use std::collections::BTreeMap;

use ita_domain::methodology::{Catalog, InstrumentKind, MethodologyId};
use ita_domain::questionnaire::survey_scores;
use ita_domain::scoring::ResponseSet;
use ita_store::{Actor, ResponseQuery, Round, Store, SurveyScoreRecord};
use uuid::Uuid;

use crate::WebError;
use crate::survey_export::Groups;

/// Agencies whose scores are written in one transaction.
pub const BATCH_SIZE: usize = 500;

/// What a computation did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ComputeSummary {
    /// Agencies that have at least one response, and so a stored record.
    pub agencies: usize,
    /// Responses scored.
    pub responses: u64,
    /// Stored responses that no longer fit the round's questionnaire (left out, and logged).
    pub unreadable: u64,
}

/// One agency's scores while its groups are read.
struct AgencyScores {
    agency_id: Uuid,
    indicators: BTreeMap<u8, ita_domain::Hundredths>,
    iit_respondents: i64,
    eit_respondents: i64,
}

impl AgencyScores {
    fn record(self, round_id: Uuid, computed_at: i64) -> SurveyScoreRecord {
        SurveyScoreRecord {
            agency_id: self.agency_id,
            round_id,
            indicators: self.indicators,
            iit_respondents: self.iit_respondents,
            eit_respondents: self.eit_respondents,
            computed_at,
        }
    }
}

/// Computes and stores the survey scores (indicators of the survey instruments, in hundredths) of every agency
/// with responses in `round`. Existing records of those agencies are replaced; each batch is audited as `actor`'s.
pub async fn compute_round_survey_scores(
    store: &dyn Store,
    catalog: &Catalog,
    actor: &Actor,
    round: &Round,
) -> Result<ComputeSummary, WebError> {
    let id = MethodologyId { year: round.methodology_year, variant: round.methodology_variant.clone() };
    let methodology = catalog.get(&id).map_err(anyhow::Error::new)?;
    // An empty set per survey instrument, cloned for each agency (laying one out walks the whole year).
    let mut empty_sets: BTreeMap<String, ResponseSet> = BTreeMap::new();
    for instrument in &methodology.instruments {
        if instrument.kind == InstrumentKind::Survey {
            let set = ResponseSet::new(methodology, &instrument.code).map_err(anyhow::Error::new)?;
            empty_sets.insert(instrument.code.clone(), set);
        }
    }
    let computed_at = crate::auth::now();
    let mut summary = ComputeSummary::default();
    let mut groups =
        Groups::new(store.responses(ResponseQuery { round_id: round.id, ..ResponseQuery::default() }));
    let mut current: Option<AgencyScores> = None;
    let mut batch: Vec<SurveyScoreRecord> = Vec::with_capacity(BATCH_SIZE);
    while let Some(group) = groups.next_group().await? {
        if current.as_ref().is_some_and(|scores| scores.agency_id != group.agency_id) {
            finish(current.take(), round.id, computed_at, &mut batch, &mut summary);
            if batch.len() >= BATCH_SIZE {
                store.put_survey_scores(actor, &batch).await?;
                batch.clear();
            }
        }
        let scores = current.get_or_insert_with(|| AgencyScores {
            agency_id: group.agency_id,
            indicators: BTreeMap::new(),
            iit_respondents: 0,
            eit_respondents: 0,
        });
        let Some(empty) = empty_sets.get(&group.instrument) else {
            tracing::warn!(
                instrument = group.instrument,
                "responses of an instrument the round does not survey"
            );
            summary.unreadable += group.responses.len() as u64;
            continue;
        };
        let mut set = empty.clone();
        for response in group.responses {
            match set.push_encoded(&response.answers, response.relation) {
                Ok(()) => summary.responses += 1,
                Err(problem) => {
                    tracing::warn!(?problem, "a stored response does not fit the questionnaire");
                    summary.unreadable += 1;
                }
            }
        }
        let respondents = set.respondent_count() as i64;
        if respondents == 0 {
            continue;
        }
        let computed = survey_scores(methodology, &set).map_err(anyhow::Error::new)?;
        for (indicator, score) in computed.indicators {
            scores.indicators.insert(indicator, score.round_hundredths());
        }
        match group.instrument.as_str() {
            "IIT" => scores.iit_respondents += respondents,
            "EIT" => scores.eit_respondents += respondents,
            _ => {}
        }
    }
    finish(current.take(), round.id, computed_at, &mut batch, &mut summary);
    if !batch.is_empty() {
        store.put_survey_scores(actor, &batch).await?;
    }
    Ok(summary)
}

/// Adds an agency's record to the batch, unless none of its responses could be read.
fn finish(
    scores: Option<AgencyScores>,
    round_id: Uuid,
    computed_at: i64,
    batch: &mut Vec<SurveyScoreRecord>,
    summary: &mut ComputeSummary,
) {
    if let Some(scores) = scores.filter(|scores| scores.iit_respondents + scores.eit_respondents > 0) {
        batch.push(scores.record(round_id, computed_at));
        summary.agencies += 1;
    }
}
