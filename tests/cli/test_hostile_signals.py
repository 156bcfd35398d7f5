"""SIGTERM (timeout, kill, job schedulers) cleans up like Ctrl-C (issue 13 item 7): no hidden
``.PREFIX.*.tmp.*`` files, no ``.genebert-tracks-*`` spools, no complete-looking output."""

from __future__ import annotations

import signal
import subprocess
import sys
import time

import pytest


@pytest.mark.parametrize("sig, code", [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_a_signal_mid_run_leaves_nothing_behind(tiny_models, hg38_chr2, tmp_path, sig, code):
    out = tmp_path / "out"
    out.mkdir()
    bed = tmp_path / "in.bed"
    bed.write_text("".join(f"chr2\t{s}\t{s + 20_000}\tr{s}\n" for s in range(1_000_000, 1_400_000, 20_000)))
    cmd = [sys.executable, "-m", "genebert_tool.cli", "annotate", str(bed), "--genome", str(hg38_chr2),
           "--task", "splice", "--model", str(tiny_models["splice"]), "--tracks", "bigwig,bedgraph,bed6",
           "-o", str(out / "run"), "-q"]
    # A shell without job control starts background jobs with SIGINT ignored, and children inherit that
    # (so `make test &` or `nohup ... &` would make the SIGINT case hang): give the child default SIGINT.
    proc = subprocess.Popen(cmd, stderr=subprocess.PIPE, text=True, env={"OMP_NUM_THREADS": "1",
                                                                            **__import__("os").environ},
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    deadline = time.monotonic() + 120
    try:
        while not any(p.name.startswith(".") and "lock" not in p.name for p in out.iterdir()):
            assert proc.poll() is None, proc.stderr.read()  # it must still be working when the signal comes
            assert time.monotonic() < deadline, "the run never started writing"
            time.sleep(0.05)
        time.sleep(0.3)
        assert proc.poll() is None
        proc.send_signal(sig)
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == code, err
    assert "Traceback" not in err and ("terminated" if sig == signal.SIGTERM else "interrupted") in err
    assert sorted(p.name for p in out.iterdir()) == []  # no temp files, no spools, no lock, no outputs


def test_the_handler_is_scoped_to_the_command():
    """In-process callers (tests, notebooks) get their own SIGTERM handler back afterwards."""
    from genebert_tool.cli import _terminate_like_interrupt

    before = signal.getsignal(signal.SIGTERM)
    with _terminate_like_interrupt():
        assert signal.getsignal(signal.SIGTERM) is not before
    assert signal.getsignal(signal.SIGTERM) is before
