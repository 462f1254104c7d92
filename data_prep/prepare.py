"""Turn a raw dataset, as downloaded, into plan's manifest + image cache.

    python data_prep/prepare.py DATASET --root RAW_DIR --out OUT_DIR [options]

Inputs not given (--root, --reports, --ms-cxr, --images) are read from settings.ini's [datasets] section.

Every path given is checked before any work. A re-run skips images already cached with the same --cache-size
(others are re-cached, and named); an interrupted run leaves no half-written file. A run that would prepare
nothing stops with an error (exit 2). The run ends with a validation report (counts per split, every skipped item
with its reason, the counts per part), written to OUT_DIR/validation.json; ≥ 10 % skipped ends with a warning.
"""

import argparse
import json
import sys
from pathlib import Path

from plan.data.adapters import ADAPTERS, prepare, settings_inputs
from plan.data.cache import DataError
from plan.settings import ConfigError


def main(argv=None):
    p = argparse.ArgumentParser(
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="datasets:\n" + "\n".join(f"  {k:10s} {v.about}" for k, v in ADAPTERS.items()),
    )
    p.add_argument("dataset", choices=list(ADAPTERS), metavar="DATASET", help="one of: " + ", ".join(ADAPTERS))
    p.add_argument("--root", help="the raw dataset folder (default: its key in settings.ini [datasets])")
    p.add_argument("--out", required=True, help="the prepared folder to write")
    p.add_argument("--reports", help="mimic-cxr / ms-cxr: the MIMIC-CXR reports folder (holding files/)")
    p.add_argument("--ms-cxr", help="mimic-cxr / ms-cxr: MS-CXR annotations (the CSV or the COCO-style JSON)")
    p.add_argument("--images", help="openi: folder of the Open-I PNG images")
    p.add_argument("--cache-size", type=int, default=512, help="long side of cached images (pixels)")
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--seed", type=int, default=0, help="seed of derived splits and 5x200 sets")
    a = p.parse_args(argv)
    try:
        i = settings_inputs(a.dataset, dict(root=a.root, reports=a.reports, ms_cxr=a.ms_cxr, images=a.images))
        rep = prepare(
            a.dataset, i["root"], a.out, a.cache_size, a.workers, a.seed, i["reports"], i["ms_cxr"], i["images"]
        )
    except (DataError, ConfigError, FileNotFoundError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    items = {k: rep.pop(k) for k in list(rep) if k.endswith("_items")}
    print(json.dumps(rep, indent=1))
    skipped = items.get("skipped_items", {})
    for k, why in list(skipped.items())[:20]:
        print(f"skipped {k}: {why}", file=sys.stderr)
    if len(skipped) > 20:
        print(f"... and {len(skipped) - 20} more", file=sys.stderr)
    parts = rep.get("parts", {a.dataset: rep})
    per = ", ".join(f"{p}: {r['skipped']}" for p, r in parts.items())
    print(
        f"prepared {rep['n']} images into {a.out}; skipped {rep['skipped']} ({per}), excluded {rep['excluded']}, "
        f"re-cached {rep['rebuilt']}; every item with its reason: {Path(a.out) / 'validation.json'}",
        file=sys.stderr,
    )
    if "warning" in rep:
        print(f"warning: {rep['warning']}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
