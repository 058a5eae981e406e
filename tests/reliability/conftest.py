"""Fixtures of the reliability suite, and the summary table printed at the end of the run.

The tests feed `figures.FIGURES`; `pytest_terminal_summary` prints it once, after every test,
whether they passed or not (a failing run shows how far it got).
"""

from __future__ import annotations

import pytest

from tests.reliability.figures import FIGURES


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """The reliability figures, as a table, when any reliability test ran."""
    if not FIGURES.ran:
        return
    rows = FIGURES.rows()
    width = max(len(name) for name, _ in rows)
    terminalreporter.section("reliability figures")
    for name, value in rows:
        terminalreporter.write_line(f"{name.ljust(width)}  {value}")
