//! Finding where a field path (`workload.sources[0].delay.p99`) is written in RON text, so
//! that a problem found after parsing can still be reported at its line and column.
//!
//! ron keeps no positions once a value is parsed; this small scanner walks the text instead,
//! skipping strings and comments and tracking bracket depth.

/// The 1-based line and column of the field at `path` in `text`. When the exact field is
/// absent (a default), the nearest enclosing field that is written is given instead.
pub fn locate(text: &str, path: &str) -> (usize, usize) {
    let offset = locate_offset(text, path);
    line_column(text, offset)
}

fn locate_offset(text: &str, path: &str) -> usize {
    let tokens = scan(text);
    // The span [from, to) of token indices holding the current value.
    let (mut from, mut to) = (0, tokens.len());
    let mut found = tokens.first().map_or(0, |t| t.offset);
    for segment in segments(path) {
        let next = match segment {
            Segment::Field(name) => find_field(&tokens, from, to, name),
            Segment::Index(i) => find_element(&tokens, from, to, i),
        };
        let Some((position, value_from)) = next else {
            break;
        };
        found = tokens[position].offset;
        from = value_from;
        to = value_end(&tokens, value_from, to);
    }
    found
}

enum Segment<'a> {
    Field(&'a str),
    Index(usize),
}

fn segments(path: &str) -> Vec<Segment<'_>> {
    let mut out = Vec::new();
    for part in path.split('.') {
        let (name, mut rest) = part.split_once('[').map_or((part, ""), |(n, r)| (n, r));
        if !name.is_empty() {
            out.push(Segment::Field(name));
        }
        while let Some((index, after)) = rest.split_once(']') {
            if let Ok(i) = index.trim_start_matches('[').parse() {
                out.push(Segment::Index(i));
            }
            rest = after;
        }
    }
    out
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Kind {
    Open,
    Close,
    Comma,
    Colon,
    Ident,
    Other,
}

#[derive(Clone, Copy, Debug)]
struct Token<'a> {
    kind: Kind,
    text: &'a str,
    offset: usize,
}

/// Splits RON into the tokens that matter for structure; strings, numbers and the like
/// become `Other`, comments vanish.
fn scan(text: &str) -> Vec<Token<'_>> {
    let bytes = text.as_bytes();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        let start = i;
        let kind = match c {
            b'(' | b'[' | b'{' => Kind::Open,
            b')' | b']' | b'}' => Kind::Close,
            b',' => Kind::Comma,
            b':' => Kind::Colon,
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
                continue;
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                i += 2;
                while i + 1 < bytes.len() && !(bytes[i] == b'*' && bytes[i + 1] == b'/') {
                    i += 1;
                }
                i += 2;
                continue;
            }
            b'"' => {
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
                i += 1;
                tokens.push(Token {
                    kind: Kind::Other,
                    text: &text[start..i.min(text.len())],
                    offset: start,
                });
                continue;
            }
            c if c.is_ascii_whitespace() => {
                i += 1;
                continue;
            }
            c if c.is_ascii_alphanumeric() || c == b'_' || c == b'-' || c == b'.' || c == b'+' => {
                while i < bytes.len()
                    && (bytes[i].is_ascii_alphanumeric()
                        || matches!(bytes[i], b'_' | b'-' | b'.' | b'+'))
                {
                    i += 1;
                }
                let word = &text[start..i];
                let kind = if word.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_') {
                    Kind::Ident
                } else {
                    Kind::Other
                };
                tokens.push(Token {
                    kind,
                    text: word,
                    offset: start,
                });
                continue;
            }
            _ => Kind::Other,
        };
        i += 1;
        // Multi-byte UTF-8 characters only appear inside strings and comments in valid RON.
        while i < bytes.len() && !text.is_char_boundary(i) {
            i += 1;
        }
        tokens.push(Token {
            kind,
            text: &text[start..i],
            offset: start,
        });
    }
    tokens
}

/// Inside the first bracket of tokens `[from, to)`, the field `name` at depth one:
/// returns the name's token index and the index of its value's first token.
fn find_field(tokens: &[Token], from: usize, to: usize, name: &str) -> Option<(usize, usize)> {
    let mut depth = 0;
    for i in from..to {
        match tokens[i].kind {
            Kind::Open => depth += 1,
            Kind::Close => {
                depth -= 1;
                if depth <= 0 {
                    return None;
                }
            }
            Kind::Ident
                if depth == 1
                    && tokens[i].text == name
                    && tokens.get(i + 1).is_some_and(|t| t.kind == Kind::Colon) =>
            {
                return Some((i, i + 2));
            }
            _ => {}
        }
    }
    None
}

/// Inside the first bracket of tokens `[from, to)`, the `index`-th element at depth one.
fn find_element(tokens: &[Token], from: usize, to: usize, index: usize) -> Option<(usize, usize)> {
    let open = (from..to).find(|&i| tokens[i].kind == Kind::Open)?;
    let mut depth = 0;
    let mut element = 0;
    let mut element_start = open + 1;
    for (i, token) in tokens.iter().enumerate().take(to).skip(open) {
        match token.kind {
            Kind::Open => depth += 1,
            Kind::Close => {
                depth -= 1;
                if depth == 0 {
                    break;
                }
            }
            Kind::Comma if depth == 1 => {
                if element == index {
                    break;
                }
                element += 1;
                element_start = i + 1;
            }
            _ => {}
        }
    }
    (element == index && element_start < to && tokens[element_start].kind != Kind::Close)
        .then_some((element_start, element_start))
}

/// The end (exclusive token index) of the value starting at `from`: the comma or closing
/// bracket that ends it at its own depth.
fn value_end(tokens: &[Token], from: usize, to: usize) -> usize {
    let mut depth = 0;
    for (i, token) in tokens.iter().enumerate().take(to).skip(from) {
        match token.kind {
            Kind::Open => depth += 1,
            Kind::Close => {
                if depth == 0 {
                    return i;
                }
                depth -= 1;
                if depth == 0 {
                    return i + 1;
                }
            }
            Kind::Comma if depth == 0 => return i,
            _ => {}
        }
    }
    to
}

/// 1-based line and column (in characters) of byte `offset`.
pub fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, before[line_start..].chars().count() + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = r#"Scenario(
    name: "x", // a comment with size: in it
    workload: (
        sources: [
            (name: "a", delay: LogNormal(median: "2s", p99: "1s")),
            (
                name: "b",
                delay: Fixed("1s"),
            ),
        ],
    ),
    query: (window: Sliding(size: "15m", slide: "20m"), aggregations: []),
)"#;

    #[test]
    fn finds_nested_fields_and_list_elements() {
        assert_eq!(locate(TEXT, "query.window.slide"), (12, 42));
        assert_eq!(locate(TEXT, "workload.sources[0].delay.p99"), (5, 56));
        assert_eq!(locate(TEXT, "workload.sources[1].name"), (7, 17));
        assert_eq!(locate(TEXT, "query.aggregations"), (12, 57));
    }

    #[test]
    fn a_field_left_to_its_default_points_at_its_parent() {
        assert_eq!(locate(TEXT, "workload.sources[1].offline.share"), (6, 13));
        assert_eq!(locate(TEXT, "seed"), (1, 1));
    }
}
