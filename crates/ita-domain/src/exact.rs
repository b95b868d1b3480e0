//! Exact arithmetic for scores: every score is a fraction, so "full precision, round once half-up" is exact.
//!
//! Published results are reproduced only if nothing is rounded before the end; binary floating point would put
//! a total such as 78.345 a hair below its half and round it the wrong way. Fractions cost nothing here: an
//! agency's result is a few dozen additions, and per-respondent sums are kept as integers (see `scoring::survey`).

use std::fmt;
use std::ops::{Add, Div, Mul, Sub};

use num_bigint::BigInt;
use num_integer::Integer;
use num_rational::BigRational;
use num_traits::{Signed, ToPrimitive, Zero};

/// An exact rational number: a score, a weight, a share of a total.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Exact(BigRational);

impl Exact {
    pub fn zero() -> Exact {
        Exact(BigRational::zero())
    }

    pub fn integer(value: i64) -> Exact {
        Exact(BigRational::from_integer(BigInt::from(value)))
    }

    /// `numerator / denominator`; the denominator must not be zero.
    pub fn ratio(numerator: i128, denominator: i128) -> Exact {
        assert!(denominator != 0, "a ratio needs a non-zero denominator");
        Exact(BigRational::new(BigInt::from(numerator), BigInt::from(denominator)))
    }

    pub fn hundred() -> Exact {
        Exact::integer(100)
    }

    /// Parses a decimal such as `99.34`, `-0.5`, `100`, or a fraction such as `100/3`.
    pub fn parse(text: &str) -> Option<Exact> {
        let text = text.trim();
        if let Some((numerator, denominator)) = text.split_once('/') {
            let numerator = Exact::parse_decimal(numerator.trim())?;
            let denominator = Exact::parse_decimal(denominator.trim())?;
            if denominator.is_zero() {
                return None;
            }
            return Some(numerator / denominator);
        }
        Exact::parse_decimal(text)
    }

    fn parse_decimal(text: &str) -> Option<Exact> {
        let (negative, digits) = match text.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, text.strip_prefix('+').unwrap_or(text)),
        };
        let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
        if whole.is_empty() && fraction.is_empty() {
            return None;
        }
        if !whole.chars().chain(fraction.chars()).all(|c| c.is_ascii_digit()) {
            return None;
        }
        let all_digits = format!("{whole}{fraction}");
        let numerator: BigInt =
            if all_digits.is_empty() { BigInt::zero() } else { all_digits.parse().ok()? };
        let denominator = BigInt::from(10).pow(u32::try_from(fraction.len()).ok()?);
        let value = BigRational::new(numerator, denominator);
        Some(Exact(if negative { -value } else { value }))
    }

    /// The decimal a person wrote, from a float that a TOML or JSON parser produced: `99.34` becomes exactly
    /// 9934/100, not the nearest binary fraction. Rust prints the shortest text that reads back as the same
    /// float, which is what the person wrote whenever they wrote 15 significant digits or fewer.
    pub fn from_written_f64(value: f64) -> Option<Exact> {
        if !value.is_finite() {
            return None;
        }
        let text = format!("{value}");
        if text.contains('e') || text.contains('E') {
            return None;
        }
        Exact::parse_decimal(&text)
    }

    pub fn is_zero(&self) -> bool {
        self.0.is_zero()
    }

    pub fn is_negative(&self) -> bool {
        self.0.is_negative()
    }

    pub fn to_f64(&self) -> f64 {
        self.0.to_f64().unwrap_or(f64::NAN)
    }

    /// Rounds half away from zero (half-up for the non-negative scores of ITA) to two decimals.
    pub fn round_hundredths(&self) -> Hundredths {
        let scaled = &self.0 * BigRational::from_integer(BigInt::from(100));
        let doubled_numerator: BigInt = scaled.numer() * 2 + scaled.denom() * scaled.numer().signum();
        let (quotient, _) = doubled_numerator.div_rem(&(scaled.denom() * 2));
        // `div_rem` truncates toward zero, which with the added half gives half away from zero.
        Hundredths(quotient.to_i64().unwrap_or(if scaled.is_negative() { i64::MIN } else { i64::MAX }))
    }

    /// The mean of some values, or `None` for none.
    pub fn mean<'a>(values: impl IntoIterator<Item = &'a Exact>) -> Option<Exact> {
        let mut sum = Exact::zero();
        let mut count: i64 = 0;
        for value in values {
            sum = &sum + value;
            count += 1;
        }
        (count > 0).then(|| sum / Exact::integer(count))
    }

    pub fn min(self, other: Exact) -> Exact {
        if other < self { other } else { self }
    }

    pub fn max(self, other: Exact) -> Exact {
        if other > self { other } else { self }
    }

    /// The smallest multiple of 1/100 that is at least this value.
    pub fn ceil_hundredths(&self) -> Hundredths {
        let scaled = &self.0 * BigRational::from_integer(BigInt::from(100));
        Hundredths(scaled.ceil().to_integer().to_i64().unwrap_or(i64::MAX))
    }

    /// Numerator and denominator, in lowest terms, when both fit in an `i64`.
    pub fn to_i64_parts(&self) -> Option<(i64, i64)> {
        Some((self.0.numer().to_i64()?, self.0.denom().to_i64()?))
    }

    /// The smallest whole number that is at least this value.
    pub fn ceil_integer(&self) -> i64 {
        self.0.ceil().to_integer().to_i64().unwrap_or(i64::MAX)
    }
}

macro_rules! exact_op {
    ($trait:ident, $method:ident, $op:tt) => {
        impl $trait<&Exact> for &Exact {
            type Output = Exact;
            fn $method(self, other: &Exact) -> Exact {
                Exact(&self.0 $op &other.0)
            }
        }
        impl $trait<Exact> for Exact {
            type Output = Exact;
            fn $method(self, other: Exact) -> Exact {
                Exact(self.0 $op other.0)
            }
        }
        impl $trait<&Exact> for Exact {
            type Output = Exact;
            fn $method(self, other: &Exact) -> Exact {
                Exact(self.0 $op &other.0)
            }
        }
        impl $trait<Exact> for &Exact {
            type Output = Exact;
            fn $method(self, other: Exact) -> Exact {
                Exact(&self.0 $op other.0)
            }
        }
    };
}
exact_op!(Add, add, +);
exact_op!(Sub, sub, -);
exact_op!(Mul, mul, *);
exact_op!(Div, div, /);

impl fmt::Display for Exact {
    /// Shows the value rounded to two decimals, as every score is shown.
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.round_hundredths().fmt(formatter)
    }
}

/// A value rounded to two decimals, held as a whole number of hundredths: `Hundredths(7835)` is 78.35.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Hundredths(pub i64);

impl Hundredths {
    pub fn to_f64(self) -> f64 {
        // Division is correctly rounded, so 7835 / 100 is the float that prints as 78.35.
        self.0 as f64 / 100.0
    }

    pub fn to_exact(self) -> Exact {
        Exact::ratio(i128::from(self.0), 100)
    }
}

/// In JSON a two-decimal value is a number (`78.35`): the float nearest it, which prints back the same.
impl serde::Serialize for Hundredths {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_f64(self.to_f64())
    }
}

impl fmt::Display for Hundredths {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let magnitude = self.0.unsigned_abs();
        let text = format!("{sign}{}.{:02}", magnitude / 100, magnitude % 100);
        formatter.pad(&text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounds_half_up_exactly_where_floats_would_not() {
        // 78.345 as a float is 78.344999...; as a fraction it is exactly the half and rounds up.
        assert_eq!(Exact::parse("78.345").unwrap().round_hundredths(), Hundredths(7835));
        assert_eq!(Exact::parse("78.3449999").unwrap().round_hundredths(), Hundredths(7834));
        assert_eq!(Exact::parse("100/3").unwrap().round_hundredths(), Hundredths(3333));
        assert_eq!(Exact::parse("200/3").unwrap().round_hundredths(), Hundredths(6667));
        assert_eq!(Exact::parse("-0.005").unwrap().round_hundredths(), Hundredths(-1));
    }

    #[test]
    fn reads_floats_as_the_decimals_a_person_wrote() {
        assert_eq!(Exact::from_written_f64(99.34).unwrap(), Exact::ratio(9934, 100));
        assert_eq!(Exact::from_written_f64(0.3).unwrap(), Exact::ratio(3, 10));
        assert!(Exact::from_written_f64(f64::NAN).is_none());
    }

    #[test]
    fn refuses_text_that_is_not_a_number() {
        for text in ["", ".", "abc", "1/0", "1.2.3", "๗๘"] {
            assert!(Exact::parse(text).is_none(), "{text:?} should not parse");
        }
    }

    #[test]
    fn prints_two_decimals() {
        assert_eq!(Hundredths(7835).to_string(), "78.35");
        assert_eq!(Hundredths(-4).to_string(), "-0.04");
        assert_eq!(Hundredths(10000).to_string(), "100.00");
        assert_eq!(Hundredths(7835).to_f64(), 78.35);
    }
}
