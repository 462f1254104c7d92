"""The prepared GPU check (`make gpu-check`): what CPU tests cannot show, in a few minutes on a CUDA machine.

1. single-GPU smoke pre-training under bf16 and under fp16 autocast: finite losses, no skipped step, a throughput line;
2. a `torchrun` smoke pre-training on up to 2 GPUs (NCCL, SyncBatchNorm, DDP), killed after a checkpoint and resumed:
   the resumed run finishes, and its final weights equal an uninterrupted run's to float32 noise;
3. the benchmarks notebook on `cuda` (the GLoRIA speed goals and the training-step rates) → `<out>/bench/`.

Writes `<out>/gpu_check.json` (default `runs/gpu-check`) and prints one line per check; exit 1 if any failed.
"""

import argparse
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]
DEVICE = "cuda"  # --device cpu: a dry run of the same steps (no autocast, gloo), to check the script itself


def _config(out: Path, name: str, **over) -> Path:
    from plan.config import save_config
    from plan.data.adapters import ensure_data
    from plan.presets import load_experiment

    base = {"train.device": DEVICE, "train.ckpt_every": 2, "train.log_every": 1, "data.num_workers": 2, **over}
    cfg, _ = load_experiment("smoke", base)
    cfg.data.data_dir = str(ensure_data(cfg))
    return save_config(cfg, out / f"config-{name}.yaml")


def _train(cfg: Path, run: Path, nproc: int = 1) -> subprocess.Popen:
    launch = (
        [sys.executable, "-m", "torch.distributed.run", f"--nproc_per_node={nproc}"] if nproc > 1 else [sys.executable]
    )
    cmd = [*launch, "-m", "plan.train", "--config", str(cfg), "--out", str(run)]
    return subprocess.Popen(cmd, cwd=ROOT, start_new_session=True)  # its own process group: killed as a whole


def _summary(run: Path) -> dict:
    return json.loads((run / "train_summary.json").read_text())


def _losses(run: Path) -> list[float]:
    return [json.loads(x)["loss"] for x in (run / "metrics.jsonl").read_text().splitlines()]


def check_amp(out: Path) -> dict:
    res = {}
    for dt in ("bf16", "fp16"):
        run = out / f"amp-{dt}"
        p = _train(_config(out, dt, **{"train.amp_dtype": dt}), run)
        ok = p.wait() == 0
        s = _summary(run) if ok else {}
        losses = _losses(run) if ok else []
        res[dt] = dict(
            ok=ok and s["nonfinite"] == 0 and all(x == x and abs(x) < 1e6 for x in losses),
            nonfinite=s.get("nonfinite"),
            images_per_s=s.get("images_per_s"),
            first_loss=losses[:1],
            last_loss=losses[-1:],
        )
    return res


def check_ddp_resume(out: Path) -> dict:
    from safetensors.torch import load_file

    n = min(2, torch.cuda.device_count()) if DEVICE == "cuda" else 2
    cfg = _config(out, "ddp", **{"train.max_steps": 8, "train.ckpt_every": 1})
    full, killed = out / "ddp-full", out / "ddp-killed"
    ok_full = _train(cfg, full, n).wait() == 0
    p = _train(cfg, killed, n)
    t0, killed_at = time.time(), None
    while time.time() - t0 < 240 and p.poll() is None:  # kill it once a checkpoint past step 3 exists
        cks = sorted((killed / "checkpoints").glob("step_*")) if (killed / "checkpoints").exists() else []
        if cks and int(cks[-1].name.split("_")[1]) >= 3:
            os.killpg(p.pid, signal.SIGKILL)
            killed_at = int(cks[-1].name.split("_")[1])
            break
        time.sleep(0.1)
    p.wait()
    ok_resume = _train(cfg, killed, n).wait() == 0
    worst = None
    if ok_full and ok_resume:
        a, b = (
            load_file(str(sorted((r / "checkpoints").glob("step_*"))[-1] / "model.safetensors")) for r in (full, killed)
        )
        worst = max(float((a[k].float() - b[k].float()).abs().max()) for k in a if a[k].is_floating_point())
    return dict(
        gpus=n,
        ok=bool(ok_full and ok_resume and killed_at and worst is not None and worst < 1e-3),
        killed_after_checkpoint=killed_at,
        max_abs_weight_diff=worst,
        images_per_s=_summary(full).get("images_per_s") if ok_full else None,
    )


def check_benchmarks(out: Path) -> dict:
    from plan.experiments.report import run_notebook

    try:
        run_notebook("benchmarks.ipynb", dict(device=DEVICE, out_dir=str(out / "bench")), out / "bench", html=False)
    except Exception as e:  # noqa: BLE001 - reported as the check's result
        return dict(ok=False, error=str(e)[-500:])
    b = json.loads((out / "bench" / "benchmarks.json").read_text())
    return dict(ok=True, **{k: v for k, v in b.items() if "speedup" in k or k.startswith("loader_workers")})


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--out", default=str(ROOT / "runs" / "gpu-check"))
    p.add_argument("--skip-benchmarks", action="store_true")
    p.add_argument("--device", default="cuda", help="cuda; or cpu for a dry run of the script on a CPU machine")
    a = p.parse_args(argv)
    global DEVICE
    DEVICE = a.device
    if DEVICE == "cuda" and not torch.cuda.is_available():
        print(
            "gpu-check: no CUDA GPU here (torch.cuda.is_available() is False); run it on a CUDA machine",
            file=sys.stderr,
        )
        return 2
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    t0 = time.time()
    name = torch.cuda.get_device_name(0) if DEVICE == "cuda" else "cpu (dry run)"
    res = dict(device=name, gpus=torch.cuda.device_count(), torch=torch.__version__)
    res["amp"] = check_amp(out)
    res["ddp_resume"] = check_ddp_resume(out)
    if not a.skip_benchmarks:
        res["benchmarks"] = check_benchmarks(out)
    res["seconds"] = round(time.time() - t0, 1)
    (out / "gpu_check.json").write_text(json.dumps(res, indent=1))
    for dt, r in res["amp"].items():
        print(f"{'ok ' if r['ok'] else 'BAD'} amp {dt}: nonfinite {r['nonfinite']}, {r['images_per_s']} images/s")
    d = res["ddp_resume"]
    print(
        f"{'ok ' if d['ok'] else 'BAD'} torchrun x{d['gpus']} killed after checkpoint {d['killed_after_checkpoint']}, "
        f"resumed: max |Δw| vs uninterrupted {d['max_abs_weight_diff']}"
    )
    if "benchmarks" in res:
        print(f"{'ok ' if res['benchmarks']['ok'] else 'BAD'} benchmarks on cuda → {out / 'bench' / 'benchmarks.json'}")
    print(f"{res['device']} x{res['gpus']}, {res['seconds']} s; all results: {out / 'gpu_check.json'}")
    fails = (
        [r["ok"] for r in res["amp"].values()] + [d["ok"]] + ([res["benchmarks"]["ok"]] if "benchmarks" in res else [])
    )
    return 0 if all(fails) else 1


if __name__ == "__main__":
    sys.exit(main())
