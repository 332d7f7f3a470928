#!/usr/bin/env python3
"""Regenerate pypi.txt and npm.txt from the package lists of the build machine.

Usage: python3 gen.py [/work/.library/env/packages]
"""
import csv
import re
import sys

src = sys.argv[1] if len(sys.argv) > 1 else "/work/.library/env/packages"
TOP = 5000
csv.field_size_limit(1 << 30)


def pep503(name):
    return re.sub(r"[-_.]+", "-", name).lower().strip("-")


def rows(path):
    with open(path, newline="", encoding="utf-8") as f:
        yield from csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE)


pypi = []
for r in rows(f"{src}/pypi.tsv"):
    rank = (r.get("rank_among_15000_most_downloaded") or "").strip()
    if rank.isdigit():
        pypi.append((int(rank), pep503(r["name"])))
pypi.sort()
seen, out = set(), []
for _, n in pypi:
    if n and n not in seen:
        seen.add(n)
        out.append(n)
with open("pypi.txt", "w") as f:
    f.write("\n".join(out[:TOP]) + "\n")

npm = []
for r in rows(f"{src}/npm.tsv"):
    d = (r.get("downloads_a_month") or "").strip()
    if d.isdigit():
        npm.append((-int(d), r["name"].strip().lower()))
npm.sort()
seen, out = set(), []
for _, n in npm:
    if n and n not in seen:
        seen.add(n)
        out.append(n)
with open("npm.txt", "w") as f:
    f.write("\n".join(out[:TOP]) + "\n")
