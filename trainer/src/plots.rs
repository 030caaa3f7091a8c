//! PNG figures: training curves, F1 against threshold (paper Fig. 4), per-label F1 (Fig. 5).
use std::path::Path;

use anyhow::anyhow;
use plotters::prelude::*;
use shared::labels::LABELS;

use crate::evaluate::comparison::Run;
use crate::evaluate::{EvalReport, SweepPoint};
use crate::train::EpochLog;

pub fn err(e: impl std::fmt::Display) -> anyhow::Error {
    anyhow!("plotting: {e}")
}

type Chart<'a, 'b> = ChartContext<
    'a,
    BitMapBackend<'b>,
    Cartesian2d<plotters::coord::types::RangedCoordf64, plotters::coord::types::RangedCoordf64>,
>;

/// A named line with a dot at each point, added to the chart's legend.
fn line(chart: &mut Chart<'_, '_>, name: &str, color: RGBColor, values: Vec<(f64, f64)>) -> anyhow::Result<()> {
    chart
        .draw_series(LineSeries::new(values.clone(), color.stroke_width(2)))
        .map_err(err)?
        .label(name)
        .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], color.stroke_width(2)));
    chart.draw_series(values.iter().map(|&p| Circle::new(p, 3, color.filled()))).map_err(err)?;
    Ok(())
}

/// The legend of the chart's labelled series, boxed, at `position`.
fn legend<'a, 'b: 'a>(chart: &mut Chart<'a, 'b>, position: SeriesLabelPosition) -> anyhow::Result<()> {
    chart
        .configure_series_labels()
        .position(position)
        .border_style(BLACK)
        .background_style(WHITE)
        .draw()
        .map_err(err)?;
    Ok(())
}

/// Training and validation loss per epoch, the kept epoch marked.
pub fn training_curves(log: &[EpochLog], path: &Path) -> anyhow::Result<()> {
    let root = BitMapBackend::new(path, (800, 500)).into_drawing_area();
    root.fill(&WHITE).map_err(err)?;
    let max_loss = log.iter().flat_map(|e| [e.train_loss, e.val_loss]).filter(|v| v.is_finite()).fold(0.0, f64::max);
    let mut chart = ChartBuilder::on(&root)
        .caption("Training curves", ("sans-serif", 24))
        .margin(15)
        .x_label_area_size(40)
        .y_label_area_size(60)
        .build_cartesian_2d(0.5f64..log.len() as f64 + 0.5, 0.0..max_loss * 1.1)
        .map_err(err)?;
    chart
        .configure_mesh()
        .light_line_style(TRANSPARENT)
        .x_desc("epoch")
        .y_desc("binary cross-entropy")
        .x_label_formatter(&|v| format!("{v:.0}"))
        .draw()
        .map_err(err)?;
    line(&mut chart, "training", BLUE, log.iter().map(|e| (e.epoch as f64, e.train_loss)).collect())?;
    line(&mut chart, "validation", RED, log.iter().map(|e| (e.epoch as f64, e.val_loss)).collect())?;
    if let Some(best) = log.iter().rev().find(|e| e.best) {
        chart
            .draw_series([Circle::new((best.epoch as f64, best.val_loss), 8, BLACK.stroke_width(2))])
            .map_err(err)?
            .label("kept weights")
            .legend(|(x, y)| Circle::new((x + 10, y), 5, BLACK.stroke_width(2)));
    }
    chart.configure_series_labels().border_style(BLACK).background_style(WHITE).draw().map_err(err)?;
    root.present().map_err(err)
}

fn sweep_panel(
    area: &DrawingArea<BitMapBackend<'_>, plotters::coord::Shift>,
    title: &str,
    points: &[SweepPoint],
) -> anyhow::Result<()> {
    let (lo, hi) = (points.first().map_or(0.0, |p| p.threshold), points.last().map_or(1.0, |p| p.threshold));
    let mut chart = ChartBuilder::on(area)
        .caption(title, ("sans-serif", 20))
        .margin(12)
        .x_label_area_size(35)
        .y_label_area_size(45)
        .build_cartesian_2d(lo as f64..hi as f64, 0.0..1.0)
        .map_err(err)?;
    chart.configure_mesh().light_line_style(TRANSPARENT).x_desc("threshold").y_desc("F1").draw().map_err(err)?;
    line(&mut chart, "micro F1", BLUE, points.iter().map(|p| (p.threshold as f64, p.micro_f1)).collect())?;
    line(&mut chart, "macro F1", RED, points.iter().map(|p| (p.threshold as f64, p.macro_f1)).collect())?;
    legend(&mut chart, SeriesLabelPosition::LowerRight)?;
    Ok(())
}

/// Micro and macro F1 against the threshold, for S1 and S2 side by side (paper Fig. 4).
pub fn threshold_sweeps(report: &EvalReport, path: &Path) -> anyhow::Result<()> {
    let root = BitMapBackend::new(path, (1100, 450)).into_drawing_area();
    root.fill(&WHITE).map_err(err)?;
    let panels = root.split_evenly((1, 2));
    sweep_panel(&panels[0], "S1 (mean)", &report.sweep_s1)?;
    sweep_panel(&panels[1], "S2 (sum / max)", &report.sweep_s2)?;
    root.present().map_err(err)
}

/// F1 of each label at the report's operating point (paper Fig. 5).
pub fn per_label_f1(report: &EvalReport, path: &Path) -> anyhow::Result<()> {
    let root = BitMapBackend::new(path, (900, 450)).into_drawing_area();
    root.fill(&WHITE).map_err(err)?;
    let mut chart = ChartBuilder::on(&root)
        .caption("F1 per instrument", ("sans-serif", 22))
        .margin(15)
        .x_label_area_size(40)
        .y_label_area_size(45)
        .build_cartesian_2d((0..LABELS.len()).into_segmented(), 0.0..1.0)
        .map_err(err)?;
    chart
        .configure_mesh()
        .light_line_style(TRANSPARENT)
        .disable_x_mesh()
        .x_labels(LABELS.len())
        .x_label_formatter(&|v| match v {
            SegmentValue::CenterOf(i) => LABELS.get(*i).copied().unwrap_or("").to_string(),
            _ => String::new(),
        })
        .y_desc("F1")
        .draw()
        .map_err(err)?;
    chart
        .draw_series(
            Histogram::vertical(&chart)
                .style(BLUE.mix(0.7).filled())
                .margin(8)
                .data(report.report.per_label.iter().enumerate().map(|(i, p)| (i, p.f1))),
        )
        .map_err(err)?;
    root.present().map_err(err)
}

const PALETTE: [RGBColor; 6] = [BLUE, RED, RGBColor(0, 140, 0), RGBColor(230, 140, 0), MAGENTA, BLACK];

fn colour(i: usize) -> RGBColor {
    PALETTE.get(i % PALETTE.len()).copied().unwrap_or(BLACK)
}

/// Micro and macro F1 against the S2 threshold, one line per run (paper Fig. 4).
pub fn compare_sweeps(title: &str, runs: &[Run], path: &Path) -> anyhow::Result<()> {
    let root = BitMapBackend::new(path, (1100, 480)).into_drawing_area();
    root.fill(&WHITE).map_err(err)?;
    let root = root.titled(title, ("sans-serif", 22)).map_err(err)?;
    let panels = root.split_evenly((1, 2));
    for (area, (name, pick)) in panels.iter().zip([
        ("micro F1", (|p: &SweepPoint| p.micro_f1) as fn(&SweepPoint) -> f64),
        ("macro F1", |p: &SweepPoint| p.macro_f1),
    ]) {
        let points = runs.first().map_or(&[][..], |r| &r.report.sweep_s2[..]);
        let (lo, hi) = (points.first().map_or(0.0, |p| p.threshold), points.last().map_or(1.0, |p| p.threshold));
        let mut chart = ChartBuilder::on(area)
            .caption(format!("{name}, S2"), ("sans-serif", 18))
            .margin(12)
            .x_label_area_size(35)
            .y_label_area_size(45)
            .build_cartesian_2d(lo as f64..hi as f64, 0.0..1.0)
            .map_err(err)?;
        chart.configure_mesh().light_line_style(TRANSPARENT).x_desc("threshold").y_desc(name).draw().map_err(err)?;
        for (i, run) in runs.iter().enumerate() {
            let values = run.report.sweep_s2.iter().map(|p| (p.threshold as f64, pick(p))).collect();
            line(&mut chart, &run.name, colour(i), values)?;
        }
        legend(&mut chart, SeriesLabelPosition::UpperRight)?;
    }
    root.present().map_err(err)
}

/// F1 of each label at S2 θ 0.5, one bar per run in each label's group (paper Fig. 5).
pub fn compare_per_label(title: &str, runs: &[Run], path: &Path) -> anyhow::Result<()> {
    let root = BitMapBackend::new(path, (1100, 480)).into_drawing_area();
    root.fill(&WHITE).map_err(err)?;
    let mut chart = ChartBuilder::on(&root)
        .caption(format!("{title}: F1 per instrument"), ("sans-serif", 22))
        .margin(15)
        .x_label_area_size(40)
        .y_label_area_size(45)
        .build_cartesian_2d(0.0..LABELS.len() as f64, 0.0..1.0)
        .map_err(err)?;
    chart
        .configure_mesh()
        .light_line_style(TRANSPARENT)
        .disable_x_mesh()
        .x_labels(LABELS.len() * 2 + 1)
        .x_label_formatter(&|v| {
            let centre = v - v.floor();
            match LABELS.get(v.floor() as usize) {
                Some(code) if (centre - 0.5).abs() < 1e-6 => code.to_string(),
                _ => String::new(),
            }
        })
        .y_desc("F1")
        .draw()
        .map_err(err)?;
    let width = 0.8 / runs.len().max(1) as f64;
    for (r, run) in runs.iter().enumerate() {
        let c = colour(r);
        chart
            .draw_series(run.report.report.per_label.iter().enumerate().map(|(i, p)| {
                let x0 = i as f64 + 0.1 + r as f64 * width;
                Rectangle::new([(x0, 0.0), (x0 + width * 0.9, p.f1)], c.mix(0.8).filled())
            }))
            .map_err(err)?
            .label(run.name.clone())
            .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 15, y + 5)], c.filled()));
    }
    legend(&mut chart, SeriesLabelPosition::UpperRight)?;
    root.present().map_err(err)
}
