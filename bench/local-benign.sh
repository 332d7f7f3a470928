#!/usr/bin/env bash
# Build a supplementary benign set from Python code already installed on this machine (the
# interpreter's site-packages and Debian's dist-packages): one unpacked package per top-level
# package folder. Writes a JSON Lines manifest for `malgraph eval --benign`. These are installed
# trees (no setup.py), so they exercise import- and run-time rules, not install-time ones.
# Usage: bench/local-benign.sh OUT.jsonl
set -euo pipefail
out=${1:?usage: bench/local-benign.sh OUT.jsonl}
python3 - "$out" <<'PY'
import json, os, sys, sysconfig, site
roots = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"], "/usr/lib/python3/dist-packages"}
seen = 0
with open(sys.argv[1], "w") as f:
    for root in sorted(r for r in roots if os.path.isdir(r)):
        for name in sorted(os.listdir(root)):
            p = os.path.join(root, name)
            if (os.path.isdir(p) and not name.startswith(("_", ".")) and not name.endswith((".dist-info", ".egg-info"))
                    and os.path.exists(os.path.join(p, "__init__.py"))):
                f.write(json.dumps({"path": p, "stratum": "installed"}) + "\n")
                seen += 1
print(f"{seen} installed packages -> {sys.argv[1]}", file=sys.stderr)
PY
