//! Constant folding of integer arithmetic before parsing.
//!
//! Obfuscators hide characters behind arithmetic (`chr((((3 << 3) + 1) << 2) + 1)`,
//! lists of thousands of such expressions fed to `''.join(map(chr, [...]))`). Each
//! expression is a dozen tree-sitter nodes, and every parenthesis forks the parser's
//! stack (a parenthesised expression, a tuple and a generator start alike), so such
//! files cost many times more per byte than ordinary code, and the evaluator, which
//! reads integer literals, cannot decode them.
//!
//! [`fold_into`] finds complete integer expressions that stand alone between
//! delimiters (`,` `(` `[` before, `,` `)` `]` `}` after: an argument, an element, a
//! subscript), evaluates them with Python's semantics, and writes the decimal value
//! padded with spaces over the expression in the parser's copy of the source. Only
//! digits, operators, parentheses, spaces and tabs are ever replaced, by digits, a
//! minus sign and spaces, so no string, comment or line boundary moves and every byte
//! offset stays where it was. Anything that is not plainly an integer (floats, `/`,
//! hexadecimal, Python 2 octal `0777`, overflow) is left alone.

/// Deepest parenthesis nesting the evaluator follows.
const MAX_DEPTH: u32 = 64;

/// Fold every standalone integer expression of `src` into `out` (a copy of `src`
/// made on the first fold). Returns how many expressions were folded.
pub(crate) fn fold_into(src: &[u8], out: &mut Option<Vec<u8>>) -> usize {
    let mut folded = 0;
    // Nothing to fold before this offset (the end of the last folded expression).
    let mut resume = 0;
    for i in memchr::memchr3_iter(b',', b'(', b'[', src) {
        if i < resume {
            continue;
        }
        if let Some((start, end, value)) = expression_at(src, i + 1) {
            let text = value.to_string();
            if text.len() <= end - start {
                let buf = out.get_or_insert_with(|| src.to_vec());
                buf[start..start + text.len()].copy_from_slice(text.as_bytes());
                buf[start + text.len()..end].fill(b' ');
                folded += 1;
                resume = end;
            }
        }
    }
    folded
}

/// The integer expression starting at `pos` (after blanks) if it is complete, has at
/// least one binary operator and is followed (after blanks) by a closing delimiter:
/// its start, end (before trailing blanks) and value.
fn expression_at(src: &[u8], pos: usize) -> Option<(usize, usize, i64)> {
    let mut p = Eval {
        src,
        pos,
        binary_ops: 0,
        depth: 0,
    };
    p.blanks();
    let start = p.pos;
    // Fail fast on the common case: a name, a string, a blank line.
    if !matches!(src.get(start)?, b'0'..=b'9' | b'(' | b'-' | b'+' | b'~') {
        return None;
    }
    let value = p.or()?;
    let end = p.pos;
    p.blanks();
    if p.binary_ops == 0 || !matches!(src.get(p.pos)?, b',' | b')' | b']' | b'}') {
        return None;
    }
    // Trailing blanks inside the span were consumed by the last operand.
    let end = start + src[start..end].trim_ascii_end().len();
    Some((start, end, value))
}

/// A recursive-descent evaluator over Python's integer operator precedence.
struct Eval<'a> {
    src: &'a [u8],
    pos: usize,
    binary_ops: u32,
    depth: u32,
}

impl Eval<'_> {
    fn blanks(&mut self) {
        while matches!(self.src.get(self.pos), Some(b' ' | b'\t')) {
            self.pos += 1;
        }
    }

    /// Consume `op` (after blanks) unless it is followed by a byte of `not_after`
    /// (`*` is not the start of `**`, `<` must be `<<`, ...).
    fn eat(&mut self, op: &[u8], not_after: &[u8]) -> bool {
        self.blanks();
        let rest = &self.src[self.pos.min(self.src.len())..];
        if rest.starts_with(op) && !rest.get(op.len()).is_some_and(|b| not_after.contains(b)) {
            self.pos += op.len();
            true
        } else {
            false
        }
    }

    fn binary(
        &mut self,
        next: fn(&mut Self) -> Option<i64>,
        ops: &[(&[u8], &[u8])],
        apply: fn(usize, i64, i64) -> Option<i64>,
    ) -> Option<i64> {
        let mut acc = next(self)?;
        'outer: loop {
            for (k, (op, not_after)) in ops.iter().enumerate() {
                if self.eat(op, not_after) {
                    let rhs = next(self)?;
                    acc = apply(k, acc, rhs)?;
                    self.binary_ops += 1;
                    continue 'outer;
                }
            }
            return Some(acc);
        }
    }

    fn or(&mut self) -> Option<i64> {
        self.binary(Self::xor, &[(b"|", b"=")], |_, a, b| Some(a | b))
    }

    fn xor(&mut self) -> Option<i64> {
        self.binary(Self::and, &[(b"^", b"=")], |_, a, b| Some(a ^ b))
    }

    fn and(&mut self) -> Option<i64> {
        self.binary(Self::shift, &[(b"&", b"=")], |_, a, b| Some(a & b))
    }

    fn shift(&mut self) -> Option<i64> {
        self.binary(Self::arith, &[(b"<<", b"="), (b">>", b"=")], |k, a, b| {
            let b = u32::try_from(b).ok().filter(|b| *b < 63)?;
            if k == 0 {
                let r = a.checked_shl(b)?;
                (r >> b == a).then_some(r)
            } else {
                Some(a >> b)
            }
        })
    }

    fn arith(&mut self) -> Option<i64> {
        self.binary(Self::term, &[(b"+", b"="), (b"-", b"=")], |k, a, b| {
            if k == 0 {
                a.checked_add(b)
            } else {
                a.checked_sub(b)
            }
        })
    }

    fn term(&mut self) -> Option<i64> {
        let v = self.binary(
            Self::factor,
            &[(b"*", b"*="), (b"//", b"="), (b"%", b"=")],
            |k, a, b| match k {
                0 => a.checked_mul(b),
                1 => floor_div(a, b),
                _ => floor_mod(a, b),
            },
        )?;
        // True division (`/`) gives a float in Python 3 and an integer in Python 2.
        self.blanks();
        (self.src.get(self.pos) != Some(&b'/')).then_some(v)
    }

    fn factor(&mut self) -> Option<i64> {
        self.blanks();
        match self.src.get(self.pos)? {
            b'-' => {
                self.pos += 1;
                self.factor()?.checked_neg()
            }
            b'+' => {
                self.pos += 1;
                self.factor()
            }
            b'~' => {
                self.pos += 1;
                Some(!self.factor()?)
            }
            _ => self.power(),
        }
    }

    fn power(&mut self) -> Option<i64> {
        let base = self.atom()?;
        if self.eat(b"**", b"=") {
            let exp = u32::try_from(self.factor()?).ok()?;
            self.binary_ops += 1;
            return base.checked_pow(exp);
        }
        Some(base)
    }

    fn atom(&mut self) -> Option<i64> {
        self.blanks();
        let src = self.src;
        match *src.get(self.pos)? {
            b'(' => {
                self.depth += 1;
                if self.depth > MAX_DEPTH {
                    return None;
                }
                self.pos += 1;
                let v = self.or()?;
                self.blanks();
                if src.get(self.pos) != Some(&b')') {
                    return None;
                }
                self.pos += 1;
                self.depth -= 1;
                Some(v)
            }
            b'0'..=b'9' => {
                let start = self.pos;
                while src.get(self.pos).is_some_and(u8::is_ascii_digit) {
                    self.pos += 1;
                }
                let digits = &src[start..self.pos];
                // `1.5`, `1L`, `1_000`, `1e3`, `0x1f` and Python 2 octal `017` are left alone.
                if src
                    .get(self.pos)
                    .is_some_and(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.'))
                    || (digits.len() > 1 && digits[0] == b'0')
                {
                    return None;
                }
                std::str::from_utf8(digits).ok()?.parse().ok()
            }
            _ => None,
        }
    }
}

/// Python's `//`: rounds towards negative infinity.
fn floor_div(a: i64, b: i64) -> Option<i64> {
    let q = a.checked_div(b)?;
    Some(if a % b != 0 && ((a < 0) != (b < 0)) {
        q - 1
    } else {
        q
    })
}

/// Python's `%`: the result has the sign of the divisor.
fn floor_mod(a: i64, b: i64) -> Option<i64> {
    let r = a.checked_rem(b)?;
    Some(if r != 0 && ((r < 0) != (b < 0)) {
        r + b
    } else {
        r
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fold(src: &str) -> String {
        let mut out = None;
        fold_into(src.as_bytes(), &mut out);
        String::from_utf8(out.unwrap_or_else(|| src.as_bytes().to_vec())).unwrap()
    }

    #[test]
    fn folds_obfuscated_character_codes_keeping_offsets() {
        let src = "x = ''.join(map(chr, [(((3 << 3) + 1) << 2) + 1, (7 << 4) - (1 << 1), 65]))\n";
        let out = fold(src);
        assert_eq!(out.len(), src.len());
        assert_eq!(
            out,
            "x = ''.join(map(chr, [101                      , 110                , 65]))\n"
        );
    }

    #[test]
    fn follows_python_precedence_and_floor_semantics() {
        assert_eq!(fold("f(2 + 3 * 4 ** 2)"), "f(50            )");
        assert_eq!(fold("f(-7 // 2, -7 % 3)"), "f(-4     , 2     )");
        assert_eq!(fold("f(~1 + 0, 1 | 2 ^ 3 & 4)"), "f(-2    , 3            )");
        assert_eq!(fold("f(-2 ** 2)"), "f(-4     )");
    }

    #[test]
    fn leaves_everything_else_alone() {
        for src in [
            "f(7 / 2)",             // true division
            "f(1.5 + 1)",           // float
            "f(0x10 + 1)",          // hexadecimal
            "f(017 + 1)",           // Python 2 octal
            "f(1L + 1)",            // Python 2 long
            "f(a + 1)",             // a name
            "f(1 + 2 if x else 3)", // not followed by a delimiter
            "a[1 + 2:3]",           // slice bound
            "x = 1 + 2\n",          // not between delimiters
            "f(-1, (2), 3)",        // no binary operator
            "f(1 << 70)",           // overflow
            "f(9223372036854775807 + 1)",
            "f(1 +\n 2)", // spans a line
            "f(1 < 2)",   // comparison
            "f(1 + 2",    // unterminated
        ] {
            assert_eq!(fold(src), src, "{src}");
        }
    }

    #[test]
    fn a_value_longer_than_its_expression_is_not_written() {
        assert_eq!(fold("f(9**19)"), "f(9**19)");
        assert_eq!(fold("f(9**9)"), "f(9**9)");
        assert_eq!(fold("f(99*99)"), "f(9801 )");
    }

    #[test]
    fn strings_and_comments_keep_their_boundaries() {
        let src = "s = '(1 + 2)'  # [3 * 4]\n";
        let out = fold(src);
        assert_eq!(out, "s = '(3    )'  # [12   ]\n");
        assert_eq!(out.find('#'), src.find('#'));
    }
}
