"""``spliceai.utils.get_delta_scores`` itself on a few variants, inside the SpliceAI venv.

Started by ``tests/benchmarks/test_risk_clinvar.py`` (and usable by hand) to check that
``benchmarks/spliceai_clinvar.py`` reproduces the package's own variant scores. Two patches, both
for the venv's numpy 2 / keras 3 only: ``one_hot_encode`` via ``np.frombuffer`` (numpy 2 dropped
``np.fromstring``) and ``load_model(..., compile=False)``. Reads ``chrom pos ref alt`` lines from
stdin, prints ``chrom:pos ref>alt<TAB>max DS`` (max over the variant's genes; ``.`` = not scored).

    python _spliceai_check_child.py FASTA < variants.txt
"""

from __future__ import annotations

import sys
from collections import namedtuple

import numpy as np

Record = namedtuple("Record", "chrom pos ref alts")


def main() -> int:
    import keras
    import spliceai.utils as su

    def one_hot_encode(seq):
        table = np.asarray([[0, 0, 0, 0], [1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]])
        seq = seq.upper().replace("A", "\x01").replace("C", "\x02").replace("G", "\x03").replace("T", "\x04") \
            .replace("N", "\x00")
        return table[np.frombuffer(seq.encode("latin-1"), np.int8) % 5]

    su.one_hot_encode = one_hot_encode
    su.load_model = lambda path: keras.models.load_model(path, compile=False)
    ann = su.Annotator(sys.argv[1], "grch38")
    for line in sys.stdin:
        if not line.strip():
            continue
        chrom, pos, ref, alt = line.split()
        scores = su.get_delta_scores(Record(chrom, int(pos), ref, (alt,)), ann, 50, 0)
        values = [max(float(v) for v in s.split("|")[2:6]) for s in scores if s.split("|")[2] != "."]
        print(f"{chrom}:{pos} {ref}>{alt}\t{max(values) if values else '.'}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
