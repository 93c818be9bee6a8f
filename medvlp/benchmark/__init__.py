"""Benchmark suites (YAML), the runner with its result cache, and reports / plots."""
