"""Document families on real documents, through the real ingest: the gold
families of the shared corpus, incremental ingests adding and removing a
version, and the staff catalog's three family fields."""

from __future__ import annotations

import re

import os
import shutil
from itertools import combinations
from pathlib import Path

import pytest
import yaml

from search.index import IndexRoot
from search.ingest import IngestOptions, ingest
from search.ingest.catalog import load_catalog
from search.query.searcher import Searcher

ROOT = Path(__file__).resolve().parents[2]
GOLD = ROOT / "tests" / "gold" / "records"

CLIMATE_LAW = (
    "climate-policy/eu-text/CELEX_32021R1119_EN_TXT.txt",
    "climate-policy/eu-text/L_2021243EN_European_Climate_Law_OJ.txt",
    "climate-policy/eu-md/EUR-Lex_Regulation_2021_1119_European_Climate_Law.md",
)
AMENDING = "climate-policy/eu-md/EUR-Lex_Regulation_2026_667.md"  # amends the Climate Law: its own work
PROPOSAL = "climate-policy/eu-text/CELEX_52020PC0563_EN_TXT.txt"  # amended proposal: its own work
PRESS = "climate-policy/eu-md/EC_press_release_2040_climate_target_2025-12-10.md"


def _gold_families() -> dict[str, str]:
    out = {}
    for f in GOLD.glob("*.yaml"):
        for rec in yaml.safe_load(f.read_text("utf-8"))["documents"]:
            out[rec["path"]] = rec.get("family") or rec["path"]
    return out


def _pairs(families: dict[str, str]) -> set[frozenset[str]]:
    groups: dict[str, list[str]] = {}
    for path, fam in families.items():
        groups.setdefault(fam, []).append(path)
    return {frozenset(p) for g in groups.values() for p in combinations(sorted(g), 2)}


def test_the_gold_families_of_the_shared_corpus(shared_index, shared_corpus):
    """Every pair of documents the gold records put in one family is one
    family in the index, and no other pair is (real-ets and climate-policy)."""
    root, report = shared_index
    base = str(shared_corpus.resolve()) + "/"
    with Searcher(root) as s:
        got = {info["path"][len(base):]: info["family"] for info in s.documents() if info["path"].startswith(base)}
    gold = {p: f for p, f in _gold_families().items() if p in got}
    assert len(gold) == len(got) > 80
    assert _pairs(got) == _pairs(gold)
    assert len(_pairs(gold)) >= 6  # 2003/87 twice, 2023/959 twice, WCI twice, the Climate Law three times
    assert report["families"]["with_versions"] == 4 and report["families"]["documents_in_them"] == 9


def test_family_fields_stored_on_every_record(shared_index, shared_corpus):
    root, _ = shared_index
    with Searcher(root) as s:
        infos = {Path(i["path"]).name: i for i in s.documents()}
    alone = infos["CELEX_32023R0957_EN_TXT.txt"]
    assert alone["family"] == alone["id"] == alone["family_newest"] and alone["family_by"] == ""
    old, new = infos["CELEX_02003L0087-20180408_EN_TXT.pdf"], infos["CELEX_02003L0087-20230605_EN_TXT.md"]
    assert old["family"] == new["family"] and old["family_newest"] == new["family_newest"] == new["id"]
    assert "CELEX 32003L0087" in old["family_by"]
    pdf, txt = infos["CELEX_32023L0959_EN_TXT.pdf"], infos["CELEX_32023L0959_EN_TXT.txt"]
    assert pdf["family"] == txt["family"] and pdf["family_newest"] == pdf["id"]  # same date: the PDF
    # The text's signature is stored for the next ingest's family pass; a
    # searcher keeps it out of memory (its rows hold what searching needs)
    # and reads it from the document's record.
    assert len(alone["minhash"]) == 684
    with Searcher(root) as s:
        snap = s.state().snap
        assert "minhash" not in snap.infos[snap.row_of_id[alone["id"]]]
        assert len(s.document(alone["id"])["minhash"]) == 684


def _copy(shared: Path, rels, dest: Path) -> list[Path]:
    dest.mkdir(parents=True, exist_ok=True)
    out = []
    for rel in rels:
        target = dest / Path(rel).name
        shutil.copy2(shared / rel, target)
        out.append(target)
    return out


def _families(root: IndexRoot) -> dict[str, dict]:
    with Searcher(root) as s:
        return {Path(i["path"]).name: {k: i.get(k) for k in ("id", "family", "family_newest", "family_by")} for i in s.documents()}


def _name(rel: str) -> str:
    return Path(rel).name


def test_incremental_ingests_keep_families_right(shared_corpus, tmp_path):
    corpus = tmp_path / "corpus"
    _copy(shared_corpus, [CLIMATE_LAW[0], AMENDING, PRESS], corpus)
    root = IndexRoot(tmp_path / "ix")
    ingest([str(corpus)], root, IngestOptions(jobs=2))
    fam = _families(root)
    assert len({f["family"] for f in fam.values()}) == 3

    # A second copy of the act joins its family; the amending act stays apart.
    _copy(shared_corpus, [CLIMATE_LAW[1]], corpus)
    report = ingest([str(corpus)], root, IngestOptions(jobs=2))
    assert report["counts"]["new"] == 1 and report["families"]["with_versions"] == 1
    fam = _families(root)
    first, second = fam[_name(CLIMATE_LAW[0])], fam[_name(CLIMATE_LAW[1])]
    assert first["family"] == second["family"] == first["id"]  # named after its first indexed member
    assert fam[_name(AMENDING)]["family"] == fam[_name(AMENDING)]["id"]
    assert fam[_name(PRESS)]["family"] == fam[_name(PRESS)]["id"]

    # A third: one family of three. Only the new header is written again:
    # the family's name and newest member stay (same date, first indexed).
    _copy(shared_corpus, [CLIMATE_LAW[2]], corpus)
    report = ingest([str(corpus)], root, IngestOptions(jobs=2))
    assert report["families"]["documents_in_them"] == 3 and report["families"]["headers_updated"] == 1
    fam = _families(root)
    assert len({fam[_name(r)]["family"] for r in CLIMATE_LAW}) == 1

    # Nothing changed: no family pass, nothing rewritten.
    report = ingest([str(corpus)], root, IngestOptions(jobs=2))
    assert report["counts"]["unchanged"] == 5 and "families" not in report

    # The first member removed: the other two stay one family, under a new name.
    (corpus / _name(CLIMATE_LAW[0])).unlink()
    report = ingest([str(corpus)], root, IngestOptions(jobs=2))
    assert report["counts"]["removed"] == 1
    fam = _families(root)
    rest = [fam[_name(r)] for r in CLIMATE_LAW[1:]]
    assert rest[0]["family"] == rest[1]["family"] == rest[0]["id"]

    # One more removed: the last copy is alone again, its own family.
    (corpus / _name(CLIMATE_LAW[1])).unlink()
    ingest([str(corpus)], root, IngestOptions(jobs=2))
    last = _families(root)[_name(CLIMATE_LAW[2])]
    assert last["family"] == last["id"] == last["family_newest"] and last["family_by"] == ""

    # A touched file (a metadata-only update) keeps its family.
    (corpus / _name(CLIMATE_LAW[1])).write_bytes((shared_corpus / CLIMATE_LAW[1]).read_bytes())
    ingest([str(corpus)], root, IngestOptions(jobs=2))
    os.utime(corpus / _name(CLIMATE_LAW[2]), None)
    report = ingest([str(corpus)], root, IngestOptions(jobs=2))
    assert report["counts"]["metadata"] == 1
    fam = _families(root)
    assert fam[_name(CLIMATE_LAW[1])]["family"] == fam[_name(CLIMATE_LAW[2])]["family"]


def test_catalog_overrides_each_family_field(shared_corpus, tmp_path):
    corpus = tmp_path / "corpus"
    _copy(shared_corpus, [*CLIMATE_LAW[:2], PROPOSAL, PRESS, AMENDING], corpus)
    root = IndexRoot(tmp_path / "ix")
    ingest([str(corpus)], root, IngestOptions(jobs=2))
    fam = _families(root)
    law = fam[_name(CLIMATE_LAW[0])]["id"]
    assert fam[_name(CLIMATE_LAW[1])]["family"] == fam[_name(CLIMATE_LAW[0])]["family"]
    assert fam[_name(PROPOSAL)]["family"] == fam[_name(PROPOSAL)]["id"]

    def catalog(entries: str) -> dict:
        (corpus / "catalog.yaml").write_text("documents:\n" + entries, encoding="utf-8")
        return ingest([str(corpus)], root, IngestOptions(jobs=2))

    report = catalog(
        # The two copies kept apart, the proposal made a version of the act,
        # the press release and the amending act one named family.
        f"  - path: {_name(CLIMATE_LAW[1])}\n    not_same_as: [{law}]\n"
        f"  - path: {_name(PROPOSAL)}\n    version_of: {law}\n"
        f"  - path: {_name(PRESS)}\n    family: climate-law-2040\n"
        f"  - path: {_name(AMENDING)}\n    family: climate-law-2040\n"
    )
    assert report["counts"]["metadata"] == 4 and report["counts"]["updated"] == 0  # no re-extraction
    fam = _families(root)
    assert fam[_name(CLIMATE_LAW[1])]["family"] != fam[_name(CLIMATE_LAW[0])]["family"]
    assert fam[_name(PROPOSAL)]["family"] == fam[_name(CLIMATE_LAW[0])]["family"]
    assert "library catalogue" in fam[_name(PROPOSAL)]["family_by"]
    assert fam[_name(PRESS)]["family"] == fam[_name(AMENDING)]["family"] == "climate-law-2040"
    with Searcher(root) as s:
        press = s.document(fam[_name(PRESS)]["id"])
        assert press["sources"]["family"] == "catalog"

    # An override naming no document is reported, not fatal.
    report = catalog(f"  - path: {_name(PROPOSAL)}\n    version_of: no-such-document\n")
    assert any("no-such-document" in n for n in report["notes"])

    # Overrides removed: the derived families come back, without re-extraction.
    (corpus / "catalog.yaml").unlink()
    report = ingest([str(corpus)], root, IngestOptions(jobs=2))
    assert report["counts"]["updated"] == 0
    fam = _families(root)
    assert fam[_name(CLIMATE_LAW[1])]["family"] == fam[_name(CLIMATE_LAW[0])]["family"]
    assert fam[_name(PROPOSAL)]["family"] == fam[_name(PROPOSAL)]["id"]
    assert fam[_name(PRESS)]["family"] == fam[_name(PRESS)]["id"]
    with Searcher(root) as s:
        assert "family" not in s.document(fam[_name(PRESS)]["id"])["sources"]


@pytest.mark.parametrize(
    "entry, message",
    [
        ("family: 'two words'", "family"),
        ("version_of: 'a/b'", "version_of"),
        ("not_same_as: [ok, 'bad id!']", "not_same_as"),
        ("id: me\n    version_of: me", "itself"),
        ("version_of: x\n    not_same_as: [x]", "both"),
    ],
)
def test_catalog_checks_the_family_fields(tmp_path, entry, message):
    (tmp_path / "catalog.yaml").write_text(f"documents:\n  - path: a.txt\n    {entry}\n", encoding="utf-8")
    # A bad value leaves its row out, reported with file and line; the rest goes on.
    cat = load_catalog([tmp_path])
    assert not cat.by_path
    (problem,) = cat.problems
    assert problem["line"] == 2 and not problem["kept"] and re.search(message, problem["problem"]), problem


def test_catalog_family_fields_in_csv(tmp_path):
    (tmp_path / "catalog.csv").write_text("path,family,version_of,not_same_as\na.txt,fam-1,doc-a,doc-b; doc-c\n", encoding="utf-8")
    entry = load_catalog([tmp_path]).lookup(str(tmp_path / "a.txt"), None)
    assert entry == {"family": "fam-1", "version_of": "doc-a", "not_same_as": ["doc-b", "doc-c"]}


def test_an_ingest_killed_before_the_family_pass_leaves_it_to_the_next(shared_corpus, tmp_path, monkeypatch):
    from search.ingest import run

    corpus = tmp_path / "corpus"
    _copy(shared_corpus, CLIMATE_LAW[:2], corpus)
    root = IndexRoot(tmp_path / "ix")

    def killed(*args, **kw):
        raise KeyboardInterrupt

    monkeypatch.setattr(run, "update_families", killed)
    with pytest.raises(KeyboardInterrupt):
        ingest([str(corpus)], root, IngestOptions(jobs=2))
    monkeypatch.undo()
    fam = _families(root)
    assert len({f["family"] for f in fam.values()}) == 2  # the documents are in, their family not yet
    report = ingest([str(corpus)], root, IngestOptions(jobs=2))
    assert report["counts"]["unchanged"] == 2 and report["families"]["with_versions"] == 1
    assert len({f["family"] for f in _families(root).values()}) == 1
    assert not (root.root / run.FAMILIES_PENDING).exists()
