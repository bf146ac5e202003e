"""成长之星 pages: the campaigns and one campaign's page (views), quotas (quotas), the county officer's
nomination page and an entry's page (nominate), city staff's review and side-by-side comparison (review),
the 公示名单 with its Excel file and print layout (listing); words for them in display, inputs in forms."""
