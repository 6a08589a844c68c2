"""Linking and diffs: lineage signals between notices, the linking stage, criteria and clause diffs.

Reads extractions (:mod:`policywatch.nlp.extract`); never the retrieval modules, except that the
linking stage accepts an embedder as supporting evidence.
"""
