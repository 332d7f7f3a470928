//! JavaScript analysis (npm): `require`/`import` aliases, child_process, network,
//! eval of decoded data, bulk reads of `process.env`.

use std::collections::HashMap;

use tree_sitter::{Node, Parser};

use crate::ext;
use crate::model::{Raw, Scope, Sink, snippet};
use crate::patterns;

fn text<'a>(n: Node<'_>, src: &'a [u8]) -> &'a str {
    n.utf8_text(src).unwrap_or("")
}

/// Analyse JavaScript source; every finding gets `scope`.
pub(crate) fn analyze(src: &[u8], path: &str, scope: Scope, max_parse: usize, sink: &mut Sink) {
    sink.code_bytes += src.len() as u64;
    sink.code_lines += src.iter().filter(|&&c| c == b'\n').count() as u64 + 1;
    if src.len() > max_parse {
        return;
    }
    let mut parser = Parser::new();
    if parser
        .set_language(&tree_sitter_javascript::LANGUAGE.into())
        .is_err()
    {
        return;
    }
    let Some(tree) = parser.parse(src, None) else {
        return;
    };
    let mut aliases: HashMap<String, String> = HashMap::new();
    // First pass: require / import aliases.
    let mut stack = vec![tree.root_node()];
    while let Some(n) = stack.pop() {
        match n.kind() {
            "variable_declarator" => {
                if let (Some(name), Some(value)) = (
                    n.child_by_field_name("name"),
                    n.child_by_field_name("value"),
                ) && let Some(m) = required_module(value, src)
                {
                    sink.imports.insert(m.clone());
                    match name.kind() {
                        "identifier" => {
                            aliases.insert(text(name, src).to_string(), m);
                        }
                        "object_pattern" => {
                            let mut c = name.walk();
                            for p in name.named_children(&mut c) {
                                let (key, local) = match p.kind() {
                                    "shorthand_property_identifier_pattern" => {
                                        (text(p, src), text(p, src))
                                    }
                                    "pair_pattern" => (
                                        p.child_by_field_name("key").map_or("", |k| text(k, src)),
                                        p.child_by_field_name("value").map_or("", |v| text(v, src)),
                                    ),
                                    _ => continue,
                                };
                                aliases.insert(local.to_string(), format!("{m}.{key}"));
                            }
                        }
                        _ => {}
                    }
                }
            }
            "import_statement" => {
                if let Some(s) = n.child_by_field_name("source") {
                    let m = text(s, src).trim_matches(['\'', '"', '`']).to_string();
                    let m = m.strip_prefix("node:").unwrap_or(&m).to_string();
                    sink.imports.insert(m.clone());
                    let t = text(n, src);
                    // import cp from 'x' / import * as cp from 'x' / import {exec} from 'x'
                    let head = t.split(" from ").next().unwrap_or("");
                    let head = head.trim_start_matches("import").trim();
                    if let Some(rest) = head.strip_prefix("* as ") {
                        aliases.insert(rest.trim().to_string(), m.clone());
                    } else if let Some(inner) = head.strip_prefix('{') {
                        for part in inner.trim_end_matches('}').split(',') {
                            let mut it = part.split(" as ");
                            let key = it.next().unwrap_or("").trim();
                            let local = it.next().unwrap_or(key).trim();
                            if !key.is_empty() {
                                aliases.insert(local.to_string(), format!("{m}.{key}"));
                            }
                        }
                    } else if !head.is_empty() {
                        aliases.insert(head.trim_end_matches(',').to_string(), m.clone());
                    }
                }
            }
            _ => {}
        }
        let mut c = n.walk();
        stack.extend(n.named_children(&mut c));
    }
    let canon = |n: Node<'_>| -> String {
        let t = text(n, src);
        let (head, rest) = match t.find('.') {
            Some(i) => (&t[..i], &t[i..]),
            None => (t, ""),
        };
        match aliases.get(head) {
            Some(a) => format!("{a}{rest}"),
            None => t.to_string(),
        }
    };
    let push = |rule: &'static str, n: Node<'_>, message: String, sink: &mut Sink| {
        sink.findings.push(Raw {
            rule,
            file: path.to_string(),
            line: n.start_position().row as u32 + 1,
            snippet: snippet(text(n, src)),
            layer: 0,
            message,
            stage: Some(scope.stage),
            factor: scope.factor,
        });
    };
    let mut stack = vec![tree.root_node()];
    let mut strings = 0usize;
    while let Some(n) = stack.pop() {
        match n.kind() {
            "call_expression" | "new_expression" => {
                let f = n
                    .child_by_field_name("function")
                    .or_else(|| n.child_by_field_name("constructor"));
                let args = n.child_by_field_name("arguments");
                if let Some(f) = f {
                    let name = canon(f);
                    let name = name.strip_prefix("node:").unwrap_or(&name).to_string();
                    let last = name.rsplit('.').next().unwrap_or(&name).to_string();
                    let args_text = args.map_or("", |a| text(a, src));
                    if name.starts_with("child_process.")
                        && matches!(
                            last.as_str(),
                            "exec"
                                | "execSync"
                                | "spawn"
                                | "spawnSync"
                                | "execFile"
                                | "execFileSync"
                                | "fork"
                        )
                    {
                        push(
                            "JS-CHILD-PROCESS",
                            n,
                            format!("runs a command with `{name}`"),
                            sink,
                        );
                        for p in patterns::command_rules(args_text) {
                            push(p.rule, n, format!("command {}", p.what), sink);
                        }
                    } else if matches!(
                        name.as_str(),
                        "eval" | "Function" | "vm.runInThisContext" | "vm.runInNewContext"
                    ) || name.ends_with("vm.Script")
                    {
                        if args_text.contains("base64")
                            || args_text.contains("atob(")
                            || args_text.contains("fromCharCode")
                            || args_text.contains("'hex'")
                        {
                            push(
                                "JS-EVAL-DECODED",
                                n,
                                format!("`{name}` runs decoded code"),
                                sink,
                            );
                        } else if args
                            .is_some_and(|a| a.named_child(0).is_some_and(|x| x.kind() != "string"))
                        {
                            push(
                                "JS-EVAL-DYNAMIC",
                                n,
                                format!("`{name}` runs dynamically built code"),
                                sink,
                            );
                        }
                    } else if is_js_network(&name) {
                        push(
                            "JS-NETWORK",
                            n,
                            format!("network access with `{name}`"),
                            sink,
                        );
                        if args_text.contains("process.env")
                            || args_text.contains("hostname()")
                            || args_text.contains("userInfo()")
                        {
                            push(
                                "EXFIL-SEND-COLLECTED",
                                n,
                                "sends host or environment data over the network".into(),
                                sink,
                            );
                        }
                    } else if matches!(
                        name.as_str(),
                        "os.hostname" | "os.userInfo" | "os.networkInterfaces"
                    ) {
                        push(
                            "JS-HOSTINFO",
                            n,
                            format!("collects host identity with `{name}`"),
                            sink,
                        );
                    } else if name == "JSON.stringify"
                        && args_text.trim_matches(['(', ')']).trim() == "process.env"
                    {
                        push(
                            "JS-ENV-BULK",
                            n,
                            "serialises the whole environment".into(),
                            sink,
                        );
                    }
                }
            }
            "string" | "template_string" if strings < 400 => {
                let s = text(n, src).trim_matches(['\'', '"', '`']).to_string();
                sink.strings.push_str(&s);
                sink.strings.push('\n');
                for (rule, pat) in patterns::string_rules(&s) {
                    strings += 1;
                    push(rule, n, format!("string names `{pat}`"), sink);
                }
                if s.contains("http") || s.contains("discord") {
                    for (rule, url, what) in ext::url_rules(&s) {
                        strings += 1;
                        let _ = url;
                        push(rule, n, what, sink);
                    }
                }
            }
            _ => {}
        }
        let mut c = n.walk();
        stack.extend(n.named_children(&mut c));
    }
}

fn required_module(value: Node<'_>, src: &[u8]) -> Option<String> {
    // require('x') or require('x').y
    let call = match value.kind() {
        "call_expression" => value,
        "member_expression" => value.child_by_field_name("object")?,
        _ => return None,
    };
    if call.kind() != "call_expression" {
        return None;
    }
    let f = call.child_by_field_name("function")?;
    if text(f, src) != "require" {
        return None;
    }
    let arg = call.child_by_field_name("arguments")?.named_child(0)?;
    if arg.kind() != "string" {
        return None;
    }
    let m = text(arg, src).trim_matches(['\'', '"', '`']);
    let m = m.strip_prefix("node:").unwrap_or(m);
    let mut out = m.to_string();
    if value.kind() == "member_expression"
        && let Some(p) = value.child_by_field_name("property")
    {
        out = format!("{out}.{}", text(p, src));
    }
    Some(out)
}

fn is_js_network(n: &str) -> bool {
    let last = n.rsplit('.').next().unwrap_or(n);
    match n.split('.').next().unwrap_or(n) {
        "http" | "https" => matches!(last, "request" | "get"),
        "fetch" => true,
        "axios" => true,
        "net" => matches!(last, "connect" | "createConnection" | "Socket"),
        "dns" => last.starts_with("lookup") || last.starts_with("resolve"),
        "XMLHttpRequest" => true,
        _ => false,
    }
}
