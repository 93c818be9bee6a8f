from __future__ import annotations

import pytest

from medvlp.errors import ConfigError, UnknownNameError
from medvlp.registry import Registry


def make() -> Registry[str]:
    reg: Registry[str] = Registry("widget")

    @reg.register("alpha", aliases=("a",))
    def alpha(size: int = 1) -> str:
        return f"alpha{size}"

    @reg.register()
    def beta() -> str:
        return "beta"

    return reg


def test_create_by_name_and_alias() -> None:
    reg = make()
    assert reg.create("alpha", size=3) == "alpha3"
    assert reg.create("a") == "alpha1"
    assert reg.create("beta") == "beta"
    assert reg.list() == ["alpha", "beta"]
    assert reg.list("al*") == ["alpha"]
    assert "a" in reg and "gamma" not in reg and len(reg) == 2


def test_unknown_name_suggests_close_match() -> None:
    reg = make()
    with pytest.raises(UnknownNameError) as info:
        reg.create("alpah")
    message = str(info.value)
    assert "unknown widget 'alpah'" in message and "did you mean alpha" in message
    assert isinstance(info.value, ConfigError)


def test_double_registration_is_refused() -> None:
    reg = make()
    with pytest.raises(ConfigError):
        reg.register("alpha")(lambda: "x")
    with pytest.raises(ConfigError):
        reg.register("new", aliases=("a",))(lambda: "x")
