"""Copies of one sound: identical audio, the same recording in another form, or a region of a
longer file; how they group, which copy to keep, and how results collapse them."""
