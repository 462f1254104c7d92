"The learning signal: the default regime (cpu preset) on a small SynthCXR must teach localisation."

import torch

from plan.data.adapters import ensure_data
from plan.evaluation.grounding import Protocol, evaluate_grounding
from plan.evaluation.suite import load_run, untrained_twin
from plan.presets import load_experiment
from plan.readout import readout_for
from plan.train import train


def test_short_run_raises_pointing(tmp_path):
    "Fails if the loss stops teaching *where*: pointing after 128 steps (~3 min) vs the same model untrained."
    over = {
        "data.dataset": "synthcxr-learn",
        "data.synth_train": 1024,  # 4 epochs = 128 steps; on 256 images the same 128 steps overfit (pointing 0.15)
        "data.synth_val": 0,
        "data.synth_test": 96,
        "data.synth_size": 128,
        "data.num_workers": 0,
        "train.device": "cpu",
        "train.tensorboard": False,
        "train.batch_size": 32,
    }
    cfg, _ = load_experiment("cpu", over)
    root = ensure_data(cfg, workers=2)
    cfg.data.data_dir = str(root)
    torch.set_num_threads(2)
    train(cfg, tmp_path / "run", progress=False)
    assert list((root / "text_cache").glob("text-*.safetensors"))  # the cached text path was the one trained
    model, tok, cfg2, _ = load_run(tmp_path / "run")
    ro, proto = readout_for(cfg2), Protocol.from_eval(cfg2.eval)
    trained, _ = evaluate_grounding(model, tok, root, ro, proto)
    untrained, _ = evaluate_grounding(untrained_twin(cfg2), tok, root, ro, proto, shuffled=False)
    pt, pu, ps = trained["pointing_native"], untrained["pointing_native"], trained["pointing_native_shuffled"]
    print(
        f"pointing: trained {pt:.3f}, untrained {pu:.3f}, shuffled image {ps:.3f} ({trained['protocol']['n_phrases']} phrases)"
    )
    assert pt > pu + 0.25, (pt, pu)
    assert trained["cnr_native"] > untrained["cnr_native"]
    # it looks at the image: the same phrase's map on another image points into the true boxes far less often
    assert pt > ps + 0.15, (pt, ps)
