"""What a page tells link previews and search engines: Open Graph and Twitter card
values for every page, and on notes a schema.org `BlogPosting` as JSON-LD.

Values are plain data; `base.html` writes them (Jinja escapes attribute values) and
`script_json` makes the JSON-LD safe inside a `<script>` element.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urljoin, urlsplit

from markupsafe import Markup

from notesite.model import Config
from notesite.pages.series import SeriesBox
from notesite.pages.types import PageOut, PostView
from notesite.slugs import url_quote
from notesite.urls import Urls

# What could end a <script> element or open a comment in it, and the two line breaks
# JavaScript once refused in strings: written as JSON escapes, the data is the same.
_SCRIPT_ESCAPES = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026"} | {
    "\u2028": "\\u2028",
    "\u2029": "\\u2029",
}


def script_json(value: object) -> Markup:
    """`value` as JSON to put between `<script>` and `</script>` as is."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    for char, escaped in _SCRIPT_ESCAPES.items():
        text = text.replace(char, escaped)
    return Markup(text)


def og_locale(locale: str) -> str:
    """Open Graph writes locales as `zh_CN`, not `zh-CN`."""
    return locale.replace("-", "_")


def card_image(config: Config, urls: Urls, page_url: str, entry: PostView | None) -> str | None:
    """The absolute URL of the page's picture: its document's first image, else the
    site's `social_image`, else none."""
    if entry is not None and entry.doc.image:
        return url_quote(urljoin(page_url, entry.doc.image))
    image = config.social_image
    if not image:
        return None
    return image if urlsplit(image).scheme else urls.absolute(image)


def social(
    config: Config,
    urls: Urls,
    page: PageOut,
    canonical: str,
    languages: list[dict[str, Any]],
) -> dict[str, Any]:
    """The values `base.html` writes as `og:`, `twitter:` and JSON-LD."""
    entry: PostView | None = page.context.get("entry")
    site_title = config.text(config.title, page.lang)
    title = page.title
    if entry is not None:
        title = entry.doc.title_text or entry.title
    elif page.route[0] == "home":
        title = site_title
    image = card_image(config, urls, canonical, entry)
    note = entry is not None and entry.post.kind == "post"
    locale = config.languages[page.lang].locale
    return {
        "site_name": site_title,
        "title": title,
        "type": "article" if note else "website",
        "locale": og_locale(locale),
        "alternate_locales": [
            og_locale(row["locale"]) for row in languages if row["exists"] and not row["current"]
        ],
        "image": image,
        "card": "summary_large_image" if image else "summary",
        "article": entry if note else None,
        "json_ld": (
            script_json(blog_posting(config, urls, entry, canonical, locale, image, page.context))
            if note and entry is not None
            else None
        ),
    }


def blog_posting(
    config: Config,
    urls: Urls,
    entry: PostView,
    url: str,
    locale: str,
    image: str | None,
    context: dict[str, Any],
) -> dict[str, Any]:
    """schema.org's description of a note."""
    post = entry.post
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "BlogPosting",
        "headline": entry.doc.title_text or entry.title,
        "datePublished": post.date.isoformat(),
        "dateModified": post.sort_date.isoformat(),
        "inLanguage": locale,
        "url": url,
        "mainEntityOfPage": url,
    }
    if entry.doc.summary_text:
        data["description"] = entry.doc.summary_text
    if config.author:
        data["author"] = {"@type": "Person", "name": config.author}
    if image:
        data["image"] = image
    if post.tags:
        data["keywords"] = list(post.tags)
    box: SeriesBox | None = context.get("series")
    if box is not None:
        data["isPartOf"] = {
            "@type": "CreativeWorkSeries",
            "name": box.name,
            "url": urls.origin + box.url,
        }
    return data
