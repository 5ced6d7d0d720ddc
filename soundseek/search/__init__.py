"""Queries: parsing what users type, ranking files by sound and metadata, fusing the two."""
