"""Data import: the upload page, runs in the background (`runner`, whose threads also carry export jobs), reports."""
