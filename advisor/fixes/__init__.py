"""Automatic fixes: libcst transformations that rewrite the code a finding points at.

`registry` names the transformations (rule files refer to them), `tree` locates nodes by the
positions of a finding's evidence, `runner` applies every fix of a file in one pass, checks that
the result parses and that fixing again changes nothing, and `write` replaces files atomically.
This package's `__init__` imports nothing heavy: loading the catalog only needs `registry`.
"""
