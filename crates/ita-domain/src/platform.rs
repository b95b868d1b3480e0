//! The platform's own domain: agency codes and kinds, fiscal years, scores typed in by people, roles, and who
//! may read or change what. Pure: every rule here takes plain values, so the web layer only asks.

use std::fmt;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::exact::{Exact, Hundredths};

/// A value a person typed that could not be taken, said in Thai and in English.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{th} / {en}")]
pub struct Invalid {
    pub th: String,
    pub en: String,
}

impl Invalid {
    pub fn new(th: impl Into<String>, en: impl Into<String>) -> Invalid {
        Invalid { th: th.into(), en: en.into() }
    }
}

/// รหัสหน่วยงาน: the agency's code (as ITAS gives it), 1-32 letters, digits, `-`, `_` or `.`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct AgencyCode(String);

impl AgencyCode {
    pub fn parse(text: &str) -> Result<AgencyCode, Invalid> {
        let code = text.trim();
        if code.is_empty() {
            return Err(Invalid::new("ต้องระบุรหัสหน่วยงาน", "the agency code is required"));
        }
        if code.chars().count() > 32
            || !code.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        {
            return Err(Invalid::new(
                format!("รหัสหน่วยงาน \"{code}\" ใช้ได้เฉพาะตัวอักษรละติน ตัวเลข - _ และ . ไม่เกิน 32 ตัว"),
                format!("agency code \"{code}\" may hold only latin letters, digits, - _ and ., at most 32"),
            ));
        }
        Ok(AgencyCode(code.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for AgencyCode {
    type Error = Invalid;
    fn try_from(value: String) -> Result<AgencyCode, Invalid> {
        AgencyCode::parse(&value)
    }
}

impl From<AgencyCode> for String {
    fn from(code: AgencyCode) -> String {
        code.0
    }
}

impl fmt::Display for AgencyCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// ประเภทหน่วยงาน: the kinds of agency ITA assesses, with the names used in the ITAS lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AgencyKind {
    /// องค์การบริหารส่วนตำบล
    SubdistrictAdministration,
    /// เทศบาล
    Municipality,
    /// องค์การบริหารส่วนจังหวัด
    ProvincialAdministration,
    /// กรม หรือเทียบเท่า
    Department,
    /// มหาวิทยาลัย / สถาบันอุดมศึกษา
    University,
    /// รัฐวิสาหกิจ
    StateEnterprise,
    /// องค์การมหาชน
    PublicOrganization,
    /// จังหวัด
    Province,
    /// หน่วยงานอื่น
    Other,
}

impl AgencyKind {
    pub const ALL: [AgencyKind; 9] = [
        AgencyKind::SubdistrictAdministration,
        AgencyKind::Municipality,
        AgencyKind::ProvincialAdministration,
        AgencyKind::Department,
        AgencyKind::University,
        AgencyKind::StateEnterprise,
        AgencyKind::PublicOrganization,
        AgencyKind::Province,
        AgencyKind::Other,
    ];

    /// The stable code stored and used in files and the API.
    pub fn code(self) -> &'static str {
        match self {
            AgencyKind::SubdistrictAdministration => "sao",
            AgencyKind::Municipality => "municipality",
            AgencyKind::ProvincialAdministration => "pao",
            AgencyKind::Department => "department",
            AgencyKind::University => "university",
            AgencyKind::StateEnterprise => "state_enterprise",
            AgencyKind::PublicOrganization => "public_organization",
            AgencyKind::Province => "province",
            AgencyKind::Other => "other",
        }
    }

    pub fn thai(self) -> &'static str {
        match self {
            AgencyKind::SubdistrictAdministration => "องค์การบริหารส่วนตำบล",
            AgencyKind::Municipality => "เทศบาล",
            AgencyKind::ProvincialAdministration => "องค์การบริหารส่วนจังหวัด",
            AgencyKind::Department => "กรมหรือเทียบเท่า",
            AgencyKind::University => "มหาวิทยาลัย",
            AgencyKind::StateEnterprise => "รัฐวิสาหกิจ",
            AgencyKind::PublicOrganization => "องค์การมหาชน",
            AgencyKind::Province => "จังหวัด",
            AgencyKind::Other => "หน่วยงานอื่น",
        }
    }

    pub fn english(self) -> &'static str {
        match self {
            AgencyKind::SubdistrictAdministration => "Subdistrict administrative organisation",
            AgencyKind::Municipality => "Municipality",
            AgencyKind::ProvincialAdministration => "Provincial administrative organisation",
            AgencyKind::Department => "Department or equivalent",
            AgencyKind::University => "University",
            AgencyKind::StateEnterprise => "State enterprise",
            AgencyKind::PublicOrganization => "Public organisation",
            AgencyKind::Province => "Province",
            AgencyKind::Other => "Other agency",
        }
    }

    /// Reads a kind from its code, its Thai or English name, or the usual Thai abbreviation (อบต., อบจ.).
    pub fn parse(text: &str) -> Result<AgencyKind, Invalid> {
        let wanted = text.trim();
        let folded = wanted.to_lowercase();
        let abbreviation = match wanted.trim_end_matches('.') {
            "อบต" => Some(AgencyKind::SubdistrictAdministration),
            "อบจ" => Some(AgencyKind::ProvincialAdministration),
            "ทม" | "ทน" | "ทต" | "เทศบาลตำบล" | "เทศบาลเมือง" | "เทศบาลนคร" => {
                Some(AgencyKind::Municipality)
            }
            "กรม" => Some(AgencyKind::Department),
            _ => None,
        };
        abbreviation
            .or_else(|| {
                AgencyKind::ALL.into_iter().find(|kind| {
                    kind.code() == folded || kind.thai() == wanted || kind.english().to_lowercase() == folded
                })
            })
            .ok_or_else(|| {
                Invalid::new(
                    format!("ไม่รู้จักประเภทหน่วยงาน \"{wanted}\" (เช่น อบต. เทศบาล อบจ. กรม มหาวิทยาลัย)"),
                    format!("unknown agency type \"{wanted}\" (e.g. sao, municipality, pao, department, university)"),
                )
            })
    }
}

/// ปีงบประมาณ: a Thai fiscal year in the Buddhist era (2560-2700).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "i64", into = "i64")]
pub struct FiscalYear(u16);

impl FiscalYear {
    pub fn new(year: i64) -> Result<FiscalYear, Invalid> {
        if (2560..=2700).contains(&year) {
            Ok(FiscalYear(year as u16))
        } else {
            Err(Invalid::new(
                format!("ปีงบประมาณ {year} ไม่ถูกต้อง ต้องเป็นปี พ.ศ. ระหว่าง 2560 ถึง 2700"),
                format!("fiscal year {year} is not valid: give a Buddhist-era year from 2560 to 2700"),
            ))
        }
    }

    pub fn parse(text: &str) -> Result<FiscalYear, Invalid> {
        let trimmed = text.trim();
        let year = trimmed.parse::<i64>().map_err(|_| {
            Invalid::new(
                format!("ปีงบประมาณ \"{trimmed}\" ต้องเป็นตัวเลข เช่น 2568"),
                format!("fiscal year \"{trimmed}\" must be a number such as 2568"),
            )
        })?;
        FiscalYear::new(year)
    }

    pub fn get(self) -> u16 {
        self.0
    }
}

impl TryFrom<i64> for FiscalYear {
    type Error = Invalid;
    fn try_from(year: i64) -> Result<FiscalYear, Invalid> {
        FiscalYear::new(year)
    }
}

impl From<FiscalYear> for i64 {
    fn from(year: FiscalYear) -> i64 {
        i64::from(year.0)
    }
}

impl fmt::Display for FiscalYear {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// A score a person typed or a file gave: 0 to 100 with at most two decimals, kept exactly.
pub fn parse_score(label: &str, text: &str) -> Result<Hundredths, Invalid> {
    let trimmed = text.trim();
    let exact = Exact::parse(trimmed).ok_or_else(|| {
        Invalid::new(
            format!("{label}: \"{trimmed}\" ไม่ใช่ตัวเลข"),
            format!("{label}: \"{trimmed}\" is not a number"),
        )
    })?;
    let rounded = exact.round_hundredths();
    if rounded.to_exact() != exact {
        return Err(Invalid::new(
            format!("{label}: \"{trimmed}\" มีทศนิยมเกินสองตำแหน่ง"),
            format!("{label}: \"{trimmed}\" has more than two decimals"),
        ));
    }
    if exact.is_negative() || exact > Exact::hundred() {
        return Err(Invalid::new(
            format!("{label}: คะแนน {trimmed} อยู่นอกช่วง 0 ถึง 100"),
            format!("{label}: score {trimmed} is outside 0 to 100"),
        ));
    }
    Ok(rounded)
}

/// บทบาท: what an account is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// ผู้ดูแลระบบระดับประเทศ: everything.
    NationalAdmin,
    /// นักวิเคราะห์ระดับจังหวัด: reads every agency of one province, changes nothing.
    ProvincialAnalyst,
    /// ผู้ประเมิน: reads the agencies assigned to them (and, later, judges their OIT evidence).
    Assessor,
    /// ผู้ดูแลหน่วยงาน: one agency's data and its accounts.
    AgencyAdmin,
    /// ผู้แก้ไขข้อมูลหน่วยงาน: one agency's data, not its accounts.
    AgencyEditor,
}

impl Role {
    pub const ALL: [Role; 5] =
        [Role::NationalAdmin, Role::ProvincialAnalyst, Role::Assessor, Role::AgencyAdmin, Role::AgencyEditor];

    pub fn code(self) -> &'static str {
        match self {
            Role::NationalAdmin => "national_admin",
            Role::ProvincialAnalyst => "provincial_analyst",
            Role::Assessor => "assessor",
            Role::AgencyAdmin => "agency_admin",
            Role::AgencyEditor => "agency_editor",
        }
    }

    pub fn thai(self) -> &'static str {
        match self {
            Role::NationalAdmin => "ผู้ดูแลระบบระดับประเทศ",
            Role::ProvincialAnalyst => "นักวิเคราะห์ระดับจังหวัด",
            Role::Assessor => "ผู้ประเมิน",
            Role::AgencyAdmin => "ผู้ดูแลหน่วยงาน",
            Role::AgencyEditor => "ผู้แก้ไขข้อมูลหน่วยงาน",
        }
    }

    pub fn english(self) -> &'static str {
        match self {
            Role::NationalAdmin => "National administrator",
            Role::ProvincialAnalyst => "Provincial analyst",
            Role::Assessor => "Assessor",
            Role::AgencyAdmin => "Agency administrator",
            Role::AgencyEditor => "Agency editor",
        }
    }

    pub fn parse(text: &str) -> Result<Role, Invalid> {
        let wanted = text.trim();
        Role::ALL.into_iter().find(|role| role.code() == wanted || role.thai() == wanted).ok_or_else(|| {
            Invalid::new(format!("ไม่รู้จักบทบาท \"{wanted}\""), format!("unknown role \"{wanted}\""))
        })
    }

    /// Whether an account of this role belongs to one agency (and must name it).
    pub fn needs_agency(self) -> bool {
        matches!(self, Role::AgencyAdmin | Role::AgencyEditor)
    }

    /// Whether an account of this role covers one province (and must name it).
    pub fn needs_province(self) -> bool {
        self == Role::ProvincialAnalyst
    }
}

/// Who is asking: an account's role and the scope that role is bound to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    pub user_id: Uuid,
    pub role: Role,
    /// The agency of an agency administrator or editor.
    pub agency_id: Option<Uuid>,
    /// The province of a provincial analyst.
    pub province: Option<String>,
    /// The agencies assigned to an assessor.
    pub assigned: Vec<Uuid>,
}

/// What the rules need to know of an agency.
#[derive(Debug, Clone, Copy)]
pub struct AgencyScope<'a> {
    pub id: Uuid,
    pub province: &'a str,
}

/// Which agencies a list may show to a principal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Visibility {
    All,
    Province(String),
    Agencies(Vec<Uuid>),
}

impl Principal {
    pub fn is_national_admin(&self) -> bool {
        self.role == Role::NationalAdmin
    }

    /// The agencies this principal may see in any list.
    pub fn visibility(&self) -> Visibility {
        match self.role {
            Role::NationalAdmin => Visibility::All,
            Role::ProvincialAnalyst => Visibility::Province(self.province.clone().unwrap_or_default()),
            Role::Assessor => Visibility::Agencies(self.assigned.clone()),
            Role::AgencyAdmin | Role::AgencyEditor => {
                Visibility::Agencies(self.agency_id.into_iter().collect())
            }
        }
    }

    pub fn can_read_agency(&self, agency: AgencyScope<'_>) -> bool {
        match self.role {
            Role::NationalAdmin => true,
            Role::ProvincialAnalyst => self.province.as_deref() == Some(agency.province),
            Role::Assessor => self.assigned.contains(&agency.id),
            Role::AgencyAdmin | Role::AgencyEditor => self.agency_id == Some(agency.id),
        }
    }

    /// Changing an agency's profile, results and measures.
    pub fn can_write_agency(&self, agency: AgencyScope<'_>) -> bool {
        match self.role {
            Role::NationalAdmin => true,
            Role::ProvincialAnalyst | Role::Assessor => false,
            Role::AgencyAdmin | Role::AgencyEditor => self.agency_id == Some(agency.id),
        }
    }

    /// Creating agencies, importing them, and managing assessment rounds.
    pub fn can_manage_platform(&self) -> bool {
        self.is_national_admin()
    }

    /// Whether this principal may create or change an account with `role` bound to `agency_id`.
    pub fn can_manage_account(&self, role: Role, agency_id: Option<Uuid>) -> bool {
        match self.role {
            Role::NationalAdmin => true,
            Role::AgencyAdmin => role.needs_agency() && agency_id.is_some() && agency_id == self.agency_id,
            _ => false,
        }
    }

    /// The account list and the audit log.
    pub fn can_see_accounts(&self) -> bool {
        matches!(self.role, Role::NationalAdmin | Role::AgencyAdmin)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn principal(role: Role, agency: Option<Uuid>, province: Option<&str>, assigned: Vec<Uuid>) -> Principal {
        Principal {
            user_id: Uuid::from_u128(1),
            role,
            agency_id: agency,
            province: province.map(str::to_string),
            assigned,
        }
    }

    #[test]
    fn every_role_reads_only_its_own_agencies() {
        let ours = Uuid::from_u128(10);
        let theirs = Uuid::from_u128(11);
        let ours_scope = AgencyScope { id: ours, province: "อ่างทอง" };
        let theirs_scope = AgencyScope { id: theirs, province: "ลพบุรี" };
        let cases = [
            (principal(Role::NationalAdmin, None, None, vec![]), true, true, true, true),
            (principal(Role::ProvincialAnalyst, None, Some("อ่างทอง"), vec![]), true, false, false, false),
            (principal(Role::Assessor, None, None, vec![ours]), true, false, false, false),
            (principal(Role::AgencyAdmin, Some(ours), None, vec![]), true, false, true, false),
            (principal(Role::AgencyEditor, Some(ours), None, vec![]), true, false, true, false),
        ];
        for (who, read_ours, read_theirs, write_ours, write_theirs) in cases {
            assert_eq!(who.can_read_agency(ours_scope), read_ours, "{:?} reading ours", who.role);
            assert_eq!(who.can_read_agency(theirs_scope), read_theirs, "{:?} reading theirs", who.role);
            assert_eq!(who.can_write_agency(ours_scope), write_ours, "{:?} writing ours", who.role);
            assert_eq!(who.can_write_agency(theirs_scope), write_theirs, "{:?} writing theirs", who.role);
        }
    }

    #[test]
    fn an_agency_admin_manages_only_its_own_agency_accounts() {
        let ours = Uuid::from_u128(10);
        let admin = principal(Role::AgencyAdmin, Some(ours), None, vec![]);
        assert!(admin.can_manage_account(Role::AgencyEditor, Some(ours)));
        assert!(!admin.can_manage_account(Role::AgencyEditor, Some(Uuid::from_u128(11))));
        assert!(!admin.can_manage_account(Role::NationalAdmin, None));
        assert!(!admin.can_manage_account(Role::Assessor, None));
    }

    #[test]
    fn scores_are_checked_for_range_and_decimals() {
        assert_eq!(parse_score("ตัวชี้วัดที่ 1", "97.85").unwrap().to_exact(), Exact::parse("97.85").unwrap());
        assert!(parse_score("x", "100.01").unwrap_err().en.contains("outside 0 to 100"));
        assert!(parse_score("x", "-1").is_err());
        assert!(parse_score("x", "99.345").unwrap_err().en.contains("two decimals"));
        assert!(parse_score("x", "abc").unwrap_err().th.contains("ไม่ใช่ตัวเลข"));
    }

    #[test]
    fn kinds_read_from_thai_abbreviations() {
        assert_eq!(AgencyKind::parse("อบต.").unwrap(), AgencyKind::SubdistrictAdministration);
        assert_eq!(AgencyKind::parse("เทศบาลตำบล").unwrap(), AgencyKind::Municipality);
        assert_eq!(AgencyKind::parse("university").unwrap(), AgencyKind::University);
        assert!(AgencyKind::parse("xyz").is_err());
        assert!(AgencyCode::parse("").is_err());
        assert!(AgencyCode::parse("abc def").is_err());
        assert_eq!(AgencyCode::parse(" 5150101 ").unwrap().as_str(), "5150101");
    }
}

/// Where a day stands against one of a round's windows (survey, OIT answers, review, clarification).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WindowPhase {
    /// One end or both are not set: the window is not open.
    Unset,
    Before,
    Open,
    Closed,
}

/// The phase of the window `from..=to` (ISO dates, both ends inclusive) on `today` (ISO date).
pub fn window_phase(from: Option<&str>, to: Option<&str>, today: &str) -> WindowPhase {
    match (from, to) {
        (Some(from), Some(_)) if today < from => WindowPhase::Before,
        (Some(_), Some(to)) if today > to => WindowPhase::Closed,
        (Some(_), Some(_)) => WindowPhase::Open,
        _ => WindowPhase::Unset,
    }
}

#[cfg(test)]
mod window_tests {
    use super::*;

    #[test]
    fn windows_are_inclusive_at_both_ends_and_unset_is_not_open() {
        let (from, to) = (Some("2025-06-01"), Some("2025-06-30"));
        assert_eq!(window_phase(from, to, "2025-05-31"), WindowPhase::Before);
        assert_eq!(window_phase(from, to, "2025-06-01"), WindowPhase::Open);
        assert_eq!(window_phase(from, to, "2025-06-30"), WindowPhase::Open);
        assert_eq!(window_phase(from, to, "2025-07-01"), WindowPhase::Closed);
        assert_eq!(window_phase(None, to, "2025-06-15"), WindowPhase::Unset);
        assert_eq!(window_phase(from, None, "2025-06-15"), WindowPhase::Unset);
    }
}
