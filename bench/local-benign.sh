#!/usr/bin/env bash
# Build a supplementary benign set from code already on this machine — no registry is asked.
# Strata (one manifest row each, `stratum` field):
#   installed  top-level package folders of the interpreter's site-packages and Debian's
#              dist-packages (installed trees: no setup.py, so import- and run-time rules);
#   stdlib     the standard-library packages (folders with __init__.py) of every Python found
#              under ~/.pyenv/versions and /usr/lib/python3.* — Python 2.7 to 3.13 — except
#              the interpreter's own regression suite `test` (not a package anyone installs:
#              it exercises sockets, exec and reverse connections on purpose; RESULTS.md says
#              how it scores when included: --with-cpython-tests);
#   wheels     released wheels that interpreters carry (ensurepip's pip and setuptools, the
#              test suite's copies), read as archives; the importlib test toy wheels are left out;
#   npm        the packages bundled with the system npm (/usr/lib/node_modules and npm's own
#              node_modules, scoped ones included).
# Writes a JSON Lines manifest for `malgraph eval --benign`.
# Usage: bench/local-benign.sh OUT.jsonl [--with-cpython-tests]
set -euo pipefail
out=${1:?usage: bench/local-benign.sh OUT.jsonl [--with-cpython-tests]}
python3 - "$out" "${2:-}" <<'PY'
import collections, glob, json, os, sys, sysconfig
with_tests = sys.argv[2] == "--with-cpython-tests"

rows = []

def add(path, stratum):
    rows.append({"path": path, "stratum": stratum})

def packages_in(root, stratum, skip=()):
    for name in sorted(os.listdir(root)):
        p = os.path.join(root, name)
        if (os.path.isdir(p) and not name.startswith(("_", ".")) and name not in skip
                and not name.endswith((".dist-info", ".egg-info"))
                and os.path.exists(os.path.join(p, "__init__.py"))):
            add(p, stratum)

site = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"],
        "/usr/lib/python3/dist-packages"}
for root in sorted(r for r in site if os.path.isdir(r)):
    packages_in(root, "installed")

libs = sorted(glob.glob(os.path.expanduser("~/.pyenv/versions/*/lib/python[23].*"))
              + glob.glob("/usr/lib/python3.*"))
for lib in libs:
    if os.path.isdir(lib) and os.path.exists(os.path.join(lib, "os.py")):
        skip = ("site-packages", "dist-packages") + (() if with_tests else ("test",))
        packages_in(lib, "stdlib", skip=skip)
    for whl in sorted(glob.glob(os.path.join(lib, "**", "*.whl"), recursive=True)):
        if "site-packages" not in whl and "/test_importlib/" not in whl:
            add(whl, "wheels")

for nm in ("/usr/lib/node_modules", "/usr/lib/node_modules/npm/node_modules"):
    if not os.path.isdir(nm):
        continue
    for name in sorted(os.listdir(nm)):
        p = os.path.join(nm, name)
        subs = [os.path.join(p, s) for s in sorted(os.listdir(p))] if name.startswith("@") else [p]
        for s in subs:
            if os.path.exists(os.path.join(s, "package.json")):
                add(s, "npm")

with open(sys.argv[1], "w") as f:
    for r in rows:
        f.write(json.dumps(r) + "\n")
counts = collections.Counter(r["stratum"] for r in rows)
print(f"{len(rows)} benign packages ({dict(counts)}) -> {sys.argv[1]}", file=sys.stderr)
PY
