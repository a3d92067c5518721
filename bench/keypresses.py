"""Key presses to a target gold on a seed article, by hand and with a 50-pattern rule
set's suggestions, both keyboard only in Chromium (issue 16: at most 60 %).

    .venv/bin/python bench/keypresses.py        # SQLite; DATABASE_URL=postgres://… for PostgreSQL

The measurement is the browser test ``tests/browser/test_keypresses.py`` (the scenario is
``tests/browser/keypresses.py``), which also holds the result to the goal; this runs it and
prints its figures.
"""

import subprocess
import sys

from inprocess import ROOT

TEST = "tests/browser/test_keypresses.py"


def main() -> None:
    run = subprocess.run(
        [sys.executable, "-m", "pytest", TEST, "-q", "-s", "-p", "no:cacheprovider"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    figures = [line for line in run.stdout.splitlines() if "key presses by hand" in line]
    print(*figures or [run.stdout[-3000:], run.stderr[-3000:]], sep="\n")
    sys.exit(run.returncode)


if __name__ == "__main__":
    main()
