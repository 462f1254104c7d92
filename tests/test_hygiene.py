"Repository hygiene: notebooks clean, experiment notebooks well-formed, imports go downwards, requirements agree."

import json
import re
from pathlib import Path

import tomllib
import yaml

ROOT = Path(__file__).resolve().parents[1]
NBS = sorted((ROOT / "nbs").glob("*.ipynb"))


def _cells(nb):
    return json.loads(nb.read_text())["cells"]


def _name(req: str) -> str:
    return re.split(r"[<>=!~ \[]", req, maxsplit=1)[0].lower().replace("_", "-")


def test_requirements_agree():
    py = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    deps = {_name(d) for d in py["dependencies"]} | {_name(d) for d in py["optional-dependencies"]["dev"]}
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    assert {_name(d) for d in pip} == deps
    assert any(str(d).startswith("python=3.11") for d in env["dependencies"])


def test_no_outputs_in_nbs():
    for nb in NBS:
        for c in _cells(nb):
            assert not c.get("outputs"), f"{nb.name}: a cell has outputs (run make clean-nbs)"
            assert c.get("execution_count") is None, f"{nb.name}: execution counts left"


def test_module_imports_only_lower_numbers():
    mods = {}
    for nb in NBS:
        if not nb.name[0].isdigit():
            continue
        src = "\n".join("".join(c["source"]) for c in _cells(nb) if c["cell_type"] == "code")
        m = re.search(r"#\| default_exp (\S+)", src)
        if m:
            mods[m.group(1)] = nb.name
    for nb in NBS:
        if not nb.name[0].isdigit():
            continue
        src = "\n".join("".join(c["source"]) for c in _cells(nb) if c["cell_type"] == "code")
        for imp in re.findall(r"from plan\.(\w+(?:\.\w+)?) import", src):
            if imp in mods and mods[imp] != nb.name:  # its own module (e.g. code for a subprocess) is fine
                assert mods[imp] < nb.name, f"{nb.name} imports plan.{imp} from {mods[imp]}, which is not lower"


def test_experiment_notebooks_have_parameters_and_skip_exec():
    for nb in NBS:
        if nb.name[0].isdigit() or nb.name == "index.ipynb":  # index: the opening chapter, not an experiment
            continue
        cells = _cells(nb)
        params = [c for c in cells if "parameters" in c.get("metadata", {}).get("tags", [])]
        assert len(params) == 1, f"{nb.name}: expected one cell tagged 'parameters', found {len(params)}"
        assert "skip_exec: true" in "".join(cells[0]["source"]), f"{nb.name}: title cell lacks '- skip_exec: true'"


def test_no_pickle_loading_in_package():
    for p in (ROOT / "plan").rglob("*.py"):
        t = p.read_text()
        assert "pickle.load" not in t, p
        for m in re.finditer(r"torch\.load\(([^)]*)\)", t):
            assert "weights_only=True" in m.group(1), f"{p}: torch.load without weights_only=True"
        assert "yaml.load(" not in t, p


def _tracked() -> set[str]:
    import subprocess

    out = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    return {p for p in out.split("\0") if p}


def test_every_exported_module_is_tracked():
    "Every module `plan/_modidx.py` names (what nbdev-export writes) is a tracked file: a fresh clone has the package."
    import ast

    src = (ROOT / "plan" / "_modidx.py").read_text()
    d = ast.literal_eval(src.split("=", 1)[1].strip())
    mods = set(d["syms"])
    files = {"/".join(m.split(".")) + ".py" for m in mods}
    pkgs = {"/".join(m.split(".")[:-1]) + "/__init__.py" for m in mods if m.count(".") > 1}
    tracked = _tracked()
    missing = sorted((files | pkgs | {"plan/__init__.py", "plan/_modidx.py"}) - tracked)
    assert not missing, f"generated modules not committed (a fresh clone lacks them; check .gitignore): {missing}"


def test_nothing_the_project_needs_is_ignored():
    "No file under plan/, data_prep/, nbs/, tests/ or .ci/ is git-ignored (a fresh clone would lack it)."
    import subprocess

    out = subprocess.run(
        [
            "git",
            "ls-files",
            "--others",
            "--ignored",
            "--exclude-standard",
            "--",
            "plan",
            "data_prep",
            "nbs",
            "tests",
            ".ci",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split("\n")
    bad = [p for p in out if p and not re.search(r"__pycache__|\.pyc$|\.ipynb_checkpoints|/runs/|\.png$", p)]
    assert not bad, f"ignored files the project uses: {bad[:10]}"


def _module_notebooks() -> dict[str, str]:
    "Every generated module (`plan.x.y`) and the notebook its header names as its source."
    out = {}
    for p in sorted((ROOT / "plan").rglob("*.py")):
        m = re.search(r"File to edit: (?:\.\./)+nbs/(\S+)\.ipynb", p.read_text())
        if m:
            name = ".".join(p.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
            out[name] = m.group(1)
    return out


def test_package_map_lists_every_module():
    """The opening notebook's package map names every module with the notebook it is built from (a link that
    resolves), the package docstring and `nbs/llms.txt` list every module, and no docstring links a docs site."""
    mods = _module_notebooks()
    assert len(mods) > 30 and "plan.evaluation" in mods
    index = "\n".join("".join(c["source"]) for c in _cells(ROOT / "nbs" / "index.ipynb"))
    listed = dict(re.findall(r"`(plan[\w.]*)` \(\[\w+\]\((\w+)\.ipynb\)\)", index))
    assert listed == mods, set(listed.items()) ^ set(mods.items())
    assert all((ROOT / "nbs" / f"{nb}.ipynb").exists() for nb in listed.values())
    init, llms = (ROOT / "plan" / "__init__.py").read_text(), (ROOT / "nbs" / "llms.txt").read_text()
    for m in mods:
        if m != "plan.evaluation":  # a package's own __init__ is not in nbdev's module list
            assert f"`{m}`" in init and f"`{m}`" in llms, f"{m} is missing from the package docstring or llms.txt"
    for p in (ROOT / "plan").rglob("*.py"):
        assert "Docs: http" not in p.read_text(), f"{p}: a docstring links a documentation site that does not exist"


def test_one_registry_per_family():
    """Every named family is read from its one table: losses (with their read-out), evaluation tasks (the config's
    choices, the suite and the main job agree), dataset adapters (the CLI lists them), text models; no method's
    name is tested for outside the loss registry."""
    import typing

    from plan.config import EvalTask
    from plan.data.adapters import ADAPTERS
    from plan.encoders import TEXT_MODELS
    from plan.evaluation.suite import TASKS
    from plan.experiments.report import ALL_TASKS
    from plan.losses import LOSSES, READOUTS

    assert tuple(TASKS) == typing.get_args(EvalTask) == tuple(ALL_TASKS.split(","))
    assert all(cls.readout in READOUTS and callable(cls.readout_tau) for cls in LOSSES.values())
    assert all(a.about and callable(a.run) for a in ADAPTERS.values())
    assert {"minilm", "tiny-bert", "radbert"} <= set(TEXT_MODELS)
    for p in (ROOT / "plan").rglob("*.py"):
        if p.name in ("losses.py", "_modidx.py"):
            continue
        hits = re.findall(r"\bmethod\s*(?:==|!=|in \()\s*\"?\w*", p.read_text())
        assert not hits, f"{p}: tests a method by name ({hits}); give the loss class an attribute instead"


def test_notebook_parameters_name_the_registries():
    "What `papermill --help-notebook` lists for a named choice is its registry's names, in the registry's order."
    from plan.encoders import TEXT_MODELS
    from plan.evaluation.suite import TASKS
    from plan.losses import LOSSES
    from plan.presets import PRESETS

    def comment(nb: str, param: str) -> str:
        cell = next(c for c in _cells(ROOT / "nbs" / nb) if "parameters" in c.get("metadata", {}).get("tags", []))
        line = next(ln for ln in "".join(cell["source"]).splitlines() if ln.startswith(f"{param}:"))
        return line.split("#", 1)[1]

    assert comment("pretrain.ipynb", "method").strip() == " | ".join(LOSSES)
    assert comment("pretrain.ipynb", "text_model").startswith(" " + ", ".join(f"'{k}'" for k in TEXT_MODELS) + " or")
    assert comment("pretrain.ipynb", "preset").startswith(" " + " | ".join(PRESETS) + " ")
    assert ", ".join(TASKS) + ", or all" in comment("evaluate.ipynb", "tasks")
