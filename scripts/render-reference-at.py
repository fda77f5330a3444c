#!/usr/bin/env python3
"""Runs the reference renderer (../shared/tools/render_reference.py) with a fixed clock, so that
templates calling strftime_now (Llama 3.2's date default) render reproducible goldens.
Usage: render-reference-at.py YYYY-MM-DDTHH:MM:SS RENDERER TEMPLATE CASES.json > RENDERED.json
The reference renderer is run unchanged; only datetime.now() is pinned (naive local time, which is
what its strftime_now formats)."""
import datetime as _datetime
import runpy
import sys

now_text, renderer, template, cases = sys.argv[1:5]
fixed = _datetime.datetime.fromisoformat(now_text)


class _FixedDatetime(_datetime.datetime):
    @classmethod
    def now(cls, tz=None):
        return fixed if tz is None else fixed.replace(tzinfo=tz)


_datetime.datetime = _FixedDatetime
sys.argv = [renderer, template, cases]
runpy.run_path(renderer, run_name="__main__")
