"""What a note's links can point to: every site file's URL, and every note's names for
`[[wikilinks]]`.

A parse asks `SiteLinks.answer(post, kind, name)` for each link it meets and records
the question and the answer; a stored note stays valid while every recorded question
gets the same answer (see notes.py). The kinds:

- "link": a site-relative path (a Markdown link, resolved against the note's folder)
  -> the URL of a note or asset, or the path of a file of the note's own bundle;
- "note": a `[[name]]` -> a `WikiNote` (the note named so in the note's language,
  else in another language, marked so), or None;
- "embed": a `![[file]]` -> the URL of a file of the note's bundle or of `content/`,
  or None.
"""

from __future__ import annotations

import posixpath
from collections import defaultdict
from dataclasses import dataclass
from pathlib import PurePosixPath

from notesite.layout import read_path
from notesite.markdown.wikilinks import WikiNote
from notesite.model import Post, Site
from notesite.urls import Urls


def _fold(name: str) -> str:
    return " ".join(name.split()).casefold()


@dataclass(frozen=True)
class SiteLinks:
    site: Site
    targets: dict[str, str]  # source path of a note or asset -> URL
    names: dict[str, tuple[Post, ...]]  # folded file (or bundle folder) name -> notes
    titles: dict[str, tuple[Post, ...]]  # folded title -> notes
    files: dict[str, tuple[tuple[str, str], ...]]  # folded file name -> (path, URL)

    @classmethod
    def of(cls, site: Site) -> SiteLinks:
        urls = Urls(site.config)
        notes = (*site.posts, *site.pages)
        targets = {item.source.as_posix(): urls.path(item.url) for item in (*notes, *site.assets)}
        names: dict[str, list[Post]] = defaultdict(list)
        titles: dict[str, list[Post]] = defaultdict(list)
        files: dict[str, list[tuple[str, str]]] = defaultdict(list)
        for note in notes:
            names[_fold(read_path(note.source, site.config.languages).name)].append(note)
            titles[_fold(note.title)].append(note)
            for path in note.bundle_assets:
                url = urls.path(note.url + path.relative_to(note.source.parent).as_posix())
                files[_fold(path.name)].append((path.as_posix(), url))
        for asset in site.assets:
            files[_fold(asset.source.name)].append(
                (asset.source.as_posix(), targets[asset.source.as_posix()])
            )
        return cls(
            site,
            targets,
            {k: tuple(v) for k, v in names.items()},
            {k: tuple(v) for k, v in titles.items()},
            {k: tuple(v) for k, v in files.items()},
        )

    def answer(self, post: Post, kind: str, name: str) -> object:
        if kind == "link":
            return self.link(post, name)
        if kind == "note":
            return self.note(post, name)
        if kind == "embed":
            return self.embed(post, name)
        raise ValueError(kind)

    def link(self, post: Post, target: str) -> str | None:
        """A Markdown link's target: a note or asset URL, or a file of the note's own
        bundle (copied beside its page, so the reference stays relative)."""
        found = self.targets.get(target)
        if found is not None:
            return found
        for path in post.bundle_assets:
            if path.as_posix() == target:
                return path.relative_to(post.source.parent).as_posix()
        return None

    def note(self, post: Post, name: str) -> WikiNote | None:
        """The note `[[name]]` means on `post`'s page (file names before titles)."""
        found = self.names.get(_fold(name)) or self.titles.get(_fold(name))
        if not found:
            return None
        groups: dict[str, list[Post]] = defaultdict(list)
        for note in sorted(found, key=lambda n: n.source.as_posix()):
            groups[note.translation_key].append(note)
        own = [
            versions for versions in groups.values() if any(v.lang == post.lang for v in versions)
        ]
        chosen_groups = own or list(groups.values())
        target = self._version(chosen_groups[0], post.lang)
        candidates = ()
        if len(chosen_groups) > 1:
            candidates = tuple(self._version(g, post.lang).source.as_posix() for g in chosen_groups)
        language = self.site.config.languages[target.lang]
        return WikiNote(
            source=target.source.as_posix(),
            url=self.targets[target.source.as_posix()],
            title=target.title,
            foreign=(language.locale, language.name) if target.lang != post.lang else None,
            candidates=candidates,
        )

    def _version(self, versions: list[Post], lang: str) -> Post:
        """A note's version in `lang`, else in the default language, else the first."""
        for wanted in (lang, self.site.config.default_language):
            for version in versions:
                if version.lang == wanted:
                    return version
        return versions[0]

    def embed(self, post: Post, name: str) -> str | None:
        """`![[name]]`: a file of the note's bundle (by name or path in the bundle), else
        of content/ (by path under content/ or, when unique enough, by file name)."""
        folder = post.source.parent
        wanted = posixpath.normpath(name.strip().lstrip("/"))
        for path in post.bundle_assets:
            relative = path.relative_to(folder).as_posix()
            if relative == wanted or path.name == wanted:
                return relative
        for candidate in (f"content/{wanted}", (folder / wanted).as_posix()):
            if candidate in self.targets:
                return self.targets[candidate]
        matches = self.files.get(_fold(PurePosixPath(wanted).name), ())
        exact = [url for path, url in matches if path.endswith("/" + wanted)]
        return (exact or [url for _, url in matches] or [None])[0]
