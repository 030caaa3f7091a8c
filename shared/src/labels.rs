//! The 11 instrument labels of IRMAS, in the model's output order.

/// Label codes in output order (SPEC §4).
pub const LABELS: [&str; 11] = ["cel", "cla", "flu", "gac", "gel", "org", "pia", "sax", "tru", "vio", "voi"];

/// Display names, in the same order.
pub const LABEL_NAMES: [&str; 11] = [
    "cello",
    "clarinet",
    "flute",
    "acoustic guitar",
    "electric guitar",
    "organ",
    "piano",
    "saxophone",
    "trumpet",
    "violin",
    "voice",
];

/// Number of labels.
pub const N_LABELS: usize = LABELS.len();

/// Index of a label code (`"pia"` → 6).
pub fn label_index(code: &str) -> Option<usize> {
    LABELS.iter().position(|&l| l == code)
}

/// A multi-hot vector of the given label codes; unknown codes are returned as the error.
pub fn multi_hot<'a>(codes: impl IntoIterator<Item = &'a str>) -> Result<[f32; N_LABELS], String> {
    let mut v = [0.0; N_LABELS];
    for c in codes {
        let i = label_index(c.trim()).ok_or_else(|| c.to_string())?;
        if let Some(slot) = v.get_mut(i) {
            *slot = 1.0;
        }
    }
    Ok(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_is_the_contracts() {
        assert_eq!(LABELS.join(" "), "cel cla flu gac gel org pia sax tru vio voi");
        assert_eq!(label_index("pia"), Some(6));
        assert_eq!(label_index("drums"), None);
        assert_eq!(LABEL_NAMES[label_index("gac").unwrap()], "acoustic guitar");
    }

    #[test]
    fn multi_hot_vectors() {
        let v = multi_hot(["gel", "voi"]).unwrap();
        assert_eq!(v.iter().sum::<f32>(), 2.0);
        assert_eq!((v[4], v[10]), (1.0, 1.0));
        assert_eq!(multi_hot(["pia", "dru"]), Err("dru".to_string()));
    }
}
