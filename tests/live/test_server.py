"""`cppn-motion live` at the HTTP level: a real server on 127.0.0.1 (a free port), bounded in time.
The last two also run the page itself in headless Chromium (skipped where none is installed)."""
from __future__ import annotations

import html
import http.client
import json
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from headless import FLAGS, chromium, needs_chromium
from live_server import TIMEOUT, Running
from live_server import saved as _write
from tiny import tiny_preset

from cppn_motion.cli.live import render_mp4
from cppn_motion.cli.main import main
from cppn_motion.config.presets import load_preset, preset_to_yaml
from cppn_motion.config.recorded import recorded_preset
from cppn_motion.errors import ConfigError, UserError
from cppn_motion.live import server as server_module
from cppn_motion.live.page import PRESET_ELEMENT_ID
from cppn_motion.live.render_job import RenderJob
from cppn_motion.live.server import host_name


@pytest.fixture
def preset_file(tmp_path) -> Path:
    path = tmp_path / "mine.yaml"
    _write(path, preset_to_yaml(tiny_preset(name="mine", seed=3)))
    return path


@pytest.fixture
def running(preset_file):
    server = Running(str(preset_file))
    yield server
    server.close()


def test_serves_the_page_with_its_preset_and_no_outside_address(running):
    status, kind, page = running.request("GET", "/")
    assert status == 200 and kind == "text/html; charset=utf-8"
    assert f'id="{PRESET_ELEMENT_ID}"' in page and "seed: 3" in page
    assert "connect-src 'self'" in page  # it may ask its own server, and nothing else
    assert not re.search(r"https?://|//[a-z0-9.-]+\.[a-z]{2,}/", page, re.IGNORECASE)
    assert running.request("GET", "/nothing")[0] == 404


def test_saving_the_file_bumps_the_version_and_the_page_follows(running, preset_file):
    first = running.version()
    assert first["error"] is None and first["values"]["seed"] == "3"
    _write(preset_file, preset_file.read_text(encoding="utf-8").replace("seed: 3", "seed: 11"))
    state = running.wait_for(lambda s: s["version"] > first["version"])
    assert state["version"] > first["version"] and state["error"] is None  # within 2 s (the watcher polls 0.1 s)
    assert state["values"]["seed"] == "11"
    assert "seed: 11" in running.request("GET", "/")[2]


def test_a_bad_value_in_the_file_is_one_line_and_the_last_good_page_stays(running, preset_file):
    good = running.request("GET", "/")[2]
    first = running.version()
    _write(preset_file, preset_file.read_text(encoding="utf-8").replace("\n  depth: 8\n", "\n  depth: 0\n"))
    state = running.wait_for(lambda s: s["error"] is not None)
    with pytest.raises(ConfigError) as refused:
        load_preset(preset_file)  # what `cppn-motion render mine.yaml` says
    assert state["error"] == str(refused.value) and "\n" not in state["error"]
    assert "net.depth" in state["error"] and state["version"] > first["version"]
    assert running.request("GET", "/")[2] == good


def test_the_panel_applies_values_as_set_does_and_refuses_bad_ones_in_one_line(running, preset_file):
    status, _, text = running.request("POST", "/set", {"net.depth": "0"})
    with pytest.raises(ConfigError) as refused:
        load_preset(preset_file, ["net.depth=0"])  # what `--set net.depth=0` says
    assert status == 400 and json.loads(text)["error"] == str(refused.value)
    before = running.version()["version"]
    status, _, text = running.request("POST", "/set", {"net.depth": "3", "colour.mode": "palette"})
    assert status == 200 and json.loads(text)["version"] == before + 1
    assert json.loads(text)["values"]["net.depth"] == "3"
    assert "depth: 3" in running.request("GET", "/")[2]


def test_save_writes_an_edited_preset_that_renders_the_same(running, preset_file, monkeypatch):
    monkeypatch.chdir(preset_file.parent)  # the working folder: nothing is written outside it
    running.request("POST", "/set", {"seed": "42"})
    status, _, text = running.request("POST", "/save", {})
    saved = Path(json.loads(text)["path"])
    assert status == 200 and saved == preset_file.parent.resolve() / "mine.edited.yaml"
    assert preset_to_yaml(load_preset(saved)) == preset_to_yaml(load_preset(preset_file, {"seed": 42}))


def test_other_hosts_and_sites_are_refused(running):
    status, _, text = running.request("GET", "/", headers={"Host": f"attacker.example:{running.port}"})
    assert status == 403 and "attacker.example" in text and "\n" not in text.strip()
    status, _, _ = running.request("POST", "/set", {"seed": "1"}, headers={"Origin": "http://attacker.example"})
    assert status == 403
    status, _, _ = running.request("POST", "/set", "seed=1", headers={"Content-Type": "text/plain"})
    assert status == 415  # a form on another site cannot post JSON without asking first
    assert running.request("GET", "/", headers={"Host": f"localhost:{running.port}"})[0] == 200
    assert running.version()["values"]["seed"] == "3"  # nothing refused changed anything


def test_host_names():
    assert host_name("localhost:8000") == "localhost" and host_name("127.0.0.1") == "127.0.0.1"
    assert host_name("LOCALHOST") == "localhost" and host_name("[::1]:80") == "[::1]"
    assert host_name("127.0.0.1.attacker.example:80") == "127.0.0.1.attacker.example"


def test_a_bundled_name_is_served_without_following_a_file():
    server = Running("default")
    try:
        assert server.state.path is None and server.request("GET", "/")[0] == 200
    finally:
        server.close()


def test_the_command_refuses_a_preset_that_does_not_build_in_one_line(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text("net: {depth: 0}\n", encoding="utf-8")
    assert main(["live", str(bad), "--no-browser"]) == 2
    error = capsys.readouterr().err
    assert error.startswith("cppn-motion: error:") and "net.depth" in error and error.count("\n") == 1
    assert main(["live", "--port", "70000", "--no-browser"]) == 2


def test_the_command_prints_its_address_and_serves(preset_file):
    process = subprocess.Popen([sys.executable, "-m", "cppn_motion", "live", str(preset_file), "--no-browser"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    killer = threading.Timer(60, process.kill)  # bounded: a hung start fails the test instead of the run
    killer.start()
    try:
        line = process.stdout.readline()  # printed once the page is built and the port is open
        match = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
        assert match, (line, process.stderr.read() if process.poll() is not None else "")
        connection = http.client.HTTPConnection("127.0.0.1", int(match.group(1)), timeout=TIMEOUT)
        connection.request("GET", "/version")
        assert json.loads(connection.getresponse().read())["values"]["seed"] == "3"
        connection.close()
    finally:
        killer.cancel()
        process.terminate()
        process.wait(TIMEOUT)


def _browse(running: Running, path: str) -> str:
    """The DOM after 3 s of the page's (virtual) time in headless Chromium."""
    # Every name but this server's address still fails to resolve.
    flags = [f"{flag}, EXCLUDE 127.0.0.1" if flag.startswith("--host-resolver-rules") else flag for flag in FLAGS]
    done = subprocess.run([chromium(), *flags, "--virtual-time-budget=3000", "--dump-dom",
                           f"http://127.0.0.1:{running.port}{path}"], capture_output=True, text=True, timeout=120)
    return done.stdout


@needs_chromium
def test_the_served_page_asks_its_server_and_shows_a_refused_value(running, preset_file):
    """In a real browser: the page's policy lets it poll its own server, and a bad save shows the
    CLI's one line in the bar while the picture stays (the player did not fail)."""
    _write(preset_file, preset_file.read_text(encoding="utf-8").replace("\n  depth: 8\n", "\n  depth: 0\n"))
    error = running.wait_for(lambda s: s["error"] is not None)["error"]
    dom = _browse(running, "/?w=32&h=18")
    assert 'id="cppn-motion-error"' not in dom and 'id="cppn-motion-blocked"' not in dom, dom[-2000:]
    bar = re.search(r'<div id="live-bar"[^>]*>([^<]*)</div>', dom)
    assert bar and html.unescape(bar.group(1)) == error, bar and bar.group(0)


@needs_chromium
def test_the_page_reloads_itself_at_the_same_moment_when_the_preset_changed(running, preset_file, monkeypatch):
    """The file is saved just after the page was served (made deterministic: the save happens in
    the request itself): the page sees the new version, reloads with ?start= at its moment, and
    shows the new preset."""
    paths: list[str] = []
    serve = server_module._Handler.do_GET

    def recording(handler) -> None:
        paths.append(handler.path)
        serve(handler)
        if len(paths) == 1:  # the first page is out: now the artist saves
            _write(preset_file, preset_file.read_text(encoding="utf-8").replace("seed: 3", "seed: 11"))
            running.state.poll()

    monkeypatch.setattr(server_module._Handler, "do_GET", recording)
    dom = _browse(running, "/?w=32&h=18")
    assert 'id="cppn-motion-error"' not in dom
    assert "seed: 11" in dom and 'name="seed" value="11"' in dom  # the page now shown is the saved preset's
    reloads = [path for path in paths if "start=" in path]
    assert reloads and re.search(r"[?&]start=0\.\d+", reloads[0]) and "w=32" in reloads[0], paths


def test_a_key_the_file_changes_is_the_files_again_and_the_panels_others_stay(running, preset_file):
    running.request("POST", "/set", {"net.depth": "3", "seed": "5"})
    _write(preset_file, preset_file.read_text(encoding="utf-8").replace("\n  depth: 8\n", "\n  depth: 6\n"))
    state = running.wait_for(lambda s: s["values"]["net.depth"] != "3")
    assert state["values"]["net.depth"] == "6" and state["values"]["seed"] == "5"


def test_render_mp4_runs_the_real_render_into_the_working_folder(preset_file, monkeypatch):
    monkeypatch.chdir(preset_file.parent)
    server = Running(str(preset_file), render=render_mp4)
    try:
        status, _, text = server.request("POST", "/render", {})
        assert status == 200 and json.loads(text)["render"]["total"] == 6
        state = server.wait_for(lambda s: not s["render"]["running"], seconds=60)["render"]
        assert state["error"] is None and state["done"] == 6
        written = Path(state["path"])
        assert written == preset_file.parent.resolve() / "outputs" / "mine.mp4" and written.stat().st_size > 0
        assert preset_to_yaml(recorded_preset(written)[0]) == preset_to_yaml(load_preset(preset_file))
    finally:
        server.close()
    bare = Running(str(preset_file))  # a server without a renderer says so in one line
    try:
        status, _, text = bare.request("POST", "/render", {})
        assert status == 400 and json.loads(text)["error"] == "render: this server was started without a renderer"
    finally:
        bare.close()


def test_render_progress_adds_up_the_batches_and_a_second_render_waits(tmp_path):
    release = threading.Event()

    def batches(preset, target, progress):  # as the renderer calls its hook: 0, then each batch's frames
        for frames in (0, 2, 4):
            progress(frames)
        release.wait(TIMEOUT)
        return target

    job = RenderJob(batches)
    job.start(tiny_preset(name="clip"), tmp_path)
    with pytest.raises(UserError, match=r"render: one is running \(\d of 6 frames\); wait for it"):
        job.start(tiny_preset(name="clip"), tmp_path)
    release.set()
    deadline = time.monotonic() + TIMEOUT
    while job.status()["running"] and time.monotonic() < deadline:
        time.sleep(0.02)
    assert job.status() == {"running": False, "done": 6, "total": 6, "error": None,
                            "path": str(tmp_path.resolve() / "outputs" / "clip.mp4")}
