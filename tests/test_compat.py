"""The torchvision shim makes timm and transformers importable beside the CPU torch wheel."""

from __future__ import annotations

import subprocess
import sys


def _run(code: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)


def test_timm_and_transformers_import_in_a_fresh_interpreter():
    code = (
        "import genebert_tool.model\n"
        "import timm, transformers\n"
        "from transformers import BertForPreTraining, BertConfig\n"
        "m = timm.create_model('swin_tiny_patch4_window7_224', pretrained=False, in_chans=1, num_classes=0,"
        " img_size=32, patch_size=4, window_size=4, embed_dim=24, depths=(1, 1), num_heads=(2, 2))\n"
        "print('OK', type(m).__name__)\n"
    )
    proc = _run(code)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "OK SwinTransformer" in proc.stdout


def test_shim_is_idempotent():
    code = (
        "from genebert_tool._compat import ensure_torchvision_importable as e\n"
        "first = e(); second = e()\n"
        "assert first == second\n"
        "import torchvision\n"
        "print('OK')\n"
    )
    proc = _run(code)
    assert proc.returncode == 0, proc.stderr[-2000:]


def test_cli_module_does_not_import_heavy_libraries():
    # `genebert --help` must answer fast: the CLI module may not pull torch, transformers, timm
    # or textual at import time.
    code = (
        "import sys, genebert_tool.cli\n"
        "heavy = [m for m in ('torch', 'transformers', 'timm', 'textual', 'pysam') if m in sys.modules]\n"
        "print(heavy)\n"
    )
    proc = _run(code)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.strip() == "[]"


def test_help_lists_commands():
    proc = subprocess.run([sys.executable, "-m", "genebert_tool.cli", "--help"], capture_output=True, text=True)
    assert proc.returncode == 0
    assert "Usage:" in proc.stdout


def test_broken_pipe_exits_quietly():
    # `genebert motifs list | head -1` must not print a Broken pipe error.
    proc = subprocess.run(
        f"{sys.executable} -m genebert_tool.cli motifs list | head -1",
        shell=True, capture_output=True, text=True, timeout=120,
    )
    assert proc.stdout.startswith("#")
    assert "Broken pipe" not in proc.stderr
    assert "Traceback" not in proc.stderr
