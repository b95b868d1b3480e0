//! The JSON API as a program would use it: bearer tokens, the same access rules as the pages, every problem
//! listed in both languages, exact scores, and an OpenAPI document that matches what the server answers.

use ita_domain::Hundredths;
use ita_domain::platform::Role;
use ita_store::User;
use serde_json::{Value, json};

use crate::helpers::{Db, TestApp, spawn_app};

/// The reference agency's published indicators for 2565 (total 78.35, level B).
const REFERENCE_SCORES: [f64; 10] = [100.0, 100.0, 100.0, 99.34, 97.77, 89.70, 88.91, 86.09, 85.29, 25.00];

/// A program calling the API with one token (or none).
struct Api {
    address: String,
    token: Option<String>,
    http: reqwest::Client,
}

#[derive(Debug)]
struct Answer {
    status: u16,
    headers: reqwest::header::HeaderMap,
    json: Value,
}

impl Answer {
    /// The messages of every problem listed, in both languages, for looking into.
    fn problems(&self) -> String {
        self.json["problems"].to_string()
    }
}

impl Api {
    async fn send(&self, method: reqwest::Method, path: &str, body: Option<&Value>) -> Answer {
        let mut request = self.http.request(method, format!("{}{path}", self.address));
        if let Some(token) = &self.token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(body);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let text = response.text().await.unwrap();
        let json =
            serde_json::from_str(&text).unwrap_or_else(|_| panic!("{status} {path}: not JSON: {text}"));
        Answer { status, headers, json }
    }

    async fn get(&self, path: &str) -> Answer {
        self.send(reqwest::Method::GET, path, None).await
    }

    async fn post(&self, path: &str, body: &Value) -> Answer {
        self.send(reqwest::Method::POST, path, Some(body)).await
    }

    async fn put(&self, path: &str, body: &Value) -> Answer {
        self.send(reqwest::Method::PUT, path, Some(body)).await
    }
}

fn api(app: &TestApp, token: Option<&str>) -> Api {
    Api { address: app.address.clone(), token: token.map(str::to_string), http: reqwest::Client::new() }
}

/// Makes a token for an account the way the token page does: the database keeps only its SHA-256.
async fn token_for(app: &TestApp, user: &User) -> String {
    let token = ita_web::random_token();
    app.store
        .create_api_token(&TestApp::admin_actor(), user.id, "test", &ita_web::token_hash(&token))
        .await
        .unwrap();
    token
}

async fn national_admin(app: &TestApp) -> Api {
    let admin = app.create_user("admin", Role::NationalAdmin, None, None).await;
    api(app, Some(&token_for(app, &admin).await))
}

fn assert_bilingual_error(answer: &Answer, status: u16, code: &str) {
    assert_eq!(answer.status, status, "{:#}", answer.json);
    assert_eq!(answer.json["error"], code, "{:#}", answer.json);
    assert!(!answer.json["message_th"].as_str().unwrap().is_empty(), "{:#}", answer.json);
    assert!(!answer.json["message_en"].as_str().unwrap().is_empty(), "{:#}", answer.json);
}

#[tokio::test]
async fn a_request_without_a_token_or_with_an_unknown_one_is_refused_with_401() {
    let app = spawn_app(Db::Sqlite).await;
    let nobody = api(&app, None).get("/api/agencies").await;
    assert_bilingual_error(&nobody, 401, "unauthorized");
    assert!(nobody.json["message_th"].as_str().unwrap().contains("โทเค็น"));
    let stranger = api(&app, Some("not-a-token")).get("/api/agencies").await;
    assert_bilingual_error(&stranger, 401, "unauthorized");
    let forged = api(&app, None).post("/api/agencies", &json!({"code": "1"})).await;
    assert_eq!(forged.status, 401, "no token is asked before the body is read");
}

#[tokio::test]
async fn an_agency_editors_token_sees_only_its_agency_and_others_are_not_found() {
    let app = spawn_app(Db::Sqlite).await;
    let ours = app.create_agency("6150101", "องค์การบริหารส่วนตำบลเขาทอง", "นครสวรรค์").await;
    let theirs = app.create_agency("1150101", "องค์การบริหารส่วนตำบลอื่น", "อ่างทอง").await;
    let round = app.create_round(2565, 2565).await;
    let editor = app.create_user("editor", Role::AgencyEditor, Some(&ours), None).await;
    let editor = api(&app, Some(&token_for(&app, &editor).await));

    let list = editor.get("/api/agencies").await;
    assert_eq!(list.status, 200, "{:#}", list.json);
    assert_eq!(list.json["total"], 1);
    assert_eq!(list.json["items"][0]["agency"]["code"], "6150101");
    assert_eq!(list.json["items"][0]["agency"]["kind"], "sao");
    assert_eq!(list.json["round"]["fiscal_year"], 2565);

    assert_eq!(editor.get(&format!("/api/agencies/{}", ours.id)).await.status, 200);
    let hidden = editor.get(&format!("/api/agencies/{}", theirs.id)).await;
    assert_bilingual_error(&hidden, 404, "not_found");
    let renamed = json!({"code": "1150101", "name_th": "ชื่อใหม่", "kind": "sao", "province": "อ่างทอง"});
    assert_eq!(editor.put(&format!("/api/agencies/{}", theirs.id), &renamed).await.status, 404);
    assert_eq!(editor.get(&format!("/api/agencies/{}/results", theirs.id)).await.status, 404);
    let scores = json!({"indicators": {"1": 100}});
    let result = format!("/api/agencies/{}/rounds/{}/result", theirs.id, round.id);
    assert_eq!(editor.put(&result, &scores).await.status, 404);

    let create = json!({"code": "999", "name_th": "ใหม่", "kind": "sao", "province": "อ่างทอง"});
    assert_bilingual_error(&editor.post("/api/agencies", &create).await, 403, "forbidden");
    assert_bilingual_error(
        &editor.post("/api/rounds", &json!({"fiscal_year": 2566})).await,
        403,
        "forbidden",
    );
    assert_bilingual_error(&editor.get("/api/audit").await, 403, "forbidden");
    let moved = json!({"code": "6150101", "name_th": "เขาทอง", "kind": "sao", "province": "อ่างทอง"});
    let refused = editor.put(&format!("/api/agencies/{}", ours.id), &moved).await;
    assert_bilingual_error(&refused, 422, "invalid");
    assert!(refused.problems().contains("national administrator"), "{}", refused.problems());
}

#[tokio::test]
async fn a_national_administrator_creates_an_agency_and_a_duplicate_code_is_a_conflict() {
    let app = spawn_app(Db::Sqlite).await;
    let admin = national_admin(&app).await;
    let body = json!({
        "code": 6150101,
        "name_th": "องค์การบริหารส่วนตำบลเขาทอง",
        "kind": "อบต.",
        "province": "นครสวรรค์",
        "website": "https://khaothong.go.th",
    });
    let created = admin.post("/api/agencies", &body).await;
    assert_eq!(created.status, 201, "{:#}", created.json);
    assert_eq!(created.json["code"], "6150101", "a code given as a number is read as its digits");
    assert_eq!(created.json["kind"], "sao");
    let location = created.headers["location"].to_str().unwrap().to_string();
    assert_eq!(location, format!("/api/agencies/{}", created.json["id"].as_str().unwrap()));
    assert_eq!(admin.get(&location).await.json["name_th"], "องค์การบริหารส่วนตำบลเขาทอง");

    let duplicate = admin.post("/api/agencies", &body).await;
    assert_bilingual_error(&duplicate, 409, "conflict");
    assert!(duplicate.json["message_en"].as_str().unwrap().contains("6150101"), "{:#}", duplicate.json);

    let changed = json!({"code": "6150101", "name_th": "อบต.เขาทอง", "kind": "sao", "province": "นครสวรรค์"});
    let updated = admin.put(&location, &changed).await;
    assert_eq!(updated.status, 200, "{:#}", updated.json);
    assert_eq!(updated.json["name_th"], "อบต.เขาทอง");
    assert_eq!(updated.json["website"], Value::Null, "a PUT replaces every field");

    let audit = admin.get("/api/audit?limit=10").await;
    assert_eq!(audit.status, 200, "{:#}", audit.json);
    assert!(
        audit.json["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|entry| entry["actor_name"].as_str().unwrap().contains("(API)"))
    );
}

#[tokio::test]
async fn a_bad_kind_and_an_empty_name_are_refused_together_with_422_and_nothing_is_created() {
    let app = spawn_app(Db::Sqlite).await;
    let admin = national_admin(&app).await;
    let body =
        json!({"code": "1234", "name_th": "  ", "kind": "castle", "province": "อ่างทอง", "colour": "red"});
    let refused = admin.post("/api/agencies", &body).await;
    assert_bilingual_error(&refused, 422, "invalid");
    let problems = refused.problems();
    assert!(
        problems.contains("ไม่รู้จักประเภทหน่วยงาน") && problems.contains("unknown agency type"),
        "{problems}"
    );
    assert!(problems.contains("ต้องระบุชื่อหน่วยงาน") && problems.contains("Thai name is required"), "{problems}");
    assert!(problems.contains("unknown field \\\"colour\\\""), "{problems}");
    assert_eq!(refused.json["problems"].as_array().unwrap().len(), 3);
    assert_eq!(admin.get("/api/agencies").await.json["total"], 0, "nothing was created");

    // What axum would say in English only is said in both languages here.
    let broken = admin
        .http
        .post(format!("{}/api/agencies", admin.address))
        .bearer_auth(admin.token.as_deref().unwrap())
        .header("content-type", "application/json")
        .body("{\"code\": ")
        .send()
        .await
        .unwrap();
    assert_eq!(broken.status(), 400);
    let broken: Value = broken.json().await.unwrap();
    assert_eq!(broken["error"], "bad_request");
    assert!(broken["message_th"].as_str().unwrap().contains("JSON"), "{broken:#}");
    let untyped = admin
        .http
        .post(format!("{}/api/agencies", admin.address))
        .bearer_auth(admin.token.as_deref().unwrap())
        .body("code=1")
        .send()
        .await
        .unwrap();
    assert_eq!(untyped.status(), 415);
    assert_eq!(untyped.json::<Value>().await.unwrap()["error"], "unsupported_media_type");
    assert_bilingual_error(&admin.get("/api/agencies/not-a-uuid").await, 404, "not_found");
    let paging = admin.get("/api/agencies?limit=501&offset=-1&sort=name").await;
    assert_bilingual_error(&paging, 422, "invalid");
    assert_eq!(paging.json["problems"].as_array().unwrap().len(), 3, "{}", paging.problems());
    assert_eq!(admin.get("/api/agencies?limit=500").await.json["limit"], 500);
    assert_bilingual_error(&admin.get("/api/agencies?round=2599").await, 404, "not_found");
    assert_bilingual_error(&admin.get("/api/agencies?round=last").await, 422, "invalid");
    let fraction = json!({"code": 2.5, "name_th": "อบต.", "kind": "sao", "province": "อ่างทอง"});
    let refused = admin.post("/api/agencies", &fraction).await;
    assert_bilingual_error(&refused, 422, "invalid");
    assert_eq!(refused.json["problems"][0]["field"], "code", "a fraction is no agency code");
}

async fn results_story(db: Db) {
    let app = spawn_app(db).await;
    let khaothong = app.create_agency("6150101", "องค์การบริหารส่วนตำบลเขาทอง", "นครสวรรค์").await;
    let admin = national_admin(&app).await;
    let round = admin.post("/api/rounds", &json!({"fiscal_year": 2565})).await;
    assert_eq!(round.status, 201, "{:#}", round.json);
    assert_eq!(round.json["methodology_year"], 2565, "a round takes its own year's methodology");
    let round_id = round.json["id"].as_str().unwrap().to_string();
    let again = admin.post("/api/rounds", &json!({"fiscal_year": "2565"})).await;
    assert_bilingual_error(&again, 409, "conflict");
    let future = admin.post("/api/rounds", &json!({"fiscal_year": 2600})).await;
    assert_eq!(future.status, 201, "{:#}", future.json);
    let newest = app.state.catalog.newest().unwrap().year;
    assert_eq!(future.json["methodology_year"], newest, "until its own is published, the newest methodology");
    let editor = app.create_user("officer", Role::AgencyEditor, Some(&khaothong), None).await;
    let editor = api(&app, Some(&token_for(&app, &editor).await));
    let path = format!("/api/agencies/{}/rounds/{round_id}/result", khaothong.id);

    let mut indicators: serde_json::Map<String, Value> =
        (1..=10).map(|number| (number.to_string(), json!(REFERENCE_SCORES[number - 1]))).collect();
    indicators.insert("4".into(), json!(101));
    let refused = editor.put(&path, &json!({ "indicators": indicators })).await;
    assert_bilingual_error(&refused, 422, "invalid");
    assert!(refused.problems().contains("อยู่นอกช่วง 0 ถึง 100"), "{}", refused.problems());
    assert_eq!(refused.json["problems"][0]["field"], "indicators.4");
    let round_uuid = round_id.parse().unwrap();
    assert!(app.store.result(khaothong.id, round_uuid).await.unwrap().is_none(), "nothing stored");

    // Scores as numbers and as text alike; 99.34 must stay exactly 9934 hundredths.
    indicators.insert("4".into(), json!(99.34));
    indicators.insert("10".into(), json!("25.00"));
    let saved = editor.put(&path, &json!({ "indicators": indicators })).await;
    assert_eq!(saved.status, 200, "{:#}", saved.json);
    let stored = app.store.result(khaothong.id, round_uuid).await.unwrap().unwrap();
    assert_eq!(stored.indicators[&4], Hundredths(9934));
    assert_eq!(stored.total, Hundredths(7835));

    let result = editor.get(&path).await;
    assert_eq!(result.status, 200, "{:#}", result.json);
    assert_eq!(result.json["total"], json!(78.35));
    assert_eq!(result.json["level"], "B");
    assert_eq!(result.json["level_code"], "B");
    assert_eq!(result.json["source"], "official");
    assert_eq!(result.json["indicators"]["4"], json!(99.34));
    assert_eq!(result.json["view"]["total"], json!(78.35));
    assert_eq!(result.json["view"]["level"], "B");
    assert!(!result.json["view"]["explanation"]["summary"].as_array().unwrap().is_empty());
    let next = result.json["view"]["next_levels"].as_array().unwrap();
    assert!(next.iter().any(|step| step["level_code"] == "A"), "{next:?}");

    let history = editor.get(&format!("/api/agencies/{}/results", khaothong.id)).await;
    assert_eq!(history.status, 200, "{:#}", history.json);
    let years: Vec<&Value> =
        history.json["items"].as_array().unwrap().iter().map(|item| &item["round"]["fiscal_year"]).collect();
    assert_eq!(years, [&json!(2600), &json!(2565)], "every round, newest first");
    assert_eq!(history.json["items"][0]["result"], Value::Null, "no result in 2600 yet");
    assert_eq!(history.json["items"][1]["result"]["total"], json!(78.35));
    let listed = editor.get("/api/agencies?round=2565").await;
    assert_eq!(listed.json["items"][0]["total"], json!(78.35));
    assert_eq!(listed.json["items"][0]["level"], "B");
}

#[tokio::test]
async fn published_scores_put_through_the_api_give_the_exact_total_and_level_on_sqlite() {
    results_story(Db::Sqlite).await;
}

#[tokio::test]
async fn published_scores_put_through_the_api_give_the_exact_total_and_level_on_postgres() {
    results_story(Db::Postgres).await;
}

#[tokio::test]
async fn an_agency_administrator_reads_only_its_own_agencys_audit_entries() {
    let app = spawn_app(Db::Sqlite).await;
    let ours = app.create_agency("6150101", "อบต.เขาทอง", "นครสวรรค์").await;
    app.create_agency("1150101", "อบต.อื่น", "อ่างทอง").await;
    let manager = app.create_user("manager", Role::AgencyAdmin, Some(&ours), None).await;
    let manager = api(&app, Some(&token_for(&app, &manager).await));
    let audit = manager.get("/api/audit").await;
    assert_eq!(audit.status, 200, "{:#}", audit.json);
    let entries = audit.json["items"].as_array().unwrap();
    assert!(!entries.is_empty());
    assert!(entries.iter().all(|entry| entry["agency_id"] == json!(ours.id)), "{entries:?}");
}

#[tokio::test]
async fn every_operation_in_the_openapi_document_answers_and_unknown_addresses_are_json_404() {
    let app = spawn_app(Db::Sqlite).await;
    let agency = app.create_agency("6150101", "อบต.เขาทอง", "นครสวรรค์").await;
    let round = app.create_round(2565, 2565).await;
    let admin = national_admin(&app).await;
    // A stored result, so that reading it answers 200 rather than 404.
    let indicators: serde_json::Map<String, Value> =
        (1..=10).map(|number| (number.to_string(), json!(REFERENCE_SCORES[number - 1]))).collect();
    let result = format!("/api/agencies/{}/rounds/{}/result", agency.id, round.id);
    assert_eq!(admin.put(&result, &json!({ "indicators": indicators })).await.status, 200);
    let document = api(&app, None).get("/api/openapi.json").await;
    assert_eq!(document.status, 200, "the document needs no token");
    assert!(document.json["openapi"].as_str().unwrap().starts_with("3.1"));
    let paths = document.json["paths"].as_object().unwrap();
    let mut operations = 0;
    for (template, item) in paths {
        // `{id}` is a round's under /api/rounds and an agency's everywhere else.
        let id = if template.starts_with("/api/rounds/") { round.id } else { agency.id };
        let path = template.replace("{id}", &id.to_string()).replace("{round_id}", &round.id.to_string());
        for method in item.as_object().unwrap().keys().filter(|key| *key != "parameters") {
            let method: reqwest::Method = method.to_uppercase().parse().unwrap();
            let body = matches!(method, reqwest::Method::POST | reqwest::Method::PUT).then(|| json!({}));
            let answer = admin.send(method.clone(), &path, body.as_ref()).await;
            assert!(
                ![404, 405].contains(&answer.status),
                "{method} {path}: {} {:#}",
                answer.status,
                answer.json
            );
            operations += 1;
        }
    }
    assert!(operations >= 12, "only {operations} operations documented");
    let unknown = admin.get("/api/nothing-here").await;
    assert_bilingual_error(&unknown, 404, "not_found");
    let wrong_method = admin.send(reqwest::Method::DELETE, "/api/agencies", None).await;
    assert_bilingual_error(&wrong_method, 405, "method_not_allowed");
}

#[tokio::test]
async fn an_oversized_api_body_is_refused_with_413_in_json() {
    let app = spawn_app(Db::Sqlite).await;
    let admin = national_admin(&app).await;
    let huge = json!({ "name_th": "x".repeat(17 * 1024 * 1024) });
    let answer = admin.post("/api/agencies", &huge).await;
    assert_bilingual_error(&answer, 413, "too_large");
}

#[tokio::test]
async fn the_bearer_scheme_is_read_whatever_its_case() {
    let app = spawn_app(Db::Sqlite).await;
    let admin = app.create_user("admin", Role::NationalAdmin, None, None).await;
    let token = token_for(&app, &admin).await;
    let reply = reqwest::Client::new()
        .get(format!("{}/api/agencies", app.address))
        .header("authorization", format!("bearer {token}"))
        .send()
        .await
        .unwrap();
    assert_eq!(reply.status(), 200);
}
