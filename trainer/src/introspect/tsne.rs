//! 2-D t-SNE (Barnes-Hut, the `bhtsne` crate) from a seeded start, so a seed gives one picture.
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Barnes-Hut accuracy: 0.5 as in van der Maaten's implementation.
const THETA: f32 = 0.5;

/// Embeds `points` (all of one width) in 2-D. `perplexity` is lowered to what the number of
/// points allows; `on_epoch` is called after each of the `epochs` iterations (for progress).
///
/// `bhtsne` sums its gradients with rayon, whose reduction order follows the thread schedule, so
/// on several threads two runs of one seed differ in the last bits (and then more, as t-SNE
/// amplifies them). It runs here on a pool of one thread: one seed, one embedding.
pub fn embed(
    points: &[Vec<f32>],
    perplexity: f32,
    epochs: usize,
    seed: u64,
    on_epoch: impl FnMut(usize) + Send,
) -> Vec<[f32; 2]> {
    let run = || embed_here(points, perplexity, epochs, seed, on_epoch);
    match rayon::ThreadPoolBuilder::new().num_threads(1).build() {
        Ok(pool) => pool.install(run),
        Err(_) => run(),
    }
}

fn embed_here(
    points: &[Vec<f32>],
    perplexity: f32,
    epochs: usize,
    seed: u64,
    on_epoch: impl FnMut(usize),
) -> Vec<[f32; 2]> {
    let n = points.len();
    if n < 4 {
        return points.iter().enumerate().map(|(i, _)| [i as f32, 0.0]).collect();
    }
    let perplexity = perplexity.min((n as f32 - 1.0) / 3.0 - 1.0).max(1.0);
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    // The usual start: a tiny Gaussian-like cloud (sum of uniforms), drawn from the seed.
    let start: Vec<f32> =
        (0..2 * n).map(|_| (0..4).map(|_| rng.random_range(-1.0f32..1.0)).sum::<f32>() * 1e-4).collect();
    let rows: Vec<&[f32]> = points.iter().map(Vec::as_slice).collect();
    let mut on_epoch = on_epoch;
    let mut tsne: bhtsne::tSNE<f32, &[f32]> = bhtsne::tSNE::new(&rows);
    tsne.perplexity(perplexity)
        .epochs(epochs)
        .initial_embedding(start)
        .epoch_callback(move |epoch, _| on_epoch(epoch))
        .barnes_hut(THETA, |a, b| a.iter().zip(b.iter()).map(|(x, y)| (x - y) * (x - y)).sum::<f32>().sqrt());
    tsne.embedding().chunks(2).map(|p| [p[0], p[1]]).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two tight clusters far apart in 20-D.
    fn clusters(seed: u64) -> (Vec<Vec<f32>>, Vec<usize>) {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let mut points = Vec::new();
        let mut labels = Vec::new();
        for c in 0..2 {
            for _ in 0..60 {
                points
                    .push((0..20).map(|d| if d == c { 10.0 } else { 0.0 } + rng.random_range(-0.5f32..0.5)).collect());
                labels.push(c);
            }
        }
        (points, labels)
    }

    fn centroid(e: &[[f32; 2]], labels: &[usize], c: usize) -> [f32; 2] {
        let pts: Vec<_> = e.iter().zip(labels).filter(|(_, &l)| l == c).map(|(p, _)| *p).collect();
        let n = pts.len() as f32;
        [pts.iter().map(|p| p[0]).sum::<f32>() / n, pts.iter().map(|p| p[1]).sum::<f32>() / n]
    }

    #[test]
    fn two_separated_clusters_stay_two_separated_groups() {
        let (points, labels) = clusters(3);
        let e = embed(&points, 20.0, 500, 7, |_| {});
        assert_eq!(e.len(), 120);
        let (a, b) = (centroid(&e, &labels, 0), centroid(&e, &labels, 1));
        let dist = |p: [f32; 2], q: [f32; 2]| ((p[0] - q[0]).powi(2) + (p[1] - q[1]).powi(2)).sqrt();
        let between = dist(a, b);
        // Every point is nearer its own cluster's centre than the other's, by a wide margin.
        for (p, &l) in e.iter().zip(&labels) {
            let (own, other) = if l == 0 { (a, b) } else { (b, a) };
            assert!(dist(*p, own) * 2.0 < dist(*p, other), "point {p:?} of cluster {l}: centres {a:?} {b:?}");
        }
        assert!(between > 0.0);
    }

    #[test]
    fn a_seed_gives_one_embedding() {
        let (points, _) = clusters(4);
        let first = embed(&points, 15.0, 200, 1, |_| {});
        // Repeated: on one thread no schedule can reorder the sums.
        for _ in 0..3 {
            assert_eq!(embed(&points, 15.0, 200, 1, |_| {}), first);
        }
    }
}
