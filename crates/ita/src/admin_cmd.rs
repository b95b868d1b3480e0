//! `ita admin create`: makes an account from the command line (the first administrator of a server set up by a
//! script, or one more later), in the database the same settings as `ita serve` name. The password comes from
//! standard input, never from an argument, so it stays out of the shell history and the process list.

use std::io::{BufRead as _, IsTerminal as _};

use ita_domain::platform::{AgencyCode, Role};
use ita_store::{Actor, StoreError, UserDraft};

use crate::config::{Config, StoreFlags};

#[derive(Debug, clap::Args)]
pub struct CreateArgs {
    /// The name to sign in with: 3-64 latin letters, digits, . _ - or @.
    #[arg(long)]
    pub username: String,
    /// The full name shown in the pages and the audit log.
    #[arg(long)]
    pub display_name: String,
    /// national_admin, provincial_analyst, assessor, agency_admin or agency_editor.
    #[arg(long, default_value = "national_admin")]
    pub role: String,
    /// The agency code, for agency_admin and agency_editor.
    #[arg(long, value_name = "CODE")]
    pub agency: Option<String>,
    /// The province, for provincial_analyst.
    #[arg(long)]
    pub province: Option<String>,
    /// Read the password from the first line of standard input without asking (for scripts). Without it, a
    /// terminal is asked without echo, and a pipe is read the same way.
    #[arg(long)]
    pub password_stdin: bool,
    #[command(flatten)]
    pub store: StoreFlags,
}

/// The account as checked at the boundary, before anything is written.
struct Request {
    role: Role,
    agency: Option<AgencyCode>,
    province: Option<String>,
}

fn invalid(th: &str, en: &str) -> anyhow::Error {
    anyhow::anyhow!("ข้อผิดพลาด: {th}\nerror: {en}")
}

/// The same rule as the account form of the web pages.
fn check_username(username: &str) -> anyhow::Result<()> {
    let length = username.chars().count();
    if !(3..=64).contains(&length)
        || !username.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '@'))
    {
        return Err(invalid(
            &format!("ชื่อผู้ใช้ \"{username}\" ต้องยาว 3-64 ตัว ใช้ได้เฉพาะตัวอักษรละติน ตัวเลข . _ - และ @"),
            &format!("username \"{username}\" must be 3-64 latin letters, digits, . _ - or @"),
        ));
    }
    Ok(())
}

fn check(args: &CreateArgs) -> anyhow::Result<Request> {
    check_username(args.username.trim())?;
    if args.display_name.trim().is_empty() {
        return Err(invalid("ต้องระบุชื่อ-นามสกุล (--display-name)", "give a full name (--display-name)"));
    }
    let role = Role::parse(&args.role).map_err(|error| invalid(&error.th, &error.en))?;
    let agency = args.agency.as_deref().map(str::trim).filter(|code| !code.is_empty());
    let province = args.province.as_deref().map(str::trim).filter(|province| !province.is_empty());
    let agency = match (role.needs_agency(), agency) {
        (true, Some(code)) => Some(AgencyCode::parse(code).map_err(|error| invalid(&error.th, &error.en))?),
        (true, None) => {
            return Err(invalid(
                &format!("บทบาท {} ต้องระบุรหัสหน่วยงาน (--agency)", role.thai()),
                &format!("the role {} needs an agency code (--agency)", role.code()),
            ));
        }
        (false, Some(_)) => {
            return Err(invalid(
                &format!("บทบาท {} ไม่ผูกกับหน่วยงาน จึงไม่ใช้ --agency", role.thai()),
                &format!("the role {} is not bound to an agency: leave out --agency", role.code()),
            ));
        }
        (false, None) => None,
    };
    let province = match (role.needs_province(), province) {
        (true, Some(province)) => Some(province.to_string()),
        (true, None) => {
            return Err(invalid(
                &format!("บทบาท {} ต้องระบุจังหวัด (--province)", role.thai()),
                &format!("the role {} needs a province (--province)", role.code()),
            ));
        }
        (false, Some(_)) => {
            return Err(invalid(
                &format!("บทบาท {} ไม่ผูกกับจังหวัด จึงไม่ใช้ --province", role.thai()),
                &format!("the role {} is not bound to a province: leave out --province", role.code()),
            ));
        }
        (false, None) => None,
    };
    Ok(Request { role, agency, province })
}

/// The password: asked without echo on a terminal, else the first line of standard input.
fn read_password(from_stdin: bool) -> anyhow::Result<String> {
    let password = if !from_stdin && std::io::stdin().is_terminal() {
        rpassword::prompt_password("รหัสผ่าน / Password: ")?
    } else {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line)?;
        line.trim_end_matches(['\n', '\r']).to_string()
    };
    ita_web::check_password(&password).map_err(|error| invalid(&error.th, &error.en))?;
    Ok(password)
}

pub fn create(args: &CreateArgs) -> anyhow::Result<()> {
    let request = check(args)?;
    let config = Config::load(args.store.config.as_deref(), args.store.layer())?;
    let password = read_password(args.password_stdin)?;
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime.block_on(async {
        let store = config.open_store().await?;
        let agency = match &request.agency {
            Some(code) => Some(store.agency_by_code(code).await?.ok_or_else(|| {
                invalid(&format!("ไม่พบหน่วยงานรหัส {code}"), &format!("there is no agency with code {code}"))
            })?),
            None => None,
        };
        let draft = UserDraft {
            username: args.username.trim().to_string(),
            display_name: args.display_name.trim().to_string(),
            role: request.role,
            agency_id: agency.as_ref().map(|agency| agency.id),
            province: request.province.clone(),
            active: true,
        };
        let hash = ita_web::hash_password(password).await?;
        let user =
            store.create_user(&Actor::system("ita admin create"), &draft, &hash).await.map_err(|error| {
                match error {
                    StoreError::Conflict { .. } => invalid(
                        &format!("มีบัญชีชื่อผู้ใช้ {} อยู่แล้ว", draft.username),
                        &format!("the username {} is taken already", draft.username),
                    ),
                    other => anyhow::Error::new(other),
                }
            })?;
        let scope = agency
            .map(|agency| format!(" {}", agency.name_th))
            .or(request.province.map(|province| format!(" {province}")))
            .unwrap_or_default();
        println!(
            "สร้างบัญชี {0} ({1}{scope}) แล้ว ใน {3}\ncreated the account {0} ({2}{scope}) in {3}",
            user.username,
            user.role.thai(),
            user.role.english(),
            config.database_label()
        );
        Ok(())
    })
}
