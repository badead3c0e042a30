"""Command line for the synthetic Olist generator: ``python -m orchestration.generate``.

Kept apart from ``generator`` so importing the generator never parses arguments, and so
``python -m orchestration generate ...`` can hand its remaining arguments to ``main``.
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import date, timedelta
from pathlib import Path

from orchestration.defects import DEFECTS, plant
from orchestration.generator import (
    FILE_NAMES,
    LAST_PURCHASE_DATE,
    generate,
    generate_deltas,
    generate_with_deltas,
)


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"expected YYYY-MM-DD, got {text!r}") from error


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m orchestration.generate",
        description=(
            "Write the nine Olist e-commerce CSV files (same headers, quoting and quirks as the "
            "real Kaggle files) with synthetic, referentially consistent content. The same "
            "--orders and --seed always give byte-identical files. Optionally also write daily "
            "delta extracts that continue the base."
        ),
        epilog=(
            "examples:\n"
            "  python -m orchestration.generate --orders 3000 --seed 42 --out data/sample\n"
            "  python -m orchestration.generate --orders 100000 --out data/landing --deltas 7\n"
            "  python -m orchestration.generate --orders 100000 --deltas 3 --landing /tmp/l "
            "--delta-start 2018-10-20   (deltas only, base not written)"
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--orders",
        type=_positive,
        required=True,
        metavar="N",
        help="scale: number of orders; other files follow the real proportions",
    )
    parser.add_argument(
        "--seed", type=int, default=42, metavar="S", help="random seed (default: 42)"
    )
    parser.add_argument(
        "--out",
        type=Path,
        metavar="DIR",
        help=f"folder for the {len(FILE_NAMES)} base files (created if missing); "
        "may be omitted with --deltas and --landing to write deltas only",
    )
    parser.add_argument(
        "--deltas",
        type=int,
        default=0,
        metavar="K",
        help="also write K daily delta folders <landing>/<YYYY-MM-DD>/",
    )
    default_start = LAST_PURCHASE_DATE + timedelta(days=1)
    parser.add_argument(
        "--delta-start",
        type=_day,
        metavar="YYYY-MM-DD",
        help=f"date of the first delta (default: {default_start}, the day after the last purchase)",
    )
    parser.add_argument(
        "--landing",
        type=Path,
        metavar="DIR",
        help="folder that receives the dated delta folders (default: --out, "
        "which is the layout the loader reads: base files at the root, "
        "one folder per day)",
    )
    parser.add_argument(
        "--plant-defects",
        metavar="NAMES",
        help="plant known defects into the base files for check tests: 'all' or a comma "
        f"list of {', '.join(DEFECTS)}",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.deltas < 0:
        parser.error("--deltas must not be negative")
    if args.out is None and not (args.deltas and args.landing):
        parser.error("--out is required (it may be omitted only with --deltas and --landing)")

    started = time.perf_counter()

    def progress(message: str) -> None:
        print(f"[{time.perf_counter() - started:6.1f}s] {message}", file=sys.stderr, flush=True)

    try:
        if args.out is None:
            generate_deltas(
                args.landing, args.orders, args.deltas, args.seed, args.delta_start, progress
            )
        elif args.deltas:
            generate_with_deltas(
                args.out,
                args.orders,
                args.seed,
                args.landing or args.out,
                args.deltas,
                args.delta_start,
                progress,
            )
        else:
            generate(args.out, args.orders, args.seed, progress)
        if args.plant_defects and args.out is not None:
            names = (
                DEFECTS
                if args.plant_defects == "all"
                else tuple(name.strip() for name in args.plant_defects.split(","))
            )
            for defect, keys in plant(args.out, names, args.seed).items():
                progress(f"planted {defect}: {len(keys)} ({', '.join(map(str, keys[:3]))})")
    except (ValueError, OSError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    progress("done")
    return 0


if __name__ == "__main__":
    sys.exit(main())
