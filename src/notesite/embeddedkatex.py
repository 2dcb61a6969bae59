"""KaTeX in V8 embedded in this process (PyPI `mini-racer`): math without Node.js.

It evaluates the same `katex.min.js` and the same `katex_render.js` as the Node.js
worker, so its HTML is byte-identical; it is slower per formula (~1.8x, see
docs/ARCHITECTURE.md), which only matters for formulas not in the cache.

Thread safety: one V8 context, used under a lock; `render` may be called from any thread.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Sequence
from pathlib import Path

from notesite.katex import Formula, KatexUnavailable, Rendered, katex_version

RENDER_SCRIPT = Path(__file__).with_name("katex_render.js")


def embedded_available() -> bool:
    """Is mini-racer installed (and loadable on this platform)?"""
    try:
        import py_mini_racer  # noqa: F401
    except ImportError:
        return False
    return True


class EmbeddedKatex:
    """A V8 context with KaTeX loaded, answering batches until closed."""

    name = "embedded V8 (mini-racer)"

    def __init__(self, dist: Path) -> None:
        try:
            from py_mini_racer import MiniRacer
        except ImportError as error:
            raise KatexUnavailable(f"mini-racer cannot be loaded ({error})") from None
        self.dist = dist.resolve()
        self.version = katex_version(self.dist)
        self.lock = threading.Lock()
        self.context: MiniRacer | None = MiniRacer()
        self.context.eval((self.dist / "katex.min.js").read_text(encoding="utf-8"))
        self.context.eval(RENDER_SCRIPT.read_text(encoding="utf-8"))
        self.context.eval("notesiteWarmUp(katex)")

    def start(self, count: int = 1) -> None:
        """Nothing to start: the context is made and warmed up with the engine."""

    def render(self, formulas: Sequence[Formula], macros: dict[str, str]) -> list[Rendered]:
        """Results in the order of `formulas`."""
        if not formulas:
            return []
        request = {"macros": macros, "formulas": [[f.tex, f.display, f.output] for f in formulas]}
        # The request goes in as a JS string literal (JSON-quoted) and is parsed there.
        literal = json.dumps(json.dumps(request, ensure_ascii=False))
        script = f"JSON.stringify(notesiteRenderBatch(katex, JSON.parse({literal})))"
        with self.lock:
            if self.context is None:
                raise KatexUnavailable("the embedded KaTeX engine was closed")
            reply = self.context.eval(script)
        results = json.loads(str(reply))["results"]
        return [Rendered(html, error) for html, error in results]

    def close(self) -> None:
        with self.lock:
            if self.context is not None:
                self.context.close()
                self.context = None
