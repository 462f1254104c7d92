"""PLAN: Progressive Local Alignment Network for chest X-ray + report pre-training, with baselines and evaluation

Modules:

- `plan.alignment`: Pure tensor functions of PLAN's word–pixel alignment (METHOD.md, Losses §2–§6), vectorised over batch, words and pixels, with padding masks.
- `plan.reports`: MIMIC-style report text from findings, a rule-based label extractor, MIMIC section parsing and the real Open-I reports shipped by `torchxrayvision`.
- `plan.train`: The progressive training engine: stages, AdamW + warm-up/cosine, accumulation, AMP on CUDA, DDP through `torchrun`, atomic checkpoints that resume bit for bit, and metrics as JSON lines."""

__version__ = "0.0.1"
