"""The rule catalog: built-in rule files plus a team's own (`rule-dirs`), all validated at load.

A rule file that does not match the schema, names a fact field that does not exist, or uses an
unknown name in its message is an error that names the file and the field: a rule that silently
never fires is worse than no rule.
"""

from __future__ import annotations

import functools
import hashlib
import re
import types
import typing
from collections.abc import Iterable, Mapping, Sequence
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

from advisor.errors import RuleFileError
from advisor.fixes import registry as fix_registry
from advisor.model import FACT_KINDS, Evidence, Fact, Fix, Severity, fact_fields
from advisor.paths import shown
from advisor.policy.conditions import (
    ConditionError,
    Predicate,
    captures,
    check_field_path,
    compile_predicate,
)
from advisor.policy.templates import check_template
from advisor.read.bundled import load_bundled, load_reference, same_document
from advisor.records import record
from advisor.resources import builtin_rules_dir, validator

BUILTIN_PREFIX = "ADV"

# (key in the rule file, heading in the documentation), in the order they are shown.
DOC_SECTIONS: tuple[tuple[str, str], ...] = (
    ("what-it-does", "What it does"),
    ("why-is-this-bad", "Why is this bad?"),
    ("example", "Example"),
    ("use-instead", "Use instead"),
    ("known-limits", "Known limits"),
    ("fix-safety", "Fix safety"),
    ("options", "Options"),
    ("references", "References"),
)
REQUIRED_DOC_SECTIONS = ("what-it-does", "why-is-this-bad", "example", "use-instead")

_FENCE = re.compile(
    r"```(?P<info>[\w-]*)(?:[ \t]+(?P<path>[^\s`]+))?[ \t]*\n(?P<code>.*?)```", re.S
)


@record
class Example:
    code: str
    language: str = "python"
    description: str = ""
    expect: tuple[int | str, ...] = ()
    """Lines of `code`, or `path:line` in one of `files`, where the rule must fire."""
    files: tuple[tuple[str, str], ...] = ()
    """Other files of the example project (path, text)."""


@record
class FixExample:
    """Code a fix rewrites (`before`) and exactly what it becomes (`after`); without `after`
    the fix must decline there and leave the code as it is."""

    before: str
    after: str | None = None
    description: str = ""
    files: tuple[tuple[str, str], ...] = ()


@record
class FixDeclaration:
    """A rule file's `fix`: what the finding carries (`fix`) and the examples that test it."""

    fix: Fix
    examples: tuple[FixExample, ...]


@record
class Trigger:
    """One kind of fact a rule looks at, the condition on it, and how to report it."""

    fact_kind: str
    where: Predicate | None
    message: str
    fix_title: str | None
    report_at: tuple[str, ...] | None = None
    """Field path of an Evidence to report at instead of the fact's own evidence."""
    fix: FixDeclaration | None = None
    """The automatic fix of this trigger's findings, if the rule declares one."""


@record
class Rule:
    code: str
    name: str
    severity: Severity
    summary: str
    triggers: tuple[Trigger, ...]
    docs: tuple[tuple[str, str], ...]
    bad: tuple[Example, ...]
    good: tuple[Example, ...]
    source: str
    builtin: bool

    def doc(self, key: str) -> str | None:
        return dict(self.docs).get(key)

    @property
    def fact_kinds(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(t.fact_kind for t in self.triggers))

    @property
    def fixes(self) -> tuple[FixDeclaration, ...]:
        """The distinct fixes of the rule's triggers, in trigger order."""
        return tuple(dict.fromkeys(t.fix for t in self.triggers if t.fix is not None))

    def doc_examples(self) -> tuple[Example | None, Example | None]:
        """The first code block of the Example and Use instead sections, as examples."""
        return _fenced(self.doc("example")), _fenced(self.doc("use-instead"))


def _fenced(text: str | None) -> Example | None:
    """The first code block of a section, as an example. A block whose info string names a file
    (```` ```text requirements.txt ````) is another file of that example's project instead."""
    if not text:
        return None
    example = None
    files: dict[str, str] = {}
    for match in _FENCE.finditer(text):
        if match["path"]:
            files.setdefault(match["path"], match["code"])
        elif example is None:
            example = match
    if example is None:
        return None
    info = example["info"] or "python"
    language = {"yaml": "openapi-yaml", "json": "openapi-json"}.get(info, info)
    return Example(code=example["code"], language=language, files=tuple(sorted(files.items())))


@record
class Catalog:
    rules: tuple[Rule, ...]

    def get(self, code_or_name: str) -> Rule | None:
        key = code_or_name.strip()
        for rule in self.rules:
            if rule.code == key.upper() or rule.name == key.lower():
                return rule
        return None

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(rule.code for rule in self.rules)


def load_catalog(rule_dirs: Sequence[Path] = ()) -> Catalog:
    rules = list(builtin_rules())
    for folder in rule_dirs:
        rules.extend(user_rules(folder))
    seen: dict[str, Rule] = {}
    names: dict[str, Rule] = {}
    for rule in rules:
        if rule.code in seen:
            raise RuleFileError(
                f"{rule.source}: code {rule.code} is already used by {seen[rule.code].source}"
            )
        if rule.name in names:
            raise RuleFileError(
                f"{rule.source}: name '{rule.name}' is already used by {names[rule.name].source}"
            )
        seen[rule.code] = rule
        names[rule.name] = rule
    return Catalog(tuple(sorted(rules, key=lambda r: r.code)))


@functools.cache
def builtin_rules() -> tuple[Rule, ...]:
    folder = builtin_rules_dir()
    files = sorted(
        (entry for entry in folder.iterdir() if entry.name.endswith(".yaml")),
        key=lambda entry: entry.name,
    )
    return tuple(_load_traversable(entry, f"rules/{entry.name}", builtin=True) for entry in files)


def user_rules(folder: Path) -> list[Rule]:
    if not folder.is_dir():
        raise RuleFileError(f"{shown(folder)}: rule directory (rule-dirs) not found")
    files = sorted(p for p in folder.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file())
    return [_load_traversable(path, str(shown(path)), builtin=False) for path in files]


def _load_traversable(entry: Traversable | Path, label: str, *, builtin: bool) -> Rule:
    try:
        text = entry.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise RuleFileError(f"{label}: cannot read rule file: {exc}") from exc
    # Validating against the schema costs a fifth of a one-file run, so a built-in file that is
    # byte-identical to one validated when the package was built (rules/validated.txt, kept
    # current by `python -m advisor.dev docs` and the tests) is not validated again. Any other
    # file is: a user's own, or a built-in one edited after installation.
    # Such a file is read by the fast reader too: the manifest lists only files it reads as
    # PyYAML does.
    if builtin and _digest(text) in validated_digests():
        return _build_rule(load_bundled(text), label, builtin=True)
    return load_rule_text(text, label, builtin=builtin)


VALIDATED_MANIFEST = "validated.txt"


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@functools.cache
def validated_digests() -> frozenset[str]:
    """SHA-256 digests of the built-in rule files as they were when last validated."""
    try:
        text = builtin_rules_dir().joinpath(VALIDATED_MANIFEST).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return frozenset()
    return frozenset(line.split()[0] for line in text.splitlines() if line.strip())


def validated_manifest(files: Mapping[str, str]) -> str:
    """The manifest for built-in rule files (name -> text), after validating every one of them:
    a file that does not match the schema, or that the fast reader (advisor/read/bundled.py)
    reads differently from PyYAML, raises, so it can never be listed."""
    lines = []
    for name, text in sorted(files.items()):
        load_rule_text(text, f"rules/{name}", builtin=True, validate=True)
        if not same_document(load_bundled(text), load_reference(text)):
            raise RuleFileError(
                f"rules/{name}: the fast YAML reader reads this file differently from PyYAML"
                " (quote the scalars YAML 1.1 and 1.2 read differently: yes, no, on, off, 010)"
            )
        lines.append(f"{_digest(text)}  {name}")
    return "\n".join(lines) + "\n"


def load_rule_text(text: str, label: str, *, builtin: bool = False, validate: bool = True) -> Rule:
    import yaml  # here: the built-in rules are read by the fast reader

    try:
        raw = load_reference(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}: " if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise RuleFileError(f"{label}: {where}invalid YAML: {problem}") from exc
    if not isinstance(raw, dict):
        raise RuleFileError(f"{label}: a rule file must be a mapping")
    if validate:
        _validate_schema(raw, label)
    return _build_rule(raw, label, builtin=builtin)


def _validate_schema(raw: Mapping[str, Any], label: str) -> None:
    errors = list(validator("rule.schema.json").iter_errors(dict(raw)))
    if not errors:
        return
    import jsonschema  # only a user's rule files are validated at run time

    best = jsonschema.exceptions.best_match(errors)
    assert best is not None
    where = _field_path(best.absolute_path) or "top level"
    message = best.message
    if best.validator == "additionalProperties":
        message = f"{best.message} (see the rule schema for allowed keys)"
    elif best.validator == "required":
        message = f"missing {best.message.removesuffix(' is a required property')}"
    raise RuleFileError(f"{label}: {where}: {message}")


def _field_path(path: Iterable[str | int]) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _build_rule(raw: Mapping[str, Any], label: str, *, builtin: bool) -> Rule:
    code = raw["code"]
    if builtin != code.startswith(BUILTIN_PREFIX):
        expected = "must start with ADV" if builtin else "must not start with ADV (reserved)"
        raise RuleFileError(f"{label}: code: {code} {expected}")
    raw_triggers = raw["when"] if isinstance(raw["when"], list) else [raw["when"]]
    triggers = []
    for index, raw_trigger in enumerate(raw_triggers):
        where = "when" if not isinstance(raw["when"], list) else f"when[{index}]"
        triggers.append(_trigger(raw, raw_trigger, where, label))
    examples = raw["examples"]
    for index, example in enumerate(examples["bad"]):
        if "expect" not in example:
            raise RuleFileError(
                f"{label}: examples.bad[{index}]: missing expect (the lines that must be reported)"
            )
    for index, example in enumerate(examples["good"]):
        if "expect" in example:
            raise RuleFileError(
                f"{label}: examples.good[{index}]: a good example must not have expect"
            )
    docs = raw["docs"]
    return Rule(
        code=code,
        name=raw["name"],
        severity=Severity(raw["severity"]),
        summary=raw["summary"].strip(),
        triggers=tuple(triggers),
        docs=tuple((key, docs[key].strip()) for key, _ in DOC_SECTIONS if key in docs),
        bad=tuple(_example(e) for e in examples["bad"]),
        good=tuple(_example(e) for e in examples["good"]),
        source=label,
        builtin=builtin,
    )


def _trigger(
    rule: Mapping[str, Any], raw: Mapping[str, Any], where_label: str, label: str
) -> Trigger:
    kind_name = raw["fact"]
    kind = FACT_KINDS.get(kind_name)
    if kind is None:
        raise RuleFileError(
            f"{label}: {where_label}.fact: unknown fact kind '{kind_name}' "
            f"(known: {', '.join(sorted(FACT_KINDS))})"
        )
    where: Predicate | None = None
    if "where" in raw:
        try:
            where = compile_predicate(raw["where"], kind, f"{where_label}.where")
        except ConditionError as exc:
            raise RuleFileError(f"{label}: {exc}") from exc
    report_at: tuple[str, ...] | None = None
    if "report-at" in raw:
        report_at = tuple(raw["report-at"].split("."))
        try:
            check_field_path(kind, report_at, f"{where_label}.report-at", Evidence)
        except ConditionError as exc:
            raise RuleFileError(f"{label}: {exc}") from exc
    message = raw.get("message", rule["message"]).strip()
    fix_title = raw.get("fix-title", rule.get("fix-title"))
    allowed = set(fact_fields(kind)) | captures(where)
    for key, template in (("message", message), ("fix-title", fix_title)):
        if template is None:
            continue
        problems = check_template(template, allowed)
        if problems:
            place = f"{where_label}.{key}" if key in raw else key
            raise RuleFileError(f"{label}: {place}: {problems[0]}")
    raw_fix = raw["fix"] if "fix" in raw else rule.get("fix")
    fix_place = f"{where_label}.fix" if "fix" in raw else "fix"
    fix = _fix(raw_fix, kind, fix_place, label) if raw_fix is not None else None
    return Trigger(kind_name, where, message, fix_title, report_at, fix)


def _fix(raw: Mapping[str, Any], kind: type[Fact], place: str, label: str) -> FixDeclaration:
    name = raw["transform"]
    if not fix_registry.known(name):
        raise RuleFileError(
            f"{label}: {place}.transform: unknown fix transformation '{name}' "
            f"(known: {', '.join(fix_registry.names())})"
        )
    target: tuple[str, ...] | None = None
    if "target" in raw:
        target = tuple(raw["target"].split("."))
        try:
            check_field_path(kind, target, f"{place}.target")
        except ConditionError as exc:
            raise RuleFileError(f"{label}: {exc}") from exc
        if not _holds_evidence(kind, target):
            raise RuleFileError(
                f"{label}: {place}.target: '{raw['target']}' holds no evidence (an Evidence, "
                "or a tuple of them)"
            )
    if not any("after" in example for example in raw["examples"]):
        raise RuleFileError(f"{label}: {place}.examples: no example shows the fix applied")
    return FixDeclaration(
        fix=Fix(
            transform=name,
            safety=raw["safety"],
            title=raw["title"].strip(),
            target=target,
        ),
        examples=tuple(
            FixExample(
                before=example["before"],
                after=example.get("after"),
                description=example.get("description", ""),
                files=tuple(sorted(example.get("files", {}).items())),
            )
            for example in raw["examples"]
        ),
    )


def _holds_evidence(kind: type[Fact], path: Sequence[str]) -> bool:
    """The field at `path` is an Evidence, an optional one, or a tuple of them."""
    current: Any = kind
    for name in path:
        current = typing.get_type_hints(current)[name]
        members = [a for a in typing.get_args(current) if a is not type(None)]
        if typing.get_origin(current) in (types.UnionType, typing.Union) and len(members) == 1:
            current = members[0]
    if typing.get_origin(current) is tuple:
        arguments = typing.get_args(current)
        return len(arguments) == 2 and arguments[0] is Evidence and arguments[1] is Ellipsis
    return current is Evidence


def _example(raw: Mapping[str, Any]) -> Example:
    return Example(
        code=raw["code"],
        language=raw.get("language", "python"),
        description=raw.get("description", ""),
        expect=tuple(raw.get("expect", ())),
        files=tuple(sorted(raw.get("files", {}).items())),
    )
