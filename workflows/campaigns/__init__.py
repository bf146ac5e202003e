"""成长之星 (DESIGN §6): the yearly selection, from screened candidates to a published list.

- `settings`: the `[growth_star]` policy (weights, candidate factor, default total, the honour's name);
- `eligibility`: who may be a candidate, one rule list read by Python (a nomination's reasons) and SQL;
- `scoring`: the score in set-based SQL (percentiles within the city, window functions) — the screening
  check (`workflows.checks.star`) flags the top of each district with it, a nomination scores one firm;
- `workflow`: the campaign on the engine (draft → screening → nominating → reviewing → approved →
  published), creating one, editing its deadlines;
- `quotas`: the district quotas (largest remainders), their edits, the nominations' lock;
- `entries`: an entry per nomination, its own workflow (nominated → shortlisted/declined → awarded);
- `publication`: the honours an award leaves and the 公示名单;
- `queries`: the reads the pages and the API share.
"""

# The two workflows register on import, so the engine knows both wherever either is used.
from workflows.campaigns import entries, workflow  # noqa: E402, F401
