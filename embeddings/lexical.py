"""Chinese lexical retrieval: jieba tokens and bm25s scores, keyed by item id.

bm25s builds a static index, so changes mark the index dirty and ``rebuild``
re-indexes the token lists it already holds (no re-tokenising). The owner
decides when to rebuild: at once for small corpora, on an interval for large.
"""

from __future__ import annotations

import gzip
import json
import logging
import math
import re
import threading
from collections.abc import Iterable, Sequence
from pathlib import Path

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


class LexicalIndex:
    def __init__(self) -> None:
        self._docs: dict[int, list[str]] = {}
        self._order: list[int] = []  # bm25s row -> item id, for the built index
        self._row: dict[int, int] = {}
        self._bm25: bm25s.BM25 | None = None
        self._df: dict[str, int] = {}
        self._tags: dict[int, str] = {}  # caller's tag per doc, e.g. the hash of its text
        self.dirty = False

    def __len__(self) -> int:
        return len(self._docs)

    def __contains__(self, item_id: int) -> bool:
        return item_id in self._docs

    def tokens(self, item_id: int) -> list[str]:
        return self._docs.get(item_id, [])

    def tag(self, item_id: int) -> str | None:
        return self._tags.get(item_id)

    def upsert(self, item_id: int, tokens: Sequence[str], tag: str | None = None) -> None:
        if tag is not None:
            self._tags[item_id] = tag
        tokens = list(tokens)
        if self._docs.get(item_id) != tokens:
            self._docs[item_id] = tokens
            self.dirty = True

    def remove(self, item_id: int) -> None:
        self._tags.pop(item_id, None)
        if self._docs.pop(item_id, None) is not None:
            self.dirty = True

    def rebuild(self) -> None:
        order = list(self._docs)
        corpus = [self._docs[i] or [""] for i in order]
        bm25: bm25s.BM25 | None = None
        if order:
            bm25 = bm25s.BM25()
            bm25.index(corpus, show_progress=False)
        df: dict[str, int] = {}
        for toks in corpus:
            for tok in set(toks):
                df[tok] = df.get(tok, 0) + 1
        # Swap in one go: a concurrent reader sees the old or the new index.
        self._bm25, self._order, self._df = bm25, order, df
        self._row = {item_id: n for n, item_id in enumerate(order)}
        self.dirty = False

    @property
    def rows(self) -> dict[int, int]:
        """Item id -> row of the built index (the order ``scores`` returns)."""
        return self._row

    def idf(self, token: str) -> float:
        n = max(len(self._order), 1)
        df = self._df.get(token, 0)
        return math.log(1 + (n - df + 0.5) / (df + 0.5))

    def scores(self, query_tokens: Sequence[str]) -> tuple[list[int], np.ndarray]:
        """BM25 score of every indexed item (row order of the returned id list)."""
        bm25, order = self._bm25, self._order
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

    def score_map(self, query_tokens: Sequence[str], item_ids: Iterable[int]) -> dict[int, float]:
        order, scores = self.scores(query_tokens)
        row = self._row if order is self._order else {i: n for n, i in enumerate(order)}
        return {i: float(scores[row[i]]) if i in row else 0.0 for i in item_ids}

    # -- persistence -------------------------------------------------------
    def to_bytes(self) -> bytes:
        payload = {
            "docs": {str(k): v for k, v in self._docs.items()},
            "tags": {str(k): v for k, v in self._tags.items()},
        }
        return gzip.compress(json.dumps(payload, ensure_ascii=False).encode(), compresslevel=3)

    @classmethod
    def from_bytes(cls, data: bytes) -> LexicalIndex:
        self = cls()
        payload = json.loads(gzip.decompress(data))
        self._docs = {int(k): v for k, v in payload["docs"].items()}
        self._tags = {int(k): v for k, v in payload["tags"].items()}
        self.rebuild()
        return self
