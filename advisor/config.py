"""Find, read and validate the configuration; turn it into `Settings`.

Configuration lives in `[tool.advisor]` of `pyproject.toml` or in `.advisor.yaml`, found by
walking up from the first path. A mistake in it is a usage error (exit 2) whose message names the
file, the key and what was expected: a linter that silently ignores a misspelt `ignore` key
reports findings the team thought they had turned off.
"""

from __future__ import annotations

import difflib
import re
import tomllib
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from advisor.errors import ConfigError
from advisor.hints import HINT_FIELDS, hints_from, pattern_problem
from advisor.model import Severity
from advisor.paths import shown
from advisor.read.bundled import load_reference
from advisor.resources import validator
from advisor.settings import Settings, Thresholds

if TYPE_CHECKING:
    import jsonschema

YAML_CONFIG_NAMES = (".advisor.yaml", ".advisor.yml")
_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")


def find_config(start: Path) -> Path | None:
    """The nearest `.advisor.yaml`, or `pyproject.toml` with a `[tool.advisor]` table."""
    folder = start if start.is_dir() else start.parent
    for candidate_dir in (folder, *folder.parents):
        for name in YAML_CONFIG_NAMES:
            if (candidate_dir / name).is_file():
                return candidate_dir / name
        pyproject = candidate_dir / "pyproject.toml"
        if pyproject.is_file() and _has_advisor_table(pyproject):
            return pyproject
    return None


def _has_advisor_table(pyproject: Path) -> bool:
    try:
        data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        # A broken pyproject.toml that we were not asked to read is not our business, unless it
        # clearly meant to configure us; then loading it reports the problem.
        try:
            return "[tool.advisor]" in pyproject.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return False
    tool = data.get("tool")
    return isinstance(tool, dict) and "advisor" in tool


def find_project_root(start: Path) -> Path:
    """The git work tree containing `start`, or `start`'s folder."""
    folder = start if start.is_dir() else start.parent
    for candidate in (folder, *folder.parents):
        if (candidate / ".git").exists():
            return candidate
    return folder


def load_settings(paths: Iterable[Path], config: Path | None = None) -> Settings:
    """Settings for a run over `paths` (the first one decides where to look for configuration)."""
    first = next(iter(paths), Path.cwd()).resolve()
    config_path: Path | None
    if config is not None:
        config_path = config.resolve()
        if not config_path.is_file():
            raise ConfigError(f"{config}: configuration file not found")
    else:
        config_path = find_config(first)
    if config_path is None:
        return Settings(root=find_project_root(first))
    label = config if config is not None else shown(config_path)
    table, described = read_config_table(config_path, label)
    return settings_from_table(table, config_path, described)


def read_config_table(path: Path, shown: Path | None = None) -> tuple[dict[str, Any], str]:
    """The raw configuration mapping of `path` and a label naming it in messages."""
    label_path = shown if shown is not None else path
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{label_path}: cannot read configuration: {exc}") from exc
    if path.suffix == ".toml":
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{label_path}: invalid TOML: {exc}") from exc
        if path.name == "pyproject.toml":
            tool = data.get("tool", {})
            table = tool.get("advisor") if isinstance(tool, dict) else None
            if table is None:
                raise ConfigError(f"{label_path}: no [tool.advisor] table")
            if not isinstance(table, dict):
                raise ConfigError(f"{label_path}: [tool.advisor] must be a table")
            return table, f"{label_path}: [tool.advisor]"
        return data, str(label_path)
    if path.suffix in (".yaml", ".yml"):
        import yaml  # here: most projects configure the advisor in TOML

        try:
            data = load_reference(text)
        except yaml.YAMLError as exc:
            raise ConfigError(f"{label_path}: invalid YAML: {_one_line(str(exc))}") from exc
        if data is None:
            return {}, str(label_path)
        if not isinstance(data, dict):
            raise ConfigError(f"{label_path}: expected a mapping at the top level")
        return data, str(label_path)
    raise ConfigError(f"{label_path}: unsupported configuration format (use .toml or .yaml)")


def settings_from_table(table: Mapping[str, Any], path: Path, label: str) -> Settings:
    errors = list(validator("config.schema.json").iter_errors(dict(table)))
    if errors:
        messages = sorted({_describe(error, table) for error in errors})
        raise ConfigError("\n".join(f"{label}: {m}" for m in messages))
    base = path.parent
    defaults = Settings(root=base, config_path=path)

    def strings(key: str, default: tuple[str, ...]) -> tuple[str, ...]:
        value = table.get(key)
        return tuple(value) if value is not None else default

    return Settings(
        root=base,
        config_path=path,
        select=strings("select", defaults.select),
        extend_select=strings("extend-select", ()),
        ignore=strings("ignore", ()),
        exclude=strings("exclude", defaults.exclude),
        extend_exclude=strings("extend-exclude", ()),
        force_exclude=bool(table.get("force-exclude", False)),
        respect_gitignore=bool(table.get("respect-gitignore", True)),
        per_file_ignores=tuple(
            (pattern, tuple(codes))
            for pattern, codes in sorted(table.get("per-file-ignores", {}).items())
        ),
        severity_overrides=tuple(
            (code, Severity(level)) for code, level in sorted(table.get("severity", {}).items())
        ),
        fail_on=Severity(table.get("fail-on", defaults.fail_on.value)),
        rule_dirs=tuple((base / d).resolve() for d in table.get("rule-dirs", ())),
        max_file_size=int(table.get("max-file-size", defaults.max_file_size)),
        include_tests=bool(table.get("include-tests", False)),
        endpoint_hints=tuple(
            (str(pattern), hints_from(values.items()))
            for pattern, values in table.get("hints", {}).items()
        ),
        flowchart=_thresholds(table.get("flowchart", {})),
    )


def _thresholds(table: dict[str, Any]) -> Thresholds:
    defaults = Thresholds()
    return Thresholds(
        long_form_tokens=int(table.get("long-form-tokens", defaults.long_form_tokens)),
        request_budget_s=float(table.get("request-budget-seconds", defaults.request_budget_s)),
        tokens_per_second=float(table.get("tokens-per-second", defaults.tokens_per_second)),
        first_token_s=float(table.get("first-token-seconds", defaults.first_token_s)),
    )


def _describe(error: jsonschema.ValidationError, table: Mapping[str, Any]) -> str:
    """One precise sentence per schema violation: which key, what was expected, what was found."""
    key = ".".join(_key_part(p) for p in error.absolute_path)
    where = f"'{key}'" if key else "top level"
    schema = error.schema if isinstance(error.schema, dict) else {}
    dotted = _unquoted_pattern(error)
    if dotted is not None:
        return (
            f'{where}: write the pattern in quotes, "{dotted}" = {{ ... }}; without them TOML '
            "reads its dots as nested tables"
        )
    if error.validator == "additionalProperties":
        allowed = sorted(schema.get("properties", {}))
        instance = error.instance if isinstance(error.instance, dict) else {}
        unknown = sorted(k for k in instance if k not in allowed)
        parts = []
        for name in unknown:
            hint = difflib.get_close_matches(name, allowed, n=1)
            suggestion = f" (did you mean '{hint[0]}'?)" if hint else ""
            parts.append(f"unknown key '{_join(key, name)}'{suggestion}")
        return "; ".join(parts) + f"; allowed keys: {', '.join(allowed)}"
    if error.validator == "type":
        return f"{where}: expected {_expected_type(schema)}, got {_type_name(error.instance)}"
    if error.validator == "enum":
        options = ", ".join(repr(v) for v in schema.get("enum", []))
        return f"{where}: expected one of {options}, got {error.instance!r}"
    if error.validator == "pattern" and list(error.absolute_path) == ["hints"]:
        return f"{where}: {pattern_problem(str(error.instance))}"
    if error.validator == "pattern":
        desc = schema.get("description") or f"a string matching {schema.get('pattern')}"
        return f"{where}: {error.instance!r} is not valid; expected {_lower_first(desc)}"
    if error.validator == "propertyNames":
        return f"{where}: {error.message}"
    if error.validator == "minimum":
        return f"{where}: expected a number >= {error.validator_value}, got {error.instance!r}"
    if error.validator == "minLength":
        return f"{where}: {error.message}"
    return f"{where}: {error.message}"


def _unquoted_pattern(error: jsonschema.ValidationError) -> str | None:
    """`app.jobs.run = {...}` under `[tool.advisor.hints]`: the dotted pattern TOML split up."""
    path = list(error.absolute_path)
    if error.validator != "additionalProperties" or len(path) != 2 or path[0] != "hints":
        return None
    parts = [str(path[1])]
    value = error.instance
    while isinstance(value, dict) and len(value) == 1:
        ((key, inner),) = value.items()
        if key in HINT_FIELDS:
            break
        parts.append(str(key))
        value = inner
    return ".".join(parts) if len(parts) > 1 and isinstance(value, dict) else None


def _join(prefix: str, name: str) -> str:
    return f"{prefix}.{_key_part(name)}" if prefix else _key_part(name)


def _key_part(part: object) -> str:
    """A key as TOML writes it in a dotted key: bare when it can be, else quoted
    (`hints."POST /v1/reports".output`)."""
    text = str(part)
    return text if _BARE_KEY.fullmatch(text) else '"' + text.replace('"', '\\"') + '"'


def _expected_type(schema: Mapping[str, Any]) -> str:
    kind = schema.get("type")
    names = {
        "array": "a list",
        "object": "a table/mapping",
        "string": "a string",
        "boolean": "true or false",
        "integer": "an integer",
    }
    if isinstance(kind, str):
        return names.get(kind, kind)
    return "a valid value"


def _type_name(value: object) -> str:
    if isinstance(value, bool):
        return f"boolean {str(value).lower()}"
    if isinstance(value, str):
        return f"string {value!r}"
    if isinstance(value, int | float):
        return f"number {value!r}"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a table/mapping"
    return type(value).__name__


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def _one_line(text: str) -> str:
    return " ".join(text.split())
