"""The demo data set (`flask demo seed`, `flask demo files`), kept apart from the domain it exercises.

- `seed`: the orchestrator: users, firms, cases, pools, with a summary and the demo logins;
- `data`: the tables behind it (districts, stage mix, industries, name parts);
- `firms`: the pure generator of firm records and their figures, from (seed, size) alone;
- `bulk`: writing firms, indicators and their audit events through the driver's bulk path;
- `cases`: upgrade cases in every state, walked through the real engine;
- `pools`, `pools_write`: pool memberships planned as the engine would have left them, written in bulk;
- `files`: sample import files matching the demo register.
"""
