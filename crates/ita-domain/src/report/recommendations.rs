//! The recommendation library (`recommendations/*.toml`): what a weak indicator, item or failed OIT item means
//! and what to do about it, in Thai and English. Data, written by the project; format in
//! `recommendations/README.md`.

use serde::Deserialize;

use crate::error::{Error, ErrorKind, Result, line_of};

include!(concat!(env!("OUT_DIR"), "/builtin_recommendations.rs"));

/// One file of the library: the recommendations for a span of years.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecommendationSet {
    pub years: Vec<u16>,
    pub status: String,
    pub indicators: Vec<IndicatorAdvice>,
    #[serde(default)]
    pub items: Vec<ItemAdvice>,
    #[serde(default)]
    pub sub_indicators: Vec<SubIndicatorAdvice>,
    #[serde(default)]
    pub oit_items: Vec<OitAdvice>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IndicatorAdvice {
    pub number: u8,
    pub issue_th: String,
    pub issue_en: String,
    pub measures: Vec<MeasureAdvice>,
}

/// One row of a measures table, as proposed by the library.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MeasureAdvice {
    pub measure_th: String,
    pub measure_en: String,
    pub how_th: String,
    pub how_en: String,
    pub owner_th: String,
    pub owner_en: String,
    pub period_th: String,
    pub period_en: String,
    pub follow_up_th: String,
    pub follow_up_en: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ItemAdvice {
    pub code: String,
    pub issue_th: String,
    pub issue_en: String,
    pub measure_th: String,
    pub measure_en: String,
    pub how_th: String,
    pub how_en: String,
    pub owner_th: String,
    pub owner_en: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SubIndicatorAdvice {
    pub code: String,
    pub issue_th: String,
    pub issue_en: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OitAdvice {
    pub code: String,
    /// Matched against the methodology's stable key, so that advice follows an item across renumbering.
    pub key: String,
    pub guidance_th: String,
    pub guidance_en: String,
    pub common_failures_th: String,
    pub common_failures_en: String,
    pub owner_th: String,
    pub owner_en: String,
}

/// Every recommendation set known to this run.
#[derive(Debug, Clone, Default)]
pub struct Library {
    sets: Vec<RecommendationSet>,
}

impl Library {
    /// The sets compiled into the binary.
    pub fn builtin() -> Result<Library> {
        let mut library = Library::default();
        for (name, text) in BUILTIN_RECOMMENDATIONS {
            library.sets.push(RecommendationSet::parse(&format!("recommendations/{name}"), text)?);
        }
        Ok(library)
    }

    /// The sets that apply to `year` first, then the others (newest first) as a fallback: indicators and many
    /// OIT items (matched by key) keep their meaning across years.
    fn in_preference(&self, year: u16) -> Vec<&RecommendationSet> {
        let mut sets: Vec<&RecommendationSet> = self.sets.iter().collect();
        sets.sort_by_key(|set| {
            (!set.years.contains(&year), std::cmp::Reverse(set.years.iter().max().copied()))
        });
        sets
    }

    pub fn indicator(&self, year: u16, number: u8) -> Option<&IndicatorAdvice> {
        self.in_preference(year)
            .into_iter()
            .find_map(|set| set.indicators.iter().find(|advice| advice.number == number))
    }

    pub fn item(&self, year: u16, code: &str) -> Option<&ItemAdvice> {
        self.in_preference(year)
            .into_iter()
            .find_map(|set| set.items.iter().find(|advice| advice.code == code))
    }

    /// Sub-indicator advice applies only within the years of its set: the groupings change between frameworks.
    pub fn sub_indicator(&self, year: u16, code: &str) -> Option<&SubIndicatorAdvice> {
        self.sets
            .iter()
            .filter(|set| set.years.contains(&year))
            .find_map(|set| set.sub_indicators.iter().find(|advice| advice.code == code))
    }

    pub fn oit_item(&self, year: u16, key: &str) -> Option<&OitAdvice> {
        self.in_preference(year)
            .into_iter()
            .find_map(|set| set.oit_items.iter().find(|advice| advice.key == key))
    }
}

impl RecommendationSet {
    pub fn parse(source: &str, text: &str) -> Result<RecommendationSet> {
        let set: RecommendationSet = toml::from_str(text).map_err(|error| {
            let mut problem = Error::new(
                ErrorKind::Methodology,
                source,
                "",
                format!("อ่านคลังข้อเสนอแนะไม่ได้: {}", error.message().trim()),
                format!("cannot read the recommendation library: {}", error.message().trim()),
            );
            if let Some(span) = error.span() {
                problem = problem.with_line(line_of(text, span.start));
            }
            problem
        })?;
        let empty = set.indicators.iter().any(|advice| {
            advice.issue_th.trim().is_empty()
                || advice.measures.is_empty()
                || advice.measures.iter().any(|measure| measure.owner_th.trim().is_empty())
        });
        if empty {
            return Err(Error::new(
                ErrorKind::Methodology,
                source,
                "indicators",
                "ทุกตัวชี้วัดต้องมีประเด็นและมาตรการที่ระบุผู้รับผิดชอบ".to_string(),
                "every indicator needs an issue and measures with an owner".to_string(),
            ));
        }
        Ok(set)
    }
}
