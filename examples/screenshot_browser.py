"""Render ``genebert browse`` headless and save a screenshot (SVG, and PNG through cairosvg).

    python examples/screenshot_browser.py out.bw out.bed calls.vcf \\
        --genome genome.fa --locus chr2:1,780,001-1,900,000 --png docs/browse.png

``--keys`` presses keys before the shot (space-separated Textual key names, e.g. ``"n n plus"``).
``--demo DIR`` first builds demo tracks from the real data (the chr2 GENCODE genes BED and a
bigWig of GC content over chr2:1,780,000-1,900,000 from the hg38 chr2 FASTA) and browses them.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import tempfile
from pathlib import Path

SIZE = (140, 40)


def build_demo(out: Path) -> list[Path]:
    """GENCODE genes (chr2) as BED and GC content per 100 bp as bigWig, from the real data."""
    import pyBigWig

    from genebert_tool.datadir import data_file
    from genebert_tool.tui.data import SequenceTrack
    from genebert_tool.tui.locus import Locus

    out.mkdir(parents=True, exist_ok=True)
    genes = out / "gencode_v24_genes.chr2.bed"
    with open(data_file("regions/gencode_v24_genes.hg38_windows.bed")) as src, open(genes, "w") as dst:
        dst.writelines(line for line in src if line.startswith("chr2\t"))
    fasta = SequenceTrack(data_file("genome/hg38_chr2_1-2333275.fa.gz"))
    start, end, step = 1_780_000, 1_900_000, 100
    seq = fasta.sequence(Locus("chr2", start, end)) or ""
    gc = [sum(seq[i : i + step].count(b) for b in "GC") / step for i in range(0, end - start, step)]
    bigwig = out / "gc_content.chr2_1780000_1900000.bw"
    bw = pyBigWig.open(str(bigwig), "w")
    bw.addHeader([("chr2", fasta.contigs["chr2"])], maxZooms=10)
    bw.addEntries("chr2", start, values=gc, span=step, step=step)
    bw.close()
    return [bigwig, genes]


async def shoot(files: list[Path], genome: Path | None, locus: str | None, keys: list[str], svg: Path) -> list[str]:
    from genebert_tool.tui.app import BrowserApp

    app = BrowserApp(files, genome=genome, locus=locus)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        if keys:
            await pilot.press(*keys)
        await pilot.pause(0.2)
        app.save_screenshot(svg.name, path=str(svg.parent))
    return app.errors


def svg_to_png(svg: Path, png: Path) -> None:
    """cairosvg cannot fetch Rich's web font; point the SVG at the installed monospace font."""
    import cairosvg

    text = svg.read_text(encoding="utf-8")
    text = re.sub(r"@font-face\s*{[^}]*}", "", text)
    text = text.replace('"Fira Code"', '"DejaVu Sans Mono"').replace("Fira Code,", '"DejaVu Sans Mono",')
    png.parent.mkdir(parents=True, exist_ok=True)
    cairosvg.svg2png(bytestring=text.encode("utf-8"), write_to=str(png))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("files", nargs="*", type=Path)
    parser.add_argument("--genome", type=Path)
    parser.add_argument("--locus")
    parser.add_argument("--keys", default="", help='keys to press first, e.g. "n plus"')
    parser.add_argument("--demo", type=Path, help="build demo tracks from the real data into DIR")
    parser.add_argument("--svg", type=Path, help="also keep the SVG here")
    parser.add_argument("--png", type=Path, default=Path("docs/browse.png"))
    args = parser.parse_args()
    files = list(args.files)
    if args.demo:
        files = build_demo(args.demo) + files
    if not files:
        parser.error("give files to browse, or --demo DIR")
    with tempfile.TemporaryDirectory() as tmp:
        svg = args.svg or Path(tmp) / "browse.svg"
        svg.parent.mkdir(parents=True, exist_ok=True)
        errors = asyncio.run(shoot(files, args.genome, args.locus, args.keys.split(), svg))
        for message in errors:
            print(f"browser reported: {message}")
        svg_to_png(svg, args.png)
    print(f"wrote {args.png}" + (f" and {args.svg}" if args.svg else ""))


if __name__ == "__main__":
    main()
