"The README's single-experiment commands, run as written (smoke-sized) from the project folder and from another one."

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
ENV = {**os.environ, "MPLBACKEND": "Agg", "PYTHONHASHSEED": "0", "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}


def readme_block() -> list[str]:
    "The commands of the README's 'Single experiments' code block."
    text = (ROOT / "README.md").read_text()
    block = re.search(r"Single experiments.*?```bash\n(.*?)```", text, re.S).group(1)
    return [line.split("  #")[0].strip() for line in block.splitlines() if line.strip()]


def runnable(cmd: str, tag: str, root: Path) -> str:
    "A README command, smoke-sized, with runs/x renamed to `tag` and the venv and notebooks found from `root`."
    cmd = cmd.replace("runs/x", tag).replace(".venv/bin/", f"{BIN}/").replace(" nbs/", f" {root / 'nbs'}/")
    if "papermill" in cmd and "--help-notebook" not in cmd:
        cmd += " -p smoke True"
    return cmd


def sh(cmd: str, cwd: Path):
    r = subprocess.run(["bash", "-c", cmd], cwd=cwd, env=ENV, capture_output=True, text=True)
    assert r.returncode == 0, f"{cmd}\n{r.stderr[-3000:]}"
    return r


def test_readme_commands_from_the_project_folder():
    cmds = readme_block()
    assert cmds[0] == "mkdir -p runs/x" and any("torchrun" in c for c in cmds)
    tag = f"runs/test-cli-{os.getpid()}"
    try:
        outs = [sh(runnable(c, tag, ROOT), ROOT) for c in cmds]
        run = ROOT / tag
        assert (run / "model" / "model.safetensors").exists() and (run / "pretrain.ipynb").exists()
        assert (run / "eval" / "metrics.json").exists()  # evaluate's default out_dir: <run_dir>/eval
        assert sorted((run / "views").glob("view_*.png"))  # explore wrote only where it was told
        assert (ROOT / f"{tag}-ddp" / "model" / "model.safetensors").exists()
        helptext = next(o.stdout for c, o in zip(cmds, outs) if "--help-notebook" in c)
        lines = helptext.splitlines() + [""]
        for i, line in enumerate(lines):  # every parameter has a description, beside it or on the next line
            m = re.match(r"\s+(\w+): \w+ \(default (.*?)\)(.*)$", line)
            if m and not m.group(3).strip():
                nxt = lines[i + 1]
                assert nxt.startswith(" " * 20) and nxt.strip() and not re.match(r"\s+\w+: \w+ \(default", nxt), line
        assert not (ROOT.parent / "runs").exists() or not (ROOT.parent / "runs" / Path(tag).name).exists()
    finally:
        shutil.rmtree(ROOT / tag, ignore_errors=True)
        shutil.rmtree(ROOT / f"{tag}-ddp", ignore_errors=True)


def test_relative_paths_are_the_launch_folders(tmp_path):
    "Started elsewhere, a run lands under the folder the command was started in; settings.ini is the project's."
    cmds = [c for c in readme_block() if c.startswith("mkdir") or "pretrain.ipynb runs" in c or "explore.ipynb" in c]
    for c in cmds:
        sh(runnable(c, "runs/x", ROOT), tmp_path)
    assert (tmp_path / "runs/x/model/model.safetensors").exists()
    assert sorted((tmp_path / "runs/x/views").glob("view_*.png"))
    assert not (tmp_path.parent / "runs" / "x").exists()


def test_bad_parameters_stop_first_with_one_line(tmp_path):
    pm = [str(BIN / "papermill"), str(ROOT / "nbs/pretrain.ipynb"), str(tmp_path / "p.ipynb"), "-p", "smoke", "True"]
    for extra, says in (
        (["-p", "epochs", "-2"], "ParameterError: -p epochs -2: must be > 0"),
        (["-p", "image_size", "13"], "ParameterError: -p image_size 13: a multiple of 32"),
        (["-p", "method", "glorai"], "did you mean gloria?"),
        (["-p", "data_dir", str(tmp_path)], "no prepared data there"),
    ):
        r = subprocess.run([*pm, *extra], env=ENV, capture_output=True, text=True, cwd=tmp_path)
        last = [x for x in r.stderr.splitlines() if x.strip()][-1]
        assert r.returncode != 0 and says in last, (extra, last)
        assert not (tmp_path / "runs").exists()  # nothing trained, nothing written
    ev = [str(BIN / "papermill"), str(ROOT / "nbs/evaluate.ipynb"), str(tmp_path / "e.ipynb"), "-p", "smoke", "True"]
    r = subprocess.run([*ev, "-p", "run_dir", "nothing"], env=ENV, capture_output=True, text=True, cwd=tmp_path)
    assert "ParameterError: -p run_dir 'nothing': no trained model there" in r.stderr.strip().splitlines()[-1]
    cmp = [sys.executable, "-m", "plan.experiments.report", "--compare", "--smoke"]  # a part of the comparison
    for extra, says in ((["--variants", "glorai"], "unknown variant 'glorai'"), (["--seeds", "x"], "-p seeds 'x'")):
        r = subprocess.run([*cmp, *extra], env=ENV, capture_output=True, text=True, cwd=tmp_path)
        last = [x for x in r.stderr.splitlines() if x.strip()][-1]
        assert r.returncode != 0 and says in last, (extra, last)


def readme_python() -> str:
    "The README's Python example (the first ```python block)."
    return re.search(r"```python\n(.*?)```", (ROOT / "README.md").read_text(), re.S).group(1)


def test_readme_python_example_runs_as_printed(tmp_path):
    "The README's Python example, exactly as printed, in a folder laid out as after `make report` (smoke-sized)."
    from plan.data.adapters import ensure_data
    from plan.presets import load_experiment
    from plan.train import train

    cfg, _ = load_experiment("smoke", {"train.device": "cpu"})
    root = ensure_data(cfg)
    cfg.data.data_dir = str(root)
    train(cfg, tmp_path / "runs" / "default" / "plan", progress=False)
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "synthcxr").symlink_to(root, target_is_directory=True)
    code = readme_python()
    assert "runs/default/plan" in code and "savefig" in code
    r = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=ENV, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr[-3000:]
    out = [p for p in tmp_path.glob("*.png")]
    assert out and out[0].stat().st_size > 10_000, out
