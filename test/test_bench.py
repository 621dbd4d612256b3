"""`benchmarks/run.py --quick` end to end: it completes and writes a well-formed results table (no speed claims)."""
import re
import subprocess
import sys
from pathlib import Path
from typing import Iterator, List

import pytest

REPO = Path(__file__).resolve().parent.parent
RUNNER = REPO / "benchmarks" / "run.py"
QUICK_LIMIT = 300.0  # a generous wall for a run that takes well under a minute
HEADER = ["#", "measure", "ours", "baseline 1.1.8", "floor", "ratio", "target", "ours vs target"]


def table_rows(text: str) -> List[List[str]]:
    """The cells of every Markdown table line in text."""
    return [[cell.strip() for cell in line.strip()[1:-1].split("|")]
            for line in text.splitlines() if line.startswith("|")]


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[subprocess.CompletedProcess]:
    """One `--quick` run for every test of this module; skipped when the baseline cannot be installed.

    The baseline's virtualenv is the one `make bench` uses (benchmarks/.venv-baseline, ignored by git, removed
    by `make clean`): built from the package index on the first run and reused, so nothing of it lands in the
    temporary directory. The results go to this module's temporary folder.
    """
    output = tmp_path_factory.mktemp("bench") / "RESULTS.md"
    done = subprocess.run([sys.executable, str(RUNNER), "--quick", "--output", str(output)],
                          capture_output=True, text=True, timeout=QUICK_LIMIT, stdin=subprocess.DEVNULL)
    if done.returncode != 0 and "pip failed" in done.stderr:
        pytest.skip(f"the baseline could not be installed from the package index:\n{done.stderr[-2000:]}")
    done.output = output  # type: ignore[attr-defined]
    yield done


def test_quick_run_completes_and_writes_results(quick_run: subprocess.CompletedProcess) -> None:
    """The quick run exits 0 and writes RESULTS.md with the table, the machine line and the command."""
    assert quick_run.returncode == 0, quick_run.stdout + quick_run.stderr
    text = quick_run.output.read_text(encoding="utf-8")  # type: ignore[attr-defined]
    assert text.startswith("# Benchmarks")
    assert re.search(r"^Machine: .+, \d+ cores, Python 3\.\d+", text, re.M), text
    assert "baseline 1.1.8" in text and "ovos-plugin-manager" in text
    assert "Command: `python benchmarks/run.py --quick`" in text


def test_results_table_is_well_formed(quick_run: subprocess.CompletedProcess) -> None:
    """Header, separator, then rows of the same width with a value for ours in every one, figures 1 to 7."""
    assert quick_run.returncode == 0, quick_run.stderr
    rows = table_rows(quick_run.output.read_text(encoding="utf-8"))  # type: ignore[attr-defined]
    assert rows[0] == HEADER
    assert all(set(cell) <= set("-") and cell for cell in rows[1])
    body = rows[2:]
    assert all(len(row) == len(HEADER) for row in body), body
    assert {row[0] for row in body} == {str(n) for n in range(1, 8)}
    for row in body:
        assert row[2] and row[2] not in ("—", "nan"), row
        assert row[7] in ("met", "**missed**", "—"), row


def test_printed_table_matches_the_file(quick_run: subprocess.CompletedProcess) -> None:
    """What the run prints is the table it wrote."""
    assert quick_run.returncode == 0, quick_run.stderr
    written = table_rows(quick_run.output.read_text(encoding="utf-8"))  # type: ignore[attr-defined]
    assert table_rows(quick_run.stdout) == written
