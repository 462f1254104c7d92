"Run under torchrun (2 processes, gloo): gradients of every loss over a split batch equal the single-process ones."

import os
import sys

import torch
import torch.distributed as dist

from plan.encoders import ImageFeatures, TextFeatures
from plan.losses import LOSSES, create_loss, random_features


def grads(loss, img, txt, sl):
    x, g, w = (t.clone().requires_grad_(True) for t in (img.local, img.glob, txt.words))
    mx = int(txt.word_mask[sl].sum(1).max())  # each rank pads its words only to its own longest report
    i2 = ImageFeatures(g[sl], x[sl], img.grid)
    t2 = TextFeatures(
        txt.glob[sl], w[sl][:, :mx], txt.word_mask[sl][:, :mx], txt.cls_attn[sl][:, :mx], txt.stop[sl][:, :mx]
    )
    loss(i2, t2)["loss"].backward()
    return [t.grad if t.grad is not None else torch.zeros_like(t) for t in (x, g, w)]


def main():
    dist.init_process_group("gloo")
    r, world = dist.get_rank(), dist.get_world_size()
    img, txt = random_features(B=8, M=7, N=12, d=16, seed=0, dtype=torch.float64)
    per = 8 // world
    ours = {}
    for name in LOSSES:
        gs = grads(create_loss(name), img, txt, slice(r * per, (r + 1) * per))
        for t in gs:  # DDP averages parameter gradients over ranks; do the same with the feature gradients
            dist.all_reduce(t)
            t /= world
        ours[name] = gs
    dist.barrier()
    dist.destroy_process_group()
    if r == 0:
        os.environ.pop("RANK", None)
        worst = {
            n: max(float((a - b).abs().max()) for a, b in zip(ours[n], grads(create_loss(n), img, txt, slice(0, 8))))
            for n in LOSSES
        }
        print("WORST", worst)
        sys.exit(0 if all(v < 1e-10 for v in worst.values()) else 1)


if __name__ == "__main__":
    main()
