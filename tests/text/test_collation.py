"""Titles sort in Unicode collation order, not by code point."""

from __future__ import annotations

import numpy as np
import pytest

from search.query.facets import DocTable
from search.text.collation import sort_key


@pytest.mark.parametrize(
    "before, after",
    [
        ("Verordnung über den Emissionshandel", "Verordnung zur Änderung"),  # ü sorts with u, before z
        ("Émissions de CO2", "Energy"),  # é sorts with e: "emi" < "ene"
        ("emissions", "Emissions"),  # case only breaks ties, lower first
        ("Emissions", "Émissions"),  # the accent only breaks ties
        ("Oase", "Ökologie"),
        ("Ökologie", "Paris Agreement"),  # not after every ASCII letter
        ("2030 targets", "Allowances"),  # digits before letters
        ("Zeta", "碳排放权交易管理暂行条例"),  # Latin before Han (Unicode's script order)
        ("“Fit for 55”", "Green Deal"),  # a leading quotation mark does not count
    ],
)
def test_collation_order(before, after):
    assert sort_key(before) < sort_key(after)
    assert sorted([after, before], key=sort_key) == [before, after]


def test_code_points_would_get_it_wrong():
    # The defect this fixes: plain string order puts "zur" first.
    assert "Verordnung zur" < "Verordnung über"
    assert sort_key("Verordnung über") < sort_key("Verordnung zur")


def test_title_order_of_a_doc_table():
    titles = ["Verordnung zur Änderung", "", "Verordnung über den Handel", "Émissions", "Allowances", "Zertifikate"]
    table = DocTable([{"id": str(i), "title": t} for i, t in enumerate(titles)])
    order = [titles[i] for i in table.order_title.tolist()]
    assert order == ["Allowances", "Émissions", "Verordnung über den Handel", "Verordnung zur Änderung", "Zertifikate", ""]
    assert table.order_title.dtype == np.int32
