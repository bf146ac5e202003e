"""Scheduled checks (DESIGN §5): each module registers one check in `workflows.checks.registry`.

Importing the package loads every check, so the registry is complete wherever it is read; they register
in the order they run each night, the order the checks page lists them in.
"""

# isort: off
from workflows.checks import upgrade  # noqa: F401 - each check module registers itself
from workflows.checks import hygiene  # noqa: F401
from workflows.checks import overdue  # noqa: F401
from workflows.checks import metrics  # noqa: F401
from workflows.checks import star  # noqa: F401
from workflows.checks import plan_figures  # noqa: F401
# isort: on
