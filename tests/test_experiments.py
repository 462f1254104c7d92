"Experiment notebooks run end to end through papermill (smoke preset), writing metrics files and HTML reports."

import json

from plan.report import run_notebook


def test_pretrain_and_evaluate_smoke(tmp_path):
    run = tmp_path / "run"
    rep = tmp_path / "reports"
    run_notebook("pretrain.ipynb", dict(smoke=True, method="plan", out_dir=str(run)), run, reports_dir=rep)
    assert (run / "model" / "model.safetensors").exists() and (run / "model" / "config.json").exists()
    recs = [json.loads(x) for x in (run / "metrics.jsonl").read_text().splitlines()]
    assert recs and all(r["loss"] == r["loss"] for r in recs)  # finite, logged every step
    run_notebook(
        "evaluate.ipynb",
        dict(
            smoke=True,
            run_dir=str(run),
            out_dir=str(run / "eval"),
            tasks="grounding,retrieval,zeroshot,probe,detection",
            baseline=True,
        ),
        run / "eval",
        reports_dir=rep,
    )
    m = json.loads((run / "eval" / "metrics.json").read_text())
    g = m["grounding"]
    assert g["protocol"]["multibox"] == "per_box" and g["protocol"]["n_phrases"] > 0
    assert 0 <= g["cnr_similarity"] and 0 <= g["miou_soft_region"] <= 1 and "grounding_untrained" in m
    assert 0 <= m["retrieval"]["precision_i2t@1"] <= 1 and 0 <= m["zeroshot"]["5x200"]["acc"] <= 1
    assert 0 <= m["probe"]["rsna_pneumonia"]["auroc@1"] <= 1 and m["probe"]["chexpert5"]["n_train"] > 0
    d = m["detection"]
    assert d["iou_thresholds"][0] == 0.4 and d["iou_thresholds"][-1] == 0.75 and 0 <= d["map@1"] <= 1
    for f in ("grounding_maps.png", "zeroshot_roc.png", "label_fractions.png", "detection_examples.png"):
        assert (run / "eval" / f).exists(), f
    assert (rep / "pretrain.html").exists() and (rep / "evaluate.html").exists()
    html = (rep / "evaluate.html").read_text()
    assert "evaluate_grounding(" not in html  # inputs hidden


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
    assert s["n"] == 12 and (tmp_path / "s" / "ms-cxr" / "MS_CXR_Local_Alignment_v1.1.0.csv").exists()


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
    assert {"gloria_speedup_vs_published_loop", "plan_d128_speedup_vs_gloria_loop_d768"} <= speedups
    assert b["gloria_max_abs_diff_vs_published_loop"] < 1e-6
    assert 0 < b["train_step"]["plan"]["local_loss_share_of_step"] < 1
    assert all(b["train_step"][m]["peak_mb"] > 0 for m in ("clip", "plan"))  # fresh-process CPU peak
    assert all(b[k] > 0 for k in ("cache_jpeg_images_per_s", "cache_dicom_images_per_s", "loader_images_per_s"))


def test_explore_smoke(tmp_path):
    nb = run_notebook(
        "explore.ipynb",
        dict(smoke=True, model="", out_dir=str(tmp_path / "png")),
        tmp_path,
        reports_dir=tmp_path / "rep",
    )
    pngs = sorted((tmp_path / "png").glob("view_*.png"))
    assert len(pngs) >= 2 and nb.exists()
    html = (tmp_path / "rep" / "explore.html").read_text()
    assert "image/png" in html  # static fallback images for readers without a kernel


def test_compare_smoke(tmp_path):
    run_notebook(
        "compare.ipynb",
        dict(smoke=True, variants="clip,plan", seeds=2, out_dir=str(tmp_path)),
        tmp_path,
        html=False,
    )
    import pandas as pd

    df = pd.read_csv(tmp_path / "compare.csv")
    assert sorted(set(df.variant)) == ["clip", "plan"] and len(df) == 4
    assert (tmp_path / "compare.png").exists()
    pr = pd.read_csv(tmp_path / "paired.csv")
    assert set(pr.vs) == {"clip"} and (pr.n == 2).all()
    assert (tmp_path / "word_maps.png").exists()
