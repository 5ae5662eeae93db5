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

    /// Records a problem at `path`, unless one is recorded there already: the first is the
    /// one to fix (a NaN is "not a finite number", not also "not positive").
    pub fn push(&mut self, path: &str, message: String) {
        if self.found.iter().any(|p| p.path == path) {
            return;
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_first_problem_of_a_field_is_kept() {
        let mut problems = Problems::default();
        problems.check(false, "a.median", || {
            "NaN must be a finite number".to_owned()
        });
        problems.check(false, "a.median", || "NaN must be positive".to_owned());
        problems.check(false, "a.p99", || "p99 is below the median".to_owned());
        let messages: Vec<String> = problems.into_vec().into_iter().map(|p| p.message).collect();
        assert_eq!(
            messages,
            ["NaN must be a finite number", "p99 is below the median"]
        );
    }
}
