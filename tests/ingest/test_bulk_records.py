"""Bulk records: a JSON-lines or CSV file whose rows carry their text."""

from __future__ import annotations

import json

import pytest

from search.index import IndexRoot
from search.ingest import IngestOptions, ingest
from search.ingest.records import RecordsError, import_records, resolve_mapping
from search.model import SearchRequest
from search.query.searcher import Searcher

ROWS = [
    {"doc_id": "n1", "url": "https://example.org/n1", "title": "关于全国碳排放权交易市场配额分配的通知", "content": "为做好全国碳排放权交易市场配额分配工作，现将有关事项通知如下。发电行业重点排放单位应当按时清缴配额。", "publish_date": "2021-03-30T00:00:00", "issuer": "生态环境部"},
    {"doc_id": "n2", "url": "https://example.org/n2", "title": "湖北碳排放权交易中心动态", "content": "湖北碳排放权交易中心今日成交量创新高，碳价稳中有升。", "publish_date": "2019-07-01", "issuer": "湖北碳排放权交易中心"},
    {"doc_id": "n3", "title": "no text here", "content": "", "publish_date": "2020-01-01"},
    {"doc_id": "n4", "title": "bad date", "content": "碳市场", "publish_date": "someday"},
]


def _write(path, rows):
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows) + "{broken\n", "utf-8")


def test_import_search_reimport(tmp_path):
    src = tmp_path / "notices.jsonl"
    _write(src, ROWS)
    root = IndexRoot(tmp_path / "index")
    folder = tmp_path / "records"
    res = import_records(root, src, folder, mapping={"publisher": "issuer"}, constants={"jurisdictions": "CN"}, who="test")
    assert res.written == 2 and res.rows == 5
    assert sorted(res.rejected) == [(3, "no text"), (4, "date 'someday' is not a date"), (5, "not JSON: Expecting property name enclosed in double quotes")]
    ingest([str(folder)], root, IngestOptions(jobs=1))
    with Searcher(root) as s:
        resp = s.search(SearchRequest(q="配额分配"))
        assert resp.total == 1
        meta = resp.hits[0].meta
        assert meta["title"] == ROWS[0]["title"] and meta["year"] == 2021 and meta["jurisdictions"] == ["CN"]
        facets = {f.value: f.count for f in s.search(SearchRequest()).facets["publisher"]}
        assert facets == {"生态环境部": 1, "湖北碳排放权交易中心": 1}
    # the same file again: nothing new; a changed row: updated, not added
    again = import_records(root, src, folder, mapping={"publisher": "issuer"}, constants={"jurisdictions": "CN"}, who="test")
    assert again.written == 0 and again.unchanged == 2 and (again.metadata_added, again.metadata_changed) == (0, 0)
    rows = [dict(ROWS[0], title="关于全国碳排放权交易市场配额分配的通知（修订）"), ROWS[1]]
    _write(src, rows)
    changed = import_records(root, src, folder, mapping={"publisher": "issuer"}, constants={"jurisdictions": "CN"}, who="test")
    assert changed.metadata_changed == 1
    report = ingest([str(folder)], root, IngestOptions(jobs=1))
    assert report["counts"]["new"] == 0
    with Searcher(root) as s:
        assert s.search(SearchRequest()).total == 2
        assert s.search(SearchRequest(q="修订")).total == 1


def test_mapping_errors():
    with pytest.raises(RecordsError, match="no column with the text"):
        resolve_mapping(["title", "url"], {})
    with pytest.raises(RecordsError, match="unknown field"):
        resolve_mapping(["title", "content"], {"colour": "title"})
    with pytest.raises(RecordsError, match="no column 'body'"):
        resolve_mapping(["title", "content"], {"text": "body"})
    assert resolve_mapping(["id", "content", "headline"], {"title": "headline"}) == {"title": "headline", "key": "id", "text": "content"}


def test_csv_records(tmp_path):
    src = tmp_path / "r.csv"
    src.write_text("id,title,body,date,type\nr1,Allowance auction calendar,The auction calendar for allowances in 2025.,2025-01-10,news\nr2,Bad,Text,2025,recipe\n", "utf-8")
    root = IndexRoot(tmp_path / "index")
    res = import_records(root, src, tmp_path / "rec", who="test")
    assert res.written == 1 and res.rejected == [(3, "unknown type 'recipe' (one of legislation, report, working paper, guide, news, presentation, dataset, other)")]


@pytest.mark.slow
@pytest.mark.shared
def test_the_chinese_carbon_market_notices(shared_corpus, tmp_path):
    """All 3,312 notices: searchable in Chinese, with years and issuers as facets."""
    from webui.cli import main
    from click.testing import CliRunner

    root = tmp_path / "index"
    folder = tmp_path / "records"
    runner = CliRunner()
    total = distinct = 0
    for src in sorted((shared_corpus / "datasets" / "cn-carbon-market").glob("*.jsonl")):
        r = runner.invoke(main, ["import", "records", str(src), "--index", str(root), "--into", str(folder / src.stem),
                                 "--map", "publisher=source_name_en", "--set", "jurisdictions=CN", "--json"])
        assert r.exit_code == 0, r.output
        out = json.loads(r.output)
        assert out["rejected"] == [], out["rejected"][:5]
        total += out["rows"]
        distinct += out["rows"] - len(out["repeated"])
    # The Guangzhou files hold every notice twice (scraped twice): one record each.
    assert total == 3312 and distinct == 3312 - 438 - 165 - 342
    with Searcher(IndexRoot(root)) as s:
        everything = s.search(SearchRequest(limit=1))
        # Notices with the very same bytes are one document (reported as
        # duplicates); the same text published twice the same day is one
        # work, but the notices of a template (one per year, per industry,
        # per project) are works of their own.
        assert everything.documents >= distinct - 50
        assert everything.documents - 150 <= everything.total <= everything.documents
        issuers = {f.value for f in everything.facets["publisher"]}
        assert {"Ministry of Ecology and Environment"} <= issuers and len(issuers) >= 3
        years = {f.value for f in everything.facets["year"]}
        assert {"2015", "2020", "2024"} <= years
        hit = s.search(SearchRequest(q="碳排放配额 清缴", limit=3))
        assert hit.total > 10 and hit.hits[0].meta["language"] == "zh"
        assert s.search(SearchRequest(q="广州碳排放权交易所", filters={"year": ["2020"]})).total > 0
    # the same files again: nothing new
    r = runner.invoke(main, ["import", "records", str(shared_corpus / "datasets" / "cn-carbon-market" / "MEE_Decrees.jsonl"), "--index", str(root),
                             "--into", str(folder / "MEE_Decrees"), "--map", "publisher=source_name_en", "--set", "jurisdictions=CN", "--json"])
    out = json.loads(r.output)
    assert out["written"] == 0 and out["ingest"]["counts"]["new"] == 0
