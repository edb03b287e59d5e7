"""The YAML that ships with the advisor (the data tables, the built-in rules), read fast.

Every cold run reads all of it: through PyYAML that was about 50 ms, a twentieth of a run over
a large tree with nothing to analyse, and importing PyYAML 30 ms more. `yaml_rs` reads the same
files in a tenth of the time, and gives the same documents, types included: the files are ours,
so `tests/test_resources.py` checks each of them against PyYAML (`same_document`), and
`rules/validated.txt` lists only built-in rules for which the two agree. PyYAML stays the
reader of everything else (specs go through `advisor.read.fastyaml`, which corrects where the
two differ) and of these files where `yaml_rs` is missing.
"""

from __future__ import annotations

from typing import Any


def load_bundled(text: str) -> Any:
    """The document of a YAML file shipped with the advisor (not of a user's file)."""
    try:
        import yaml_rs
    except ImportError:  # pragma: no cover - yaml_rs ships wheels for all our platforms
        return load_reference(text)
    return yaml_rs.loads(text, parse_datetime=False)


def load_reference(text: str) -> Any:
    """PyYAML's document (the C loader where libyaml is there): the reference for these
    files, and the reader of the user's YAML (a configuration, a rule file)."""
    import yaml

    from advisor.read.yamlload import SafeLoader

    return yaml.load(text, Loader=SafeLoader)


def same_document(left: Any, right: Any) -> bool:
    """Equal, with the same types everywhere (`1 == 1.0 == True` to Python) and keys in the
    same order (a table's order can be the order of its rows)."""
    if type(left) is not type(right):
        return False
    if isinstance(left, dict):
        return list(left) == list(right) and all(same_document(left[k], right[k]) for k in left)
    if isinstance(left, list):
        return len(left) == len(right) and all(
            same_document(a, b) for a, b in zip(left, right, strict=True)
        )
    return bool(left == right)
