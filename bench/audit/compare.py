#!/usr/bin/env python3
"""Compare hand-audited behaviour labels with what `malgraph scan` assigns.

Usage:
  compare.py LABELS.jsonl SCAN.jsonl [--json]
  compare.py --self-test

LABELS.jsonl: one object per package (bench/audit/labels.jsonl): path, name,
version, categories, stages, evasion, notes, optional unreadable.
SCAN.jsonl: `malgraph scan --format json PATHS...` output, one report per line
with at least path, categories, stages, evasion, verdict.

Records are matched by path suffix: a scan path matches a label path when one
ends with the other at a '/' boundary (the scanner sees absolute paths, the
labels keep manifest-relative ones). Labels without a scan record are listed
as missing and counted as an empty scanner answer.

Reported, for categories, stages and evasion: micro precision / recall / F1
of the scanner's labels against the truth, per-label confusion (both,
truth-only = missed, scan-only = extra), the share of packages whose label set
equals the truth exactly, and the list of disagreeing packages.
Python 3.11 standard library only.
"""
from __future__ import annotations

import argparse
import json
import sys
from collections import Counter

FIELDS = ("categories", "stages", "evasion")


def load_jsonl(path: str) -> list[dict]:
    out = []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            line = line.strip()
            if not line:
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as e:
                print(f"warning: {path}:{n}: not JSON ({e}); skipped", file=sys.stderr)
                continue
            if isinstance(obj, dict) and "path" in obj:
                out.append(obj)
    return out


def suffix_match(a: str, b: str) -> bool:
    a, b = a.replace("\\", "/"), b.replace("\\", "/")
    if a == b:
        return True
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    return long_.endswith("/" + short.lstrip("/"))


def match(labels: list[dict], scans: list[dict]) -> list[tuple[dict, dict | None]]:
    """Pair each label with the matching scan record (the shortest matching path wins)."""
    pairs = []
    for lab in labels:
        best = None
        for s in scans:
            if suffix_match(lab["path"], str(s.get("path", ""))):
                if best is None or len(str(s["path"])) < len(str(best["path"])):
                    best = s
        pairs.append((lab, best))
    return pairs


def as_set(rec: dict | None, field: str) -> set[str]:
    if rec is None:
        return set()
    v = rec.get(field) or []
    return {str(x) for x in v}


def field_stats(pairs, field: str) -> dict:
    tp = fp = fn = 0
    both, truth_only, scan_only = Counter(), Counter(), Counter()
    exact = 0
    disagreements = []
    for lab, scan in pairs:
        t, s = as_set(lab, field), as_set(scan, field)
        tp += len(t & s)
        fp += len(s - t)
        fn += len(t - s)
        both.update(t & s)
        truth_only.update(t - s)
        scan_only.update(s - t)
        if t == s:
            exact += 1
        else:
            disagreements.append({
                "path": lab["path"],
                "truth": sorted(t),
                "scan": sorted(s),
                "missed": sorted(t - s),
                "extra": sorted(s - t),
            })
    n = len(pairs)
    prec = tp / (tp + fp) if tp + fp else 1.0
    rec = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
    labels = sorted(set(both) | set(truth_only) | set(scan_only))
    return {
        "packages": n,
        "exact_match": exact,
        "exact_match_share": exact / n if n else 0.0,
        "tp": tp, "fp": fp, "fn": fn,
        "precision": prec, "recall": rec, "f1": f1,
        "per_label": {
            lbl: {"both": both[lbl], "truth_only": truth_only[lbl], "scan_only": scan_only[lbl]}
            for lbl in labels
        },
        "disagreements": disagreements,
    }


def compare(labels: list[dict], scans: list[dict]) -> dict:
    pairs = match(labels, scans)
    missing = [lab["path"] for lab, s in pairs if s is None]
    verdicts = Counter(str(s.get("verdict")) if s else "<missing>" for _, s in pairs)
    return {
        "labels": len(labels),
        "scan_records": len(scans),
        "matched": len(pairs) - len(missing),
        "missing_in_scan": missing,
        "verdicts": dict(verdicts),
        "per_package_category_exact": [
            {"path": lab["path"], "exact": as_set(lab, "categories") == as_set(s, "categories")}
            for lab, s in pairs
        ],
        **{f: field_stats(pairs, f) for f in FIELDS},
    }


def render(res: dict) -> str:
    out = []
    out.append(f"labels: {res['labels']}  scan records: {res['scan_records']}  "
               f"matched: {res['matched']}  missing: {len(res['missing_in_scan'])}")
    for p in res["missing_in_scan"]:
        out.append(f"  missing in scan: {p}")
    out.append("verdicts: " + ", ".join(f"{k}={v}" for k, v in sorted(res["verdicts"].items())))
    out.append("")
    out.append("per-package category exact match:")
    for row in res["per_package_category_exact"]:
        out.append(f"  {'OK ' if row['exact'] else 'DIFF'} {row['path']}")
    for f in FIELDS:
        st = res[f]
        out.append("")
        out.append(f"== {f} ==")
        out.append(f"exact set match: {st['exact_match']}/{st['packages']} "
                   f"({100 * st['exact_match_share']:.1f}%)")
        out.append(f"micro precision {st['precision']:.3f}  recall {st['recall']:.3f}  "
                   f"F1 {st['f1']:.3f}  (tp {st['tp']}, fp {st['fp']}, fn {st['fn']})")
        out.append(f"  {'label':<22} {'both':>5} {'truth-only':>11} {'scan-only':>10}")
        for lbl, c in st["per_label"].items():
            out.append(f"  {lbl:<22} {c['both']:>5} {c['truth_only']:>11} {c['scan_only']:>10}")
        if st["disagreements"]:
            out.append("disagreements:")
            for d in st["disagreements"]:
                out.append(f"  {d['path']}: missed {d['missed'] or '-'}  extra {d['extra'] or '-'}")
    return "\n".join(out)


def self_test() -> int:
    labels = [
        {"path": "pypi/a/1/a-1.tar.gz", "categories": ["command-execution", "download-execute"],
         "stages": ["install"], "evasion": ["obfuscation"]},
        {"path": "pypi/b/1/b-1.tar.gz", "categories": ["network"], "stages": ["runtime"], "evasion": []},
        {"path": "pypi/c/1/c-1.tar.gz", "categories": ["information-stealing"], "stages": ["import"],
         "evasion": []},
        {"path": "pypi/d/1/d-1.tar.gz", "categories": [], "stages": [], "evasion": [], "unreadable": True},
    ]
    scans = [
        # exact on categories, extra stage
        {"path": "/corpus/malicious/pypi/a/1/a-1.tar.gz", "categories": ["download-execute", "command-execution"],
         "stages": ["install", "import"], "evasion": ["obfuscation"], "verdict": "malicious"},
        # wrong: scanner says command-execution for a print-only package
        {"path": "/x/pypi/b/1/b-1.tar.gz", "categories": ["command-execution"], "stages": ["runtime"],
         "evasion": [], "verdict": "suspicious"},
        # suffix that must NOT match c (different name at the boundary)
        {"path": "/x/pypi/cc/1/xc-1.tar.gz", "categories": ["information-stealing"], "stages": ["import"],
         "evasion": [], "verdict": "malicious"},
        {"path": "/x/pypi/d/1/d-1.tar.gz", "categories": [], "stages": [], "evasion": [], "verdict": "benign"},
    ]
    assert suffix_match("pypi/a/1/a-1.tar.gz", "/abs/pypi/a/1/a-1.tar.gz")
    assert not suffix_match("pypi/c/1/c-1.tar.gz", "/x/pypi/c/1/xc-1.tar.gz")
    res = compare(labels, scans)
    assert res["matched"] == 3, res["matched"]
    assert res["missing_in_scan"] == ["pypi/c/1/c-1.tar.gz"], res["missing_in_scan"]
    c = res["categories"]
    # truth labels: 2 + 1 + 1 = 4; scan (matched): a 2, b 1, c missing 0, d 0 -> tp 2, fp 1, fn 2
    assert (c["tp"], c["fp"], c["fn"]) == (2, 1, 2), (c["tp"], c["fp"], c["fn"])
    assert abs(c["precision"] - 2 / 3) < 1e-9 and abs(c["recall"] - 0.5) < 1e-9
    assert c["exact_match"] == 2, c["exact_match"]  # a and d
    assert c["per_label"]["command-execution"] == {"both": 1, "truth_only": 0, "scan_only": 1}
    assert c["per_label"]["network"] == {"both": 0, "truth_only": 1, "scan_only": 0}
    s = res["stages"]
    assert (s["tp"], s["fp"], s["fn"]) == (2, 1, 1), (s["tp"], s["fp"], s["fn"])
    assert s["exact_match"] == 2  # b, d
    assert [d["path"] for d in s["disagreements"]] == ["pypi/a/1/a-1.tar.gz", "pypi/c/1/c-1.tar.gz"]
    assert res["verdicts"] == {"malicious": 1, "suspicious": 1, "benign": 1, "<missing>": 1}
    assert [r["exact"] for r in res["per_package_category_exact"]] == [True, False, False, True]
    # empty inputs must not divide by zero
    empty = compare([], [])
    assert empty["categories"]["precision"] == 1.0 and empty["categories"]["exact_match_share"] == 0.0
    json.dumps(res)
    render(res)
    print("self-test ok")
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Compare audit labels with malgraph scan output.")
    ap.add_argument("labels", nargs="?")
    ap.add_argument("scan", nargs="?")
    ap.add_argument("--json", action="store_true", help="print the full result as JSON")
    ap.add_argument("--self-test", action="store_true", help="run the built-in synthetic test")
    a = ap.parse_args(argv)
    if a.self_test:
        return self_test()
    if not a.labels or not a.scan:
        ap.error("LABELS and SCAN are required (or --self-test)")
    res = compare(load_jsonl(a.labels), load_jsonl(a.scan))
    if a.json:
        print(json.dumps(res, indent=2, sort_keys=True))
    else:
        print(render(res))
    return 0


if __name__ == "__main__":
    sys.exit(main())
