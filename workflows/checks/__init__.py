"""Scheduled checks (DESIGN §5): each module registers one check in `workflows.checks.registry`.

Importing the package loads every check, so the registry is complete wherever it is read.
"""

from workflows.checks import upgrade  # noqa: F401 - each check module registers itself
