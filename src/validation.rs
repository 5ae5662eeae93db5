//! Collecting every problem of an input in one pass, each with the field path it is about.

/// One thing wrong with an input, and what to change.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    /// Where, as a field path: `workload.sources[0].delay.p99`.
    pub path: String,
    /// What is wrong and what would fix it.
    pub message: String,
}

/// The problems found so far.
#[derive(Debug, Default)]
pub struct Problems {
    found: Vec<Problem>,
}

impl Problems {
    /// Records a problem at `path` unless `ok`.
    pub fn check(&mut self, ok: bool, path: &str, message: impl FnOnce() -> String) {
        if !ok {
            self.push(path, message());
        }
    }

    /// Records a problem at `path`.
    pub fn push(&mut self, path: &str, message: String) {
        self.found.push(Problem {
            path: path.to_owned(),
            message,
        });
    }

    /// All problems, in the order found.
    pub fn into_vec(self) -> Vec<Problem> {
        self.found
    }
}
