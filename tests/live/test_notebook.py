"""`cm.show(preset)`: the exported page inline in a notebook, in a sandboxed iframe, with no server."""
from __future__ import annotations

import html
import re

from tiny import tiny_preset

import cppn_motion as cm
from cppn_motion.live.export import live_html
from cppn_motion.live.notebook import LivePreview, show
from cppn_motion.live.page import CSP


def test_show_is_the_notebook_api():
    assert cm.show is show and "show" in cm.__all__


def test_the_cell_holds_the_page_itself_and_no_address():
    preset = tiny_preset(name="inline", seed=5)
    shown = show(preset)
    assert isinstance(shown, LivePreview) and shown.html == live_html(preset)
    cell = shown._repr_html_()
    srcdoc = re.fullmatch(r'<iframe srcdoc="([^"]*)" sandbox="allow-scripts allow-downloads" style="[^"]*" '
                          r'title="[^"]*"></iframe>', cell)
    assert srcdoc, cell[:200]
    assert html.unescape(srcdoc.group(1)) == shown.html  # the same self-contained page, intact
    assert f'content="{CSP}"' in shown.html  # its policy still forbids every request
    assert not re.search(r"https?://|//[a-z0-9.-]+\.[a-z]{2,}/", cell, re.IGNORECASE)
    assert "aspect-ratio: 32 / 18" in cell and "max-width: 32px" in cell


def test_show_takes_a_name_and_overrides():
    shown = show("default", {"seed": 9}, width=400)
    assert shown.preset.seed == 9 and "max-width: 400px" in shown._repr_html_()
