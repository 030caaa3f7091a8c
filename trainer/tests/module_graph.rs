//! The trainer's modules import one way: no two sibling modules (`synth::music` and
//! `synth::real`, say) reach into each other, directly or round a longer circle. Read from the
//! sources: every `crate::…` and `super::…` path outside comments and the unit tests is an edge from the module
//! that writes it to the module it names, lifted to the two siblings under their nearest common
//! parent (a module using its parent's items, or a parent re-exporting a child's, is not a circle).
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

type Module = Vec<String>;

/// Every module of `src` (`lib.rs` is the root, `a/mod.rs` and `a.rs` are `a`) with its code
/// before its unit tests.
fn modules(src: &Path) -> BTreeMap<Module, String> {
    let mut out = BTreeMap::new();
    let mut stack = vec![src.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                // The binary's commands are a crate of their own (main.rs).
                if path != src.join("commands") {
                    stack.push(path);
                }
                continue;
            }
            if path.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            let rel = path.strip_prefix(src).unwrap().with_extension("");
            let mut module: Module = rel.iter().map(|p| p.to_string_lossy().into_owned()).collect();
            if module.last().is_some_and(|l| l == "mod" || l == "lib") {
                module.pop();
            }
            if module == ["main"] || module == ["cli"] {
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            let code = text.split("#[cfg(test)]").next().unwrap_or_default();
            // Comments and doc links name modules without importing them.
            let code: String =
                code.lines().filter(|l| !l.trim_start().starts_with("//")).collect::<Vec<_>>().join("\n");
            out.insert(module, code);
        }
    }
    out
}

/// The module paths `code` names: `crate::a::b…` and `super::x…` (resolved from `module`).
fn named(module: &Module, code: &str) -> Vec<Module> {
    let mut out = Vec::new();
    let words: Vec<&str> = code.split(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':')).collect();
    for w in words {
        let parts: Vec<&str> = w.split("::").filter(|p| !p.is_empty()).collect();
        let (mut base, rest): (Module, &[&str]) = match parts.first() {
            Some(&"crate") => (Vec::new(), &parts[1..]),
            Some(&"super") => {
                let mut parent = module.clone();
                let mut rest = &parts[..];
                while rest.first() == Some(&"super") {
                    parent.pop();
                    rest = &rest[1..];
                }
                (parent, rest)
            }
            _ => continue,
        };
        base.extend(rest.iter().map(|s| s.to_string()));
        out.push(base);
    }
    // `use super::{a, b}` names a and b: the braces' first words.
    for (i, _) in code.match_indices("use super::{") {
        let inner = &code[i + "use super::{".len()..];
        let inner = &inner[..inner.find('}').unwrap_or(inner.len())];
        for item in inner.split(',') {
            let first = item.trim().split("::").next().unwrap_or_default().trim();
            if !first.is_empty() {
                let mut m = module[..module.len().saturating_sub(1)].to_vec();
                m.push(first.to_string());
                out.push(m);
            }
        }
    }
    out
}

/// The longest prefix of `path` that is a module.
fn module_of(path: &Module, all: &BTreeMap<Module, String>) -> Module {
    (0..=path.len()).rev().map(|n| path[..n].to_vec()).find(|m| all.contains_key(m)).unwrap_or_default()
}

#[test]
fn no_import_circle_between_the_trainers_modules() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let all = modules(&src);
    assert!(all.contains_key(&vec!["synth".to_string(), "music".to_string()]), "{:?}", all.keys());
    // Edges between siblings under their nearest common parent.
    let mut edges: BTreeMap<Module, BTreeSet<Module>> = BTreeMap::new();
    for (from, code) in &all {
        for path in named(from, code) {
            let to = module_of(&path, &all);
            let common = from.iter().zip(&to).take_while(|(a, b)| a == b).count();
            if common == from.len() || common == to.len() {
                continue; // a parent and its descendant
            }
            edges.entry(from[..=common].to_vec()).or_default().insert(to[..=common].to_vec());
        }
    }
    // Depth-first search for a circle.
    fn visit(
        m: &Module,
        edges: &BTreeMap<Module, BTreeSet<Module>>,
        path: &mut Vec<Module>,
        done: &mut BTreeSet<Module>,
    ) -> Option<Vec<Module>> {
        if let Some(at) = path.iter().position(|p| p == m) {
            return Some(path[at..].to_vec());
        }
        if done.contains(m) {
            return None;
        }
        path.push(m.clone());
        for next in edges.get(m).into_iter().flatten() {
            if let Some(circle) = visit(next, edges, path, done) {
                return Some(circle);
            }
        }
        path.pop();
        done.insert(m.clone());
        None
    }
    let mut done = BTreeSet::new();
    for m in edges.keys() {
        if let Some(circle) = visit(m, &edges, &mut Vec::new(), &mut done) {
            let names: Vec<String> = circle.iter().map(|m| m.join("::")).collect();
            panic!("an import circle: {} → back", names.join(" → "));
        }
    }
    // The scan sees the one-way layers it guards.
    let synth = |name: &str| vec!["synth".to_string(), name.to_string()];
    assert!(edges[&synth("real")].contains(&synth("score")) && edges[&synth("music")].contains(&synth("score")));
}
