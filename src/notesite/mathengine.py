"""Which JavaScript engine renders KaTeX: Node.js when it is on PATH (fastest), else
V8 embedded through mini-racer; both run the same script, so the HTML is the same.

`NOTESITE_MATH_ENGINE=node|embedded` forces one (tests compare them).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from notesite.embeddedkatex import EmbeddedKatex, embedded_available
from notesite.katex import FormulaEngine, KatexUnavailable
from notesite.nodekatex import NodeKatex

ENGINE_ENV = "NOTESITE_MATH_ENGINE"
NO_ENGINE = (
    "server-side math needs a JavaScript engine: install Node.js (https://nodejs.org) "
    "or `pip install mini-racer`, or set `math: {render: client}` in notesite.yaml"
)


def chosen_engine() -> str | None:
    """'node', 'embedded', or None when neither is available."""
    forced = os.environ.get(ENGINE_ENV)
    if forced in ("node", "embedded"):
        return forced
    if shutil.which("node") is not None:
        return "node"
    if embedded_available():
        return "embedded"
    return None


def start_engine(dist: Path) -> FormulaEngine:
    """The engine for KaTeX's `dist` folder; KatexUnavailable names what to install."""
    choice = chosen_engine()
    if choice == "node":
        return NodeKatex(dist)
    if choice == "embedded":
        return EmbeddedKatex(dist)
    raise KatexUnavailable(NO_ENGINE)


def describe_engine() -> str:
    """For `notesite --version`: the engine a build would use."""
    choice = chosen_engine()
    if choice == "node":
        node = shutil.which("node")
        if node is None:
            return "Node.js (forced, but `node` is not on PATH)"
        version = subprocess.run([node, "--version"], capture_output=True, text=True).stdout
        return f"Node.js {version.strip()} ({node})"
    if choice == "embedded":
        from importlib.metadata import version

        return f"embedded V8 (mini-racer {version('mini-racer')})"
    return "none (install Node.js or mini-racer)"
