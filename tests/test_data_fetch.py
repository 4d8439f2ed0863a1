"""Fetch: from a mirror, by download from a local HTTP server, checksum mismatch, partial files."""

from __future__ import annotations

import functools
import hashlib
import http.server
import threading
from pathlib import Path

import pytest

from send_analysis.data.fetch import fetch_all, fetch_one
from send_analysis.data.sources import Source, get_source, load_registry, sha256_file
from send_analysis.errors import ChecksumError


def _source(tmp: Path, content: bytes, url: str = "http://127.0.0.1:1/x.csv") -> Source:
    return Source(id="demo/x.csv", dataset="demo", publisher="test", page="p", url=url,
                  sha256=hashlib.sha256(content).hexdigest())


def test_registry_names_every_file_with_page_url_and_checksum():
    reg = load_registry()
    assert "ehcp/education-health-and-care-plans_2025.zip" in reg
    src = get_source("ehcp/education-health-and-care-plans_2022.zip")
    assert src.sha256 == "49dc932e15a616dc3dcf98f1abad85bbc1f4c11437aaa6d7533490bdc70e41bb"
    assert src.page.startswith("https://explore-education-statistics.service.gov.uk/")
    assert all(len(s.sha256) == 64 and s.url.startswith("https://") for s in reg.values())
    with pytest.raises(KeyError, match="unknown source"):
        get_source("nope/file.csv")


def test_fetch_from_mirror_verifies_and_stages(tmp_path):
    content = b"a,b\n1,2\n"
    mirror = tmp_path / "mirror"
    (mirror / "demo").mkdir(parents=True)
    (mirror / "demo" / "x.csv").write_bytes(content)
    dest = tmp_path / "raw"
    res = fetch_one(_source(tmp_path, content), dest, mirror, download=False)
    assert res.how == "mirror"
    assert (dest / "demo" / "x.csv").read_bytes() == content
    again = fetch_one(_source(tmp_path, content), dest, mirror, download=False)
    assert again.how == "present"


def test_checksum_mismatch_leaves_no_file(tmp_path):
    mirror = tmp_path / "mirror"
    (mirror / "demo").mkdir(parents=True)
    (mirror / "demo" / "x.csv").write_bytes(b"tampered")
    dest = tmp_path / "raw"
    with pytest.raises(ChecksumError, match="checksum mismatch for demo/x.csv"):
        fetch_one(_source(tmp_path, b"original"), dest, mirror, download=False)
    assert not (dest / "demo" / "x.csv").exists()
    assert list((dest / "demo").iterdir()) == []  # no .part file left behind


def test_stale_partial_file_is_replaced(tmp_path):
    content = b"complete contents\n"
    mirror = tmp_path / "mirror"
    (mirror / "demo").mkdir(parents=True)
    (mirror / "demo" / "x.csv").write_bytes(content)
    dest = tmp_path / "raw"
    (dest / "demo").mkdir(parents=True)
    (dest / "demo" / "x.csv").write_bytes(content[:5])  # an interrupted earlier copy
    res = fetch_one(_source(tmp_path, content), dest, mirror, download=False)
    assert res.how == "mirror"
    assert sha256_file(dest / "demo" / "x.csv") == hashlib.sha256(content).hexdigest()


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):  # noqa: D401 - keep test output clean
        pass


@pytest.fixture()
def http_mirror(tmp_path):
    """A local HTTP server (loopback only) serving a folder, like the official host would."""
    root = tmp_path / "served"
    root.mkdir()
    handler = functools.partial(_Quiet, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield root, f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_download_from_local_server(tmp_path, http_mirror):
    root, base = http_mirror
    content = b"downloaded,data\n3,4\n"
    (root / "x.csv").write_bytes(content)
    dest = tmp_path / "raw"
    res = fetch_one(_source(tmp_path, content, url=f"{base}/x.csv"), dest, mirror=None)
    assert res.how == "download"
    assert (dest / "demo" / "x.csv").read_bytes() == content


def test_truncated_download_is_rejected(tmp_path, http_mirror):
    root, base = http_mirror
    content = b"0123456789" * 100
    (root / "x.csv").write_bytes(content[:500])  # server sends a truncated body
    dest = tmp_path / "raw"
    with pytest.raises(ChecksumError):
        fetch_one(_source(tmp_path, content, url=f"{base}/x.csv"), dest, mirror=None)
    assert not (dest / "demo" / "x.csv").exists()


@pytest.mark.realdata
def test_real_release_downloads_through_local_server(tmp_path, http_mirror):
    """The real 2025 zip, served over HTTP, is fetched and verified against the registry."""
    from send_analysis.paths import raw_path

    root, base = http_mirror
    src = get_source("ehcp/education-health-and-care-plans_2025.zip")
    (root / "r.zip").write_bytes(raw_path(src.id).read_bytes())
    served = Source(**{**src.__dict__, "url": f"{base}/r.zip"})
    res = fetch_one(served, tmp_path / "raw", mirror=None)
    assert res.how == "download" and sha256_file(res.path) == src.sha256


def test_fetch_all_only_prefix_from_mirror(tmp_path):
    mirror = tmp_path / "m"
    src = get_source("la_codes/regions.csv")
    (mirror / "la_codes").mkdir(parents=True)
    # a mirror holding the wrong bytes for the file must fail, never stage it
    (mirror / "la_codes" / "regions.csv").write_bytes(b"not the real file")
    with pytest.raises(ChecksumError):
        fetch_all(dest_dir=tmp_path / "raw", mirror=mirror, download=False, only=["la_codes/regions"])
    assert not (tmp_path / "raw" / src.id).exists()


def test_atomic_path_keeps_the_old_file_when_the_write_fails(tmp_path):
    from send_analysis.atomic import atomic_path, write_text

    dest = write_text("good", tmp_path / "out" / "page.html")
    with pytest.raises(RuntimeError), atomic_path(dest) as tmp:
        tmp.write_text("half-written")
        raise RuntimeError("render failed")
    assert dest.read_text() == "good"
    assert [p.name for p in dest.parent.iterdir()] == ["page.html"]
