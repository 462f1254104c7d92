"Experiment notebooks run end to end through papermill (smoke preset), writing metrics files and HTML reports."

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np

from plan.experiments.report import run_notebook


def _figure_cells(nb_path):
    "(cell index, has an image) for every code cell of an executed notebook that draws a figure."
    nb = json.loads(Path(nb_path).read_text())
    out = []
    for i, c in enumerate(nb["cells"]):
        src = "".join(c["source"])
        if c["cell_type"] == "code" and ("savefig(" in src or "display(Img" in src):
            has = any("image/png" in o.get("data", {}) for o in c.get("outputs", []))
            out.append((i, has))
    return out


def _noise(nb_path):
    "Library warnings and tracebacks that reached a notebook's outputs."
    nb = json.loads(Path(nb_path).read_text())
    bad = []
    for c in nb["cells"]:
        for o in c.get("outputs", []):
            text = "".join(o.get("text", "")) + "".join(o.get("data", {}).get("text/plain", ""))
            if (
                o.get("name") == "stderr"
                or "Warning" in text
                or "LOAD REPORT" in text
                or o.get("output_type") == "error"
            ):
                bad.append(text[:200])
    return bad


def test_main_job_smoke(tmp_path):
    "`python -m plan.experiments.report --smoke` under make's environment (MPLBACKEND=Agg): every figure reaches notebook and HTML."
    root = Path(__file__).resolve().parents[1]
    env = {**os.environ, "MPLBACKEND": "Agg", "PYTHONHASHSEED": "0", "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    r = subprocess.run(
        [sys.executable, "-m", "plan.experiments.report", "--smoke"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
    )
    assert r.returncode == 0, r.stderr[-3000:]
    assert "pointing" in r.stdout and "reports written to" in r.stdout  # the job ends with its headline table
    runs = root / "runs" / "smoke"
    nbs = {"pretrain": runs / "plan" / "pretrain.ipynb", "evaluate": runs / "plan" / "eval" / "evaluate.ipynb"}
    nbs["explore"] = runs / "explore" / "explore.ipynb"
    for name, nb in nbs.items():
        cells = _figure_cells(nb)
        assert cells and all(has for _, has in cells), (name, cells)
        assert not _noise(nb), (name, _noise(nb))
        html = (runs / "reports" / f"{name}.html").read_text()
        assert html.count("data:image/png") >= len(cells), name
        assert "LOAD REPORT" not in html and "skip_exec" not in html and "evaluate_grounding(" not in html
    m = json.loads((runs / "plan" / "eval" / "metrics.json").read_text())
    g = m["grounding"]
    assert g["protocol"]["multibox"] == "vios_compat" and g["protocol"]["n_phrases"] > 0
    assert g["protocol"]["readout"]["steps"] == 3  # the run's own read-out
    assert 0 <= g["cnr_phrase"] and 0 <= g["miou_native"] <= 1 and "grounding" in m["untrained"]
    assert {"text_prior", "one_map", "oracle", "flat", "chance"} <= set(
        g["controls"]
    ) and "pointing_native_shuffled" in g
    assert 0 <= m["retrieval"]["precision_i2t@1"] <= 1 and 0 <= m["zeroshot"]["5x200"]["acc"] <= 1
    assert 0 <= m["probe"]["rsna_pneumonia"]["auroc@1"] <= 1 and m["probe"]["chexpert5"]["n_train"] > 0
    d = m["detection"]
    assert d["iou_thresholds"][0] == 0.4 and d["iou_thresholds"][-1] == 0.75 and 0 <= d["map@1"] <= 1
    z = np.load(runs / "plan" / "eval" / "retrieval_per_query.npz")  # what each query retrieves first, and its class
    assert len(z["cls"]) == len(z["top1_i2t"]) == len(z["p1_i2t"]) == m["retrieval"]["n_5x200"]
    for d in ("i2t", "t2i"):
        assert ((z["cls"][z[f"top1_{d}"]] == z["cls"]) == (z[f"p1_{d}"] == 1)).all()  # precision@1 is its first hit
    for f in ("grounding_maps.png", "zeroshot_roc.png", "label_fractions.png", "detection_examples.png"):
        assert (runs / "plan" / "eval" / f).exists(), f
    assert not (root / "reports" / "smoke").exists()  # smoke output stays under runs/


def test_synthcxr_cli(tmp_path):
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    out = subprocess.run(
        [
            sys.executable,
            str(root / "data_prep" / "synthcxr.py"),
            "--out",
            str(tmp_path / "s"),
            "--n-train",
            "6",
            "--n-val",
            "2",
            "--n-test",
            "4",
            "--n-shift",
            "2",
            "--n-rsna-train",
            "3",
            "--size",
            "64",
            "--workers",
            "1",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    s = json.loads(out.stdout)
    assert s["n"] == 17 and (tmp_path / "s" / "ms-cxr" / "MS_CXR_Local_Alignment_v1.1.0.csv").exists()
    assert s["splits"] == dict(train=6, validate=2, test=4, shift=2, rsna=3)


def test_prepare_cli_help_and_errors(tmp_path):
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    cli = [sys.executable, str(root / "data_prep" / "prepare.py")]
    h = subprocess.run([*cli, "--help"], capture_output=True, text=True, check=True).stdout
    for name in ("mimic-cxr", "ms-cxr", "chexpert", "rsna", "siim", "synthcxr"):
        assert name in h
    r = subprocess.run(
        [*cli, "rsna", "--root", str(tmp_path / "nope"), "--out", str(tmp_path / "o")], capture_output=True, text=True
    )
    assert r.returncode == 2 and str(tmp_path / "nope") in r.stderr


def test_benchmarks_smoke(tmp_path):
    run_notebook("benchmarks.ipynb", dict(smoke=True, out_dir=str(tmp_path)), tmp_path, html=False)
    b = json.loads((tmp_path / "benchmarks.json").read_text())
    speedups = {k for k in b if "speedup" in k}
    assert {"gloria_speedup_vs_loop_transcription", "plan_d128_speedup_vs_gloria_loop_d768"} <= speedups
    assert b["gloria_max_abs_diff_vs_loop"] < 1e-6
    assert 0 < b["train_step"]["plan"]["local_loss_share_of_step"] < 1
    assert all(b["train_step"][m]["peak_mb"] > 0 for m in ("clip", "plan"))  # fresh-process CPU peak
    assert b["train_step"]["default_speedup_vs_scratch_regime"] > 0
    assert (tmp_path / "benchmarks.png").exists()
    assert all(b[k] > 0 for k in ("cache_jpeg_images_per_s", "cache_dicom_images_per_s", "loader_images_per_s"))
    assert set(b["loader_224px_images_per_s_per_worker"]) == {"cache 512 px", "cache 256 px"}
    assert all(v >= 1 for v in b["loader_workers_needed"].values())


def test_explore_untrained_tiny_model(tmp_path):
    nb = run_notebook(
        "explore.ipynb",
        dict(smoke=True, model="untrained", out_dir=str(tmp_path / "png")),
        tmp_path,
        reports_dir=tmp_path / "rep",
    )
    pngs = sorted((tmp_path / "png").glob("view_*.png"))
    assert len(pngs) >= 2 and nb.exists()
    assert all(has for _, has in _figure_cells(nb))


def test_compare_smoke(tmp_path):
    "The comparison's notebook end to end on tiny runs: tuning on validation, runs at the chosen rates, intervals."
    import pandas as pd
    import yaml

    rec = tmp_path / "records"
    run_notebook(
        "compare.ipynb",
        dict(smoke=True, variants="clip,plan -within", seeds="0-1", out_dir=str(tmp_path), records_dir=str(rec)),
        tmp_path,
        html=False,
    )
    summary = pd.read_csv(tmp_path / "summary.csv")
    assert list(summary.variant) == ["clip", "plan -within"] and (summary.seeds == 2).all()
    pr = pd.read_csv(tmp_path / "paired.csv")
    assert set(pr.vs) == {"clip"} and (pr.n_seeds == 2).all() and {"lo", "hi", "verdict"} <= set(pr.columns)
    goal = pd.read_csv(tmp_path / "goal.csv")  # the goal: PLAN's variant against the best baseline that ran
    assert set(goal.variant) == {"plan -within"} and set(goal.best_baseline) == {"clip"} and goal.met.dtype == bool
    tab = pd.read_csv(tmp_path / "tuning.csv")  # every method tuned, on the validation split only
    assert set(tab.method) == {"clip", "plan -within"} and set(tab.split) == {"val"} and tab.chosen.sum() == 2
    chosen = dict(zip(tab[tab.chosen].method, tab[tab.chosen].lr))
    for v in ("clip", "plan -within"):  # the comparison trains at the chosen rates
        for k in (0, 1):
            cfg = yaml.safe_load((tmp_path / v.replace(" ", "_") / f"seed{k}" / "config.yaml").read_text())
            assert cfg["train"]["lr"] == chosen[v] and cfg["train"]["seed"] == k
    for f in (
        "compare.png",
        "word_maps.png",
        "steps.csv",
        "step_maps.png",
        "alpha.csv",
        "alpha.png",
        "gradient_shares.csv",
    ):
        assert (tmp_path / f).exists(), f
    gs = pd.read_csv(tmp_path / "gradient_shares.csv")
    assert set(gs.method) == {"clip", "plan -within"} and set(gs.model) == {"trained", "untrained"}
    assert (gs[gs.method == "clip"].local_share == 0).all() and (gs[gs.method == "plan -within"].local_share > 0).any()
    assert all(has for _, has in _figure_cells(tmp_path / "compare.ipynb"))
    # run again with run=False: nothing is trained, the report is assembled from the runs that exist
    before = (tmp_path / "clip" / "seed0" / "train_summary.json").stat().st_mtime_ns
    run_notebook(
        "compare.ipynb", dict(smoke=True, run=False, out_dir=str(tmp_path)), tmp_path, html=False, name="again.ipynb"
    )
    assert (tmp_path / "clip" / "seed0" / "train_summary.json").stat().st_mtime_ns == before
    # another machine with only the records (no weights): the same report, nothing trained
    assert not list(rec.rglob("*.safetensors")) and len(list(rec.rglob("eval/metrics.json"))) == 4 + 2
    assert (rec / "plan_-within" / "seed0" / "diagnostics" / "alpha.csv").exists()
    there = tmp_path / "elsewhere"
    run_notebook(
        "compare.ipynb", dict(smoke=True, run=False, out_dir=str(there), records_dir=str(rec)), there, html=False
    )
    pd.testing.assert_frame_equal(pd.read_csv(there / "summary.csv"), summary)
    pd.testing.assert_frame_equal(pd.read_csv(there / "tuning.csv"), tab)
    for f in ("word_maps.png", "steps.csv", "step_maps.png", "alpha.csv", "alpha.png", "gradient_shares.csv"):
        assert (there / f).exists(), f
    assert not list(there.rglob("model.safetensors"))
    # a comparison stopped during tuning: the report shows what is scored so far and says what is missing
    import shutil

    part = tmp_path / "stopped"
    shutil.copytree(tmp_path / "tuning", part / "tuning")
    run_notebook("compare.ipynb", dict(smoke=True, run=False, out_dir=str(part)), part, html=False)
    text = (part / "compare.ipynb").read_text()
    assert "tuning unfinished: 2 of 6 runs of the grid scored" in text
    assert "no evaluation run has finished yet" in text and not (part / "summary.csv").exists()


def test_shift_factors_smoke(tmp_path):
    "The shift notebook on an untrained tiny model: one set per setting, the table, both figures, no noise."
    nb = run_notebook(
        "shift.ipynb",
        dict(smoke=True, run_dir="untrained", out_dir=str(tmp_path / "s")),
        tmp_path,
        reports_dir=tmp_path / "rep",
    )
    t = json.loads((tmp_path / "s" / "shift_factors.json").read_text())
    names = [r["setting"] for r in t["table"]]
    assert names == ["standard", "lungs", "thorax", "exposure", "noise", "shift"] and t["n_studies"] == 6
    assert all(r["phrases"] > 0 for r in t["table"]) and t["table"][0]["Δ pointing"] == 0
    cells = _figure_cells(nb)
    assert len(cells) == 2 and all(has for _, has in cells)
    assert not _noise(nb), _noise(nb)
    assert (tmp_path / "rep" / "shift.html").read_text().count("data:image/png") >= 2


def test_position_smoke(tmp_path):
    "The position notebook on an untrained tiny model: one row per σ and metric, both figures, the lung reference."
    nb = run_notebook(
        "position.ipynb",
        dict(smoke=True, run_dir="untrained", sigmas="0,0.2", out_dir=str(tmp_path / "p")),
        tmp_path,
        reports_dir=tmp_path / "rep",
    )
    t = json.loads((tmp_path / "p" / "position.json").read_text())
    assert t["sigmas"] == [0.0, 0.2] and t["seed"] == 0 and len(t["table"]) == 6
    assert all(0 <= r["oracle"] <= 1 for r in t["table"] if r["metric"] == "pointing")
    ref = json.loads((tmp_path / "p" / "lung_centres.json").read_text())
    assert set(ref) == {"real masks", "SynthCXR"}
    cells = _figure_cells(nb)
    assert len(cells) == 2 and all(has for _, has in cells)
    assert not _noise(nb), _noise(nb)
    assert (tmp_path / "rep" / "position.html").read_text().count("data:image/png") >= 2
