//! The demonstration dataset: rounds for fiscal years 2565-2569, each with its own year's methodology; the
//! reference agency (องค์การบริหารส่วนตำบลเขาทอง, whose 2565 result is the published one); and provinces of
//! made-up agencies whose scores come from a seeded generator, so that every load gives the same data. Used by
//! `ita serve --demo`, `ita demo` and the page benchmarks; totals and levels are computed by the domain.

use std::collections::{BTreeMap, BTreeSet};

use anyhow::Context as _;
use ita_domain::Hundredths;
use ita_domain::methodology::{Catalog, InstrumentKind, Methodology, MethodologyId};
use ita_domain::platform::{AgencyCode, AgencyKind, FiscalYear, Role};
use ita_store::{
    Actor, Agency, AgencyDraft, ResultSource, Round, RoundDraft, RoundWindows, Store, StoreError, UserDraft,
};
use rand::Rng as _;

use crate::scoring::draft_from_indicators;

/// The first fiscal year of the demonstration: the year of the reference agency's published result.
pub const FIRST_YEAR: u16 = 2565;
/// The most years the demonstration spans (2565-2569).
pub const MAX_YEARS: u16 = 5;
/// The most agencies `load_demo` makes; the national size is about 8,300.
pub const MAX_AGENCIES: usize = 100_000;
/// Agencies per province before the generator opens the next province.
const PER_PROVINCE: usize = 110;
/// Rows per store call: big enough that a batch's transaction cost is spread thin, small enough to keep a
/// transaction short.
const BATCH: usize = 1_000;

/// How much data to make.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DemoSize {
    /// Agencies in all, the reference agency included.
    pub agencies: usize,
    /// Fiscal years from 2565 on.
    pub years: u16,
}

impl DemoSize {
    /// One province (กระบี่) over five years: what `ita serve --demo` loads.
    pub const PROVINCE: DemoSize = DemoSize { agencies: 100, years: 5 };
    /// About as many agencies as the country assesses, over five years: the benchmark's size.
    pub const NATIONAL: DemoSize = DemoSize { agencies: 8_300, years: 5 };
}

impl Default for DemoSize {
    fn default() -> DemoSize {
        DemoSize::PROVINCE
    }
}

/// What `load_demo` made.
#[derive(Debug, Clone)]
pub struct DemoData {
    pub agencies: usize,
    pub provinces: usize,
    /// Oldest fiscal year first.
    pub rounds: Vec<Round>,
    pub results: usize,
    pub reference: Agency,
}

/// A demonstration account and its password, shown once when it is made and kept nowhere else.
#[derive(Clone)]
pub struct DemoAccount {
    pub username: String,
    pub password: String,
    pub role: Role,
    /// The agency or province the account is bound to, if any.
    pub scope: Option<String>,
}

impl std::fmt::Debug for DemoAccount {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DemoAccount")
            .field("username", &self.username)
            .field("password", &"[redacted]")
            .field("role", &self.role)
            .field("scope", &self.scope)
            .finish()
    }
}

/// The reference agency: a real อบต. whose published 2565 indicator scores give 78.35 (B).
pub const REFERENCE_NAME: &str = "องค์การบริหารส่วนตำบลเขาทอง";
pub const REFERENCE_PROVINCE: &str = "กระบี่";
pub const REFERENCE_DISTRICT: &str = "เมืองกระบี่";
/// Made up in the shape of a local-government code (kind, province, district, number): the demonstration
/// does not claim to know the real one.
pub const REFERENCE_CODE: &str = "6810105";

/// The reference agency's indicator scores (hundredths) for 2565-2569. 2565 is the published result; the later
/// years are invented, a steady climb with indicator 10 (corruption prevention) catching up.
const REFERENCE_SCORES: [[i64; 10]; 5] = [
    [10000, 10000, 10000, 9934, 9777, 8970, 8891, 8609, 8529, 2500],
    [10000, 10000, 9981, 9912, 9830, 9154, 9032, 8876, 9412, 6250],
    [10000, 10000, 10000, 9958, 9896, 9287, 9215, 9063, 9706, 7500],
    [10000, 10000, 10000, 9973, 9911, 9340, 9301, 9155, 9412, 8333],
    [10000, 10000, 10000, 10000, 9948, 9412, 9380, 9264, 10000, 9167],
];

/// The account names `create_demo_accounts` uses.
pub const ADMIN_USERNAME: &str = "admin";
pub const OFFICER_USERNAME: &str = "khaothong";
pub const ANALYST_USERNAME: &str = "krabi";

/// Fills an empty platform with the demonstration data: rounds (an existing round of a year is reused),
/// agencies in batches, then every agency's result in every round. Agencies must not exist yet: their codes
/// would clash.
pub async fn load_demo(store: &dyn Store, catalog: &Catalog, size: DemoSize) -> anyhow::Result<DemoData> {
    if size.agencies == 0 || size.agencies > MAX_AGENCIES {
        anyhow::bail!(
            "ข้อผิดพลาด: จำนวนหน่วยงานสาธิตต้องอยู่ระหว่าง 1 ถึง {MAX_AGENCIES}\n\
             error: the number of demonstration agencies must be from 1 to {MAX_AGENCIES}"
        );
    }
    if size.years == 0 || size.years > MAX_YEARS {
        anyhow::bail!(
            "ข้อผิดพลาด: จำนวนปีสาธิตต้องอยู่ระหว่าง 1 ถึง {MAX_YEARS} (ปีงบประมาณ {FIRST_YEAR} เป็นต้นไป)\n\
             error: the number of demonstration years must be from 1 to {MAX_YEARS} (fiscal years from {FIRST_YEAR})"
        );
    }
    let actor = Actor::system("demo");
    let rounds = demo_rounds(store, catalog, &actor, size.years).await?;
    let methodologies: Vec<&Methodology> = rounds
        .iter()
        .map(|round| {
            let id =
                MethodologyId { year: round.methodology_year, variant: round.methodology_variant.clone() };
            catalog.get(&id).map_err(anyhow::Error::new)
        })
        .collect::<anyhow::Result<_>>()?;

    let plan = plan_agencies(size.agencies);
    let provinces = plan.iter().map(|planned| planned.draft.province.as_str()).collect::<BTreeSet<_>>().len();
    let mut agencies = Vec::with_capacity(plan.len());
    for chunk in plan.chunks(BATCH) {
        let drafts: Vec<AgencyDraft> = chunk.iter().map(|planned| planned.draft.clone()).collect();
        for outcome in store.create_agencies(&actor, &drafts).await? {
            agencies.push(outcome.map_err(|error| match error {
                StoreError::Conflict { value, .. } => anyhow::anyhow!(
                    "ข้อผิดพลาด: มีหน่วยงานรหัส {value} อยู่แล้ว ข้อมูลสาธิตใส่ได้เฉพาะระบบที่ยังไม่มีหน่วยงาน\n\
                     error: agency code {value} exists already: demonstration data goes only into a platform \
                     with no agencies"
                ),
                other => anyhow::Error::new(other),
            })?);
        }
    }

    let mut results = 0;
    let mut batch = Vec::with_capacity(BATCH);
    for (planned, agency) in plan.iter().zip(&agencies) {
        for (year, (round, methodology)) in rounds.iter().zip(&methodologies).enumerate() {
            let indicators = match planned.profile {
                Profile::Reference => reference_scores(year),
                Profile::Generated(seed) => generated_scores(methodology, seed, year),
            };
            let draft = draft_from_indicators(methodology, indicators, ResultSource::Official)
                .map_err(|invalid| anyhow::anyhow!("{invalid}"))
                .with_context(|| format!("demo result of {} in {}", agency.code, round.fiscal_year))?;
            batch.push((agency.id, round.id, draft));
            if batch.len() == BATCH {
                store.put_results(&actor, &batch).await?;
                results += batch.len();
                batch.clear();
            }
        }
    }
    if !batch.is_empty() {
        store.put_results(&actor, &batch).await?;
        results += batch.len();
    }
    let reference =
        agencies.first().cloned().context("the demonstration has at least the reference agency")?;
    Ok(DemoData { agencies: agencies.len(), provinces, rounds, results, reference })
}

/// Makes the demonstration accounts, each with a fresh random password: a national administrator, an
/// administrator of the reference agency, and an analyst of its province. A name that is taken is skipped.
pub async fn create_demo_accounts(store: &dyn Store, data: &DemoData) -> anyhow::Result<Vec<DemoAccount>> {
    let actor = Actor::system("demo");
    let wanted = [
        (ADMIN_USERNAME, "ผู้ดูแลระบบ (สาธิต)", Role::NationalAdmin, None, None),
        (OFFICER_USERNAME, "เจ้าหน้าที่ อบต.เขาทอง (สาธิต)", Role::AgencyAdmin, Some(&data.reference), None),
        (
            ANALYST_USERNAME,
            "นักวิเคราะห์จังหวัดกระบี่ (สาธิต)",
            Role::ProvincialAnalyst,
            None,
            Some(data.reference.province.clone()),
        ),
    ];
    let mut accounts = Vec::new();
    for (username, display_name, role, agency, province) in wanted {
        let password = demo_password();
        let draft = UserDraft {
            username: username.to_string(),
            display_name: display_name.to_string(),
            role,
            agency_id: agency.map(|agency| agency.id),
            province: province.clone(),
            active: true,
        };
        let hash = crate::auth::hash_password(password.clone()).await?;
        match store.create_user(&actor, &draft, &hash).await {
            Ok(_) => accounts.push(DemoAccount {
                username: username.to_string(),
                password,
                role,
                scope: agency.map(|agency| agency.name_th.clone()).or(province),
            }),
            Err(StoreError::Conflict { .. }) => {
                tracing::warn!(username, "a demonstration account name is taken; that account is not made");
            }
            Err(error) => return Err(error.into()),
        }
    }
    Ok(accounts)
}

/// A password of 14 characters in three groups, from letters and digits that are not mistaken for each other.
fn demo_password() -> String {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
    let mut rng = rand::rng();
    let mut password = String::with_capacity(14);
    for group in 0..3 {
        if group > 0 {
            password.push('-');
        }
        for _ in 0..4 {
            password.push(char::from(ALPHABET[rng.random_range(0..ALPHABET.len())]));
        }
    }
    password
}

// Rounds.

async fn demo_rounds(
    store: &dyn Store,
    catalog: &Catalog,
    actor: &Actor,
    years: u16,
) -> anyhow::Result<Vec<Round>> {
    let existing = store.rounds().await?;
    let mut rounds = Vec::new();
    for fiscal_year in FIRST_YEAR..FIRST_YEAR + years {
        if let Some(round) = existing.iter().find(|round| round.fiscal_year.get() == fiscal_year) {
            rounds.push(round.clone());
            continue;
        }
        let methodology = methodology_for(catalog, fiscal_year)?;
        let draft = RoundDraft {
            fiscal_year: FiscalYear::new(i64::from(fiscal_year))
                .map_err(|invalid| anyhow::anyhow!("{invalid}"))?,
            methodology_year: methodology.year,
            methodology_variant: methodology.variant.clone(),
            windows: windows_of(fiscal_year),
        };
        rounds.push(store.create_round(actor, &draft).await?);
    }
    Ok(rounds)
}

/// The year's own methodology, or the newest earlier one when a catalogue lacks that year.
fn methodology_for(catalog: &Catalog, fiscal_year: u16) -> anyhow::Result<&Methodology> {
    catalog
        .list()
        .iter()
        .filter(|methodology| {
            methodology.variant == MethodologyId::DEFAULT_VARIANT && methodology.year <= fiscal_year
        })
        .max_by_key(|methodology| methodology.year)
        .with_context(|| format!("no methodology for fiscal year {fiscal_year}"))
}

/// The usual calendar of a round, in Gregorian dates: OIT answers and surveys from April, review in June and
/// July, clarification in August, results at the end of the fiscal year (30 September).
fn windows_of(fiscal_year: u16) -> RoundWindows {
    let year = i32::from(fiscal_year) - 543;
    let date = |month_day: &str| Some(format!("{year}-{month_day}"));
    RoundWindows {
        oit_answer_from: date("04-01"),
        oit_answer_to: date("05-31"),
        survey_from: date("04-01"),
        survey_to: date("07-31"),
        oit_review_from: date("06-01"),
        oit_review_to: date("07-31"),
        clarification_from: date("08-01"),
        clarification_to: date("08-15"),
        results_on: date("09-30"),
    }
}

// Agencies.

/// How an agency's scores are made.
#[derive(Debug, Clone, Copy)]
enum Profile {
    Reference,
    Generated(u64),
}

#[derive(Debug, Clone)]
struct Planned {
    draft: AgencyDraft,
    profile: Profile,
}

/// Province codes and names, กระบี่ first (the reference agency's province). Bangkok is left out: it has no
/// subdistrict administrations or subdistrict municipalities.
const PROVINCES: [(u8, &str); 76] = [
    (81, "กระบี่"),
    (11, "สมุทรปราการ"),
    (12, "นนทบุรี"),
    (13, "ปทุมธานี"),
    (14, "พระนครศรีอยุธยา"),
    (15, "อ่างทอง"),
    (16, "ลพบุรี"),
    (17, "สิงห์บุรี"),
    (18, "ชัยนาท"),
    (19, "สระบุรี"),
    (20, "ชลบุรี"),
    (21, "ระยอง"),
    (22, "จันทบุรี"),
    (23, "ตราด"),
    (24, "ฉะเชิงเทรา"),
    (25, "ปราจีนบุรี"),
    (26, "นครนายก"),
    (27, "สระแก้ว"),
    (30, "นครราชสีมา"),
    (31, "บุรีรัมย์"),
    (32, "สุรินทร์"),
    (33, "ศรีสะเกษ"),
    (34, "อุบลราชธานี"),
    (35, "ยโสธร"),
    (36, "ชัยภูมิ"),
    (37, "อำนาจเจริญ"),
    (38, "บึงกาฬ"),
    (39, "หนองบัวลำภู"),
    (40, "ขอนแก่น"),
    (41, "อุดรธานี"),
    (42, "เลย"),
    (43, "หนองคาย"),
    (44, "มหาสารคาม"),
    (45, "ร้อยเอ็ด"),
    (46, "กาฬสินธุ์"),
    (47, "สกลนคร"),
    (48, "นครพนม"),
    (49, "มุกดาหาร"),
    (50, "เชียงใหม่"),
    (51, "ลำพูน"),
    (52, "ลำปาง"),
    (53, "อุตรดิตถ์"),
    (54, "แพร่"),
    (55, "น่าน"),
    (56, "พะเยา"),
    (57, "เชียงราย"),
    (58, "แม่ฮ่องสอน"),
    (60, "นครสวรรค์"),
    (61, "อุทัยธานี"),
    (62, "กำแพงเพชร"),
    (63, "ตาก"),
    (64, "สุโขทัย"),
    (65, "พิษณุโลก"),
    (66, "พิจิตร"),
    (67, "เพชรบูรณ์"),
    (70, "ราชบุรี"),
    (71, "กาญจนบุรี"),
    (72, "สุพรรณบุรี"),
    (73, "นครปฐม"),
    (74, "สมุทรสาคร"),
    (75, "สมุทรสงคราม"),
    (76, "เพชรบุรี"),
    (77, "ประจวบคีรีขันธ์"),
    (80, "นครศรีธรรมราช"),
    (82, "พังงา"),
    (83, "ภูเก็ต"),
    (84, "สุราษฎร์ธานี"),
    (85, "ระนอง"),
    (86, "ชุมพร"),
    (90, "สงขลา"),
    (91, "สตูล"),
    (92, "ตรัง"),
    (93, "พัทลุง"),
    (94, "ปัตตานี"),
    (95, "ยะลา"),
    (96, "นราธิวาส"),
];

/// กระบี่'s real districts; other provinces get their เมือง district and made-up ones.
const KRABI_DISTRICTS: [&str; 8] =
    ["เมืองกระบี่", "เขาพนม", "เกาะลันตา", "คลองท่อม", "อ่าวลึก", "ปลายพระยา", "ลำทับ", "เหนือคลอง"];

/// The first and second halves of made-up place names, with their romanisations ("หนอง" + "บัว" is
/// "หนองบัว", Nong Bua): the way most Thai subdistricts are named, after water, land and trees.
const NAME_STARTS: [(&str, &str); 30] = [
    ("หนอง", "Nong"),
    ("ห้วย", "Huai"),
    ("คลอง", "Khlong"),
    ("โคก", "Khok"),
    ("นา", "Na"),
    ("ทุ่ง", "Thung"),
    ("เขา", "Khao"),
    ("บาง", "Bang"),
    ("วัง", "Wang"),
    ("ดอน", "Don"),
    ("ท่า", "Tha"),
    ("สระ", "Sa"),
    ("บึง", "Bueng"),
    ("ลำ", "Lam"),
    ("โนน", "Non"),
    ("ป่า", "Pa"),
    ("บ่อ", "Bo"),
    ("แม่", "Mae"),
    ("ดง", "Dong"),
    ("หาด", "Hat"),
    ("เกาะ", "Ko"),
    ("ปาก", "Pak"),
    ("ไร่", "Rai"),
    ("สวน", "Suan"),
    ("บ้าน", "Ban"),
    ("หัว", "Hua"),
    ("ศรี", "Si"),
    ("โพธิ์", "Pho"),
    ("ชัย", "Chai"),
    ("วัด", "Wat"),
];

const NAME_ENDS: [(&str, &str); 35] = [
    ("ทอง", "Thong"),
    ("ใหม่", "Mai"),
    ("แก้ว", "Kaeo"),
    ("หลวง", "Luang"),
    ("งาม", "Ngam"),
    ("ยาง", "Yang"),
    ("ขาม", "Kham"),
    ("จิก", "Chik"),
    ("ไผ่", "Phai"),
    ("บัว", "Bua"),
    ("สูง", "Sung"),
    ("เจริญ", "Charoen"),
    ("พัฒนา", "Phatthana"),
    ("กลาง", "Klang"),
    ("เหนือ", "Nuea"),
    ("ใต้", "Tai"),
    ("น้ำใส", "Nam Sai"),
    ("ตะเคียน", "Takhian"),
    ("มะม่วง", "Mamuang"),
    ("ปรือ", "Prue"),
    ("แดง", "Daeng"),
    ("เตย", "Toei"),
    ("โพธิ์", "Pho"),
    ("สะแก", "Sakae"),
    ("ขุนทอง", "Khun Thong"),
    ("ทราย", "Sai"),
    ("หิน", "Hin"),
    ("ช้าง", "Chang"),
    ("เสือ", "Suea"),
    ("ม่วง", "Muang"),
    ("สามัคคี", "Samakkhi"),
    ("ประดู่", "Pradu"),
    ("กระเบา", "Krabao"),
    ("ลาด", "Lat"),
    ("พง", "Phong"),
];

/// A made-up place name not in `taken`, in Thai and romanised.
fn place_name(random: &mut Seeded, taken: &mut BTreeSet<String>) -> (String, String) {
    loop {
        let (start_th, start_en) = NAME_STARTS[random.index(NAME_STARTS.len())];
        let (end_th, end_en) = NAME_ENDS[random.index(NAME_ENDS.len())];
        if start_th == end_th {
            continue;
        }
        let thai = format!("{start_th}{end_th}");
        if taken.insert(thai.clone()) {
            return (thai, format!("{start_en} {end_en}"));
        }
    }
}

/// The agencies to make, in order: the reference agency first, then province by province an
/// องค์การบริหารส่วนจังหวัด, a เทศบาลเมือง, and subdistrict administrations and municipalities.
fn plan_agencies(count: usize) -> Vec<Planned> {
    let province_count = count.div_ceil(PER_PROVINCE).clamp(1, PROVINCES.len());
    let mut random = Seeded::new(0x17A_2565);
    let mut plan = Vec::with_capacity(count);
    for (index, (code, province)) in PROVINCES.iter().take(province_count).enumerate() {
        // Spread the agencies evenly; the first provinces take the remainder.
        let wanted = count / province_count + usize::from(index < count % province_count);
        let mut taken = BTreeSet::new();
        let districts: Vec<String> = if *code == 81 {
            KRABI_DISTRICTS.iter().map(|name| name.to_string()).collect()
        } else {
            let mut districts = vec![format!("เมือง{province}")];
            let extra = 5 + random.below(8);
            let mut district_names = BTreeSet::new();
            districts.extend((0..extra).map(|_| place_name(&mut random, &mut district_names).0));
            districts
        };
        // The reference agency is number 05 of its district's subdistrict administrations.
        let mut serials: BTreeMap<(u8, usize), usize> =
            if *code == 81 { BTreeMap::from([((6, 0), 5)]) } else { BTreeMap::new() };
        let mut next_code = |kind_digit: u8, district: usize| {
            let serial = serials.entry((kind_digit, district)).or_insert(0);
            *serial += 1;
            format!("{kind_digit}{code:02}{:02}{:02}", district + 1, serial)
        };
        let mut planned_here = Vec::with_capacity(wanted);
        if *code == 81 {
            taken.insert("เขาทอง".to_string());
            planned_here.push(Planned {
                draft: AgencyDraft {
                    code: demo_code(REFERENCE_CODE),
                    name_th: REFERENCE_NAME.to_string(),
                    name_en: Some("Khao Thong Subdistrict Administrative Organization".to_string()),
                    kind: AgencyKind::SubdistrictAdministration,
                    province: REFERENCE_PROVINCE.to_string(),
                    district: Some(REFERENCE_DISTRICT.to_string()),
                    parent_id: None,
                    website: Some("www.khaothong.go.th".to_string()),
                    contact: None,
                },
                profile: Profile::Reference,
            });
        }
        while planned_here.len() < wanted {
            let seed = random.next();
            let draft = match planned_here.len() - usize::from(*code == 81) {
                0 => AgencyDraft {
                    code: demo_code(&next_code(2, 0)),
                    name_th: format!("องค์การบริหารส่วนจังหวัด{province}"),
                    name_en: None,
                    kind: AgencyKind::ProvincialAdministration,
                    province: province.to_string(),
                    district: Some(districts[0].clone()),
                    parent_id: None,
                    website: None,
                    contact: None,
                },
                1 => AgencyDraft {
                    code: demo_code(&next_code(4, 0)),
                    name_th: format!("เทศบาลเมือง{province}"),
                    name_en: None,
                    kind: AgencyKind::Municipality,
                    province: province.to_string(),
                    district: Some(districts[0].clone()),
                    parent_id: None,
                    website: None,
                    contact: None,
                },
                _ => {
                    let (place_th, place_en) = place_name(&mut random, &mut taken);
                    let district = random.index(districts.len());
                    // About three in four local governments of a province are subdistrict administrations.
                    let (kind_digit, prefix, suffix) = if random.below(4) == 0 {
                        (5, "เทศบาลตำบล", "Subdistrict Municipality")
                    } else {
                        (6, "องค์การบริหารส่วนตำบล", "Subdistrict Administrative Organization")
                    };
                    AgencyDraft {
                        code: demo_code(&next_code(kind_digit, district)),
                        name_th: format!("{prefix}{place_th}"),
                        name_en: Some(format!("{place_en} {suffix}")),
                        kind: if kind_digit == 5 {
                            AgencyKind::Municipality
                        } else {
                            AgencyKind::SubdistrictAdministration
                        },
                        province: province.to_string(),
                        district: Some(districts[district].clone()),
                        parent_id: None,
                        website: None,
                        contact: None,
                    }
                }
            };
            planned_here.push(Planned { draft, profile: Profile::Generated(seed) });
        }
        plan.extend(planned_here);
    }
    plan
}

fn demo_code(text: &str) -> AgencyCode {
    AgencyCode::parse(text).unwrap_or_else(|_| unreachable!("demo codes are digits: {text}"))
}

// Scores.

fn reference_scores(year: usize) -> BTreeMap<u8, Hundredths> {
    let scores = REFERENCE_SCORES[year.min(REFERENCE_SCORES.len() - 1)];
    (1u8..).zip(scores).map(|(number, score)| (number, Hundredths(score))).collect()
}

/// One agency's indicator scores in the `year`-th round: its survey scores sit around a quality of its own and
/// gain a little each year; its OIT scores are a share of the year's checklist items, more of them each year.
fn generated_scores(methodology: &Methodology, seed: u64, year: usize) -> BTreeMap<u8, Hundredths> {
    let mut agency = Seeded::new(seed);
    // A bell-shaped quality between 67 and 100, and a yearly gain between 0.3 and 2.3 points.
    let quality = 6_700 + agency.below(1_101) + agency.below(1_101) + agency.below(1_101);
    let gain = 30 + agency.below(201);
    // The share of OIT items met, in ten-thousandths: widely spread, and met better by better agencies.
    let oit_share = (agency.below(10_001) + quality * 2) / 3;
    let oit_gain = agency.below(900);
    let year_step = year as u64;
    let mut this_year = Seeded::new(seed ^ (0x9E37_79B9 * (year_step + 1)));
    let mut scores = BTreeMap::new();
    for indicator in &methodology.indicators {
        let kind = methodology.instrument(&indicator.instrument).map(|instrument| instrument.kind);
        let hundredths = if kind == Some(InstrumentKind::Checklist) {
            let items = methodology
                .sub_indicators_of(indicator.number)
                .map(|sub| methodology.oit_items_of(&sub.code).count())
                .sum::<usize>()
                .max(1) as u64;
            let share =
                (oit_share + oit_gain * year_step + this_year.below(1_200)).saturating_sub(600).min(10_000);
            let met = (items * share + 5_000) / 10_000;
            (met * 10_000 + items / 2) / items
        } else {
            // Insiders (IIT) rate their own agency higher than outsiders (EIT) do.
            let lift = if indicator.instrument == "IIT" { 700 } else { 0 };
            (quality + lift + gain * year_step + this_year.below(801)).saturating_sub(400).min(10_000)
        };
        scores.insert(indicator.number, Hundredths(hundredths as i64));
    }
    scores
}

/// SplitMix64: a small, fast, seeded generator, so the demonstration is the same on every machine.
#[derive(Debug, Clone)]
struct Seeded(u64);

impl Seeded {
    fn new(seed: u64) -> Seeded {
        Seeded(seed)
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number from 0 to `bound - 1` (the small bias of `%` does not matter for demonstration data).
    fn below(&mut self, bound: u64) -> u64 {
        self.next() % bound.max(1)
    }

    /// An index into a list of `len` things.
    fn index(&mut self, len: usize) -> usize {
        (self.next() % (len.max(1) as u64)) as usize
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_plan_is_the_same_every_time_with_unique_codes_and_the_reference_first() {
        let first = plan_agencies(DemoSize::NATIONAL.agencies);
        let second = plan_agencies(DemoSize::NATIONAL.agencies);
        assert_eq!(first.len(), 8_300);
        assert_eq!(
            first.iter().map(|planned| &planned.draft).collect::<Vec<_>>(),
            second.iter().map(|planned| &planned.draft).collect::<Vec<_>>()
        );
        let codes: BTreeSet<&str> = first.iter().map(|planned| planned.draft.code.as_str()).collect();
        assert_eq!(codes.len(), first.len(), "every code is unique");
        assert_eq!(first[0].draft.name_th, REFERENCE_NAME);
        let provinces: BTreeSet<&str> = first.iter().map(|planned| planned.draft.province.as_str()).collect();
        assert_eq!(provinces.len(), 76);
        let one_province = plan_agencies(DemoSize::PROVINCE.agencies);
        assert!(one_province.iter().all(|planned| planned.draft.province == "กระบี่"));
        assert!(one_province.iter().any(|planned| planned.draft.name_th.starts_with("เทศบาลตำบล")));
    }

    #[test]
    fn the_reference_agency_scores_78_35_b_in_2565_and_generated_scores_improve() {
        let catalog = Catalog::builtin().unwrap();
        let methodology = methodology_for(&catalog, 2565).unwrap();
        let draft = draft_from_indicators(methodology, reference_scores(0), ResultSource::Official).unwrap();
        assert_eq!(draft.total, Hundredths(7835));
        assert_eq!(draft.level_code.as_deref(), Some("B"));
        let first = generated_scores(methodology, 42, 0);
        let later = generated_scores(methodology_for(&catalog, 2569).unwrap(), 42, 4);
        assert_eq!(first, generated_scores(methodology, 42, 0), "the same seed gives the same scores");
        let sum = |scores: &BTreeMap<u8, Hundredths>| scores.values().map(|score| score.0).sum::<i64>();
        assert!(sum(&later) > sum(&first), "{first:?} then {later:?}");
        assert!(first.values().all(|score| (0..=10_000).contains(&score.0)));
    }

    #[test]
    fn generated_agencies_spread_over_the_levels_and_rise_year_by_year() {
        let catalog = Catalog::builtin().unwrap();
        let plan = plan_agencies(1_000);
        let mut means = Vec::new();
        for year in 0..usize::from(MAX_YEARS) {
            let methodology = methodology_for(&catalog, FIRST_YEAR + year as u16).unwrap();
            let mut levels = BTreeSet::new();
            let mut sum = 0;
            for planned in &plan {
                let Profile::Generated(seed) = planned.profile else { continue };
                let scores = generated_scores(methodology, seed, year);
                let draft = draft_from_indicators(methodology, scores, ResultSource::Official).unwrap();
                levels.insert(draft.level_code.unwrap_or_default());
                sum += draft.total.0;
            }
            assert!(levels.len() >= 4, "{}: only {levels:?}", methodology.year);
            means.push(sum / (plan.len() as i64 - 1));
        }
        assert!(means.windows(2).all(|pair| pair[0] < pair[1]), "{means:?}");
        assert!((7_500..8_800).contains(&means[0]), "{means:?}");
    }
}
