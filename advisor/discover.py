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
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import pathspec

from advisor.errors import UsageError
from advisor.read.manifest import manifest_kind
from advisor.settings import Settings

PYTHON_SUFFIXES = frozenset({".py"})
DATA_SUFFIXES = frozenset({".yaml", ".yml", ".json"})


@dataclass(frozen=True)
class SourceFile:
    path: Path
    """Absolute path."""
    rel: str
    """Path relative to the project root, in POSIX form (absolute if outside the root)."""
    language: str
    """`python`, `data` (a YAML/JSON file that may be a spec) or `manifest`."""


def language_of(path: Path) -> str | None:
    suffix = path.suffix.lower()
    if suffix in PYTHON_SUFFIXES:
        return "python"
    if suffix in DATA_SUFFIXES:
        return "data"
    if manifest_kind(path.as_posix()) is not None:
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


class _Walker:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.root = settings.root.resolve()
        self.excludes = pathspec.GitIgnoreSpec.from_lines(
            [*settings.exclude, *settings.extend_exclude]
        )
        self._gitignores: dict[Path, pathspec.GitIgnoreSpec | None] = {}

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
        stack = [top]
        while stack:
            folder = stack.pop()
            try:
                entries = sorted(os.scandir(folder), key=lambda e: e.name)
            except OSError:
                continue
            subfolders = []
            for entry in entries:
                path = Path(entry.path)
                try:
                    if entry.is_dir(follow_symlinks=False):
                        if not self._ignored(path, is_dir=True):
                            subfolders.append(path)
                        continue
                    if not entry.is_file():
                        continue
                except OSError:
                    continue
                language = language_of(path)
                if language is None or self._ignored(path, is_dir=False):
                    continue
                if entry.is_symlink() and not _inside(path.resolve(), self.root):
                    continue  # never read outside the project root
                yield SourceFile(path, relative_name(path, self.root), language)
            stack.extend(reversed(subfolders))

    def _ignored(self, path: Path, *, is_dir: bool) -> bool:
        rel = relative_name(path, self.root)
        if rel.startswith("/"):
            return False  # outside the project: only explicit paths get here
        candidate = rel + "/" if is_dir else rel
        if self.excludes.match_file(candidate):
            return True
        if self.settings.respect_gitignore:
            return self._gitignored(path, is_dir=is_dir)
        return False

    def _gitignored(self, path: Path, *, is_dir: bool) -> bool:
        """Apply every .gitignore from the root down to `path`'s folder (deeper files win)."""
        verdict = False
        folders = [self.root]
        for part in path.parent.relative_to(self.root).parts:
            folders.append(folders[-1] / part)
        for folder in folders:
            spec = self._gitignore_in(folder)
            if spec is None:
                continue
            rel = path.relative_to(folder).as_posix() + ("/" if is_dir else "")
            result = spec.check_file(rel)
            if result.include is not None:
                verdict = bool(result.include)
        return verdict

    def _gitignore_in(self, folder: Path) -> pathspec.GitIgnoreSpec | None:
        if folder in self._gitignores:
            return self._gitignores[folder]
        lines: list[str] = []
        sources = [folder / ".gitignore"]
        if folder == self.root:
            sources.append(folder / ".git" / "info" / "exclude")
        for source in sources:
            try:
                lines.extend(source.read_text(encoding="utf-8", errors="replace").splitlines())
            except OSError:
                continue
        spec = pathspec.GitIgnoreSpec.from_lines(lines) if lines else None
        self._gitignores[folder] = spec
        return spec


def _inside(path: Path, root: Path) -> bool:
    try:
        path.relative_to(root)
    except ValueError:
        return False
    return True
