"""Generate SynthCXR, the embedded benchmark, in the MIMIC-CXR-JPG / MS-CXR / RSNA formats.

python data_prep/synthcxr.py --out data/synthcxr-raw --seed 0 --n-train 2000 --n-val 300 --n-test 1150 --n-shift 300
"""

import argparse
import json

from plan.data.synthcxr import generate_synthcxr


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--out", required=True, help="output folder")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--n-train", type=int, default=2000)
    p.add_argument("--n-val", type=int, default=300)
    p.add_argument("--n-test", type=int, default=1150)
    p.add_argument("--n-shift", type=int, default=300, help="the held-out split: other lung shapes and exposures")
    p.add_argument("--size", type=int, default=256, help="image side in pixels (up to 1024)")
    p.add_argument("--noise-rate", type=float, default=0.3, help="rate of clinical noise sentences in reports")
    p.add_argument("--n-rsna-train", type=int, default=600, help="studies of the RSNA set alone (never pre-training)")
    p.add_argument("--openi-rate", type=float, default=0.5, help="share of normal sentences from real Open-I reports")
    p.add_argument("--workers", type=int, default=None, help="processes (default: all cores)")
    a = p.parse_args(argv)
    s = generate_synthcxr(
        a.out,
        a.n_train,
        a.n_val,
        a.n_test,
        a.seed,
        a.size,
        a.noise_rate,
        a.n_rsna_train,
        a.workers,
        n_shift=a.n_shift,
        openi_rate=a.openi_rate,
    )
    print(json.dumps({k: v for k, v in s.items() if k != "generator"}))


if __name__ == "__main__":
    main()
