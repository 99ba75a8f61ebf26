"""Pair scoring (``matching.pairs``): the calibrated 0–1 fit."""

from __future__ import annotations

import pytest

from matchmaking.matching import pairs


@pytest.mark.parametrize(
    ("dense", "lexical", "expected"),
    [
        (0.80, 0.0, 0.0),  # the floor: as close as unrelated texts get, nothing shared
        (0.95, 3.0, 1.0),  # the top and the cap
        (0.99, 40.0, 1.0),  # beyond both: clamped
        (0.70, 0.0, 0.0),
        (0.875, 1.5, 0.5),  # half-way on both
        (0.875, 0.0, 0.25),
        (None, 1.5, 0.5),  # no vector yet: BM25 alone
        (None, 0.0, 0.0),
    ],
)
def test_fit_is_the_mean_of_the_calibrated_cosine_and_capped_bm25(
    dense: float | None, lexical: float, expected: float
) -> None:
    assert pairs.fit(dense, lexical) == pytest.approx(expected)
