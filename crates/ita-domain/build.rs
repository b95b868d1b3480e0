//! Embeds every year file of `methodology/` in the crate, so that adding a year needs no code change.

use std::fmt::Write as _;
use std::path::Path;

fn main() {
    let manifest = std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let folder = Path::new(&manifest).join("../../methodology");
    println!("cargo:rerun-if-changed={}", folder.display());
    let mut names: Vec<String> = std::fs::read_dir(&folder)
        .expect("the methodology folder is readable")
        .filter_map(|entry| entry.ok())
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".toml") && !name.ends_with(".draft.toml"))
        .collect();
    names.sort();
    let mut code = String::from(
        "/// Year files compiled into the binary: (file name, contents).\npub static BUILTIN: &[(&str, &str)] = &[\n",
    );
    for name in &names {
        let path = folder.join(name).canonicalize().expect("a listed file exists");
        println!("cargo:rerun-if-changed={}", path.display());
        writeln!(code, "    ({name:?}, include_str!({:?})),", path.display().to_string()).unwrap();
    }
    code.push_str("];\n");
    let out =
        Path::new(&std::env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("builtin_methodology.rs");
    std::fs::write(out, code).expect("OUT_DIR is writable");
}
