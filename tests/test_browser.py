"""The explorer in a real JupyterLab, driven by headless Chromium (Debian's package) through Playwright's driver.

Starts JupyterLab on localhost, opens `nbs/explore.ipynb` (smoke parameters injected by papermill, not executed by
it), runs all cells from the Run menu, clicks a word of the report and checks from screenshots that the overlay
changed. Screenshots and the measured click latency go to `$PLAN_ARTIFACTS` (default `runs/test-artifacts/browser`).

`.ci/run` installs Chromium (`apt-get install chromium`) and sets PLAN_REQUIRE_BROWSER=1, so a missing browser fails
there instead of skipping.
"""

import io
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
TOKEN = "plan-browser-test"
if not Path(CHROMIUM).exists():
    if os.environ.get("PLAN_REQUIRE_BROWSER"):
        raise RuntimeError(f"{CHROMIUM}: Chromium is required here (PLAN_REQUIRE_BROWSER=1); apt-get install chromium")
    pytest.skip("no Chromium (apt-get install chromium)", allow_module_level=True)
playwright = pytest.importorskip("playwright.sync_api")


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def lab(tmp_path):
    "JupyterLab serving a folder with the smoke-parameterised explore notebook; yields its base URL."
    import nbformat
    from papermill.iorw import load_notebook_node
    from papermill.parameterize import parameterize_notebook

    from plan.data.adapters import ensure_data
    from plan.presets import load_experiment
    from plan.published import random_biovil
    from plan.train import train

    cfg, _ = load_experiment("smoke", {"train.device": "cpu"})  # a PLAN run, and a BioViL in its published layout
    cfg.data.data_dir = str(ensure_data(cfg))
    train(cfg, tmp_path / "plan-run", progress=False)
    random_biovil(tmp_path / "biovil")
    nb = load_notebook_node(str(ROOT / "nbs" / "explore.ipynb"))
    params = dict(smoke=True, model=str(tmp_path / "plan-run"), compare_model=f"biovil:{tmp_path / 'biovil'}")
    nb = parameterize_notebook(nb, params | dict(out_dir=str(tmp_path / "out")))
    nbformat.write(nb, tmp_path / "explore.ipynb")
    settings = tmp_path / "lab-settings" / "@jupyterlab" / "notebook-extension"
    settings.mkdir(parents=True)
    (settings / "tracker.jupyterlab-settings").write_text(  # every cell in the DOM; the notebook's own kernel started
        json.dumps({"windowingMode": "none", "autoStartDefaultKernel": True})  # without a "Select Kernel" dialog
    )
    port = _port()
    env = dict(
        os.environ,
        JUPYTERLAB_SETTINGS_DIR=str(tmp_path / "lab-settings"),
        JUPYTERLAB_WORKSPACES_DIR=str(tmp_path / "lab-ws"),
        PLAN_ROOT=str(ROOT),
    )
    log = open(tmp_path / "jupyter.log", "w")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "jupyter",
            "lab",
            "--no-browser",
            f"--port={port}",
            "--ServerApp.ip=127.0.0.1",
            f"--IdentityProvider.token={TOKEN}",
            f"--ServerApp.root_dir={tmp_path}",
            "--ServerApp.allow_root=True",
            "--LabApp.news_url=None",
            "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        env=env,
        cwd=tmp_path,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(120):
            try:
                urllib.request.urlopen(f"{url}/api/status?token={TOKEN}", timeout=2)
                break
            except OSError:
                if proc.poll() is not None:
                    raise RuntimeError(f"JupyterLab exited: {(tmp_path / 'jupyter.log').read_text()[-2000:]}")
                time.sleep(0.5)
        else:
            raise RuntimeError(f"JupyterLab did not answer on {url}: {(tmp_path / 'jupyter.log').read_text()[-2000:]}")
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


# resolves once the <img> has decoded its current src and two frames have been drawn
DECODED = """el => el.decode().then(() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r))))"""


def _pixels(png: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB"), dtype=np.int16)


def test_click_word_changes_overlay(lab, tmp_path):
    art = Path(os.environ.get("PLAN_ARTIFACTS", ROOT / "runs" / "test-artifacts" / "browser"))
    art.mkdir(parents=True, exist_ok=True)
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-dev-shm-usage",
            ],
        )
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        try:
            page.goto(f"{lab}/lab/tree/explore.ipynb?token={TOKEN}")
            page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=120_000)
            page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']", timeout=120_000)
            started = (
                "() => [...document.querySelectorAll('.jp-InputPrompt')].some(p => /\\[[*0-9]/.test(p.textContent))"
            )
            for attempt in range(3):  # Run All is greyed out until the notebook panel is active: focus it, retry
                try:  # a dialog or an open menu in the way of a click: close it (Escape), retry
                    page.locator(".jp-Notebook .jp-Cell").first.click(timeout=20_000)
                    page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click(timeout=20_000)
                    page.locator(".lm-Menu-itemLabel", has_text="Run All Cells").first.click(timeout=20_000)
                    page.wait_for_function(started, timeout=20_000)
                    break
                except playwright.TimeoutError:
                    page.keyboard.press("Escape")
            else:
                raise AssertionError("Run > Run All Cells did not start the notebook")
            # the widget, then the static views below it: all cells done when no prompt shows [*]
            page.wait_for_selector(
                ".widget-toggle-button", timeout=int(os.environ.get("PLAN_BROWSER_TIMEOUT_MS", 300_000))
            )
            page.wait_for_function(
                """() => document.querySelectorAll('.jp-InputPrompt').length > 0 &&
                   [...document.querySelectorAll('.jp-InputPrompt')].every(p => !p.textContent.includes('*'))""",
                timeout=300_000,
            )
            errors = page.locator(".jp-RenderedText[data-mime-type='application/vnd.jupyter.stderr']", has_text="Error")
            assert errors.count() == 0, errors.first.inner_text()
            assert page.locator(".widget-image").count() >= 2  # the PLAN run beside the converted BioViL
            assert page.locator(".widget-label", has_text="biovil").count() >= 1
            img = page.locator(".widget-image").first
            img.scroll_into_view_if_needed()
            img.evaluate(DECODED)
            page.wait_for_timeout(300)
            before_src = img.get_attribute("src")
            before = img.screenshot(path=str(art / "overlay_before.png"))
            page.screenshot(path=str(art / "lab_before.png"), full_page=True)
            buttons = page.locator(".widget-toggle-button")
            n = buttons.count()
            assert n >= 3, f"only {n} word buttons"
            word = buttons.nth(1)
            label = word.inner_text()
            t0 = time.perf_counter()
            word.click()
            page.wait_for_function(
                "s => document.querySelector('.widget-image').getAttribute('src') !== s", arg=before_src, timeout=30_000
            )
            img.evaluate(DECODED)  # a new src is not yet a painted image: under load the old one can still show
            latency = time.perf_counter() - t0
            page.wait_for_timeout(300)
            after = img.screenshot(path=str(art / "overlay_after.png"))
            page.screenshot(path=str(art / "lab_after.png"), full_page=True)
        except Exception:
            page.screenshot(path=str(art / "lab_failure.png"), full_page=True)  # what the page showed, for the log
            try:  # every cell's text and outputs (the screenshot shows one screenful), and the server's log
                (art / "lab_failure.txt").write_text(page.inner_text(".jp-Notebook", timeout=5_000))
            except playwright.Error:
                pass
            if (tmp_path / "jupyter.log").exists():
                shutil.copyfile(tmp_path / "jupyter.log", art / "jupyter.log")
            raise
        finally:
            browser.close()
    a, b = _pixels(before), _pixels(after)
    assert a.shape == b.shape
    changed = float((np.abs(a - b).max(-1) > 8).mean())
    (art / "click.json").write_text(
        json.dumps(
            dict(word=label, click_to_render_s=round(latency, 3), changed_pixel_fraction=round(changed, 4)), indent=1
        )
    )
    print(f"clicked {label!r}: overlay re-rendered in {latency:.3f} s, {changed:.1%} of its pixels changed")
    assert changed > 0.01, f"overlay barely changed after clicking {label!r} ({changed:.2%} of pixels)"
