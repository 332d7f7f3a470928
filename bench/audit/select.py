#!/usr/bin/env python3
"""Pick the 50 malicious packages of the behaviour-label audit (fixed seed, stratified).

Family of a package = the first reference URL of its OSV report (``osv_refs``),
with per-package advisory pages (security.snyk.io/vuln/..., pypi.org/project/...)
collapsed to their host; packages without an OSV report form the family
``<none>``. Inside a family, near-identical names are de-duplicated by a name
stem (lower case, digits and separators removed, first 8 letters). Families get
a share of the 50 proportional to sqrt(size) (largest remainder), and at least
MIN_NONE packages come from ``<none>``. Reads only manifest.csv; opens no archive.

Usage: select.py [--manifest PATH] [--paths | --csv]
  default / --csv : CSV rows (family,path,name,version,osv_id)
  --paths         : absolute archive paths, one per line (for `malgraph scan`)
"""
import argparse
import csv
import math
import random
import re
from collections import defaultdict
from pathlib import Path

SEED = 2023
N = 50
MIN_NONE = 8
DEFAULT_MANIFEST = "/work/shared/corpus/malicious/manifest.csv"
PER_PACKAGE_HOSTS = ("security.snyk.io", "pypi.org/project")


def family(row):
    refs = row["osv_refs"].split()
    if not refs:
        return "<none>"
    first = refs[0]
    for host in PER_PACKAGE_HOSTS:
        if host in first:
            return host
    return first


def stem(name):
    return re.sub(r"[^a-z]", "", name.lower())[:8]


def select(manifest):
    rows = list(csv.DictReader(open(manifest, newline="", encoding="utf-8")))
    fams = defaultdict(list)
    for r in rows:
        fams[family(r)].append(r)
    rng = random.Random(SEED)
    # one representative per name stem, in a seeded order
    dedup = {}
    for f in sorted(fams):
        members = sorted(fams[f], key=lambda r: r["path"])
        rng.shuffle(members)
        seen, keep = set(), []
        for r in members:
            s = stem(r["name"])
            if s not in seen:
                seen.add(s)
                keep.append(r)
        dedup[f] = keep
    weights = {f: math.sqrt(len(fams[f])) for f in dedup}
    total = sum(weights.values())
    exact = {f: N * w / total for f, w in weights.items()}
    quota = {f: min(int(x), len(dedup[f])) for f, x in exact.items()}
    quota["<none>"] = max(quota.get("<none>", 0), MIN_NONE)
    order = sorted(dedup, key=lambda f: (-(exact[f] - int(exact[f])), f))
    i = 0
    while sum(quota.values()) < N:
        f = order[i % len(order)]
        if quota[f] < len(dedup[f]):
            quota[f] += 1
        i += 1
    while sum(quota.values()) > N:  # only if MIN_NONE pushed us over
        f = max((f for f in quota if f != "<none>"), key=lambda f: quota[f])
        quota[f] -= 1
    picked = []
    for f in sorted(dedup):
        for r in dedup[f][: quota[f]]:
            picked.append((f, r))
    picked.sort(key=lambda fr: fr[1]["path"])
    return picked


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--manifest", default=DEFAULT_MANIFEST)
    g = ap.add_mutually_exclusive_group()
    g.add_argument("--paths", action="store_true")
    g.add_argument("--csv", action="store_true")
    a = ap.parse_args()
    picked = select(a.manifest)
    root = Path(a.manifest).parent
    if a.paths:
        for _, r in picked:
            print(root / r["path"])
        return
    w = csv.writer(__import__("sys").stdout)
    w.writerow(["family", "path", "name", "version", "osv_id"])
    for f, r in picked:
        w.writerow([f, r["path"], r["name"], r["version"], r["osv_id"]])


if __name__ == "__main__":
    main()
