"""The `notesite` command line."""

from __future__ import annotations

import argparse
import gc
import re
import sys
from datetime import date
from pathlib import Path

from notesite import __version__
from notesite.errors import NotesiteError
from notesite.termstyle import styled

EXIT_CODES = """\
exit status:
  0    success
  1    the site has errors (or warnings, with --strict), or a file or program is missing
  2    the command line is wrong
  130  interrupted (Ctrl-C)

Set NO_COLOR to turn colour off."""


def _positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, got {text!r}")
    return int(text)


def _base_url(text: str) -> str:
    """--base-url: as `base_url` in notesite.yaml (a trailing / is added)."""
    if not re.fullmatch(r"(https?://[^/\s]+)?/\S*|https?://[^/\s]+", text):
        raise argparse.ArgumentTypeError(
            f"expected an http(s) URL or a path starting with /: {text!r}"
        )
    return text if text.endswith("/") else text + "/"


class _Version(argparse.Action):
    """`--version`: notesite's version and the math engine a build would use."""

    def __init__(self, option_strings: list[str], dest: str, **kwargs: object) -> None:
        super().__init__(option_strings, dest, nargs=0, help="show the version and math engine")

    def __call__(self, parser: argparse.ArgumentParser, *args: object) -> None:
        from notesite.katex import katex_version
        from notesite.mathengine import describe_engine
        from notesite.mathrender import find_katex

        dist = find_katex(Path.cwd())
        katex = f"KaTeX {katex_version(dist)} ({dist})" if dist else "KaTeX: not installed"
        print(f"notesite {__version__}\nmath engine: {describe_engine()}\n{katex}")
        parser.exit()


# A build or check is one pass over a large graph of objects that live to the end (the
# site, every note's head, the page keys): the collector's default passes over it took
# about a tenth of a one-note build of 1,000 articles and found nothing to free.
ONE_PASS_GC_THRESHOLD = (50_000, 50, 100)


def _build(args: argparse.Namespace) -> int:
    gc.set_threshold(*ONE_PASS_GC_THRESHOLD)
    from notesite.build import build, print_warnings
    from notesite.parallel import default_jobs
    from notesite.progress import Progress

    if args.verbose:
        from notesite.mathengine import describe_engine

        print(f"notesite: math engine: {describe_engine()}")
    result = build(
        Path(args.source),
        Path(args.output),
        drafts=args.drafts,
        strict=args.strict,
        cache_dir=Path(args.cache_dir) if args.cache_dir else None,
        jobs=args.jobs or default_jobs(),
        progress=Progress.for_command_line(args.quiet, args.verbose),
        base_url=args.base_url,
        force=args.force,
    )
    print_warnings(result.warnings)
    if not args.quiet:
        print(result.summary(Path(args.output)))
    return 0


def _serve(args: argparse.Namespace) -> int:
    from notesite.serve.run import ServeOptions, serve

    return serve(
        Path(args.source),
        args.host,
        args.port,
        drafts=not args.no_drafts,
        cache_dir=Path(args.cache_dir) if args.cache_dir else None,
        options=ServeOptions(args.base_url, args.open, args.quiet, args.verbose),
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
    gc.set_threshold(*ONE_PASS_GC_THRESHOLD)
    from notesite.check import exit_status, find_problems, report
    from notesite.parallel import default_jobs

    findings = find_problems(
        Path(args.source),
        drafts=args.drafts,
        base_url=args.base_url,
        cache_dir=Path(args.cache_dir) if args.cache_dir else None,
        jobs=args.jobs or default_jobs(),
    )
    text = report(findings, args.format)
    if text and not args.quiet:
        print(text)
    if args.verbose:
        errors = sum(finding.severity == "error" for finding in findings)
        print(f"notesite: {errors} errors, {len(findings) - errors} warnings", file=sys.stderr)
    return exit_status(findings, args.strict)


def _init(args: argparse.Namespace) -> int:
    from notesite.initsite import init_site, next_steps, parse_languages

    folder = Path(args.folder)
    languages, default = parse_languages(args.languages, args.default)
    written = init_site(folder, languages, default, args.title, date.today())
    if not args.quiet:
        for path in written:
            print(f"notesite: created {folder / path}")
        print(f"notesite: a new site in {folder}; next:\n{next_steps(folder)}")
    return 0


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="notesite",
        description="Static site generator for bilingual, math-heavy ML/RL notes.",
        epilog=EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action=_Version)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    def command(name: str, summary: str) -> argparse.ArgumentParser:
        return commands.add_parser(
            name,
            help=summary,
            description=summary[0].upper() + summary[1:] + ".",
            epilog=EXIT_CODES,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )

    init = command("init", "start a new site in a folder (never overwrites a file)")
    init.add_argument("folder", nargs="?", default=".", help="where (default: current folder)")
    init.add_argument("--languages", default="zh,en", help="language codes (default: zh,en)")
    init.add_argument("--default", help="the default language (default: the first)")
    init.add_argument("--title", help="the site's title (default: 我的笔记 / My Notes)")
    init.add_argument("-q", "--quiet", action="store_true", help="print nothing on success")
    init.set_defaults(run=_init)

    build = command("build", "build the site into an output folder")
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
    _add_base_url(build)
    _add_verbosity(build, "no progress and no summary; only problems", "time every stage")
    build.set_defaults(run=_build)

    serve = command("serve", "serve the site with live reload while writing")
    serve.add_argument("--source", default=".", help="site folder (default: current folder)")
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8000, help="port (default 8000; 0 picks one)")
    serve.add_argument("--no-drafts", action="store_true", help="leave drafts out, as build does")
    serve.add_argument("--cache-dir", help="formula cache folder (as for build)")
    serve.add_argument("--open", action="store_true", help="open the site in a web browser")
    _add_base_url(serve)
    _add_verbosity(serve, "no line per rebuild", "also the files each rebuild was for")
    serve.set_defaults(run=_serve)

    check = command("check", "validate the site without writing it")
    check.add_argument("--source", default=".", help="site folder (default: current folder)")
    check.add_argument("--format", choices=("text", "github", "json"), default="text")
    check.add_argument("--strict", action="store_true", help="warnings fail too")
    check.add_argument("--drafts", action="store_true", help="check drafts as well")
    check.add_argument(
        "--cache-dir",
        help="the build cache (as for build): notes checked before are not rendered again",
    )
    check.add_argument(
        "--jobs",
        type=_positive,
        default=None,
        help="processes for rendering notes (default: one per core; 1: this process only)",
    )
    _add_base_url(check)
    _add_verbosity(check, "print nothing: the exit status tells", "end with the counts")
    check.set_defaults(run=_check)

    new = command("new", "create a note with front matter, print its path")
    new.add_argument("title", help="the note's title (the file name is made from it)")
    new.add_argument("--source", default=".", help="site folder (default: current folder)")
    new.add_argument("--category", help="category key (default: the first in notesite.yaml)")
    new.add_argument("--lang", help="language code (default: the default language)")
    new.add_argument("--translation-of", help="path of the note this one translates")
    new.add_argument("--bundle", action="store_true", help="create <name>/index.md for images")
    new.set_defaults(run=_new)
    return parser


def _add_base_url(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--base-url",
        type=_base_url,
        help="the site's address, replacing base_url in notesite.yaml "
        "(e.g. https://user.github.io/repo/)",
    )


def _add_verbosity(command: argparse.ArgumentParser, quiet: str, verbose: str) -> None:
    group = command.add_mutually_exclusive_group()
    group.add_argument("-q", "--quiet", action="store_true", help=quiet)
    group.add_argument("-v", "--verbose", action="store_true", help=verbose)


def main(argv: list[str] | None = None) -> int:
    args = make_parser().parse_args(argv)
    try:
        return args.run(args)
    except NotesiteError as error:
        for problem in error.problems:
            print(styled(problem, sys.stderr), file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
