#!/usr/bin/env python3
"""Pack files read from the workplace's stored copy of GitHub into package archives, in
memory (nothing is unpacked or run), so `malgraph scan` sees them as packages.

  github-pack.py records RECORDS.jsonl OUTDIR
      One JSON object per file: pkg, ecosystem (pypi|npm), member (path inside the
      package), content. Files of one pkg become OUTDIR/<ecosystem>__<pkg>.tar.gz, under
      `package/` for npm and `<pkg>-0/` for PyPI. Used for the held-out malware set: its
      text exists only inside the JSON, never as files on disk.
  github-pack.py folders DIR OUTDIR
      Each DIR/<owner>__<repo>/ folder becomes OUTDIR/<owner>__<repo>.tar.gz, an sdist-like
      archive `<repo>-0/` with a minimal PKG-INFO added (a folder of modules alone is not
      recognised as a package).
"""
import collections
import io
import json
import os
import sys
import tarfile


def add(t, name, data):
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mode = 0o644
    t.addfile(info, io.BytesIO(data))


def write(path, members):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as t:
        for name, data in members:
            add(t, name, data)
    with open(path, "wb") as f:
        f.write(buf.getvalue())


def records(src, out):
    by = collections.defaultdict(list)
    with open(src) as f:
        for line in f:
            r = json.loads(line)
            by[(r["ecosystem"], r["pkg"])].append(r)
    for (eco, pkg), rs in sorted(by.items()):
        safe = pkg.replace("/", "_").replace(":", "_")
        prefix = "package/" if eco == "npm" else f"{safe}-0/"
        members = [(prefix + r["member"].lstrip("/"), r["content"].encode()) for r in rs]
        write(os.path.join(out, f"{eco}__{safe}.tar.gz"), members)
    return len(by)


def folders(src, out):
    n = 0
    for d in sorted(os.listdir(src)):
        root = os.path.join(src, d)
        if not os.path.isdir(root):
            continue
        name = d.split("__", 1)[-1]
        members = [(f"{name}-0/PKG-INFO", f"Metadata-Version: 2.1\nName: {name}\nVersion: 0\n".encode())]
        for dirpath, _, files in os.walk(root):
            for fn in sorted(files):
                p = os.path.join(dirpath, fn)
                with open(p, "rb") as f:
                    members.append((f"{name}-0/{os.path.relpath(p, root)}", f.read()))
        write(os.path.join(out, f"{d}.tar.gz"), members)
        n += 1
    return n


if __name__ == "__main__":
    if len(sys.argv) != 4 or sys.argv[1] not in ("records", "folders"):
        sys.exit(__doc__)
    os.makedirs(sys.argv[3], exist_ok=True)
    n = (records if sys.argv[1] == "records" else folders)(sys.argv[2], sys.argv[3])
    print(f"{n} packages written to {sys.argv[3]}")
