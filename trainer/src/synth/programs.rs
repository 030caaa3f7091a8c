//! Which General MIDI programs play each label, and in which register.
/// GM programs (0-based) that render label `code`.
pub fn programs(code: &str) -> &'static [u8] {
    match code {
        "pia" => &[0, 1, 2],
        "org" => &[16, 17, 18, 19, 20],
        "gac" => &[24, 25],
        "gel" => &[26, 27, 28, 29, 30, 31],
        "vio" => &[40],
        "cel" => &[42],
        "tru" => &[56],
        "sax" => &[64, 65, 66, 67],
        "cla" => &[71],
        "flu" => &[73],
        "voi" => &[52, 53, 54],
        _ => &[],
    }
}

/// One of label `code`'s programs, drawn at random (one draw of `rng`).
pub fn pick_program(code: &str, rng: &mut impl rand::Rng) -> u8 {
    use rand::RngExt;
    let choices = programs(code);
    choices[rng.random_range(0..choices.len())]
}

/// MIDI note range (inclusive) a melody of this label stays in.
pub fn register(code: &str) -> (u8, u8) {
    match code {
        "cel" => (36, 69),
        "cla" => (50, 86),
        "flu" => (60, 93),
        "gac" => (40, 79),
        "gel" => (40, 84),
        "org" => (43, 84),
        "pia" => (40, 88),
        "sax" => (44, 80),
        "tru" => (55, 82),
        "vio" => (55, 96),
        _ => (48, 76), // voice
    }
}

/// Instruments that sustain a note (vibrato, legato) rather than strike it.
pub fn sustains(code: &str) -> bool {
    matches!(code, "cel" | "cla" | "flu" | "org" | "sax" | "tru" | "vio" | "voi")
}

/// Instruments that play chords as well as lines.
pub fn polyphonic(code: &str) -> bool {
    matches!(code, "pia" | "gac" | "gel" | "org")
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared::labels::LABELS;

    #[test]
    fn every_label_has_programs_and_a_register() {
        for l in LABELS {
            assert!(!programs(l).is_empty(), "{l}");
            let (lo, hi) = register(l);
            assert!(lo + 24 <= hi, "{l}: at least two octaves");
        }
    }
}
