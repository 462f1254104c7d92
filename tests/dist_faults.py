"""Run by torchrun (2 CPU processes over gloo) from tests/test_ddp_resume.py: a non-finite loss on one rank only is
skipped by every rank together (no hang), every rank resumes from rank 0's choice of checkpoint, and each rank's own
random stream is in the checkpoint."""

import json
import sys
from pathlib import Path

import torch

import plan.train as T
from plan import dist
from plan.checkpoint import agree_on_checkpoint, latest_checkpoint
from plan.config import load_config


def say(*parts):
    "One line in one write: both ranks share torchrun's pipe, and print's separate writes can interleave."
    sys.stdout.write(" ".join(map(str, parts)) + "\n")
    sys.stdout.flush()


class NaNOnRank1(torch.nn.Module):
    "The real loss, made non-finite on rank 1 at its 2nd call (the 2nd optimiser step)."

    def __init__(self, inner):
        super().__init__()
        self.inner, self.calls = inner, 0

    def forward(self, fi, ft, stage, logit_scale=None):
        out = self.inner(fi, ft, stage, logit_scale)
        self.calls += 1
        if dist.rank() == 1 and self.calls == 2:
            out = {**out, "loss": out["loss"] * float("nan")}
        return out


cfg, out = load_config(sys.argv[1]), Path(sys.argv[2])
real = T.create_loss
T.create_loss = lambda *a, **k: NaNOnRank1(real(*a, **k))
summary = T.train(cfg, out, progress=False)
say("SUMMARY", dist.rank(), json.dumps(summary))

# each rank draws from its own random stream, and the checkpoint keeps every rank's (in rank order)
st = torch.load(latest_checkpoint(out) / "state.pt", weights_only=True)
ranks = st["rng_ranks"]
own = torch.equal(ranks[dist.rank()]["cpu"], torch.get_rng_state())  # nothing drew since the last checkpoint
say("RNG", dist.rank(), len(ranks), own, not torch.equal(ranks[0]["cpu"], ranks[1]["cpu"]))

# every rank loads the checkpoint rank 0 chose, whatever it would have picked itself
for name in ("a", "b"):
    (out / "agree" / name).mkdir(parents=True, exist_ok=True)
    (out / "agree" / name / "model.safetensors").write_bytes(b"")
got = agree_on_checkpoint(out / "agree" / ("a" if dist.rank() == 0 else "b"))
say("AGREE", dist.rank(), got.name)
dist.cleanup()
