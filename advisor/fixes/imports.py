"""Add `import name` for a standard-library module where isort would put it.

A fix that needs `json` or `codecs` adds the import among the module's other standard-library
imports, in alphabetical order; a module that imports no standard-library module gets it before
its first import, as a group of its own (a blank line before the third-party ones). A module
without imports gets it after its docstring and `from __future__` lines (libcst's
AddImportsVisitor). Nothing is added when the module already imports it.
"""

from __future__ import annotations

import sys

import libcst as cst
from libcst.codemod import CodemodContext
from libcst.codemod.visitors import AddImportsVisitor, ImportItem


def _root(statement: cst.BaseStatement) -> str | None:
    """The top-level package a top-level import statement imports from; None otherwise."""
    if not isinstance(statement, cst.SimpleStatementLine) or len(statement.body) != 1:
        return None
    small = statement.body[0]
    if isinstance(small, cst.Import):
        return _dotted(small.names[0].name).split(".")[0]
    if isinstance(small, cst.ImportFrom) and small.module is not None and not small.relative:
        return _dotted(small.module).split(".")[0]
    if isinstance(small, cst.ImportFrom):
        return "."
    return None


def _dotted(node: cst.BaseExpression) -> str:
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        return f"{_dotted(node.value)}.{node.attr.value}"
    return ""


def _plain_import(statement: cst.BaseStatement) -> str | None:
    """`a.b` for a top-level `import a.b` statement (its first name); None otherwise."""
    if not isinstance(statement, cst.SimpleStatementLine) or len(statement.body) != 1:
        return None
    small = statement.body[0]
    return _dotted(small.names[0].name) if isinstance(small, cst.Import) else None


def add_imports(module: cst.Module, names: list[str]) -> cst.Module:
    for name in dict.fromkeys(names):
        module = _add_import(module, name)
    return module


def _add_import(module: cst.Module, name: str) -> cst.Module:
    body = list(module.body)
    roots = [_root(s) for s in body]
    if any(_plain_import(s) == name for s in body):
        return module
    imports = [i for i, root in enumerate(roots) if root is not None and root != "__future__"]
    if not imports:
        return AddImportsVisitor(CodemodContext(), [ImportItem(name)]).transform_module(module)
    standard = [
        i
        for i in imports
        if roots[i] in sys.stdlib_module_names and _plain_import(body[i]) is not None
    ]
    new = cst.parse_statement(f"import {name}\n", module.config_for_parsing)
    if standard:
        before = [i for i in standard if (_plain_import(body[i]) or "") > name]
        if before:
            index = before[0]
            new = new.with_changes(leading_lines=body[index].leading_lines)
            body[index] = body[index].with_changes(leading_lines=())
        else:
            index = standard[-1] + 1
    else:
        index = imports[0]
        first = body[index]
        new = new.with_changes(leading_lines=first.leading_lines)
        stdlib_first = roots[index] in sys.stdlib_module_names
        blank = () if stdlib_first else (cst.EmptyLine(),)
        body[index] = first.with_changes(leading_lines=blank)
    body.insert(index, new)
    return module.with_changes(body=tuple(body))
