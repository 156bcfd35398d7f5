"""Track spooling and the nearest-centre overlap rule, checked against a per-base brute force."""

from __future__ import annotations

import numpy as np
import pytest

from genebert_tool.annotate.tracks import TrackSpool, resolve_overlaps


def _brute_force(starts, ends, values):
    """Per-base owner: the covering interval with the nearest centre; ties to the smaller centre, then
    to the first by (start, end, i)."""
    order = sorted(range(len(starts)), key=lambda i: (starts[i], ends[i], i))
    out = {}
    lo, hi = min(starts), max(ends)
    for b in range(lo, hi):
        best = None
        for rank, i in enumerate(order):
            if starts[i] <= b < ends[i]:
                c = (starts[i] + ends[i]) / 2
                key = (abs(b + 0.5 - c), c, rank)
                if best is None or key < best[0]:
                    best = (key, i)
        if best is not None:
            out[b] = values[best[1]]
    return out


def _expand(s, e, v):
    out = {}
    for a, b, val in zip(s.tolist(), e.tolist(), v[:, 0].tolist()):
        for x in range(a, b):
            assert x not in out, "overlapping output"
            out[x] = val
    return out


@pytest.mark.parametrize("seed", range(25))
def test_resolve_matches_brute_force(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 30))
    starts = rng.integers(0, 200, n)
    ends = starts + rng.integers(1, 60, n)
    if seed % 5 == 0:  # duplicates and identical centres
        starts[: n // 2] = starts[0]
        ends[: n // 2] = ends[0]
    values = rng.random((n, 1)).astype(np.float32)
    order = np.lexsort((np.arange(n), ends, starts))
    s, e, v = resolve_overlaps(starts[order], ends[order], values[order])
    assert np.all(e > s)
    assert np.all(s[1:] >= e[:-1])
    got = _expand(s, e, v)
    want = _brute_force(starts.tolist(), ends.tolist(), values[:, 0].tolist())
    assert got.keys() == want.keys()
    assert all(got[b] == pytest.approx(want[b]) for b in want)


def test_tiles_keep_their_central_bases():
    # tiles of 10 every 5: each base goes to the tile whose centre is nearest
    starts = np.arange(0, 30, 5)
    ends = starts + 10
    values = np.arange(len(starts), dtype=np.float32)[:, None]
    s, e, v = resolve_overlaps(starts, ends, values)
    got = _expand(s, e, v)
    assert got[0] == 0 and got[7] == 0 and got[8] == 1 and got[12] == 1 and got[13] == 2
    assert max(got) == 34 and got[34] == 5


def test_spool_sorts_unsorted_input_and_streams_sorted(tmp_path):
    rng = np.random.default_rng(0)
    spool = TrackSpool(2, workdir=tmp_path)
    starts = rng.permutation(np.arange(0, 5000, 10))
    for chunk in np.array_split(starts, 7):
        spool.add("b", chunk, chunk + 10, np.stack([chunk, -chunk], axis=1).astype(np.float32))
    spool.add("a", [0, 100], [50, 150], np.ones((2, 2), np.float32))
    blocks = list(spool.iter_resolved(["a", "b", "c"], block=64))
    assert [b[0] for b in blocks][0] == "a"
    b_s = np.concatenate([b[1] for b in blocks if b[0] == "b"])
    b_v = np.concatenate([b[3] for b in blocks if b[0] == "b"])
    assert np.array_equal(b_s, np.arange(0, 5000, 10))
    assert np.array_equal(b_v[:, 0], b_s.astype(np.float32))
    with pytest.raises(ValueError, match="missing from the header"):
        list(spool.iter_resolved(["b"]))
    spool.close()
    assert not any(tmp_path.iterdir())


def test_spool_blocks_do_not_split_overlaps(tmp_path):
    spool = TrackSpool(1, workdir=tmp_path)
    starts = np.arange(0, 2000, 5)
    spool.add("c", starts, starts + 10, starts[:, None].astype(np.float32))
    blocks = list(spool.iter_resolved(["c"], block=16))
    s = np.concatenate([b[1] for b in blocks])
    e = np.concatenate([b[2] for b in blocks])
    whole = resolve_overlaps(starts, starts + 10, starts[:, None].astype(np.float32))
    assert np.array_equal(s, whole[0]) and np.array_equal(e, whole[1])
    spool.close()
