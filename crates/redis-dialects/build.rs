//! Lists the dialects under `data/` (one directory each, holding the files
//! `cargo run -p dialect-gen` wrote) and embeds them, so adding a dialect is
//! running the generator: no code to edit.
use std::fmt::Write as _;
use std::path::Path;

const KINDS: &[&str] = &[
    "server.json",
    "config.json",
    "sentinel.json",
    "commands.json",
    "acl.json",
];

fn main() {
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("data");
    println!("cargo:rerun-if-changed={}", data.display());
    let mut names: Vec<String> = std::fs::read_dir(&data)
        .map(|rd| {
            rd.filter_map(|e| e.ok())
                .filter(|e| e.path().join("server.json").is_file())
                .filter_map(|e| e.file_name().into_string().ok())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    let mut out = String::from("pub(crate) static EMBEDDED: &[Embedded] = &[\n");
    for n in &names {
        let dir = data.join(n);
        println!("cargo:rerun-if-changed={}", dir.display());
        let _ = writeln!(out, "    Embedded {{\n        dir: {n:?},");
        for k in KINDS {
            let field = k.split('.').next().unwrap_or(k);
            let p = dir.join(k);
            println!("cargo:rerun-if-changed={}", p.display());
            if p.is_file() {
                let _ = writeln!(
                    out,
                    "        {field}: include_str!({:?}),",
                    p.display().to_string()
                );
            } else {
                let _ = writeln!(out, "        {field}: \"\",");
            }
        }
        out.push_str("    },\n");
    }
    out.push_str("];\n");
    let dest =
        Path::new(&std::env::var("OUT_DIR").unwrap_or_else(|_| ".".into())).join("embedded.rs");
    if let Err(e) = std::fs::write(&dest, out) {
        panic!("cannot write {}: {e}", dest.display());
    }
}
