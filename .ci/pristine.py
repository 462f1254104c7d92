"""The fresh clone as a user gets it, before anything exports: every module the package index names imports, and the
command-line entry points answer --help. A module that only exists after `nbdev-export` fails here."""

import ast
import importlib
import subprocess
import sys
from pathlib import Path

root = Path(__file__).resolve().parents[1]
index = ast.literal_eval((root / "plan" / "_modidx.py").read_text().split("=", 1)[1].strip())
mods = sorted(index["syms"])
failed = []
for m in mods:
    try:
        importlib.import_module(m)
    except Exception as e:  # noqa: BLE001 - report every module that does not import, then fail
        failed.append(f"{m}: {type(e).__name__}: {e}")
for cmd in (
    [sys.executable, "data_prep/prepare.py", "--help"],
    [sys.executable, "data_prep/synthcxr.py", "--help"],
    [sys.executable, "-m", "plan.experiments.report", "--help"],
):
    r = subprocess.run(cmd, cwd=root, capture_output=True, text=True)
    if r.returncode != 0:
        failed.append(f"{' '.join(cmd[1:])}: exit {r.returncode}: {r.stderr.strip().splitlines()[-1:]}")
if failed:
    sys.exit("pristine clone: FAIL\n  " + "\n  ".join(failed))
print(f"pristine clone: {len(mods)} modules import, 3 entry points answer --help")
