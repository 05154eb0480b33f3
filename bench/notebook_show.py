"""Does `cm.show(preset)` draw in a real Jupyter kernel's output? Executes a two-cell notebook
headlessly (nbclient + ipykernel: install them in your own environment, they are not project
dependencies), takes the cell's text/html output, puts it in a page as a notebook front end
would, opens it in headless Chromium (SwiftShader) and saves a screenshot.

    python bench/notebook_show.py [--out show.png] [--wait 40]

Prints the output's MIME types and size and the screenshot's pixel statistics over the frame
(a blank or failed frame has a standard deviation near 0)."""
from __future__ import annotations

import argparse
import io
import sys
import tempfile
import time
from pathlib import Path

import nbformat
import numpy as np
from nbclient import NotebookClient
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from cdp import Browser  # noqa: E402

CELLS = ["import cppn_motion as cm", 'cm.show("default", {"canvas.width": 320, "canvas.height": 180})']


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", default="notebook_show.png")
    parser.add_argument("--wait", type=float, default=40, help="seconds to let the page draw (SwiftShader is slow)")
    args = parser.parse_args()
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell(source) for source in CELLS]
    NotebookClient(notebook, timeout=600, kernel_name="python3").execute()
    output = notebook.cells[-1].outputs[0]
    print(output.output_type, sorted(output["data"]), f"{len(output['data']['text/html']) // 1024} KB of HTML")
    page = Path(tempfile.mkdtemp(prefix="notebook-show-")) / "output.html"
    page.write_text("<!doctype html><html><head><meta charset='utf-8'></head><body style='margin:0'>"
                    f"<div style='width:320px'>{output['data']['text/html']}</div></body></html>", encoding="utf-8")
    with Browser(400, 240) as browser:
        browser.open(page.as_uri())
        time.sleep(args.wait)
        png = browser.screenshot("png")
    Path(args.out).write_bytes(png)
    frame = np.asarray(Image.open(io.BytesIO(png)).convert("RGB"))[:180, :320]
    print(f"frame: std {frame.std():.1f}, mean RGB {frame.reshape(-1, 3).mean(0).round(1).tolist()}; screenshot {args.out}")


if __name__ == "__main__":
    main()
