"""Retrieval: passages, query translation, embeddings, the dense index and hybrid search."""
