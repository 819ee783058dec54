"""Hybrid search over the article library: a keyword index and passage embeddings, fused by rank."""
