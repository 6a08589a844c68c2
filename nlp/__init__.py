"""The NLP stage, one sub-package per step (imported as ``policywatch.nlp``).

- :mod:`policywatch.nlp.extract`: segmentation (spaCy ``blank("zh")`` with jieba) and the rules
  that read tiers, criteria, dates and metadata out of one text. The ground the others stand on;
  it imports none of them.
- :mod:`policywatch.nlp.link`: lineage signals, the linking stage and criteria/clause diffs.
- :mod:`policywatch.nlp.retrieval`: passages, query translation, embeddings, vectors and search.
- :mod:`policywatch.nlp.evaluation`: labelled sets and the benchmarks that score the others.

Rule data lives in ``nlp/data/``. This package imports spaCy and the embedding backends but
never Scrapy, and it never fetches.
"""
