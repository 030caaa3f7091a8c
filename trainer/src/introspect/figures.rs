//! The two figures: t-SNE panels (paper Fig. 6) and deconvolutions over the log-mel (Fig. 7).
use std::path::Path;

use ndarray::Array2;
use plotters::coord::Shift;
use plotters::prelude::*;
use shared::labels::LABELS;

use super::activations::LAYERS;
use super::deconv::Projection;
use crate::plots::err;

fn label_color(label: usize) -> PaletteColor<Palette99> {
    Palette99::pick(label)
}

/// One PNG: a panel per layer of [`LAYERS`] (2-D embeddings in `layers`, one point per window,
/// coloured by its label in `labels`) and the legend.
pub fn tsne_figure(title: &str, layers: &[Vec<[f32; 2]>], labels: &[usize], path: &Path) -> anyhow::Result<()> {
    let root = BitMapBackend::new(path, (1500, 900)).into_drawing_area();
    root.fill(&WHITE).map_err(err)?;
    let root = root.titled(title, ("sans-serif", 26)).map_err(err)?;
    let (panels, legend) = root.split_horizontally(1330);
    for (area, (name, points)) in panels.split_evenly((2, 3)).iter().zip(LAYERS.iter().zip(layers)) {
        tsne_panel(area, name, points, labels)?;
    }
    let mut y = 60;
    for (i, code) in LABELS.iter().enumerate() {
        legend.draw(&Circle::new((20, y), 7, label_color(i).filled())).map_err(err)?;
        legend.draw(&Text::new(code.to_string(), (36, y - 9), ("sans-serif", 20))).map_err(err)?;
        y += 32;
    }
    root.present().map_err(err)
}

fn tsne_panel(
    area: &DrawingArea<BitMapBackend<'_>, Shift>,
    name: &str,
    points: &[[f32; 2]],
    labels: &[usize],
) -> anyhow::Result<()> {
    let (lo_x, hi_x) = points.iter().fold((f32::MAX, f32::MIN), |(lo, hi), p| (lo.min(p[0]), hi.max(p[0])));
    let (lo_y, hi_y) = points.iter().fold((f32::MAX, f32::MIN), |(lo, hi), p| (lo.min(p[1]), hi.max(p[1])));
    let pad = |lo: f32, hi: f32| {
        let m = ((hi - lo) * 0.05).max(1e-3);
        (lo - m) as f64..(hi + m) as f64
    };
    let mut chart = ChartBuilder::on(area)
        .caption(name, ("sans-serif", 20))
        .margin(8)
        .build_cartesian_2d(pad(lo_x, hi_x), pad(lo_y, hi_y))
        .map_err(err)?;
    chart.configure_mesh().disable_mesh().disable_x_axis().disable_y_axis().draw().map_err(err)?;
    chart
        .draw_series(
            points
                .iter()
                .zip(labels)
                .map(|(p, &l)| Circle::new((p[0] as f64, p[1] as f64), 3, label_color(l).filled())),
        )
        .map_err(err)?;
    area.draw(&Rectangle::new(
        [(0, 0), (area.dim_in_pixel().0 as i32 - 1, area.dim_in_pixel().1 as i32 - 1)],
        BLACK.mix(0.3),
    ))
    .map_err(err)?;
    Ok(())
}

/// Pixels per frame and per mel band.
const SCALE: (u32, u32) = (3, 2);

/// One PNG: the log-mel of the excerpt, then for each projection the excerpt in grey with the
/// projection over it, positive red and negative green (strength as opacity).
pub fn deconv_figure(title: &str, spec: &Array2<f32>, projections: &[Projection], path: &Path) -> anyhow::Result<()> {
    let (frames, mels) = spec.dim();
    let (pw, ph) = (frames as u32 * SCALE.0 + 20, mels as u32 * SCALE.1 + 40);
    let rows = 1 + projections.len().div_ceil(2) as u32;
    let root = BitMapBackend::new(path, (2 * pw, rows * ph + 40)).into_drawing_area();
    root.fill(&WHITE).map_err(err)?;
    let root = root.titled(title, ("sans-serif", 22)).map_err(err)?;
    let cells = root.split_evenly((rows as usize, 2));
    // Grey levels from the 5th to the 100th percentile: the silence floor would wash out the rest.
    let mut sorted: Vec<f32> = spec.iter().copied().collect();
    sorted.sort_by(f32::total_cmp);
    let lo = sorted.get(sorted.len() / 20).copied().unwrap_or(0.0);
    let hi = sorted.last().copied().unwrap_or(1.0);
    let grey = |v: f32| 1.0 - ((v - lo) / (hi - lo).max(1e-6)).clamp(0.0, 1.0);
    spectrogram_panel(&cells[0], "input log-mel (time →, mel ↑)", spec, |t, m| {
        let g = (grey(spec[[t, m]]) * 255.0) as u8;
        RGBColor(g, g, g)
    })?;
    cells[1]
        .draw(&Text::new("red: positive projection, green: negative", (10, 40), ("sans-serif", 18)))
        .map_err(err)?;
    for (cell, p) in cells[2..].iter().zip(projections) {
        let peak = p.image.iter().fold(0f32, |m, v| m.max(v.abs())).max(1e-12);
        let name =
            format!("block {} unit {} (max {:.2} at frame {}, band {})", p.block, p.unit, p.activation, p.at.0, p.at.1);
        spectrogram_panel(cell, &name, spec, |t, m| {
            let bg = 0.55 + 0.45 * grey(spec[[t, m]]);
            let v = p.image[[t, m]] / peak;
            let a = v.abs().sqrt();
            let (r, g) = if v >= 0.0 { (1.0, 0.0) } else { (0.0, 0.8) };
            let mix = |over: f32| ((bg * (1.0 - a) + over * a) * 255.0) as u8;
            RGBColor(mix(r), mix(g), mix(0.0))
        })?;
    }
    root.present().map_err(err)
}

fn spectrogram_panel(
    cell: &DrawingArea<BitMapBackend<'_>, Shift>,
    name: &str,
    spec: &Array2<f32>,
    color: impl Fn(usize, usize) -> RGBColor,
) -> anyhow::Result<()> {
    let (frames, mels) = spec.dim();
    cell.draw(&Text::new(name.to_string(), (10, 8), ("sans-serif", 16))).map_err(err)?;
    for t in 0..frames {
        for m in 0..mels {
            let c = color(t, m);
            let x = 10 + (t as u32 * SCALE.0) as i32;
            let y = 30 + ((mels - 1 - m) as u32 * SCALE.1) as i32;
            for dx in 0..SCALE.0 as i32 {
                for dy in 0..SCALE.1 as i32 {
                    cell.draw_pixel((x + dx, y + dy), &c).map_err(err)?;
                }
            }
        }
    }
    Ok(())
}
