"Multi-process training equals single-process training; a killed run resumes to the same weights."

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

from plan.config import save_config
from plan.data.adapters import ensure_data
from plan.presets import load_experiment

ROOT = Path(__file__).resolve().parents[1]


def _cfg(tmp_path, **kw):
    over = {
        "train.device": "cpu",
        "train.ckpt_every": 1,
        "train.log_every": 1,
        "data.num_workers": 0,
        "data.augment": False,
        **kw,
    }
    cfg, _ = load_experiment("smoke", over)
    cfg.data.data_dir = str(ensure_data(cfg, workers=1))
    return cfg


def _final(run: Path) -> dict:
    ck = sorted((run / "checkpoints").glob("step_*"))[-1]
    return load_file(str(ck / "model.safetensors"))


def _train(cfg_path, out, nproc=1, env=None):
    cmd = [sys.executable, "-m", "plan.train", "--config", str(cfg_path), "--out", str(out)]
    if nproc > 1:
        cmd = [
            sys.executable,
            "-m",
            "torch.distributed.run",
            f"--nproc_per_node={nproc}",
            "--master_port=29533",
            "-m",
            "plan.train",
            "--config",
            str(cfg_path),
            "--out",
            str(out),
        ]
    return subprocess.run(
        cmd,
        cwd=ROOT,
        env={**os.environ, "OMP_NUM_THREADS": "1", **(env or {})},
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_loss_gradients_across_ranks_equal_single_process():
    r = subprocess.run(
        [
            sys.executable,
            "-m",
            "torch.distributed.run",
            "--nproc_per_node=2",
            "--master_port=29534",
            str(ROOT / "tests" / "dist_grads.py"),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "OMP_NUM_THREADS": "1"},
    )
    assert r.returncode == 0 and "WORST" in r.stdout, (r.stdout[-2000:], r.stderr[-3000:])


def test_ddp_equals_single_process(tmp_path):
    # GroupNorm backbone: batch statistics would differ per rank with BatchNorm on CPU (SyncBN is used on CUDA)
    # SGD: updates proportional to gradients. (Adam's first steps are lr·sign(g), so float32 rounding on near-zero
    # gradients flips whole lr-sized steps between any two reduction orders and hides real differences.)
    cfg = _cfg(
        tmp_path,
        **{
            "model.image_backbone": "resnet50_gn",
            "train.max_steps": 3,
            "train.optimizer": "sgd",
            "train.lr": 0.05,
            "train.lr_text": 0.05,
            "train.grad_clip": 0.0,
        },
    )
    p = save_config(cfg, tmp_path / "c.yaml")
    r1 = _train(p, tmp_path / "single")
    assert r1.returncode == 0, r1.stderr[-3000:]
    r2 = _train(p, tmp_path / "ddp", nproc=2)
    assert r2.returncode == 0, r2.stderr[-3000:]
    # the global-batch loss at every step agrees (float32 reductions in another order: 1e-4 relative) ...
    la = [json.loads(x)["loss"] for x in (tmp_path / "single" / "metrics.jsonl").read_text().splitlines()]
    lb = [json.loads(x)["loss"] for x in (tmp_path / "ddp" / "metrics.jsonl").read_text().splitlines()]
    assert len(la) == len(lb) == 3
    assert all(abs(x - y) <= 1e-4 * abs(x) for x, y in zip(la, lb)), (la, lb)
    # ... and so do the weights
    a, b = _final(tmp_path / "single"), _final(tmp_path / "ddp")
    assert a.keys() == b.keys()
    worst = max(float((a[k].double() - b[k].double()).abs().max()) for k in a if a[k].is_floating_point())
    assert worst < 1e-4, worst


def test_killed_run_resumes_bitwise(tmp_path):
    cfg = _cfg(tmp_path)
    p = save_config(cfg, tmp_path / "c.yaml")
    full = _train(p, tmp_path / "full")
    assert full.returncode == 0, full.stderr[-3000:]
    n = int(sorted((tmp_path / "full" / "checkpoints").glob("step_*"))[-1].name.split("_")[1])
    out = tmp_path / "killed"
    proc = subprocess.Popen(
        [sys.executable, "-m", "plan.train", "--config", str(p), "--out", str(out)],
        cwd=ROOT,
        env={**os.environ, "OMP_NUM_THREADS": "1"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    t0 = time.time()
    while time.time() - t0 < 300:
        cks = sorted((out / "checkpoints").glob("step_*")) if (out / "checkpoints").exists() else []
        if cks and int(cks[-1].name.split("_")[1]) >= 2:
            break
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    done = sorted((out / "checkpoints").glob("step_*"))
    if done and int(done[-1].name.split("_")[1]) >= n:
        pytest.skip("the run finished before it could be killed")
    res = _train(p, out)
    assert res.returncode == 0, res.stderr[-3000:]
    a, b = _final(tmp_path / "full"), _final(out)
    assert all(torch.equal(a[k], b[k]) for k in a), "resumed weights differ from the uninterrupted run"


def test_nonfinite_loss_on_one_rank_is_skipped_by_all(tmp_path):
    "Before: the rank with a NaN skipped backward() alone and the other waited in DDP's all-reduce for ever."
    cfg = _cfg(tmp_path, **{"train.max_steps": 4, "train.max_nonfinite": 3})
    p = save_config(cfg, tmp_path / "c.yaml")
    r = subprocess.run(
        [
            sys.executable,
            "-m",
            "torch.distributed.run",
            "--nproc_per_node=2",
            "--master_port=29535",
            str(ROOT / "tests" / "dist_faults.py"),
            str(p),
            str(tmp_path / "run"),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "OMP_NUM_THREADS": "1"},
    )
    assert r.returncode == 0, (r.stdout[-2000:], r.stderr[-3000:])
    sums = [json.loads(x.split(" ", 2)[2]) for x in r.stdout.splitlines() if x.startswith("SUMMARY")]
    assert len(sums) == 2 and all(s["steps"] == 4 and s["nonfinite"] == 1 for s in sums), sums
    recs = [json.loads(x) for x in (tmp_path / "run" / "metrics.jsonl").read_text().splitlines()]
    assert [r_["nonfinite"] for r_ in recs] == [0, 1, 1, 1]
    assert sorted(x for x in r.stdout.splitlines() if x.startswith("AGREE")) == ["AGREE 0 a", "AGREE 1 a"]
    assert sorted(x for x in r.stdout.splitlines() if x.startswith("RNG")) == ["RNG 0 2 True True", "RNG 1 2 True True"]


def test_gpu_check_dry_run_on_cpu(tmp_path):
    "tests/gpu_check.py (make gpu-check) stays runnable: its steps on CPU, incl. a 2-rank torchrun killed and resumed."
    r = subprocess.run(
        [
            sys.executable,
            str(ROOT / "tests" / "gpu_check.py"),
            "--device",
            "cpu",
            "--skip-benchmarks",
            "--out",
            str(tmp_path),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "OMP_NUM_THREADS": "1"},
    )
    assert r.returncode == 0, (r.stdout[-2000:], r.stderr[-3000:])
    res = json.loads((tmp_path / "gpu_check.json").read_text())
    d = res["ddp_resume"]
    assert d["killed_after_checkpoint"] >= 3 and d["max_abs_weight_diff"] == 0.0  # bitwise on CPU
