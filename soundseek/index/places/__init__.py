"""Where an index lives: a local folder or a prefix on S3-compatible storage, its writer lock
or lease, the local mirror of a shared index, and the JSON documents beside the tables."""
