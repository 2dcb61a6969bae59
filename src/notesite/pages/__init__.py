"""Which pages exist and what each one shows: the site plan, as data for templates.

Every page has a `route`, its identity independent of language (("post", key),
("category", "rl", 2) ...), so the same page in another language is found by
looking up the same route: that drives the language switcher and hreflang.
`Planner` (planner.py) holds what every page family needs (post views, paginated
listings); each family of pages is planned by its own module: home.py, posts.py
(posts and standalone pages), categories.py, tags.py, archives.py, series.py.
"""

from notesite.pages.planner import Planner
from notesite.pages.types import Link, PageOut, PostView, Route

__all__ = ["Link", "PageOut", "Planner", "PostView", "Route"]
