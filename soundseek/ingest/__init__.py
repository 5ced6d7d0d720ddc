"""Bringing the index up to date: plan (diff), describe (metadata), embed, commit."""
