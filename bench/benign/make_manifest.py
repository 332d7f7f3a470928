#!/usr/bin/env python3
"""Build bench/benign/manifest.jsonl: a held-out set of benign PyPI sdists.

Two phases:

1. Selection (offline, deterministic). Names come from the package list
   ``/work/.library/env/packages/pypi.tsv`` (columns: name, version, month,
   rank_among_15000_most_downloaded, summary) and are split into strata:

   * A: rank 1..1000 (most downloaded);
   * B: rank 1001..15000;
   * C: no rank and latest release month >= 2025-01 (small, recent packages,
     the size profile of real malware).

   Excluded: names in the malicious corpus manifest, names with an OSV report
   under ``osv/malicious/pypi/`` in the OSSF intel zip, and names already in
   the 234-package benign corpus (so the new set is held-out data). Names are
   compared PEP 503-normalised. Each stratum's candidates are sorted and then
   shuffled with ``random.Random(f"{seed}:{stratum}")``.

2. Resolution (network, PyPI JSON API). Candidates are looked up in their
   shuffled order, in small batches, until the stratum's target count is
   reached; for each, the latest release with an sdist (``.tar.gz`` or
   ``.zip``) is taken, with the URL, size and sha256 the API reports. Sdists
   over ``--max-size`` (5 MB) are skipped, and for stratum C over
   ``--c-max-size`` (200 KB). The result is "the first N usable candidates in
   shuffled order", so it does not depend on thread timing. JSON answers are
   cached (``--cache``) so a re-run asks PyPI nothing it already asked.

``--select-only FILE`` runs phase 1 only and writes the ordered candidate
lists (no network). Standard library only; nothing downloaded here is run.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import csv
import hashlib
import json
import os
import random
import re
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import zipfile
from pathlib import Path

DEFAULT_NAMES = "/work/.library/env/packages/pypi.tsv"
DEFAULT_MALICIOUS = "/work/shared/corpus/malicious/manifest.csv"
DEFAULT_OSV = "/work/shared/corpus/intel/ossf-malicious-packages.zip"
DEFAULT_BENIGN = "/work/shared/corpus/benign/manifest.jsonl"
DEFAULT_INDEX = "https://pypi.org/pypi"
DEFAULT_SEED = 20261121
USER_AGENT = "malgraph-bench-benign/1.0 (benign evaluation set; polite, cached)"

STRATA = ("A", "B", "C")
PRERELEASE = re.compile(r"(a|b|rc|alpha|beta|pre|preview|c|dev)\d*", re.IGNORECASE)


def normalize(name: str) -> str:
    """PEP 503 normalised project name."""
    return re.sub(r"[-_.]+", "-", name).lower()


# --------------------------------------------------------------------------
# Phase 1: offline selection
# --------------------------------------------------------------------------


def load_exclusions(malicious_csv: str, osv_zip: str, benign_jsonl: str) -> tuple[set[str], dict[str, int]]:
    """Normalised names to exclude, and how many came from each source."""
    excluded: set[str] = set()
    counts: dict[str, int] = {}

    mal: set[str] = set()
    if malicious_csv and os.path.exists(malicious_csv):
        with open(malicious_csv, newline="", encoding="utf-8") as f:
            for row in csv.DictReader(f):
                if row.get("name"):
                    mal.add(normalize(row["name"]))
    counts["malicious_corpus"] = len(mal)
    excluded |= mal

    osv: set[str] = set()
    if osv_zip and os.path.exists(osv_zip):
        with zipfile.ZipFile(osv_zip) as z:
            for entry in z.namelist():
                parts = entry.split("/")
                # osv/malicious/pypi/<name>/MAL-....json (case of "pypi" varies by export)
                if len(parts) >= 4 and parts[0] == "osv" and parts[1] == "malicious" and parts[2].lower() == "pypi" and parts[3]:
                    osv.add(normalize(parts[3]))
    counts["osv_malicious_pypi"] = len(osv)
    excluded |= osv

    old: set[str] = set()
    if benign_jsonl and os.path.exists(benign_jsonl):
        with open(benign_jsonl, encoding="utf-8") as f:
            for line in f:
                line = line.strip()
                if line:
                    old.add(normalize(json.loads(line)["name"]))
    counts["benign_corpus"] = len(old)
    excluded |= old
    return excluded, counts


def stratum_of(rank: str, month: str, c_since: str) -> str | None:
    """Stratum of one pypi.tsv row, or None if it belongs to none."""
    if rank:
        try:
            r = int(rank)
        except ValueError:
            return None
        if 1 <= r <= 1000:
            return "A"
        if 1000 < r <= 15000:
            return "B"
        return None
    if month and month >= c_since:
        return "C"
    return None


def select_candidates(names_tsv: str, excluded: set[str], seed: int, c_since: str) -> dict[str, list[dict]]:
    """Per stratum, every eligible row, in seeded shuffled order."""
    pools: dict[str, dict[str, dict]] = {s: {} for s in STRATA}
    with open(names_tsv, newline="", encoding="utf-8") as f:
        reader = csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE)
        header = next(reader)
        if header[:4] != ["name", "version", "month", "rank_among_15000_most_downloaded"]:
            raise SystemExit(f"unexpected columns in {names_tsv}: {header}")
        for row in reader:
            if len(row) < 4 or not row[0]:
                continue
            name, version, month, rank = row[0], row[1], row[2], row[3]
            s = stratum_of(rank, month, c_since)
            if s is None:
                continue
            key = normalize(name)
            if key in excluded:
                continue
            pools[s].setdefault(key, {"name": name, "listed_version": version, "month": month, "rank": int(rank) if rank else None})
    out: dict[str, list[dict]] = {}
    for s in STRATA:
        rows = [pools[s][k] for k in sorted(pools[s])]
        random.Random(f"{seed}:{s}").shuffle(rows)
        out[s] = rows
    return out


# --------------------------------------------------------------------------
# Phase 2: PyPI JSON API
# --------------------------------------------------------------------------


class Fetcher:
    """GETs PyPI JSON with a disk cache, timeouts, retries and a minimum gap between requests."""

    def __init__(self, index_url: str, cache_dir: Path, timeout: float, retries: int, min_interval: float):
        self.index_url = index_url.rstrip("/")
        self.cache_dir = cache_dir
        self.timeout = timeout
        self.retries = retries
        self.min_interval = min_interval
        self._last = 0.0
        self.requests = 0
        self.cache_hits = 0
        self._lock = threading.Lock()
        cache_dir.mkdir(parents=True, exist_ok=True)

    def _cache_path(self, name: str) -> Path:
        digest = hashlib.sha256(f"{self.index_url}/{name}".encode()).hexdigest()[:16]
        return self.cache_dir / f"{normalize(name)}-{digest}.json"

    def json_url(self, name: str) -> str:
        return f"{self.index_url}/{urllib.parse.quote(name, safe='')}/json"

    def _pace(self) -> None:
        with self._lock:
            wait = self._last + self.min_interval - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            self._last = time.monotonic()

    def get(self, name: str) -> dict | None:
        """Project JSON, or None if the project does not exist. Raises on persistent errors."""
        path = self._cache_path(name)
        if path.exists():
            cached = json.loads(path.read_text(encoding="utf-8"))
            with self._lock:
                self.cache_hits += 1
            return cached.get("data")
        url = self.json_url(name)
        last_err: Exception | None = None
        for attempt in range(self.retries + 1):
            self._pace()
            with self._lock:
                self.requests += 1
            try:
                req = urllib.request.Request(url, headers={"User-Agent": USER_AGENT, "Accept": "application/json"})
                with urllib.request.urlopen(req, timeout=self.timeout) as resp:
                    data = json.loads(resp.read().decode("utf-8"))
                self._store(path, data)
                return data
            except urllib.error.HTTPError as e:
                e.close()
                if e.code == 404:
                    self._store(path, None)
                    return None
                last_err = e
                if e.code == 429:
                    time.sleep(5 * (attempt + 1))
            except (urllib.error.URLError, TimeoutError, OSError, ValueError) as e:
                last_err = e
            time.sleep(1.0 + attempt)
        raise RuntimeError(f"{name}: {last_err}")

    @staticmethod
    def _store(path: Path, data: dict | None) -> None:
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps({"data": data}), encoding="utf-8")
        os.replace(tmp, path)


FILES_HOST = "https://files.pythonhosted.org/packages/"
BLAKE_PATH = re.compile(r"/packages/([0-9a-f]{2}/[0-9a-f]{2}/[0-9a-f]{60}/[^/?#]+)$")


def canonical_url(url: str, json_url: str) -> str:
    """Absolute download URL for a file entry of the JSON API.

    Some PyPI front ends answer with URLs relative to the JSON document
    (``../../packages/packages/ab/cd/<hash>/<file>``). Any URL whose path ends
    in PyPI's content-addressed ``packages/<2>/<2>/<60 hex>/<file>`` is written
    as its canonical files.pythonhosted.org address; others are resolved
    against the JSON URL.
    """
    absolute = urllib.parse.urljoin(json_url, url)
    parts = urllib.parse.urlsplit(absolute)
    m = BLAKE_PATH.search(parts.path)
    if m and parts.scheme in ("https", "http") and parts.hostname not in ("127.0.0.1", "localhost"):
        return FILES_HOST + m.group(1)
    return absolute


def is_sdist(f: dict) -> bool:
    fn = f.get("filename", "")
    return f.get("packagetype") == "sdist" and (fn.endswith(".tar.gz") or fn.endswith(".zip"))


def is_prerelease(version: str) -> bool:
    # crude but stdlib-only: "1.0rc1", "2.0.0b3", "0.1.dev4" ...
    tail = re.sub(r"^\d+(\.\d+)*", "", version.lstrip("vV"))
    return bool(tail) and bool(PRERELEASE.search(tail))


def pick_sdist(data: dict) -> tuple[str, dict] | None:
    """(version, file) of the latest release that has a non-yanked sdist.

    Tries the version PyPI calls current first (``info.version``, the latest
    non-prerelease, its files in ``urls``); otherwise walks ``releases`` by
    upload time, newest first, final releases before prereleases.
    """
    info = data.get("info") or {}
    current = info.get("version")
    for f in data.get("urls") or []:
        if is_sdist(f) and not f.get("yanked"):
            return current, f
    candidates = []
    for version, files in (data.get("releases") or {}).items():
        sd = [f for f in files or [] if is_sdist(f) and not f.get("yanked")]
        if not sd:
            continue
        f = max(sd, key=lambda x: x.get("upload_time_iso_8601") or "")
        candidates.append((not is_prerelease(version), f.get("upload_time_iso_8601") or "", version, f))
    if not candidates:
        return None
    candidates.sort(key=lambda c: (c[0], c[1]), reverse=True)
    _, _, version, f = candidates[0]
    return version, f


def resolve(cand: dict, stratum: str, fetcher: Fetcher, max_size: int) -> tuple[dict | None, str]:
    """Manifest entry for one candidate, or (None, reason)."""
    try:
        data = fetcher.get(cand["name"])
    except RuntimeError as e:
        return None, f"error: {e}"
    if data is None:
        return None, "not_found"
    picked = pick_sdist(data)
    if picked is None:
        return None, "no_sdist"
    version, f = picked
    size = int(f.get("size") or 0)
    sha = (f.get("digests") or {}).get("sha256")
    url = canonical_url(f["url"], fetcher.json_url(cand["name"])) if f.get("url") else None
    if not sha or not url or size <= 0:
        return None, "incomplete_metadata"
    if size > max_size:
        return None, "too_large"
    info = data.get("info") or {}
    entry = {
        "name": info.get("name") or cand["name"],
        "version": version,
        "filename": f["filename"],
        "url": url,
        "size": size,
        "sha256": sha,
        "stratum": stratum,
        "upload_time": f.get("upload_time_iso_8601") or f.get("upload_time"),
    }
    if cand.get("rank") is not None:
        entry["rank"] = cand["rank"]
    return entry, "ok"


def resolve_stratum(stratum: str, cands: list[dict], target: int, fetcher: Fetcher, workers: int, max_size: int, batch: int, log) -> tuple[list[dict], dict[str, int]]:
    """First ``target`` usable candidates in shuffled order."""
    chosen: list[dict] = []
    reasons: dict[str, int] = {}
    seen_files: set[str] = set()
    i = 0
    with concurrent.futures.ThreadPoolExecutor(max_workers=workers) as pool:
        while len(chosen) < target and i < len(cands):
            need = target - len(chosen)
            # ask for a bit more than needed: some have no sdist
            size = min(batch, need + need // 5 + 2)
            chunk = cands[i : i + size]
            i += len(chunk)
            results = list(pool.map(lambda c: resolve(c, stratum, fetcher, max_size), chunk))
            for entry, reason in results:  # in shuffled order: deterministic
                reasons[reason] = reasons.get(reason, 0) + 1
                if entry is None or len(chosen) >= target:
                    continue
                if entry["filename"] in seen_files:
                    reasons["duplicate_file"] = reasons.get("duplicate_file", 0) + 1
                    continue
                seen_files.add(entry["filename"])
                chosen.append(entry)
            log(f"[{stratum}] looked at {i}/{len(cands)}, kept {len(chosen)}/{target}; requests={fetcher.requests} cache_hits={fetcher.cache_hits}")
    return chosen, reasons


def parse_size(text: str) -> int:
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([kKmMgG]?)[bB]?\s*", text)
    if not m:
        raise argparse.ArgumentTypeError(f"bad size: {text!r}")
    mult = {"": 1, "k": 1000, "m": 1000**2, "g": 1000**3}[m.group(2).lower()]
    return int(float(m.group(1)) * mult)


def main(argv: list[str] | None = None) -> int:
    here = Path(__file__).resolve().parent
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--names", default=DEFAULT_NAMES, help="pypi.tsv names list")
    p.add_argument("--malicious-manifest", default=DEFAULT_MALICIOUS)
    p.add_argument("--osv-zip", default=DEFAULT_OSV)
    p.add_argument("--benign-manifest", default=DEFAULT_BENIGN)
    p.add_argument("--seed", type=int, default=DEFAULT_SEED)
    p.add_argument("--c-since", default="2025-01", help="stratum C: latest release month >= this")
    p.add_argument("--target-a", type=int, default=700)
    p.add_argument("--target-b", type=int, default=700)
    p.add_argument("--target-c", type=int, default=800)
    p.add_argument("--max-size", type=parse_size, default=parse_size("5MB"))
    p.add_argument("--c-max-size", type=parse_size, default=parse_size("200KB"))
    p.add_argument("--out", default=str(here / "manifest.jsonl"))
    p.add_argument("--cache", default=os.path.join(tempfile.gettempdir(), "malgraph-pypi-json-cache"))
    p.add_argument("--index-url", default=DEFAULT_INDEX, help="JSON API base, e.g. https://pypi.org/pypi")
    p.add_argument("--workers", type=int, default=4)
    p.add_argument("--batch", type=int, default=60, help="lookups per round (per stratum)")
    p.add_argument("--min-interval", type=float, default=0.1, help="seconds between two requests")
    p.add_argument("--timeout", type=float, default=20.0)
    p.add_argument("--retries", type=int, default=2)
    p.add_argument("--select-only", metavar="FILE", help="write the ordered candidate lists (TSV) and stop; no network")
    args = p.parse_args(argv)

    def log(msg: str) -> None:
        print(msg, file=sys.stderr, flush=True)

    excluded, ex_counts = load_exclusions(args.malicious_manifest, args.osv_zip, args.benign_manifest)
    log(f"excluded names: {len(excluded)} ({ex_counts})")
    cands = select_candidates(args.names, excluded, args.seed, args.c_since)
    log("candidates: " + ", ".join(f"{s}={len(cands[s])}" for s in STRATA))

    if args.select_only:
        with open(args.select_only, "w", encoding="utf-8") as f:
            f.write("stratum\torder\tname\tlisted_version\tmonth\trank\n")
            for s in STRATA:
                for i, c in enumerate(cands[s]):
                    f.write(f"{s}\t{i}\t{c['name']}\t{c['listed_version']}\t{c['month']}\t{c['rank'] or ''}\n")
        log(f"wrote {args.select_only}")
        return 0

    fetcher = Fetcher(args.index_url, Path(args.cache), args.timeout, args.retries, args.min_interval)
    targets = {"A": args.target_a, "B": args.target_b, "C": args.target_c}
    limits = {"A": args.max_size, "B": args.max_size, "C": min(args.max_size, args.c_max_size)}
    started = time.monotonic()
    entries: list[dict] = []
    for s in STRATA:
        chosen, reasons = resolve_stratum(s, cands[s], targets[s], fetcher, args.workers, limits[s], args.batch, log)
        log(f"[{s}] done: {len(chosen)} entries, outcomes {reasons}")
        entries.extend(chosen)

    entries.sort(key=lambda e: (e["stratum"], normalize(e["name"])))
    tmp = args.out + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        for e in entries:
            f.write(json.dumps(e, sort_keys=False) + "\n")
    os.replace(tmp, args.out)
    total = sum(e["size"] for e in entries)
    log(f"wrote {len(entries)} entries ({total} bytes of sdists) to {args.out} in {time.monotonic() - started:.0f}s; requests={fetcher.requests} cache_hits={fetcher.cache_hits}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
