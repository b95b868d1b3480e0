//! Embeds every year file of `methodology/` and every file of `recommendations/` in the crate, so that adding a
//! year or a recommendation set needs no code change.

use std::fmt::Write as _;
use std::path::Path;

fn main() {
    embed("methodology", "BUILTIN", "builtin_methodology.rs");
    embed("recommendations", "BUILTIN_RECOMMENDATIONS", "builtin_recommendations.rs");
}

/// Writes `OUT_DIR/output` with a static `name` listing (file name, contents) of every `*.toml` in `folder`.
fn embed(folder_name: &str, name: &str, output: &str) {
    let manifest = std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let folder = Path::new(&manifest).join("../..").join(folder_name);
    println!("cargo:rerun-if-changed={}", folder.display());
    let mut names: Vec<String> = std::fs::read_dir(&folder)
        .expect("the data folder is readable")
        .filter_map(|entry| entry.ok())
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .filter(|file| file.ends_with(".toml") && !file.ends_with(".draft.toml"))
        .collect();
    names.sort();
    let mut code = format!(
        "/// Files compiled into the binary from `{folder_name}/`: (file name, contents).\npub static {name}: &[(&str, &str)] = &[\n"
    );
    for file in &names {
        let path = folder.join(file).canonicalize().expect("a listed file exists");
        println!("cargo:rerun-if-changed={}", path.display());
        writeln!(code, "    ({file:?}, include_str!({:?})),", path.display().to_string()).unwrap();
    }
    code.push_str("];\n");
    let out = Path::new(&std::env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join(output);
    std::fs::write(out, code).expect("OUT_DIR is writable");
}
