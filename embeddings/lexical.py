"""Chinese lexical retrieval: jieba tokens and bm25s scores, keyed by item id.

bm25s builds a static index, so changes mark the index dirty and ``rebuild``
re-indexes the token lists it already holds (no re-tokenising). The owner
decides when to rebuild: at once for small corpora, on an interval for large.
"""

from __future__ import annotations

import gzip
import io
import json
import logging
import math
import re
import threading
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import bm25s
import jieba
import numpy as np

log = logging.getLogger(__name__)

_STOPWORDS_FILE = Path(__file__).with_name("stopwords.txt")
_WORD = re.compile(r"[\w\u4e00-\u9fff]", re.UNICODE)
_PUNCT_ONLY = re.compile(r"^[\W_]+$", re.UNICODE)
_NUMBER = re.compile(r"^[\d.,%]+$")
jieba.setLogLevel(logging.WARNING)
# bm25s logs every index build at DEBUG on its own logger; keep it quiet.
logging.getLogger("bm25s").setLevel(logging.WARNING)


class Tokenizer:
    """jieba search-mode tokens with a domain dictionary, lower-cased, stopwords dropped."""

    _init_lock = threading.Lock()

    def __init__(self, user_dict: Path | None = None, stopwords: Iterable[str] | None = None):
        self._jieba = jieba.Tokenizer()
        with self._init_lock:
            self._jieba.initialize()
            if user_dict is not None and user_dict.exists():
                self._jieba.load_userdict(str(user_dict))
        words = stopwords if stopwords is not None else _STOPWORDS_FILE.read_text().split()
        self.stopwords = frozenset(w.strip().lower() for w in words if w.strip())

    def tokens(self, text: str) -> list[str]:
        out = []
        for raw in self._jieba.cut_for_search(text or "", HMM=True):
            tok = raw.strip().lower()
            if (
                len(tok) < 2
                or tok in self.stopwords
                or _PUNCT_ONLY.match(tok)
                or _NUMBER.match(tok)
            ):
                continue
            if not _WORD.search(tok):
                continue
            out.append(tok)
        return out


# Postings summed per query to find lexical candidates. Beyond this, the
# commonest query tokens (lowest BM25 impact) only score the candidates: at 30k
# synthetic documents a need's ~45 known tokens have ~300k postings (1.7 ms a
# query), almost all from tokens in nearly every document.
CANDIDATE_POSTINGS = 60_000


class LexicalScores:
    """BM25 of one query: candidates from the query's postings, exact scores for any item.

    ``top`` ranks the documents by the summed scores of the query's most
    informative tokens (all of them while their postings stay within
    ``CANDIDATE_POSTINGS``); ``of`` returns the exact BM25 score (every query
    token, a repeated one counting again, as bm25s does) for the items asked.
    """

    def __init__(
        self,
        ids: np.ndarray,
        matrix: dict[str, np.ndarray] | None,
        tokens: dict[int, int],
        budget: int = CANDIDATE_POSTINGS,
        impact: np.ndarray | None = None,
        by_doc: Documents | None = None,
    ) -> None:
        self._ids, self._m, self._by_doc = ids, matrix, by_doc  # ids: sorted
        self.partial = np.zeros(len(ids), dtype=np.float64)
        self._rest: list[tuple[int, int]] = []  # (token id, count) not summed into partial
        # The best score the query could reach: each indexed token's highest score in
        # any document, counted as often as the query repeats it (0: nothing indexed).
        self.attainable = (
            float(sum(float(impact[t]) * c for t, c in tokens.items()))
            if impact is not None
            else 0.0
        )
        if matrix is None or not tokens:
            return
        ptr = matrix["indptr"]
        # Most informative first: highest best-case contribution to a document.
        order = sorted(
            tokens, key=lambda t: -float(impact[t]) * tokens[t] if impact is not None else 0
        )
        summed: list[int] = []
        used = 0
        for t in order:
            length = int(ptr[t + 1] - ptr[t])
            if summed and used + length > budget:
                self._rest.append((t, tokens[t]))
                continue
            summed.append(t)
            used += length
        if used:
            docs = np.concatenate([matrix["indices"][ptr[t] : ptr[t + 1]] for t in summed])
            weights = np.concatenate(
                [matrix["data"][ptr[t] : ptr[t + 1]] * tokens[t] for t in summed]
            )
            # Weighted, so float64 (numpy's stubs type every bincount as integers).
            self.partial = np.asarray(
                np.bincount(docs, weights=weights, minlength=len(ids)), dtype=np.float64
            )

    def shares(self, scores: np.ndarray) -> np.ndarray:
        """BM25 scores as a share of ``attainable`` (0–1, whatever the query's length)."""
        if self.attainable <= 0:
            return np.zeros(len(scores), dtype=np.float64)
        return np.clip(np.asarray(scores, dtype=np.float64) / self.attainable, 0.0, 1.0)

    @property
    def exact(self) -> bool:
        """Whether ``top`` ranks by the full BM25 score (every token was summed)."""
        return not self._rest

    def top(self, k: int) -> list[int]:
        """Item ids of the ``k`` best candidate documents with a positive score (any order)."""
        hit = np.flatnonzero(self.partial > 0)
        if k <= 0 or not len(hit):
            return []
        if len(hit) > k:
            hit = hit[np.argpartition(-self.partial[hit], k - 1)[:k]]
        top: list[int] = self._ids[hit].tolist()
        return top

    def of(self, item_ids: Sequence[int]) -> np.ndarray:
        """Exact BM25 scores of these items, aligned with them (0 for an item not indexed)."""
        rows = rows_of(self._ids, item_ids)
        out = np.zeros(len(item_ids), dtype=np.float64)
        present = np.flatnonzero(rows >= 0)
        if not len(present) or self._m is None:
            return out
        docs = rows[present]
        scores = self.partial[docs]
        if self._rest:
            scores += self._rest_scores(docs)
        out[present] = scores
        return out

    def _rest_scores(self, docs: np.ndarray) -> np.ndarray:
        """The scores of the tokens left out of ``partial``, for these document rows.

        Computed again from the documents' token ids with bm25s's formula: a pool's
        documents hold a few thousand tokens, fewer than one binary search per
        left-out token and document (those tokens are the commonest, with the longest
        postings), and no document-major copy of the matrix is kept for it.
        """
        # ``_rest`` is only filled from a built index, which has its documents.
        assert self._by_doc is not None
        return self._by_doc.scores(docs, self._rest)


def rows_of(ids: np.ndarray, item_ids: Sequence[int]) -> np.ndarray:
    """Rows of these item ids in the sorted id array ``ids`` (-1 where absent)."""
    wanted = np.asarray(item_ids, dtype=np.int64).reshape(-1)
    if not len(ids) or not len(wanted):
        return np.full(len(wanted), -1, dtype=np.int64)
    at = np.minimum(np.searchsorted(ids, wanted), len(ids) - 1)
    return np.where(ids[at] == wanted, at, -1).astype(np.int64)


class Documents:
    """The built index's documents as token ids, row by row, and what BM25 needs to
    score any (token, document) pair again: lengths, average length, idf, k1 and b.

    bm25s's default (Lucene) BM25: ``idf · tf / (tf + k1 · (1 − b + b · len / avg))``
    with ``idf = ln(1 + (N − df + 0.5) / (df + 0.5))``; the tests compare with bm25s.
    """

    def __init__(self, bm25: Any, docs: list[bytes], vocab: dict[str, int], df: np.ndarray):
        self.docs = docs  # the index's own bytes objects: no copy
        lengths = np.fromiter((max(len(d) // 4, 1) for d in docs), dtype=np.int32, count=len(docs))
        self.lengths = lengths  # an empty document was indexed as [""]: length 1
        self.avg = float(lengths.mean()) if len(lengths) else 1.0
        n = len(docs)
        self.idf = np.log1p((n - df + 0.5) / (df + 0.5))
        ours = np.full(max(bm25.vocab_dict.values(), default=-1) + 1, -1, dtype=np.int32)
        for tok, t in bm25.vocab_dict.items():
            ours[t] = vocab.get(tok, -1)
        self.ours = ours  # bm25s's token id -> ours
        self.k1, self.b = float(bm25.k1), float(bm25.b)

    def scores(self, rows: np.ndarray, tokens: list[tuple[int, int]]) -> np.ndarray:
        """BM25 of these bm25s token ids (each with its count in the query), per row."""
        weight = np.zeros(len(self.idf), dtype=np.float64)
        for t, count in tokens:
            mine = int(self.ours[t]) if t < len(self.ours) else -1
            if 0 <= mine < len(weight):
                weight[mine] += count
        chunks = [self.docs[r] for r in rows.tolist()]
        toks = np.frombuffer(b"".join(chunks), dtype=np.int32)
        if not len(toks):
            return np.zeros(len(rows), dtype=np.float64)
        owner = np.repeat(np.arange(len(rows), dtype=np.int64), [len(c) // 4 for c in chunks])
        inside = toks < len(weight)
        hit = np.zeros(len(toks), dtype=bool)
        hit[inside] = weight[toks[inside]] > 0
        if not hit.any():
            return np.zeros(len(rows), dtype=np.float64)
        width = len(weight)
        pairs, tf = np.unique(owner[hit] * width + toks[hit], return_counts=True)
        doc, tok = pairs // width, pairs % width
        norm = self.k1 * (1 - self.b + self.b * self.lengths[rows[doc]] / self.avg)
        score = weight[tok] * self.idf[tok] * tf / (tf + norm)
        return np.bincount(doc, weights=score, minlength=len(rows))

    @property
    def nbytes(self) -> int:
        """What this adds to the index: a pointer and a length per document, and the
        per-token arrays (the documents' bytes are the index's own)."""
        return 8 * len(self.docs) + self.lengths.nbytes + self.idf.nbytes + self.ours.nbytes


_HEX64 = re.compile(r"^[0-9a-f]{64}$")
# The layout of ``LexicalIndex.to_bytes`` (arrays in a .npz).
PACKED_FORMAT = 1


def _text_array(text: str) -> np.ndarray:
    """UTF-8 text as a byte array (a .npz holds arrays; no pickled objects)."""
    return np.frombuffer(text.encode(), dtype=np.uint8)


def _pack_tag(tag: str) -> str | bytes:
    """A lower-case sha256 hex digest as its 32 bytes (113 → 65 bytes); others as given."""
    return bytes.fromhex(tag) if _HEX64.match(tag) else tag


class LexicalIndex:
    """Token lists per item and the BM25 index built from them.

    Tokens are kept as int32 ids into one vocabulary (``_words``), packed in one
    bytes object per document, not as lists of strings: a document of a hundred
    tokens is then ~0.45 KB instead of ~7 KB of Python objects. A tag that is a
    sha256 hex digest (the text hashes) is kept as its 32 bytes. The built index
    keeps its rows in item id order, so a row is found by binary search instead of
    through a dict of every item.
    """

    def __init__(self) -> None:
        self._vocab: dict[str, int] = {}  # token -> id (only grows)
        self._words: list[str] = []  # id -> token
        self._docs: dict[int, bytes] = {}  # item id -> token ids (int32, packed), in order
        self._ids = np.zeros(0, dtype=np.int64)  # bm25s row -> item id (sorted)
        self._impact: np.ndarray | None = None  # best score of each token in any document
        self._built: tuple[Any, ...] = (None, self._ids, None, None)
        self._bm25: bm25s.BM25 | None = None
        self._df = np.zeros(0, dtype=np.int32)  # token id -> documents using it
        self._tags: dict[int, str | bytes] = {}  # caller's tag per doc (the text's hash)
        self.dirty = False

    def __len__(self) -> int:
        return len(self._docs)

    def __contains__(self, item_id: int) -> bool:
        return item_id in self._docs

    def _ids_of(self, item_id: int) -> np.ndarray:
        return np.frombuffer(self._docs[item_id], dtype=np.int32)

    def _encode(self, tokens: Sequence[str]) -> bytes:
        vocab, words = self._vocab, self._words
        out = np.empty(len(tokens), dtype=np.int32)
        for n, tok in enumerate(tokens):
            t = vocab.get(tok)
            if t is None:
                t = vocab[tok] = len(words)
                words.append(tok)
            out[n] = t
        return out.tobytes()

    def tokens(self, item_id: int) -> list[str]:
        if item_id not in self._docs:
            return []
        words = self._words
        return [words[t] for t in self._ids_of(item_id).tolist()]

    def tag(self, item_id: int) -> str | None:
        tag = self._tags.get(item_id)
        return tag.hex() if isinstance(tag, bytes) else tag

    def upsert(self, item_id: int, tokens: Sequence[str], tag: str | None = None) -> None:
        if tag is not None:
            self._tags[item_id] = _pack_tag(tag)
        encoded = self._encode(list(tokens))
        if self._docs.get(item_id) != encoded:
            self._docs[item_id] = encoded
            self.dirty = True

    def remove(self, item_id: int) -> None:
        self._tags.pop(item_id, None)
        if self._docs.pop(item_id, None) is not None:
            self.dirty = True

    def rebuild(self) -> None:
        order = sorted(self._docs)
        words = self._words
        # Lists of the vocabulary's own str objects: no string is copied.
        corpus = [[words[t] for t in self._ids_of(i).tolist()] or [""] for i in order]
        bm25: bm25s.BM25 | None = None
        if order:
            bm25 = bm25s.BM25()
            bm25.index(corpus, show_progress=False)
        del corpus
        df = np.zeros(len(words), dtype=np.int32)
        if order:
            uniq = np.concatenate([np.unique(self._ids_of(i)) for i in order])
            df = np.bincount(uniq, minlength=len(words)).astype(np.int32)
        # Swap in one go: a concurrent reader sees the old or the new index.
        ids = np.asarray(order, dtype=np.int64)
        impact = by_doc = None
        if bm25 is not None:
            ptr, data = bm25.scores["indptr"], bm25.scores["data"]
            impact = np.zeros(len(ptr) - 1, dtype=np.float64)
            filled = np.flatnonzero(np.diff(ptr) > 0)
            if len(filled):
                impact[filled] = np.maximum.reduceat(data, ptr[filled])
            by_doc = Documents(bm25, [self._docs[i] for i in order], self._vocab, df)
        self._bm25, self._ids, self._df, self._impact = bm25, ids, df, impact
        # One reference for ``query``: readers need no lock to see a consistent build.
        self._built = (bm25, ids, impact, by_doc)
        self.dirty = False

    def _doc_freq(self, token: str) -> int:
        t = self._vocab.get(token)
        df = self._df
        return int(df[t]) if t is not None and t < len(df) else 0

    def idf(self, token: str) -> float:
        n = max(len(self._ids), 1)
        df = self._doc_freq(token)
        return math.log(1 + (n - df + 0.5) / (df + 0.5))

    def df_share(self, token: str) -> float:
        """The share of indexed documents that use ``token``."""
        return self._doc_freq(token) / max(len(self._ids), 1)

    def coverage(self, query_tokens: Sequence[str]) -> float:
        """The share of the query's tokens this index knows (1.0 for an empty query):
        an English query over Chinese items finds few, and its BM25 ranking says little."""
        bm25 = self._built[0]
        if not query_tokens:
            return 1.0
        if bm25 is None:
            return 0.0
        vocab = bm25.vocab_dict
        return sum(tok in vocab for tok in query_tokens) / len(query_tokens)

    def query(self, query_tokens: Sequence[str], budget: int = CANDIDATE_POSTINGS) -> LexicalScores:
        """BM25 of ``query_tokens`` over the built index (see ``LexicalScores``).

        Safe without the owner's lock: a rebuild swaps in a new index, never edits one.
        """
        bm25, ids, impact, by_doc = self._built
        if bm25 is None:
            return LexicalScores(ids, None, {})
        counts: dict[int, int] = {}
        vocab = bm25.vocab_dict
        for tok in query_tokens:
            t = vocab.get(tok)
            if t is not None:
                counts[t] = counts.get(t, 0) + 1
        return LexicalScores(ids, bm25.scores, counts, budget, impact, by_doc)

    def scores(self, query_tokens: Sequence[str]) -> tuple[list[int], np.ndarray]:
        """BM25 score of every indexed item (row order of the returned id list)."""
        bm25, order = self._bm25, self._ids.tolist()
        if bm25 is None or not query_tokens:
            return order, np.zeros(len(order), dtype=np.float32)
        return order, np.asarray(bm25.get_scores(list(query_tokens)), dtype=np.float32)

    def search(self, query_tokens: Sequence[str], k: int) -> list[tuple[int, float]]:
        order, scores = self.scores(query_tokens)
        if not order or k <= 0:
            return []
        k = min(k, len(order))
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top], kind="stable")]
        return [(order[t], float(scores[t])) for t in top if scores[t] > 0]

    # -- persistence -------------------------------------------------------
    def to_bytes(self) -> bytes:
        """The token lists as arrays (numpy's .npz): the vocabulary once, then every
        document's token ids in one int32 array. Loading them makes one bytes object a
        document; the JSON of words this replaced made a str object a token, about
        10 GB a process at a million documents (the web processes of the 1M bench
        were killed for it)."""
        ids = np.fromiter(self._docs, dtype=np.int64, count=len(self._docs))
        lengths = np.fromiter(
            (len(d) // 4 for d in self._docs.values()), dtype=np.int64, count=len(self._docs)
        )
        offsets = np.zeros(len(ids) + 1, dtype=np.int64)
        np.cumsum(lengths, out=offsets[1:])
        tokens = np.frombuffer(b"".join(self._docs.values()), dtype=np.int32)
        digests = {k: v for k, v in self._tags.items() if isinstance(v, bytes)}
        others = {str(k): v for k, v in self._tags.items() if not isinstance(v, bytes)}
        buf = io.BytesIO()
        np.savez(
            buf,
            format=np.array([PACKED_FORMAT]),
            words=_text_array(json.dumps(self._words, ensure_ascii=False)),
            ids=ids,
            offsets=offsets,
            tokens=tokens,
            digest_ids=np.fromiter(digests, dtype=np.int64, count=len(digests)),
            digests=np.frombuffer(b"".join(digests.values()), dtype=np.uint8).reshape(-1, 32),
            other_tags=_text_array(json.dumps(others, ensure_ascii=False)),
        )
        return buf.getvalue()

    @classmethod
    def from_bytes(cls, data: bytes) -> LexicalIndex:
        """A snapshot's index, built (either format: the arrays, or the gzipped JSON of
        word lists that snapshots held before 2026-12-03)."""
        self = cls()
        if data[:2] == b"\x1f\x8b":  # gzip: the JSON format
            payload = json.loads(gzip.decompress(data))
            self._docs = {int(k): self._encode(v) for k, v in payload["docs"].items()}
            self._tags = {int(k): _pack_tag(v) for k, v in payload["tags"].items()}
        else:
            with np.load(io.BytesIO(data), allow_pickle=False) as arrays:
                if int(arrays["format"][0]) != PACKED_FORMAT:
                    raise ValueError(f"lexical snapshot format {int(arrays['format'][0])}")
                self._words = list(json.loads(arrays["words"].tobytes().decode()))
                self._vocab = {w: t for t, w in enumerate(self._words)}
                raw, offsets = arrays["tokens"].tobytes(), arrays["offsets"].tolist()
                self._docs = {
                    item: raw[4 * offsets[n] : 4 * offsets[n + 1]]
                    for n, item in enumerate(arrays["ids"].tolist())
                }
                digests = arrays["digests"]
                tags: dict[int, str | bytes] = {
                    item: digests[n].tobytes()
                    for n, item in enumerate(arrays["digest_ids"].tolist())
                }
                others = json.loads(arrays["other_tags"].tobytes().decode())
                tags.update({int(k): v for k, v in others.items()})
                self._tags = tags
        self.rebuild()
        return self
