"""Crashes and damaged disks: SIGKILL at many points of ingest, rebuild
and repair; commit-point fault injection; a full disk; a corruption matrix
over every kind of index file. Each case must end in a working index (the
same documents and answers as a clean run, after the next ingest) or a
clear message with the way out; never in wrong answers."""

from __future__ import annotations

import json
import os
import shutil
import signal
import time
from pathlib import Path

import pytest

from search.index import IndexProblem, IndexRoot
from search.ingest import IngestOptions, ingest as run_ingest
from search.ingest.check import check_index

from .figures import scale
from .helpers import answers, clear_check_memo, copy_corpus, ingest, state

BATCH = ["--batch-pages", "10", "--jobs", "2"]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    return copy_corpus(tmp_path_factory.mktemp("crash") / "corpus")


@pytest.fixture(scope="module")
def clean(corpus, tmp_path_factory):
    """A clean ingest: its index, state, answers and how long it took."""
    index = tmp_path_factory.mktemp("clean") / "ix"
    t0 = time.monotonic()
    done = ingest(corpus, index, *BATCH, "--no-cache")
    took = time.monotonic() - t0
    assert done.returncode == 0, done.stderr
    return index, state(index), answers(index), took


def _opens_undamaged(index: Path) -> tuple[bool, str]:
    """After a kill: no index yet, or one that opens and is not damaged."""
    root = IndexRoot(index)
    if not root.exists():
        return True, "no index yet"
    clear_check_memo()
    try:
        result = check_index(root)
        state(index)
    except IndexProblem as e:
        return False, f"does not open: {e}"
    return not result.damage, "; ".join(result.damage)


def _recovers(corpus: Path, index: Path, clean) -> tuple[bool, str]:
    again = ingest(corpus, index, *BATCH)
    if again.returncode != 0:
        return False, f"the next ingest failed: {again.stderr.strip()[-300:]}"
    _, want_state, want_answers, _ = clean
    if state(index) != want_state:
        return False, "the next ingest did not end with the documents of a clean one"
    clear_check_memo()
    if answers(index) != want_answers:
        return False, "answers differ from a clean index's"
    result = check_index(IndexRoot(index), [str(corpus)])
    if result.exit_code != 0:
        return False, f"etslib check: {result.damage + [d['detail'] for d in result.disagreements]}"
    return True, ""


def _infos(index: Path) -> list[dict]:
    from search.index import Snapshot

    with Snapshot(IndexRoot(index).open()) as snap:
        return list(snap.infos)


def _cases() -> list[tuple[str, str, str]]:
    """(kind, how, where) of each kill: commit points, moments, swaps, repairs.

    An ingest of the sample corpus in batches of 10 pages commits about a
    dozen times (the first commit creates the empty index).
    """
    if not scale(0, 1):
        return [
            ("ingest", "fault before-commit:2", "mid-commit"),
            ("ingest", "fault after-commit:5", "just committed"),
            ("ingest", "fault before-commit:8", "mid-commit"),
            ("ingest", "kill at 20%", "extraction and writing"),
            ("ingest", "kill at 50%", "extraction and writing"),
            ("ingest", "kill at 80%", "extraction and writing"),
            ("rebuild", "fault before-swap:1", "mid-swap"),
            ("rebuild", "fault after-swap:1", "mid-swap"),
            ("repair", "fault before-commit:1", "repair commit"),
        ]
    # Commits happen as the workers' results arrive: 9 to 10 of them, so points 1-8.
    cases = [("ingest", f"fault {when}-commit:{k}", "mid-commit" if when == "before" else "just committed") for k in range(1, 9) for when in ("before", "after")]
    cases += [("ingest", f"kill at {f}%", "extraction and writing") for f in (5, 10, 20, 30, 40, 50, 60, 70, 80, 90)]
    cases += [("rebuild", "fault before-swap:1", "mid-swap"), ("rebuild", "fault after-swap:1", "mid-swap")]
    cases += [("rebuild", f"kill at {f}%", "rebuild") for f in (20, 40, 60, 80)]
    cases += [("repair", "fault before-commit:1", "repair commit"), ("repair", "fault after-commit:1", "repair commit")]
    cases += [("metadata", "fault before-commit:1", "metadata edit"), ("metadata", "fault after-commit:1", "metadata edit")]
    return cases


CASES = _cases()


@pytest.mark.parametrize("kind, how, where", CASES, ids=[f"{k}-{h.replace(' ', '-')}" for k, h, _ in CASES])
def test_sigkill(corpus, clean, tmp_path, figures, kind, how, where):
    index = tmp_path / "ix"
    work = corpus
    args = list(BATCH)
    if kind in ("rebuild", "repair"):
        shutil.copytree(clean[0], index)
    if kind == "rebuild":
        args.append("--rebuild")
    if kind == "repair":
        store = index / (index / "CURRENT").read_text().strip()
        victim = max(store.glob("MAIN_*.pst"), key=lambda p: p.stat().st_size)
        os.truncate(victim, victim.stat().st_size // 3)
    if kind == "metadata":
        work = copy_corpus(tmp_path / "corpus")
        assert ingest(work, index, *BATCH).returncode == 0
        cat = work / "catalog.yaml"
        cat.write_text(cat.read_text().replace("type: report", "type: guide"), encoding="utf-8")
    if how.startswith("fault"):
        run = ingest(work, index, *args, "--no-cache", fault=how.split()[1])
        killed = run.returncode == -signal.SIGKILL
    else:
        frac = float(how.split()[-1].rstrip("%")) / 100
        proc = ingest(work, index, *args, "--no-cache", wait=False)
        time.sleep(clean[3] * frac)
        proc.send_signal(signal.SIGKILL)
        proc.communicate()
        killed = True
    ok, why = _opens_undamaged(index)
    if kind == "repair" and not ok and "segment file" in why:
        ok = True  # killed before the repair's commit: still damaged, as before, and said so
    if ok and kind == "rebuild":
        # The old index is served until the new one is whole.
        clear_check_memo()
        ok, why = (answers(index) == clean[2], "a rebuild killed mid-way changed the answers")
    if ok and kind == "metadata":
        # The edit is finished by the next ingest (the corpus copy has other ids).
        ok, why = (ingest(work, index, *BATCH).returncode == 0, "the next ingest failed")
        if ok:
            result = check_index(IndexRoot(index), [str(work)])
            types = {i.get("type") for i in _infos(index)}
            ok, why = (result.exit_code == 0 and "report" not in types, "the edit is not in the index, or check disagrees")
    elif ok:
        ok, why = _recovers(corpus, index, clean)
    figures.case("crash: SIGKILL", ok, f"{kind} {how} ({where}): {why}")
    figures.measure("crash: SIGKILL", "points", f"{len(CASES)} ({', '.join(sorted({w for _, _, w in CASES}))})")
    assert ok, why
    assert killed, "the ingest ended before the point: not a crash case"


@pytest.mark.parametrize("budget", [150_000, 600_000, 2_000_000][: scale(2, 3)] + ([4_000_000, 8_000_000] if scale(0, 1) else []))
def test_disk_full_injected(corpus, clean, tmp_path, figures, budget):
    """ENOSPC after ``budget`` bytes of index files, into an index holding half the corpus."""
    index = tmp_path / "ix"
    work = copy_corpus(tmp_path / "work")
    aside = tmp_path / "aside"
    aside.mkdir()
    files = [p for p in sorted(work.rglob("*")) if p.is_file() and p.name != "catalog.yaml"]
    for p in files[::2]:
        p.rename(aside / p.name)
    assert ingest(work, index, *BATCH).returncode == 0
    before = state(index)
    for p in files[::2]:
        (aside / p.name).rename(p)
    full = ingest(work, index, *BATCH, "--no-cache", fault=f"enospc:{budget}")
    said = full.returncode == 1 and "full" in full.stderr and "Traceback" not in full.stderr
    finished = full.returncode == 0  # the budget sufficed
    ok, why = _opens_undamaged(index)
    if ok and said:
        store = index / (index / "CURRENT").read_text().strip()
        sums = json.loads(next(store.glob("checksums-*.json")).read_text())
        known = {n for d in sums["segments"].values() for n in d["files"]}
        leftovers = [p.name for p in store.glob("MAIN_*") if p.is_file() and p.name not in known and p.name != "MAIN_WRITELOCK"]
        ok, why = (not leftovers and state(index)[0] >= before[0], f"half-written files left: {leftovers[:3]}")
    if ok and not (said or finished):
        ok, why = False, f"no clear message: {full.stderr[-300:]}"
    if ok:
        again = ingest(work, index, *BATCH)
        n_docs, n_pages, _ = clean[1]
        ok = again.returncode == 0 and state(index)[:2] == (n_docs, n_pages)
        ok = ok and check_index(IndexRoot(index), [str(work)]).exit_code == 0
        why = "" if ok else "the next ingest did not end with the documents of a clean one"
    figures.case("crash: disk full (injected ENOSPC)", ok, f"budget {budget:,} B: {why}")
    assert ok, why


# -- the corruption matrix ----------------------------------------------------------


def _targets(index: Path) -> list[tuple[str, Path]]:
    """One file of every kind an index holds: (kind, path)."""
    store = index / (index / "CURRENT").read_text().strip()
    out: dict[str, Path] = {}
    for p in sorted(store.iterdir()):
        if not p.is_file() or p.name == "MAIN_WRITELOCK":
            continue
        kind = p.name.split(".", 1)[1] if p.name.startswith("MAIN_") else ("toc" if p.name.endswith(".toc") else p.name.split("-")[0])
        if kind not in out or p.stat().st_size > out[kind].stat().st_size:
            out[kind] = p
    for name in ("CURRENT", "report.json", "failures.json"):
        out[name] = index / name
    out["textcache"] = next((index / "textcache").rglob("*.json.gz"))
    return sorted(out.items())


def _damage(path: Path, how: str) -> None:
    st = path.stat()
    data = bytearray(path.read_bytes())
    if how == "truncate-0":
        data = bytearray()
    elif how == "truncate-30%":
        data = data[: len(data) * 3 // 10]
    elif how.startswith("flip-"):
        at = {"flip-start": 0, "flip-middle": len(data) // 2, "flip-end": len(data) - 1}[how]
        if data:
            data[at] ^= 0x5A
    elif how == "zeros":
        data = bytearray(len(data))
    if how == "delete":
        path.unlink()
        return
    path.write_bytes(bytes(data))
    # Bit rot leaves the modification time as it was.
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))


OPS = ["truncate-30%", "flip-middle"] if not scale(0, 1) else ["truncate-0", "truncate-30%", "flip-start", "flip-middle", "flip-end", "zeros", "delete"]


@pytest.fixture(scope="module")
def one_segment(corpus, tmp_path_factory):
    """The corpus in one commit (one segment), its state and answers."""
    index = tmp_path_factory.mktemp("matrix") / "ix"
    assert ingest(corpus, index, "--jobs", "2").returncode == 0
    return index, state(index), answers(index)


def test_corruption_matrix(corpus, one_segment, tmp_path, figures):
    """Every kind of index file, truncated and flipped: a search gives the
    clean answers or refuses with the way out; `etslib check` tells; the
    next ingest ends with the clean index."""
    index0, want_state, want_answers = one_segment
    area = "disk: corruption matrix"
    kinds = _targets(index0)
    for n, (kind, path0) in enumerate(kinds):
        # Default: one damage per kind, alternating; large: every damage.
        for how in OPS if scale(0, 1) else [OPS[n % len(OPS)]]:
            index = tmp_path / f"{kind}-{how}".replace("/", "_")
            shutil.copytree(index0, index)
            target = index / path0.relative_to(index0)
            _damage(target, how)
            clear_check_memo()
            why = ""
            try:
                got = answers(index)
                ok = got == want_answers
                why = "" if ok else "WRONG ANSWERS"
            except IndexProblem as e:
                ok = "etslib ingest" in str(e)
                why = "" if ok else f"no way out in: {e}"
            if ok:
                try:
                    run_ingest([str(corpus)], IndexRoot(index), IngestOptions(jobs=2))
                except Exception as e:  # noqa: BLE001 - counted as lost
                    ok, why = False, f"the next ingest failed: {type(e).__name__}: {e}"
                if ok:
                    ok = state(index) == want_state
                    why = "" if ok else "the next ingest did not restore the documents"
                if ok:
                    clear_check_memo()
                    ok = answers(index) == want_answers and check_index(IndexRoot(index), [str(corpus)]).exit_code == 0
                    why = "" if ok else "answers or check differ after the repair"
            figures.case(area, ok, f"{kind} {how}: {why}")
            shutil.rmtree(index, ignore_errors=True)
    figures.measure(area, "cases", f"{len(kinds)} kinds of file x {len(OPS) if scale(0, 1) else 1} damages ({', '.join(OPS)})")
    assert not figures.lost(area), figures.lost(area)
