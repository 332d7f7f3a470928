//! Python string literals: prefix, quotes and escapes, decoded statically.

/// A decoded Python string literal.
pub(crate) struct Lit {
    /// The value (UTF-8 for text strings, raw bytes for `b''`).
    pub bytes: Vec<u8>,
    /// True for f-strings (their `{...}` parts are kept as written).
    pub fstring: bool,
}

/// Decode the source text of one Python string literal (`'a'`, `b"\x00"`, `r'''x'''`...).
pub(crate) fn decode(text: &str) -> Option<Lit> {
    let qpos = text.find(['\'', '"'])?;
    let prefix = text[..qpos].to_ascii_lowercase();
    if prefix.len() > 3 || !prefix.chars().all(|c| matches!(c, 'r' | 'b' | 'u' | 'f')) {
        return None;
    }
    let raw = prefix.contains('r');
    let is_bytes = prefix.contains('b');
    let fstring = prefix.contains('f');
    let body = &text[qpos..];
    let q = body.as_bytes()[0] as char;
    let triple: String = std::iter::repeat_n(q, 3).collect();
    let inner = if body.len() >= 6 && body.starts_with(&triple) && body.ends_with(&triple) {
        &body[3..body.len() - 3]
    } else if body.len() >= 2 && body.ends_with(q) {
        &body[1..body.len() - 1]
    } else {
        // Unterminated (error-tolerant parse): take what is there.
        &body[1..]
    };
    let bytes = if raw {
        inner.as_bytes().to_vec()
    } else {
        unescape(inner, is_bytes)
    };
    Some(Lit { bytes, fstring })
}

/// Decode one literal part of an f-string (the text between interpolations) of a
/// string whose source text is `literal`: escapes as the prefix says, `{{`/`}}` as braces.
pub(crate) fn fstring_part(literal: &str, part: &str) -> Vec<u8> {
    let qpos = literal.find(['\'', '"']).unwrap_or(0);
    let prefix = literal[..qpos].to_ascii_lowercase();
    let part = part.replace("{{", "{").replace("}}", "}");
    if prefix.contains('r') {
        part.into_bytes()
    } else {
        unescape(&part, prefix.contains('b'))
    }
}

fn push_char(out: &mut Vec<u8>, c: u32, is_bytes: bool) {
    if is_bytes && c < 256 {
        out.push(c as u8);
    } else if let Some(ch) = char::from_u32(c) {
        let mut b = [0u8; 4];
        out.extend_from_slice(ch.encode_utf8(&mut b).as_bytes());
    }
}

fn unescape(s: &str, is_bytes: bool) -> Vec<u8> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] != b'\\' || i + 1 >= b.len() {
            out.push(b[i]);
            i += 1;
            continue;
        }
        let e = b[i + 1];
        i += 2;
        match e {
            b'\n' => {}
            b'\\' => out.push(b'\\'),
            b'\'' => out.push(b'\''),
            b'"' => out.push(b'"'),
            b'a' => out.push(7),
            b'b' => out.push(8),
            b'f' => out.push(12),
            b'n' => out.push(b'\n'),
            b'r' => out.push(b'\r'),
            b't' => out.push(b'\t'),
            b'v' => out.push(11),
            b'0'..=b'7' => {
                let mut v = (e - b'0') as u32;
                let mut n = 1;
                while n < 3 && i < b.len() && (b'0'..=b'7').contains(&b[i]) {
                    v = v * 8 + (b[i] - b'0') as u32;
                    i += 1;
                    n += 1;
                }
                push_char(&mut out, v, is_bytes);
            }
            b'x' | b'u' | b'U' => {
                let len = match e {
                    b'x' => 2,
                    b'u' => 4,
                    _ => 8,
                };
                if is_bytes && e != b'x' {
                    out.extend_from_slice(&[b'\\', e]);
                    continue;
                }
                let hex = s.get(i..i + len);
                match hex.and_then(|h| u32::from_str_radix(h, 16).ok()) {
                    Some(v) => {
                        push_char(&mut out, v, is_bytes);
                        i += len;
                    }
                    None => out.extend_from_slice(&[b'\\', e]),
                }
            }
            b'N' => out.extend_from_slice(b"\\N"),
            other => {
                out.push(b'\\');
                out.push(other);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_prefixes_and_escapes() {
        assert_eq!(decode(r#"'a\x41\n'"#).unwrap().bytes, b"aA\n");
        assert_eq!(decode(r#"b'\xff\x00'"#).unwrap().bytes, vec![0xff, 0]);
        assert_eq!(decode(r#"r'\x41'"#).unwrap().bytes, b"\\x41");
        assert_eq!(decode("'''x'y'''").unwrap().bytes, b"x'y");
        assert_eq!(decode(r#"'\u00e9'"#).unwrap().bytes, "é".as_bytes());
        assert!(decode("f'{x}'").unwrap().fstring);
        assert_eq!(fstring_part("f'a{x}'", r"a\x41{{"), b"aA{");
        assert_eq!(fstring_part("rf'a{x}'", r"a\x41}}"), b"a\\x41}");
        assert!(decode("zz'a'").is_none());
    }
}
