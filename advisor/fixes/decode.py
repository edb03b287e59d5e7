"""ADV301's fix: decode the chunks of a body with one incremental decoder.

```python
for chunk in response.iter_bytes():
    print(chunk.decode("utf-8", errors="replace"), end="")
```
becomes
```python
decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
for chunk in response.iter_bytes():
    print(decoder.decode(chunk), end="")
tail = decoder.decode(b"", final=True)
if tail:
    print(tail, end="")
```
The decoder keeps the bytes of a character split between two chunks until the rest arrives;
everything else decodes as before, with the same codec and the same `errors`, so the text only
changes where it was broken. The library's text iterator (httpx `iter_text`, requests
`decode_unicode=True`) would be shorter but decodes with the response's charset, which may not
be the codec the code names, and changes what the loop variable is; the decoder keeps both.

What was pending at the end (an incomplete character) is decoded with `final=True` and handed
to the same statement, so a truncated stream raises or gives a replacement character as it did.
That needs a statement that only passes the text on (`yield`, a call such as `print(...)` or
`await send(...)`) and a loop that ends only by running out of chunks. Otherwise (the text is
kept in a variable for later statements, the loop can `break` or `return`) the fix is applied
without the final flush and only with `--unsafe-fixes`: an incomplete character at the very end
would be dropped instead of raising.
"""

from __future__ import annotations

import libcst as cst

from advisor.fixes.tree import (
    SCOPES,
    Declined,
    Edits,
    FixRequest,
    Replacement,
    SourceTree,
    bound_names,
    walk_scope,
)
from advisor.model import ChunkDecode

_LOOPS = (cst.For, cst.While)
_CONDITIONAL = (
    cst.IfExp,
    cst.BooleanOperation,
    cst.ListComp,
    cst.SetComp,
    cst.DictComp,
    cst.GeneratorExp,
    cst.Lambda,
)


def incremental_decoder(request: FixRequest, tree: SourceTree) -> Edits | Declined:
    fact = request.fact
    if not isinstance(fact, ChunkDecode) or fact.loop_at is None:
        return Declined("the finding is not about a chunk loop")
    call = tree.find(request.targets[0], (cst.Call,))
    loop = tree.find(fact.loop_at.location, (cst.For, cst.While))
    if call is None or not isinstance(loop, cst.For | cst.While):
        return Declined("the code at the finding's position is not what was analysed")
    decode = _decode_parts(tree, call)
    if isinstance(decode, Declined):
        return decode
    chunk, encoding, errors = decode
    statement = tree.statement(call)
    if statement is None or not isinstance(loop.body, cst.IndentedBlock):
        return Declined("the decode is not a statement of the loop body itself")
    top = _top_statement(tree, loop, statement, chunk)
    if top is None:
        return Declined(
            "the decode is not a statement of the loop body itself (or under `if chunk:`)"
        )
    problem = _header_problem(tree, call, statement)
    if problem is not None:
        return Declined(problem)
    problem = _chunk_problem(tree, loop, chunk, statement)
    if problem is not None:
        return Declined(problem)
    if _decodes_of(tree, loop, chunk) != 1:
        return Declined("the chunk is decoded more than once in the loop")
    body = list(loop.body.body)
    if any(_continues(s) for s in body[: body.index(top)]):
        return Declined("a `continue` before the decode skips some chunks")
    codecs_name = tree.module_import("codecs")
    if codecs_name == "":
        return Declined("`codecs` means something else in this module")
    imports = ("codecs",) if codecs_name is None else ()
    codecs_name = codecs_name or "codecs"
    decoder = tree.fresh("decoder")
    tail = tree.fresh("tail", (decoder,))
    arguments = f"errors={tree.code(errors)}" if errors is not None else ""
    quote = tree.quote
    codec = tree.code(encoding) if encoding is not None else f"{quote}utf-8{quote}"
    config = tree.module.config_for_parsing
    create = cst.parse_statement(
        f"{decoder} = {codecs_name}.getincrementaldecoder({codec})({arguments})\n", config
    )
    create = create.with_changes(leading_lines=loop.leading_lines)
    replacement = cst.Call(
        func=cst.Attribute(value=cst.Name(decoder), attr=cst.Name("decode")),
        args=(cst.Arg(value=cst.Name(chunk)),),
    )
    new_loop = loop.deep_replace(call, replacement)
    assert isinstance(new_loop, cst.For | cst.While)
    new_loop = new_loop.with_changes(leading_lines=())
    statements: list[cst.BaseStatement] = [create, new_loop]
    unsafe = _flush_problem(tree, loop, statement, call)
    if unsafe is None:
        assert isinstance(statement, cst.SimpleStatementLine)
        flushed = statement.deep_replace(call, cst.Name(tail))
        assert isinstance(flushed, cst.SimpleStatementLine)
        statements.append(
            cst.parse_statement(f'{tail} = {decoder}.decode(b"", final=True)\n', config)
        )
        statements.append(
            cst.If(
                test=cst.Name(tail),
                body=cst.IndentedBlock(body=(flushed.with_changes(leading_lines=()),)),
            )
        )
    return Edits(
        (Replacement(loop, cst.FlattenSentinel(statements)),),
        imports=imports,
        unsafe=unsafe,
    )


def _decode_parts(
    tree: SourceTree, call: cst.Call
) -> tuple[str, cst.BaseExpression | None, cst.BaseExpression | None] | Declined:
    """(chunk name, encoding argument, errors argument) of `chunk.decode(...)`,
    `str(chunk, ...)` or `codecs.decode(chunk, ...)`."""
    func = call.func
    names = ("encoding", "errors")
    if isinstance(func, cst.Attribute) and func.attr.value == "decode":
        receiver = func.value
        rest = list(call.args)
        if tree.qualified_names(func) == {"codecs.decode"}:
            if not call.args or call.args[0].keyword is not None:
                return Declined("`codecs.decode` is not called on the chunk itself")
            receiver, rest = call.args[0].value, list(call.args[1:])
            names = ("encoding", "errors")
    elif (
        isinstance(func, cst.Name)
        and func.value == "str"
        and "builtins.str" in (tree.qualified_names(func) or {"builtins.str"})
    ):
        if not call.args or call.args[0].keyword is not None:
            return Declined("`str` is not called on the chunk itself")
        receiver, rest = call.args[0].value, list(call.args[1:])
    else:
        return Declined("the decode is not a call the fix knows")
    if not isinstance(receiver, cst.Name):
        return Declined(
            "the decode takes a part of the chunk: a decoder must see every byte in order"
        )
    found: dict[str, cst.BaseExpression] = {}
    for index, arg in enumerate(rest):
        if arg.star:
            return Declined("the decode's arguments are unpacked at run time")
        key = arg.keyword.value if arg.keyword is not None else (names[index] if index < 2 else "")
        if key not in names or key in found:
            return Declined("the decode has arguments the fix does not know")
        if not isinstance(arg.value, cst.SimpleString | cst.ConcatenatedString):
            return Declined(f"the {key} is computed at run time")
        found[key] = arg.value
    return receiver.value, found.get("encoding"), found.get("errors")


def _top_statement(
    tree: SourceTree, loop: cst.For | cst.While, statement: cst.BaseStatement, chunk: str
) -> cst.BaseStatement | None:
    """The statement of the loop body that holds the decode's statement: itself, or an
    `if chunk:` around it (an empty chunk adds nothing to a decoder, so skipping it is the
    same); None for anything else."""
    block = tree.parent(statement)
    if block is loop.body:
        return statement
    guard = tree.parent(block) if isinstance(block, cst.IndentedBlock) else None
    if (
        isinstance(guard, cst.If)
        and guard.orelse is None
        and isinstance(guard.test, cst.Name)
        and guard.test.value == chunk
        and tree.parent(guard) is loop.body
    ):
        return guard
    return None


def _header_problem(tree: SourceTree, call: cst.Call, statement: cst.BaseStatement) -> str | None:
    """Why the decode does not run exactly once each time `statement` runs."""
    if isinstance(statement, cst.SimpleStatementLine) and len(statement.body) != 1:
        return "the decode shares its line with other statements"
    path: list[cst.CSTNode] = []
    for ancestor in tree.ancestors(call):
        if ancestor is statement:
            break
        if isinstance(ancestor, _CONDITIONAL):
            return "the decode runs only under a condition: the decoder would skip bytes"
        path.append(ancestor)
    if isinstance(statement, cst.SimpleStatementLine):
        return None
    child = path[-1] if path else call
    headers: list[cst.CSTNode] = []
    if isinstance(statement, cst.For):
        headers = [statement.iter]
    elif isinstance(statement, cst.If):
        headers = [statement.test]
    elif isinstance(statement, cst.With):
        headers = list(statement.items)
    if not any(child is header for header in headers):
        return "the decode is not a statement of the loop body itself"
    return None


def _chunk_problem(
    tree: SourceTree, loop: cst.For | cst.While, chunk: str, statement: cst.BaseStatement
) -> str | None:
    """Why `chunk` is not the loop's own piece of the body (None when it is). The decode's
    own statement may bind the name again (`chunk = chunk.decode()`)."""
    if isinstance(loop, cst.For):
        header = set(bound_names(loop.target))
    else:
        header = {
            n
            for node in (loop.test, *walk_scope(loop.test))
            if isinstance(node, cst.NamedExpr)
            for n in bound_names(node.target)
        }
    own = statement if isinstance(statement, cst.SimpleStatementLine) else None
    inside = [n for n in _bindings(loop.body, skip=own) if n == chunk]
    if chunk in header and not inside:
        return None
    if chunk not in header and isinstance(loop, cst.While) and len(inside) == 1:
        return None
    return "the decoded value is not the chunk the loop reads"


def _bindings(body: cst.CSTNode, skip: cst.CSTNode | None = None) -> list[str]:
    names: list[str] = []
    skipped = set() if skip is None else {id(n) for n in (skip, *walk_scope(skip))}
    for node in walk_scope(body):
        if id(node) in skipped:
            continue
        if isinstance(node, cst.Assign):
            names.extend(n for t in node.targets for n in bound_names(t.target))
        elif isinstance(
            node, cst.AnnAssign | cst.AugAssign | cst.For | cst.CompFor | cst.NamedExpr
        ):
            names.extend(bound_names(node.target))
        elif isinstance(node, cst.WithItem) and node.asname is not None:
            names.extend(bound_names(node.asname))
    return names


def _decodes_of(tree: SourceTree, loop: cst.For | cst.While, chunk: str) -> int:
    count = 0
    for node in walk_scope(loop.body):
        if isinstance(node, cst.Call):
            parts = _decode_parts(tree, node)
            if not isinstance(parts, Declined) and parts[0] == chunk:
                count += 1
    return count


def _continues(statement: cst.CSTNode) -> bool:
    """A `continue` of the enclosing loop (not of a loop nested in `statement`)."""
    stack = [statement]
    while stack:
        node = stack.pop()
        if isinstance(node, cst.Continue):
            return True
        if isinstance(node, (*_LOOPS, *SCOPES)) and node is not statement:
            continue
        stack.extend(node.children)
    return False


def _flush_problem(
    tree: SourceTree, loop: cst.For | cst.While, statement: cst.BaseStatement, call: cst.Call
) -> str | None:
    """Why the pending text cannot be flushed through the same statement after the loop."""
    if not isinstance(statement, cst.SimpleStatementLine):
        return "the decoded text is used by a block: an incomplete last character is dropped"
    small = statement.body[0]
    if not (
        isinstance(small, cst.Expr) and isinstance(small.value, cst.Call | cst.Await | cst.Yield)
    ):
        return (
            "the decoded text is kept for later statements: an incomplete last character is dropped"
        )
    if loop.orelse is not None:
        return "the loop has an `else` block"
    stack: list[cst.CSTNode] = [loop.body]
    while stack:
        node = stack.pop()
        if isinstance(node, cst.Return | cst.Break):
            return "the loop can end early: the pending text would not be flushed"
        if isinstance(node, (*_LOOPS, *SCOPES)):
            continue
        stack.extend(node.children)
    bound = set(_bindings(loop.body))
    if isinstance(loop, cst.For):
        bound |= set(bound_names(loop.target))
    used = {n.value for n in walk_scope(statement) if isinstance(n, cst.Name)}
    used -= {n.value for n in walk_scope(call) if isinstance(n, cst.Name)}
    if used & bound:
        return "the statement also uses values of the loop: it cannot run once more after it"
    return None
