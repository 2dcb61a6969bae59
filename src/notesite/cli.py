"""The `notesite` command line."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from notesite import __version__
from notesite.errors import NotesiteError


def _positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, got {text!r}")
    return int(text)


def _build(args: argparse.Namespace) -> int:
    from notesite.build import build, print_warnings
    from notesite.parallel import default_jobs
    from notesite.progress import Progress

    result = build(
        Path(args.source),
        Path(args.output),
        drafts=args.drafts,
        strict=args.strict,
        cache_dir=Path(args.cache_dir) if args.cache_dir else None,
        jobs=args.jobs or default_jobs(),
        progress=Progress.for_command_line(args.quiet),
        force=args.force,
    )
    print_warnings(result.warnings)
    if not args.quiet:
        print(result.summary(Path(args.output)))
    return 0


def _serve(args: argparse.Namespace) -> int:
    from notesite.serve.run import serve

    return serve(
        Path(args.source),
        args.host,
        args.port,
        drafts=not args.no_drafts,
        cache_dir=Path(args.cache_dir) if args.cache_dir else None,
    )


def _new(args: argparse.Namespace) -> int:
    from notesite.newnote import new_note

    path = new_note(
        Path(args.source),
        args.title,
        category=args.category,
        lang=args.lang,
        translation_of=Path(args.translation_of) if args.translation_of else None,
        bundle=args.bundle,
    )
    here = Path.cwd()
    print(path.relative_to(here) if path.is_absolute() and path.is_relative_to(here) else path)
    return 0


def _check(args: argparse.Namespace) -> int:
    from notesite.check import exit_status, find_problems, report

    findings = find_problems(Path(args.source), drafts=args.drafts)
    text = report(findings, args.format)
    if text:
        print(text)
    return exit_status(findings, args.strict)


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="notesite",
        description="Static site generator for bilingual, math-heavy ML/RL notes.",
    )
    parser.add_argument("--version", action="version", version=f"notesite {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    build = commands.add_parser("build", help="build the site into an output folder")
    build.add_argument("--source", default=".", help="site folder (default: current folder)")
    build.add_argument("--output", default="public", help="output folder (default: public/)")
    build.add_argument("--drafts", action="store_true", help="include notes with draft: true")
    build.add_argument(
        "--strict",
        action="store_true",
        help="fail on warnings (invalid TeX, broken links, unknown equation references)",
    )
    build.add_argument(
        "--cache-dir",
        help="cache folder: rendered formulas and notes (default: $NOTESITE_CACHE_DIR or "
        "~/.cache/notesite; safe to delete)",
    )
    build.add_argument(
        "--jobs",
        type=_positive,
        default=None,
        help="processes for rendering (default: one per core; 1: this process only)",
    )
    build.add_argument(
        "--force",
        action="store_true",
        help="replace the output folder's contents even if notesite did not write them",
    )
    build.add_argument(
        "-q", "--quiet", action="store_true", help="no progress and no summary; only problems"
    )
    build.set_defaults(run=_build)

    serve = commands.add_parser("serve", help="serve the site with live reload while writing")
    serve.add_argument("--source", default=".", help="site folder (default: current folder)")
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8000, help="port (default 8000; 0 picks one)")
    serve.add_argument("--no-drafts", action="store_true", help="leave drafts out, as build does")
    serve.add_argument("--cache-dir", help="formula cache folder (as for build)")
    serve.set_defaults(run=_serve)

    check = commands.add_parser("check", help="validate the site without writing it")
    check.add_argument("--source", default=".", help="site folder (default: current folder)")
    check.add_argument("--format", choices=("text", "github", "json"), default="text")
    check.add_argument("--strict", action="store_true", help="warnings fail too")
    check.add_argument("--drafts", action="store_true", help="check drafts as well")
    check.set_defaults(run=_check)

    new = commands.add_parser("new", help="create a note with front matter, print its path")
    new.add_argument("title", help="the note's title (the file name is made from it)")
    new.add_argument("--source", default=".", help="site folder (default: current folder)")
    new.add_argument("--category", help="category key (default: the first in notesite.yaml)")
    new.add_argument("--lang", help="language code (default: the default language)")
    new.add_argument("--translation-of", help="path of the note this one translates")
    new.add_argument("--bundle", action="store_true", help="create <name>/index.md for images")
    new.set_defaults(run=_new)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = make_parser().parse_args(argv)
    try:
        return args.run(args)
    except NotesiteError as error:
        for problem in error.problems:
            print(f"{problem}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
