"""``medvlp benchmark``: run a benchmark suite for one or more encoders, then write tables and plots."""

from __future__ import annotations

import argparse
from pathlib import Path

from medvlp.errors import ConfigError

NAME = "benchmark"
HELP = "Run a benchmark suite (YAML) on encoders; results.jsonl + summary tables + plots in --out."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--suite", required=True,
                        help="suite YAML path, or a name in benchmarks/suites (e.g. synthetic, benchx)")
    parser.add_argument("--model", action="append", default=[],
                        help="checkpoint dir, model config name, timm:ARCH[@W], hf:DIR or open_clip:ARCH@W "
                             "(repeatable; default: the suite's models)")
    parser.add_argument("--out", required=True, type=Path, help="output folder (reruns skip finished runs)")
    parser.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                        help="dotted suite override, e.g. bootstrap.n_resamples=200")
    parser.add_argument("--no-plots", action="store_true", help="skip the figures")


def resolve_suite_path(text: str) -> Path:
    """A path as given, else ``benchmarks/suites/<text>.yaml`` in the working dir or the source tree."""
    path = Path(text)
    if path.is_file():
        return path
    for root in (Path.cwd(), Path(__file__).resolve().parents[3]):
        candidate = root / "benchmarks" / "suites" / f"{text}.yaml"
        if candidate.is_file():
            return candidate
    raise ConfigError(f"suite {text!r} not found (neither a file nor benchmarks/suites/{text}.yaml)")


def run(args: argparse.Namespace) -> int:
    from medvlp.benchmark.outputs import write_outputs
    from medvlp.benchmark.runner import run_suite
    from medvlp.benchmark.suite import load_suite
    from medvlp.evaluation.loaders import load_encoder
    from medvlp.utils.logging import get_logger

    log = get_logger(__name__)
    suite = load_suite(resolve_suite_path(args.suite), args.overrides)
    specs = args.model or suite.models
    if not specs:
        raise ConfigError("no model given: pass --model (or list models in the suite)")
    models = {spec: load_encoder(spec) for spec in specs}
    summary = run_suite(suite, models, args.out)
    write_outputs(args.out, suite.bootstrap.n_resamples, compare=len(models) > 1, plots=not args.no_plots)
    log.info("suite %s: %d run, %d cached, %d skipped, %d errors -> %s", suite.name, summary.ran,
             summary.cached, summary.skipped, summary.errors, args.out)
    return 1 if summary.errors else 0
