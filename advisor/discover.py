"""Find the files a run looks at.

Python files by extension; YAML and JSON files are only *candidates*: whether one is an OpenAPI
document is decided from its text by the reader (a top-level `openapi`/`swagger` key), never by
its name. Dependency manifests (requirements files, pyproject.toml, lock files) are the
opposite: recognised by name alone, and read only for the versions they pin. Walks are sorted
(deterministic output) and prune excluded folders before entering them, which is where most of
the time of a large repository goes.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Sequence
from pathlib import Path

import pathspec

from advisor.errors import UsageError
from advisor.read.manifest_kinds import manifest_kind
from advisor.records import record
from advisor.settings import Settings

PYTHON_SUFFIXES = frozenset({".py"})
DATA_SUFFIXES = frozenset({".yaml", ".yml", ".json"})


@record
class SourceFile:
    path: Path
    """Absolute path."""
    rel: str
    """Path relative to the project root, in POSIX form (absolute if outside the root)."""
    language: str
    """`python`, `data` (a YAML/JSON file that may be a spec) or `manifest`."""


def language_of(path: Path) -> str | None:
    return _language_of_name(path.as_posix())


def _language_of_name(path: str) -> str | None:
    """`language_of` on a path string (the walk sees tens of thousands of names)."""
    name = path.rpartition("/")[2]
    dot = name.rfind(".")
    suffix = name[dot:].lower() if dot > 0 else ""
    if suffix in PYTHON_SUFFIXES:
        return "python"
    if suffix in DATA_SUFFIXES:
        return "data"
    if manifest_kind(path) is not None:
        return "manifest"
    return None


def relative_name(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()


def discover(paths: Sequence[Path], settings: Settings) -> list[SourceFile]:
    """Every Python file and spec candidate under `paths`, sorted, without duplicates."""
    walker = _Walker(settings)
    found: dict[Path, SourceFile] = {}
    for given in paths:
        # abspath, not resolve(): a symlink the user named keeps its own name.
        absolute = Path(os.path.abspath(given))  # noqa: PTH100
        if not absolute.exists():
            raise UsageError(f"{given}: no such file or directory")
        if absolute.is_file():
            source = walker.explicit_file(absolute)
            if source is not None:
                found.setdefault(source.path, source)
        else:
            for source in walker.walk(absolute):
                found.setdefault(source.path, source)
    return sorted(found.values(), key=lambda s: s.rel)


class _Patterns:
    """A gitignore-style pattern list, asked whether it ignores a path: True, False (a `!`
    pattern re-includes it) or None (no pattern matches).

    pathspec tries each pattern's regular expression in turn; with the default excludes that
    is 23 searches per path. A list without `!` patterns (the usual case) can only say True or
    None, so its expressions are joined into one alternation and searched once.
    """

    def __init__(self, lines: Sequence[str]) -> None:
        self.spec = pathspec.GitIgnoreSpec.from_lines(lines)
        patterns = [p for p in self.spec.patterns if p.include is not None]
        regexes = [getattr(p, "regex", None) for p in patterns]
        self.combined: re.Pattern[str] | None = None
        if all(p.include for p in patterns) and all(isinstance(r, re.Pattern) for r in regexes):
            joined = "|".join(f"(?:{_NAMED_GROUP.sub('(?:', r.pattern)})" for r in regexes if r)
            self.combined = re.compile(joined or "(?!)")

    def ignores(self, path: str) -> bool | None:
        if self.combined is not None:
            return True if self.combined.search(path) else None
        include: bool | None = self.spec.check_file(path).include
        return include


_NAMED_GROUP = re.compile(r"\(\?P<\w+>")
"""pathspec names a group in each expression; joined, the names would clash."""

_Chain = tuple[tuple[int, _Patterns], ...]
"""The .gitignore files that apply in a folder, root first, each with the length of its
folder's prefix in a root-relative path (what is cut off to match against it)."""


class _Walker:
    """Paths are handled as strings relative to the root: on a large tree, building `Path`
    objects for every entry and its ancestors was most of the walk."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.root = settings.root.resolve()
        self.excludes = _Patterns([*settings.exclude, *settings.extend_exclude])
        self._chains: dict[str, _Chain] = {}
        self._without_gitignore: set[str] = set()
        """Folders (relative, "" for the root) whose listing shows no .gitignore: not opened."""

    def explicit_file(self, path: Path) -> SourceFile | None:
        language = language_of(path)
        if language is None:
            return None
        if self.settings.force_exclude and self._ignored(path, is_dir=False):
            return None
        return SourceFile(path, relative_name(path, self.root), language)

    def walk(self, top: Path) -> Iterator[SourceFile]:
        if self.settings.force_exclude and self._ignored(top, is_dir=True):
            return
        # (folder, its name relative to the root): the names of what is below are joined from
        # it, not computed again from a Path for every folder
        stack = [(str(top), relative_name(top, self.root))]
        while stack:
            folder, inside = stack.pop()
            try:
                entries = sorted(os.scandir(folder), key=lambda e: e.name)
            except OSError:
                continue
            outside = inside.startswith("/")  # only explicit paths get here: nothing is ignored
            prefix = "" if inside == "." else inside + "/"
            self._without_gitignore.discard(prefix.rstrip("/"))
            if not any(e.name == ".gitignore" for e in entries):
                self._without_gitignore.add(prefix.rstrip("/"))
            subfolders = []
            for entry in entries:
                rel = prefix + entry.name
                try:
                    if entry.is_dir(follow_symlinks=False):
                        if outside or not self._ignored_rel(rel, is_dir=True):
                            subfolders.append((entry.path, rel))
                        continue
                    if not entry.is_file():
                        continue
                except OSError:
                    continue
                language = _language_of_name(entry.path)
                if language is None or (not outside and self._ignored_rel(rel, is_dir=False)):
                    continue
                path = Path(entry.path)
                if entry.is_symlink() and not _inside(path.resolve(), self.root):
                    continue  # never read outside the project root
                yield SourceFile(path, rel, language)
            stack.extend(reversed(subfolders))

    def _ignored(self, path: Path, *, is_dir: bool) -> bool:
        rel = relative_name(path, self.root)
        if rel.startswith("/"):
            return False  # outside the project: only explicit paths get here
        return self._ignored_rel(rel, is_dir=is_dir)

    def _ignored_rel(self, rel: str, *, is_dir: bool) -> bool:
        if self.excludes.ignores(rel + "/" if is_dir else rel):
            return True
        if not self.settings.respect_gitignore:
            return False
        # Every .gitignore from the root down to the path's folder applies (deeper files win).
        verdict = False
        for cut, patterns in self._chain(rel.rpartition("/")[0] if "/" in rel else ""):
            found = patterns.ignores(rel[cut:] + ("/" if is_dir else ""))
            if found is not None:
                verdict = found
        return verdict

    def _chain(self, folder: str) -> _Chain:
        """The .gitignore files that apply in `folder` (relative to the root, "" for it)."""
        if folder in self._chains:
            return self._chains[folder]
        if folder in ("", "."):
            above: _Chain = ()
            spec = self._gitignore_in(self.root, root=True)
            cut = 0
        else:
            above = self._chain(folder.rpartition("/")[0] if "/" in folder else "")
            spec = (
                None
                if folder in self._without_gitignore
                else self._gitignore_in(self.root / folder, root=False)
            )
            cut = len(folder) + 1
        chain = (*above, (cut, spec)) if spec is not None else above
        self._chains[folder] = chain
        return chain

    def _gitignore_in(self, folder: Path, *, root: bool) -> _Patterns | None:
        lines: list[str] = []
        sources = [folder / ".gitignore"]
        if root:
            sources.append(folder / ".git" / "info" / "exclude")
        for source in sources:
            try:
                lines.extend(source.read_text(encoding="utf-8", errors="replace").splitlines())
            except OSError:
                continue
        return _Patterns(lines) if lines else None


def _inside(path: Path, root: Path) -> bool:
    try:
        path.relative_to(root)
    except ValueError:
        return False
    return True
