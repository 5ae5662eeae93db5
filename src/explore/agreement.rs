//! Do two runs of one job agree? Each is JSON Lines as `tidemark replay --emit` writes it
//! (results with their emission point, dropped events); one is tidemark's prediction, the
//! other what a real engine wrote. They agree when they hold the same results — window, key,
//! kind, aggregates, and the emission point (the event after which Flink fired, or Spark's
//! batch) — and drop the same events. When a result was emitted (wall-clock `emit_ms`) is
//! not compared: a real engine's clock is not the simulated one.

use std::collections::BTreeMap;
use std::io::BufRead;
use std::path::Path;

use serde_json::Value;

/// Fields that say when on some clock, not what: never compared.
const CLOCK_FIELDS: &[&str] = &["emit_ms"];

/// Aggregates are floats: equal within this relative difference (Java's and Rust's sums of
/// the same values may round differently in the last bits).
const RELATIVE_TOLERANCE: f64 = 1e-9;

/// The lines of one file, keyed for comparison, with the line each came from.
struct Lines {
    by_content: BTreeMap<String, Vec<u64>>,
    count: u64,
}

/// What a comparison found.
#[derive(Debug, Default)]
pub struct Agreement {
    /// Lines compared on each side.
    pub simulated: u64,
    pub engine: u64,
    /// Lines in one file without an equal in the other: (file's name, line, content).
    pub differences: Vec<(String, u64, String)>,
}

impl Agreement {
    pub fn agrees(&self) -> bool {
        self.differences.is_empty()
    }
}

/// Compares `simulated` with `engine`; an unreadable file or a line that is not a JSON
/// object is an error naming the file and line.
pub fn compare(simulated: &Path, engine: &Path) -> Result<Agreement, String> {
    let ours = read(simulated)?;
    let theirs = read(engine)?;
    let mut differences = Vec::new();
    let mut one_side = |from: &Lines, other: &Lines, file: &Path| {
        for (content, lines) in &from.by_content {
            let there = other.by_content.get(content).map_or(0, Vec::len);
            for &line in lines.iter().skip(there) {
                differences.push((file.display().to_string(), line, content.clone()));
            }
        }
    };
    one_side(&ours, &theirs, simulated);
    one_side(&theirs, &ours, engine);
    differences.sort_by(|a, b| (a.1, &a.0).cmp(&(b.1, &b.0)));
    Ok(Agreement {
        simulated: ours.count,
        engine: theirs.count,
        differences,
    })
}

fn read(path: &Path) -> Result<Lines, String> {
    let file = std::fs::File::open(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut lines = Lines {
        by_content: BTreeMap::new(),
        count: 0,
    };
    for (n, line) in std::io::BufReader::new(file).lines().enumerate() {
        let n = n as u64 + 1;
        let line = line.map_err(|e| format!("{}:{n}: {e}", path.display()))?;
        if line.trim().is_empty() {
            continue;
        }
        let value: Value = serde_json::from_str(&line)
            .map_err(|e| format!("{}:{n}: not a JSON object: {e}", path.display()))?;
        let Value::Object(mut object) = value else {
            return Err(format!("{}:{n}: not a JSON object", path.display()));
        };
        if !object.contains_key("type") {
            return Err(format!(
                "{}:{n}: no `type` (result, dropped or dropped_from_window)",
                path.display()
            ));
        }
        for field in CLOCK_FIELDS {
            object.remove(*field);
        }
        lines.count += 1;
        lines
            .by_content
            .entry(canonical(&Value::Object(object)))
            .or_default()
            .push(n);
    }
    Ok(lines)
}

/// The value as text with its keys sorted and its floats rounded to the tolerance, so that
/// equal lines are equal text.
fn canonical(value: &Value) -> String {
    match value {
        Value::Object(map) => {
            let fields: BTreeMap<&String, String> =
                map.iter().map(|(k, v)| (k, canonical(v))).collect();
            let inner: Vec<String> = fields.iter().map(|(k, v)| format!("\"{k}\":{v}")).collect();
            format!("{{{}}}", inner.join(","))
        }
        Value::Number(n) if n.is_f64() => {
            let x = n.as_f64().unwrap_or(0.0);
            // 400 written as 400.0 by one side and 400.00000000000006 by the other is 400.
            if (x - x.round()).abs() <= RELATIVE_TOLERANCE * x.abs().max(1.0) && x.abs() < 1e15 {
                format!("{}", x.round() as i64)
            } else {
                let digits = (-RELATIVE_TOLERANCE.log10()) as usize;
                format!("{x:.digits$e}")
            }
        }
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, name: &str, text: &str) -> std::path::PathBuf {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        path
    }

    #[test]
    fn the_same_lines_in_another_order_and_clock_agree() {
        let dir = tempfile::tempdir().unwrap();
        let a = write(
            dir.path(),
            "a.jsonl",
            "{\"type\":\"result\",\"emit_ms\":5,\"key\":\"s1\",\"count\":3,\"sum\":40.00000000000001}\n\
             {\"type\":\"dropped\",\"id\":7}\n",
        );
        let b = write(
            dir.path(),
            "b.jsonl",
            "{\"type\":\"dropped\",\"id\":7}\n\
             {\"sum\":40,\"count\":3,\"key\":\"s1\",\"emit_ms\":99999,\"type\":\"result\"}\n",
        );
        let agreement = compare(&a, &b).unwrap();
        assert!(agreement.agrees(), "{agreement:?}");
        assert_eq!((agreement.simulated, agreement.engine), (2, 2));
    }

    #[test]
    fn a_missing_drop_and_another_sum_are_listed_with_their_lines() {
        let dir = tempfile::tempdir().unwrap();
        let a = write(
            dir.path(),
            "a.jsonl",
            "{\"type\":\"result\",\"key\":\"s1\",\"sum\":40.5}\n{\"type\":\"dropped\",\"id\":7}\n",
        );
        let b = write(
            dir.path(),
            "b.jsonl",
            "{\"type\":\"result\",\"key\":\"s1\",\"sum\":40.25}\n",
        );
        let agreement = compare(&a, &b).unwrap();
        let lines: Vec<(u64, bool)> = (agreement.differences.iter())
            .map(|(file, line, _)| (*line, file.ends_with("a.jsonl")))
            .collect();
        assert_eq!(lines, vec![(1, true), (1, false), (2, true)]);
    }

    #[test]
    fn a_line_that_is_not_json_names_its_file_and_line() {
        let dir = tempfile::tempdir().unwrap();
        let a = write(
            dir.path(),
            "a.jsonl",
            "{\"type\":\"dropped\",\"id\":7}\nnot json\n",
        );
        let error = compare(&a, &a).unwrap_err();
        assert!(error.contains("a.jsonl:2: not a JSON object"), "{error}");
    }
}
