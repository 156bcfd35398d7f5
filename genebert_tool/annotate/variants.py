"""VCF input: score every ALT on a reference and an alternate window, write an annotated VCF.

Every input record passes through unchanged apart from these INFO fields (documented in the
output header, in the spirit of SpliceAI's ``SpliceAI=ALLELE|SYMBOL|DS_AG|...`` field):

* ``GENEBERT=ALLELE|OUTPUT|REF|ALT|DELTA,...`` -- one entry per scored ALT and output: the
  probability of OUTPUT on the reference window, on the alternate window, and ALT - REF.
* ``GENEBERT_RISK`` (Number=A) -- the combined risk per ALT (``annotate.risk``), ``.`` if not scored;
  ``GENEBERT_RISK_OUTPUT`` (Number=A) -- the output it comes from.
* ``GENEBERT_SKIP=ALLELE|REASON,...`` -- ALTs not scored; REASON is one of ``SKIP_CODES``' values.
* ``GENEBERT_BGFPR=ALLELE|OUTPUT|REF|ALT,...`` -- for outputs of calibrated models (``background.json``),
  the background FPR of the REF and ALT probabilities (``annotate.calibration``).
* ``GENEBERT_RISK_P`` (Number=A, with a risk classifier) -- the probability that the ALT is
  pathogenic under a classifier trained by ``genebert finetune-risk`` on these deltas
  (``annotate.risk_classifier``); it must have been trained on the same task models. A classifier
  trained with a gene annotation also reads ``--annotation`` BED12 files (``annotate.risk_annotation``);
  each one gets a ``##genebert_annotation=<File,Sha256,Transcripts>`` header line.
* ``GENEBERT_MOTIF=ALLELE|MOTIF|REF_SCORE|ALT_SCORE,...`` (unless ``--motifs none``) -- JASPAR motifs
  whose best hit overlapping the allele the ALT creates or destroys (``annotate.motif_effects``); absent
  when none is.

Windows: ``annotate.windows.split_variant_flank`` (substitution; indels re-centred and trimmed). Splice
models score the window centred on the variant, or with ``--splice-distance d`` every window pair
centred -d..d bases from it, keeping per output the pair with the largest |ALT - REF|; with
``--both-strands`` the reverse-complemented pairs compete too (otherwise: forward strand only).
"""

from __future__ import annotations

import contextlib
import io
import itertools
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator

import numpy as np

from genebert_tool.annotate.calibration import fpr_pairs, vcf_header_lines
from genebert_tool.annotate.models import ScoringModel
from genebert_tool.annotate.options import AnnotateOptions, AnnotateSummary, output_prefix, progress_bar, rejects_path
from genebert_tool.annotate.risk import combined_risk, deltas
from genebert_tool.annotate.windows import split_variant_flank, variant_flank_request
from genebert_tool.errors import GeneBertError, InputError
from genebert_tool.formats import schema
from genebert_tool.genome import vcf as vcf_reader
from genebert_tool.genome.io import display_name
from genebert_tool.writers.vcf import info_safe

#: Reader skip reasons -> the codes written to GENEBERT_SKIP and PREFIX.rejected.tsv.
SKIP_CODES = {
    vcf_reader.SKIP_NO_ALT: "NO_ALT",
    vcf_reader.SKIP_SYMBOLIC: "SYMBOLIC_ALT",
    vcf_reader.SKIP_BREAKEND: "BREAKEND_ALT",
    vcf_reader.SKIP_STAR: "SPANNING_DELETION",
    vcf_reader.SKIP_BAD_ALLELE: "INVALID_ALLELE",
    vcf_reader.SKIP_SAME: "ALT_EQUALS_REF",
    vcf_reader.SKIP_NO_CONTIG: "CONTIG_NOT_IN_GENOME",
    vcf_reader.SKIP_OUTSIDE: "OUTSIDE_GENOME_SEQUENCE",
    vcf_reader.SKIP_REF_MISMATCH: "REF_MISMATCH",
}


#: INFO keys and ``##`` header keys genebert writes: replaced, never duplicated, on re-annotation.
OWN_INFO = (schema.INFO_SCORES, schema.INFO_RISK, schema.INFO_RISK_OUTPUT, schema.INFO_SKIP, schema.INFO_RISK_P,
            schema.INFO_BGFPR, schema.INFO_MOTIF)
OWN_META = (schema.META_RUN, schema.META_MODEL, schema.META_RISK_MODEL, schema.META_BACKGROUND,
            schema.META_ANNOTATION)


def skip_code(reason: str) -> str:
    """The INFO-safe code for a reader skip reason."""
    return SKIP_CODES.get(reason) or info_safe(reason.upper().replace(" ", "_"))


def header_lines(options: AnnotateOptions, models: list[ScoringModel], classifier=None,
                 motif_effects=None, annotation=None) -> list[str]:
    """The ``##`` lines added to the output header (``classifier``: a ``RiskClassifier`` or None;
    ``motif_effects``: an ``annotate.motif_effects.MotifEffects`` or None; ``annotation``: the
    ``genome.gene_annotation.GeneAnnotation`` the classifier's features read, or None)."""
    from genebert_tool import __version__

    codes = ", ".join(sorted(set(SKIP_CODES.values())))
    lines = [
        f'##INFO=<ID={schema.INFO_SCORES},Number=.,Type=String,Description="GeneBERT variant scores. Format: '
        f"{'|'.join(schema.SCORE_FIELDS)} (probability of OUTPUT on the window centred on the reference allele, "
        'on the window with the ALT allele substituted, and ALT-REF)">',
        f'##INFO=<ID={schema.INFO_RISK},Number=A,Type=Float,Description="GeneBERT combined risk per ALT: the DELTA '
        "with the largest absolute value over all outputs, keeping its sign (in [-1,1]; . = not scored, "
        f'see {schema.INFO_SKIP})">',
        f'##INFO=<ID={schema.INFO_RISK_OUTPUT},Number=A,Type=String,Description="The OUTPUT that '
        f'{schema.INFO_RISK} comes from">',
        f'##INFO=<ID={schema.INFO_SKIP},Number=.,Type=String,Description="ALT alleles GeneBERT did not score. '
        f'Format: ALLELE|REASON with REASON one of {codes}">',
        f'##{schema.META_RUN}=<Version="{__version__}",Command="annotate",Task="{options.task}",'
        f'Genome="{options.genome}",GenomeOffsets="{";".join(options.genome_offsets)}",'
        f'Strands="{"both" if options.both_strands else "forward"}">',
    ]
    for m in models:
        lines.append(
            f'##{schema.META_MODEL}=<ID="{m.name}",Version="{m.version}",Task="{m.task}",WindowBp={m.window_bp},'
            f'ScanDistance={m.scan_distance},Sha256="{m.sha256}",Outputs="{"|".join(m.columns)}">'
        )
    lines += vcf_header_lines(models)
    if motif_effects is not None:
        lines.append(f'##INFO=<ID={schema.INFO_MOTIF},Number=.,Type=String,Description="'
                     f'{motif_effects.describe().replace(chr(34), chr(39))}">')
    if classifier is not None:
        auc = classifier.cv_metrics.get("auc")
        path = info_safe(str(options.risk_model)).replace('"', "_")
        uses = (", the splice-site distance, SNV-or-not and in-exon features of the gene annotation of "
                f"##{schema.META_ANNOTATION}") if classifier.needs_annotation else ""
        trained = ";".join(f"{_quoted(f.get('name'))}:{f.get('sha256')}"
                           for f in (classifier.annotation or {}).get("files", ()))
        lines += [
            f'##INFO=<ID={schema.INFO_RISK_P},Number=A,Type=Float,Description="Probability that the ALT is pathogenic '
            "under the GeneBERT risk classifier (logistic regression on the GENEBERT deltas and their absolute "
            f'values{uses}, trained on labelled variants; see ##genebert_risk_model; call pathogenic at '
            f'P >= its Threshold (the cut that maximised cross-validated MCC; 0.5 before genebert-risk 0.5.0); '
            '. = not scored)">',
            f'##{schema.META_RISK_MODEL}=<Path="{path}",Version="{_quoted(classifier.extra.get("version", "."))}",'
            f'Sha256="{_classifier_sha256(options.risk_model)}",C={classifier.c:g},Threshold={classifier.threshold:.4f},'
            f'NTrain={classifier.extra.get("n_train", ".")},CvAuc={"." if auc is None else f"{auc:.4f}"},'
            f'TrainedAnnotation="{trained or "none"}">',
        ]
    for source in annotation.sources if annotation is not None else ():
        lines.append(f'##{schema.META_ANNOTATION}=<File="{_quoted(source.name)}",Sha256="{source.sha256}",'
                     f"Transcripts={source.n_transcripts}>")
    return lines


def _quoted(value) -> str:
    """A value safe inside a quoted ``##KEY=<...>`` field."""
    return info_safe(str(value)).replace('"', "_")


def _classifier_sha256(risk_model: str | None) -> str:
    """sha256 of the classifier's JSON (``risk_model``: its directory or the file)."""
    from pathlib import Path

    from genebert_tool.annotate.risk_classifier import CLASSIFIER_FILE
    from genebert_tool.pretrained import sha256_file

    path = Path(str(risk_model))
    path = path / CLASSIFIER_FILE if path.is_dir() else path
    return sha256_file(path) if path.is_file() else "."


def score_variants(variants: list, models: list[ScoringModel], fetch, *, batch_size: int = 256,
                   both_strands: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Reference and alternate probabilities, each ``(len(variants), n_columns)`` float32.

    ``fetch([(chrom, start, end), ...]) -> [sequence, ...]``. A model with ``scan_distance`` d > 0
    scores the window pair at every offset -d..d from the allele centres and reports, per output,
    the pair whose ALT - REF has the largest absolute value (SpliceAI's idea: a variant changes the
    splice-site probability of nearby positions, not only of its own). ``both_strands``: the
    reverse-complemented pairs are candidates too (a VCF does not say on which strand a promoter or
    splice site lies).
    """
    n_cols = sum(len(m.columns) for m in models)
    ref = np.zeros((len(variants), n_cols), dtype=np.float32)
    alt = np.zeros_like(ref)
    if not variants:
        return ref, alt
    off = 0
    for m in models:
        length, dist = m.window_bp, m.scan_distance
        flanks = fetch([(v.chrom, *variant_flank_request(v.start, v.ref, length, dist)) for v in variants])
        candidates = [(o, s) for s in (("+", "-") if both_strands else ("+",)) for o in range(-dist, dist + 1)]
        ref_seqs, alt_seqs = [], []
        for f, v in zip(flanks, variants):
            for o, strand in candidates:
                r, a = split_variant_flank(f, len(v.ref), v.alt, length, o, dist, strand)
                ref_seqs.append(r)
                alt_seqs.append(a)
        probs = m.score(ref_seqs + alt_seqs, batch_size=batch_size)
        k, n_off = len(m.columns), len(candidates)
        p_ref = probs[: len(ref_seqs)].reshape(len(variants), n_off, k)
        p_alt = probs[len(ref_seqs) :].reshape(len(variants), n_off, k)
        best = np.argmax(np.abs(p_alt - p_ref), axis=1)  # (n_variants, k): offset index per output
        rows = np.arange(len(variants))[:, None]
        cols = np.arange(k)[None, :]
        ref[:, off : off + k] = p_ref[rows, best, cols]
        alt[:, off : off + k] = p_alt[rows, best, cols]
        off += k
    return ref, alt


def n_windows(models: list[ScoringModel], both_strands: bool = False) -> int:
    """Model windows per scored ALT (reference + alternate, every scan offset and strand)."""
    return sum(2 * (2 * m.scan_distance + 1) for m in models) * (2 if both_strands else 1)


def motif_effects_for(options: AnnotateOptions):
    """The ``GENEBERT_MOTIF`` rule of a run (``annotate.motif_effects.MotifEffects``), None for ``--motifs none``."""
    spec = (options.motifs or "none").strip()
    if spec.lower() == "none":
        return None
    from genebert_tool.annotate.motif_effects import MotifEffects

    names = None if spec.lower() == "all" else [n.strip() for n in spec.split(",") if n.strip()]
    try:
        return MotifEffects.load(names, pvalue=options.motif_pvalue, min_delta=options.motif_min_delta)
    except ValueError as exc:
        raise GeneBertError(f"--motifs: {exc}") from exc


def _record_label(record, alt: str) -> str:
    return f"{record.chrom}:{record.pos} {record.ref}>{alt}"


class VariantRunner:
    """Annotate a VCF (module docstring) for ``pipeline.annotate``, which drives it like
    ``regions.RegionRunner``: ``items()`` are VCF sites, ``process`` scores and writes one chunk."""

    def __init__(self, options: AnnotateOptions, models: list[ScoringModel], genome,
                 summary: AnnotateSummary, restriction=None) -> None:
        self.options, self.models, self.genome, self.summary = options, models, genome, summary
        self.restriction = restriction  # annotate.restrict.Restriction: --region / --regions / --shard
        self.name = display_name(options.input)
        self.columns = [c for m in models for c in m.columns]
        self.out_path = "-" if options.output == "-" else output_prefix(options.output) + ".vcf.gz"
        self.per_variant = n_windows(models, options.both_strands)
        self.classifier = self.annotation = None
        self.no_transcripts: dict[str, int] = {}  # contig -> scored ALTs there without annotated transcripts
        if options.risk_model:
            from genebert_tool.annotate.risk_annotation import annotation_files
            from genebert_tool.annotate.risk_classifier import RiskClassifier, RiskFeatures, feature_names
            from genebert_tool.annotate.risk_classifier import model_identity
            from genebert_tool.genome.gene_annotation import read_gene_annotation

            self.classifier = RiskClassifier.from_dir(options.risk_model)  # fail before any output on a mismatch:
            if options.annotation:
                self.annotation = read_gene_annotation(options.annotation)
            files = annotation_files(self.annotation) if self.annotation is not None else None
            names = feature_names(self.columns, annotation=files is not None)
            self.classifier.check(RiskFeatures(np.zeros((0, len(names))), names, [model_identity(m) for m in models],
                                               options.both_strands, files))
            trained = {f.get("sha256") for f in (self.classifier.annotation or {}).get("files", ())}
            other = [f["name"] for f in files or () if f["sha256"] not in trained]
            if other:
                summary.warnings.append(f"--annotation {', '.join(other)}: not the annotation the risk classifier "
                                        "was trained with (see ##genebert_risk_model TrainedAnnotation)")
        self.motif_effects = motif_effects_for(options)
        self._stack = contextlib.ExitStack()
        self.index = 0

    def __enter__(self) -> VariantRunner:
        from genebert_tool.annotate.fetch import WindowFetcher
        from genebert_tool.writers.vcf import VcfWriter

        options, stack = self.options, self._stack.__enter__()
        try:
            spooled = _spool_python_stdin(options.input)
            if spooled:
                stack.callback(os.unlink, spooled)
            self.vf = vcf_reader.open_vcf(spooled or options.input, name=self.name)
            stack.callback(self.vf.close)
            header_text = vcf_reader.raw_header(self.vf) or str(self.vf.header)
            self.n_header = _n_header_lines(self.vf, header_text)
            self.bar = stack.enter_context(progress_bar(options, "records"))
            self.fetcher = stack.enter_context(WindowFetcher(self.genome, options.workers))
            self.writer = stack.enter_context(
                VcfWriter(self.out_path, header_text, header_lines(options, self.models, self.classifier,
                                                                       self.motif_effects, self.annotation),
                          own_info=OWN_INFO, own_meta=OWN_META))
        except BaseException:
            self._stack.__exit__(*sys.exc_info())
            raise
        return self

    def __exit__(self, *exc) -> bool | None:
        return self._stack.__exit__(*exc)

    def items(self) -> Iterator:
        """VCF sites in file order (those placed in the --region/--shard part)."""
        sites = itertools.islice(vcf_reader.iter_vcf(self.vf, self.genome, name=self.name), self.options.max_records)
        keep = self.restriction
        return sites if keep is None else (s for s in sites if keep.keep(s.record.chrom, s.record.start))

    def cost(self, site) -> int:
        """Model windows the site needs."""
        return self.per_variant * len(site.variants)

    def process(self, chunk: list) -> None:
        """Score one chunk of sites and write every record of it, scored or not."""
        options, summary, columns = self.options, self.summary, self.columns
        variants = [v for site in chunk for v in site.variants]
        ref, alt = score_variants(variants, self.models, self.fetcher.fetch_many, batch_size=options.batch_size,
                                  both_strands=options.both_strands)
        summary.windows += self.per_variant * len(variants)
        delta = deltas(ref, alt)
        fprs = fpr_pairs(self.models, ref, alt)
        if len(variants):
            risk, which = combined_risk(delta)
            if self.classifier is not None:
                risk_p = self._risk_p(variants, delta)
        motif_hits = (self.motif_effects.effects(variants, self.fetcher.fetch_many)
                      if self.motif_effects is not None else [[] for _ in variants])
        k = 0
        for site in chunk:
            self.index += 1
            line = site.variants[0].line if site.variants else self.n_header + self.index
            record = site.record
            for alt_allele, reason in site.skips:
                code = skip_code(reason)
                if options.strict:
                    raise InputError(f"{code}: {reason} ({_record_label(record, alt_allele)})",
                                     path=self.name, line=line)
                summary.rejects.add(self.name, line, f"{code}: {reason}", _record_label(record, alt_allele))
            info: list[tuple[str, str | None]] = []
            n_alts = len(record.alts or ())
            if site.variants:
                missing = [schema.MISSING] * n_alts
                entries, risks, risk_out, risk_ps = [], list(missing), list(missing), list(missing)
                fpr_entries, motif_entries = [], []
                for v in site.variants:
                    motif_entries += [schema.format_motif_entry(schema.MotifEntry(info_safe(v.alt), e.motif, e.ref,
                                                                                  e.alt)) for e in motif_hits[k]]
                    for j, col in enumerate(columns):
                        entries.append(schema.format_score_entry(schema.ScoreEntry(
                            info_safe(v.alt), col, float(ref[k, j]), float(alt[k, j]), float(delta[k, j]))))
                    fpr_entries += [schema.format_fpr_entry(info_safe(v.alt), columns[j], float(fr[k]), float(fa[k]))
                                    for j, fr, fa in fprs]
                    risks[v.allele_index - 1] = schema.format_score(float(risk[k]))
                    risk_out[v.allele_index - 1] = columns[int(which[k])]
                    if self.classifier is not None:
                        risk_ps[v.allele_index - 1] = schema.format_score(float(risk_p[k]))
                    k += 1
                info += [(schema.INFO_SCORES, ",".join(entries)), (schema.INFO_RISK, ",".join(risks)),
                         (schema.INFO_RISK_OUTPUT, ",".join(risk_out))]
                if self.classifier is not None:
                    info.append((schema.INFO_RISK_P, ",".join(risk_ps)))
                if fpr_entries:
                    info.append((schema.INFO_BGFPR, ",".join(fpr_entries)))
                if motif_entries:
                    info.append((schema.INFO_MOTIF, ",".join(motif_entries)))
                summary.scored += 1
            if site.skips:
                info.append((schema.INFO_SKIP, ",".join(schema.format_skip_entry(info_safe(a), skip_code(r)) for a, r in site.skips)))
            summary.alleles += len(site.variants) + len(site.skips)
            summary.alleles_scored += len(site.variants)
            self.writer.write(site.text or str(record), info)  # the input's own text where there is one
            summary.records += 1
            self.bar.update(1)

    def _risk_p(self, variants: list, delta: np.ndarray) -> np.ndarray:
        """The classifier's P(pathogenic) per variant ``(n,)``, with the annotation features when it uses them."""
        from genebert_tool.annotate.risk_annotation import annotate_variants, annotation_files
        from genebert_tool.annotate.risk_classifier import risk_features

        where = files = None
        if self.annotation is not None:
            where, files = annotate_variants(self.annotation, variants), annotation_files(self.annotation)
            for v, missing in zip(variants, where.no_transcripts):
                if missing:
                    self.no_transcripts[v.chrom] = self.no_transcripts.get(v.chrom, 0) + 1
        return self.classifier.predict_proba(risk_features(delta, self.models, both_strands=self.options.both_strands,
                                                           annotation=where, annotation_files=files or ()))

    def finish(self) -> None:
        """After the last chunk, inside the ``with``: close the VCF (index it), write the rejects."""
        summary = self.summary
        if self.no_transcripts:
            from genebert_tool.genome.gene_annotation import NO_TRANSCRIPTS_DISTANCE

            shown = ", ".join(f"{c} {n}" for c, n in sorted(self.no_transcripts.items()))
            summary.warnings.append(f"{sum(self.no_transcripts.values())} ALTs on contigs without transcripts in "
                                    f"--annotation ({shown}): scored with splice distance {NO_TRANSCRIPTS_DISTANCE:,} "
                                    "and not in an exon")
        summary.rows = self.writer.n_records
        if summary.records == 0 and self.restriction is None:
            summary.warnings.append(f"{self.name} has a header but no records: the output VCF has none either")
        self.writer.close()
        if self.out_path != "-":
            summary.outputs.append(self.out_path)
            if self.writer.index_error is None:
                summary.outputs.append(self.out_path + ".tbi")
            else:
                summary.warnings.append(f"{self.out_path} is not tabix-indexed ({self.writer.index_error}); sort the "
                                        "input (e.g. bcftools sort) to get an index")
        path = rejects_path(self.options)
        if path is not None:
            summary.rejects.write_tsv(path)
            summary.outputs.append(path)


def _spool_python_stdin(source: str) -> str | None:
    """Copy stdin (``-``) to a temporary file and return its path (None for a file input).

    htslib can read stdin itself, but only once: the spooled copy also gives each record's own
    text (pass-through unchanged) and true line numbers. It lives in the temporary directory and is
    removed when the run ends; disk, not memory, holds it.
    """
    if source != "-":
        return None
    fd, path = tempfile.mkstemp(prefix=".genebert-stdin-", suffix=".vcf")
    with os.fdopen(fd, "wb") as out:
        data = getattr(sys.stdin, "buffer", None)
        if data is not None:
            shutil.copyfileobj(data, out)
        else:
            out.write(sys.stdin.read().encode())
    return path


def _n_header_lines(vf, header_text: str) -> int:
    """Header line count, for the line numbers of records whose ALTs were all skipped."""
    try:
        return vcf_reader._header_lines(vf)  # the reader's own count, so line numbers agree
    except (AttributeError, OSError, ValueError):
        return len(header_text.splitlines())
