"""The lessons as a student meets them: JupyterLab in a real (headless) browser.

One JupyterLab server is started for this file exactly as the README says (``python3 kit.py lab``, here
with ``--no-browser`` on a free localhost port, token login on). Headless Chromium, driven by Playwright,
opens every lesson, runs all cells and checks what a student would see: no error output, no widget that
failed to draw ("Error displaying widget", a widget left as its text), and -- in lessons with widgets --
that moving a slider redraws the figure. Screenshots go to ``test-output/browser/``.

The built site and slides are opened from disk (``file://``, no server), as in an offline classroom: every
screen of every deck fits a 1280x720 slide, every page draws its figures with no console error and no
network request, every link resolves, and the search box finds a term the course teaches.

Needs a Chromium (Debian/Ubuntu: ``sudo apt-get install chromium``; elsewhere set ``FEDLEARN_CHROMIUM`` to a
Chrome/Chromium executable). Without one the tests skip -- except under ``CI=true``, where they fail.
Playwright's own browser download is not used.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from conftest import ROOT

LESSONS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
SHOTS = ROOT / "test-output" / "browser"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
# The handles of the sliders a student can move (a disabled slider ignores the mouse).
SLIDER = ".jp-OutputArea-output .widget-slider .noUi-target:not([disabled]) .noUi-handle"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
HOW_TO_ENABLE = (
    "install Chromium (Debian/Ubuntu: `sudo apt-get install chromium`) or set FEDLEARN_CHROMIUM to a "
    "Chrome/Chromium executable, and install the classroom environment (`python3 kit.py setup` brings "
    "Playwright); .ci/run does both"
)
SERVER_START_SECONDS = 120
RUN_ALL_SECONDS = 240  # one notebook, run in the browser; the lessons take seconds, CI's 2 cores are shared
REDRAW_SECONDS = 90
# JupyterLab settings for the test: no autosave (the repository's notebooks must stay as they are),
# every cell attached to the page (so the checks see all outputs), and no request for news.
LAB_SETTINGS = {
    "@jupyterlab/docmanager-extension/plugin.jupyterlab-settings": {"autosave": False},
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {
        "fetchNews": "false",
        "checkForUpdates": False,
    },
}

# One JupyterLab server for the whole file; pytest-xdist's `--dist loadfile` (pyproject) keeps every test of
# this file in one worker, one after the other.
pytestmark = pytest.mark.skipif(not LESSONS, reason="no lesson notebooks")


def _unavailable(what: str) -> None:
    message = f"browser test: {what}; to run it, {HOW_TO_ENABLE}"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(message + " (CI=true: a browser test that cannot run must fail, not skip)")
    pytest.skip(message)


def _chromium() -> str | None:
    candidates = [os.environ.get("FEDLEARN_CHROMIUM", "")]
    candidates += [shutil.which(n) or "" for n in ("chromium", "chromium-browser", "google-chrome")]
    return next((c for c in candidates if c and Path(c).is_file()), None)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _stored_widget_lesson(path: Path) -> bool:
    nb = json.loads(path.read_text(encoding="utf-8"))
    return any(
        WIDGET_VIEW in output.get("data", {}) for cell in nb["cells"] for output in cell.get("outputs", [])
    )


def _digest(paths: list[Path]) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in paths}


class Lab:
    """A JupyterLab server started with ``kit.py lab``; stopped (with its kernels) by ``stop``."""

    def __init__(self, workdir: Path, lang: str = "en"):
        self.port, self.token = _free_port(), secrets.token_hex(16)
        self.url = f"http://127.0.0.1:{self.port}"
        settings = workdir / "settings"
        for name, values in LAB_SETTINGS.items():
            (settings / name).parent.mkdir(parents=True, exist_ok=True)
            (settings / name).write_text(json.dumps(values))
        env = dict(
            os.environ,
            JUPYTERLAB_SETTINGS_DIR=str(settings),
            JUPYTERLAB_WORKSPACES_DIR=str(workdir / "workspaces"),
            JUPYTER_RUNTIME_DIR=str(workdir / "runtime"),
        )
        SHOTS.mkdir(parents=True, exist_ok=True)
        self.log_path = SHOTS / f"jupyterlab-{lang}.log"
        self.log = self.log_path.open("w")
        command = [
            sys.executable,
            str(ROOT / "tests" / "orphan_guard.py"),  # ends the server if this test process is killed
            str(os.getpid()),
            sys.executable,
            str(ROOT / "kit.py"),
            "lab",
            "--lang",
            lang,
            "--no-browser",
            f"--port={self.port}",
        ]
        command += ["--ServerApp.port_retries=0", f"--IdentityProvider.token={self.token}"]
        command += ["--LabApp.expose_app_in_browser=True"]
        self.proc = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True
        )

    def log_tail(self) -> str:
        self.log.flush()
        return self.log_path.read_text(errors="replace")[-3000:]

    def wait_ready(self) -> None:
        deadline = time.monotonic() + SERVER_START_SECONDS
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"JupyterLab exited with code {self.proc.returncode}:\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(f"{self.url}/api/status?token={self.token}", timeout=5) as r:
                    if r.status == 200:
                        return
            except OSError:
                time.sleep(0.5)
        raise RuntimeError(f"JupyterLab did not answer within {SERVER_START_SECONDS} s:\n{self.log_tail()}")

    def requires_token(self) -> bool:
        try:
            urllib.request.urlopen(f"{self.url}/api/sessions", timeout=5)
        except urllib.error.HTTPError as err:
            return err.code == 403
        return False

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)  # the group: kit.py and the jupyter it started
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)
        self.log.close()


# JavaScript run in the page. `window.jupyterapp` exists because of --LabApp.expose_app_in_browser.
JS_SHOWING = """(path) => {
  const app = window.jupyterapp;
  const panel = app && app.shell.currentWidget;
  return Boolean(panel && panel.context && panel.context.path === path);
}"""
JS_OPEN = """async () => {
  const app = window.jupyterapp;
  await app.started; await app.restored;
  const panel = app.shell.currentWidget;
  if (!panel || !panel.sessionContext) throw new Error('no notebook is open');
  await panel.context.ready; await panel.sessionContext.ready;
  return panel.context.path;
}"""
JS_RUN_ALL = """async (seconds) => {
  const app = window.jupyterapp;
  await app.commands.execute('notebook:clear-all-cell-outputs');
  const timeout = new Promise((_, reject) =>
    setTimeout(() => reject(new Error(`Run All did not finish within ${seconds} s`)), seconds * 1000));
  await Promise.race([app.commands.execute('notebook:run-all-cells'), timeout]);
}"""
JS_IDLE = """() => {
  const panel = window.jupyterapp.shell.currentWidget;
  const kernel = panel.sessionContext.session && panel.sessionContext.session.kernel;
  return kernel !== null && kernel !== undefined && kernel.status === 'idle';
}"""
JS_OUTPUTS = """() => {
  const panel = window.jupyterapp.shell.currentWidget;
  const cells = [];
  panel.content.widgets.forEach((cell, index) => {
    if (cell.model.type !== 'code') return;
    cells.push({index, source: cell.model.sharedModel.getSource(),
                count: cell.model.executionCount, outputs: cell.model.outputs.toJSON()});
  });
  return cells;
}"""
# A widget left as its text (the widget manager is missing) looks like "IntSlider(value=..." or "VBox(children=".
JS_WIDGETS = """() => {
  const SLIDER = __SLIDER__;
  const areas = [...document.querySelectorAll('.jp-OutputArea-output')];
  const placeholders = areas.filter(a => a.getAttribute('data-mime-type') === 'text/plain'
      && /^\\s*(VBox|HBox|Box|IntSlider|FloatSlider|Output|Image|Dropdown|ToggleButtons|interactive)\\(/
          .test(a.innerText)).map(a => a.innerText.slice(0, 80));
  return {
    errors: [...document.querySelectorAll('.jp-OutputArea-output')]
      .filter(a => /Error displaying widget|Loading widget\\.\\.\\./.test(a.innerText))
      .map(a => a.innerText.slice(0, 200)),
    placeholders,
    views: document.querySelectorAll('.jp-OutputArea-output .jupyter-widgets').length,
    sliders: document.querySelectorAll(SLIDER).length,
  };
}""".replace("__SLIDER__", json.dumps(SLIDER))
# A fingerprint of the pictures inside the output area that holds slider number `i`.
JS_PICTURES = """async (i) => {
  const SLIDER = __SLIDER__;
  const handle = document.querySelectorAll(SLIDER)[i];
  const area = handle.closest('.jp-OutputArea-output');
  const images = [...area.querySelectorAll('img')];
  const parts = [];
  for (const img of images) {
    const bytes = new Uint8Array(await (await fetch(img.src)).arrayBuffer());
    let h = 0;
    for (let k = 0; k < bytes.length; k++) h = (h * 31 + bytes[k]) >>> 0;
    parts.push(bytes.length + ':' + h);
  }
  return {count: images.length, fingerprint: parts.join(',')};
}""".replace("__SLIDER__", json.dumps(SLIDER))


@pytest.fixture(scope="module")
def lab():
    if _chromium() is None:
        _unavailable("no Chromium found")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        _unavailable("Playwright for Python is not installed")
    before = _digest(LESSONS)
    with tempfile.TemporaryDirectory(prefix="fedlearn-lab-") as workdir:
        server = Lab(Path(workdir))
        try:
            server.wait_ready()
            yield server
        finally:
            server.stop()
    changed = sorted(name for name, digest in _digest(LESSONS).items() if before[name] != digest)
    assert not changed, f"the browser test changed lesson notebooks on disk: {changed}"


@pytest.fixture(scope="module")
def chromium_browser():
    """One Playwright and one headless Chromium for the whole module: Playwright's sync API cannot run
    inside another one's event loop, so the JupyterLab tests and the offline site tests share this."""
    if _chromium() is None:
        _unavailable("no Chromium found")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("Playwright for Python is not installed")
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=_chromium(), args=CHROMIUM_ARGS, headless=True)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture(scope="module")
def browser(lab, chromium_browser):
    return chromium_browser


def test_jupyterlab_keeps_token_login_on(lab):
    assert lab.requires_token(), "JupyterLab answered without a token: `kit.py lab` must keep token login on"


def test_the_checks_catch_what_a_student_would_see(browser):
    """The page checks below can fail: a broken widget, a widget left as text, an error output."""
    page = browser.new_page()
    try:
        page.set_content(
            '<div class="jp-OutputArea-output">Error displaying widget: model not found</div>'
            '<div class="jp-OutputArea-output" data-mime-type="text/plain">IntSlider(value=3, max=9)</div>'
        )
        found = page.evaluate(JS_WIDGETS)
    finally:
        page.close()
    assert found["errors"] == ["Error displaying widget: model not found"]
    assert found["placeholders"] == ["IntSlider(value=3, max=9)"]
    assert found["views"] == 0 and found["sliders"] == 0
    cells = [{"index": 4, "outputs": [{"output_type": "error", "ename": "NameError", "evalue": "x"}]}]
    cells.append({"index": 5, "outputs": [{"output_type": "stream", "name": "stderr", "text": ["warn\n"]}]})
    assert _error_outputs(cells) == ["cell 4: NameError: x", "cell 5: stderr: warn\n"]


def _open(browser, lab, path: Path):
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    problems: list[str] = []
    page.on("pageerror", lambda exc: problems.append(f"page error: {exc}"))
    rel = path.relative_to(ROOT).as_posix()
    page.goto(f"{lab.url}/lab/tree/{rel}?reset&token={lab.token}", timeout=SERVER_START_SECONDS * 1000)
    page.wait_for_function(JS_SHOWING, arg=rel, timeout=SERVER_START_SECONDS * 1000)
    assert page.evaluate(JS_OPEN) == rel
    return page, problems


def _shutdown_kernel(page) -> None:
    # Best effort, so that a failure above is the one reported; the server stops every kernel anyway.
    with contextlib.suppress(Exception):
        page.evaluate("() => window.jupyterapp.shell.currentWidget.sessionContext.shutdown()")


def _error_outputs(cells) -> list[str]:
    found = []
    for cell in cells:
        for out in cell["outputs"]:
            if out["output_type"] == "error":
                found.append(f"cell {cell['index']}: {out['ename']}: {out['evalue']}")
            elif out["output_type"] == "stream" and out["name"] == "stderr" and "".join(out["text"]).strip():
                found.append(f"cell {cell['index']}: stderr: {''.join(out['text'])[:300]}")
    return found


@pytest.mark.parametrize("path", LESSONS, ids=[p.stem for p in LESSONS])
def test_lesson_runs_in_jupyterlab(browser, lab, path):
    page, problems = _open(browser, lab, path)
    try:
        page.evaluate(JS_RUN_ALL, RUN_ALL_SECONDS)
        page.wait_for_function(JS_IDLE, timeout=RUN_ALL_SECONDS * 1000)
        cells = page.evaluate(JS_OUTPUTS)
        page.screenshot(path=str(SHOTS / f"{path.stem}-end.png"))  # Run All leaves the last cell in view
        page.evaluate("() => window.jupyterapp.shell.currentWidget.content.scrollToItem(0)")
        page.screenshot(path=str(SHOTS / f"{path.stem}.png"))
        assert not _error_outputs(cells), f"{path.name} in the browser:\n" + "\n".join(_error_outputs(cells))
        unrun = [c["index"] for c in cells if c["source"].strip() and c["count"] is None]
        assert not unrun, f"{path.name}: cells {unrun} did not run"
        widgets = page.evaluate(JS_WIDGETS)
        assert not widgets["errors"], f"{path.name}: widgets failed to draw: {widgets['errors']}"
        assert not widgets["placeholders"], f"{path.name}: widgets shown as text: {widgets['placeholders']}"
        produced = sum(WIDGET_VIEW in o.get("data", {}) for c in cells for o in c["outputs"])
        if produced or _stored_widget_lesson(path):
            assert widgets["views"] > 0, f"{path.name}: widget outputs exist but none was drawn"
            assert widgets["sliders"] > 0, f"{path.name}: a widget lesson should offer a slider"
            _move_each_slider(page, path, widgets["sliders"])
        assert not problems, f"{path.name}: {problems}"
    finally:
        _shutdown_kernel(page)
        page.close()


@pytest.fixture(scope="module")
def lab_zh(lab):
    """``kit.py lab --lang zh``: a second server, after the English one's tests (they share this module)."""
    with tempfile.TemporaryDirectory(prefix="fedlearn-lab-zh-") as workdir:
        server = Lab(Path(workdir), lang="zh")
        try:
            server.wait_ready()
            yield server
        finally:
            server.stop()


ZH_EXERCISE = ROOT / "zh" / "exercises" / "00_welcome.ipynb"


def test_the_chinese_edition_in_jupyterlab(chromium_browser, lab_zh):
    """JupyterLab's menus in Chinese, the Chinese exercise runs, and its checks answer in Chinese."""
    from fedlearn_edu.i18n import catalogue

    page, problems = _open(chromium_browser, lab_zh, ZH_EXERCISE)
    try:
        menus = page.locator(".lm-MenuBar-itemLabel").all_inner_texts()
        assert "文件" in menus and "编辑" in menus, f"JupyterLab's menus are not in Chinese: {menus}"
        page.evaluate(JS_RUN_ALL, RUN_ALL_SECONDS)
        page.wait_for_function(JS_IDLE, timeout=RUN_ALL_SECONDS * 1000)
        cells = page.evaluate(JS_OUTPUTS)
        page.screenshot(path=str(SHOTS / "zh-00_welcome-exercises.png"))
        assert not _error_outputs(cells), "\n".join(_error_outputs(cells))
        text = json.dumps([o for c in cells for o in c["outputs"]], ensure_ascii=False)
        assert catalogue("zh")["Not attempted yet"] in text, "the checks did not answer in Chinese"
        assert "Not attempted yet" not in text
        assert not problems, problems
    finally:
        _shutdown_kernel(page)
        page.close()


def _move_each_slider(page, path: Path, count: int) -> None:
    """Nudge every slider that shares an output with a picture, and check the picture changes."""
    moved = 0
    for i in range(count):
        before = page.evaluate(JS_PICTURES, i)
        if before["count"] == 0:
            continue
        handle = page.locator(SLIDER).nth(i)
        handle.scroll_into_view_if_needed()
        handle.focus()
        handle.press("ArrowRight")
        try:
            page.wait_for_function(
                f"async () => (await ({JS_PICTURES})({i})).fingerprint !== {json.dumps(before['fingerprint'])}",
                timeout=REDRAW_SECONDS * 1000,
                polling=250,
            )
        except Exception as exc:  # Playwright's TimeoutError; say what a student would see
            raise AssertionError(
                f"{path.name}: slider {i} moved but its figure did not change within {REDRAW_SECONDS} s"
            ) from exc
        page.wait_for_function(JS_IDLE, timeout=REDRAW_SECONDS * 1000)
        moved += 1
        if moved == 1:
            handle.evaluate("h => h.closest('.jp-OutputArea-output').scrollIntoView()")
            page.screenshot(path=str(SHOTS / f"{path.stem}-widget.png"))
    assert moved > 0, f"{path.name}: no slider sits next to a figure it could redraw"


# ---------------------------------------------------------------------------------------------------------
# The built site and slides, opened from disk (file://) as a student or an instructor opens them offline.
# These need Chromium but no JupyterLab server.

SLIDE_VIEWPORT = {"width": 1280, "height": 720}
# Every screen of a deck, made current in turn (which runs the deck's figure fitting); the ones that overflow.
JS_OVERFLOWING_SCREENS = """() => {
  const found = [];
  Reveal.getHorizontalSlides().forEach((h, hi) => {
    const screens = h.classList.contains('stack') ? [...h.querySelectorAll(':scope > section')] : [h];
    screens.forEach((s, vi) => {
      Reveal.slide(hi, vi);
      if (window.fedlearnFitFigures) window.fedlearnFitFigures(s);
      const box = s.getBoundingClientRect();
      const fits = s.scrollHeight <= s.clientHeight + 1 && s.scrollWidth <= s.clientWidth + 1
        && box.bottom <= window.innerHeight + 1 && box.right <= window.innerWidth + 1;
      if (!fits) found.push({screen: `${hi + 1}.${vi + 1}`, height: s.scrollHeight, room: s.clientHeight,
                             width: s.scrollWidth, first: (s.innerText || '').trim().split('\\n')[0].slice(0, 60)});
    });
  });
  return found;
}"""
JS_BROKEN_IMAGES = """() => [...document.images]
  .filter(img => !(img.complete && img.naturalWidth > 0))
  .map(img => (img.getAttribute('src') || '').slice(0, 60))"""
JS_LINKS = "() => [...document.querySelectorAll('a[href]')].map(a => a.href)"
JS_IDS = "() => [...document.querySelectorAll('[id]')].map(e => e.id)"


@pytest.fixture(scope="module")
def built_site(tmp_path_factory):
    from authoring import site

    out = tmp_path_factory.mktemp("site")
    site.build(out)
    return out


@pytest.fixture(scope="module")
def offline_browser(chromium_browser):
    return chromium_browser


def _offline_page(browser, viewport=None):
    """A page that records console errors, page errors and any request that leaves the machine."""
    page = browser.new_page(viewport=viewport or {"width": 1280, "height": 900})
    problems: list[str] = []
    page.on("console", lambda m: m.type == "error" and problems.append(f"console error: {m.text}"))
    page.on("pageerror", lambda exc: problems.append(f"page error: {exc}"))
    page.on(
        "request",
        lambda r: r.url.startswith(("file:", "data:", "blob:")) or problems.append(f"network: {r.url}"),
    )
    return page, problems


def test_the_overflow_check_can_fail(offline_browser):
    """A screen with a block taller than the slide is reported; one that fits is not."""
    page, _ = _offline_page(offline_browser, SLIDE_VIEWPORT)
    try:
        page.set_content(
            "<script>window.Reveal = {getHorizontalSlides: () => [...document.querySelectorAll('body > section')],"
            " slide: () => {}};</script>"
            "<section style='height:700px;overflow-y:auto'><div style='height:400px'>fits</div></section>"
            "<section style='height:700px;overflow-y:auto'><div style='height:1400px'>too tall</div></section>"
        )
        found = page.evaluate(JS_OVERFLOWING_SCREENS)
    finally:
        page.close()
    assert [f["screen"] for f in found] == ["2.1"] and found[0]["first"] == "too tall"


def test_no_slide_overflows_at_1280x720(built_site, offline_browser):
    """Every screen of every deck fits a 1280x720 projector: nothing scrolls, nothing is cut off."""
    decks = sorted((built_site / "slides").glob("*.slides.html"))
    assert len(decks) == len(LESSONS)
    zh = sorted((built_site / "zh" / "slides").glob("*.slides.html"))  # the Chinese edition's decks
    assert len(zh) == len(LESSONS)
    overflowing, problems = [], []
    for deck in decks + zh:
        page, seen = _offline_page(offline_browser, SLIDE_VIEWPORT)
        try:
            page.goto(deck.as_uri())
            page.wait_for_function("() => window.Reveal && window.Reveal.isReady()", timeout=30_000)
            name = deck.relative_to(built_site).as_posix()
            overflowing += [f"{name} screen {s}" for s in page.evaluate(JS_OVERFLOWING_SCREENS)]
            problems += [f"{name}: {p}" for p in seen + page.evaluate(JS_BROKEN_IMAGES)]
        finally:
            page.close()
    assert not overflowing, (
        "screens taller or wider than the slide (split them with a subslide):\n"
        + "\n".join(map(str, overflowing))
    )
    assert not problems, problems


def test_site_pages_render_and_every_link_resolves(built_site, offline_browser):
    """Every page of the site loads offline with no console error, draws all its figures, and every link
    on it (to a page, a download, a deck, or an anchor) points at something that exists."""
    pages = sorted(p for p in built_site.rglob("*.html") if "assets" not in p.relative_to(built_site).parts)
    ids: dict[str, set[str]] = {}
    links: list[tuple[str, str]] = []
    problems = []
    for path in pages:
        page, seen = _offline_page(offline_browser)
        try:
            page.goto(path.as_uri())
            page.wait_for_load_state("load")
            if path.name.endswith(".slides.html"):
                page.wait_for_function("() => window.Reveal && window.Reveal.isReady()", timeout=30_000)
            broken = page.evaluate(JS_BROKEN_IMAGES)
            problems += [f"{path.name}: {p}" for p in seen] + [
                f"{path.name}: image not drawn {b}" for b in broken
            ]
            ids[path.as_uri()] = set(page.evaluate(JS_IDS))
            links += [(path.name, href) for href in page.evaluate(JS_LINKS)]
        finally:
            page.close()
    assert not problems, "\n".join(problems)
    from urllib.parse import unquote, urldefrag, urlparse

    unresolved = []
    for source, href in links:
        if not href.startswith("file:"):
            continue
        target, fragment = urldefrag(href)
        if fragment.startswith("/") and target.endswith(".slides.html"):
            fragment = ""  # reveal.js's own addresses of slides (#/3/1)
        file = Path(unquote(urlparse(target).path))
        if not file.exists():
            unresolved.append(f"{source}: {href}")
        elif (
            fragment
            and target in ids
            and fragment not in ids[target]
            and unquote(fragment) not in ids[target]
        ):
            unresolved.append(f"{source}: no #{fragment} in {file.name}")
    assert not unresolved, "\n".join(unresolved)
    assert len(links) > 10 * len(LESSONS)


def test_search_box_finds_a_known_term_offline(built_site, offline_browser):
    """Typing a term the course teaches lists the sections that use it; following a result lands on it."""
    page, problems = _offline_page(offline_browser)
    try:
        page.goto((built_site / "index.html").as_uri())
        page.fill("#search-box", "Krum")
        page.wait_for_function(
            "() => document.querySelectorAll('#search-results a').length > 0", timeout=10_000
        )
        hits = page.evaluate("() => [...document.querySelectorAll('#search-results a')].map(a => a.href)")
        page.fill("#search-box", "zzqxj no such words")
        page.wait_for_function(
            "() => /Nothing found/.test(document.querySelector('#search-results').innerText)"
        )
        page.fill("#search-box", "Krum")
        page.locator("#search-results a").first.click()
        page.wait_for_load_state("load")
        landed = page.evaluate("() => [location.pathname, location.hash.slice(1)]")
        found = "(h) => document.getElementById(h) !== null || document.getElementById(decodeURIComponent(h)) !== null"
        assert page.evaluate(found, landed[1]), f"the result's anchor is not on its page: {landed}"
    finally:
        page.close()
    assert any("07_attacks_on_the_model.html#" in h for h in hits), hits
    assert not problems, problems


def test_the_chinese_site_searches_in_chinese(built_site, offline_browser):
    """The Chinese front page finds a Chinese term offline, and says so in Chinese when nothing matches."""
    page, problems = _offline_page(offline_browser)
    try:
        page.goto((built_site / "zh" / "index.html").as_uri())
        page.fill("#search-box", "安全聚合")
        page.wait_for_function(
            "() => document.querySelectorAll('#search-results a').length > 0", timeout=10_000
        )
        hits = page.evaluate("() => [...document.querySelectorAll('#search-results a')].map(a => a.href)")
        page.fill("#search-box", "zzqxj")
        page.wait_for_function("() => /没有找到/.test(document.querySelector('#search-results').innerText)")
        english = page.evaluate("() => document.querySelector('a.language').getAttribute('href')")
    finally:
        page.close()
    assert any("zh/notebooks/06_privacy_is_not_automatic.html#" in h for h in hits), hits
    assert english == "../index.html"
    assert not problems, problems
