//! Files the commands write: names made safe, and outputs that never overwrite an input.

use super::*;

/// `name` as one part of a file name, in the working folder whatever it says: letters,
/// digits, `-` and `_` are kept, anything else (`/`, `.`, spaces) becomes `_`.
pub(super) fn file_name_part(name: &str) -> String {
    let part: String = name
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if part.is_empty() {
        "scenario".to_owned()
    } else {
        part
    }
}

/// The file at `path`, or standard output for `-`; refused when it is one of the `inputs`
/// (creating it would empty the file before it is read).
pub(super) fn create_output(path: &Path, inputs: &[&Path]) -> Result<Box<dyn Write>, Failure> {
    if path.as_os_str() == "-" {
        return Ok(Box::new(io::stdout().lock()));
    }
    let same = |input: &Path| matches!((fs::canonicalize(path), fs::canonicalize(input)), (Ok(a), Ok(b)) if a == b);
    if let Some(input) = inputs.iter().find(|input| same(input)) {
        return Err(Failure::bad_input(format!(
            "error: {} is also an input ({}): writing it would destroy it; name another file",
            path.display(),
            input.display()
        )));
    }
    let file = fs::File::create(path)
        .map_err(|e| Failure::bad_input(format!("error: cannot create {}: {e}", path.display())))?;
    Ok(Box::new(file))
}
