//! Generates `<repo>/include/ccbridge.h` from the crate's sources with cbindgen.
//!
//! The header is committed; CI rebuilds it and fails when it differs, so the file is only
//! rewritten when its content changes (mtime-based tools such as CMake and make stay calm).

use std::path::PathBuf;

fn main() {
    let crate_dir = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let config_path = crate_dir.join("cbindgen.toml");
    let header = crate_dir.join("../../include/ccbridge.h");
    println!("cargo:rerun-if-changed={}", config_path.display());
    println!("cargo:rerun-if-changed={}", crate_dir.join("src").display());
    println!("cargo:rerun-if-changed={}", header.display());

    let config = cbindgen::Config::from_file(&config_path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", config_path.display()));
    // Parsing the source tree directly (rather than the crate through `cargo metadata`)
    // keeps the build script away from the workspace lock and the network.
    let bindings = cbindgen::Builder::new()
        .with_config(config)
        .with_src(crate_dir.join("src/lib.rs"))
        .generate()
        .unwrap_or_else(|e| panic!("cbindgen failed: {e}"));
    bindings.write_to_file(&header);
}
