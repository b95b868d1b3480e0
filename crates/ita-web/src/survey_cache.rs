//! What the public survey routes (`/s/...`) would otherwise ask the store on every request, kept in memory in the
//! app state: each agency's survey in a round (the agency, the round with its windows, the IIT access code and the
//! declared IIT headcount), the questionnaires, and each questionnaire's form rendered once per language, so that
//! a view only fills in its few own parts (the single-use token, the agency's name and links) around shared bytes.
//!
//! Invalidated by writes, not by age: [`forget_after_staff_writes`] empties the looked-up surveys after every
//! successful request outside `/s/` that is not a GET, HEAD or OPTIONS, which every staff change through the
//! pages or the API is, except the writes listed in [`leaves_surveys_alone`] (signing in, accounts, OIT answers
//! and reviews, results), which cannot change what is kept and are frequent while surveys run; a generation
//! number keeps a look-up that began before such a write from putting its stale answer back. A second process writing the same database (the `ita` command line, a second server) is not seen
//! until the next staff write through this server, or a restart. The questionnaires and rendered forms depend only
//! on the built-in methodology catalog and the templates, which do not change while the server runs.
//!
//! The headcount cap does not rest on this cache: the store counts the responses against the cap inside the
//! transaction that stores them (`Store::submit_responses`); the cache only carries the declared number.

use std::collections::HashMap;
use std::convert::Infallible;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll};

use askama::filters::Escaper as _;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::Method;
use axum::middleware::Next;
use axum::response::Response;
use bytes::Bytes;
use http_body::{Frame, SizeHint};
use ita_domain::Lang;
use ita_domain::platform::AgencyCode;
use ita_domain::questionnaire::Questionnaire;
use ita_store::{Agency, Round, Store, StoreError};

use crate::AppState;
use crate::survey_token::SurveyInstrument;

/// One agency's surveys in one round, as the public routes need them.
#[derive(Debug, Clone)]
pub struct Site {
    pub agency: Agency,
    pub round: Round,
    /// The IIT access code as stored (compared after normalising); `None` while the IIT is not opened.
    pub iit_code: Option<String>,
    /// The declared IIT headcount, the cap the store enforces; `None` when not declared.
    pub iit_cap: Option<u32>,
}

/// A questionnaire is the same for every round of one methodology year and variant: year, variant, instrument.
pub type QuestionnaireKey = (u16, String, SurveyInstrument);

/// A rendered form differs by questionnaire and language only.
pub type FormKey = (u16, String, SurveyInstrument, Lang);

#[derive(Debug, Default)]
struct Inner {
    /// Bumped by every [`SurveyCache::forget`].
    generation: u64,
    /// Agency code, then the round's fiscal year as the path spells it.
    sites: HashMap<String, HashMap<String, Arc<Site>>>,
    questionnaires: HashMap<QuestionnaireKey, Arc<Questionnaire>>,
    forms: HashMap<FormKey, Arc<Prerendered>>,
}

/// The cache itself; one per server, shared by every request.
#[derive(Debug, Default)]
pub struct SurveyCache {
    inner: Mutex<Inner>,
}

impl SurveyCache {
    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// How many times the looked-up surveys were dropped since the server started.
    pub fn generation(&self) -> u64 {
        self.lock().generation
    }

    /// Drops every looked-up survey: the next request of each asks the store again.
    pub fn forget(&self) {
        let mut inner = self.lock();
        inner.generation += 1;
        inner.sites.clear();
    }

    /// The survey of agency `code` in the round of fiscal year `year` (as the path spells it), from memory or
    /// from the store; `None` when there is no such agency or round. Only what exists is kept, so the cache
    /// holds at most one entry per agency and round.
    pub async fn site(
        &self,
        store: &dyn Store,
        code: &AgencyCode,
        year: &str,
    ) -> Result<Option<Arc<Site>>, StoreError> {
        let seen = {
            let inner = self.lock();
            if let Some(site) = inner.sites.get(code.as_str()).and_then(|rounds| rounds.get(year)) {
                return Ok(Some(site.clone()));
            }
            inner.generation
        };
        let Some(agency) = store.agency_by_code(code).await? else {
            return Ok(None);
        };
        let Some(round) =
            store.rounds().await?.into_iter().find(|round| round.fiscal_year.to_string() == year)
        else {
            return Ok(None);
        };
        let iit_code = store.survey_link(agency.id, round.id).await?.map(|link| link.iit_code);
        let iit_cap =
            store.survey_target(agency.id, round.id).await?.and_then(|declared| declared.iit_population);
        let site = Arc::new(Site { agency, round, iit_code, iit_cap });
        let mut inner = self.lock();
        // A staff write since the look-up began may have changed what was read: answer with it, keep nothing.
        if inner.generation == seen {
            inner.sites.entry(code.as_str().to_string()).or_default().insert(year.to_string(), site.clone());
        }
        Ok(Some(site))
    }

    /// The questionnaire under `key`, built by `build` the first time.
    pub fn questionnaire<E>(
        &self,
        key: QuestionnaireKey,
        build: impl FnOnce() -> Result<Questionnaire, E>,
    ) -> Result<Arc<Questionnaire>, E> {
        if let Some(found) = self.lock().questionnaires.get(&key) {
            return Ok(found.clone());
        }
        // Built outside the lock; two requests may build the same one at first, and one of them is kept.
        let built = Arc::new(build()?);
        Ok(self.lock().questionnaires.entry(key).or_insert(built).clone())
    }

    /// The rendered form under `key`, rendered by `render` the first time.
    pub fn form<E>(
        &self,
        key: FormKey,
        render: impl FnOnce() -> Result<Prerendered, E>,
    ) -> Result<Arc<Prerendered>, E> {
        if let Some(found) = self.lock().forms.get(&key) {
            return Ok(found.clone());
        }
        let rendered = Arc::new(render()?);
        Ok(self.lock().forms.entry(key).or_insert(rendered).clone())
    }
}

/// Empties the looked-up surveys after every successful state-changing request outside `/s/` (every staff write
/// is one: pages and API alike) but those of [`leaves_surveys_alone`], before its answer leaves, so that the
/// staff member's next look at the public page already shows the change.
pub async fn forget_after_staff_writes(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let path = request.uri().path();
    let staff_write = !matches!(*request.method(), Method::GET | Method::HEAD | Method::OPTIONS)
        && !path.starts_with("/s/")
        && !leaves_surveys_alone(path);
    let response = next.run(request).await;
    let status = response.status();
    if staff_write && !status.is_client_error() && !status.is_server_error() {
        state.survey.cache().forget();
    }
    response
}

/// The staff writes that cannot change an agency's survey as the public routes see it (the agency, the round and
/// its windows, the IIT access code, the declared headcount): signing in and out, the first administrator's
/// set-up, accounts and their tokens, the OIT (answers, disputes, reviews, verdict imports), results (entered,
/// computed, imported; the survey scores computed at a round's close). Any other write, a route added later
/// included, empties the cache.
pub fn leaves_surveys_alone(path: &str) -> bool {
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    matches!(
        segments.as_slice(),
        ["sign-in" | "sign-out"]
            | ["setup", _]
            | ["users", ..]
            | ["review", ..]
            | ["agencies", _, "rounds", _, "oit" | "result", ..]
            | ["rounds", _, "oit" | "results", ..]
            | ["rounds", _, "surveys", "compute"]
            | ["api", "agencies", _, "rounds", _, "result"]
    )
}

// ---------------------------------------------------------------------------------------------------------------
// A form rendered once.

/// A part of a rendered form that differs from one view to the next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Slot {
    /// The agency's name in the page's language.
    Agency,
    /// The same page in the other language.
    Switch,
    FiscalYear,
    ClosesOn,
    /// Where the form is posted.
    Action,
    /// The key of the draft kept in the browser.
    DraftKey,
    /// The single-use submission token.
    Token,
}

impl Slot {
    const ALL: [Slot; 7] = [
        Slot::Agency,
        Slot::Switch,
        Slot::FiscalYear,
        Slot::ClosesOn,
        Slot::Action,
        Slot::DraftKey,
        Slot::Token,
    ];

    fn name(self) -> &'static str {
        match self {
            Slot::Agency => "agency",
            Slot::Switch => "switch",
            Slot::FiscalYear => "fiscal-year",
            Slot::ClosesOn => "closes-on",
            Slot::Action => "action",
            Slot::DraftKey => "draft-key",
            Slot::Token => "token",
        }
    }

    /// What the template is given for this part when the form is rendered once: text that HTML escaping leaves
    /// as it is and no questionnaire contains (it starts and ends with U+0001).
    pub fn marker(self) -> String {
        format!("{MARK}slot:{}{MARK}", self.name())
    }
}

const MARK: char = '\u{1}';

#[derive(Debug)]
enum Piece {
    Text(Box<str>),
    Slot(Slot),
}

/// A form rendered once with [`Slot::marker`] in place of each per-view part, cut at the markers: the pieces up
/// to the last marker (small, filled in per view) and the shared bytes after it (the questions, most of the page).
#[derive(Debug)]
pub struct Prerendered {
    head: Vec<Piece>,
    tail: Bytes,
    /// Bytes of the head's text, for the capacity of a view's head.
    head_text: usize,
}

impl Prerendered {
    /// Cuts a page rendered with markers. Refuses a page whose token marker is not there exactly once, or with a
    /// marker it does not know: a template that changed how it prints a value it was given.
    pub fn split(html: &str) -> Result<Prerendered, String> {
        let mut head = Vec::new();
        let mut rest = html;
        let mut tokens = 0;
        while let Some(at) = rest.find(MARK) {
            let after = &rest[at + MARK.len_utf8()..];
            let end = after.find(MARK).ok_or("an unclosed slot marker")?;
            let name = after[..end].strip_prefix("slot:").ok_or("a stray U+0001")?;
            let slot = Slot::ALL
                .into_iter()
                .find(|slot| slot.name() == name)
                .ok_or_else(|| format!("an unknown slot {name:?}"))?;
            tokens += usize::from(slot == Slot::Token);
            if at > 0 {
                head.push(Piece::Text(rest[..at].into()));
            }
            head.push(Piece::Slot(slot));
            rest = &after[end + MARK.len_utf8()..];
        }
        if tokens != 1 {
            return Err(format!("the token is on the page {tokens} times instead of once"));
        }
        let head_text =
            head.iter().map(|piece| if let Piece::Text(text) = piece { text.len() } else { 0 }).sum();
        Ok(Prerendered { head, tail: Bytes::copy_from_slice(rest.as_bytes()), head_text })
    }

    /// The page of one view: each slot filled with `value(slot)`, HTML-escaped as the template escapes it.
    pub fn body<'a>(&self, value: impl Fn(Slot) -> &'a str) -> Body {
        let head = self.head(value);
        Body::new(TwoChunks { chunks: [Some(Bytes::from(head)), Some(self.tail.clone())] })
    }

    /// The same page as one string (tests).
    #[cfg(test)]
    pub fn text<'a>(&self, value: impl Fn(Slot) -> &'a str) -> String {
        self.head(value) + std::str::from_utf8(&self.tail).unwrap_or_default()
    }

    fn head<'a>(&self, value: impl Fn(Slot) -> &'a str) -> String {
        let mut head = String::with_capacity(self.head_text + 1024);
        for piece in &self.head {
            match piece {
                Piece::Text(text) => head.push_str(text),
                // Writing to a String cannot fail.
                Piece::Slot(slot) => {
                    let _ = askama::filters::Html.write_escaped_str(&mut head, value(*slot));
                }
            }
        }
        head
    }
}

/// A body of two chunks of known length: the view's own head and the shared tail, written without copying the
/// tail (with a Content-Length, as a page rendered whole has).
struct TwoChunks {
    chunks: [Option<Bytes>; 2],
}

impl http_body::Body for TwoChunks {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        _context: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        let next = self.chunks.iter_mut().find_map(Option::take);
        Poll::Ready(next.map(|chunk| Ok(Frame::data(chunk))))
    }

    fn is_end_stream(&self) -> bool {
        self.chunks.iter().all(Option::is_none)
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::with_exact(self.chunks.iter().flatten().map(|chunk| chunk.len() as u64).sum())
    }
}

#[cfg(test)]
mod tests {
    use http_body::Body as _;

    use super::*;

    #[test]
    fn a_page_is_cut_at_its_markers_and_refused_when_the_token_is_not_there_once() {
        let page = format!(
            "<p>{}</p><i>{}</i><b>{}</b>rest",
            Slot::Agency.marker(),
            Slot::Token.marker(),
            Slot::Agency.marker()
        );
        let form = Prerendered::split(&page).unwrap();
        let value = |slot| if slot == Slot::Token { "t.1" } else { "A & <B>" };
        assert_eq!(form.text(value), "<p>A &#38; &#60;B&#62;</p><i>t.1</i><b>A &#38; &#60;B&#62;</b>rest");
        let body = form.body(value);
        assert_eq!(body.size_hint().exact(), Some(form.text(value).len() as u64));

        let twice = format!("{}{}", Slot::Token.marker(), Slot::Token.marker());
        assert!(Prerendered::split(&twice).is_err());
        assert!(Prerendered::split("<p>no token</p>").is_err());
        assert!(Prerendered::split(&format!("{}\u{1}slot:other\u{1}", Slot::Token.marker())).is_err());
        assert!(Prerendered::split(&format!("{}\u{1}slot:agency", Slot::Token.marker())).is_err());
    }

    #[test]
    fn only_writes_that_cannot_change_a_survey_keep_the_cache() {
        let id = "0b5c7c1e-3d7e-4a51-9a4e-7d3c2f1b0a99";
        for kept in [
            "/sign-in".to_string(),
            "/sign-out".into(),
            format!("/users/{id}/tokens"),
            format!("/review/{id}/{id}"),
            format!("/agencies/{id}/rounds/{id}/oit"),
            format!("/agencies/{id}/rounds/{id}/oit/dispute"),
            format!("/agencies/{id}/rounds/{id}/result/compute"),
            format!("/rounds/{id}/oit/verdicts/import"),
            format!("/rounds/{id}/results/import"),
            format!("/rounds/{id}/surveys/compute"),
            format!("/api/agencies/{id}/rounds/{id}/result"),
        ] {
            assert!(leaves_surveys_alone(&kept), "{kept} keeps the cache");
        }
        for forgets in [
            "/agencies".to_string(),
            format!("/agencies/{id}"),
            "/agencies/import".into(),
            format!("/agencies/{id}/rounds/{id}/surveys/code"),
            format!("/agencies/{id}/rounds/{id}/surveys/targets"),
            "/rounds".into(),
            format!("/rounds/{id}"),
            "/api/agencies".into(),
            format!("/api/agencies/{id}"),
            "/api/rounds".into(),
            "/some/route/added/later".into(),
        ] {
            assert!(!leaves_surveys_alone(&forgets), "{forgets} empties the cache");
        }
    }
}
