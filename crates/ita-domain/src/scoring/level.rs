//! Levels and labels: which one a result gets and why, which ones a bare total still allows, and what it
//! would take to reach a better one.
//!
//! A level holds a range of the two-decimal total and, from 2566, gates on each instrument's score; the first
//! level in the year file whose range and gates all hold wins.

use crate::exact::Exact;
use crate::methodology::{GateScores, Level, Methodology};

use super::InstrumentScore;

/// The level of a result: decided, or (from a total alone) the set still possible.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LevelOutcome {
    Decided { code: String, reason_th: String, reason_en: String },
    Possible { codes: Vec<String>, reason_th: String, reason_en: String },
}

impl LevelOutcome {
    pub fn reason_th(&self) -> &str {
        match self {
            LevelOutcome::Decided { reason_th, .. } | LevelOutcome::Possible { reason_th, .. } => reason_th,
        }
    }

    pub fn reason_en(&self) -> &str {
        match self {
            LevelOutcome::Decided { reason_en, .. } | LevelOutcome::Possible { reason_en, .. } => reason_en,
        }
    }

    pub fn decided(&self) -> Option<&str> {
        match self {
            LevelOutcome::Decided { code, .. } => Some(code),
            LevelOutcome::Possible { .. } => None,
        }
    }
}

fn half_hundredth() -> Exact {
    Exact::ratio(1, 200)
}

/// The instrument score a gate compares: the two-decimal one, or the exact one.
fn gate_value(methodology: &Methodology, score: &Exact) -> Exact {
    match methodology.scoring.gate_scores {
        GateScores::Rounded => score.round_hundredths().to_exact(),
        GateScores::Exact => score.clone(),
    }
}

fn range_text(level: &Level) -> String {
    match &level.below {
        Some(below) => format!("{}–{}", level.min, (below - &Exact::ratio(1, 100))),
        None => format!("{}–100.00", level.min),
    }
}

/// The gates of a level in the year's instrument order: `IIT ≥ 85.00, EIT ≥ 85.00, OIT ≥ 85.00`.
fn gates_text(methodology: &Methodology, level: &Level) -> String {
    methodology
        .instruments
        .iter()
        .filter_map(|instrument| {
            level.gates.get(&instrument.code).map(|gate| format!("{} ≥ {gate}", instrument.code))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// An instrument below a level's gate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MissedGate {
    pub instrument: String,
    /// The score the gate compared (two-decimal or exact, as the year says).
    pub score: Exact,
    pub gate: Exact,
}

/// The level of an exact total with its instruments' scores.
pub fn level_for(methodology: &Methodology, total: &Exact, instruments: &[InstrumentScore]) -> LevelOutcome {
    let rounded_total = total.round_hundredths().to_exact();
    let mut missed: Vec<(&Level, Vec<MissedGate>)> = Vec::new();
    for level in &methodology.levels {
        if !level.holds_total(&rounded_total) {
            continue;
        }
        let failing: Vec<MissedGate> = level
            .gates
            .iter()
            .filter_map(|(code, threshold)| {
                let score = instruments.iter().find(|instrument| instrument.code == *code)?;
                let value = gate_value(methodology, &score.score);
                (value < *threshold).then(|| MissedGate {
                    instrument: code.clone(),
                    score: value,
                    gate: threshold.clone(),
                })
            })
            .collect();
        if !failing.is_empty() {
            missed.push((level, failing));
            continue;
        }
        let total_text = total.round_hundredths();
        // Letter levels (2562-2565) are "อยู่ในระดับ B"; labels (2566 on) are "ได้ผลการประเมิน ผ่าน".
        let labels = methodology.has_gated_levels();
        let mut reason_th = if level.gates.is_empty() && labels {
            format!("คะแนนรวม {total_text} อยู่ในช่วง {} จึงได้ผลการประเมิน {}", range_text(level), level.name_th)
        } else if level.gates.is_empty() {
            format!("คะแนนรวม {total_text} อยู่ในช่วง {} จึงอยู่ในระดับ {}", range_text(level), level.name_th)
        } else {
            format!(
                "คะแนนรวม {total_text} อยู่ในช่วง {} และทุกแบบวัดผ่านเกณฑ์ ({}) จึงได้ผล {}",
                range_text(level),
                gates_text(methodology, level),
                level.name_th
            )
        };
        let mut reason_en = if level.gates.is_empty() && labels {
            format!(
                "the total {total_text} lies in {}, so the result is {}",
                range_text(level),
                level.name_en
            )
        } else if level.gates.is_empty() {
            format!("the total {total_text} lies in {}, which is level {}", range_text(level), level.name_en)
        } else {
            format!(
                "the total {total_text} lies in {} and every instrument clears its gate ({}), so the label is {}",
                range_text(level),
                gates_text(methodology, level),
                level.name_en
            )
        };
        for (better, failing) in &missed {
            let th: Vec<String> = failing
                .iter()
                .map(|miss| format!("{} {} ต่ำกว่า {}", miss.instrument, miss.score, miss.gate))
                .collect();
            let en: Vec<String> = failing
                .iter()
                .map(|miss| format!("{} {} is below {}", miss.instrument, miss.score, miss.gate))
                .collect();
            reason_th.push_str(&format!(" (ไม่ได้ {} เพราะ {})", better.name_th, th.join(" และ ")));
            reason_en.push_str(&format!(" (not {} because {})", better.name_en, en.join(" and ")));
        }
        return LevelOutcome::Decided { code: level.code.clone(), reason_th, reason_en };
    }
    unreachable!("validated: the ungated levels cover 0 to 100")
}

/// A closed or open bound.
#[derive(Clone)]
struct Bound {
    value: Exact,
    open: bool,
}

/// The labels still possible when only the (two-decimal) total is known.
///
/// A label is possible when some instrument scores within 0..100, whose weighted sum rounds to the total, clear
/// its gates and miss at least one gate of every better label that the total reaches.
pub fn possible_levels(methodology: &Methodology, total: &Exact) -> LevelOutcome {
    let rounded = total.round_hundredths().to_exact();
    let total_low = &rounded - &half_hundredth();
    let total_high = &rounded + &half_hundredth();
    let mut codes = Vec::new();
    let candidates: Vec<&Level> =
        methodology.levels.iter().filter(|level| level.holds_total(&rounded)).collect();
    for (position, level) in candidates.iter().enumerate() {
        let better = &candidates[..position];
        if better.iter().any(|earlier| earlier.gates.is_empty()) {
            break;
        }
        if feasible(methodology, level, better, &total_low, &total_high) {
            codes.push(level.code.clone());
        }
    }
    let names_th: Vec<&str> = codes
        .iter()
        .filter_map(|code| methodology.levels.iter().find(|level| level.code == *code))
        .map(|level| level.name_th.as_str())
        .collect();
    let names_en: Vec<&str> = codes
        .iter()
        .filter_map(|code| methodology.levels.iter().find(|level| level.code == *code))
        .map(|level| level.name_en.as_str())
        .collect();
    let excluded: Vec<&Level> =
        candidates.iter().copied().filter(|level| !codes.contains(&level.code)).collect();
    let mut reason_th = format!(
        "ทราบเพียงคะแนนรวม {} จึงระบุผลได้เพียงว่าอาจเป็น {} ขึ้นกับคะแนนของแต่ละแบบวัด",
        rounded.round_hundredths(),
        names_th.join(" หรือ ")
    );
    let mut reason_en = format!(
        "only the total {} is known, so the label may be {}, depending on each instrument's score",
        rounded.round_hundredths(),
        names_en.join(" or ")
    );
    if codes.len() == 1 {
        reason_th = format!(
            "คะแนนรวม {} ให้ผลได้เพียง {} ไม่ว่าคะแนนรายแบบวัดจะเป็นเท่าใด",
            rounded.round_hundredths(),
            names_th[0]
        );
        reason_en = format!(
            "the total {} can only give {}, whatever the instruments' scores",
            rounded.round_hundredths(),
            names_en[0]
        );
    }
    for level in excluded {
        reason_th.push_str(&format!(
            " โดยไม่อาจเป็น {} ได้ เพราะคะแนนรวมระดับนี้บังคับให้ทุกแบบวัดผ่านเกณฑ์ของผลที่สูงกว่า",
            level.name_th
        ));
        reason_en.push_str(&format!(
            "; it cannot be {}: a total this high forces every instrument past a higher label's gates",
            level.name_en
        ));
    }
    LevelOutcome::Possible { codes, reason_th, reason_en }
}

fn feasible(
    methodology: &Methodology,
    level: &Level,
    better: &[&Level],
    total_low: &Exact,
    total_high: &Exact,
) -> bool {
    // One violated gate per better label: try every combination.
    let choices: Vec<Vec<(&String, &Exact)>> =
        better.iter().map(|earlier| earlier.gates.iter().collect()).collect();
    let mut indices = vec![0usize; choices.len()];
    loop {
        let chosen: Vec<(&String, &Exact)> =
            indices.iter().enumerate().map(|(which, &index)| choices[which][index]).collect();
        if box_feasible(methodology, level, &chosen, total_low, total_high) {
            return true;
        }
        // Next combination.
        let mut which = 0;
        loop {
            if which == indices.len() {
                return false;
            }
            indices[which] += 1;
            if indices[which] < choices[which].len() {
                break;
            }
            indices[which] = 0;
            which += 1;
        }
    }
}

fn box_feasible(
    methodology: &Methodology,
    level: &Level,
    violated: &[(&String, &Exact)],
    total_low: &Exact,
    total_high: &Exact,
) -> bool {
    // A gate on the rounded score is cleared from the half-hundredth below it.
    let slack = match methodology.scoring.gate_scores {
        GateScores::Rounded => half_hundredth(),
        GateScores::Exact => Exact::zero(),
    };
    let mut weighted_low = Exact::zero();
    let mut weighted_high = Exact::zero();
    let mut high_open = false;
    for instrument in &methodology.instruments {
        let mut low = Exact::zero();
        if let Some(threshold) = level.gates.get(&instrument.code) {
            low = low.max(threshold - &slack);
        }
        let mut high = Bound { value: Exact::hundred(), open: false };
        for (code, threshold) in violated {
            if **code == instrument.code {
                let candidate = *threshold - &slack;
                if candidate <= high.value {
                    high = Bound { value: candidate, open: true };
                }
            }
        }
        let empty = if high.open { low >= high.value } else { low > high.value };
        if empty {
            return false;
        }
        weighted_low = weighted_low + &low * &instrument.weight;
        weighted_high = weighted_high + &high.value * &instrument.weight;
        high_open |= high.open;
    }
    // The weighted sum ranges over [weighted_low, weighted_high] (open at the top if any bound is) and must meet
    // [total_low, total_high).
    let reaches_up = if high_open { weighted_high > *total_low } else { weighted_high >= *total_low };
    weighted_low < *total_high && reaches_up
}

/// What one better label needs: gates to clear, and then points of the total still missing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LevelStep {
    pub level_code: String,
    /// Instruments below this label's gates.
    pub gates_to_clear: Vec<MissedGate>,
    /// After clearing the gates, how many more points of the total are missing (0 when none).
    pub total_gap: Exact,
    /// For the total gap: how much one instrument alone would need to rise, if it can (instrument, increase).
    pub alternatives: Vec<(String, Exact)>,
}

/// For every label better than the result's, the smallest changes that reach it.
pub fn next_level_steps(
    methodology: &Methodology,
    total: &Exact,
    instruments: &[InstrumentScore],
) -> Vec<LevelStep> {
    let current = level_for(methodology, total, instruments);
    let Some(current_code) = current.decided() else { return Vec::new() };
    let Some(current_position) = methodology.levels.iter().position(|level| level.code == current_code)
    else {
        return Vec::new();
    };
    let mut steps = Vec::new();
    for level in methodology.levels[..current_position].iter().rev() {
        let mut raised: Vec<MissedGate> = Vec::new();
        let mut adjusted_total = total.clone();
        for instrument in instruments {
            if let Some(threshold) = level.gates.get(&instrument.code) {
                let value = gate_value(methodology, &instrument.score);
                if value < *threshold {
                    adjusted_total = adjusted_total + (threshold - &instrument.score) * &instrument.weight;
                    raised.push(MissedGate {
                        instrument: instrument.code.clone(),
                        score: value,
                        gate: threshold.clone(),
                    });
                }
            }
        }
        // Counted on the two-decimal total a person sees: 85.00 − 78.35 = 6.65, not the exact 6.6404.
        let shown_total = adjusted_total.round_hundredths().to_exact();
        let gap = if shown_total >= level.min { Exact::zero() } else { &level.min - &shown_total };
        let mut alternatives = Vec::new();
        if !gap.is_zero() {
            for instrument in instruments {
                let current_value = raised
                    .iter()
                    .find(|miss| miss.instrument == instrument.code)
                    .map_or(instrument.score.clone(), |miss| miss.gate.clone());
                // Rounded up to the hundredth, so that the stated rise is always enough.
                let increase = (&gap / &instrument.weight).ceil_hundredths().to_exact();
                if &current_value + &increase <= Exact::hundred() {
                    alternatives.push((instrument.code.clone(), increase));
                }
            }
        }
        steps.push(LevelStep {
            level_code: level.code.clone(),
            gates_to_clear: raised,
            total_gap: gap,
            alternatives,
        });
    }
    steps
}
