"""Errors that stop a run. Bad *input files* never raise: they become ADV001/ADV002 findings."""

from __future__ import annotations


class AdvisorError(Exception):
    """A problem the user must fix before the run can mean anything (exit status 2)."""


class ConfigError(AdvisorError):
    """The configuration file is missing, unreadable or does not match its schema."""


class RuleFileError(AdvisorError):
    """A rule file (built-in or user-supplied) does not match the rule schema."""


class InternalError(Exception):
    """A bug in the advisor, raised with the file it happened on so that it can be reported."""


class UsageError(AdvisorError):
    """The command line asks for something that does not exist (unknown code, path, format)."""
