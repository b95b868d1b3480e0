//! Signing in and out, the one-time set-up of the first administrator, and the language switch.

use askama::Template;
use axum::Router;
use axum::extract::{ConnectInfo, Form, Path, Query, State};
use axum::http::header;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use ita_domain::platform::Role;
use ita_store::UserDraft;
use serde::Deserialize;

use crate::auth::{self, Visitor};
use crate::page::Page;
use crate::{AppState, WebError};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/sign-in", get(sign_in_form).post(sign_in))
        .route("/sign-out", post(sign_out))
        .route("/setup/{token}", get(setup_form).post(setup))
        .route("/lang/{code}", get(switch_language))
}

#[derive(Template)]
#[template(path = "sign_in.html")]
struct SignInPage {
    page: Page,
    message: Option<String>,
    next: String,
    username: String,
}

#[derive(Debug, Deserialize)]
struct NextQuery {
    next: Option<String>,
}

/// Only a path of this site is a place to go back to after signing in.
fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(next) if next.starts_with('/') && !next.starts_with("//") && !next.contains('\\') => {
            next.to_string()
        }
        _ => "/agencies".to_string(),
    }
}

fn with_cookie(cookie: Option<String>, body: impl IntoResponse) -> Response {
    match cookie {
        Some(cookie) => ([(header::SET_COOKIE, cookie)], body).into_response(),
        None => body.into_response(),
    }
}

async fn sign_in_form(
    State(state): State<AppState>,
    visitor: Visitor,
    Query(query): Query<NextQuery>,
) -> Result<Response, WebError> {
    if visitor.signed_in {
        return Ok(Redirect::to(&safe_next(query.next.as_deref())).into_response());
    }
    let (page, cookie) = visitor.page(&state, visitor.lang.pick("เข้าสู่ระบบ", "Sign in"));
    let body =
        SignInPage { page, message: None, next: safe_next(query.next.as_deref()), username: String::new() };
    Ok(with_cookie(cookie, Html(body.render().map_err(anyhow::Error::new)?)))
}

#[derive(Deserialize)]
struct SignInForm {
    username: String,
    password: String,
    next: Option<String>,
}

async fn sign_in(
    State(state): State<AppState>,
    visitor: Visitor,
    ConnectInfo(address): ConnectInfo<std::net::SocketAddr>,
    Form(form): Form<SignInForm>,
) -> Result<Response, WebError> {
    let address = address.ip().to_string();
    let username = form.username.trim().to_string();
    if !state.limiter.allows(&address, &username) {
        return Err(WebError::TooMany);
    }
    let record = state.store.login_record(&username).await?;
    let verified = match &record {
        Some(record) if record.user.active => {
            auth::verify_password(form.password.clone(), record.password_hash.clone()).await
        }
        _ => {
            // Spend the same time on an unknown name, so timing does not tell which names exist.
            let _ = auth::verify_password(form.password.clone(), auth::dummy_hash().await).await;
            false
        }
    };
    let Some(record) = record.filter(|_| verified) else {
        state.limiter.record_failure(&address, &username);
        let (page, cookie) = visitor.page(&state, visitor.lang.pick("เข้าสู่ระบบ", "Sign in"));
        let message = visitor
            .lang
            .pick(
                "ชื่อผู้ใช้หรือรหัสผ่านไม่ถูกต้อง / wrong username or password",
                "wrong username or password / ชื่อผู้ใช้หรือรหัสผ่านไม่ถูกต้อง",
            )
            .to_string();
        let body =
            SignInPage { page, message: Some(message), next: safe_next(form.next.as_deref()), username };
        let html = Html(body.render().map_err(anyhow::Error::new)?);
        return Ok(with_cookie(cookie, (axum::http::StatusCode::UNAUTHORIZED, html)));
    };
    state.limiter.clear(&address, &username);
    let token = auth::random_token();
    let lifetime = state.settings.session_hours * 3600;
    state
        .store
        .create_session(
            &auth::token_hash(&token),
            record.user.id,
            &auth::random_token(),
            auth::now() + lifetime,
        )
        .await?;
    tracing::info!(user = %record.user.username, "signed in");
    let cookie = auth::set_cookie(&state, auth::SESSION_COOKIE, &token, lifetime);
    Ok(([(header::SET_COOKIE, cookie)], Redirect::to(&safe_next(form.next.as_deref()))).into_response())
}

async fn sign_out(
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
) -> Result<Response, WebError> {
    if let Some(token) = auth::cookie(&headers, auth::SESSION_COOKIE) {
        state.store.delete_session(&auth::token_hash(&token)).await?;
    }
    let cookie = auth::set_cookie(&state, auth::SESSION_COOKIE, "", 0);
    Ok(([(header::SET_COOKIE, cookie)], Redirect::to("/sign-in")).into_response())
}

#[derive(Template)]
#[template(path = "setup.html")]
struct SetupPage {
    page: Page,
    token: String,
    messages: Vec<String>,
    username: String,
    display_name: String,
}

async fn setup_form(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(token): Path<String>,
) -> Result<Response, WebError> {
    if state.store.user_count().await? > 0 {
        return Err(WebError::NotFound);
    }
    let (page, cookie) = visitor.page(&state, visitor.lang.pick("ตั้งค่าเริ่มต้น", "Set-up"));
    let body =
        SetupPage { page, token, messages: Vec::new(), username: String::new(), display_name: String::new() };
    Ok(with_cookie(cookie, Html(body.render().map_err(anyhow::Error::new)?)))
}

#[derive(Deserialize)]
struct SetupForm {
    username: String,
    display_name: String,
    password: String,
}

async fn setup(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(token): Path<String>,
    Form(form): Form<SetupForm>,
) -> Result<Response, WebError> {
    let mut messages = Vec::new();
    let username = form.username.trim().to_string();
    let display_name = form.display_name.trim().to_string();
    if username.is_empty() || display_name.is_empty() {
        messages.push(
            visitor.lang.pick("กรุณากรอกชื่อผู้ใช้และชื่อ-นามสกุล", "give a username and a full name").to_string(),
        );
    }
    if let Err(invalid) = auth::check_password(&form.password) {
        messages.push(visitor.lang.pick(&invalid.th, &invalid.en).to_string());
    }
    if !messages.is_empty() {
        let (page, cookie) = visitor.page(&state, visitor.lang.pick("ตั้งค่าเริ่มต้น", "Set-up"));
        let body = SetupPage { page, token, messages, username, display_name };
        let html = Html(body.render().map_err(anyhow::Error::new)?);
        return Ok(with_cookie(cookie, (axum::http::StatusCode::UNPROCESSABLE_ENTITY, html)));
    }
    let draft = UserDraft {
        username,
        display_name,
        role: Role::NationalAdmin,
        agency_id: None,
        province: None,
        active: true,
    };
    let hash = auth::hash_password(form.password).await?;
    match state.store.complete_setup(&auth::token_hash(&token), &draft, &hash).await? {
        Some(_) => Ok(Redirect::to("/sign-in").into_response()),
        None => Err(WebError::NotFound),
    }
}

async fn switch_language(
    State(state): State<AppState>,
    Path(code): Path<String>,
    Query(query): Query<NextQuery>,
) -> Response {
    let lang: ita_domain::Lang = code.parse().unwrap_or_default();
    let cookie = auth::set_cookie(&state, auth::LANG_COOKIE, lang.code(), 365 * 24 * 3600);
    ([(header::SET_COOKIE, cookie)], Redirect::to(&safe_next(query.next.as_deref()))).into_response()
}
