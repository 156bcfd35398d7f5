"""Where a run writes, and the guards around it: never over an input, never two runs on one prefix.

``-o`` is a prefix: every output is ``PREFIX.<something>`` in one directory. A prefix that is a
directory (``-o out/`` or an existing directory) means ``out/<input stem>``. Before anything is
written, :func:`check_outputs` compares every file the run may write with every file it reads
(input, genome and its indexes, model and risk-model files) by inode, and refuses a clash;
:class:`PrefixLock` holds an exclusive ``flock`` on ``.<name>.genebert.lock`` beside the outputs
for the whole run, so a second run on the same prefix is refused instead of silently mixing files.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import re
from collections.abc import Iterable, Sequence
from pathlib import Path

from genebert_tool.errors import InputError
from genebert_tool.writers.tracks import TRACK_FORMATS

_INPUT_SUFFIX = re.compile(r"(\.(bed|narrowpeak|broadpeak|bedgraph|vcf|bcf|fa|fasta|fna))?(\.(gz|bgz))?$", re.I)


def input_stem(source: str) -> str:
    """``peaks.bed.gz`` -> ``peaks``, ``calls.vcf.gz`` -> ``calls``: the input's name without format suffixes."""
    return _INPUT_SUFFIX.sub("", Path(source).name) or Path(source).name


def resolve_prefix(output: str, source: str) -> str:
    """``-o`` as given, or ``DIR/<input stem>`` when it names a directory (trailing ``/`` or existing)."""
    if output == "-":
        return output
    if output.endswith(os.sep) or os.path.isdir(output):
        if source == "-":
            raise InputError(f"-o {output} is a directory and stdin has no name: give a file prefix, e.g. {output.rstrip(os.sep)}/run")
        return os.path.join(output, input_stem(source))
    return output


def planned_outputs(prefix: str, fmt: str, columns: Sequence[str] = ()) -> list[str]:
    """Every file a run with ``prefix`` may write (a superset: all track formats)."""
    if prefix == "-":
        return []
    table = {"vcf": [".vcf.gz", ".vcf.gz.tbi"], "bed": [".bed"], "fasta": [".tsv"]}[fmt]
    per_column = [] if fmt == "vcf" else [f.suffix for f in TRACK_FORMATS.values()]
    return ([prefix + s for s in table] + [prefix + ".rejected.tsv"]
            + [f"{prefix}.{c}{s}" for c in columns for s in per_column])


def read_files(source: str, genome: str | None, model_dirs: Iterable[str | os.PathLike] = ()) -> list[str]:
    """The files a run reads: the input, the genome with its indexes, every file of the model directories
    (and any plain file among them: a classifier JSON, an annotation BED)."""
    files = [] if source == "-" else [source]
    if genome:
        files += [genome, genome + ".fai", genome + ".gzi"]
    for d in model_dirs:
        if d and os.path.isdir(d):
            files += [str(p) for p in Path(d).rglob("*") if p.is_file()]
        elif d and os.path.isfile(d):
            files.append(str(d))
    return files


def check_outputs(outputs: Iterable[str], inputs: Iterable[str]) -> None:
    """``InputError`` when an output would replace an input (same inode, through any path or link)."""
    existing = []
    for path in inputs:
        with contextlib.suppress(OSError):
            st = os.stat(path)
            existing.append((path, st.st_dev, st.st_ino))
    for out in outputs:
        try:
            st = os.stat(out)
        except OSError:
            continue
        for path, dev, ino in existing:
            if (st.st_dev, st.st_ino) == (dev, ino):
                raise InputError(f"output would overwrite the input {path}: choose another -o prefix",
                                 path=out)


class PrefixLock:
    """An exclusive lock on one output prefix for the length of a run (``with PrefixLock(prefix):``).

    The lock file is removed on release; a lock file another process unlinked meanwhile is
    re-created (the inode check), so two runs never both believe they hold it.
    """

    def __init__(self, prefix: str) -> None:
        p = Path(prefix)
        self.path = None if prefix == "-" else p.parent / f".{p.name}.genebert.lock"
        self._fd: int | None = None

    def __enter__(self) -> PrefixLock:
        if self.path is None:
            return self
        while True:
            try:
                fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
            except OSError as exc:
                raise InputError(f"cannot write in directory {self.path.parent}: {exc.strerror or exc}",
                                 path=str(self.path.parent)) from None
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError as exc:
                os.close(fd)
                if exc.errno in (errno.EAGAIN, errno.EACCES):
                    raise InputError(f"another genebert run is writing the outputs of prefix "
                                     f"{str(self.path.parent / self.path.name[1:-len('.genebert.lock')])} "
                                     f"(lock {self.path}); wait for it or choose another -o") from None
                raise
            try:
                same = os.fstat(fd).st_ino == os.stat(self.path).st_ino
            except FileNotFoundError:
                same = False
            if same:
                os.write(fd, f"{os.getpid()}\n".encode())
                self._fd = fd
                return self
            os.close(fd)  # the holder removed it between our open and flock: take the new one

    def __exit__(self, *exc) -> None:
        if self._fd is not None:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self.path)
            os.close(self._fd)
            self._fd = None
