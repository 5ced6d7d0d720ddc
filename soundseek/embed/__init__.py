"""LAION-CLAP: the embedder protocol, the transformers implementation, model management."""
