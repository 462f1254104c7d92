"""Build the radiology text model: a WordPiece tokenizer + small BERT pre-trained by masked-language modelling on the
Open-I reports shipped inside torchxrayvision plus the SynthCXR training reports (plan.textmodel). Offline; cached.

python data_prep/radbert.py                      # -> <data_dir>/radbert, then use `model.text_model: radbert`
"""

import argparse
import json
import sys
from pathlib import Path

from plan.data.adapters import ensure_data
from plan.encoders import radbert_dir
from plan.presets import load_experiment
from plan.textmodel import pretrain_mlm, radiology_corpus


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--out", default=None, help="output folder (default: <data_dir>/radbert from settings.ini)")
    p.add_argument(
        "--synthcxr", default=None, help="prepared SynthCXR folder (default: the cpu preset's, generated if missing)"
    )
    p.add_argument("--no-openi", action="store_true", help="SynthCXR reports only")
    p.add_argument("--vocab-size", type=int, default=8000)
    p.add_argument("--hidden", type=int, default=256)
    p.add_argument("--layers", type=int, default=4)
    p.add_argument("--heads", type=int, default=4)
    p.add_argument("--epochs", type=float, default=4.0)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--force", action="store_true", help="rebuild even if the folder holds a finished model")
    a = p.parse_args(argv)
    out = Path(a.out) if a.out else radbert_dir()
    synth = Path(a.synthcxr) if a.synthcxr else ensure_data(load_experiment("cpu")[0])
    if not (synth / "manifest.csv").exists():
        sys.exit(f"{synth / 'manifest.csv'}: no prepared SynthCXR manifest here")
    texts = radiology_corpus(synth, openi=not a.no_openi)
    met = pretrain_mlm(
        texts,
        out,
        a.vocab_size,
        a.hidden,
        a.layers,
        a.heads,
        a.epochs,
        seed=a.seed,
        force=a.force,
        log=lambda m: print(m, file=sys.stderr),
    )
    print(json.dumps(dict(out=str(out), **met), indent=1))


if __name__ == "__main__":
    main()
