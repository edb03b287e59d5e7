"""`$ref` resolution with the `referencing` library (jsonschema's own resolver).

`referencing` joins URIs, retrieves documents (through our root-confined reader, never the
network) and walks JSON pointers. Resolution is lazy: a reference is followed when a detector
needs what it points to, so recursive schemas are legal and cost nothing, and an alias bomb is
never expanded. When a lookup fails, the reason is worked out for the message: remote, outside
the project, missing file, unreadable file, broken pointer or a cycle of references.
"""

from __future__ import annotations

from urllib.parse import unquote, urldefrag, urljoin, urlsplit

import referencing.exceptions
from referencing import Registry, Resource, Specification

from advisor.facts.spec.documents import Located, Refused, SpecFiles, path_of, uri_of
from advisor.read.source import TextFailure
from advisor.read.spec import SpecDocument, pointer_text, pointer_tokens
from advisor.records import record

MAX_HOPS = 10_000


@record
class RefFailure:
    reason: str
    detail: str
    target: str | None = None


class Resolver:
    def __init__(self, files: SpecFiles) -> None:
        self.files = files
        self._registry: Registry[object] = Registry(retrieve=self._retrieve)  # type: ignore[call-arg]
        self._cache: dict[tuple[str, str], Located | RefFailure] = {}
        self._ends: dict[tuple[str, tuple[str, ...]], Located | RefFailure] = {}

    def _retrieve(self, uri: str) -> Resource[object]:
        path = path_of(uri)
        document = self.files.document(path) if path is not None else None
        if not isinstance(document, SpecDocument):
            # (referencing's attrs classes are invisible to mypy's attrs plugin)
            raise referencing.exceptions.NoSuchResource(ref=uri)  # type: ignore[call-arg]
        return Specification.OPAQUE.create_resource(document.data)

    def lookup(self, ref: str, base: str) -> Located | RefFailure:
        """What `ref`, written in the file `base`, points to."""
        key = (base, ref)
        if key not in self._cache:
            self._cache[key] = self._lookup(ref, base)
        return self._cache[key]

    def _lookup(self, ref: str, base: str) -> Located | RefFailure:
        if ref.startswith("#/") or ref == "#":
            found = self._within(ref, base)
            if found is not None:
                return found
        return self._lookup_with_referencing(ref, base)

    def _lookup_with_referencing(self, ref: str, base: str) -> Located | RefFailure:
        target = urljoin(uri_of(base), ref)
        document_uri, fragment = urldefrag(target)
        scheme = urlsplit(target).scheme
        if scheme in ("http", "https"):
            return RefFailure("remote", f"remote reference '{ref}' is not fetched", ref)
        if scheme != "file":
            return RefFailure("invalid", f"'{ref}' is not a reference the advisor can follow", ref)
        path = path_of(document_uri)
        if path is None:
            return RefFailure(
                "outside-root", f"'{ref}' leads outside the project root; it is not read", ref
            )
        document = self.files.document(path)
        if document is None:
            return RefFailure("missing-file", f"'{ref}': file {path} does not exist", path)
        if isinstance(document, Refused):
            return RefFailure(
                "outside-root",
                f"'{ref}': {path} links outside the project root; it is not read",
                path,
            )
        if isinstance(document, TextFailure):
            return RefFailure(
                "unreadable-file",
                f"'{ref}': file {path} cannot be parsed ({document.message})",
                path,
            )
        tokens = pointer_tokens(unquote(fragment))
        resolver = self._registry.resolver(base_uri=uri_of(base))
        try:
            resolved = resolver.lookup(ref)
        except (referencing.exceptions.PointerToNowhere, LookupError, ValueError, TypeError):
            # (referencing walks into a string as a sequence, and fails on a word there)
            return RefFailure(
                "broken-pointer",
                f"'{ref}': {path} has nothing at {pointer_text(tokens) or '/'}",
                f"{path}#{pointer_text(tokens)}",
            )
        except referencing.exceptions.Unresolvable as exc:
            return RefFailure("invalid", f"'{ref}' cannot be resolved ({exc})", ref)
        return Located(resolved.contents, path, tokens)

    def _within(self, ref: str, base: str) -> Located | None:
        """A reference into its own document, walked directly: what `referencing` would find,
        at a hundredth of the cost (a large spec has thousands). None: ask `referencing` (it
        also words the failure)."""
        document = self.files.document(base)
        if not isinstance(document, SpecDocument):
            return None
        tokens = pointer_tokens(unquote(ref[1:]))
        value = document.data
        for token in tokens:
            if isinstance(value, dict) and token in value:
                value = value[token]
            elif isinstance(value, list) and token.isdigit() and int(token) < len(value):
                value = value[int(token)]
            else:
                return None
        return Located(value, base, tokens)

    def follow(self, ref: str, base: str) -> Located | RefFailure:
        """What `ref`, written in `base`, finally points to (through further references)."""
        found = self.lookup(ref, base)
        return self.deref(found) if isinstance(found, Located) else found

    def deref(self, located: Located) -> Located | RefFailure:
        """Follow `$ref` until a value that is not a reference (cycles are failures)."""
        seen: set[tuple[str, tuple[str, ...]]] = set()
        current = located
        for _ in range(MAX_HOPS):
            value = current.value
            if not (isinstance(value, dict) and "$ref" in value):
                return current
            ref = value["$ref"]
            if not isinstance(ref, str):
                return RefFailure("invalid", f"$ref must be a string, not {type(ref).__name__}")
            place = (current.path, current.pointer)
            if place in seen:
                return RefFailure(
                    "cycle", f"'{ref}' is part of a cycle of references to nothing", ref
                )
            seen.add(place)
            found = self.lookup(ref, current.path)
            if isinstance(found, RefFailure):
                return found
            current = found
        return RefFailure("cycle", f"more than {MAX_HOPS} references in a row", None)

    def value(self, located: Located) -> Located | None:
        """`deref` for detectors: a failure is reported elsewhere, here it is just unknown."""
        found = self.deref(located)
        return found if isinstance(found, Located) else None
