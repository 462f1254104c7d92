"""PLAN: Progressive Local Alignment Network for chest X-ray + report pre-training, with baselines and evaluation

`plan` pre-trains a chest X-ray image encoder and a report encoder so that each word of a report aligns to a soft
region of its image, refined over a few progressive steps (docs/method.md), beside the baselines it is compared
with (CLIP-style, BioViL, GLoRIA and MGCA, each as its authors built it), and evaluates all of them the same way:
phrase grounding with its controls, retrieval, zero-shot classification, linear probing and detection. The main
job (`python -m plan.experiments.report`) generates SynthCXR, a synthetic benchmark with ground truth for every task,
pre-trains on it, evaluates and renders the reports; `data_prep/` turns MIMIC-CXR, MS-CXR, CheXpert, RSNA and SIIM,
as downloaded, into the same manifests.

The alignment at the heart of it is a set of pure tensor functions. Two captions (the second has three words) and
their images as 8 × 8 grids of pixels, all L2-normalised; `refine` runs the progressive steps, each with a lower
temperature τ and a smaller share ρ of pixels kept per word, and returns what every step found:

```python
import torch
import torch.nn.functional as F
from fastcore.test import test_close, test_eq

from plan.alignment import refine

torch.manual_seed(0)
words = F.normalize(torch.randn(2, 5, 16), dim=-1)  # [captions, words, d]
pixels = F.normalize(torch.randn(2, 64, 16), dim=-1)  # [images, pixels, d]
mask = torch.tensor([[1, 1, 1, 1, 1], [1, 1, 1, 0, 0]], dtype=torch.bool)  # real words, not padding
steps = refine(words, pixels, mask, steps=3, tau=0.1, rho=0.5)
A = steps[-1].A  # [captions, words, pixels]: each word's soft region after the last step
test_close([s.tau for s in steps], [0.1, 0.08, 0.064])  # τ and ρ decay by 0.8 per step
test_close(A[0].sum(-1), torch.ones(5))  # a word's region is a distribution over its image's pixels
test_eq((A[0] > 0).sum(-1), torch.full((5,), 21))  # the last step keeps ⌈0.32 × 64⌉ = 21 pixels per word
```

Every method is a loss behind one interface, named in one registry; a run's configuration (`plan.presets`) names
the method, and the same evaluation reads each one out its own way (`plan.readout`):

```python
from plan.losses import LOSSES, create_loss
from plan.presets import load_experiment

cfg, sources = load_experiment("smoke")  # the preset the tests use: seconds on a CPU
test_eq(list(LOSSES), ["clip", "biovil", "gloria", "mgca", "mgca_token", "plan"])
test_eq(type(create_loss(cfg.loss.method, cfg.loss)).__name__, "PLANLoss")
```

The package map, in the order the notebooks build it (each module's notebook in `nbs/` is its source and its
documentation; the experiment notebooks `pretrain`, `evaluate`, `explore`, `compare` and `benchmarks` call the
package and hold no model code):

- **Data** (generating SynthCXR, reading DICOMs, preparing real datasets into manifests, the training dataset): `plan.data.phantom` ([10_phantom](10_phantom.ipynb)), `plan.data.text` ([11_text](11_text.ipynb)), `plan.data.synthcxr` ([12_synthcxr](12_synthcxr.ipynb)), `plan.data.dicom` ([13_dicom](13_dicom.ipynb)), `plan.data.cache` ([14_cache](14_cache.ipynb)), `plan.data.prepare` ([15_prepare](15_prepare.ipynb)), `plan.data.dataset` ([16_dataset](16_dataset.ipynb)), `plan.data.adapters` ([17_adapters](17_adapters.ipynb))
- **Model** (encoders, PLAN's alignment, every method's loss, the text cache and text model, read-outs, published weights): `plan.encoders` ([20_encoders](20_encoders.ipynb)), `plan.alignment` ([21_alignment](21_alignment.ipynb)), `plan.dist` ([22_dist](22_dist.ipynb)), `plan.losses` ([23_losses](23_losses.ipynb)), `plan.textcache` ([24_textcache](24_textcache.ipynb)), `plan.textmodel` ([25_textmodel](25_textmodel.ipynb)), `plan.readout` ([26_readout](26_readout.ipynb)), `plan.published` ([27_published](27_published.ipynb))
- **Training** (the progressive engine and its checkpoints): `plan.checkpoint` ([30_checkpoint](30_checkpoint.ipynb)), `plan.train` ([31_train](31_train.ipynb))
- **Evaluation** (every task by name, with its controls and diagnostics): `plan.evaluation.grounding` ([40_grounding](40_grounding.ipynb)), `plan.evaluation.retrieval` ([41_retrieval](41_retrieval.ipynb)), `plan.evaluation.zeroshot` ([42_zeroshot](42_zeroshot.ipynb)), `plan.evaluation.probe` ([43_probe](43_probe.ipynb)), `plan.evaluation.detection` ([44_detection](44_detection.ipynb)), `plan.evaluation.suite` ([45_evaluate](45_evaluate.ipynb)), `plan.evaluation.diagnostics` ([46_diagnostics](46_diagnostics.ipynb)), `plan.evaluation` ([47_evaluation](47_evaluation.ipynb))
- **Experiments** (settings, configuration and presets, notebook parameters, progress, figures, the explorer, the main job, the comparison, the shift's parts, where the films sit and the benchmarks): `plan.settings` ([00_settings](00_settings.ipynb)), `plan.config` ([01_config](01_config.ipynb)), `plan.presets` ([02_presets](02_presets.ipynb)), `plan.progress` ([03_progress](03_progress.ipynb)), `plan.experiments.params` ([55_params](55_params.ipynb)), `plan.viz` ([50_viz](50_viz.ipynb)), `plan.explorer` ([51_explorer](51_explorer.ipynb)), `plan.experiments.report` ([52_report](52_report.ipynb)), `plan.experiments.compare` ([54_compare](54_compare.ipynb)), `plan.experiments.shift` ([56_shift](56_shift.ipynb)), `plan.experiments.position` ([57_position](57_position.ipynb)), `plan.experiments.benchmark` ([53_benchmark](53_benchmark.ipynb))

Modules:

- `plan.alignment`: Pure tensor functions of PLAN's word–pixel alignment (docs/method.md, PLAN's loss 2–6), vectorised over batch, words and pixels, with padding masks.
- `plan.checkpoint`: Atomic, resumable checkpoints: model and loss weights as safetensors, optimizer / scheduler / RNG state read back with `weights_only=True`, and the ranks' agreement on which one to resume from.
- `plan.config`: One typed experiment configuration: dataclasses, validation, YAML files.
- `plan.data.adapters`: CheXpert, SIIM-ACR Pneumothorax and Open-I adapters, and the one `prepare(dataset, root, out)` entry point behind `python data_prep/prepare.py`.
- `plan.data.cache`: Reading any image (DICOM, JPEG, PNG) with errors that name the file, the resumable 8-bit PNG cache, and the `manifest.csv` / `validation.json` every dataset's preparation ends with.
- `plan.data.dataset`: A `Dataset` over a prepared manifest, image transforms, and a collate function that tokenises with word ids.
- `plan.data.dicom`: Read a radiograph's pixels the way a radiologist's viewer shows them, and nothing else from the file.
- `plan.data.phantom`: Frontal chest radiograph phantoms with findings, each finding with its own pixel mask.
- `plan.data.prepare`: Turn a dataset, as downloaded, into the project's manifest and a resized image cache.
- `plan.data.synthcxr`: Write the generated benchmark in the real datasets' own formats, so the same loaders serve both.
- `plan.data.text`: MIMIC-style report text from findings, a rule-based label extractor, MIMIC section parsing and the real Open-I reports shipped by `torchxrayvision`.
- `plan.dist`: The one place that knows about ranks: setup from `torchrun`'s environment, and gathering with gradients.
- `plan.encoders`: The image and text encoders with their global and local outputs, the projection heads, and saving/loading.
- `plan.evaluation.detection`: The pre-trained image backbone inside torchvision's Faster R-CNN, fine-tuned on RSNA-format boxes at 1 / 10 / 100 % of the training images; mAP over IoU 0.4–0.75 (step 0.05) as in MGCA.
- `plan.evaluation.diagnostics`: Why a method localises or not: grounding read out after each refinement step, where PLAN's word importance α puts its weight, and each loss term's share of the gradient.
- `plan.evaluation.grounding`: BioViL's MS-CXR pipeline as its public code runs it: heatmaps in original pixels, CNR, mIoU, pointing game.
- `plan.evaluation.probe`: A logistic regression on frozen image features, trained on 1 / 10 / 100 % of the training labels.
- `plan.evaluation.retrieval`: 5×200-style class retrieval (precision@K both directions) and paired instance recall@K.
- `plan.evaluation.suite`: `evaluate(run_dir, tasks)`: every evaluation task of a pre-trained run, by name, written to one `metrics.json` with the protocol it used. The experiment notebooks call it and plot; they compute nothing themselves.
- `plan.evaluation.zeroshot`: Fixed prompt ensembles, inductive scoring, ACC / F1 / AUROC — no normalisation over the test set.
- `plan.experiments.benchmark`: Timing and peak-memory helpers behind `nbs/benchmarks.ipynb`: forward+backward of each local loss against its loop reference, a training step by method, and the data pipeline.
- `plan.experiments.compare`: The variants that `nbs/compare.ipynb` trains and evaluates at equal budget, and the summary table.
- `plan.experiments.params`: One rule for paths and one check for every parameter of the experiment notebooks, before any data or model work.
- `plan.experiments.position`: Moves every film of a prepared SynthCXR by a random offset: what the controls and a trained model score when the thorax sits farther from the film's centre, beside how far real films vary.
- `plan.experiments.report`: Run experiment notebooks with papermill and render them to HTML in `reports/`; the main job.
- `plan.experiments.shift`: The held-out `shift` split changes four things at once; this splits the cost of the shift among them.
- `plan.explorer`: Which pixels does each word light up, how do the maps sharpen over the progressive steps, and where do they go wrong? An ipywidgets explorer over cached encoder outputs.
- `plan.losses`: Every method's loss (`clip`, `biovil`, `gloria`, `mgca`, `mgca_token`, `plan`) under one interface, fully vectorised, in one registry (`LOSSES`, `create_loss`).
- `plan.presets`: Named starting points (`smoke`, `cpu`, `paper`) and `load_experiment`: preset → `settings.ini` → overrides → papermill parameters, each value remembering where it came from.
- `plan.progress`: Progress that follows the work: training steps, evaluation phrases and batches, not notebook cells.
- `plan.published`: BioViL, BioViL-T, GLoRIA and MGCA weights as released, loaded into our model so that the same evaluation and the same explorer grade them beside a PLAN run.
- `plan.readout`: How a trained model's alignment becomes a map: each method's own (native) read-out, and the phrase map for all.
- `plan.settings`: `settings.ini` (where things are on this machine: dataset roots, folders, device, loader workers), the project root, and the one error type every bad setting raises.
- `plan.textcache`: A frozen text encoder's outputs (word vectors, [CLS] attention per word, the [CLS] vector, the word and stop masks), computed once per report and kept on disk, so that a training step costs only the image side and the heads.
- `plan.textmodel`: A WordPiece tokenizer and a small BERT pre-trained by masked-language modelling on real radiology reports (the 3,955 Open-I reports that `torchxrayvision` ships) plus the SynthCXR training reports — offline, cached.
- `plan.train`: The progressive training engine: stages, AdamW + warm-up/cosine, accumulation, AMP on CUDA, DDP through `torchrun`, atomic checkpoints that resume bit for bit, and metrics as JSON lines.
- `plan.viz`: The figures the experiment notebooks share: grounding maps over test findings (trained beside untrained), so each notebook plots with one call and no figure code is copied between notebooks."""

__version__ = "0.0.1"
