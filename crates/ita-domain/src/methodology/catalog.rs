//! The catalogue of methodology years: the files compiled into the binary, plus any an administrator adds.

use std::fmt;
use std::str::FromStr;

use super::Methodology;
use crate::error::{Error, ErrorKind, Result};

include!(concat!(env!("OUT_DIR"), "/builtin_methodology.rs"));

/// A year and variant: `2565` (the NACC's own) or `2569-vec` (a ministry's copy).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct MethodologyId {
    pub year: u16,
    pub variant: String,
}

impl MethodologyId {
    pub const DEFAULT_VARIANT: &'static str = "nacc";

    pub fn nacc(year: u16) -> MethodologyId {
        MethodologyId { year, variant: MethodologyId::DEFAULT_VARIANT.to_string() }
    }
}

impl fmt::Display for MethodologyId {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.variant == MethodologyId::DEFAULT_VARIANT {
            write!(formatter, "{}", self.year)
        } else {
            write!(formatter, "{}-{}", self.year, self.variant)
        }
    }
}

impl FromStr for MethodologyId {
    type Err = Error;

    /// `2565`, `2565-nacc` or `2569-vec`.
    fn from_str(text: &str) -> Result<MethodologyId> {
        let text = text.trim();
        let (year, variant) = text.split_once('-').unwrap_or((text, MethodologyId::DEFAULT_VARIANT));
        match year.parse::<u16>() {
            Ok(year) if !variant.is_empty() => Ok(MethodologyId { year, variant: variant.to_string() }),
            _ => Err(Error::new(
                ErrorKind::Request,
                "",
                "methodology",
                format!("ปีของวิธีการประเมินต้องเป็นปีพุทธศักราช เช่น 2565 หรือ 2569-nacc (ได้ {text:?})"),
                format!("a methodology year is a Buddhist-era year such as 2565 or 2569-nacc (got {text:?})"),
            )),
        }
    }
}

/// Every methodology year known to this run, ordered by year then variant.
#[derive(Debug, Clone, Default)]
pub struct Catalog {
    years: Vec<Methodology>,
}

impl Catalog {
    /// The year files compiled into the binary. A broken built-in file is a bug, reported as an error.
    pub fn builtin() -> Result<Catalog> {
        let mut catalog = Catalog::default();
        for (name, text) in BUILTIN {
            catalog.insert(Methodology::parse(&format!("methodology/{name}"), text)?);
        }
        Ok(catalog)
    }

    /// Adds a year, replacing a built-in one with the same year and variant (so that an administrator can
    /// correct assumed data without a new build).
    pub fn insert(&mut self, methodology: Methodology) {
        self.years.retain(|existing| existing.id() != methodology.id());
        self.years.push(methodology);
        self.years.sort_by_key(|methodology| methodology.id());
    }

    pub fn list(&self) -> &[Methodology] {
        &self.years
    }

    pub fn get(&self, id: &MethodologyId) -> Result<&Methodology> {
        self.years.iter().find(|methodology| methodology.id() == *id).ok_or_else(|| {
            let known: Vec<String> =
                self.years.iter().map(|methodology| methodology.id().to_string()).collect();
            Error::new(
                ErrorKind::Request,
                "",
                "methodology",
                format!("ไม่รู้จักวิธีการประเมินปี {id} (ที่มี: {})", known.join(", ")),
                format!("unknown methodology year {id} (known: {})", known.join(", ")),
            )
        })
    }

    /// The newest year of the NACC's own variant: the default for new rounds.
    pub fn newest(&self) -> Option<&Methodology> {
        self.years
            .iter()
            .filter(|methodology| methodology.variant == MethodologyId::DEFAULT_VARIANT)
            .max_by_key(|m| m.year)
    }
}
