"""Data import (upload page, background runs, reports) and list exports (导出Excel, background exports)."""
