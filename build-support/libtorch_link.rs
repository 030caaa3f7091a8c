//! Build script shared by the crates that link libtorch (`trainer`, `server`, the e2e `tests`).
//!
//! - Adds an rpath to the libtorch library directory (from torch-sys, via `DEP_TCH_LIBTORCH_LIB`),
//!   so the binaries run without `LD_LIBRARY_PATH`.
//! - When that libtorch has CUDA (`libtorch_cuda.so`), forces it to be linked even though no symbol
//!   of it is referenced directly; otherwise `--as-needed` drops it and CUDA is never initialised.
use std::path::Path;

fn main() {
    println!("cargo:rerun-if-env-changed=DEP_TCH_LIBTORCH_LIB");
    let Ok(lib_dir) = std::env::var("DEP_TCH_LIBTORCH_LIB") else {
        println!("cargo:warning=DEP_TCH_LIBTORCH_LIB is not set; no rpath to libtorch added");
        return;
    };
    println!("cargo:rustc-link-arg=-Wl,-rpath,{lib_dir}");
    if Path::new(&lib_dir).join("libtorch_cuda.so").exists() {
        println!("cargo:rustc-link-arg=-Wl,--no-as-needed");
        println!("cargo:rustc-link-arg=-ltorch_cuda");
        println!("cargo:rustc-link-arg=-ltorch");
        println!("cargo:rustc-link-arg=-Wl,--as-needed");
    }
}
