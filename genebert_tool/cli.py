"""The ``genebert`` command line.

Each command parses and validates its options, then calls one library function. Heavy imports
(torch, transformers, timm, textual, pysam) live inside the commands so that ``genebert --help``
answers fast. Library errors (``GeneBertError``) become a one-line message and exit status 1.
"""

from __future__ import annotations

import functools
import sys

import click

from genebert_tool import __version__


def _library_errors(func):
    """Turn GeneBertError / ValueError / OSError raised by library code into ClickException."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        from genebert_tool.errors import GeneBertError

        try:
            return func(*args, **kwargs)
        except (GeneBertError, ValueError, OSError) as exc:
            raise click.ClickException(str(exc)) from exc
        except KeyboardInterrupt:
            click.echo("genebert: interrupted", err=True)
            sys.exit(130)

    return wrapper


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="genebert")
def main() -> None:
    """GeneBERT: multi-modal pre-training for the regulatory genome, and a tool that uses it.

    \b
    Annotate regions, variants and sequences with promoter, TFBS, splice-site and
    variant-risk scores; scan JASPAR motifs; build corpora; pre-train and fine-tune.
    Coordinates are 0-based half-open inside; each file format's own convention at its edges.
    Real data: GENEBERT_DATA (default ../shared/data).
    """


# ---- motifs (issue 2) --------------------------------------------------------------------


# ---- prepare / pretrain (issue 3) --------------------------------------------------------


# ---- finetune / evaluate (issue 4) -------------------------------------------------------


# ---- annotate (issue 5) ------------------------------------------------------------------


# ---- browse (issue 6) --------------------------------------------------------------------


if __name__ == "__main__":  # pragma: no cover
    main()
