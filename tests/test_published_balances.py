"""The DSG balances at 31 March 2024 (a registered extract kept beside the mirror)."""

from __future__ import annotations

import hashlib

import pytest

from send_analysis.data.fetch import fetch_one
from send_analysis.data.sources import Source, get_source
from send_analysis.finance import published_balances as pb


def test_the_extract_is_registered_with_its_source_of_record_and_mirror_path():
    src = get_source(pb.BALANCES_2324_FILE)
    assert len(src.sha256) == 64
    assert "S251" in src.publisher and "source of record" in src.publisher
    assert src.extract_of and "Kali89/la-send-analysis" in src.extract_of
    assert src.mirror_path == "../../reference/dsg-balances-2023-24.csv"


def test_fetch_reads_a_source_from_its_mirror_path(tmp_path):
    content = b"x\n1\n"
    ref = tmp_path / "reference"
    ref.mkdir()
    (ref / "b.csv").write_bytes(content)
    mirror = tmp_path / "data" / "raw"
    mirror.mkdir(parents=True)
    src = Source(id="demo/b.csv", dataset="demo", publisher="p", page="p", url="http://127.0.0.1:1/",
                 sha256=hashlib.sha256(content).hexdigest(), mirror_path="../../reference/b.csv")
    res = fetch_one(src, tmp_path / "out", mirror, download=False)
    assert res.how == "mirror" and res.path.read_bytes() == content


@pytest.mark.realdata
def test_balances_at_31_march_2024_are_read_with_the_sign_flipped():
    d = pb.read_dsg_balances_2023_24().set_index("la_code")["balance_gbp"]
    assert len(d) == 148
    # the .md's examples: BCP 63,512,426 and Solihull 20,739,781 deficits; Birmingham a surplus
    assert d["839"] == -63_512_426 and d["334"] == -20_739_781 and d["330"] == 50_402_634
    assert "942" not in d.index and "825" not in d.index


@pytest.mark.realdata
def test_latest_published_balance_prefers_2024_else_2022():
    assert pb.latest_published_balance("334")["financial_year"] == "2023-24"
    assert pb.latest_published_balance("334")["approximate"] is False
    bucks = pb.latest_published_balance("825")
    assert bucks["financial_year"] == "2021-22" and bucks["approximate"] is True
