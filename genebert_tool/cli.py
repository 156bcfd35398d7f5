"""The ``genebert`` command line.

Each command parses and validates its options, then calls one library function. Heavy imports
(torch, transformers, timm, textual, pysam) live inside the commands so that ``genebert --help``
answers fast. Library errors (``GeneBertError``) become a one-line message and exit status 1.
"""

from __future__ import annotations

import contextlib
import functools
import sys

import click

from genebert_tool import __version__
from genebert_tool.motifs.jaspar import DEFAULT_RELEASE as JASPAR_RELEASE
from genebert_tool.tasks import annotate_tasks, task_names
from genebert_tool.writers.tracks import TRACK_FORMATS


def _silence_stdout() -> None:
    """Point stdout at /dev/null so the interpreter's final flush cannot raise again."""
    import os

    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())


def _library_errors(func):
    """Turn GeneBertError / ValueError / OSError raised by library code into ClickException."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        from genebert_tool.errors import GeneBertError

        try:
            return func(*args, **kwargs)
        except BrokenPipeError:
            # `genebert ... | head`: the reader went away; like samtools, stop quietly.
            _silence_stdout()
            sys.exit(0)
        except (GeneBertError, ValueError, OSError) as exc:
            raise click.ClickException(str(exc)) from exc
        except KeyboardInterrupt as exc:
            terminated = isinstance(exc, _Terminated)
            click.echo("genebert: terminated" if terminated else "genebert: interrupted", err=True)
            sys.exit(143 if terminated else 130)

    return wrapper


class _Terminated(KeyboardInterrupt):
    """SIGTERM, raised where the program is, so it unwinds like Ctrl-C: every writer aborts (temp
    files removed), track spools and worker pools close, and nothing complete-looking is left."""


@contextlib.contextmanager
def _terminate_like_interrupt():
    """For the length of a command, SIGTERM raises ``_Terminated`` in this process; the previous
    handler comes back afterwards. A forked child (a DataLoader or pool worker) inheriting the
    handler dies of SIGTERM as usual instead of unwinding its copy of the parent's stack."""
    import os
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    owner = os.getpid()

    def handler(signum, frame):
        if os.getpid() != owner:
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            os.kill(os.getpid(), signal.SIGTERM)
            return
        raise _Terminated()

    previous = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


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


# ---- motifs ------------------------------------------------------------------------------


@main.group()
def motifs() -> None:
    """Scan JASPAR CORE vertebrate motifs (pyjaspar, offline); list them."""


@motifs.command("scan")
@click.argument("input_path", metavar="INPUT", type=str)
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, allow_dash=True),
              help="Affinity matrix: TSV (rows = regions, columns = MATRIXID_TF), or .npz if the name ends in .npz.")
@click.option("--genome", "genome_path", type=click.Path(exists=True, dir_okay=False),
              help="Reference FASTA (plain, bgzip or gzip); required for BED input.")
@click.option("--genome-offset", "genome_offsets", multiple=True, metavar="CHR=OFFSET",
              help="Real coordinate of the first base of a FASTA record (FASTA pieces), e.g. chr22=32000000.")
@click.option("--format", "fmt", type=click.Choice(["bed", "fasta"]), default=None,
              help="Input format; by default from the file name. Needed when INPUT is '-' (stdin).")
@click.option("--release", default=JASPAR_RELEASE, show_default=True, help="JASPAR release shipped with pyjaspar.")
@click.option("--tf", "tf_names", multiple=True, metavar="NAME",
              help="Only these motifs (TF name such as CTCF, or matrix ID such as MA0139.1); repeatable.")
@click.option("--threshold", type=float, default=None,
              help="Report every window scoring >= T bits (log-odds, base 2) to --hits-out.")
@click.option("--hits-out", type=click.Path(dir_okay=False, allow_dash=True), default=None,
              help="BED6 of motif hits (chrom, start, end, TF, score, strand); needs --threshold.")
@_library_errors
def motifs_scan(input_path, output, genome_path, genome_offsets, fmt, release, tf_names, threshold, hits_out):
    """Maximum motif log-odds score per region (both strands) for a BED or FASTA INPUT.

    \b
    Example:
      genebert motifs scan peaks.bed --genome hg38.fa --tf CTCF --tf SP1 -o affinity.tsv
    """
    if (threshold is None) != (hits_out is None):
        raise click.UsageError("--threshold and --hits-out go together")
    from genebert_tool.genome.fasta import parse_offsets
    from genebert_tool.motifs.cli_scan import scan_to_file

    summary = scan_to_file(
        input_path, output, genome_path=genome_path, offsets=parse_offsets(genome_offsets), fmt=fmt,
        release=release, tf_names=tf_names, threshold=threshold, hits_out=hits_out,
    )
    hits = "" if summary.n_hits is None else f", {summary.n_hits} hits -> {hits_out}"
    click.echo(f"genebert motifs scan: {summary.n_records} regions x {summary.n_motifs} motifs "
               f"({summary.release}) -> {output}{hits}", err=True)


@motifs.command("list")
@click.option("--release", default=JASPAR_RELEASE, show_default=True, help="JASPAR release shipped with pyjaspar.")
@_library_errors
def motifs_list(release):
    """List the CORE vertebrate motifs of a release (TSV on stdout)."""
    from genebert_tool.motifs.cli_scan import write_motif_list

    write_motif_list(click.get_text_stream("stdout"), release)


# ---- prepare / pretrain ------------------------------------------------------------------


@main.command()
@click.option("-o", "--out", "out_dir", required=True, type=click.Path(file_okay=False),
              help="Corpus directory (created; an interrupted run resumes here).")
@click.option("--genome", type=click.Path(exists=True, dir_okay=False), help="Regions mode: genome FASTA.")
@click.option("--genome-offset", "genome_offsets", multiple=True, metavar="CHR=N",
              help="The FASTA record CHR starts at N (0-based) on the real chromosome.")
@click.option("--peaks", multiple=True, metavar="NAME=BED", help="Regions mode: accessible regions of one cell type (repeat; a repeated NAME unites its files).")
@click.option("--regions", "regions_bed", type=click.Path(exists=True, dir_okay=False),
              help="Regions mode: one BED of regions, with --matrix or --cell-type-column.")
@click.option("--matrix", type=click.Path(exists=True, dir_okay=False),
              help="Regions x cell-types TSV (header = cell types, one 0/1 row per --regions row).")
@click.option("--cell-type-column", type=click.IntRange(1), help="1-based --regions column of cell-type names.")
@click.option("--cell-type-sep", default=",", show_default=True, help="Separator of the --cell-type-column names (REMO: ';').")
@click.option("--signal", multiple=True, metavar="NAME=BIGWIG",
              help="Regions mode: an accessibility signal track of one cell type; peaks are called with MACS3 bdgpeakcall.")
@click.option("--peak-cutoff", default="p90", show_default=True,
              help="--signal: bdgpeakcall cutoff, a number or pNN = NN-th percentile of the track's covered bases.")
@click.option("--peak-min-length", default=100, show_default=True, type=click.IntRange(1), help="--signal: bdgpeakcall -l.")
@click.option("--peak-max-gap", default=50, show_default=True, type=click.IntRange(0), help="--signal: bdgpeakcall -g.")
@click.option("--region", "include", multiple=True, metavar="CHR:START-END",
              help="Keep only regions inside (repeatable; 0-based half-open); the rest go to rejects.tsv. "
                   "chr22 >= 38,000,000 (the hidden test region) is always rejected.")
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
@click.option("--jaspar-release", default=JASPAR_RELEASE, show_default=True)
@click.option("--tfs", help="Comma-separated TF names for the motif columns (default: all CORE vertebrates).")
@click.option("--max-samples-per-cell-type", type=click.IntRange(1), help="Keep a seeded contiguous block of N samples.")
@_library_errors
def prepare(out_dir, genome, genome_offsets, peaks, regions_bed, matrix, cell_type_column, cell_type_sep, signal,
            peak_cutoff, peak_min_length, peak_max_gap, include, groups, deepbind, k, region_len, n_regions, shard_size, seed, jaspar_release, tfs, max_samples_per_cell_type) -> None:
    """Build a pre-training corpus: samples of 10 consecutive accessible regions per cell type.

    \b
    Regions mode (the paper):  --genome G.fa  and  --peaks NAME=BED ...  |  --regions R.bed --matrix M.tsv
                               |  --regions R.bed --cell-type-column N
    Groups mode (no coordinates): --deepbind DIR_OR_AC_FILES ... | --groups NAME=FILE ...
    Output: sharded .npy (k-mer ids, 10 x n_TF motif max log-odds, cell type, coordinates) + index.json.
    """
    from genebert_tool.genome.fasta import parse_offsets
    from genebert_tool.annotate.restrict import parse_region
    from trainer.corpus import deepbind_groups, parse_named_paths, prepare_corpus

    group_map = {**(deepbind_groups(deepbind) if deepbind else {}), **parse_named_paths(groups, option="--groups")}
    index = prepare_corpus(
        out_dir, genome=genome, peaks=parse_named_paths(peaks, option="--peaks", allow_repeat=True) or None,
        regions_bed=regions_bed, matrix=matrix, cell_type_column=cell_type_column,
        groups=group_map or None, k=k, region_len=region_len, n_regions=n_regions, shard_size=shard_size,
        seed=seed, jaspar_release=jaspar_release,
        tf_names=[t.strip() for t in tfs.split(",") if t.strip()] if tfs else None,
        max_samples_per_cell_type=max_samples_per_cell_type, offsets=parse_offsets(genome_offsets) or None,
        signal=parse_named_paths(signal, option="--signal") or None, peak_cutoff=peak_cutoff,
        peak_min_length=peak_min_length, peak_max_gap=peak_max_gap, cell_type_sep=cell_type_sep,
        include=[(r.chrom, r.start, r.end) for r in map(parse_region, include)] or None,
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



@main.command("pretrain-eval")
@click.argument("model_dir", type=click.Path(exists=True, file_okay=False))
@click.option("--data", required=True, type=click.Path(exists=True, file_okay=False),
              help="A dev corpus from `genebert prepare` (e.g. chr22:30-38 Mb), not the training corpus.")
@click.option("--batches", default=20, show_default=True, type=click.IntRange(1))
@click.option("--batch-size", default=16, show_default=True, type=click.IntRange(2))
@click.option("--seed", default=0, show_default=True, type=int)
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write the metrics as JSON here (atomically).")
@_library_errors
def pretrain_eval(model_dir, data, batches, batch_size, seed, output) -> None:
    """Dev metrics of a backbone: MGM loss/accuracy, NGSP accuracy, SRM in-batch top-1, each with its chance level."""
    import json as _json

    from genebert_tool.genome.io import atomic_write
    from trainer.pretrain_eval import evaluate_pretraining

    res = evaluate_pretraining(model_dir, data, n_batches=batches, batch_size=batch_size, seed=seed)
    text = _json.dumps(res, indent=2) + "\n"
    if output:
        with atomic_write(output) as fh:
            fh.write(text)
    click.echo(text, nl=False)


# ---- finetune / evaluate -----------------------------------------------------------------


def _expand_inputs(patterns: tuple[str, ...], option: str) -> list[str]:
    """Expand quoted glob patterns (``'deepbind_encode/*_AC.seq.gz'``) in file options, in order."""
    import glob

    files: list[str] = []
    for pattern in patterns:
        if any(ch in pattern for ch in "*?["):
            matches = sorted(glob.glob(pattern))
            if not matches:
                raise click.BadParameter(f"no file matches {pattern!r}", param_hint=option)
            files.extend(matches)
        else:
            files.append(pattern)
    return files


@main.command("finetune")
@click.option("--task", type=click.Choice([*task_names(), "risk"]), required=True,
              help="Task head to train (the registry in genebert_tool/tasks.py). For the variant classifier use "
                   "`genebert finetune-risk`.")
@click.option("--train", "train_files", multiple=True, metavar="FILE",
              help="Training file (repeatable; quoted globs allowed; not needed with a config whose 'genome' "
                   "section samples windows from a genome). GUE .csv, DeepBind *_AC.seq.gz "
                   "(several = one multi-task model), UCI splice.data. DeepBind _B test folds are refused.")
@click.option("--dev", "dev_files", multiple=True, metavar="FILE",
              help="Dev file(s) for early stopping/selection. Default: a seeded held-out part of --train "
                   "(UCI splice: stratified train/dev/test, recorded in split.json).")
@click.option("--base", default=None, metavar="MODEL",
              help="Pre-trained backbone (directory or registered name). Default: random init of the config "
                   "(the no-pre-training ablation).")
@click.option("--modality", type=click.Choice(["seq", "seq+region"]), default=None,
              help="seq: k-mer BERT only; seq+region: also a motif-scan region matrix of each sequence.")
@click.option("--config", "config_path", type=click.Path(exists=True, dir_okay=False), default=None,
              help="Fine-tuning settings JSON (trainer.finetune.FinetuneConfig fields).")
@click.option("--seed", type=int, default=None, help="Overrides the config's seed.")
@click.option("--register", "register_as", default=None, metavar="NAME",
              help="Also record the model in pretrained/manifest.json under NAME (copies it there).")
@click.option("-o", "--out", "out_dir", required=True, type=click.Path(file_okay=False), help="Model directory to write.")
@_library_errors
def finetune_cmd(task, train_files, dev_files, base, modality, config_path, seed, register_as, out_dir):
    """Fine-tune a task model with early stopping on dev; refuses to save a one-class predictor."""
    if task == "risk":  # "risk" stays a choice only to point to the command that replaced it
        raise click.UsageError("--task risk is now its own command: genebert finetune-risk --train VCF --fasta FASTA "
                               "-o DIR (see genebert finetune-risk --help)")
    from trainer.finetune import FinetuneConfig, finetune

    cfg = FinetuneConfig.from_json(config_path) if config_path else FinetuneConfig()
    if not train_files and cfg.genome is None:
        raise click.UsageError("--train is required (or a --config with a 'genome' section)")
    cfg.task = task
    if base is not None:
        cfg.base = base
    if modality is not None:
        cfg.modality = modality
    if seed is not None:
        cfg.seed = seed
    summary = finetune(cfg, _expand_inputs(train_files, "--train"), _expand_inputs(dev_files, "--dev"), out_dir,
                       register_as=register_as)
    m = summary["dev_metrics"]
    click.echo(
        f"{out_dir}: best step {summary['best_step']} of {summary['steps_run']} ({summary['stop_reason']}); "
        f"dev n={m['n']} accuracy={m['accuracy']:.4f} auc={m['auc']:.4f} mcc={m['mcc']:.4f}",
        err=True,
    )


@main.command("finetune-risk")
@click.option("--train", "train_files", multiple=True, required=True, metavar="VCF",
              help="Labelled VCF (plain or .gz; repeatable; quoted globs allowed).")
@click.option("--fasta", "fastas", multiple=True, required=True, type=click.Path(dir_okay=False),
              help="Reference FASTA of the --train VCF(s) (plain, bgzip or gzip): one for all, or one per --train "
                   "in order.")
@click.option("--holdout", "holdouts", multiple=True, metavar="CHR:START-[END]",
              help="A region no --train record may touch (e.g. chr22:38000000-, the test split); one that does "
                   "stops the run. Repeatable.")
@click.option("--genome-offset", "genome_offsets", multiple=True, metavar="CHR=OFFSET",
              help="Real coordinate of the first base of a --fasta record (FASTA pieces); repeatable.")
@click.option("--model", "risk_models", multiple=True, metavar="NAME|DIR",
              help="Task model whose ALT-REF deltas are features (repeatable). "
                   "Default: every task's shipped model (genebert-promoter-genome, -tfbs-genome, -splice-genome).")
@click.option("--annotation", "annotations", multiple=True, type=click.Path(dir_okay=False), metavar="BED12",
              help="Gene annotation (BED12 transcripts, plain or .gz; repeatable, merged: e.g. one per --fasta): "
                   "adds splice-site distance, SNV-or-not and in-exon features; annotate then needs --annotation.")
@click.option("--label-field", default=None, metavar="KEY",
              help="INFO key of the label (default CLNSIG): ClinVar P/LP -> 1, B/LB -> 0, or 0/1; "
                   "anything else goes to rejects.tsv.")
@click.option("--cv-folds", type=click.IntRange(2), default=None, help="Stratified CV folds (default 5).")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the CV folds.")
@click.option("--version", "version", default=None, metavar="X.Y.Z",
              help="The classifier's version (recorded; --register uses it). Default: its task models' version.")
@click.option("--register", "register_as", default=None, metavar="NAME",
              help="Also copy the classifier files to pretrained/NAME and record them in the manifest.")
@click.option("-o", "--out", "out_dir", required=True, type=click.Path(file_okay=False), help="Directory to write.")
@_library_errors
def finetune_risk_cmd(train_files, fastas, holdouts, genome_offsets, risk_models, annotations, label_field, cv_folds,
                      seed, version, register_as, out_dir):
    """Train a variant-risk classifier (logistic regression) on the task models' ALT-REF deltas and,
    with --annotation, each variant's splice-site distance, SNV-or-not and in-exon features.

    \b
      genebert finetune-risk --train clinvar.vcf.gz --fasta hg38.fa --annotation canonical.bed \\
          --holdout chr22:38000000- -o runs/risk
    """
    train = _expand_inputs(train_files, "--train")
    if len(fastas) not in (1, len(train)):
        raise click.UsageError(f"give one --fasta for all --train VCFs or one per --train "
                               f"(got {len(train)} --train, {len(fastas)} --fasta)")
    from genebert_tool.genome.fasta import parse_offsets
    from trainer.risk import DEFAULT_FOLDS, register_risk_classifier, train_risk
    from trainer.risk_labels import LABEL_FIELD, parse_region

    s = train_risk(train, fastas, out_dir, model_refs=risk_models, label_field=label_field or LABEL_FIELD,
                   genome_offsets=parse_offsets(genome_offsets) or None, folds=cv_folds or DEFAULT_FOLDS,
                   seed=seed, holdout=[parse_region(h) for h in holdouts], annotation=annotations, version=version)
    m = s["cv_metrics"]
    click.echo(f"{out_dir}: {s['n_train']} labelled variants ({s['n_per_class'][1]} pathogenic, "
               f"{s['n_per_class'][0]} benign), {s['n_rejected']} rejected (rejects.tsv); C={m['c_final']:g}; "
               f"{m['folds']}-fold nested cv auc={m['auc']:.4f} pr_auc={m['pr_auc']:.4f} mcc={m['mcc']:.4f}",
               err=True)
    if annotations:
        click.echo(f"annotation features from {len(annotations)} file(s); {s['n_no_transcripts']} variants on "
                   "contigs without annotated transcripts", err=True)
    for warning in s["warnings"]:
        click.echo(f"warning: {warning}", err=True)
    if register_as:
        entry = register_risk_classifier(out_dir, register_as)
        click.echo(f"registered {register_as} {entry['version']} -> pretrained/{entry['path']}", err=True)


@main.command("evaluate")
@click.option("--model", "model", required=True, metavar="MODEL", help="Task model directory or registered name.")
@click.option("--task", type=click.Choice(task_names()), required=True)
@click.option("--data", "data_files", multiple=True, metavar="FILE",
              help="Labelled file(s) (repeatable; quoted globs allowed): GUE .csv, DeepBind .seq.gz, UCI splice.data.")
@click.option("--scan", is_flag=True,
              help="Genome scan: tile --region/--regions of --fasta (per base for splice), label tiles from --truth, "
                   "score the model and baselines on the same tiles (AUROC, AUPRC, precision at recall 0.5, "
                   "background FPR; splice: top-k).")
@click.option("--fasta", "fastas", multiple=True, metavar="FASTA", help="--scan: genome FASTA(s) (repeatable).")
@click.option("--region", "regions", multiple=True, metavar="CHR:START-END",
              help="--scan: region to scan, 0-based half-open (repeatable).")
@click.option("--regions", "regions_bed", default=None, metavar="BED", help="--scan: BED of regions to scan.")
@click.option("--truth", "truth_files", multiple=True, metavar="FILE",
              help="--scan: TSS BED (promoter), narrowPeak files named encode_dream.CELL.TF.* (tfbs; globs), "
                   "BED12 transcripts (splice).")
@click.option("--tile", type=click.IntRange(1), default=None, help="--scan: tile width (promoter 100, tfbs 200).")
@click.option("--step", type=click.IntRange(1), default=None, help="--scan: tile step (default: the tile width).")
@click.option("--no-baselines", "no_baselines", is_flag=True,
              help="--scan: skip the trained baselines (CNN, best PWM, splice PWM); CpG o/e and GC are always scored.")
@click.option("--split", type=click.Choice(["all", "train", "dev", "test"]), default="all", show_default=True,
              help="For files the model was trained on: score only this part of its recorded split.")
@click.option("--baselines", is_flag=True,
              help="Also train the baselines (best JASPAR PWM, k-mer LR, CNN) on the model's training rows "
                   "and score them on the same evaluation rows.")
@click.option("--baselines-train", "baselines_train", multiple=True, metavar="FILE",
              help="Baseline training file(s) instead of the model's recorded ones (repeatable; globs allowed). "
                   "DeepBind _B test folds are refused.")
@click.option("--ablations", is_flag=True,
              help="Also re-run the model's own fine-tuning (its finetune_config.json and split.json) once per "
                   "ablation: no pre-training, the other modality, a no-SRM backbone; each scored on the same rows. "
                   "CPU-expensive: one full fine-tuning run per ablation.")
@click.option("--no-srm-base", "no_srm_base", default=None, metavar="MODEL",
              help="With --ablations: backbone (directory or registered name) pre-trained with use_srm=false, "
                   "for the no-srm ablation. Without it that ablation is reported as skipped.")
@click.option("--ablation-budget", "ablation_budget", type=click.FloatRange(min=0, min_open=True), default=None,
              metavar="SECONDS", help="With --ablations: time budget of each ablation run, instead of the "
                                      "model's recorded time_budget_s.")
@click.option("--output", "output", default=None, metavar="NAME|max",
              help="Multi-output models: score this output against every data file (e.g. CTCFL_K562 for a CTCF "
                   "set), or 'max' over outputs. Default: the output named like each file (TF_CellLine).")
@click.option("-o", "--out", "out_dir", required=True, type=click.Path(file_okay=False),
              help="Directory for metrics.json, report.md, roc.png, pr.png (and ablations/<name>/ models).")
@_library_errors
def evaluate_cmd(model, task, data_files, scan, fastas, regions, regions_bed, truth_files, tile, step, no_baselines,
                 split, baselines, baselines_train, ablations, no_srm_base, ablation_budget, output, out_dir):
    """Score a task model on labelled data (metrics.json, report.md, ROC and PR curves), or with
    --scan on real genome sequence against real annotations.

    \b
      genebert evaluate --scan --model genebert-promoter --task promoter --fasta hg38_chr22.fa.gz \\
          --region chr22:30000000-38000000 --truth gencode_v24_tss.hg38_chr22.bed -o scan_promoter
    """
    scan_only = {"--fasta": fastas, "--region": regions, "--regions": regions_bed, "--truth": truth_files,
                 "--tile": tile, "--step": step, "--no-baselines": no_baselines}
    if scan:
        if data_files:
            raise click.UsageError("--scan reads --fasta/--region/--truth, not --data")
        from trainer.genome_scan import genome_scan

        m = genome_scan(model, task, list(fastas), list(regions), _expand_inputs(truth_files, "--truth"), out_dir,
                        regions_bed=regions_bed, tile=tile, step=step, baselines=not no_baselines,
                        log=lambda text: click.echo(text, err=True))
        for name, entry in m["outputs"].items() if len(m["outputs"]) <= 3 else m.get("mean", {}).items():
            rows = entry.items() if len(m["outputs"]) <= 3 else [(name, entry)]
            for method, r in rows:
                head = f"{name} {method}" if len(m["outputs"]) <= 3 else f"mean {method}"
                vals = " ".join(f"{k}={r[k]:.4f}" for k in ("auroc", "auprc", "top_k", "fpr_at_0.5", "fpr_at_default")
                                if isinstance(r.get(k), float))
                click.echo(f"{out_dir}: {head}: {vals}", err=True)
        return
    given = [name for name, value in scan_only.items() if value]
    if given:
        raise click.UsageError(f"{', '.join(given)}: only with --scan")
    if not data_files:
        raise click.UsageError("--data is required (or --scan)")
    from trainer.evaluate import evaluate_model

    if baselines_train and not baselines:
        raise click.UsageError("--baselines-train needs --baselines")
    if (no_srm_base is not None or ablation_budget is not None) and not ablations:
        raise click.UsageError("--no-srm-base and --ablation-budget need --ablations")
    m = evaluate_model(model, task, _expand_inputs(data_files, "--data"), out_dir, split=split, baselines=baselines,
                       baselines_train=_expand_inputs(baselines_train, "--baselines-train") or None,
                       ablations=ablations, no_srm_base=no_srm_base, ablation_time_budget_s=ablation_budget,
                       log=lambda text: click.echo(text, err=True), output=output)
    line = lambda r: f"n={r['n']} accuracy={r['accuracy']:.4f} auc={r['auc']:.4f} pr_auc={r['pr_auc']:.4f} mcc={r['mcc']:.4f}"  # noqa: E731
    click.echo(f"{out_dir}: {line(m)}", err=True)
    for key, value in m.get("baselines", {}).items():  # {name: metrics} or {output: {name: metrics}}
        rows = {key: value} if "n" in value else {f"{key} {name}": r for name, r in value.items()}
        for label, r in rows.items():
            click.echo(f"  baseline {label}: {line(r)}", err=True)
    for name, r in m.get("ablations", {}).items():
        if "n" in r:
            click.echo(f"  ablation {name}: {line(r)} ({r['steps_run']} steps, {r['stop_reason']})", err=True)
        else:
            why = "same as the model" if r.get("same_as_model") else r.get("skipped") or f"failed: {r.get('failed')}"
            click.echo(f"  ablation {name}: {why}", err=True)


@main.command("calibrate")
@click.argument("model_dir", type=click.Path(exists=True, file_okay=False))
@click.option("--n-windows", type=click.IntRange(100), default=20000, show_default=True,
              help="Random background windows of the model's train region.")
@click.option("--seed", type=int, default=0, show_default=True)
@_library_errors
def calibrate_cmd(model_dir, n_windows, seed):
    """Write MODEL_DIR/background.json: each output's score distribution on genomic background of the
    train region (annotate then reports each probability's background FPR)."""
    from trainer.calibration import calibrate

    data = calibrate(model_dir, n_windows=n_windows, seed=seed)
    for name, entry in list(data["outputs"].items())[:10]:
        click.echo(f"{name}: threshold FPR 1% = {entry['default_threshold']:.4f}, FPR 0.1% = "
                   f"{entry['threshold_fpr_0.001']:.4f}; background p>=0.5: {entry['fraction_above_0.5']:.2%}", err=True)


# ---- annotate ----------------------------------------------------------------------------


@main.command("annotate")
@click.argument("input_path", metavar="INPUT", type=str)
@click.option("-o", "--output", required=True, metavar="PREFIX",
              help="Output prefix: PREFIX.bed / PREFIX.tsv / PREFIX.vcf.gz, PREFIX.<output>.bw, "
                   "PREFIX.rejected.tsv. '-' writes a VCF to stdout (VCF input only).")
@click.option("--task", type=click.Choice(annotate_tasks()), default="all",
              show_default=True, help="What to score; risk = variant effect over all three models (VCF).")
@click.option("--model", "models", multiple=True, metavar="NAME|DIR",
              help="Model name (pretrained/manifest.json) or directory; repeatable with --task all/risk. "
                   "Default: the shipped genebert-promoter-genome / -tfbs-genome / -splice-genome.")
@click.option("--genome", type=str, default=None, help="Reference FASTA (plain, bgzip, gzip); needed for BED and VCF.")
@click.option("--genome-offset", "genome_offsets", multiple=True, metavar="CHR=OFFSET",
              help="Real coordinate of the first base of a FASTA record (e.g. chr22=32000000); repeatable.")
@click.option("--format", "fmt", type=click.Choice(["bed", "vcf", "fasta"]), default=None,
              help="Input format; by default from the file name. Needed for '-' (stdin).")
@click.option("--context-bp", type=int, default=None, help="Sequence window in bp (default: each model's window_bp).")
@click.option("--tile", type=int, default=None, metavar="W", help="Score W-bp tiles across each region/sequence.")
@click.option("--step", type=int, default=None, metavar="S",
              help="Tile step (default W); without --tile, the splice position step (default 1).")
@click.option("--score-gaps", is_flag=True,
              help="Also score tiles and per-base positions inside assembly gaps (runs of >= 50 bases with no "
                   "A/C/G/T); by default they get no row and no track value.")
@click.option("--tf", "tfs", multiple=True, metavar="NAME", help="Only these TFBS outputs (repeatable or comma-separated).")
@click.option("--splice-distance", type=int, default=0, show_default=True, metavar="D",
              help="VCF: splice models also score windows centred up to D bp either side of the variant "
                   "(largest |ALT-REF| kept).")
@click.option("--both-strands", is_flag=True,
              help="VCF: also score reverse-complemented windows (keeps the strand with the larger |ALT-REF|).")
@click.option("--risk-model", type=str, default=None, metavar="NAME|DIR|none",
              help="VCF: add INFO GENEBERT_RISK_P from a risk classifier: a registered name or a `finetune-risk` "
                   "directory (trained on the same task models). Default with --task risk: the shipped "
                   "genebert-risk when registered; 'none' = no GENEBERT_RISK_P.")
@click.option("--annotation", "annotations", multiple=True, metavar="BED12",
              help="VCF: gene annotation (BED12 transcripts, plain or .gz; repeatable, merged) for a risk classifier "
                   "trained with one (the shipped genebert-risk is: e.g. SpliceAI's GENCODE canonical set).")
@click.option("--motifs", default="all", show_default=True, metavar="all|none|NAME,...",
              help="VCF: INFO GENEBERT_MOTIF lists the JASPAR 2018 motifs (all, or these TF names / matrix IDs) "
                   "whose best hit overlapping the allele the ALT creates or destroys; 'none' = off.")
@click.option("--motif-pvalue", type=float, default=1e-4, show_default=True, metavar="P",
              help="VCF: a motif's best hit must cross (REF vs ALT) the score a random window reaches with p = P ...")
@click.option("--motif-min-delta", type=float, default=2.0, show_default=True, metavar="BITS",
              help="VCF: ... and change by at least BITS (log2-odds) to be listed in GENEBERT_MOTIF.")
@click.option("--tracks", default="bigwig,bed6", show_default=True,
              help="Browser tracks for BED/FASTA input, comma-separated: "
                   + "; ".join(f"{f.name} ({f.help}, PREFIX.<output>{f.suffix})" for f in TRACK_FORMATS.values())
                   + "; or 'none'.")
@click.option("--batch-size", type=int, default=256, show_default=True, help="Windows per model forward pass.")
@click.option("--workers", type=int, default=0, show_default=True, help="Processes fetching genome windows.")
@click.option("--device", type=click.Choice(["auto", "cpu", "cuda"]), default="auto", show_default=True,
              help="auto = CUDA (bf16) when available.")
@click.option("--max-records", type=int, default=None,
              help="Read at most this many input records (scored or rejected alike).")
@click.option("--region", "regions", multiple=True, metavar="CHR:START-END",
              help="Only rows starting in this region (0-based, half-open; repeatable; regions must not overlap).")
@click.option("--regions", "regions_bed", type=str, default=None, metavar="BED",
              help="Only rows starting in one of the BED's regions.")
@click.option("--shard", type=str, default=None, metavar="K/N",
              help="Only the K-th of N equal pieces of the genome (or of the regions): shard outputs of a "
                   "sorted input concatenate in genome order.")
@click.option("--log-every", type=float, default=30.0, show_default=True, metavar="SECONDS",
              help="When stderr is not a terminal: one progress line (done/total, ETA) this often; 0 = none.")
@click.option("--strict", is_flag=True, help="Any rejected record is a fatal error.")
@click.option("-q", "--quiet", is_flag=True, help="No progress bar and no summary.")
@_library_errors
def annotate_cmd(input_path, output, task, models, genome, genome_offsets, fmt, context_bp, tile, step, score_gaps, tfs,
                 splice_distance, both_strands, risk_model, annotations, motifs, motif_pvalue, motif_min_delta, tracks,
                 batch_size, workers, device, max_records, regions, regions_bed, shard, log_every, strict, quiet):
    """Score regions (BED), sequences (FASTA) or variants (VCF) with GeneBERT task models.

    \b
    Examples:
      genebert annotate peaks.bed --task tfbs --genome hg38.fa -o out
      genebert annotate genes.bed --task splice --genome hg38.fa -o splice
      genebert annotate seqs.fa --task promoter --tile 300 --step 100 -o prom
      genebert annotate calls.vcf.gz --task risk --genome hg38.fa --annotation canonical.bed -o annotated
    """
    from genebert_tool.annotate.pipeline import AnnotateOptions, annotate

    risk_model = _risk_model_for(task, risk_model)
    if _is_vcf(input_path, fmt):  # other inputs: the library's "needs VCF input" says what is wrong
        _check_annotation(risk_model, annotations)
    track_list = tuple(t.strip().lower() for t in tracks.split(",") if t.strip() and t.strip().lower() != "none")
    options = AnnotateOptions(
        input=input_path, output=output, task=task, models=tuple(models), genome=genome,
        genome_offsets=tuple(genome_offsets), format=fmt, context_bp=context_bp, tile=tile, step=step,
        tfs=tuple(t for spec in tfs for t in spec.split(",") if t.strip()), splice_distance=splice_distance,
        both_strands=both_strands, batch_size=batch_size,
        workers=workers, device=device, strict=strict, max_records=max_records, tracks=track_list,
        progress=not quiet, risk_model=risk_model, annotation=tuple(annotations), regions=tuple(regions), regions_bed=regions_bed, shard=shard,
        log_every=log_every, motifs=motifs, motif_pvalue=motif_pvalue, motif_min_delta=motif_min_delta,
        score_gaps=score_gaps,
    )
    with _terminate_like_interrupt():  # timeouts, kill and job schedulers send SIGTERM, not SIGINT
        summary = annotate(options, log=lambda line: click.echo(line, err=True))
    if not quiet:
        for line in summary.lines():
            click.echo(line, err=True)


def _risk_model_for(task: str, risk_model: str | None) -> str | None:
    """The ``--risk-model`` directory: a directory or file as given, a registered name resolved (sha256
    checked), ``none`` -> None; unset -> the registered ``genebert-risk`` for ``--task risk``. A
    classifier whose task models differ from the run's is refused later, before any output."""
    import os

    from genebert_tool.annotate.risk_classifier import DEFAULT_RISK_MODEL
    from genebert_tool.pretrained import list_models, resolve_model

    if risk_model is not None:
        if risk_model.lower() == "none":
            return None
        return risk_model if os.path.exists(risk_model) else str(resolve_model(risk_model))
    if task != "risk" or DEFAULT_RISK_MODEL not in list_models():
        return None
    return str(resolve_model(DEFAULT_RISK_MODEL))


def _is_vcf(input_path: str, fmt: str | None) -> bool:
    from genebert_tool.annotate.formats import detect_format
    from genebert_tool.errors import GeneBertError

    try:
        return detect_format(input_path, fmt) == "vcf"
    except GeneBertError:
        return False


def _check_annotation(risk_model: str | None, annotations: tuple[str, ...]) -> None:
    """Usage errors (exit 2) before any model loads: a risk classifier that reads a gene annotation
    without ``--annotation``, or ``--annotation`` with nothing to read it."""
    if risk_model is None:
        if annotations:
            raise click.UsageError("--annotation is read by the risk classifier only: use it with --task risk "
                                   "(or --risk-model DIR), not with --risk-model none")
        return
    from genebert_tool.annotate.risk_classifier import RiskClassifier

    classifier = RiskClassifier.from_dir(risk_model)
    if classifier.needs_annotation and not annotations:
        files = ", ".join(f.get("name", "?") for f in classifier.annotation.get("files", ())) or "?"
        raise click.UsageError(f"the risk classifier {risk_model} uses a gene annotation: pass --annotation BED12 "
                               f"(it was trained with {files}), or --risk-model none")
    if annotations and not classifier.needs_annotation:
        raise click.UsageError(f"the risk classifier {risk_model} uses no gene annotation: drop --annotation")


# ---- explain -----------------------------------------------------------------------------


@main.command("explain")
@click.option("--region", required=True, metavar="CHR:START-END",
              help="Region to mutate, 0-based half-open (at most 20,000 bases; commas ok).")
@click.option("--genome", required=True, type=str, help="Reference FASTA (plain, bgzip, gzip).")
@click.option("--genome-offset", "genome_offsets", multiple=True, metavar="CHR=OFFSET",
              help="Real coordinate of the first base of a FASTA record; repeatable.")
@click.option("--task", type=click.Choice([*task_names(), "all"]), default="all", show_default=True)
@click.option("--model", "models", multiple=True, metavar="NAME|DIR", help="Model name or directory; repeatable.")
@click.option("--tf", "tfs", multiple=True, metavar="NAME", help="Only these TFBS outputs (repeatable or comma-separated).")
@click.option("--splice-distance", type=int, default=0, show_default=True, metavar="D",
              help="Splice models: largest |ALT-REF| over windows centred up to D bp from each SNV (as annotate).")
@click.option("--batch-size", type=int, default=256, show_default=True)
@click.option("--device", type=click.Choice(["auto", "cpu", "cuda"]), default="auto", show_default=True)
@click.option("-o", "--output", required=True, metavar="PREFIX",
              help="PREFIX.<output>.ism.bw per output and PREFIX.ism.png.")
@_library_errors
def explain_cmd(region, genome, genome_offsets, task, models, tfs, splice_distance, batch_size, device, output):
    """In-silico mutagenesis: per base, the largest |ALT-REF| over its three substitutions, per output.

    \b
    Each SNV is scored as `annotate` scores a VCF SNV; bigWig per output + a PNG of the top tracks:
      genebert explain --region chr22:32000000-32001000 --genome hg38.fa --task tfbs --tf CTCF -o ism
    """
    from pathlib import Path

    from genebert_tool.annotate.explain import ism, plot_ism, write_ism_bigwigs
    from genebert_tool.annotate.models import load_models
    from genebert_tool.genome.fasta import Genome, parse_offsets
    from trainer.risk_labels import parse_region

    chrom, start, end = parse_region(region)
    if end is None or end - start > 20_000:
        raise click.UsageError("--region needs an END at most 20,000 bases after START")
    if not Path(output).parent.is_dir() and str(Path(output).parent) not in ("", "."):
        raise click.UsageError(f"output directory {Path(output).parent} does not exist")
    g = Genome(genome, offsets=parse_offsets(genome_offsets) or None)
    contig = g.resolve(chrom)
    if contig is None:
        raise click.UsageError(f"--region contig {chrom!r} is not in {genome}")
    loaded = load_models(task, models, device=device, tfs=tuple(t for s in tfs for t in s.split(",") if t.strip()),
                         per_position_splice=False, splice_distance=splice_distance)
    values, columns = ism(g, contig, start, end, loaded, batch_size=batch_size)
    paths = write_ism_bigwigs(output, contig, start, values, columns, list(g.contigs.items()))
    png = plot_ism(f"{output}.ism.png", contig, start, values, columns)
    for p in [*paths, png]:
        click.echo(f"wrote {p}", err=True)


# ---- browse ------------------------------------------------------------------------------


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--genome", "-g", type=click.Path(dir_okay=False), help="FASTA: show bases when zoomed in.")
@click.option("--genome-offset", "genome_offsets", multiple=True, metavar="CHR=N",
              help="The --genome FASTA record CHR starts at N (0-based) on the real chromosome.")
@click.option("--locus", "-l", help="Start here: chr:start-end (1-based, inclusive; commas ok), chr:pos, chr or a feature name.")
@click.option("--save-dir", type=click.Path(file_okay=False), default=".", show_default=True,
              help="Where screenshots (S) and view exports (e) are saved.")
@_library_errors
def browse(files: tuple[str, ...], genome: str | None, genome_offsets: tuple[str, ...], locus: str | None,
           save_dir: str) -> None:
    """Browse bigWig, bedGraph, BED/narrowPeak/GTF and VCF files in the terminal.

    \b
    Tracks are stacked in the order given. Keys: h/l or arrows pan, +/- zoom,
    n/p next/previous feature (N/P in the selected track), [ and ] back/forward,
    g or / to type a locus, j/k select a track, {/} its height, w max/mean/min,
    y grouped y scale, b/</> side panel, t for the table (enter jumps, s sorts by
    score), e export the view as TSV, S screenshot, ? for help, q to quit.
    A count repeats a key: 10l. Positions typed and shown are 1-based inclusive,
    like UCSC and IGV (0-based half-open inside). Needs an interactive terminal.
    """
    from genebert_tool.genome.fasta import parse_offsets
    from genebert_tool.tui.app import run_browser  # textual loads only when browsing

    saved = run_browser(files, genome=genome, locus=locus, genome_offsets=parse_offsets(genome_offsets) or None,
                        save_dir=save_dir)
    for path in saved:
        click.echo(f"saved {path}")


@main.command("gather")
@click.argument("pieces", nargs=-1, required=True, metavar="PIECE_PREFIX...")
@click.option("-o", "--output", required=True, help="Output prefix (the files one annotate run would write).")
@click.option("--genome", type=str, default=None,
              help="FASTA whose index gives the bigWig chromosome sizes (only needed with bedGraph-only pieces).")
@click.option("--scatter-key", "scatter_keys", multiple=True, default=("shard",), show_default=True,
              help="Run-line header field in which pieces may differ (repeatable; 'region' when scattered by contig).")
@_library_errors
def gather_cmd(pieces, output, genome, scatter_keys):
    """Join `annotate` outputs of pieces (--shard 1..N or one --region per contig, given in genome order)
    into the outputs of one run: tables concatenated under one header, VCF + tabix, bigWigs rebuilt.
    Pieces made with different models, versions or weights are refused."""
    from genebert_tool.annotate.gather import gather

    for line in gather(pieces, output, genome=genome, scatter_keys=scatter_keys).lines():
        click.echo(line, err=True)


if __name__ == "__main__":  # pragma: no cover
    main()
