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


@main.command()
@click.option("-o", "--out", "out_dir", required=True, type=click.Path(file_okay=False),
              help="Corpus directory (created; an interrupted run resumes here).")
@click.option("--genome", type=click.Path(exists=True, dir_okay=False), help="Regions mode: genome FASTA.")
@click.option("--genome-offset", "genome_offsets", multiple=True, metavar="CHR=N",
              help="The FASTA record CHR starts at N (0-based) on the real chromosome.")
@click.option("--peaks", multiple=True, metavar="NAME=BED", help="Regions mode: accessible regions of one cell type (repeat).")
@click.option("--regions", "regions_bed", type=click.Path(exists=True, dir_okay=False),
              help="Regions mode: one BED of regions, with --matrix or --cell-type-column.")
@click.option("--matrix", type=click.Path(exists=True, dir_okay=False),
              help="Regions x cell-types TSV (header = cell types, one 0/1 row per --regions row).")
@click.option("--cell-type-column", type=click.IntRange(1), help="1-based --regions column of comma-separated cell types.")
@click.option("--groups", multiple=True, metavar="NAME=FILE",
              help="Groups mode: a labelled-sequence file (.seq[.gz] DeepBind, .csv GUE, FASTA) per group (repeat).")
@click.option("--deepbind", multiple=True, type=click.Path(exists=True),
              help="Groups mode: DeepBind _AC files or a directory of them (_B test folds are refused).")
@click.option("--k", default=6, show_default=True, type=click.IntRange(3, 6), help="k-mer size.")
@click.option("--region-len", default=30, show_default=True, type=int,
              help="bp per region (centred); 2 x n-regions x (region-len - k + 1) + 3 tokens must fit the model.")
@click.option("--n-regions", default=10, show_default=True, type=click.IntRange(2))
@click.option("--shard-size", default=1024, show_default=True, type=click.IntRange(1))
@click.option("--seed", default=0, show_default=True, type=int)
@click.option("--jaspar-release", default="JASPAR2018", show_default=True)
@click.option("--tfs", help="Comma-separated TF names for the motif columns (default: all CORE vertebrates).")
@click.option("--max-samples-per-cell-type", type=click.IntRange(1), help="Keep a seeded contiguous block of N samples.")
@_library_errors
def prepare(out_dir, genome, genome_offsets, peaks, regions_bed, matrix, cell_type_column, groups, deepbind, k,
            region_len, n_regions, shard_size, seed, jaspar_release, tfs, max_samples_per_cell_type) -> None:
    """Build a pre-training corpus: samples of 10 consecutive accessible regions per cell type.

    \b
    Regions mode (the paper):  --genome G.fa  and  --peaks NAME=BED ...  |  --regions R.bed --matrix M.tsv
                               |  --regions R.bed --cell-type-column N
    Groups mode (no coordinates): --deepbind DIR_OR_AC_FILES ... | --groups NAME=FILE ...
    Output: sharded .npy (k-mer ids, 10 x n_TF motif max log-odds, cell type, coordinates) + index.json.
    """
    from genebert_tool.genome.fasta import parse_offsets
    from trainer.corpus import deepbind_groups, parse_named_paths, prepare_corpus

    group_map = {**(deepbind_groups(deepbind) if deepbind else {}), **parse_named_paths(groups, option="--groups")}
    index = prepare_corpus(
        out_dir, genome=genome, peaks=parse_named_paths(peaks, option="--peaks") or None,
        regions_bed=regions_bed, matrix=matrix, cell_type_column=cell_type_column,
        groups=group_map or None, k=k, region_len=region_len, n_regions=n_regions, shard_size=shard_size,
        seed=seed, jaspar_release=jaspar_release,
        tf_names=[t.strip() for t in tfs.split(",") if t.strip()] if tfs else None,
        max_samples_per_cell_type=max_samples_per_cell_type, offsets=parse_offsets(genome_offsets) or None,
    )
    click.echo(f"{out_dir}: {index['mode']} mode, {index['n_samples']} samples "
               f"({index['n_with_next']} with a next sample) in {len(index['shards'])} shards, "
               f"{len(index['cell_types'])} cell types, {index['n_tfs']} motifs, "
               f"{index['shards_skipped_on_resume']} shards reused, {index['rejects']} rejected lines", err=True)


@main.command()
@click.option("--config", "config_path", required=True, type=click.Path(exists=True, dir_okay=False),
              help="Training config JSON (trainer.config.TrainConfig; see examples/pretrain_tiny.json).")
@click.option("--data", required=True, type=click.Path(exists=True, file_okay=False), help="Corpus from `genebert prepare`.")
@click.option("-o", "--out", "out_dir", required=True, type=click.Path(file_okay=False), help="Run directory.")
@click.option("--resume", is_flag=True, help="Continue exactly from the newest RUN/checkpoint-STEP.")
@click.option("--max-steps", type=click.IntRange(1), help="Override the config's max_steps.")
@click.option("--max-minutes", type=float, help="Override the config's max_minutes (stop, checkpoint, write final).")
@click.option("--num-threads", type=click.IntRange(1), help="Override the config's CPU threads.")
@click.option("--device", type=click.Choice(["auto", "cpu", "cuda"]), help="Override the config's device.")
@_library_errors
def pretrain(config_path, data, out_dir, resume, max_steps, max_minutes, num_threads, device) -> None:
    """Pre-train GeneBERT (MGM + NGSP + SRM) on a prepared corpus; multi-GPU/node via torchrun.

    Writes RUN/checkpoint-STEP/ and RUN/final/ (loadable with from_pretrained), RUN/loss_curve.csv/.png.
    """
    from trainer.pretrain import pretrain as run_pretrain

    summary = run_pretrain(config_path, data, out_dir, resume=resume,
                           overrides={"max_steps": max_steps, "max_minutes": max_minutes,
                                      "num_threads": num_threads, "device": device})
    click.echo(f"{out_dir}: {summary['steps']} steps, loss {summary['first_loss']:.4f} -> "
               f"{summary['last_loss']:.4f}, {summary['tokens']} tokens in {summary['wall_s']:.0f} s", err=True)



# ---- finetune / evaluate (issue 4) -------------------------------------------------------


# ---- annotate (issue 5) ------------------------------------------------------------------


# ---- browse (issue 6) --------------------------------------------------------------------


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--genome", "-g", type=click.Path(dir_okay=False), help="FASTA: show bases when zoomed in.")
@click.option("--genome-offset", "genome_offsets", multiple=True, metavar="CHR=N",
              help="The --genome FASTA record CHR starts at N (0-based) on the real chromosome.")
@click.option("--locus", "-l", help="Start here: chr:start-end (1-based, inclusive; commas ok), chr:pos, chr or a feature name.")
@_library_errors
def browse(files: tuple[str, ...], genome: str | None, genome_offsets: tuple[str, ...], locus: str | None) -> None:
    """Browse bigWig, BED/narrowPeak/GTF and VCF files in the terminal.

    \b
    Tracks are stacked in the order given. Keys: h/l or arrows pan, +/- zoom,
    n/p next/previous feature, [ and ] back/forward, g or / to type a locus,
    t for the table (enter jumps, s sorts by score), ? for help, q to quit.
    A count repeats a key: 10l. Positions typed and shown are 1-based inclusive,
    like UCSC and IGV (0-based half-open inside).
    """
    from genebert_tool.genome.fasta import parse_offsets
    from genebert_tool.tui.app import run_browser  # textual loads only when browsing

    run_browser(files, genome=genome, locus=locus, genome_offsets=parse_offsets(genome_offsets) or None)


if __name__ == "__main__":  # pragma: no cover
    main()
