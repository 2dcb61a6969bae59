"""Site URLs: every link honours the path of `base_url` (GitHub Pages sub-paths)."""

from __future__ import annotations

from notesite.model import Config
from notesite.slugs import url_quote


class Urls:
    def __init__(self, config: Config) -> None:
        self.base_path = config.base_path
        self.origin = config.base_url[: len(config.base_url) - len(self.base_path)]
        self.default_language = config.default_language

    def path(self, site_relative: str) -> str:
        """`en/posts/td/` -> `/notes/en/posts/td/` (percent-encoded)."""
        return url_quote(self.base_path + site_relative.lstrip("/"))

    def absolute(self, site_relative: str) -> str:
        """Full URL for feeds, sitemaps and canonical links."""
        return self.origin + self.path(site_relative)

    def prefix(self, lang: str) -> str:
        """The URL prefix of a language: "" for the default, "en/" for others."""
        return "" if lang == self.default_language else f"{lang}/"


def output_file(site_relative_url: str) -> str:
    """The file that serves a URL: `posts/td/` -> `posts/td/index.html`."""
    if not site_relative_url or site_relative_url.endswith("/"):
        return site_relative_url + "index.html"
    return site_relative_url
