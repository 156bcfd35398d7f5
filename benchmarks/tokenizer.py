"""Throughput of KmerTokenizer.encode on real sequence (hg38 chr2:0-2,333,275), against a
per-k-mer Python loop (the obvious implementation), and of encode_batch on 1 kb windows.

Run: ``.venv/bin/python benchmarks/tokenizer.py [--k 6] [--repeats 5]``. Prints Mb/s.
"""

from __future__ import annotations

import argparse
import time

from genebert_tool.datadir import data_file
from genebert_tool.genome.fasta import Genome
from genebert_tool.genome.tokenizer import KmerTokenizer


def python_loop_encode(seq: str, k: int) -> list[int]:
    index = {b: i for i, b in enumerate("ACGT")}
    out = []
    for i in range(len(seq) - k + 1):
        value = 0
        for base in seq[i : i + k]:
            digit = index.get(base)
            if digit is None:
                value = -4  # -> [UNK] id 1 after the +5
                break
            value = value * 4 + digit
        out.append(value + 5)
    return out


def best_of(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--k", type=int, default=6)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()

    with Genome(data_file("genome/hg38_chr2_1-2333275.fa.gz")) as genome:
        length = genome.contigs["chr2"]
        seq = genome.fetch("chr2", 0, length)
    tok = KmerTokenizer(args.k)
    mb = len(seq) / 1e6

    t_vec = best_of(lambda: tok.encode(seq), args.repeats)
    loop_piece = seq[1_000_000:1_200_000]  # the loop is slow: time 200 kb and scale
    t_loop = best_of(lambda: python_loop_encode(loop_piece, args.k), 1) * len(seq) / len(loop_piece)
    assert tok.encode(loop_piece).tolist() == python_loop_encode(loop_piece, args.k)

    windows = [seq[i : i + 1000] for i in range(0, len(seq) - 1000, 1000)]
    t_batch = best_of(lambda: tok.encode_batch(windows, max_len=1000 - args.k + 3), max(1, args.repeats // 2))

    print(f"sequence: hg38 chr2:0-{length:,} ({mb:.2f} Mb, {seq.count('N'):,} N), k={args.k}")
    print(f"encode (vectorised numpy)   {mb / t_vec:8.1f} Mb/s  {t_vec * 1e3:8.1f} ms")
    print(f"encode (Python k-mer loop)  {mb / t_loop:8.1f} Mb/s  {t_loop * 1e3:8.1f} ms (scaled from 200 kb)")
    print(f"speed-up                    {t_loop / t_vec:8.1f} x")
    print(f"encode_batch, {len(windows):,} x 1 kb  {mb / t_batch:8.1f} Mb/s  {t_batch * 1e3:8.1f} ms")


if __name__ == "__main__":
    main()
