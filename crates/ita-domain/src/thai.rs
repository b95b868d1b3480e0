//! Thai presentation that is domain knowledge: Thai digits, Buddhist-era dates with Thai month names.

/// A calendar date in the Common Era, as the caller's clock gave it; the domain never reads a clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CalendarDate {
    pub year: i32,
    pub month: u8,
    pub day: u8,
}

const MONTHS_TH: [&str; 12] = [
    "มกราคม",
    "กุมภาพันธ์",
    "มีนาคม",
    "เมษายน",
    "พฤษภาคม",
    "มิถุนายน",
    "กรกฎาคม",
    "สิงหาคม",
    "กันยายน",
    "ตุลาคม",
    "พฤศจิกายน",
    "ธันวาคม",
];

const MONTHS_EN: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

impl CalendarDate {
    /// `25 พฤศจิกายน 2569`: day, Thai month, Buddhist-era year (BE = CE + 543).
    pub fn thai(self) -> String {
        format!("{} {} {}", self.day, MONTHS_TH[usize::from(self.month.clamp(1, 12) - 1)], self.year + 543)
    }

    /// `25 November 2026`.
    pub fn english(self) -> String {
        format!("{} {} {}", self.day, MONTHS_EN[usize::from(self.month.clamp(1, 12) - 1)], self.year)
    }

    /// The Gregorian date `days` days after 1970-01-01 (Howard Hinnant's algorithm). The caller reads the clock;
    /// this only counts.
    pub fn from_days_since_1970(days: i64) -> CalendarDate {
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let day_of_era = z.rem_euclid(146_097);
        let year_of_era = (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
        let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
        let month_index = (5 * day_of_year + 2) / 153;
        let day = day_of_year - (153 * month_index + 2) / 5 + 1;
        let month = if month_index < 10 { month_index + 3 } else { month_index - 9 };
        let year = year_of_era + era * 400 + i64::from(month <= 2);
        CalendarDate {
            year: i32::try_from(year).unwrap_or(1970),
            month: u8::try_from(month).unwrap_or(1),
            day: u8::try_from(day).unwrap_or(1),
        }
    }

    /// The Thai fiscal year (BE) the date falls in: 1 October starts the next year.
    pub fn fiscal_year(self) -> u16 {
        let year = self.year + 543 + i32::from(self.month >= 10);
        u16::try_from(year).unwrap_or(0)
    }
}

/// Replaces Arabic digits with Thai digits (๐-๙), leaving everything else as it is, and leaving item codes such
/// as `O42` or `I30.4` as they are: digits in a run that starts with a Latin letter are part of an identifier.
pub fn thai_digits(text: &str) -> String {
    let mut in_code = false;
    text.chars()
        .map(|c| {
            if c.is_ascii_alphabetic() {
                in_code = true;
            } else if !(c.is_ascii_digit() || c == '.') {
                in_code = false;
            }
            match c {
                '0'..='9' if !in_code => char::from_u32(u32::from(c) - u32::from('0') + 0x0E50).unwrap_or(c),
                other => other,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_since_1970_become_dates() {
        assert_eq!(CalendarDate::from_days_since_1970(0), CalendarDate { year: 1970, month: 1, day: 1 });
        assert_eq!(
            CalendarDate::from_days_since_1970(20_417),
            CalendarDate { year: 2025, month: 11, day: 25 }
        );
        assert_eq!(
            CalendarDate::from_days_since_1970(11_016),
            CalendarDate { year: 2000, month: 2, day: 29 }
        );
    }

    #[test]
    fn digits_and_dates() {
        assert_eq!(thai_digits("78.35 คะแนน ปี 2565"), "๗๘.๓๕ คะแนน ปี ๒๕๖๕");
        assert_eq!(thai_digits("ข้อ O42 และ I30.4 (ITA 2565)"), "ข้อ O42 และ I30.4 (ITA ๒๕๖๕)");
        let date = CalendarDate { year: 2026, month: 11, day: 25 };
        assert_eq!(date.thai(), "25 พฤศจิกายน 2569");
        assert_eq!(date.fiscal_year(), 2570);
        assert_eq!(CalendarDate { year: 2026, month: 9, day: 30 }.fiscal_year(), 2569);
    }
}
