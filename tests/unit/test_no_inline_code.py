"""The Content-Security-Policy allows no inline script, style or event handler: none may come back into a
template (a data block, <script type="application/json">, is not code and stays allowed)."""

import re
from pathlib import Path

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
FORBIDDEN = {
    "style attribute": re.compile(r"""\sstyle\s*=""", re.I),
    "style element": re.compile(r"<style[\s>]", re.I),
    "event handler": re.compile(r"""\son[a-z]+\s*=\s*["'{]""", re.I),
    "javascript: URL": re.compile(r"javascript:", re.I),
    "inline script": re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.I),
}


def test_templates_hold_no_inline_code():
    found = [f"{path.relative_to(TEMPLATES)}:{n}: {kind}"
             for path in sorted(TEMPLATES.rglob("*.html"))
             for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
             for kind, pattern in FORBIDDEN.items() if pattern.search(line)]
    assert found == []


def test_the_guard_recognises_each_kind():
    samples = ['<p style="x">', "<style>p{}</style>", '<a onclick="go()">', '<a href="javascript:go()">',
               "<script>go()</script>"]
    assert all(any(p.search(s) for p in FORBIDDEN.values()) for s in samples)
    assert not any(p.search('<script type="application/json" id="d">') for p in FORBIDDEN.values())
    assert not any(p.search('<script src="/static/app.js" defer></script>') for p in FORBIDDEN.values())
