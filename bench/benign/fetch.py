#!/usr/bin/env python3
"""Download the benign evaluation sdists listed in bench/benign/manifest.jsonl.

Each manifest line is a JSON object with name, version, filename, url, size,
sha256, stratum, upload_time. Every file is fetched by a plain HTTPS GET of
its URL into ``--out`` (default ``bench/benign-sdists/``, git-ignored) and its
sha256 checked: a mismatch deletes the file, is reported, and the run goes
on. Files already present with the right hash are skipped. Nothing downloaded
is unpacked, imported, built or run (never pip: pip runs build code).

Standard library only. Exit status 0 if every file is present and verified,
1 otherwise.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import hashlib
import json
import os
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

USER_AGENT = "malgraph-bench-benign/1.0 (benign evaluation set)"
CHUNK = 1 << 16
LOOPBACK = {"127.0.0.1", "localhost", "::1"}


@dataclass
class Entry:
    name: str
    version: str
    filename: str
    url: str
    size: int
    sha256: str
    stratum: str


@dataclass
class Outcome:
    entry: Entry
    status: str  # downloaded | skipped | failed
    detail: str = ""
    nbytes: int = 0


@dataclass
class Summary:
    counts: dict = field(default_factory=dict)  # stratum -> status -> n
    nbytes: dict = field(default_factory=dict)  # stratum -> bytes on disk (verified)
    downloaded_bytes: int = 0
    failures: list = field(default_factory=list)

    def add(self, o: Outcome) -> None:
        s = o.entry.stratum
        c = self.counts.setdefault(s, {"downloaded": 0, "skipped": 0, "failed": 0})
        c[o.status] += 1
        if o.status in ("downloaded", "skipped"):
            self.nbytes[s] = self.nbytes.get(s, 0) + o.entry.size
        if o.status == "downloaded":
            self.downloaded_bytes += o.nbytes
        if o.status == "failed":
            self.failures.append(o)


def load_manifest(path: Path) -> list[Entry]:
    """Parse and check the manifest; raises SystemExit on a malformed line."""
    entries: list[Entry] = []
    seen: set[str] = set()
    with open(path, encoding="utf-8") as f:
        for lineno, line in enumerate(f, 1):
            line = line.strip()
            if not line:
                continue
            try:
                d = json.loads(line)
                e = Entry(
                    name=str(d["name"]),
                    version=str(d["version"]),
                    filename=str(d["filename"]),
                    url=str(d["url"]),
                    size=int(d["size"]),
                    sha256=str(d["sha256"]).lower(),
                    stratum=str(d.get("stratum", "?")),
                )
            except (ValueError, KeyError, TypeError) as err:
                raise SystemExit(f"{path}:{lineno}: bad manifest line: {err}")
            # the filename becomes a path: keep it a plain name
            if not e.filename or e.filename != os.path.basename(e.filename) or e.filename in (".", "..") or "\\" in e.filename:
                raise SystemExit(f"{path}:{lineno}: unsafe filename {e.filename!r}")
            if len(e.sha256) != 64 or any(ch not in "0123456789abcdef" for ch in e.sha256):
                raise SystemExit(f"{path}:{lineno}: bad sha256 for {e.filename}")
            u = urllib.parse.urlsplit(e.url)
            if not (u.scheme == "https" or (u.scheme == "http" and u.hostname in LOOPBACK)):
                raise SystemExit(f"{path}:{lineno}: only https URLs are fetched: {e.url}")
            if e.filename in seen:
                raise SystemExit(f"{path}:{lineno}: duplicate filename {e.filename}")
            seen.add(e.filename)
            entries.append(e)
    return entries


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(CHUNK), b""):
            h.update(chunk)
    return h.hexdigest()


def fetch_one(e: Entry, out: Path, timeout: float, retries: int) -> Outcome:
    dest = out / e.filename
    if dest.exists():
        try:
            if dest.stat().st_size == e.size and sha256_file(dest) == e.sha256:
                return Outcome(e, "skipped")
        except OSError:
            pass
    part = out / (e.filename + ".part")
    last = ""
    for attempt in range(retries + 1):
        try:
            h = hashlib.sha256()
            n = 0
            req = urllib.request.Request(e.url, headers={"User-Agent": USER_AGENT})
            with urllib.request.urlopen(req, timeout=timeout) as resp, open(part, "wb") as f:
                while True:
                    chunk = resp.read(CHUNK)
                    if not chunk:
                        break
                    n += len(chunk)
                    if n > e.size:
                        # more bytes than the manifest says: stop early, it cannot match
                        break
                    h.update(chunk)
                    f.write(chunk)
            if n != e.size or h.hexdigest() != e.sha256:
                part.unlink(missing_ok=True)
                what = f"size {n}{'+' if n > e.size else ''} != {e.size}" if n != e.size else f"sha256 {h.hexdigest()} != {e.sha256}"
                return Outcome(e, "failed", f"mismatch: {what}")
            os.replace(part, dest)
            return Outcome(e, "downloaded", nbytes=n)
        except urllib.error.HTTPError as err:
            err.close()
            last = f"HTTP {err.code}"
            part.unlink(missing_ok=True)
            if err.code in (400, 401, 403, 404, 410):
                break  # permanent: no retry
        except (urllib.error.URLError, TimeoutError, OSError) as err:
            last = f"{type(err).__name__}: {err}"
            part.unlink(missing_ok=True)
        if attempt < retries:
            time.sleep(1.0 + 2 * attempt)
    return Outcome(e, "failed", last)


def main(argv: list[str] | None = None) -> int:
    here = Path(__file__).resolve().parent
    p = argparse.ArgumentParser(description="Download and verify the benign evaluation sdists.")
    p.add_argument("--manifest", default=str(here / "manifest.jsonl"))
    p.add_argument("--out", default=str(here.parent / "benign-sdists"), help="download folder (default bench/benign-sdists/)")
    p.add_argument("--workers", type=int, default=8)
    p.add_argument("--timeout", type=float, default=60.0)
    p.add_argument("--retries", type=int, default=2)
    p.add_argument("--stratum", action="append", help="only this stratum (repeatable)")
    p.add_argument("--limit", type=int, help="only the first N entries (for a smoke test)")
    p.add_argument("--quiet", action="store_true")
    args = p.parse_args(argv)

    entries = load_manifest(Path(args.manifest))
    if args.stratum:
        entries = [e for e in entries if e.stratum in args.stratum]
    if args.limit is not None:
        entries = entries[: args.limit]
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

    started = time.monotonic()
    summary = Summary()
    done = 0
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, args.workers)) as pool:
        futures = [pool.submit(fetch_one, e, out, args.timeout, args.retries) for e in entries]
        for fut in concurrent.futures.as_completed(futures):
            o = fut.result()
            summary.add(o)
            done += 1
            if o.status == "failed":
                print(f"FAILED {o.entry.filename}: {o.detail}", file=sys.stderr, flush=True)
            elif not args.quiet and (done % 100 == 0 or done == len(entries)):
                print(f"{done}/{len(entries)}", file=sys.stderr, flush=True)

    elapsed = time.monotonic() - started
    tot = {"downloaded": 0, "skipped": 0, "failed": 0}
    print(f"{'stratum':<8}{'downloaded':>11}{'skipped':>9}{'failed':>8}{'bytes':>14}")
    for s in sorted(summary.counts):
        c = summary.counts[s]
        for k in tot:
            tot[k] += c[k]
        print(f"{s:<8}{c['downloaded']:>11}{c['skipped']:>9}{c['failed']:>8}{summary.nbytes.get(s, 0):>14}")
    print(f"{'total':<8}{tot['downloaded']:>11}{tot['skipped']:>9}{tot['failed']:>8}{sum(summary.nbytes.values()):>14}")
    print(f"downloaded {summary.downloaded_bytes} bytes in {elapsed:.1f}s into {out}")
    for o in sorted(summary.failures, key=lambda o: o.entry.filename):
        print(f"failed: {o.entry.stratum} {o.entry.filename}: {o.detail}")
    return 1 if summary.failures else 0


if __name__ == "__main__":
    sys.exit(main())
