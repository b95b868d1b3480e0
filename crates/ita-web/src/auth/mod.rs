//! Who is asking: session cookies (a random token; the database keeps only its hash), passwords (argon2),
//! the CSRF check on every state-changing form, API tokens, and the sign-in rate limit.

mod limiter;

use std::collections::HashMap;

use argon2::password_hash::{PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Argon2, PasswordHash};
use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use ita_domain::Lang;
use ita_domain::platform::{Principal, Role};
use ita_store::{SessionRecord, User};
use rand::RngCore as _;
use sha2::{Digest as _, Sha256};

pub use limiter::LoginLimiter;

use crate::page::{Page, PageUser};
use crate::{AppState, WebError};

pub const SESSION_COOKIE: &str = "ita_session";
pub const LANG_COOKIE: &str = "ita_lang";
/// Before signing in there is no session to bind a CSRF token to: the sign-in and set-up forms carry the value
/// of this cookie instead (double submit), so a forged sign-in from another site is refused too.
pub const PRE_SESSION_COOKIE: &str = "ita_presession";

/// 32 random bytes, URL-safe base64.
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// What the database keeps of a token: its SHA-256, so a leaked table opens no session.
pub fn token_hash(token: &str) -> String {
    let digest = Sha256::digest(token.as_bytes());
    digest.iter().map(|byte| format!("{byte:02x}")).collect()
}

/// Hashes a password with argon2id (on a blocking thread: it is slow on purpose).
pub async fn hash_password(password: String) -> anyhow::Result<String> {
    tokio::task::spawn_blocking(move || {
        let mut salt = [0u8; 16];
        rand::rng().fill_bytes(&mut salt);
        let salt = SaltString::encode_b64(&salt).map_err(|error| anyhow::anyhow!("salt: {error}"))?;
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|hash| hash.to_string())
            .map_err(|error| anyhow::anyhow!("argon2: {error}"))
    })
    .await?
}

/// Checks a password against a stored hash; a missing or broken hash never matches.
pub async fn verify_password(password: String, hash: String) -> bool {
    tokio::task::spawn_blocking(move || {
        PasswordHash::new(&hash)
            .map(|parsed| Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok())
            .unwrap_or(false)
    })
    .await
    .unwrap_or(false)
}

/// A real argon2 hash of nothing anyone types, to verify against when the account does not exist, so that
/// an unknown name takes as long as a wrong password.
pub async fn dummy_hash() -> String {
    static HASH: tokio::sync::OnceCell<String> = tokio::sync::OnceCell::const_new();
    HASH.get_or_init(|| async { hash_password(random_token()).await.unwrap_or_default() }).await.clone()
}

/// The rules a new password must meet, in both languages.
pub fn check_password(password: &str) -> Result<(), ita_domain::platform::Invalid> {
    if password.chars().count() < 10 {
        return Err(ita_domain::platform::Invalid::new(
            "รหัสผ่านต้องยาวอย่างน้อย 10 ตัวอักษร",
            "the password must be at least 10 characters long",
        ));
    }
    Ok(())
}

/// The value of one cookie of a request.
pub fn cookie(parts_headers: &axum::http::HeaderMap, name: &str) -> Option<String> {
    parts_headers.get_all(header::COOKIE).iter().filter_map(|value| value.to_str().ok()).find_map(|line| {
        line.split(';').find_map(|pair| {
            let (key, value) = pair.trim().split_once('=')?;
            (key == name).then(|| value.to_string())
        })
    })
}

/// A `Set-Cookie` value with the attributes every cookie of ours carries.
pub fn set_cookie(state: &AppState, name: &str, value: &str, max_age_seconds: i64) -> String {
    let secure = if state.settings.secure_cookies { "; Secure" } else { "" };
    format!("{name}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age_seconds}{secure}")
}

pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|elapsed| elapsed.as_secs() as i64)
        .unwrap_or(0)
}

/// The session found by [`csrf_guard`], kept for the extractors.
#[derive(Debug, Clone)]
struct ResolvedSession(Option<SessionRecord>);

/// The language a request asked for (cookie), Thai when it did not.
pub fn request_lang(headers: &axum::http::HeaderMap) -> Lang {
    cookie(headers, LANG_COOKIE).and_then(|code| code.parse().ok()).unwrap_or_default()
}

/// Finds the session of every page request, and refuses any state-changing form whose `csrf` field does not
/// match the session's token (or, before signing in, the pre-session cookie). The API (`/api/`) uses bearer
/// tokens, never cookies, and the public survey forms (`/s/`) carry a signed single-use token of their own, so
/// both are outside this check.
pub async fn csrf_guard(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let (mut parts, body) = request.into_parts();
    if parts.uri.path().starts_with("/api/") || parts.uri.path().starts_with("/s/") {
        return next.run(Request::from_parts(parts, body)).await;
    }
    let session = match cookie(&parts.headers, SESSION_COOKIE) {
        Some(token) => match state.store.session(&token_hash(&token), now()).await {
            Ok(session) => session,
            Err(error) => return WebError::from(error).into_response(),
        },
        None => None,
    };
    let unsafe_method = !matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS);
    if !unsafe_method {
        parts.extensions.insert(ResolvedSession(session));
        return next.run(Request::from_parts(parts, body)).await;
    }
    let bytes = match axum::body::to_bytes(body, crate::security::BODY_LIMIT).await {
        Ok(bytes) => bytes,
        Err(_) => return WebError::TooLarge.into_response(),
    };
    let expected = match &session {
        Some(session) => Some(session.csrf.clone()),
        None => cookie(&parts.headers, PRE_SESSION_COOKIE),
    };
    let given = submitted_csrf(&parts.headers, &bytes).await;
    let matches = match (&expected, &given) {
        (Some(expected), Some(given)) => constant_time_eq(expected.as_bytes(), given.as_bytes()),
        _ => false,
    };
    if !matches {
        tracing::warn!(path = parts.uri.path(), "csrf token missing or wrong");
        return WebError::Csrf.into_response();
    }
    parts.extensions.insert(ResolvedSession(session));
    next.run(Request::from_parts(parts, axum::body::Body::from(bytes))).await
}

fn constant_time_eq(left: &[u8], right: &[u8]) -> bool {
    left.len() == right.len() && left.iter().zip(right).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0
}

/// The `csrf` field of a urlencoded or multipart form, or the `X-CSRF-Token` header.
async fn submitted_csrf(headers: &axum::http::HeaderMap, body: &[u8]) -> Option<String> {
    if let Some(value) = headers.get("x-csrf-token").and_then(|value| value.to_str().ok()) {
        return Some(value.to_string());
    }
    let content_type = headers.get(header::CONTENT_TYPE)?.to_str().ok()?;
    if content_type.starts_with("application/x-www-form-urlencoded") {
        let fields: HashMap<String, String> = serde_urlencoded::from_bytes(body).ok()?;
        return fields.get("csrf").cloned();
    }
    if content_type.starts_with("multipart/form-data") {
        let boundary = multer::parse_boundary(content_type).ok()?;
        let stream = futures_util::stream::once(futures_util::future::ready(Ok::<_, std::io::Error>(
            bytes::Bytes::copy_from_slice(body),
        )));
        let mut multipart = multer::Multipart::new(stream, boundary);
        while let Ok(Some(field)) = multipart.next_field().await {
            if field.name() == Some("csrf") {
                return field.text().await.ok();
            }
        }
    }
    None
}

/// A signed-in account: pages that need one take this and send everyone else to sign in.
#[derive(Debug, Clone)]
pub struct Viewer {
    pub user: User,
    pub principal: Principal,
    pub csrf: String,
    pub lang: Lang,
    pub here: String,
}

impl Viewer {
    /// The frame of a page this account sees.
    pub fn page(&self, title: impl Into<String>) -> Page {
        Page {
            lang: self.lang,
            user: Some(PageUser::from_user(&self.user)),
            csrf: self.csrf.clone(),
            here: self.here.clone(),
            title: title.into(),
        }
    }

    pub fn t<'a>(&self, thai: &'a str, english: &'a str) -> &'a str {
        self.lang.pick(thai, english)
    }
}

/// The principal of an account: its role and scope (with an assessor's assignments from the store).
pub async fn principal_of(state: &AppState, user: &User) -> Result<Principal, WebError> {
    let assigned =
        if user.role == Role::Assessor { state.store.assignments(user.id).await? } else { Vec::new() };
    Ok(Principal {
        user_id: user.id,
        role: user.role,
        agency_id: user.agency_id,
        province: user.province.clone(),
        assigned,
    })
}

fn here(parts: &Parts) -> String {
    parts.uri.path_and_query().map(|value| value.as_str().to_string()).unwrap_or_else(|| "/".to_string())
}

impl FromRequestParts<AppState> for Viewer {
    type Rejection = WebError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Viewer, WebError> {
        let session = parts.extensions.get::<ResolvedSession>().and_then(|resolved| resolved.0.clone());
        let Some(session) = session else {
            let next = if parts.method == Method::GET { here(parts) } else { "/".to_string() };
            return Err(WebError::SignIn { next });
        };
        let principal = principal_of(state, &session.user).await?;
        Ok(Viewer {
            user: session.user,
            principal,
            csrf: session.csrf,
            lang: request_lang(&parts.headers),
            here: here(parts),
        })
    }
}

/// A page anyone may open (sign-in, set-up): the language, and a fresh pre-session token for its form.
#[derive(Debug, Clone)]
pub struct Visitor {
    pub lang: Lang,
    pub signed_in: bool,
    pub here: String,
    /// The pre-session token already in the browser, if any.
    pub pre_session: Option<String>,
}

impl Visitor {
    /// The frame of a public page and the cookie its form token needs (set when the browser has none yet).
    pub fn page(&self, state: &AppState, title: impl Into<String>) -> (Page, Option<String>) {
        let (token, cookie) = match &self.pre_session {
            Some(token) => (token.clone(), None),
            None => {
                let token = random_token();
                let cookie = set_cookie(state, PRE_SESSION_COOKIE, &token, 3600);
                (token, Some(cookie))
            }
        };
        (
            Page { lang: self.lang, user: None, csrf: token, here: self.here.clone(), title: title.into() },
            cookie,
        )
    }
}

impl FromRequestParts<AppState> for Visitor {
    type Rejection = WebError;

    async fn from_request_parts(parts: &mut Parts, _state: &AppState) -> Result<Visitor, WebError> {
        let signed_in =
            parts.extensions.get::<ResolvedSession>().is_some_and(|resolved| resolved.0.is_some());
        Ok(Visitor {
            lang: request_lang(&parts.headers),
            signed_in,
            here: here(parts),
            pre_session: cookie(&parts.headers, PRE_SESSION_COOKIE),
        })
    }
}

/// An API caller, by `Authorization: Bearer TOKEN`.
#[derive(Debug, Clone)]
pub struct ApiCaller {
    pub user: User,
    pub principal: Principal,
}

impl FromRequestParts<AppState> for ApiCaller {
    type Rejection = crate::routes::api::ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<ApiCaller, Self::Rejection> {
        let token = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|value| value.to_str().ok())
            // The scheme name is case-insensitive (RFC 9110, section 11.1).
            .and_then(|value| value.split_once(' '))
            .and_then(|(scheme, token)| scheme.eq_ignore_ascii_case("bearer").then_some(token))
            .ok_or(crate::routes::api::ApiError::Unauthorized)?;
        let user = state
            .store
            .api_token_user(&token_hash(token.trim()))
            .await
            .map_err(|error| crate::routes::api::ApiError::from(WebError::from(error)))?
            .ok_or(crate::routes::api::ApiError::Unauthorized)?;
        let principal = principal_of(state, &user).await?;
        Ok(ApiCaller { user, principal })
    }
}
