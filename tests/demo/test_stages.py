from __future__ import annotations

from pathlib import Path

from medvlp.demo.stages import Stage, run_stage


def test_stage_reused_only_when_inputs_unchanged(tmp_path: Path) -> None:
    calls: list[str] = []

    def make(name: str, value: int, after: list) -> Stage:
        def run() -> dict:
            calls.append(name)
            return {"value": value}

        return Stage(name, {"value": value}, run, after)

    a = run_stage(make("a", 1, []), tmp_path)
    run_stage(make("b", 2, [a]), tmp_path)
    assert calls == ["a", "b"] and not a.reused

    a2 = run_stage(make("a", 1, []), tmp_path)
    b2 = run_stage(make("b", 2, [a2]), tmp_path)
    assert calls == ["a", "b"] and a2.reused and b2.reused and b2.summary == {"value": 2}

    a3 = run_stage(make("a", 5, []), tmp_path)  # upstream change re-runs downstream too
    run_stage(make("b", 2, [a3]), tmp_path)
    assert calls == ["a", "b", "a", "b"]
