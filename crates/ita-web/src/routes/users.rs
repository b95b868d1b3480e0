//! Accounts: the list (all of them for a national administrator, one agency's for its administrator), creating
//! and editing an account, resetting its password, an assessor's assigned agencies, and API tokens.

use std::collections::BTreeMap;

use askama::Template;
use axum::Router;
use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use ita_domain::platform::{AgencyCode, Invalid, Role};
use ita_store::{Agency, User, UserDraft};
use serde::Deserialize;
use uuid::Uuid;

use crate::auth::{self, Viewer};
use crate::error::{conflict_problem, render};
use crate::page::Page;
use crate::routes::agencies::actor;
use crate::{AppState, WebError};

pub const PAGE_SIZE: usize = 50;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/users", get(list).post(create))
        .route("/users/new", get(new_form))
        .route("/users/{id}", post(update))
        .route("/users/{id}/edit", get(edit_form))
        .route("/users/{id}/password", post(reset_password))
        .route("/users/{id}/assignments", post(change_assignment))
        .route("/users/{id}/tokens", get(tokens_form).post(create_token))
}

fn messages(viewer: &Viewer, problems: &[Invalid]) -> Vec<String> {
    problems.iter().map(|invalid| viewer.t(&invalid.th, &invalid.en).to_string()).collect()
}

/// Whose accounts this viewer sees: `None` for all (national administrator), `Some(agency)` for an agency
/// administrator; anyone else may not see accounts at all.
fn account_scope(viewer: &Viewer) -> Result<Option<Uuid>, WebError> {
    match viewer.principal.role {
        Role::NationalAdmin => Ok(None),
        Role::AgencyAdmin => viewer.principal.agency_id.map(Some).ok_or(WebError::Forbidden),
        _ => Err(WebError::Forbidden),
    }
}

/// The account, if this viewer may manage it. Accounts of another agency are "not found", so that an agency
/// administrator learns nothing from trying ids.
async fn managed_user(state: &AppState, viewer: &Viewer, id: Uuid) -> Result<User, WebError> {
    let scope = account_scope(viewer)?;
    let user = state.store.user(id).await?.ok_or(WebError::NotFound)?;
    if scope.is_some() && user.agency_id != scope {
        return Err(WebError::NotFound);
    }
    if !viewer.principal.can_manage_account(user.role, user.agency_id) {
        return Err(WebError::Forbidden);
    }
    Ok(user)
}

/// Agencies by id, looked up once each (a page shows at most [`PAGE_SIZE`] accounts).
async fn agencies_of(
    state: &AppState,
    ids: impl Iterator<Item = Uuid>,
) -> Result<BTreeMap<Uuid, Agency>, WebError> {
    let mut found = BTreeMap::new();
    for id in ids {
        if let std::collections::btree_map::Entry::Vacant(slot) = found.entry(id) {
            if let Some(agency) = state.store.agency(id).await? {
                slot.insert(agency);
            }
        }
    }
    Ok(found)
}

fn agency_label(agencies: &BTreeMap<Uuid, Agency>, id: Option<Uuid>) -> String {
    match id.and_then(|id| agencies.get(&id)) {
        Some(agency) => format!("{} {}", agency.code, agency.name_th),
        None => "-".to_string(),
    }
}

// The list.

#[derive(Debug, Default, Deserialize)]
struct ListQuery {
    q: Option<String>,
    page: Option<usize>,
}

struct UserRow {
    id: Uuid,
    username: String,
    display_name: String,
    role: String,
    agency: String,
    province: String,
    active: bool,
}

#[derive(Template)]
#[template(path = "users/list.html")]
struct ListPage {
    page: Page,
    rows: Vec<UserRow>,
    total: usize,
    search: String,
    page_number: usize,
    page_count: usize,
    previous_link: Option<String>,
    next_link: Option<String>,
}

async fn list(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(query): Query<ListQuery>,
) -> Result<Html<String>, WebError> {
    let scope = account_scope(&viewer)?;
    let search = query.q.as_deref().map(str::trim).unwrap_or("").to_string();
    let folded = search.to_lowercase();
    let matching: Vec<User> = state
        .store
        .list_users(scope)
        .await?
        .into_iter()
        .filter(|user| {
            folded.is_empty()
                || user.username.to_lowercase().contains(&folded)
                || user.display_name.to_lowercase().contains(&folded)
        })
        .collect();
    let total = matching.len();
    let page_count = total.div_ceil(PAGE_SIZE).max(1);
    let page_number = query.page.unwrap_or(1).clamp(1, page_count);
    let shown: Vec<User> = matching.into_iter().skip((page_number - 1) * PAGE_SIZE).take(PAGE_SIZE).collect();
    let agencies = agencies_of(&state, shown.iter().filter_map(|user| user.agency_id)).await?;
    let rows = shown
        .iter()
        .map(|user| UserRow {
            id: user.id,
            username: user.username.clone(),
            display_name: user.display_name.clone(),
            role: viewer.t(user.role.thai(), user.role.english()).to_string(),
            agency: agency_label(&agencies, user.agency_id),
            province: user.province.clone().unwrap_or_else(|| "-".into()),
            active: user.active,
        })
        .collect();
    let link = |number: usize| {
        let mut link = format!("/users?page={number}");
        if !search.is_empty() {
            link.push_str(&format!("&q={}", crate::page::url_encode(&search)));
        }
        link
    };
    let page = ListPage {
        page: viewer.page(viewer.t("ผู้ใช้งาน", "Users")),
        rows,
        total,
        search: search.clone(),
        page_number,
        page_count,
        previous_link: (page_number > 1).then(|| link(page_number - 1)),
        next_link: (page_number < page_count).then(|| link(page_number + 1)),
    };
    render(&page)
}

// Creating and editing.

#[derive(Debug, Default, Deserialize)]
struct UserForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    agency_code: String,
    #[serde(default)]
    province: String,
    /// A checkbox: present when ticked.
    #[serde(default)]
    active: Option<String>,
    /// The initial password (creating only).
    #[serde(default)]
    password: String,
}

/// Letters, digits and `. _ - @`, 3 to 64 of them: names people type at sign-in and read in the audit log.
fn check_username(username: &str) -> Result<(), Invalid> {
    let length = username.chars().count();
    if !(3..=64).contains(&length)
        || !username.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '@'))
    {
        return Err(Invalid::new(
            format!("ชื่อผู้ใช้ \"{username}\" ต้องยาว 3-64 ตัว ใช้ได้เฉพาะตัวอักษรละติน ตัวเลข . _ - และ @"),
            format!("username \"{username}\" must be 3-64 latin letters, digits, . _ - or @"),
        ));
    }
    Ok(())
}

impl UserForm {
    fn from_user(user: &User, agency_code: Option<String>) -> UserForm {
        UserForm {
            username: user.username.clone(),
            display_name: user.display_name.clone(),
            role: user.role.code().to_string(),
            agency_code: agency_code.unwrap_or_default(),
            province: user.province.clone().unwrap_or_default(),
            active: user.active.then(|| "on".to_string()),
            password: String::new(),
        }
    }

    /// The draft, or every problem with the form at once. The password is checked only when `creating`.
    async fn parse(&self, state: &AppState, creating: bool) -> Result<UserDraft, Vec<Invalid>> {
        let mut problems = Vec::new();
        let username = self.username.trim().to_string();
        if let Err(invalid) = check_username(&username) {
            problems.push(invalid);
        }
        let display_name = self.display_name.trim().to_string();
        if display_name.is_empty() {
            problems.push(Invalid::new("ต้องระบุชื่อ-นามสกุล", "the full name is required"));
        }
        let role = Role::parse(&self.role).map_err(|invalid| problems.push(invalid)).ok();
        let mut agency_id = None;
        if role.is_some_and(Role::needs_agency) {
            let code = self.agency_code.trim();
            if code.is_empty() {
                problems.push(Invalid::new(
                    "บทบาทนี้ต้องระบุรหัสหน่วยงานที่สังกัด",
                    "this role needs the code of the account's agency",
                ));
            } else {
                let agency = match AgencyCode::parse(code) {
                    Ok(parsed) => state.store.agency_by_code(&parsed).await.ok().flatten(),
                    Err(_) => None,
                };
                match agency {
                    Some(agency) => agency_id = Some(agency.id),
                    None => problems.push(Invalid::new(
                        format!("ไม่พบหน่วยงานรหัส {code}"),
                        format!("no agency with code {code}"),
                    )),
                }
            }
        }
        let mut province = None;
        if role.is_some_and(Role::needs_province) {
            match self.province.trim() {
                "" => problems.push(Invalid::new(
                    "นักวิเคราะห์ระดับจังหวัดต้องระบุจังหวัด",
                    "a provincial analyst needs a province",
                )),
                given => province = Some(given.to_string()),
            }
        }
        if creating {
            if let Err(invalid) = auth::check_password(&self.password) {
                problems.push(invalid);
            }
        }
        match role {
            Some(role) if problems.is_empty() => Ok(UserDraft {
                username,
                display_name,
                role,
                agency_id,
                province,
                active: self.active.is_some(),
            }),
            _ => Err(problems),
        }
    }
}

struct Choice {
    value: String,
    label: String,
    selected: bool,
}

struct AssignedAgency {
    code: String,
    name: String,
}

#[derive(Template)]
#[template(path = "users/form.html")]
struct FormPage {
    page: Page,
    action: String,
    creating: bool,
    form: UserForm,
    roles: Vec<Choice>,
    messages: Vec<String>,
    /// The account being edited (not when creating).
    user_id: Option<Uuid>,
    notice: Option<String>,
    password_messages: Vec<String>,
    /// An assessor's assigned agencies; `None` for any other role.
    assigned: Option<Vec<AssignedAgency>>,
    assignment_messages: Vec<String>,
    can_make_tokens: bool,
}

/// The roles this viewer may give: every role for a national administrator, the agency roles otherwise.
fn role_choices(viewer: &Viewer, selected: &str) -> Vec<Choice> {
    Role::ALL
        .into_iter()
        .filter(|role| viewer.principal.is_national_admin() || role.needs_agency())
        .map(|role| Choice {
            value: role.code().to_string(),
            label: viewer.t(role.thai(), role.english()).to_string(),
            selected: role.code() == selected,
        })
        .collect()
}

fn new_page(viewer: &Viewer, form: UserForm, problems: &[Invalid]) -> FormPage {
    FormPage {
        page: viewer.page(viewer.t("เพิ่มผู้ใช้งาน", "New user")),
        action: "/users".into(),
        creating: true,
        roles: role_choices(viewer, &form.role),
        form,
        messages: messages(viewer, problems),
        user_id: None,
        notice: None,
        password_messages: Vec::new(),
        assigned: None,
        assignment_messages: Vec::new(),
        can_make_tokens: false,
    }
}

async fn new_form(State(state): State<AppState>, viewer: Viewer) -> Result<Html<String>, WebError> {
    let scope = account_scope(&viewer)?;
    // An agency administrator adds accounts to its own agency: the code is filled in already.
    let agency_code = match scope {
        Some(agency_id) => state.store.agency(agency_id).await?.map(|agency| agency.code.to_string()),
        None => None,
    };
    let form = UserForm {
        role: Role::AgencyEditor.code().to_string(),
        agency_code: agency_code.unwrap_or_default(),
        active: Some("on".into()),
        ..UserForm::default()
    };
    render(&new_page(&viewer, form, &[]))
}

async fn create(
    State(state): State<AppState>,
    viewer: Viewer,
    Form(form): Form<UserForm>,
) -> Result<Response, WebError> {
    account_scope(&viewer)?;
    let problems = match form.parse(&state, true).await {
        Ok(draft) => {
            if !viewer.principal.can_manage_account(draft.role, draft.agency_id) {
                return Err(WebError::Forbidden);
            }
            let hash = auth::hash_password(form.password.clone()).await?;
            match state.store.create_user(&actor(&viewer), &draft, &hash).await {
                Ok(user) => {
                    return Ok(Redirect::to(&format!("/users/{}/edit?saved=1", user.id)).into_response());
                }
                Err(error) => vec![conflict_problem(error)?],
            }
        }
        Err(problems) => problems,
    };
    let form = UserForm { password: String::new(), ..form };
    Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&new_page(&viewer, form, &problems))?).into_response())
}

/// What an edit page shows besides the main form's values and messages.
#[derive(Default)]
struct EditExtras {
    notice: Option<String>,
    password_messages: Vec<String>,
    assignment_messages: Vec<String>,
}

async fn edit_page(
    state: &AppState,
    viewer: &Viewer,
    user: &User,
    form: Option<UserForm>,
    problems: &[Invalid],
    extras: EditExtras,
) -> Result<FormPage, WebError> {
    let form = match form {
        Some(form) => form,
        None => {
            let code = match user.agency_id {
                Some(id) => state.store.agency(id).await?.map(|agency| agency.code.to_string()),
                None => None,
            };
            UserForm::from_user(user, code)
        }
    };
    let assigned = if user.role == Role::Assessor {
        let ids = state.store.assignments(user.id).await?;
        let agencies = agencies_of(state, ids.into_iter()).await?;
        let mut assigned: Vec<AssignedAgency> = agencies
            .values()
            .map(|agency| AssignedAgency { code: agency.code.to_string(), name: agency.name_th.clone() })
            .collect();
        assigned.sort_by(|left, right| left.code.cmp(&right.code));
        Some(assigned)
    } else {
        None
    };
    Ok(FormPage {
        page: viewer.page(format!("{} · {}", viewer.t("แก้ไขผู้ใช้งาน", "Edit user"), user.username)),
        action: format!("/users/{}", user.id),
        creating: false,
        roles: role_choices(viewer, &form.role),
        form,
        messages: messages(viewer, problems),
        user_id: Some(user.id),
        notice: extras.notice,
        password_messages: extras.password_messages,
        assigned,
        assignment_messages: extras.assignment_messages,
        can_make_tokens: viewer.principal.is_national_admin() || viewer.user.id == user.id,
    })
}

#[derive(Debug, Default, Deserialize)]
struct SavedQuery {
    saved: Option<String>,
}

async fn edit_form(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<Uuid>,
    Query(query): Query<SavedQuery>,
) -> Result<Html<String>, WebError> {
    let user = managed_user(&state, &viewer, id).await?;
    let notice = query.saved.map(|what| match what.as_str() {
        "password" => viewer.t("ตั้งรหัสผ่านใหม่แล้ว", "The new password is set.").to_string(),
        _ => viewer.t("บันทึกแล้ว", "Saved.").to_string(),
    });
    let extras = EditExtras { notice, ..EditExtras::default() };
    render(&edit_page(&state, &viewer, &user, None, &[], extras).await?)
}

async fn update(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<Uuid>,
    Form(form): Form<UserForm>,
) -> Result<Response, WebError> {
    let user = managed_user(&state, &viewer, id).await?;
    let problems = match form.parse(&state, false).await {
        Ok(draft) => {
            if !viewer.principal.can_manage_account(draft.role, draft.agency_id) {
                return Err(WebError::Forbidden);
            }
            // Whoever manages accounts must not lock themselves out by mistake; another administrator can.
            if user.id == viewer.user.id && (draft.role != user.role || !draft.active) {
                vec![Invalid::new(
                    "ไม่สามารถปิดบัญชีหรือเปลี่ยนบทบาทของบัญชีตนเองได้ กรุณาให้ผู้ดูแลอีกท่านดำเนินการ",
                    "you cannot deactivate your own account or change its role: ask another administrator",
                )]
            } else {
                match state.store.update_user(&actor(&viewer), id, &draft).await {
                    Ok(_) => return Ok(Redirect::to(&format!("/users/{id}/edit?saved=1")).into_response()),
                    Err(error) => vec![conflict_problem(error)?],
                }
            }
        }
        Err(problems) => problems,
    };
    let page = edit_page(&state, &viewer, &user, Some(form), &problems, EditExtras::default()).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
}

// Password reset.

#[derive(Debug, Default, Deserialize)]
struct PasswordForm {
    #[serde(default)]
    password: String,
}

async fn reset_password(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<Uuid>,
    Form(form): Form<PasswordForm>,
) -> Result<Response, WebError> {
    let user = managed_user(&state, &viewer, id).await?;
    if let Err(invalid) = auth::check_password(&form.password) {
        let extras = EditExtras { password_messages: messages(&viewer, &[invalid]), ..EditExtras::default() };
        let page = edit_page(&state, &viewer, &user, None, &[], extras).await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response());
    }
    let hash = auth::hash_password(form.password).await?;
    state.store.set_password(&actor(&viewer), id, &hash).await?;
    Ok(Redirect::to(&format!("/users/{id}/edit?saved=password")).into_response())
}

// An assessor's assigned agencies.

#[derive(Debug, Default, Deserialize)]
struct AssignmentForm {
    #[serde(default)]
    agency_code: String,
    /// `add` or `remove`.
    #[serde(default)]
    change: String,
}

async fn change_assignment(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<Uuid>,
    Form(form): Form<AssignmentForm>,
) -> Result<Response, WebError> {
    let user = managed_user(&state, &viewer, id).await?;
    let assigned = match form.change.as_str() {
        "add" => true,
        "remove" => false,
        _ => return Err(WebError::Invalid(Invalid::new("คำสั่งไม่ถูกต้อง", "unknown change"))),
    };
    let code = form.agency_code.trim();
    let agency = match AgencyCode::parse(code) {
        Ok(parsed) => state.store.agency_by_code(&parsed).await?,
        Err(_) => None,
    };
    let problem = if user.role != Role::Assessor {
        Some(Invalid::new("เฉพาะผู้ประเมินที่มีหน่วยงานในความรับผิดชอบ", "only assessors have assigned agencies"))
    } else if agency.is_none() {
        Some(Invalid::new(format!("ไม่พบหน่วยงานรหัส {code}"), format!("no agency with code {code}")))
    } else {
        None
    };
    match (problem, agency) {
        (None, Some(agency)) => {
            state.store.set_assignment(&actor(&viewer), id, agency.id, assigned).await?;
            Ok(Redirect::to(&format!("/users/{id}/edit?saved=1")).into_response())
        }
        (problem, _) => {
            let problems: Vec<Invalid> = problem.into_iter().collect();
            let extras =
                EditExtras { assignment_messages: messages(&viewer, &problems), ..EditExtras::default() };
            let page = edit_page(&state, &viewer, &user, None, &[], extras).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
        }
    }
}

// API tokens.

#[derive(Template)]
#[template(path = "users/tokens.html")]
struct TokensPage {
    page: Page,
    user: User,
    name: String,
    /// The new token, shown this once: only its hash is kept.
    token: Option<String>,
    messages: Vec<String>,
}

/// The account whose tokens this viewer may make: its own, or any for a national administrator. Everyone else
/// gets the same refusal whatever the id, so the answer tells nothing.
async fn token_owner(state: &AppState, viewer: &Viewer, id: Uuid) -> Result<User, WebError> {
    if viewer.user.id != id && !viewer.principal.is_national_admin() {
        return Err(WebError::Forbidden);
    }
    state.store.user(id).await?.ok_or(WebError::NotFound)
}

async fn tokens_form(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<Uuid>,
) -> Result<Html<String>, WebError> {
    let user = token_owner(&state, &viewer, id).await?;
    let page = TokensPage {
        page: viewer.page(viewer.t("โทเค็น API", "API tokens")),
        user,
        name: String::new(),
        token: None,
        messages: Vec::new(),
    };
    render(&page)
}

#[derive(Debug, Default, Deserialize)]
struct TokenForm {
    #[serde(default)]
    name: String,
}

async fn create_token(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<Uuid>,
    Form(form): Form<TokenForm>,
) -> Result<Response, WebError> {
    let user = token_owner(&state, &viewer, id).await?;
    let name = form.name.trim().to_string();
    let mut page = TokensPage {
        page: viewer.page(viewer.t("โทเค็น API", "API tokens")),
        user,
        name: name.clone(),
        token: None,
        messages: Vec::new(),
    };
    let length = name.chars().count();
    if !(1..=100).contains(&length) {
        let invalid = Invalid::new(
            "ต้องตั้งชื่อโทเค็น (ไม่เกิน 100 ตัวอักษร) เพื่อให้รู้ว่าใช้กับระบบใด",
            "give the token a name (at most 100 characters) that says what uses it",
        );
        page.messages = messages(&viewer, &[invalid]);
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response());
    }
    let token = auth::random_token();
    state.store.create_api_token(&actor(&viewer), id, &name, &auth::token_hash(&token)).await?;
    page.token = Some(token);
    Ok(render(&page)?.into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames_are_short_plain_latin_names() {
        assert!(check_username("somchai.k").is_ok());
        assert!(check_username("admin@nacc").is_ok());
        assert!(check_username("ab").is_err());
        assert!(check_username("สมชาย").is_err());
        assert!(check_username("two words").is_err());
    }
}
