from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import pytest
import yaml

from medvlp.config import apply_overrides, load_config, load_yaml, save_config, to_dict
from medvlp.errors import ConfigError


@dataclass
class Optim:
    lr: float = 1e-3
    betas: tuple[float, float] = (0.9, 0.999)


@dataclass
class Trainer:
    max_steps: int = 10
    precision: Literal["32", "bf16-mixed"] = "32"
    devices: int | None = None


@dataclass
class Run:
    name: str
    optim: Optim = field(default_factory=Optim)
    trainer: Trainer = field(default_factory=Trainer)
    tags: list[str] = field(default_factory=list)
    out: Path = Path("runs")


def write(path: Path, data: dict) -> Path:
    path.write_text(yaml.safe_dump(data))
    return path


def test_base_composition_and_overrides(tmp_path: Path) -> None:
    write(tmp_path / "base.yaml", {"name": "base", "optim": {"lr": 0.1, "betas": [0.8, 0.9]}, "tags": ["a"]})
    child = write(tmp_path / "child.yaml", {"base": "base.yaml", "name": "child", "optim": {"lr": 0.01}})
    cfg = load_config(Run, child, ["trainer.max_steps=100", "trainer.precision=bf16-mixed", "tags=[x, y]"])
    assert cfg.name == "child"
    assert cfg.optim.lr == 0.01 and cfg.optim.betas == (0.8, 0.9)  # merged, not replaced
    assert cfg.trainer.max_steps == 100 and cfg.trainer.precision == "bf16-mixed"
    assert cfg.tags == ["x", "y"]
    assert isinstance(cfg.out, Path)


def test_unknown_key_names_its_dotted_path(tmp_path: Path) -> None:
    path = write(tmp_path / "c.yaml", {"name": "x", "optim": {"lr": 1.0, "momentum": 0.9}})
    with pytest.raises(ConfigError, match=r"optim\.momentum"):
        load_config(Run, path)


@pytest.mark.parametrize(
    "override, fragment",
    [
        ("trainer.max_steps=ten", "trainer.max_steps"),
        ("trainer.max_steps=1.5", "trainer.max_steps"),
        ("trainer.precision=fp8", "trainer.precision"),
        ("optim.betas=[1, 2, 3]", "optim.betas"),
        ("tags=oops", "tags"),
        ("nodot", "key.sub=value"),
    ],
)
def test_wrong_types_are_reported(override: str, fragment: str) -> None:
    with pytest.raises(ConfigError, match=fragment.replace(".", r"\.")):
        load_config(Run, None, ["name=x", override])


def test_missing_required_key() -> None:
    with pytest.raises(ConfigError, match="name"):
        load_config(Run, None, [])


def test_bool_is_not_an_int() -> None:
    with pytest.raises(ConfigError):
        load_config(Run, None, ["name=x", "trainer.max_steps=true"])


def test_circular_base_is_an_error(tmp_path: Path) -> None:
    write(tmp_path / "a.yaml", {"base": "b.yaml"})
    write(tmp_path / "b.yaml", {"base": "a.yaml"})
    with pytest.raises(ConfigError, match="circular"):
        load_yaml(tmp_path / "a.yaml")


def test_save_round_trip(tmp_path: Path) -> None:
    cfg = load_config(Run, None, ["name=r", "optim.lr=0.5", "trainer.devices=2"])
    save_config(cfg, tmp_path / "resolved.yaml")
    again = load_config(Run, tmp_path / "resolved.yaml")
    assert to_dict(again) == to_dict(cfg)


def test_overrides_do_not_mutate_input() -> None:
    data = {"a": {"b": 1}}
    out = apply_overrides(data, ["a.c=2"])
    assert data == {"a": {"b": 1}} and out == {"a": {"b": 1, "c": 2}}


def test_exponent_without_dot_is_a_number() -> None:
    cfg = load_config(Run, None, ["name=x", "optim.lr=3e-4"])
    assert cfg.optim.lr == 3e-4
