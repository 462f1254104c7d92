"""PLAN: Progressive Local Alignment Network for chest X-ray + report pre-training, with baselines and evaluation

Modules:

- `plan.alignment`: Pure tensor functions of PLAN's word–pixel alignment (docs/method.md, PLAN's loss 2–6), vectorised over batch, words and pixels, with padding masks.
- `plan.benchmark`: Timing and peak-memory helpers behind `nbs/benchmarks.ipynb`: forward+backward of each local loss against its loop reference, a training step by method, and the data pipeline.
- `plan.checkpoint`: Atomic, resumable checkpoints: model and loss weights as safetensors, optimizer / scheduler / RNG state read back with `weights_only=True`, and the ranks' agreement on which one to resume from.
- `plan.data.adapters`: CheXpert, SIIM-ACR Pneumothorax and Open-I adapters, and the one `prepare(dataset, root, out)` entry point behind `python data_prep/prepare.py`.
- `plan.data.cache`: Reading any image (DICOM, JPEG, PNG) with errors that name the file, the resumable 8-bit PNG cache, and the `manifest.csv` / `validation.json` every dataset's preparation ends with.
- `plan.data.text`: MIMIC-style report text from findings, a rule-based label extractor, MIMIC section parsing and the real Open-I reports shipped by `torchxrayvision`.
- `plan.evaluation.detection`: The pre-trained image backbone inside torchvision's Faster R-CNN, fine-tuned on RSNA-format boxes at 1 / 10 / 100 % of the training images; mAP over IoU 0.4–0.75 (step 0.05) as in MGCA.
- `plan.evaluation.diagnostics`: Why a method localises or not: grounding read out after each refinement step, where PLAN's word importance α puts its weight, and each loss term's share of the gradient.
- `plan.evaluation.suite`: `evaluate(run_dir, tasks)`: every evaluation task of a pre-trained run, by name, written to one `metrics.json` with the protocol it used. The experiment notebooks call it and plot; they compute nothing themselves.
- `plan.explorer`: Which pixels does each word light up, how do the maps sharpen over the progressive steps, and where do they go wrong? An ipywidgets explorer over cached encoder outputs.
- `plan.presets`: Named starting points (`smoke`, `cpu`, `paper`) and `load_experiment`: preset → `settings.ini` → overrides → papermill parameters, each value remembering where it came from.
- `plan.published`: BioViL, BioViL-T, GLoRIA and MGCA weights as released, loaded into our model so that the same evaluation and the same explorer grade them beside a PLAN run.
- `plan.settings`: `settings.ini` (where things are on this machine: dataset roots, folders, device, loader workers), the project root, and the one error type every bad setting raises.
- `plan.textcache`: A frozen text encoder's outputs (word vectors, [CLS] attention per word, the [CLS] vector, the word and stop masks), computed once per report and kept on disk, so that a training step costs only the image side and the heads.
- `plan.textmodel`: A WordPiece tokenizer and a small BERT pre-trained by masked-language modelling on real radiology reports (the 3,955 Open-I reports that `torchxrayvision` ships) plus the SynthCXR training reports — offline, cached.
- `plan.train`: The progressive training engine: stages, AdamW + warm-up/cosine, accumulation, AMP on CUDA, DDP through `torchrun`, atomic checkpoints that resume bit for bit, and metrics as JSON lines.
- `plan.viz`: The figures the experiment notebooks share: grounding maps over test findings (trained beside untrained), so each notebook plots with one call and no figure code is copied between notebooks."""

__version__ = "0.0.1"
