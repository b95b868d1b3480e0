//! The result computed from a round's own data: staff and stakeholders answer the IIT and EIT, assessors judge
//! every OIT item (one failure changed to a pass on a dispute, one confirmed), the agency's administrator presses
//! "compute the result from this round's data" on the round page, and the stored `Computed` result holds the
//! scores computed by hand; the reports name the weakest items and list the failed items with the assessor's
//! reason and guidance. Refused, with what is missing, while a survey has fewer than 5 respondents, an item is
//! unjudged or the verdicts are not shown yet; never over an official result. Responses and verdicts are arranged
//! through the store, as a survey form and the review pages would store them.

use ita_domain::Hundredths;
use ita_domain::platform::{FiscalYear, Role};
use ita_store::{
    Actor, Agency, AuditQuery, OitVerdictDraft, ResultSource, Round, RoundDraft, RoundWindows, Submission,
    SubmissionOutcome,
};
use rand::RngCore as _;

use crate::helpers::{Client, Db, REFERENCE_SCORES, Reply, TestApp, spawn_app};

/// IIT of methodology 2565 has 51 sub-questions, EIT 19; 43 OIT items.
const IIT_COLUMNS: usize = 51;
const EIT_COLUMNS: usize = 19;
const OIT_ITEMS: usize = 43;

/// What the assessor wrote on O11, word for word.
const O11_REASON: &str = "รายงานที่เผยแพร่เป็นของรอบ 6 เดือนของปีงบประมาณก่อน ไม่ใช่ปีที่ประเมิน";
const O11_GUIDANCE: &str = "เผยแพร่รายงานการกำกับติดตามรอบ 6 เดือนแรกของปีงบประมาณที่ประเมิน พร้อมผลการใช้จ่ายงบประมาณ";

struct World {
    app: TestApp,
    agency: Agency,
    round: Round,
    assessor: Actor,
    admin: Client,
}

/// An agency, a 2565 round whose survey, review and clarification windows are over (so the agency's people see
/// the verdicts), an assessor, and the agency's administrator signed in.
async fn world(db: Db, review_over: bool) -> World {
    let app = spawn_app(db).await;
    let agency = app.create_agency("5150101", "องค์การบริหารส่วนตำบลเขาทอง", "อ่างทอง").await;
    let review_to = if review_over { "2020-02-28" } else { "2099-12-31" };
    let draft = RoundDraft {
        fiscal_year: FiscalYear::new(2565).unwrap(),
        methodology_year: 2565,
        methodology_variant: "nacc".into(),
        windows: RoundWindows {
            survey_from: Some("2020-01-01".into()),
            survey_to: Some("2020-01-31".into()),
            oit_review_from: Some("2020-02-01".into()),
            oit_review_to: Some(review_to.into()),
            clarification_from: Some("2020-03-01".into()),
            clarification_to: Some("2020-03-31".into()),
            ..RoundWindows::default()
        },
    };
    let round = app.store.create_round(&TestApp::admin_actor(), &draft).await.unwrap();
    let assessor = app.create_user("assessor", Role::Assessor, None, None).await;
    app.create_user("agency.admin", Role::AgencyAdmin, Some(&agency), None).await;
    let admin = app.signed_in("agency.admin").await;
    let assessor = Actor { id: Some(assessor.id), name: assessor.display_name };
    World { app, agency, round, assessor, admin }
}

impl World {
    fn round_page(&self) -> String {
        format!("/agencies/{}/rounds/{}", self.agency.id, self.round.id)
    }

    /// Respondents submit their answers (one encoded string each, with the EIT relation).
    async fn respondents_answer(&self, instrument: &str, answers: &[(&str, String)]) {
        let batch: Vec<Submission> = answers
            .iter()
            .map(|(relation, encoded)| {
                let mut nonce = [0u8; 16];
                rand::rng().fill_bytes(&mut nonce);
                Submission {
                    agency_id: self.agency.id,
                    round_id: self.round.id,
                    instrument: instrument.to_string(),
                    relation: (!relation.is_empty()).then(|| relation.to_string()),
                    answers: encoded.clone(),
                    day: "2020-01-15".into(),
                    nonce,
                    nonce_expires_at: 4_000_000_000,
                    cap: None,
                }
            })
            .collect();
        let outcomes = self.app.store.submit_responses(&batch).await.unwrap();
        assert!(outcomes.iter().all(|outcome| *outcome == SubmissionOutcome::Stored), "{outcomes:?}");
    }

    /// `count` staff answer the IIT: the first every question with its first option, the others with the second.
    async fn staff_answer_the_iit(&self, count: usize, first_is_first_option: bool) {
        let answers: Vec<(&str, String)> = (0..count)
            .map(|index| {
                let option = if index == 0 && first_is_first_option { "0" } else { "1" };
                ("", option.repeat(IIT_COLUMNS))
            })
            .collect();
        self.respondents_answer("IIT", &answers).await;
    }

    /// Five service users answer every EIT question with its second option.
    async fn service_users_answer_the_eit(&self) {
        let answers: Vec<(&str, String)> =
            (0..5).map(|_| ("service_user", "1".repeat(EIT_COLUMNS))).collect();
        self.respondents_answer("EIT", &answers).await;
    }

    /// The assessor judges items O1..O`last`: `failed` fail with a reason and guidance, the rest pass.
    async fn assessor_judges(&self, last: usize, failed: &[(&str, &str, &str)]) {
        let drafts: Vec<OitVerdictDraft> = (1..=last)
            .map(|number| {
                let code = format!("O{number}");
                match failed.iter().find(|(failed_code, _, _)| *failed_code == code) {
                    Some((_, reason, guidance)) => OitVerdictDraft {
                        item_code: code,
                        passed: false,
                        reason: reason.to_string(),
                        guidance: guidance.to_string(),
                    },
                    None => OitVerdictDraft {
                        item_code: code,
                        passed: true,
                        reason: String::new(),
                        guidance: String::new(),
                    },
                }
            })
            .collect();
        self.app
            .store
            .put_oit_verdicts(&self.assessor, self.agency.id, self.round.id, &drafts, "review")
            .await
            .unwrap();
    }

    /// The agency disputes a failed item and the assessor answers: confirmed, or changed to a pass.
    async fn agency_disputes_and_assessor_answers(&self, item: &str, confirmed: bool) {
        let agency = TestApp::admin_actor();
        let store = &self.app.store;
        store
            .put_oit_dispute(&agency, self.agency.id, self.round.id, item, "มีหลักฐานบนเว็บไซต์แล้ว")
            .await
            .unwrap();
        let reason = if confirmed {
            "หลักฐานยังไม่ครบ"
        } else {
            "หลักฐานที่ชี้แจงครบถ้วน"
        };
        store
            .resolve_oit_dispute(&self.assessor, self.agency.id, self.round.id, item, confirmed, reason)
            .await
            .unwrap();
    }

    /// The agency's administrator presses "compute the result from this round's data" on the round page.
    async fn admin_presses_compute(&mut self) -> Reply {
        let page = self.round_page();
        let reply = self.admin.get(&page).await;
        assert!(
            reply.body.contains("คำนวณผลจากข้อมูลในระบบ"),
            "the button is on the round page: {}",
            reply.body
        );
        self.admin.submit(&page, &format!("{page}/result/compute"), &[]).await
    }

    async fn download(&mut self, format: &str) -> Reply {
        let path = format!("{}/report/{format}", self.round_page());
        self.admin.get(&path).await
    }
}

fn hundredths(values: &[(u8, i64)]) -> std::collections::BTreeMap<u8, Hundredths> {
    values.iter().map(|(number, value)| (*number, Hundredths(*value))).collect()
}

async fn the_result_is_computed_from_the_round_s_own_data(db: Db) {
    let mut world = world(db, true).await;
    // Nothing yet: refused, naming each instrument; nothing is stored.
    let refused = world.admin_presses_compute().await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    for expected in [
        "แบบวัด IIT ยังไม่มีผู้ตอบ (ต้องมีผู้ตอบอย่างน้อย 5 คน)",
        "แบบวัด EIT ยังไม่มีผู้ตอบ",
        "แบบวัด OIT ยังพิจารณาไม่ครบทุกข้อ (พิจารณาแล้ว 0 จาก 43 ข้อ)",
    ] {
        assert!(refused.body.contains(expected), "missing {expected:?}: {}", refused.body);
    }
    assert!(world.app.store.result(world.agency.id, world.round.id).await.unwrap().is_none());

    // Four staff are too few (and their count is not shown); one more makes five.
    world.staff_answer_the_iit(4, true).await;
    world.service_users_answer_the_eit().await;
    world.assessor_judges(OIT_ITEMS - 1, &[("O11", O11_REASON, O11_GUIDANCE)]).await;
    let page = world.admin.get(&world.round_page()).await;
    assert!(page.body.contains("disabled>คำนวณผลจากข้อมูลในระบบ"), "the button waits for the data");
    let refused = world.admin_presses_compute().await;
    assert_eq!(refused.status, 422);
    assert!(refused.body.contains("แบบวัด IIT มีผู้ตอบน้อยกว่า 5 คน"), "{}", refused.body);
    assert!(!refused.body.contains("ผู้ตอบ 4 คน"), "four respondents are never counted aloud");
    assert!(refused.body.contains("พิจารณาแล้ว 42 จาก 43 ข้อ"), "{}", refused.body);
    assert!(!refused.body.contains("แบบวัด EIT มี") && !refused.body.contains("แบบวัด EIT ยัง"), "EIT has five");
    world.staff_answer_the_iit(1, false).await;

    // Every item judged: O11 and O36 fail; O42 fails but a dispute changes it to a pass; O43's failure is
    // confirmed on its dispute (it keeps its reason and guidance).
    world
        .assessor_judges(
            OIT_ITEMS,
            &[
                ("O11", O11_REASON, O11_GUIDANCE),
                ("O36", "ไม่มีระดับความเสี่ยง", "ระบุระดับความเสี่ยงและมาตรการของแต่ละเหตุการณ์"),
                ("O42", "ไม่พบรายงานการวิเคราะห์", "เผยแพร่รายงานการวิเคราะห์ผล"),
                ("O43", "ไม่พบผลการดำเนินการ", "รายงานผลการดำเนินการตามมาตรการ"),
            ],
        )
        .await;
    world.agency_disputes_and_assessor_answers("O42", false).await;
    world.agency_disputes_and_assessor_answers("O43", true).await;

    // Before anything is stored, the report is already the round's own (and says it is not stored).
    let page = world.admin.get(&world.round_page()).await;
    assert!(page.body.contains("ยังไม่ได้บันทึกเป็นผลของหน่วยงาน"), "{}", page.body);
    assert!(!page.body.contains("disabled>คำนวณผลจากข้อมูลในระบบ"));

    let computed = world.admin_presses_compute().await;
    assert_eq!(computed.status, 303, "{}", computed.body);
    let stored = world.app.store.result(world.agency.id, world.round.id).await.unwrap().expect("stored");
    assert_eq!(stored.source, ResultSource::Computed);
    // By hand. IIT: one respondent gives every first option, four every second. four_positive items are
    // (0 + 4 x 100/3) / 5 = 80/3, four_negative (100 + 4 x 200/3) / 5 = 220/3, yes_no_bad (yes 0, no 100) 80,
    // yes_no_good (yes 100, no 0) 20, I11 (a positive and a negative sub-question) 50; each indicator is the mean
    // of its items. 1: (3 x 80/3 + 3 x 80) / 6 = 160/3; 2: (3 x 80/3 + 2 x 220/3 + 50) / 6 = 415/9;
    // 3: (3 x 80/3 + 3 x 220/3) / 6 = 50; 4: (2 x 220/3 + 4 x 80/3) / 6 = 380/9; 5: (5 x 80/3 + 20) / 6 = 230/9.
    // EIT: every second option: four_positive 100/3, yes_no_bad 100, yes_no_good 0. 6: (4 x 100/3 + 100) / 5
    // = 140/3; 7: (3 x 100/3 + 0 + 0) / 5 = 20; 8: 100/3.
    // OIT (final verdicts): 9 = mean(9/9, 7/8, 7/7, 4/4, 5/5) = 97.5; 10 = mean(7/8, 1/2) = 68.75.
    let expected = hundredths(&[
        (1, 5333),
        (2, 4611),
        (3, 5000),
        (4, 4222),
        (5, 2556),
        (6, 4667),
        (7, 2000),
        (8, 3333),
        (9, 9750),
        (10, 6875),
    ]);
    assert_eq!(stored.indicators, expected);
    // 0.3 x (sum of 1-5) / 5 + 0.3 x (sum of 6-8) / 3 + 0.4 x (97.5 + 68.75) / 2 = 3377/60 = 56.2833...: level D.
    assert_eq!((stored.total, stored.level_code.as_deref()), (Hundredths(5628), Some("D")));
    let audit = world.app.store.audit(&AuditQuery { agency_id: None, offset: 0, limit: 50 }).await.unwrap();
    let entry =
        audit.items.iter().find(|entry| entry.action == "result.create").expect("the result is audited");
    assert_eq!(entry.actor_name, "คุณ agency.admin");

    let page = world.admin.get(computed.location()).await;
    assert!(page.body.contains("บันทึกผลที่คำนวณจากข้อมูลในระบบแล้ว"), "{}", page.body);
    assert!(page.body.contains("56.28") && page.body.contains("คำนวณจากข้อมูลในระบบของรอบนี้ (IIT, EIT, OIT)"));

    let markdown = world.download("md").await;
    assert_eq!(markdown.status, 200, "{}", markdown.body);
    let text = markdown.body;
    // Indicator 7's weakest items are E8 and E10 (0.00: nobody answered yes), before E6 (33.33).
    let e8 = text.find("\n- E8 ").expect("the weakest EIT item is named");
    assert!(text[e8..].lines().nth(1).unwrap().contains("(0.00 คะแนน)"), "{}", &text[e8..]);
    assert!(text.find("\n- E10 ").is_some_and(|e10| e10 > e8) && text.contains("\n- E6 "));
    assert!(text.contains("\n- I1 ") && text.contains("(26.67 คะแนน)"), "IIT's weakest items too");
    // O11 is listed as failed with what it cost and the assessor's own words under it.
    let o11 = text.find("\n- O11 ").expect("O11 failed");
    let lines: Vec<&str> = text[o11 + 1..].lines().take(3).collect();
    assert!(lines[0].contains("(ไม่ผ่าน ทำให้คะแนนรวมลดลง 0.50 คะแนน)"), "{lines:?}");
    assert_eq!(lines[1], format!("  - เหตุผล: {O11_REASON}"));
    assert_eq!(lines[2], format!("  - ข้อแนะนำของผู้ประเมิน: {O11_GUIDANCE}"));
    assert!(text.contains("  - เหตุผล: ไม่พบผลการดำเนินการ"), "O43's confirmed failure keeps its words");
    assert!(!text.contains("\n- O42 "), "O42 passed on its dispute");

    let html = world.download("html").await;
    assert_eq!(html.status, 200);
    assert!(html.body.contains(&format!("<li>ข้อแนะนำของผู้ประเมิน: {O11_GUIDANCE}</li>")), "{}", html.body);
    assert!(html.body.contains("E8 "), "the weakest item in the HTML");
}

#[tokio::test]
async fn the_result_is_computed_from_the_round_s_own_data_on_sqlite() {
    the_result_is_computed_from_the_round_s_own_data(Db::Sqlite).await;
}

#[tokio::test]
async fn the_result_is_computed_from_the_round_s_own_data_on_postgres() {
    the_result_is_computed_from_the_round_s_own_data(Db::Postgres).await;
}

#[tokio::test]
async fn an_official_result_is_never_computed_over_and_its_report_names_no_items() {
    let mut world = world(Db::Sqlite, true).await;
    world.staff_answer_the_iit(5, true).await;
    world.service_users_answer_the_eit().await;
    world.assessor_judges(OIT_ITEMS, &[("O11", O11_REASON, O11_GUIDANCE)]).await;
    // The published scores (the reference agency's) are entered.
    let form = format!("{}/result", world.round_page());
    assert_eq!(world.admin.submit(&form, &form, &REFERENCE_SCORES).await.status, 303);
    let page = world.admin.get(&world.round_page()).await;
    assert!(page.body.contains("มีผลทางการ (ITAS) บันทึกไว้แล้ว ระบบจึงไม่คำนวณทับ"), "{}", page.body);
    let refused =
        world.admin.submit(&world.round_page(), &format!("{}/result/compute", world.round_page()), &[]).await;
    assert_eq!(refused.status, 409, "{}", refused.body);
    assert!(refused.body.contains("ระบบจึงไม่คำนวณทับผลทางการ"), "{}", refused.body);
    let stored = world.app.store.result(world.agency.id, world.round.id).await.unwrap().unwrap();
    assert_eq!((stored.source, stored.total), (ResultSource::Official, Hundredths(7835)));
    // The published numbers win: the report holds them, and no item detail from the platform's data.
    let markdown = world.download("md").await;
    assert!(markdown.body.contains("78.35"), "{}", markdown.body);
    assert!(!markdown.body.contains("ข้อแนะนำของผู้ประเมิน") && !markdown.body.contains("\n- O11 "));
}

#[tokio::test]
async fn verdicts_not_shown_to_the_agency_yet_are_not_used_for_it() {
    let mut world = world(Db::Sqlite, false).await;
    world.staff_answer_the_iit(5, true).await;
    world.service_users_answer_the_eit().await;
    world.assessor_judges(OIT_ITEMS, &[("O11", O11_REASON, O11_GUIDANCE)]).await;
    let refused = world.admin_presses_compute().await;
    assert_eq!(refused.status, 422);
    assert!(refused.body.contains("จะเปิดเผยแก่หน่วยงานเมื่อสิ้นสุดช่วงการตรวจ"), "{}", refused.body);
    assert!(!refused.body.contains(O11_REASON), "no verdict leaks out early");
    assert_eq!(world.download("md").await.status, 404, "no stored result, and the OIT is not shown yet");
    // The national administrator sees the verdicts as they come in, and may compute.
    world.app.create_user("national", Role::NationalAdmin, None, None).await;
    let mut national = world.app.signed_in("national").await;
    let page = world.round_page();
    let computed = national.submit(&page, &format!("{page}/result/compute"), &[]).await;
    assert_eq!(computed.status, 303, "{}", computed.body);
    // The agency's people see the stored numbers; the failed items stay hidden until the review is over.
    let markdown = world.download("md").await;
    assert_eq!(markdown.status, 200);
    assert!(!markdown.body.contains(O11_REASON) && !markdown.body.contains("\n- O11 "), "{}", markdown.body);
    assert!(markdown.body.contains("\n- E8 "), "the survey items are the agency's own to see");
}

#[tokio::test]
async fn a_stored_result_the_data_no_longer_gives_is_flagged_until_computed_again() {
    let mut world = world(Db::Sqlite, true).await;
    world.staff_answer_the_iit(5, true).await;
    world.service_users_answer_the_eit().await;
    world.assessor_judges(OIT_ITEMS, &[("O11", O11_REASON, O11_GUIDANCE)]).await;
    assert_eq!(world.admin_presses_compute().await.status, 303);
    let first = world.app.store.result(world.agency.id, world.round.id).await.unwrap().unwrap();
    let flag = "ไม่ตรงกับข้อมูลล่าสุดของรอบนี้";
    let page = world.admin.get(&world.round_page()).await;
    assert!(!page.body.contains(flag), "just computed: nothing to flag");

    // O11 passes on a dispute after the result was computed: the stored total is out of date.
    world.agency_disputes_and_assessor_answers("O11", false).await;
    let page = world.admin.get(&world.round_page()).await;
    let around = page
        .body
        .split("</p>")
        .find(|paragraph| paragraph.contains(flag))
        .unwrap_or_else(|| panic!("no notice: {}", page.body))
        .to_string();
    assert!(around.contains(&format!("(คะแนนรวม {})", first.total)), "the stored total: {around}");
    assert!(around.contains("กรุณากดปุ่ม “คำนวณผลจากข้อมูลในระบบ” อีกครั้ง"), "{around}");

    assert_eq!(world.admin_presses_compute().await.status, 303);
    let second = world.app.store.result(world.agency.id, world.round.id).await.unwrap().unwrap();
    assert!(second.total > first.total, "O11 now passes: {} then {}", first.total, second.total);
    assert!(
        around.contains(&format!("(คะแนนรวม {})", second.total)),
        "the notice named the new total: {around}"
    );
    let page = world.admin.get(&world.round_page()).await;
    assert!(!page.body.contains(flag), "computed again: {}", page.body);
}
