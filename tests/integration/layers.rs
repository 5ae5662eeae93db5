//! The source tree reads as the architecture: each layer imports only the layers below it.

use std::path::Path;

/// Bottom to top; a module may use its own layer and those before it.
const LAYERS: [&str; 9] = [
    "input",
    "engine",
    "measure",
    "runner",
    "compose",
    "experiment",
    "explore",
    "render",
    "gui",
];

fn layer_of(path: &str) -> Option<usize> {
    LAYERS.iter().position(|l| path == *l)
}

#[test]
fn every_layer_imports_only_the_layers_below_it() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut wrong = Vec::new();
    for layer in LAYERS {
        for file in walk(&src.join(layer)) {
            let text = std::fs::read_to_string(&file).unwrap();
            // Tests may reach up (to run a whole scenario); the code they test may not.
            let code = text.split("#[cfg(test)]").next().unwrap_or("");
            for line in code.lines().filter(|l| !l.trim_start().starts_with("//")) {
                for (at, _) in line.match_indices("crate::") {
                    let used = line[at + 7..].split("::").next().unwrap_or("");
                    if let (Some(used_at), Some(own)) = (layer_of(used), layer_of(layer))
                        && used_at > own
                    {
                        wrong.push(format!("{}: {layer} uses {used}", file.display()));
                    }
                }
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "imports pointing up:\n{}",
        wrong.join("\n")
    );
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(walk(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
    files
}
