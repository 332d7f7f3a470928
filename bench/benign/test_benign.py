#!/usr/bin/env python3
"""Tests for make_manifest.py and fetch.py against a fake PyPI on 127.0.0.1.

Synthetic data only; no external network. Run: python3 -m unittest bench/benign/test_benign.py
"""

from __future__ import annotations

import contextlib
import hashlib
import http.server
import io
import json
import sys
import tempfile
import threading
import unittest
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import fetch  # noqa: E402
import make_manifest as mm  # noqa: E402


def sdist(name: str, version: str, payload: bytes, url_base: str, *, yanked: bool = False, upload: str = "2025-03-01T00:00:00.000000Z", kind: str = "sdist", ext: str = ".tar.gz") -> dict:
    fn = f"{name}-{version}{ext if kind == 'sdist' else '-py3-none-any.whl'}"
    return {
        "filename": fn,
        "packagetype": kind,
        "url": f"{url_base}/files/{fn}",
        "size": len(payload),
        "digests": {"sha256": hashlib.sha256(payload).hexdigest()},
        "yanked": yanked,
        "upload_time_iso_8601": upload,
    }


class FakePyPI:
    """A tiny HTTP server: /pypi/<name>/json and /files/<filename>."""

    def __init__(self) -> None:
        self.projects: dict[str, dict] = {}
        self.files: dict[str, bytes] = {}
        self.hits: list[str] = []
        self.fail_once: set[str] = set()
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *a):  # quiet
                pass

            def do_GET(self):
                outer.hits.append(self.path)
                if self.path in outer.fail_once:
                    outer.fail_once.discard(self.path)
                    self.send_response(503)
                    self.end_headers()
                    return
                parts = self.path.strip("/").split("/")
                body = None
                if len(parts) == 3 and parts[0] == "pypi" and parts[2] == "json" and parts[1] in outer.projects:
                    body = json.dumps(outer.projects[parts[1]]).encode()
                elif len(parts) == 2 and parts[0] == "files" and parts[1] in outer.files:
                    body = outer.files[parts[1]]
                if body is None:
                    self.send_response(404)
                    self.end_headers()
                    return
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def add(self, name: str, current: str, releases: dict[str, list[tuple[dict, bytes]]]) -> None:
        rel = {}
        for v, files in releases.items():
            rel[v] = [f for f, _ in files]
            for f, payload in files:
                self.files[f["filename"]] = payload
        self.projects[name] = {"info": {"name": name, "version": current}, "urls": rel.get(current, []), "releases": rel}

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


class PickSdistTest(unittest.TestCase):
    B = "http://127.0.0.1:1"

    def test_current_version_sdist(self):
        data = {"info": {"version": "2.0"}, "urls": [sdist("p", "2.0", b"x", self.B, kind="wheel"), sdist("p", "2.0", b"yy", self.B)], "releases": {}}
        v, f = mm.pick_sdist(data)
        self.assertEqual((v, f["filename"]), ("2.0", "p-2.0.tar.gz"))

    def test_falls_back_to_newest_release_with_sdist(self):
        old = sdist("p", "1.0", b"a", self.B, upload="2024-01-01T00:00:00Z")
        mid = sdist("p", "1.5", b"b", self.B, upload="2024-06-01T00:00:00Z", ext=".zip")
        pre = sdist("p", "3.0rc1", b"c", self.B, upload="2025-06-01T00:00:00Z")
        yanked = sdist("p", "1.9", b"d", self.B, upload="2025-01-01T00:00:00Z", yanked=True)
        wheel = sdist("p", "2.0", b"e", self.B, kind="wheel", upload="2025-02-01T00:00:00Z")
        data = {"info": {"version": "2.0"}, "urls": [wheel], "releases": {"1.0": [old], "1.5": [mid], "3.0rc1": [pre], "1.9": [yanked], "2.0": [wheel]}}
        v, f = mm.pick_sdist(data)
        # 2.0 wheel-only, 1.9 yanked, 3.0rc1 prerelease: newest final sdist is 1.5 (.zip)
        self.assertEqual((v, f["filename"]), ("1.5", "p-1.5.zip"))

    def test_other_archive_kinds_are_not_sdists(self):
        f = sdist("p", "1.0", b"a", self.B)
        f["filename"] = "p-1.0.tar.bz2"
        self.assertIsNone(mm.pick_sdist({"info": {"version": "1.0"}, "urls": [f], "releases": {"1.0": [f]}}))

    def test_prerelease_detection(self):
        for v in ("1.0rc1", "2.0.0b3", "0.1.dev4", "1.0a1"):
            self.assertTrue(mm.is_prerelease(v), v)
        for v in ("1.0", "2.3.4", "1.0.post1", "2024.1"):
            self.assertFalse(mm.is_prerelease(v), v)


class CanonicalUrlTest(unittest.TestCase):
    H = "01/d1/" + "ab" * 30 + "/p-1.0.tar.gz"

    def test_relative_and_absolute_forms(self):
        j = "https://pypi.org/pypi/p/json"
        want = "https://files.pythonhosted.org/packages/" + self.H
        self.assertEqual(mm.canonical_url("../../packages/packages/" + self.H, j), want)
        self.assertEqual(mm.canonical_url(want, j), want)
        # not content-addressed: just resolved
        self.assertEqual(mm.canonical_url("/other/p.tar.gz", j), "https://pypi.org/other/p.tar.gz")
        # loopback test servers keep their own address
        self.assertEqual(mm.canonical_url("/files/p.tar.gz", "http://127.0.0.1:9/pypi/p/json"), "http://127.0.0.1:9/files/p.tar.gz")


class SelectionTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        d = Path(self.tmp.name)
        rows = ["name\tversion\tmonth\trank_among_15000_most_downloaded\tsummary"]
        for i in range(1, 41):
            rows.append(f"top{i}\t1.0\t2026-01\t{i * 50}\ts")  # ranks 50..2000: 20 in A, 20 in B
        for i in range(30):
            rows.append(f"new_pkg.{i}\t0.1\t2025-0{1 + i % 9}\t\ts")  # C
        rows.append("old-small\t0.1\t2024-12\t\ts")  # too old for C
        rows.append("Evil_Pkg\t0.1\t2025-05\t\ts")  # malicious corpus
        rows.append("osv.bad\t0.1\t2025-05\t\ts")  # OSV
        rows.append("top-seen\t0.1\t2025-05\t7\ts")  # already in benign corpus
        (d / "pypi.tsv").write_text("\n".join(rows) + "\n")
        (d / "mal.csv").write_text("path,name,version\npypi/x,evil-pkg,1.0\n")
        with zipfile.ZipFile(d / "osv.zip", "w") as z:
            z.writestr("osv/malicious/pypi/osv-bad/MAL-2025-1.json", "{}")
            z.writestr("osv/malicious/npm/top1/MAL-2025-2.json", "{}")  # other ecosystem: ignored
            z.writestr("osv/withdrawn/pypi/top2/MAL-2025-3.json", "{}")  # withdrawn: not excluded
        (d / "benign.jsonl").write_text(json.dumps({"name": "top_seen"}) + "\n")
        self.d = d

    def tearDown(self):
        self.tmp.cleanup()

    def select(self, seed=1):
        ex, _ = mm.load_exclusions(str(self.d / "mal.csv"), str(self.d / "osv.zip"), str(self.d / "benign.jsonl"))
        return ex, mm.select_candidates(str(self.d / "pypi.tsv"), ex, seed, "2025-01")

    def test_strata_and_exclusions(self):
        ex, c = self.select()
        self.assertEqual(ex, {"evil-pkg", "osv-bad", "top-seen"})
        self.assertEqual(len(c["A"]), 20)
        self.assertEqual(len(c["B"]), 20)
        self.assertTrue(all(1 <= r["rank"] <= 1000 for r in c["A"]))
        self.assertTrue(all(1000 < r["rank"] <= 15000 for r in c["B"]))
        names_c = {r["name"] for r in c["C"]}
        self.assertEqual(len(names_c), 30)
        self.assertNotIn("old-small", names_c)
        self.assertNotIn("Evil_Pkg", names_c)
        self.assertNotIn("osv.bad", names_c)

    def test_deterministic_and_seed_dependent(self):
        _, c1 = self.select(seed=1)
        _, c2 = self.select(seed=1)
        _, c3 = self.select(seed=2)
        self.assertEqual(c1, c2)
        self.assertNotEqual([r["name"] for r in c1["C"]], [r["name"] for r in c3["C"]])


class ResolveAndFetchTest(unittest.TestCase):
    def setUp(self):
        self.srv = FakePyPI()
        self.tmp = tempfile.TemporaryDirectory()
        self.d = Path(self.tmp.name)
        b = self.srv.base
        self.srv.add("good1", "1.0", {"1.0": [(sdist("good1", "1.0", b"one" * 10, b), b"one" * 10)]})
        self.srv.add("wheelonly", "1.0", {"1.0": [(sdist("wheelonly", "1.0", b"w", b, kind="wheel"), b"w")]})
        self.srv.add("big", "1.0", {"1.0": [(sdist("big", "1.0", b"B" * 5000, b), b"B" * 5000)]})
        self.srv.add("good2", "2.0", {"2.0": [(sdist("good2", "2.0", b"two" * 7, b), b"two" * 7)]})
        self.srv.add("good3", "0.3", {"0.3": [(sdist("good3", "0.3", b"three", b), b"three")]})
        self.fetcher = mm.Fetcher(b + "/pypi", self.d / "cache", timeout=5, retries=2, min_interval=0)

    def tearDown(self):
        self.srv.close()
        self.tmp.cleanup()

    def cands(self, *names):
        return [{"name": n, "rank": None} for n in names]

    def test_first_n_usable_in_order(self):
        chosen, reasons = mm.resolve_stratum("C", self.cands("missing", "good2", "wheelonly", "big", "good1", "good3"), 2, self.fetcher, 3, 1000, 60, lambda m: None)
        self.assertEqual([e["name"] for e in chosen], ["good2", "good1"])
        self.assertEqual(reasons.get("not_found"), 1)
        self.assertEqual(reasons.get("no_sdist"), 1)
        self.assertEqual(reasons.get("too_large"), 1)
        e = chosen[0]
        self.assertEqual(e["sha256"], hashlib.sha256(b"two" * 7).hexdigest())
        self.assertEqual((e["version"], e["filename"], e["size"], e["stratum"]), ("2.0", "good2-2.0.tar.gz", 21, "C"))

    def test_cache_avoids_second_request(self):
        self.srv.fail_once.add("/pypi/good1/json")  # first try 503, retried
        self.assertIsNotNone(self.fetcher.get("good1"))
        self.assertIsNone(self.fetcher.get("missing"))
        n = len(self.srv.hits)
        again = mm.Fetcher(self.srv.base + "/pypi", self.d / "cache", timeout=5, retries=0, min_interval=0)
        self.assertIsNotNone(again.get("good1"))
        self.assertIsNone(again.get("missing"))  # 404 cached too
        self.assertEqual(len(self.srv.hits), n)

    def write_manifest(self, entries):
        p = self.d / "manifest.jsonl"
        p.write_text("".join(json.dumps(e) + "\n" for e in entries))
        return p

    def run_fetch(self, manifest, out):
        buf = io.StringIO()
        with contextlib.redirect_stdout(buf), contextlib.redirect_stderr(io.StringIO()):
            rc = fetch.main(["--manifest", str(manifest), "--out", str(out), "--workers", "2", "--timeout", "5"])
        return rc, buf.getvalue()

    def test_fetch_verify_skip_and_mismatch(self):
        chosen, _ = mm.resolve_stratum("A", self.cands("good1", "good2", "good3"), 3, self.fetcher, 2, 10**6, 60, lambda m: None)
        chosen[2]["sha256"] = "0" * 64  # good3: wrong hash
        missing = dict(chosen[0], filename="gone-1.0.tar.gz", url=self.srv.base + "/files/gone-1.0.tar.gz")
        manifest = self.write_manifest(chosen + [missing])
        out = self.d / "out"
        self.srv.fail_once.add("/files/good2-2.0.tar.gz")  # transient error: retried
        rc, text = self.run_fetch(manifest, out)
        self.assertEqual(rc, 1)
        self.assertEqual((out / "good1-1.0.tar.gz").read_bytes(), b"one" * 10)
        self.assertEqual((out / "good2-2.0.tar.gz").read_bytes(), b"two" * 7)
        self.assertFalse((out / "good3-0.3.tar.gz").exists())
        self.assertEqual(sorted(p.name for p in out.iterdir()), ["good1-1.0.tar.gz", "good2-2.0.tar.gz"])  # no .part left
        self.assertIn("good3-0.3.tar.gz: mismatch: sha256", text)
        self.assertIn("gone-1.0.tar.gz: HTTP 404", text)
        self.assertRegex(text, r"total\s+2\s+0\s+2\s")

        # second run: the two good files are skipped, not re-downloaded
        hits = len(self.srv.hits)
        rc, text = self.run_fetch(self.write_manifest(chosen[:2]), out)
        self.assertEqual(rc, 0)
        self.assertRegex(text, r"total\s+0\s+2\s+0\s")
        self.assertEqual(len(self.srv.hits), hits)

        # a corrupted local copy is fetched again
        (out / "good1-1.0.tar.gz").write_bytes(b"tampered")
        rc, text = self.run_fetch(self.write_manifest(chosen[:1]), out)
        self.assertEqual(rc, 0)
        self.assertEqual((out / "good1-1.0.tar.gz").read_bytes(), b"one" * 10)

    def test_oversized_body_is_cut_and_rejected(self):
        chosen, _ = mm.resolve_stratum("A", self.cands("big"), 1, self.fetcher, 1, 10**6, 60, lambda m: None)
        chosen[0]["size"] = 100  # server sends 5000 bytes
        rc, text = self.run_fetch(self.write_manifest(chosen), self.d / "out")
        self.assertEqual(rc, 1)
        self.assertIn("mismatch: size", text)
        self.assertFalse(any((self.d / "out").iterdir()))

    def test_unsafe_manifest_lines_are_rejected(self):
        base = {"name": "x", "version": "1", "filename": "x-1.tar.gz", "url": "https://example.invalid/x-1.tar.gz", "size": 1, "sha256": "a" * 64, "stratum": "A"}
        for bad in ({"filename": "../x-1.tar.gz"}, {"filename": "sub/x.tar.gz"}, {"url": "http://example.invalid/x"}, {"url": "file:///etc/passwd"}, {"sha256": "zz"}):
            with self.subTest(bad=bad), self.assertRaises(SystemExit):
                fetch.load_manifest(self.write_manifest([dict(base, **bad)]))
        with self.assertRaises(SystemExit):
            fetch.load_manifest(self.write_manifest([base, base]))  # duplicate filename
        self.assertEqual(len(fetch.load_manifest(self.write_manifest([base]))), 1)


if __name__ == "__main__":
    unittest.main()
