"`data_prep/prepare.py` as a user runs it: bad paths fail first and clearly, no empty manifest, atomic re-cache."

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from PIL import Image

from plan.data.synthcxr import generate_synthcxr

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def raw(tmp_path_factory):
    "A small SynthCXR tree in the official MIMIC-CXR-JPG / reports / MS-CXR / RSNA layouts."
    r = tmp_path_factory.mktemp("synth") / "raw"
    generate_synthcxr(r, 16, 4, 20, seed=0, size=96, n_rsna_train=4, workers=1)
    return r


def prep(*args, env=None):
    p = subprocess.run(
        [sys.executable, str(ROOT / "data_prep/prepare.py"), *map(str, args), "--workers", "1"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
    )
    return p.returncode, p.stdout, p.stderr


def mimic(raw, out, *extra):
    return prep("mimic-cxr", "--root", raw / "mimic-cxr-jpg", "--out", out, *extra)


def last_line(err):
    return err.strip().splitlines()[-1]


def test_missing_or_misplaced_reports_fail_first(raw, tmp_path):
    out = tmp_path / "out"
    for bad, says in (
        (tmp_path / "nowhere", "folder does not exist"),
        (raw / "mimic-cxr-reports/files", "holds no files/ folder"),
    ):
        rc, _, err = mimic(raw, out, "--reports", bad)
        assert rc == 2 and says in last_line(err) and str(bad) in last_line(err), err
        assert "Traceback" not in err
    assert not out.exists()  # checked before any work: nothing written


def test_every_report_lost_is_an_error_not_an_empty_manifest(raw, tmp_path):
    empty = tmp_path / "reports"
    (empty / "files").mkdir(parents=True)
    rc, _, err = mimic(raw, tmp_path / "out", "--reports", empty)
    assert rc == 2 and "nothing prepared" in last_line(err) and "report file is missing" in last_line(err), err
    assert not (tmp_path / "out/manifest.csv").exists()
    v = json.loads((tmp_path / "out/validation.json").read_text())
    assert v["n"] == 0 and v["skipped"] == len(v["skipped_items"]) > 0


def test_missing_ms_cxr_fails_before_any_image_is_cached(raw, tmp_path):
    rc, _, err = mimic(raw, tmp_path / "out", "--reports", raw / "mimic-cxr-reports", "--ms-cxr", tmp_path / "no.csv")
    assert rc == 2 and "no.csv: MS-CXR annotation file is missing" in last_line(err), err
    assert not (tmp_path / "out/images").exists()
    bad = tmp_path / "bad.json"
    bad.write_text('{"images": [')
    rc, _, err = mimic(raw, tmp_path / "out", "--reports", raw / "mimic-cxr-reports", "--ms-cxr", bad)
    assert rc == 2 and "bad.json: not a readable JSON" in last_line(err), err
    assert not (tmp_path / "out/images").exists()


def test_all_images_missing_is_an_error(raw, tmp_path):
    rsna = tmp_path / "rsna"
    shutil.copytree(raw / "rsna", rsna)
    for f in (rsna / "stage_2_train_images").glob("*.dcm"):
        f.unlink()
    rc, _, err = prep("rsna", "--root", rsna, "--out", tmp_path / "out")
    assert rc == 2 and "nothing prepared" in last_line(err) and "image file is missing" in last_line(err), err
    assert not (tmp_path / "out/manifest.csv").exists()


def test_sidecars_and_cache_size(raw, tmp_path):
    out = tmp_path / "out"
    rc, _, err = prep("synthcxr", "--root", raw, "--out", out, "--cache-size", 64)
    assert rc == 0, err
    man = pd.read_csv(out / "manifest.csv", dtype={"key": str})
    assert (man[["width", "height"]].max(axis=1) == 64).all()
    k0, k1, k2 = man.key[:3]
    img = out / "images"
    # the sidecar records what the image was built with
    side = json.loads((img / f"{k0}.json").read_text())
    assert side["cache_size"] == 64 and side["size"] == [64, 64] and side["format"] == "png8"
    # a kill between the image's and the sidecar's rename, a half-written sidecar, an older-format sidecar
    (img / f"{k0}.json").unlink()
    (img / f"{k1}.json").write_text('{"orig": [96, ')
    (img / f"{k2}.json").write_text("[96, 96, 64, 64]")
    rc, _, err = prep("synthcxr", "--root", raw, "--out", out, "--cache-size", 64)
    assert rc == 0, err
    v = json.loads((out / "validation.json").read_text())
    assert set(v["rebuilt_items"]) == {k0, k1, k2}, v["rebuilt_items"]
    assert "interrupted" in v["rebuilt_items"][k0] and "corrupt or partial" in v["rebuilt_items"][k1]
    assert "older plan version" in v["rebuilt_items"][k2]
    assert json.loads((img / f"{k1}.json").read_text())["size"] == [64, 64]
    # a changed --cache-size rebuilds every image; the manifest tells the truth about the new sizes
    rc, _, err = prep("synthcxr", "--root", raw, "--out", out, "--cache-size", 80)
    assert rc == 0, err
    man = pd.read_csv(out / "manifest.csv", dtype={"key": str})
    assert (man[["width", "height"]].max(axis=1) == 80).all()
    assert all(Image.open(out / p).size == (80, 80) for p in man.image)
    v = json.loads((out / "validation.json").read_text())
    assert v["rebuilt"] == v["parts"]["mimic-cxr"]["n"] + v["parts"]["rsna"]["n"]
    assert "cache size 64" in v["rebuilt_items"][k0]


def test_skips_of_every_part_at_the_top(raw, tmp_path):
    bad = tmp_path / "raw"
    shutil.copytree(raw, bad)
    dcm = sorted((bad / "rsna/stage_2_train_images").glob("*.dcm"))
    dcm[0].write_bytes(b"")  # zero bytes
    dcm[1].write_bytes(dcm[1].read_bytes()[:600])  # cut inside the header
    jpg = sorted((bad / "mimic-cxr-jpg/files").rglob("*.jpg"))
    jpg[0].write_bytes(b"")
    rc, _, err = prep("synthcxr", "--root", bad, "--out", tmp_path / "out", "--cache-size", 64)
    assert rc == 0, err
    v = json.loads((tmp_path / "out/validation.json").read_text())
    items = v["skipped_items"]
    assert "empty file (0 bytes)" in items[f"rsna/{dcm[0].stem}"]
    assert "truncated: the file ends before its pixel data" in items[f"rsna/{dcm[1].stem}"]
    assert "empty file (0 bytes)" in items[jpg[0].stem]
    assert not any("force=True" in w for w in items.values())
    assert v["parts"]["rsna"]["skipped"] == 2 and v["parts"]["mimic-cxr"]["skipped"] == 1
    assert "(mimic-cxr: 1, rsna: 2)" in err and "validation.json" in err
    assert "warning" not in v  # 3 of 66 items
    # 5 RSNA films lost of the part's 28: >= 10 %, and the run says so at the end
    for f in dcm[2:5]:
        f.unlink()
    rc, _, err = prep("rsna", "--root", bad / "rsna", "--out", tmp_path / "rs")
    assert rc == 0 and last_line(err).startswith(f"warning: 5 of {len(dcm)} items ("), err


def test_roots_from_settings_ini(raw, tmp_path):
    "Without --root, prepare.py reads the dataset's folder from settings.ini [datasets]; unset, it says which key."
    ini = (ROOT / "settings.ini").read_text().replace("rsna_pneumonia =", f"rsna_pneumonia = {raw / 'rsna'}")
    (tmp_path / "settings.ini").write_text(ini)
    env = {**os.environ, "PLAN_ROOT": str(tmp_path)}
    rc, _, err = prep("rsna", "--out", tmp_path / "out", env=env)
    assert rc == 0 and (tmp_path / "out/manifest.csv").exists(), err
    rc, _, err = prep("chexpert", "--out", tmp_path / "cx", env=env)
    assert rc == 2 and "set [datasets] chexpert in" in last_line(err), err
