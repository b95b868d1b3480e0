//! The audit log through the API: all of it for a national administrator, one agency's entries for that
//! agency's administrator, and nothing for anyone else.

use axum::Json;
use axum::extract::State;
use ita_domain::platform::Role;
use ita_store::{AuditEntry, AuditQuery, Page};

use super::ApiError;
use super::input::QueryParams;
use crate::auth::ApiCaller;
use crate::{AppState, WebError};

pub async fn list(
    State(state): State<AppState>,
    caller: ApiCaller,
    mut params: QueryParams,
) -> Result<Json<Page<AuditEntry>>, ApiError> {
    let agency_id = match caller.principal.role {
        Role::NationalAdmin => None,
        Role::AgencyAdmin => Some(caller.principal.agency_id.ok_or(WebError::Forbidden)?),
        _ => return Err(WebError::Forbidden.into()),
    };
    let (offset, limit) = params.paging();
    params.finish()?;
    let page = state.store.audit(&AuditQuery { agency_id, offset, limit }).await.map_err(WebError::from)?;
    Ok(Json(page))
}
