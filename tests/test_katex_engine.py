"""The formula engine (long-lived Node.js KaTeX workers) and the cache, from any thread."""

from __future__ import annotations

import os
import signal
import threading
from pathlib import Path

import pytest
from conftest import BASIC_CONFIG, math_tex, post, write_site
from selectolax.lexbor import LexborHTMLParser

from notesite import nodekatex
from notesite.katex import Formula, FormulaCache, KatexRenderer, Rendered
from notesite.mathrender import find_katex
from notesite.nodekatex import NodeKatex
from notesite.serve.incremental import IncrementalPipeline
from notesite.serve.state import LiveSite


@pytest.fixture
def engine() -> NodeKatex:
    dist = find_katex(Path.cwd())
    assert dist is not None, "run `npm ci`"
    engine = NodeKatex(dist, max_workers=2)
    yield engine
    engine.close()


def in_thread(function, *args):
    """Run `function` on a new thread (as the watcher does); return its result or raise."""
    outcome: dict[str, object] = {}

    def run() -> None:
        try:
            outcome["value"] = function(*args)
        except BaseException as error:
            outcome["error"] = error

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    if "error" in outcome:
        raise outcome["error"]  # type: ignore[misc]
    return outcome.get("value")


def shown_tex(live: LiveSite, page: str) -> list[str]:
    content = live.get(page)
    assert content is not None
    doc = LexborHTMLParser(content.decode())
    return [math_tex(node) for node in doc.css(".post-body .math")]


def test_rebuilds_on_other_threads_render_new_formulas(tmp_path: Path) -> None:
    root = write_site(tmp_path / "site", {"content/posts/rl/a.md": post(body="旧 $x$。")})
    note = root / "content/posts/rl/a.md"
    live = LiveSite(root, cache_dir=tmp_path / "cache")
    try:
        assert live.refresh().error is None  # the main thread opens the cache
        for number in range(3):  # each save on a thread of its own, as watchdog's timers
            note.write_text(post(body=f"旧 $x$。\n\n新 $y_{{{number}}}^2$。"), encoding="utf-8")
            result = in_thread(live.refresh, {"posts/a/index.html"}, {note})
            assert result.error is None
            assert shown_tex(live, "posts/a/index.html") == ["x", f"y_{{{number}}}^2"]
        config = root / "notesite.yaml"
        config.write_text(config.read_text().replace("测试站点", "新站名"), encoding="utf-8")
        assert in_thread(live.refresh, set(), {config}).error is None
        note.write_text(post(body="旧 $x$。\n\n$$\\frac{a}{b}$$"), encoding="utf-8")
        assert in_thread(live.refresh, set(), {note}).error is None
        assert shown_tex(live, "posts/a/index.html") == ["x", "\\frac{a}{b}"]
    finally:
        live.close()


def test_formula_cache_is_usable_from_another_thread(tmp_path: Path) -> None:
    cache = FormulaCache(tmp_path / "katex.sqlite")
    cache.put_many({"k1": Rendered("<b>1</b>", None)})
    assert in_thread(cache.get_many, ["k1"]) == {"k1": Rendered("<b>1</b>", None)}
    in_thread(cache.put_many, {"k2": Rendered(None, "bad")})
    assert cache.get_many(["k2"]) == {"k2": Rendered(None, "bad")}
    cache.close()


def test_worker_that_died_is_replaced_and_the_batch_rendered(engine: NodeKatex) -> None:
    first = engine.render([Formula("a^2", False)], {})
    assert first[0].html and "katex" in first[0].html
    (worker,) = engine.workers
    os.kill(worker.process.pid, signal.SIGKILL)
    worker.process.wait()
    again = engine.render([Formula("b^3", False), Formula("\\frac{", False)], {})
    assert again[0].html is not None and again[1].error is not None
    assert engine.started == 2


def test_start_keeps_one_live_worker(engine: NodeKatex) -> None:
    engine.start(1)
    (worker,) = engine.workers
    engine.start(1)
    assert engine.workers == [worker]  # already alive: nothing new
    os.kill(worker.process.pid, signal.SIGKILL)
    worker.process.wait()
    engine.start(1)
    assert len(engine.workers) == 1 and engine.workers[0] is not worker
    assert engine.workers[0].alive


def test_large_batch_is_split_across_workers_in_order(engine: NodeKatex) -> None:
    formulas = [Formula(f"x_{{{i}}} + \\alpha^{i}", i % 3 == 0) for i in range(450)]
    formulas.append(Formula("\\frac{", False))
    parallel = engine.render(formulas, {"\\R": "\\mathbb{R}"})
    assert len(engine.workers) == 2
    dist = find_katex(Path.cwd())
    assert dist is not None
    single = NodeKatex(dist, max_workers=1)
    try:
        assert single.render(formulas, {"\\R": "\\mathbb{R}"}) == parallel
    finally:
        single.close()
    assert parallel[-1].error is not None and all(r.html for r in parallel[:-1])


def test_close_stops_every_worker(engine: NodeKatex) -> None:
    engine.render([Formula(f"y_{i}", False) for i in range(500)], {})
    processes = [worker.process for worker in engine.workers]
    assert len(processes) == 2
    engine.close()
    assert [process.returncode for process in processes] == [0, 0]  # exited on their own
    assert engine.workers == []


def test_a_worker_never_asked_is_stopped_at_once(engine: NodeKatex) -> None:
    """A build starts a worker ahead and may find every formula in the cache: closing
    does not wait for KaTeX to load only to say goodbye."""
    engine.start(1)
    (worker,) = engine.workers
    engine.close()
    assert worker.process.returncode == -signal.SIGKILL
    assert engine.workers == []


def test_config_edit_keeps_formula_results_unless_macros_change(tmp_path: Path) -> None:
    root = write_site(tmp_path / "site", {"content/posts/rl/a.md": post(body="$x^2$")})
    pipeline = IncrementalPipeline(root, drafts=False, cache_dir=None)
    try:
        pipeline.run()
        renderer, engine = pipeline.katex, pipeline.engine
        assert isinstance(renderer, KatexRenderer) and engine is not None
        config = root / "notesite.yaml"
        config.write_text(config.read_text().replace("测试站点", "新站名"), encoding="utf-8")
        pipeline.invalidate({config})
        pipeline.run()
        assert pipeline.katex is renderer and pipeline.engine is engine
        config.write_text(
            BASIC_CONFIG + "math:\n  macros: {'\\R': '\\mathbb{R}'}\n", encoding="utf-8"
        )
        pipeline.invalidate({config})
        pipeline.run()
        assert pipeline.katex is not renderer and pipeline.engine is engine
        assert pipeline.katex.macros == {"\\R": "\\mathbb{R}"}
    finally:
        pipeline.close()
    assert engine.workers == []  # type: ignore[attr-defined]


@pytest.mark.parametrize(("cores", "workers"), [(1, 1), (2, 1), (3, 1), (4, 2), (8, 4), (64, 4)])
def test_a_large_batch_goes_to_one_worker_per_two_cores(
    monkeypatch: pytest.MonkeyPatch, cores: int, workers: int
) -> None:
    """One Node.js process keeps more than a core busy (V8's own threads): a second one
    on a two-core machine only competes with it."""
    monkeypatch.setattr(nodekatex, "default_jobs", lambda: cores)
    dist = find_katex(Path.cwd())
    assert dist is not None, "run `npm ci`"
    engine = NodeKatex(dist)
    try:
        formulas = [Formula(f"x_{{{i}}} + \\frac{{{i}}}{{2}}", False) for i in range(1_000)]
        results = engine.render(formulas, {})
        assert all(r.html and f"{i}" in r.html for i, r in enumerate(results))
        assert engine.started == len(engine.workers) == workers
    finally:
        engine.close()


FEED_CHECKS = [
    ("a^2", False),
    ("\\frac{\\partial L}{\\partial \\theta}", True),
    ("\\text{<math> & </math>}", False),
    ("\\begin{pmatrix} a & b \\\\ c & d \\end{pmatrix}", True),
    ("x = 1 \\tag{3}", True),
    ("\\R^n \\ni v", False),
    ("强化学习 \\text{中文} \\alpha", False),
    ("\\frac{", False),  # an error: the same for both forms
]


def test_feed_forms_taken_from_page_forms_are_katex_mathml_output(tmp_path: Path) -> None:
    """A feed's formula (MathML only) is taken out of the page's rendering of the same
    formula, not rendered again, and is what KaTeX renders with `output: mathml`."""
    dist = find_katex(Path.cwd())
    assert dist is not None, "run `npm ci`"
    engine = NodeKatex(dist, max_workers=1)
    macros = {"\\R": "\\mathbb{R}"}
    asked: list[Formula] = []
    real_render = engine.render

    def render(formulas: list[Formula], macros: dict[str, str]) -> list[Rendered]:
        asked.extend(formulas)
        return real_render(formulas, macros)

    try:
        engine.render = render  # type: ignore[method-assign]
        renderer = KatexRenderer(engine, macros, tmp_path / "katex.sqlite")
        pages = [Formula(tex, display) for tex, display in FEED_CHECKS]
        feeds = [Formula(tex, display, "mathml") for tex, display in FEED_CHECKS]
        results = renderer.render_all(pages + feeds)
        assert sorted(asked) == sorted(pages)  # no feed form went to KaTeX
        assert renderer.rendered_count == len(pages + feeds)
        assert [results[f] for f in feeds] == real_render(feeds, macros)
        assert results[feeds[0]].html.startswith('<span class="katex"><math')
        assert results[feeds[-1]].error and results[feeds[-1]].error == results[pages[-1]].error
        # A later batch finds the page form in memory; a new renderer, in the cache.
        asked.clear()
        more = Formula("b_1", False)
        renderer.render_all([more])
        renderer.render_all([more._replace(output="mathml")])
        assert asked == [more]
        asked.clear()
        again = KatexRenderer(engine, macros, tmp_path / "katex.sqlite")
        found = again.render_all(feeds)
        assert not asked and [found[f] for f in feeds] == [results[f] for f in feeds]
    finally:
        engine.close()


def test_a_page_form_without_mathml_leaves_the_feed_form_to_katex(tmp_path: Path) -> None:
    class HtmlOnly:
        """An engine whose page forms hold no <math> element."""

        version = "test"
        asked: list[Formula] = []

        def render(self, formulas: list[Formula], macros: dict[str, str]) -> list[Rendered]:
            self.asked.extend(formulas)
            return [Rendered(f"<span>{f.tex}:{f.output}</span>", None) for f in formulas]

        def close(self) -> None:
            pass

    engine = HtmlOnly()
    renderer = KatexRenderer(engine, {}, tmp_path / "katex.sqlite")  # type: ignore[arg-type]
    page, feed = Formula("y", False), Formula("y", False, "mathml")
    results = renderer.render_all([page, feed])
    assert results[feed] == Rendered("<span>y:mathml</span>", None)
    assert engine.asked == [page, feed]
