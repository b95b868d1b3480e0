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
    fn digits_and_dates() {
        assert_eq!(thai_digits("78.35 คะแนน ปี 2565"), "๗๘.๓๕ คะแนน ปี ๒๕๖๕");
        assert_eq!(thai_digits("ข้อ O42 และ I30.4 (ITA 2565)"), "ข้อ O42 และ I30.4 (ITA ๒๕๖๕)");
        let date = CalendarDate { year: 2026, month: 11, day: 25 };
        assert_eq!(date.thai(), "25 พฤศจิกายน 2569");
        assert_eq!(date.fiscal_year(), 2570);
        assert_eq!(CalendarDate { year: 2026, month: 9, day: 30 }.fiscal_year(), 2569);
    }
}
