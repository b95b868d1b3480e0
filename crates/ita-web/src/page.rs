//! What every page template knows: the language, the signed-in account (if any), the CSRF token for its forms
//! and where it is; plus small helpers templates use (Thai dates, numbers, URL encoding).

use ita_domain::Lang;
use ita_domain::platform::Role;
use ita_store::User;

/// The frame of every page.
#[derive(Debug, Clone)]
pub struct Page {
    pub lang: Lang,
    pub user: Option<PageUser>,
    pub csrf: String,
    /// The current path and query, for the language switch and sign-in redirects.
    pub here: String,
    pub title: String,
}

#[derive(Debug, Clone)]
pub struct PageUser {
    pub id: uuid::Uuid,
    pub display_name: String,
    pub role: Role,
}

impl PageUser {
    pub fn from_user(user: &User) -> PageUser {
        PageUser { id: user.id, display_name: user.display_name.clone(), role: user.role }
    }
}

impl Page {
    /// Thai or English.
    pub fn t<'a>(&self, thai: &'a str, english: &'a str) -> &'a str {
        self.lang.pick(thai, english)
    }

    pub fn lang_code(&self) -> &'static str {
        self.lang.code()
    }

    pub fn role_name(&self) -> &'static str {
        match &self.user {
            Some(user) => self.lang.pick(user.role.thai(), user.role.english()),
            None => "",
        }
    }

    pub fn sees_accounts(&self) -> bool {
        self.user.as_ref().is_some_and(|user| matches!(user.role, Role::NationalAdmin | Role::AgencyAdmin))
    }

    /// The link that shows this same page in the other language.
    pub fn switch_link(&self) -> String {
        let other = if self.lang == Lang::Th { "en" } else { "th" };
        format!("/lang/{other}?next={}", url_encode(&self.here))
    }
}

/// Percent-encodes a text for a query string.
pub fn url_encode(text: &str) -> String {
    let mut encoded = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~' | b'/') {
            encoded.push(byte as char);
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    encoded
}

/// A Unix time as a Thai (Buddhist-era) or English date and time, in Thailand's time (UTC+7).
pub fn local_time(lang: Lang, unix_seconds: i64) -> String {
    let local = unix_seconds + 7 * 3600;
    let days = local.div_euclid(86_400);
    let seconds = local.rem_euclid(86_400);
    let date = ita_domain::thai::CalendarDate::from_days_since_1970(days);
    let clock = format!("{:02}:{:02}", seconds / 3600, (seconds % 3600) / 60);
    match lang {
        Lang::Th => format!("{} {clock} น.", date.thai()),
        Lang::En => format!("{} {clock}", date.english()),
    }
}

/// An ISO date (`2022-05-01`) as a Thai or English date; the text itself when it is not one.
pub fn iso_date(lang: Lang, text: &str) -> String {
    let parts: Vec<&str> = text.split('-').collect();
    let parsed = match parts.as_slice() {
        [year, month, day] => match (year.parse::<i32>(), month.parse::<u8>(), day.parse::<u8>()) {
            (Ok(year), Ok(month), Ok(day)) => Some(ita_domain::thai::CalendarDate { year, month, day }),
            _ => None,
        },
        _ => None,
    };
    match (parsed, lang) {
        (Some(date), Lang::Th) => date.thai(),
        (Some(date), Lang::En) => date.english(),
        (None, _) => text.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unix_times_show_in_thailand_time_and_the_buddhist_era() {
        // 2022-09-30 17:00 UTC is 1 October 2022, 00:00 in Bangkok: fiscal year 2566 begins.
        assert_eq!(local_time(Lang::Th, 1_664_557_200), "1 ตุลาคม 2565 00:00 น.");
        assert_eq!(iso_date(Lang::Th, "2022-05-01"), "1 พฤษภาคม 2565");
        assert_eq!(url_encode("/agencies?q=เขา"), "/agencies%3Fq%3D%E0%B9%80%E0%B8%82%E0%B8%B2");
    }
}
