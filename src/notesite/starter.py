"""What `notesite init` writes: a complete small site, as {site-relative path: text}.

Chinese and English have their own words; any other language gets the English
text (and a copy of the theme's English UI strings to translate), so the site
builds with `--strict` whatever languages were asked for.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from notesite import __version__
from notesite.theme import builtin_theme_dir

# name, locale, site title, about page title, note title, note body, about body
KNOWN_NAMES = {"zh": ("中文", "zh-CN"), "en": ("English", "en")}


# The formula and the code block both languages' starter notes show.
RETURN_FORMULA = """\
$$
G_t = \\sum_{k=0}^{\\infty} \\gamma^k R_{t+k+1} \\label{eq:return}
$$
"""
RETURN_CODE = """\
```python
def discounted_return(rewards: list[float], gamma: float) -> float:
    total = 0.0
    for reward in reversed(rewards):
        total = reward + gamma * total
    return total
```
"""


@dataclass(frozen=True)
class Words:
    site_title: str
    category: str
    note_title: str
    note: str
    about_title: str
    about: str


ZH = Words(
    site_title="我的笔记",
    category="强化学习",
    note_title="第一篇笔记：折扣回报",
    note="""\
这是 notesite 为你生成的第一篇笔记，可以直接修改或删除。公式在构建时由 KaTeX
渲染，读者无需 JavaScript。

<!--more-->

## 公式

行内公式写在 `$…$` 之间，例如折扣因子 $\\gamma \\in [0, 1)$。独立公式写在
`$$…$$` 之间，加上 `\\label` 即可编号并引用：

"""
    + RETURN_FORMULA
    + """
式 \\eqref{eq:return} 在奖励有界时收敛。

## 代码

"""
    + RETURN_CODE
    + """
用 `notesite new "标题"` 新建笔记；英文版放在同名的 `.en.md` 文件里。
""",
    about_title="关于",
    about="这里介绍你自己和这个网站。编辑 `content/pages/about.md` 即可修改本页。\n",
)

EN = Words(
    site_title="My Notes",
    category="Reinforcement Learning",
    note_title="First note: the discounted return",
    note="""\
This is the first note notesite made for you; edit it or delete it. Formulas
are rendered by KaTeX when the site is built, so readers need no JavaScript.

<!--more-->

## Formulas

Inline math goes between `$…$`, such as the discount factor
$\\gamma \\in [0, 1)$. Display math goes between `$$…$$`; a `\\label` numbers it
so that you can refer to it:

"""
    + RETURN_FORMULA
    + """
Equation \\eqref{eq:return} converges when rewards are bounded.

## Code

"""
    + RETURN_CODE
    + """
Start a note with `notesite new "Title"`; a translation goes in the file of the
same name ending in `.<language>.md`.
""",
    about_title="About",
    about="Say who you are and what this site is about: edit `content/pages/about.md`.\n",
)


def words(lang: str) -> Words:
    return ZH if lang == "zh" else EN


def config_text(languages: list[str], default: str, title: str | None) -> str:
    """notesite.yaml, with a comment on every setting."""
    titles = {lang: title or words(lang).site_title for lang in languages}
    lines = [
        "# notesite configuration: every key is described in notesite's README,",
        '# "Configuration reference".',
        f"title: {_flow(titles)}",
        "# author: Your Name        # shown on notes and in feeds",
        "# The address of the published site. Its path (here: none) prefixes every",
        "# link; the GitHub Pages workflow passes the real one with --base-url.",
        "base_url: /",
        f"default_language: {default}       # at /; the other languages under /<language>/",
        "timezone: UTC              # dates without an offset are in this zone",
        "languages:",
    ]
    for lang in languages:
        name, locale = KNOWN_NAMES.get(lang, (lang, lang))
        lines.append(f"  {lang}: {{name: {name}, locale: {locale}}}")
    lines += [
        "# Each note's category: the folder under content/posts/, or `category:`.",
        "categories:",
        f"  rl: {_flow({lang: words(lang).category for lang in languages})}",
        "math:",
        "  render: server           # KaTeX at build time; `client`: in the browser",
        "  macros:                  # used in every formula",
        "    \\E: \\mathbb{E}",
        "",
    ]
    return "\n".join(lines)


def _flow(values: dict[str, str]) -> str:
    """A one-line YAML mapping, values quoted."""
    return "{" + ", ".join(f"{lang}: {_quoted(text)}" for lang, text in values.items()) + "}"


def _quoted(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def note_text(title: str, day: date, body: str) -> str:
    return f"---\ntitle: {_quoted(title)}\ndate: {day.isoformat()}\ntags: [rl]\n---\n\n{body}"


def page_text(title: str, day: date, body: str) -> str:
    return f"---\ntitle: {_quoted(title)}\ndate: {day.isoformat()}\n---\n\n{body}"


GITIGNORE = """\
# notesite's output (the GitHub Pages workflow builds it)
public/
.venv/
__pycache__/
"""


def starter_files(
    languages: list[str], default: str, title: str | None, day: date
) -> dict[str, str]:
    """Every file of the starter site; the default language's files have no suffix."""
    files = {"notesite.yaml": config_text(languages, default, title), ".gitignore": GITIGNORE}
    for lang in languages:
        suffix = "" if lang == default else f".{lang}"
        text = words(lang)
        files[f"content/posts/rl/discounted-return{suffix}.md"] = note_text(
            text.note_title, day, text.note
        )
        files[f"content/pages/about{suffix}.md"] = page_text(text.about_title, day, text.about)
        if lang not in KNOWN_NAMES:  # the theme has UI strings for zh and en only
            english = builtin_theme_dir() / "templates" / "i18n" / "en.yaml"
            files[f"templates/i18n/{lang}.yaml"] = (
                f"# UI strings for '{lang}': a copy of the English ones, to translate.\n"
                + english.read_text(encoding="utf-8")
            )
    files[".github/workflows/pages.yml"] = pages_workflow()
    return files


def pages_workflow() -> str:
    """A GitHub Pages workflow that installs this version of notesite with pip."""
    return f"""\
# Builds the site with notesite and publishes it on GitHub Pages.
# Enable it once: Settings -> Pages -> Build and deployment -> Source: GitHub Actions.
name: Deploy to GitHub Pages

on:
  push:
    branches: [main]
  workflow_dispatch:

permissions:
  contents: read
  pages: write
  id-token: write

concurrency:
  group: pages
  cancel-in-progress: false

jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-python@v5
        with:
          python-version: "3.12"
      - name: Install notesite
        run: python -m pip install "notesite=={__version__}"
      - id: pages
        uses: actions/configure-pages@v5
      # Rendered formulas and notes, so a build only renders what changed.
      - uses: actions/cache@v4
        with:
          path: ~/.cache/notesite
          key: notesite-${{{{ github.sha }}}}
          restore-keys: notesite-
      - name: Build
        env:
          PAGES_URL: ${{{{ steps.pages.outputs.base_url }}}}
        run: notesite build --strict --base-url "$PAGES_URL"
      - uses: actions/upload-pages-artifact@v3
        with:
          path: public

  deploy:
    needs: build
    runs-on: ubuntu-latest
    environment:
      name: github-pages
      url: ${{{{ steps.deployment.outputs.page_url }}}}
    steps:
      - id: deployment
        uses: actions/deploy-pages@v4
"""
