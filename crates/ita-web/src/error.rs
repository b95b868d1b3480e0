//! The web layer's one error type: each variant is a status and a message a person can act on, in Thai and
//! English; internal errors are logged with their whole cause chain and shown only as a reference.

use askama::Template;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use ita_domain::platform::Invalid;
use ita_store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum WebError {
    #[error("not found")]
    NotFound,
    #[error("forbidden")]
    Forbidden,
    /// Not signed in, or the session expired: pages send the person to sign in and back.
    #[error("sign-in required")]
    SignIn { next: String },
    #[error("bad request: {0}")]
    Invalid(Invalid),
    #[error("conflict: {0}")]
    Conflict(Invalid),
    #[error("form expired or forged")]
    Csrf,
    #[error("request body too large")]
    TooLarge,
    #[error("too many attempts")]
    TooMany,
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl From<StoreError> for WebError {
    fn from(error: StoreError) -> WebError {
        match error {
            StoreError::NotFound => WebError::NotFound,
            StoreError::Conflict { field, value } => WebError::Conflict(conflict_message(field, &value)),
            other => WebError::Internal(anyhow::Error::new(other)),
        }
    }
}

impl From<Invalid> for WebError {
    fn from(invalid: Invalid) -> WebError {
        WebError::Invalid(invalid)
    }
}

/// What a person reads when a unique value is taken.
pub fn conflict_message(field: &str, value: &str) -> Invalid {
    match field {
        "agency_code" => Invalid::new(
            format!("รหัสหน่วยงาน {value} มีอยู่ในระบบแล้ว"),
            format!("agency code {value} exists already"),
        ),
        "username" => {
            Invalid::new(format!("ชื่อผู้ใช้ {value} มีผู้ใช้แล้ว"), format!("username {value} is taken already"))
        }
        // `value` is the round: the page it shows on names it already.
        "official_result" => Invalid::new(
            "หน่วยงานนี้มีผลทางการ (ITAS) ของปีนี้บันทึกไว้แล้ว ระบบจึงไม่คำนวณทับผลทางการ",
            "an official (ITAS) result of this year is stored for this agency: it is not overwritten by a computed one",
        ),
        "fiscal_year" => Invalid::new(
            format!("รอบการประเมินปีงบประมาณ {value} มีอยู่แล้ว"),
            format!("an assessment round for fiscal year {value} exists already"),
        ),
        _ => Invalid::new(format!("ข้อมูล {value} ซ้ำกับที่มีอยู่"), format!("{value} exists already")),
    }
}

/// A taken unique value becomes a message on the form it came from; any other store error stays an error.
pub fn conflict_problem(error: StoreError) -> Result<Invalid, WebError> {
    match error {
        StoreError::Conflict { field, value } => Ok(conflict_message(field, &value)),
        other => Err(other.into()),
    }
}

/// A page template rendered to HTML; a template error is an internal error.
pub fn render(template: &impl Template) -> Result<axum::response::Html<String>, WebError> {
    Ok(axum::response::Html(template.render().map_err(anyhow::Error::new)?))
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    status: u16,
    th: &'a str,
    en: &'a str,
}

impl WebError {
    pub fn status(&self) -> StatusCode {
        match self {
            WebError::NotFound => StatusCode::NOT_FOUND,
            WebError::Forbidden => StatusCode::FORBIDDEN,
            WebError::SignIn { .. } => StatusCode::UNAUTHORIZED,
            WebError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            WebError::Conflict(_) => StatusCode::CONFLICT,
            WebError::Csrf => StatusCode::FORBIDDEN,
            WebError::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            WebError::TooMany => StatusCode::TOO_MANY_REQUESTS,
            WebError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The Thai and English a person sees.
    pub fn message(&self) -> (String, String) {
        let pair = |th: &str, en: &str| (th.to_string(), en.to_string());
        match self {
            WebError::NotFound => pair("ไม่พบหน้าหรือข้อมูลที่ต้องการ", "the page or record was not found"),
            WebError::Forbidden => pair("บัญชีของท่านไม่มีสิทธิ์เข้าถึงข้อมูลนี้", "your account may not access this"),
            WebError::SignIn { .. } => {
                pair("กรุณาเข้าสู่ระบบ (หรือการเข้าสู่ระบบหมดอายุแล้ว)", "please sign in (or your session has expired)")
            }
            WebError::Invalid(invalid) | WebError::Conflict(invalid) => {
                (invalid.th.clone(), invalid.en.clone())
            }
            WebError::Csrf => pair(
                "แบบฟอร์มหมดอายุหรือไม่ถูกต้อง กรุณาโหลดหน้าใหม่แล้วส่งอีกครั้ง ข้อมูลยังไม่ถูกบันทึก",
                "the form expired or is not valid: reload the page and send it again; nothing was saved",
            ),
            WebError::TooLarge => pair(
                "ข้อมูลที่ส่งมีขนาดใหญ่เกินกำหนด (ไม่เกิน 16 MB) ข้อมูลยังไม่ถูกบันทึก",
                "the request is too large (at most 16 MB); nothing was saved",
            ),
            WebError::TooMany => pair(
                "พยายามเข้าสู่ระบบผิดหลายครั้งเกินไป กรุณารอ 15 นาทีแล้วลองใหม่",
                "too many failed sign-in attempts: wait 15 minutes and try again",
            ),
            WebError::Internal(_) => pair(
                "ระบบขัดข้อง กรุณาลองใหม่อีกครั้ง หากยังไม่ได้ โปรดแจ้งผู้ดูแลระบบ",
                "something went wrong on our side: try again, and tell the administrator if it persists",
            ),
        }
    }
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        if let WebError::Internal(error) = &self {
            tracing::error!(error = format!("{error:#}"), "request failed");
        }
        if let WebError::SignIn { next } = &self {
            let target = format!("/sign-in?next={}", crate::page::url_encode(next));
            return Redirect::to(&target).into_response();
        }
        let status = self.status();
        let (th, en) = self.message();
        let page = ErrorPage { status: status.as_u16(), th: &th, en: &en };
        match page.render() {
            Ok(html) => (status, [(header::CONTENT_TYPE, "text/html; charset=utf-8")], html).into_response(),
            Err(_) => (status, format!("{th}\n{en}")).into_response(),
        }
    }
}
