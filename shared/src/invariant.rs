//! Invariants: values the code itself guarantees (a range it computed within a buffer it sized,
//! a serialisation that cannot fail). Where one breaks, the code has a bug, and these fail loudly
//! with that said (a panic, which the server turns into a 500 and logs) instead of quietly
//! carrying on with an empty slice or a default value and a wrong answer. Never for what a
//! client sends: that is a typed error.
// The one module where a panic is the intended outcome.
#![allow(clippy::panic)]

use std::fmt::Display;
use std::slice::SliceIndex;

/// `s[range]`, where the range is the caller's own guarantee.
#[track_caller]
pub fn slice<'a, T, R: SliceIndex<[T], Output = [T]>>(s: &'a [T], range: R, what: &str) -> &'a [T] {
    match s.get(range) {
        Some(part) => part,
        None => panic!("{what}: a range outside its buffer of {} (a bug)", s.len()),
    }
}

/// `&mut s[range]`, where the range is the caller's own guarantee.
#[track_caller]
pub fn slice_mut<'a, T, R: SliceIndex<[T], Output = [T]>>(s: &'a mut [T], range: R, what: &str) -> &'a mut [T] {
    let len = s.len();
    match s.get_mut(range) {
        Some(part) => part,
        None => panic!("{what}: a range outside its buffer of {len} (a bug)"),
    }
}

/// The value of an operation that cannot fail.
#[track_caller]
pub fn ok<T, E: Display>(r: Result<T, E>, what: &str) -> T {
    match r {
        Ok(v) => v,
        Err(e) => panic!("{what}: {e} (a bug)"),
    }
}

/// A value that cannot be missing.
#[track_caller]
pub fn some<T>(v: Option<T>, what: &str) -> T {
    match v {
        Some(v) => v,
        None => panic!("{what}: missing (a bug)"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kept_invariants_pass_through() {
        let mut v = vec![1, 2, 3, 4];
        assert_eq!(slice(&v, 1..3, "t"), &[2, 3]);
        slice_mut(&mut v, 2.., "t").copy_from_slice(&[7, 8]);
        assert_eq!(v, [1, 2, 7, 8]);
        assert_eq!(ok::<_, String>(Ok(5), "t"), 5);
        assert_eq!(some(Some('x'), "t"), 'x');
    }

    #[test]
    #[should_panic(expected = "window rows: a range outside its buffer of 4 (a bug)")]
    fn a_broken_range_says_it_is_a_bug() {
        let v = [0f32; 4];
        let _ = slice(&v, 2..9, "window rows");
    }

    #[test]
    #[should_panic(expected = "the metrics text: invalid utf-8")]
    fn a_failed_certainty_says_what() {
        let _ = ok(String::from_utf8(vec![0xff]), "the metrics text");
    }

    #[test]
    #[should_panic(expected = "the row: missing (a bug)")]
    fn a_missing_value_says_what() {
        some(None::<u8>, "the row");
    }
}
