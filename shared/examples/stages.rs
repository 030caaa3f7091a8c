//! Profiling aid: runs the whole front end on one file many times (for `perf record`).
//!     cargo run --release -p shared --example stages -- FILE [RUNS]
use std::time::Instant;

use shared::audio::{decode, DecodeOptions};
use shared::frontend::{peak_normalize, FrontEndParams, LogMel};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let path = std::path::Path::new(&args[1]);
    let runs: usize = args.get(2).and_then(|r| r.parse().ok()).unwrap_or(20);
    let bytes: std::sync::Arc<[u8]> = std::fs::read(path).unwrap().into();
    let ext = path.extension().and_then(|e| e.to_str()).map(str::to_owned);
    let opts = DecodeOptions { extension: ext, ..Default::default() };
    let lm = LogMel::new(&FrontEndParams::default()).unwrap();
    for _ in 0..runs {
        let t = Instant::now();
        let mut d = decode(Box::new(std::io::Cursor::new(bytes.clone())), 22_050, &opts).unwrap();
        let t_dec = t.elapsed();
        peak_normalize(&mut d.samples);
        let t = Instant::now();
        let s = lm.compute(&d.samples);
        println!("decode+resample {:?}  logmel {:?} ({} frames)", t_dec, t.elapsed(), s.dim().0);
    }
}
