"""Excel downloads of the lists (导出Excel) and the background export jobs of long ones.

- `xlsx`: the one writer every download goes through (bold frozen Chinese header, typed cells, streamed);
- `jobs`: writing an export to a file (the `flask export` command, background jobs) and the jobs themselves;
- `views`: `send_export`, which a list's export route calls (the firm list's in `pool.firms.views`, the
  member lists' in `pool.pools.views`), and the `exports` blueprint: a background job's page, its status
  and its download.

Which columns a list has, its filters and its order are the domain's (`workflows.exporting`).
"""
