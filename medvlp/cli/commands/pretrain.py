"""``medvlp pretrain --config configs/pretrain/<name>.yaml [key.sub=value ...]``."""

from __future__ import annotations

import argparse
from pathlib import Path

NAME = "pretrain"
HELP = "Contrastive vision-language pretraining (Lightning); re-run the same command to resume."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", required=True, type=Path, help="pretrain YAML (see configs/pretrain/)")
    parser.add_argument("overrides", nargs="*", help="dotted overrides, e.g. trainer.max_steps=100 data.root=out")
    parser.add_argument("--dry-run", action="store_true", help="validate the config and exit (reads no data)")


def run(args: argparse.Namespace) -> int:
    import lightning as L

    from medvlp.config import load_config
    from medvlp.training import PretrainConfig, build_objective, run_pretrain
    from medvlp.training.run import validate
    from medvlp.utils.logging import get_logger

    cfg = load_config(PretrainConfig, args.config, args.overrides)
    validate(cfg)
    build_objective(cfg)
    if args.dry_run:
        get_logger(__name__).info("config OK: %s", args.config)
        return 0
    # the entry point (not the library) owns global seeding: initial weights must match across runs
    L.seed_everything(cfg.trainer.seed, workers=True)
    export = run_pretrain(cfg)
    print(export)
    return 0
