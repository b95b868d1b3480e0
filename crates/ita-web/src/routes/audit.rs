//! The audit log as a page: every entry for a national administrator, one agency's for its administrator,
//! newest first, each said in words (who did what to which record, and what changed from what to what).

use std::collections::BTreeMap;
use std::collections::btree_map::Entry;

use askama::Template;
use axum::Router;
use axum::extract::{Query, State};
use axum::response::Html;
use axum::routing::get;
use ita_domain::Lang;
use ita_domain::platform::{AgencyKind, Role};
use ita_store::{Agency, AuditEntry, AuditQuery, Round};
use serde::Deserialize;
use serde_json::Value;
use uuid::Uuid;

use crate::auth::Viewer;
use crate::page::{Page, local_time};
use crate::{AppState, WebError};

pub const PAGE_SIZE: i64 = 50;

/// At most this many changed fields are listed for one entry; the rest are counted.
const MAX_LINES: usize = 12;

pub fn router() -> Router<AppState> {
    Router::new().route("/audit", get(list))
}

#[derive(Debug, Default, Deserialize)]
struct ListQuery {
    page: Option<i64>,
}

struct EntryRow {
    time: String,
    actor: String,
    action: String,
    subject: String,
    summary: Vec<String>,
}

#[derive(Template)]
#[template(path = "audit/list.html")]
struct ListPage {
    page: Page,
    rows: Vec<EntryRow>,
    total: i64,
    page_number: i64,
    page_count: i64,
    previous_link: Option<String>,
    next_link: Option<String>,
}

/// An action code in words.
pub fn action_words(lang: Lang, action: &str) -> String {
    let (th, en) = match action {
        "agency.create" => ("เพิ่มหน่วยงาน", "created an agency"),
        "agency.update" => ("แก้ไขข้อมูลหน่วยงาน", "changed an agency"),
        "round.create" => ("เพิ่มรอบการประเมิน", "created an assessment round"),
        "round.update" => ("แก้ไขรอบการประเมิน", "changed an assessment round"),
        "result.create" => ("บันทึกผลคะแนน", "entered a result"),
        "result.update" => ("แก้ไขผลคะแนน", "changed a result"),
        "user.create" => ("เพิ่มผู้ใช้งาน", "created an account"),
        "user.update" => ("แก้ไขผู้ใช้งาน", "changed an account"),
        "user.password" => ("ตั้งรหัสผ่านใหม่", "reset a password"),
        "assignment.add" => ("มอบหมายหน่วยงานให้ผู้ประเมิน", "assigned an agency to an assessor"),
        "assignment.remove" => ("ยกเลิกการมอบหมายหน่วยงาน", "removed an assessor's agency"),
        "token.create" => ("สร้างโทเค็น API", "made an API token"),
        // An action added later still shows, as its code.
        other => (other, other),
    };
    lang.pick(th, en).to_string()
}

/// A field of a stored record in words; `None` for bookkeeping fields nobody needs to read.
fn field_words(lang: Lang, path: &str) -> Option<String> {
    if let Some(number) = path.strip_prefix("indicators.") {
        return Some(format!("{} {number}", lang.pick("ตัวชี้วัดที่", "indicator")));
    }
    let key = path.rsplit('.').next().unwrap_or(path);
    let (th, en) = match key {
        "id" | "created_at" | "updated_at" | "updated_by" | "agency_id" | "round_id" | "user" => return None,
        "total" => ("คะแนนรวม", "total"),
        "level_code" => ("ระดับ", "level"),
        "source" => ("ที่มาของผล", "source"),
        "code" => ("รหัสหน่วยงาน", "agency code"),
        "name_th" => ("ชื่อ (ภาษาไทย)", "Thai name"),
        "name_en" => ("ชื่อ (ภาษาอังกฤษ)", "English name"),
        "kind" => ("ประเภท", "type"),
        "province" => ("จังหวัด", "province"),
        "district" => ("อำเภอ", "district"),
        "parent_id" => ("ต้นสังกัด", "parent"),
        "website" => ("เว็บไซต์", "website"),
        "contact" => ("ช่องทางติดต่อ", "contact"),
        "fiscal_year" => ("ปีงบประมาณ", "fiscal year"),
        "methodology_year" => ("ปีของวิธีการประเมิน", "methodology year"),
        "methodology_variant" => ("ชุดวิธีการประเมิน", "methodology variant"),
        "oit_answer_from" => ("เริ่มตอบแบบ OIT", "OIT answering from"),
        "oit_answer_to" => ("สิ้นสุดการตอบแบบ OIT", "OIT answering to"),
        "survey_from" => ("เริ่มเก็บข้อมูล IIT/EIT", "IIT/EIT collection from"),
        "survey_to" => ("สิ้นสุดการเก็บข้อมูล IIT/EIT", "IIT/EIT collection to"),
        "oit_review_from" => ("เริ่มตรวจ OIT", "OIT review from"),
        "oit_review_to" => ("สิ้นสุดการตรวจ OIT", "OIT review to"),
        "clarification_from" => ("เริ่มชี้แจงผล", "clarification from"),
        "clarification_to" => ("สิ้นสุดการชี้แจงผล", "clarification to"),
        "results_on" => ("วันประกาศผล", "results date"),
        "username" => ("ชื่อผู้ใช้", "username"),
        "display_name" => ("ชื่อ-นามสกุล", "full name"),
        "role" => ("บทบาท", "role"),
        "active" => ("สถานะบัญชี", "account"),
        _ => return Some(path.to_string()),
    };
    Some(lang.pick(th, en).to_string())
}

/// A stored value in words: scores with two decimals, codes by their names, nothing as "-".
fn value_words(lang: Lang, path: &str, value: &Value) -> String {
    let key = path.rsplit('.').next().unwrap_or(path);
    match value {
        Value::Null => "-".to_string(),
        Value::Bool(flag) if key == "active" => lang
            .pick(if *flag { "ใช้งาน" } else { "ปิดใช้งาน" }, if *flag { "active" } else { "deactivated" })
            .to_string(),
        Value::Bool(flag) => {
            lang.pick(if *flag { "ใช่" } else { "ไม่" }, if *flag { "yes" } else { "no" }).to_string()
        }
        Value::Number(number) if number.is_f64() => format!("{:.2}", number.as_f64().unwrap_or_default()),
        Value::Number(number) => number.to_string(),
        Value::String(text) if key == "role" => match Role::parse(text) {
            Ok(role) => lang.pick(role.thai(), role.english()).to_string(),
            Err(_) => text.clone(),
        },
        Value::String(text) if key == "source" => match text.as_str() {
            "official" => lang.pick("ผลทางการ (ITAS)", "official (ITAS)").to_string(),
            "computed" => lang.pick("คำนวณในระบบ", "computed here").to_string(),
            _ => text.clone(),
        },
        // Kinds are stored in JSON by their serde names (`subdistrict_administration`), not their codes.
        Value::String(text) if key == "kind" => {
            match AgencyKind::ALL
                .into_iter()
                .find(|kind| serde_json::to_value(kind).ok().as_ref() == Some(value))
            {
                Some(kind) => lang.pick(kind.thai(), kind.english()).to_string(),
                None => text.clone(),
            }
        }
        Value::String(text) if key.ends_with("_from") || key.ends_with("_to") || key == "results_on" => {
            crate::page::iso_date(lang, text)
        }
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

/// Every scalar of a JSON value by its dotted path (`indicators.3`, `windows.survey_from`).
fn flatten(prefix: &str, value: &Value, into: &mut BTreeMap<String, Value>) {
    match value {
        Value::Object(fields) => {
            for (key, inner) in fields {
                let path = if prefix.is_empty() { key.clone() } else { format!("{prefix}.{key}") };
                flatten(&path, inner, into);
            }
        }
        other => {
            into.insert(prefix.to_string(), other.clone());
        }
    }
}

/// Indicator paths sort by number (2 before 10), everything else by name.
fn path_order(path: &str) -> (u8, u32, String) {
    match path.strip_prefix("indicators.").and_then(|number| number.parse::<u32>().ok()) {
        Some(number) => (1, number, String::new()),
        None => (0, 0, path.to_string()),
    }
}

/// The detail of an entry in lines a person reads: for a change, each field that changed as "old → new";
/// for a new record, its fields.
pub fn summary(lang: Lang, detail: &Value) -> Vec<String> {
    let mut lines: Vec<(String, String)> = Vec::new();
    let before = detail.get("before");
    let after = detail.get("after");
    match (before, after) {
        (Some(before), Some(after)) if !before.is_null() => {
            let mut old = BTreeMap::new();
            let mut new = BTreeMap::new();
            flatten("", before, &mut old);
            flatten("", after, &mut new);
            let mut paths: Vec<&String> = old.keys().chain(new.keys()).collect();
            paths.sort_by_key(|path| path_order(path));
            paths.dedup();
            for path in paths {
                let (was, now) =
                    (old.get(path).unwrap_or(&Value::Null), new.get(path).unwrap_or(&Value::Null));
                if was == now {
                    continue;
                }
                if let Some(label) = field_words(lang, path) {
                    let change = format!(
                        "{label}: {} → {}",
                        value_words(lang, path, was),
                        value_words(lang, path, now)
                    );
                    lines.push((path.clone(), change));
                }
            }
        }
        (_, created) => {
            let mut fields = BTreeMap::new();
            flatten("", created.unwrap_or(detail), &mut fields);
            let mut paths: Vec<&String> = fields.keys().collect();
            paths.sort_by_key(|path| path_order(path));
            // A new result's indicators are counted rather than listed: its total and level say enough.
            let indicators = paths.iter().filter(|path| path.starts_with("indicators.")).count();
            if indicators > 0 {
                let line = match lang {
                    Lang::Th => format!("คะแนนตัวชี้วัด {indicators} ตัว"),
                    Lang::En => format!("{indicators} indicator scores"),
                };
                lines.push(("indicators".into(), line));
            }
            for path in paths {
                let value = &fields[path];
                if value.is_null() || path.starts_with("indicators.") {
                    continue;
                }
                if let Some(label) = field_words(lang, path) {
                    lines.push((path.clone(), format!("{label}: {}", value_words(lang, path, value))));
                }
            }
        }
    }
    let count = lines.len();
    let mut shown: Vec<String> = lines.into_iter().take(MAX_LINES).map(|(_, line)| line).collect();
    if count > MAX_LINES {
        let more = count - MAX_LINES;
        shown.push(match lang {
            Lang::Th => format!("และอีก {more} รายการ"),
            Lang::En => format!("and {more} more"),
        });
    }
    shown
}

/// Names for the ids entries refer to, looked up once per page.
#[derive(Default)]
struct Names {
    agencies: BTreeMap<Uuid, Option<Agency>>,
    users: BTreeMap<Uuid, Option<String>>,
    rounds: Vec<Round>,
}

impl Names {
    async fn agency(&mut self, state: &AppState, id: Uuid) -> Result<Option<String>, WebError> {
        if let Entry::Vacant(slot) = self.agencies.entry(id) {
            slot.insert(state.store.agency(id).await?);
        }
        Ok(self.agencies[&id].as_ref().map(|agency| format!("{} {}", agency.code, agency.name_th)))
    }

    async fn user(&mut self, state: &AppState, id: Uuid) -> Result<Option<String>, WebError> {
        if let Entry::Vacant(slot) = self.users.entry(id) {
            slot.insert(state.store.user(id).await?.map(|user| user.username));
        }
        Ok(self.users[&id].clone())
    }

    /// The entry's subject in words: a result names its agency and fiscal year, an account change its username.
    async fn subject(
        &mut self,
        state: &AppState,
        lang: Lang,
        entry: &AuditEntry,
    ) -> Result<String, WebError> {
        let subject_id = entry.subject.parse::<Uuid>().ok();
        let agency = match entry.agency_id {
            Some(id) => self.agency(state, id).await?,
            None => None,
        };
        let text = if entry.action.starts_with("result.") {
            let year = subject_id
                .and_then(|id| self.rounds.iter().find(|round| round.id == id))
                .map(|round| format!("{} {}", lang.pick("ปีงบประมาณ", "fiscal year"), round.fiscal_year));
            [agency, year].into_iter().flatten().collect::<Vec<_>>().join(" · ")
        } else if entry.action.starts_with("assignment.") || entry.action == "user.password" {
            let user = match subject_id {
                Some(id) => self.user(state, id).await?,
                None => None,
            };
            [user, agency].into_iter().flatten().collect::<Vec<_>>().join(" · ")
        } else if entry.action == "token.create" {
            let owner = match entry.detail.get("user").and_then(Value::as_str).and_then(|id| id.parse().ok())
            {
                Some(id) => self.user(state, id).await?,
                None => None,
            };
            [Some(entry.subject.clone()), owner].into_iter().flatten().collect::<Vec<_>>().join(" · ")
        } else if entry.action.starts_with("agency.") {
            agency.unwrap_or_default()
        } else if entry.action.starts_with("round.") {
            format!("{} {}", lang.pick("ปีงบประมาณ", "fiscal year"), entry.subject)
        } else {
            String::new()
        };
        Ok(if text.is_empty() { entry.subject.clone() } else { text })
    }
}

async fn list(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(query): Query<ListQuery>,
) -> Result<Html<String>, WebError> {
    let agency_id = match viewer.principal.role {
        Role::NationalAdmin => None,
        Role::AgencyAdmin => Some(viewer.principal.agency_id.ok_or(WebError::Forbidden)?),
        _ => return Err(WebError::Forbidden),
    };
    let page_number = query.page.unwrap_or(1).max(1);
    let found = state
        .store
        .audit(&AuditQuery { agency_id, offset: (page_number - 1) * PAGE_SIZE, limit: PAGE_SIZE })
        .await?;
    let lang = viewer.lang;
    let mut names = Names { rounds: state.store.rounds().await?, ..Names::default() };
    let mut rows = Vec::with_capacity(found.items.len());
    for entry in &found.items {
        rows.push(EntryRow {
            time: local_time(lang, entry.at),
            actor: entry.actor_name.clone(),
            action: action_words(lang, &entry.action),
            subject: names.subject(&state, lang, entry).await?,
            summary: summary(lang, &entry.detail),
        });
    }
    let page_count = ((found.total + PAGE_SIZE - 1) / PAGE_SIZE).max(1);
    let link = |number: i64| format!("/audit?page={number}");
    let page = ListPage {
        page: viewer.page(viewer.t("ประวัติการแก้ไข", "Audit log")),
        rows,
        total: found.total,
        page_number,
        page_count,
        previous_link: (page_number > 1).then(|| link(page_number - 1)),
        next_link: (page_number < page_count).then(|| link(page_number + 1)),
    };
    Ok(Html(page.render().map_err(anyhow::Error::new)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_result_change_reads_as_old_to_new_per_field() {
        let detail = serde_json::json!({
            "before": { "total": 80.0, "level_code": "A", "indicators": { "2": 70.0, "10": 90.0 }, "updated_at": 1 },
            "after": { "total": 85.5, "level_code": "AA", "indicators": { "2": 95.0, "10": 90.0 }, "updated_at": 2 },
        });
        assert_eq!(
            summary(Lang::Th, &detail),
            ["ระดับ: A → AA", "คะแนนรวม: 80.00 → 85.50", "ตัวชี้วัดที่ 2: 70.00 → 95.00"]
        );
    }

    #[test]
    fn a_new_result_counts_its_indicators_and_gives_its_total() {
        let detail = serde_json::json!({ "before": null,
            "after": { "total": 78.35, "level_code": "B", "source": "official", "indicators": { "1": 100.0, "2": 99.0 } } });
        assert_eq!(
            summary(Lang::Th, &detail),
            ["คะแนนตัวชี้วัด 2 ตัว", "ระดับ: B", "ที่มาของผล: ผลทางการ (ITAS)", "คะแนนรวม: 78.35"]
        );
    }

    #[test]
    fn a_new_account_lists_its_fields_in_words() {
        let detail = serde_json::json!({ "username": "somchai", "role": "agency_editor", "active": true,
                                         "id": "x", "province": null });
        assert_eq!(
            summary(Lang::En, &detail),
            ["account: active", "role: Agency editor", "username: somchai"]
        );
        let agency = serde_json::json!({ "kind": AgencyKind::SubdistrictAdministration });
        assert_eq!(summary(Lang::Th, &agency), ["ประเภท: องค์การบริหารส่วนตำบล"]);
        assert_eq!(action_words(Lang::Th, "result.update"), "แก้ไขผลคะแนน");
        assert_eq!(action_words(Lang::En, "something.new"), "something.new");
    }
}
