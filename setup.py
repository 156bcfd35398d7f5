"""Install genebert: ``pip install -e .[dev,tui]`` (torch==2.13.0 first, see README)."""

from pathlib import Path

import re

from setuptools import find_packages, setup

ROOT = Path(__file__).parent
VERSION = re.search(r'__version__ = "([^"]+)"', (ROOT / "genebert_tool" / "__init__.py").read_text()).group(1)

setup(
    name="genebert",
    version=VERSION,
    description="GeneBERT: multi-modal self-supervised pre-training for the regulatory genome, and an annotation tool",
    long_description=(ROOT / "README.md").read_text() if (ROOT / "README.md").exists() else "",
    long_description_content_type="text/markdown",
    python_requires=">=3.10",
    packages=find_packages(include=["genebert_tool", "genebert_tool.*", "trainer", "trainer.*", "pretrained", "pretrained.*"]),
    package_data={"pretrained": ["*.json", "*/*.json", "*/*.safetensors", "*/*.md", "*/*.txt", "*/*.csv", "*/*.png"]},
    include_package_data=True,
    install_requires=[
        # A range that admits 2.13.0: with the CPU wheel installed first, nothing more is pulled.
        "torch>=2.4,<2.14",
        "transformers>=5.0,<6",
        "timm>=1.0,<2",
        "safetensors>=0.4",
        "numpy>=1.26",
        "click>=8.1",
        "pysam>=0.22",
        "pyfaidx>=0.8",
        "pyBigWig>=0.3.22",
        "pyjaspar>=4.0",
        "biopython>=1.83",
        "scikit-learn>=1.4",
        "tqdm>=4.66",
        "matplotlib>=3.8",
    ],
    extras_require={
        "tui": ["textual>=8.0,<9", "cairosvg>=2.7"],
        "bench": ["moods-python>=1.9.4"],
        "workflow": ["snakemake>=8"],  # workflow/Snakefile (scatter/gather over shards or contigs)
        "dev": ["pytest>=8", "pytest-timeout>=2.3", "hypothesis>=6.100", "anyio>=4", "textual>=8.0,<9", "cairosvg>=2.7", "moods-python>=1.9.4",
                "snakemake>=8"],
    },
    entry_points={"console_scripts": ["genebert=genebert_tool.cli:main"]},
)
