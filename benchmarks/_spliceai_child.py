"""SpliceAI 1.3.1 per-base scoring; runs inside the SpliceAI venv (tensorflow + keras 3), never genebert's.

Started by ``benchmarks/splice_vs_spliceai.py`` as a subprocess. Reads one sequence per line (already
in transcript orientation, each with ``context // 2`` bases of flank on both sides, N-padded), scores
every core base with the 5 SpliceAI models averaged (as ``spliceai`` itself does) and writes:

* ``--out``: float32 ``(sum of core lengths, 2)`` = (donor, acceptor) per core base, sequences
  concatenated in input order, in the orientation of the input sequence;
* ``--timing``: JSON with ``load_s`` (TF import + 5 model loads + one warm-up call per model),
  ``score_s`` (wall time of scoring only), ``score_cpu_s`` (its CPU time, all threads), ``n_positions`` and the versions used.

Long sequences are cut into equal blocks of at most ``--chunk`` scored bases, each with its full
``context`` of flank (SpliceAI's training layout is 5,000 scored bases + 5,000 each side; the network
is fully convolutional and crops the flanks, so longer blocks give the same scores with less
recomputed flank); the blocks of one sequence are batched.

This file imports only numpy, tensorflow and keras, so it must not import anything from genebert.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import warnings
from pathlib import Path

import numpy as np

# SpliceAI's encoding: A, C, G, T one-hot; N (and anything else) all zeros
_LUT = np.zeros((256, 4), dtype=np.float32)
for _i, _b in enumerate("ACGT"):
    _LUT[ord(_b), _i] = 1.0
    _LUT[ord(_b.lower()), _i] = 1.0


def one_hot(seq: str) -> np.ndarray:
    """(len(seq), 4) float32; ``np.frombuffer`` (numpy 2 dropped ``np.fromstring``, which SpliceAI uses)."""
    return _LUT[np.frombuffer(seq.encode("ascii"), dtype=np.uint8)]


def blocks(seq: str, *, context: int, chunk: int) -> list[str]:
    """Cut one flanked sequence into equal inputs of ``size + context`` bases covering its core.

    ``n = ceil(core / chunk)`` blocks of ``size = ceil(core / n)`` scored bases each (so a short gene
    is not padded up to a whole chunk); the last block is N-padded on the right by fewer than ``n``
    bases, whose outputs the caller trims.
    """
    core = len(seq) - context
    if core <= 0:
        raise ValueError(f"sequence of {len(seq)} bp is not longer than the context ({context})")
    n = -(-core // chunk)
    size = -(-core // n)
    padded = seq + "N" * (n * size - core)
    return [padded[j * size: j * size + size + context] for j in range(n)]


def model_paths() -> list[Path]:
    """The five SpliceAI .h5 files shipped inside the ``spliceai`` package (found without importing it)."""
    import importlib.util

    spec = importlib.util.find_spec("spliceai")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("spliceai is not installed in this interpreter")
    root = Path(list(spec.submodule_search_locations)[0]) / "models"
    paths = [root / f"spliceai{i}.h5" for i in range(1, 6)]
    missing = [str(p) for p in paths if not p.is_file()]
    if missing:
        raise SystemExit(f"SpliceAI model files missing: {', '.join(missing)}")
    return paths


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seqs", required=True, help="text file, one flanked sequence per line")
    ap.add_argument("--out", required=True, help=".npy to write (n_positions, 2) donor/acceptor")
    ap.add_argument("--timing", required=True, help="JSON to write load/score times")
    ap.add_argument("--context", type=int, default=10_000)
    ap.add_argument("--chunk", type=int, default=5_000)
    ap.add_argument("--batch-size", type=int, default=1)
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args(argv)

    seqs = [line.strip() for line in Path(args.seqs).read_text().splitlines() if line.strip()]
    t0 = time.perf_counter()
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import tensorflow as tf

    tf.config.threading.set_intra_op_parallelism_threads(args.threads)
    tf.config.threading.set_inter_op_parallelism_threads(args.threads)
    import keras

    # keras 3 warns that the .h5 graph names its input 'input_1'; the call is correct as it is
    warnings.filterwarnings("ignore", message="The structure of `inputs`")
    models = [keras.models.load_model(str(p), compile=False) for p in model_paths()]
    warm = one_hot("N" * (min(args.chunk, 1000) + args.context))[None]
    for m in models:  # the first call traces the graph; count it as loading, not scoring
        m(warm, training=False)
    load_s = time.perf_counter() - t0

    t1, c1 = time.perf_counter(), time.process_time()
    pieces, n_blocks = [], 0
    for seq in seqs:
        inputs = blocks(seq, context=args.context, chunk=args.chunk)  # all of one length: batchable
        n_blocks += len(inputs)
        outs = []
        for i in range(0, len(inputs), args.batch_size):
            x = np.stack([one_hot(b) for b in inputs[i: i + args.batch_size]])
            # SpliceAI averages its 5 models; output classes are (neither, acceptor, donor)
            y = sum(np.asarray(m(x, training=False)) for m in models) / len(models)
            outs.append(y.reshape(-1, 3))
        pieces.append(np.concatenate(outs)[: len(seq) - args.context, [2, 1]])  # -> (donor, acceptor)
    score_s, score_cpu_s = time.perf_counter() - t1, time.process_time() - c1

    result = np.concatenate(pieces).astype(np.float32) if pieces else np.zeros((0, 2), np.float32)
    np.save(args.out, result)
    Path(args.timing).write_text(json.dumps({
        "load_s": load_s, "score_s": score_s, "score_cpu_s": score_cpu_s, "n_positions": len(result), "n_blocks": n_blocks,
        "chunk": args.chunk, "context": args.context, "batch_size": args.batch_size, "threads": args.threads,
        "tensorflow": tf.__version__, "keras": keras.__version__, "numpy": np.__version__,
        "python": sys.version.split()[0], "pid": os.getpid(),
    }, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
