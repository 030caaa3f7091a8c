//! The validation split, grouped by recording so that no song is on both sides.
use std::collections::BTreeMap;

use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

/// Splits item indices into (training, validation) with about `fraction` of the items in
/// validation, whole groups at a time. Deterministic for a seed.
pub fn grouped_split(groups: &[String], fraction: f64, seed: u64) -> (Vec<usize>, Vec<usize>) {
    let mut by_group: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, g) in groups.iter().enumerate() {
        by_group.entry(g.as_str()).or_default().push(i);
    }
    let mut names: Vec<&str> = by_group.keys().copied().collect();
    names.shuffle(&mut ChaCha8Rng::seed_from_u64(seed));
    let target = (groups.len() as f64 * fraction).round() as usize;
    let (mut train, mut val) = (Vec::new(), Vec::new());
    for name in names {
        let items = &by_group[name];
        if val.len() < target {
            val.extend(items);
        } else {
            train.extend(items);
        }
    }
    train.sort_unstable();
    val.sort_unstable();
    (train, val)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn groups() -> Vec<String> {
        // 40 songs of 1 to 5 excerpts each.
        (0..40).flat_map(|s| std::iter::repeat_n(format!("song{s}"), 1 + s % 5)).collect()
    }

    #[test]
    fn no_song_on_both_sides() {
        let g = groups();
        let (train, val) = grouped_split(&g, 0.15, 1);
        let train_songs: std::collections::HashSet<_> = train.iter().map(|&i| &g[i]).collect();
        assert!(val.iter().all(|&i| !train_songs.contains(&g[i])));
        assert_eq!(train.len() + val.len(), g.len());
    }

    #[test]
    fn about_fifteen_percent_and_deterministic() {
        let g = groups();
        let (_, val) = grouped_split(&g, 0.15, 1);
        let share = val.len() as f64 / g.len() as f64;
        assert!((0.12..0.22).contains(&share), "{share}");
        assert_eq!(grouped_split(&g, 0.15, 1), grouped_split(&g, 0.15, 1));
        assert_ne!(grouped_split(&g, 0.15, 1).1, grouped_split(&g, 0.15, 2).1);
    }
}
