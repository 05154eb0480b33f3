"""How long from saving a preset file to the new picture on the `cppn-motion live` page, measured
end to end: the real command in its own process, the page in headless Chromium (WebGL2 through
SwiftShader here), the file saved as an editor would.

    python bench/live_reload.py [--saves 7] [--size 64x36] [--preset default]

Per save: the seed is changed in the file (time.time() just before the write); the page is polled
over the DevTools protocol until the document showing the new seed has drawn its first frame. A
script injected into every new document (the page's own code is unchanged) follows the page's
first drawArrays with a 1-pixel readPixels, which waits for the GPU work, and records Date.now().
Printed per save and as medians: save -> the new page's navigation start (the server's file poll
+ rebuild + the page's /version poll) and navigation start -> the first frame drawn (load,
shader compile, one frame at the given canvas size).
"""
from __future__ import annotations

import argparse
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from cdp import Browser  # noqa: E402
from headless import FLAGS  # noqa: E402

from cppn_motion.config.presets import load_preset, preset_to_yaml  # noqa: E402

# Injected before the page's scripts: time the first frame's completion.
FIRST_FRAME = """(() => {
  const draw = WebGL2RenderingContext.prototype.drawArrays;
  WebGL2RenderingContext.prototype.drawArrays = function (...args) {
    draw.apply(this, args);
    if (window.cppnFirstDrawn === undefined) {
      this.readPixels(0, 0, 1, 1, this.RGBA, this.UNSIGNED_BYTE, new Uint8Array(4));
      window.cppnFirstDrawn = Date.now();
    }
  };
})();"""
DRAWN = "window.cppnFirstDrawn !== undefined && [window.cppnFirstDrawn, performance.timeOrigin]"


def start_server(path: Path) -> tuple[subprocess.Popen, str]:
    process = subprocess.Popen([sys.executable, "-m", "cppn_motion", "live", str(path), "--no-browser"],
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    line = process.stdout.readline()
    match = re.search(r"http://127\.0\.0\.1:\d+/", line)
    if not match:
        process.kill()
        raise SystemExit(f"cppn-motion live did not start: {line!r}")
    return process, match.group(0)


def shows_seed(seed: int) -> str:
    return (f"(() => {{ const p = document.getElementById('cppn-motion-preset');"
            f" return !!p && p.textContent.includes('\\nseed: {seed}\\n') && typeof gl !== 'undefined'; }})()")


def one_save(browser: Browser, path: Path, text: str, seed: int) -> tuple[float, float]:
    """(save -> navigation start, navigation start -> drawn) in seconds for one save."""
    saved_at = time.time()
    path.write_text(re.sub(r"\nseed: \d+\n", f"\nseed: {seed}\n", text), encoding="utf-8")
    browser.wait_for(shows_seed(seed), timeout=600, interval=0.02)
    drawn_ms, origin_ms = browser.wait_for(DRAWN, timeout=600, interval=0.02)
    return origin_ms / 1000 - saved_at, (drawn_ms - origin_ms) / 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--saves", type=int, default=7)
    parser.add_argument("--size", default="64x36", help="the page's canvas (?w=&h=), WxH")
    parser.add_argument("--preset", default="default")
    args = parser.parse_args()
    width, height = (int(part) for part in args.size.split("x"))
    folder = Path(tempfile.mkdtemp(prefix="live-reload-"))
    path = folder / "mine.yaml"
    text = preset_to_yaml(load_preset(args.preset, {"name": "mine"}))
    path.write_text(text, encoding="utf-8")
    process, url = start_server(path)
    flags = [f"{flag}, EXCLUDE 127.0.0.1" if flag.startswith("--host-resolver-rules") else flag for flag in FLAGS]
    detect, draw, total = [], [], []
    try:
        with Browser(1280, 720, flags) as browser:
            browser.send("Page.enable")  # without it the script below is not injected
            browser.send("Page.addScriptToEvaluateOnNewDocument", {"source": FIRST_FRAME})
            browser.open(f"{url}?w={width}&h={height}")
            seed = load_preset(path).seed
            browser.wait_for(shows_seed(seed), timeout=600)
            browser.wait_for(DRAWN, timeout=600)
            for k in range(args.saves):
                time.sleep(1.0)  # let the page settle (its poll, a frame) before the next save
                found, drawn = one_save(browser, path, text, seed + 1 + k)
                detect.append(found)
                draw.append(drawn)
                total.append(found + drawn)
                print(f"save {k + 1}: {found + drawn:.2f} s (to navigation {found:.2f} s, then drawn {drawn:.2f} s)",
                      flush=True)
    finally:
        process.terminate()
        process.wait(10)
    print(f"{args.preset} at {args.size}, {args.saves} saves: median {statistics.median(total):.2f} s "
          f"(min {min(total):.2f}, max {max(total):.2f}); to navigation {statistics.median(detect):.2f} s, "
          f"navigation to drawn {statistics.median(draw):.2f} s")


if __name__ == "__main__":
    main()
