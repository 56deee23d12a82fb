"""The family rules, on stored metadata as ingest's family pass reads it.

The real documents are in ``test_families_ingest.py``; here each rule is
held on records shaped like real ones (their identifiers as etslib finds
them), so every rule and every guard has its own test.
"""

from __future__ import annotations

import random

import pytest

from search.ingest import families
from search.text import minhash

WORDS = (
    "allowance auction benchmark cap carbon compliance emission free allocation installation leakage "
    "market operator price registry reserve stability surrender trading verification aviation maritime "
    "member state directive regulation report union period phase offset credit linking review"
).split()


def text(seed: int, n: int = 800) -> str:
    rnd = random.Random(seed)
    return " ".join(rnd.choice(WORDS) for _ in range(n))


def revise(base: str, keep: float, seed: int) -> str:
    """``base`` with about ``1 - keep`` of it rewritten, in runs of 40 words."""
    rnd = random.Random(seed)
    words = base.split()
    for start in range(0, len(words), 40):
        if rnd.random() > keep:
            words[start : start + 40] = text(rnd.randrange(10**6), 40).split()
    return " ".join(words)


def doc(i: int, title: str, body: str | None = None, **kw) -> dict:
    sig = minhash.signature(body) if body else None
    info = {
        "id": kw.pop("id", f"doc-{i}"),
        "dn": i,
        "title": title,
        "type": kw.pop("type", "report"),
        "kind": kw.pop("kind", "pdf"),
        "language": kw.pop("language", "en"),
        "identifiers": kw.pop("identifiers", {}),
        "minhash": minhash.encode(sig) if sig is not None else "",
        "sources": {},
    }
    for k in ("family", "version_of", "not_same_as"):
        if k in kw:
            info[k] = kw.pop(k)
            info["sources"][k] = "catalog"
    info.update(kw)
    return info


def family_of(infos: list[dict]) -> dict[str, str]:
    res = families.assign(infos)
    return {i: a.family for i, a in res.families.items()}


def together(fam: dict[str, str], *ids: str) -> bool:
    return len({fam[i] for i in ids}) == 1


DIRECTIVE = "Directive 2003/87/EC of the European Parliament and of the Council of 13 October 2003 establishing a system"
AMENDING = "Directive (EU) 2023/959 of the European Parliament and of the Council of 10 May 2023 amending Directive 2003/87/EC"


# -- work keys --------------------------------------------------------------------


@pytest.mark.parametrize(
    "ids, title, doc_type, keys",
    [
        ({"celex": "02003L0087-20230605", "act": "2003/87/EC"}, DIRECTIVE, "legislation", ("celex:32003L0087",)),
        ({"celex": "32023L0959"}, AMENDING, "legislation", ("celex:32023L0959",)),
        ({"act": "(EU) 2021/1119"}, "Regulation (EU) 2021/1119 of the European Parliament", "legislation", ("celex:32021R1119",)),
        ({"act": "(EU) No 525/2013"}, "Regulation (EU) No 525/2013 of the European Parliament", "legislation", ("celex:32013R0525",)),
        ({"act": "2011/753/EU"}, "Commission Decision of 18 November 2011", "legislation", ("celex:32011D0753",)),
        ({"eli": "http://data.europa.eu/eli/reg_impl/2018/2066/oj"}, "Implementing rules", "legislation", ("celex:32018R2066",)),
        ({"celex": "52020PC0563", "com": "COM(2020) 563"}, "Amended proposal", "legislation", ("com:COM(2020) 563",)),
        ({"com": "SWD(2023) 932"}, "Assessment of progress", "report", ("com:SWD(2023) 932",)),
        ({"com": "C(2011) 8165"}, "A report citing a decision", "report", ()),  # a C(...) number is cited, not one's own
        ({"act": "国务院令第775号"}, "碳排放权交易管理暂行条例", "legislation", ("act:国务院令第775号",)),
        ({"juris": "BJNR0460B0025"}, "Treibhausgas-Emissionshandelsgesetz", "legislation", ("juris:BJNR0460B0025",)),
        # An act's number in the title of a guide or a press release is the act it is about.
        ({"act": "(EU) 2018/2066", "eli": "http://data.europa.eu/eli/dir/2023/958/oj"}, "Regulation (EU) 2018/2066 explained", "guide", ()),
        ({"celex": "32023L0959"}, "Commission welcomes the new ETS", "news", ()),
    ],
)
def test_work_keys(ids, title, doc_type, keys):
    assert families.work_keys(ids, title=title, doc_type=doc_type) == keys


# -- identifiers ------------------------------------------------------------------


def test_consolidated_versions_and_formats_of_an_act_are_one_family():
    body = text(1, 3000)
    infos = [
        doc(0, DIRECTIVE, body, type="legislation", identifiers={"celex": "02003L0087-20180408", "act": "2003/87/EC"}, date="2018-04-08"),
        doc(1, DIRECTIVE, revise(body, 0.3, 1), type="legislation", kind="text", identifiers={"celex": "02003L0087-20230605"}, date="2023-06-05"),
        # The amending act repeats much of the act it amends: still its own work.
        doc(2, AMENDING, revise(body, 0.6, 2), type="legislation", identifiers={"celex": "32023L0959"}, date="2023-05-10"),
        doc(3, AMENDING, None, type="legislation", kind="text", identifiers={"celex": "32023L0959"}, date="2023-05-10"),
    ]
    res = families.assign(infos)
    fam = {i: a.family for i, a in res.families.items()}
    assert together(fam, "doc-0", "doc-1") and together(fam, "doc-2", "doc-3")
    assert fam["doc-0"] != fam["doc-2"]
    # The family is named after its first indexed member; its newest member is the 2023 consolidation.
    assert fam["doc-1"] == "doc-0" and res.families["doc-0"].newest == "doc-1"
    # At the same date the PDF comes first.
    assert res.families["doc-3"].newest == "doc-2"
    assert "CELEX 32003L0087" in res.families["doc-0"].by and res.families["doc-0"].size == 2


def test_a_translation_joins_by_its_identifier():
    infos = [
        doc(0, AMENDING, text(1), type="legislation", identifiers={"celex": "32023L0959"}),
        doc(1, "Richtlinie (EU) 2023/959 des Europäischen Parlaments und des Rates", text(2), type="legislation",
            language="de", identifiers={"celex": "32023L0959"}),
    ]
    assert together(family_of(infos), "doc-0", "doc-1")


def test_a_press_release_about_an_act_is_not_the_act():
    body = text(1)
    infos = [
        doc(0, AMENDING, body, type="legislation", identifiers={"celex": "32023L0959"}),
        # It even reprints the act's text and carries its number.
        doc(1, "Directive (EU) 2023/959: the Commission welcomes the agreement", body, type="news",
            identifiers={"celex": "32023L0959", "act": "(EU) 2023/959"}),
    ]
    fam = family_of(infos)
    assert fam["doc-0"] != fam["doc-1"]


def test_a_proposal_is_not_the_adopted_act_however_alike():
    body = text(1)
    infos = [
        doc(0, "Regulation (EU) 2021/1119 establishing the framework for achieving climate neutrality", body,
            type="legislation", identifiers={"act": "(EU) 2021/1119"}),
        doc(1, "Amended proposal for a Regulation establishing the framework for achieving climate neutrality",
            revise(body, 0.9, 1), type="legislation", identifiers={"com": "COM(2020) 563"}),
    ]
    fam = family_of(infos)
    assert fam["doc-0"] != fam["doc-1"]


def test_weak_identifiers_need_a_like_text():
    body = text(1, 3000)
    infos = [
        # Two papers whose first pages cite the same DOI.
        doc(0, "Carbon pricing and co-abatement in Alberta", body, identifiers={"doi": "10.1111/ecin.13162"}),
        doc(1, "Household emissions and transport behaviour", text(2), identifiers={"doi": "10.1111/ECIN.13162"}),
        # Two acts whose titles are alike (as EU acts' are) citing one PE-CONS number.
        doc(2, "Directive of the European Parliament and of the Council amending Directive (EU) 2018/2001", text(3),
            type="legislation", identifiers={"report": "PE-CONS 36/23"}),
        doc(3, "Directive of the European Parliament and of the Council amending Directive (EU) 2018/2002", text(4),
            type="legislation", identifiers={"report": "PE-CONS 36/23"}),
        # The same DOI and a third of the text in common: a revision.
        doc(4, "Co-abatement of toxic emissions", revise(body, 0.7, 4), identifiers={"doi": "10.1111/ecin.13162"}),
        # The same DOI and title, a text too short to compare: one work.
        doc(5, "Carbon pricing and co-abatement in Alberta", "Abstract only", identifiers={"doi": "10.1111/ecin.13162"}),
    ]
    fam = family_of(infos)
    assert fam["doc-0"] != fam["doc-1"] and fam["doc-2"] != fam["doc-3"]
    assert together(fam, "doc-0", "doc-4", "doc-5")


def test_a_cited_com_number_does_not_make_one_work():
    infos = [
        # Two reports whose first pages cite the Fit for 55 proposal first.
        doc(0, "Carbon leakage after the Fit for 55 package", text(1), identifiers={"com": "COM(2021) 551"}),
        doc(1, "Aviation in the revised EU ETS", text(2), identifiers={"com": "COM(2021) 551"}),
        # The proposal and its German translation, of the same day: one work.
        doc(2, "Proposal for a Directive amending Directive 2003/87/EC", text(3), type="legislation",
            identifiers={"celex": "52021PC0551"}, date="2021-07-14"),
        doc(3, "Vorschlag für eine Richtlinie zur Änderung der Richtlinie 2003/87/EG", text(4), type="legislation",
            language="de", identifiers={"com": "COM(2021) 551"}, date="2021-07-14"),
        # A German report citing it first, of another day.
        doc(4, "Der Emissionshandel nach Fit for 55", text(5), language="de", identifiers={"com": "COM(2021) 551"},
            date="2022-03-01"),
    ]
    fam = family_of(infos)
    assert fam["doc-0"] != fam["doc-1"] and together(fam, "doc-2", "doc-3")
    assert len({fam["doc-0"], fam["doc-1"], fam["doc-2"], fam["doc-4"]}) == 4


# -- text ---------------------------------------------------------------------------


def test_the_same_text_is_one_work_whatever_its_title():
    body = text(1)
    infos = [
        doc(0, "WCI-RULES cap-and-trade model documentation", body, date="2019-09-09"),
        doc(1, "NZ cap-and-trade model", revise(body, 0.95, 1), kind="text", type="other", date="2019-09-09"),
    ]
    res = families.assign(infos)
    assert res.families["doc-1"].family == "doc-0" and res.families["doc-1"].newest == "doc-0"
    assert "same text" in res.families["doc-0"].by


def test_a_template_filled_in_on_another_day_is_another_work():
    # Notices of one template (a yearly compliance notice, a standard per
    # industry) share nearly all their words, their titles and days differ.
    body = text(1)
    infos = [
        doc(0, "Notice on the 2022 compliance of emission allowances", body, date="2023-07-25"),
        doc(1, "Notice on the issuance of standards for the furniture industry", revise(body, 0.97, 1), date="2019-05-31"),
    ]
    res = families.assign(infos)
    assert res.families["doc-0"].family != res.families["doc-1"].family


def test_revisions_share_a_like_title_and_much_text():
    body = text(1, 3000)
    infos = [
        doc(0, "Carbon pricing and co-abatement of toxic emissions: evidence from Alberta", body),
        # About 0.65 of the text alike, a like title.
        doc(1, "Carbon pricing and co-abatement of toxic emissions: new evidence from Alberta", revise(body, 0.78, 1)),
        # About 0.45 alike, the same title.
        doc(2, "Carbon pricing and co-abatement of toxic emissions: evidence from Alberta", revise(body, 0.7, 2)),
        # About 0.5 alike, another title: not a revision.
        doc(3, "Emissions of the oil sands industry", revise(body, 0.85, 3)),
    ]
    fam = family_of(infos)
    assert together(fam, "doc-0", "doc-1", "doc-2")
    assert fam["doc-3"] != fam["doc-0"]


def test_slides_are_not_the_paper_they_present():
    body = text(1)
    infos = [
        doc(0, "Carbon pricing and co-abatement of toxic emissions", body, type="working paper"),
        doc(1, "Carbon pricing and co-abatement of toxic emissions", revise(body, 0.5, 1), type="presentation"),
    ]
    fam = family_of(infos)
    assert fam["doc-0"] != fam["doc-1"]


def test_annual_reports_of_a_series_stay_apart():
    body = text(1, 3000)
    infos = [
        doc(0, "Climate Change Report 2020", body),
        doc(1, "Climate Change Report 2023", revise(body, 0.3, 1)),
        # Much boilerplate in common (about 0.6), titles alike but for the year.
        doc(2, "Report on the functioning of the European carbon market in 2022", text(2, 3000)),
        doc(3, "Report on the functioning of the European carbon market in 2023", revise(text(2, 3000), 0.78, 1)),
    ]
    fam = family_of(infos)
    assert len(set(fam.values())) == 4


def test_short_texts_and_unknown_texts_are_alone():
    infos = [doc(0, "Page", "Page 1"), doc(1, "Page", "Page 1"), doc(2, "Untitled", None)]
    fam = family_of(infos)
    assert len(set(fam.values())) == 3 and fam["doc-0"] == "doc-0"


# -- staff ---------------------------------------------------------------------------


def test_staff_names_a_family():
    infos = [
        doc(0, "Farm to Fork Strategy", text(1), family="farm-to-fork"),
        doc(1, "A farm to fork brochure", text(2), family="farm-to-fork"),
        doc(2, "Something else", text(3)),
    ]
    fam = family_of(infos)
    assert fam["doc-0"] == fam["doc-1"] == "farm-to-fork" and fam["doc-2"] == "doc-2"


def test_a_family_name_that_is_a_document_id_joins_that_document():
    infos = [doc(0, "Farm to Fork Strategy", text(1)), doc(1, "A farm to fork brochure", text(2), family="doc-0")]
    assert together(family_of(infos), "doc-0", "doc-1")


def test_version_of_links_documents_the_rules_keep_apart():
    infos = [
        doc(0, "Proposal for a Regulation", text(1), type="legislation", identifiers={"com": "COM(2020) 80"}),
        doc(1, "Amended proposal for a Regulation", text(2), type="legislation", identifiers={"com": "COM(2020) 563"}, version_of="doc-0"),
    ]
    assert together(family_of(infos), "doc-0", "doc-1")


def test_not_same_as_wins_over_every_rule_and_link():
    body = text(1)
    infos = [
        doc(0, "WCI model documentation", body),
        doc(1, "WCI model documentation", body, not_same_as=["doc-0"]),
        doc(2, "WCI model documentation", body, version_of="doc-1"),
    ]
    res = families.assign(infos)
    fam = {i: a.family for i, a in res.families.items()}
    assert fam["doc-0"] != fam["doc-1"] and together(fam, "doc-1", "doc-2")


def test_overrides_naming_no_document_are_noted():
    infos = [doc(0, "A", text(1), version_of="gone"), doc(1, "B", text(2), not_same_as=["missing"])]
    res = families.assign(infos)
    assert any("gone" in n for n in res.notes) and any("missing" in n for n in res.notes)
    assert res.families["doc-0"].family == "doc-0"


def test_two_staff_names_never_merge():
    body = text(1)
    infos = [doc(0, "Same", body, family="a"), doc(1, "Same", body, family="b")]
    fam = family_of(infos)
    assert fam == {"doc-0": "a", "doc-1": "b"}
