"""jieba with the policy user dictionary, and Chinese segmentation without spaCy.

The Chinese pipeline (:mod:`policywatch.nlp.extract.spacy_pipeline`) is ``spacy.blank("zh")``
with the jieba segmenter: its tokens are exactly jieba's words of the text, whitespace
between them kept as whitespace tokens. :func:`chinese_words` returns the same words, minus
the whitespace, straight from jieba, so a Chinese search query is segmented as the index
was without importing spaCy (about a second of a cold ``policywatch search``).
"""

from __future__ import annotations

import hashlib
import logging
import marshal
import os
import sqlite3
import tempfile
import threading
from pathlib import Path
from typing import Any

import jieba

from policywatch.nlp.extract.lexicon import DATA_DIR
from policywatch.nlp.extract.memory import freeze_loaded_data
from policywatch.store.cache import cache_dir

USER_DICTIONARY = DATA_DIR / "userdict.txt"
#: After this many words looked up one at a time, jieba's whole table is loaded instead
#: (a long text: extraction, indexing); a query needs a few hundred.
LAZY_LOOKUPS = 20_000

_dictionary_lock = threading.Lock()
_dictionary_loaded = False


def _full_table() -> tuple[dict[str, int], int]:
    """jieba's word table (words and their prefixes) and total, as its own cache has it."""
    tokenizer = jieba.dt
    cache = Path(tokenizer.tmp_dir or tempfile.gettempdir()) / (
        tokenizer.cache_file or "jieba.cache")
    try:
        with cache.open("rb") as handle:
            return marshal.load(handle)
    except (OSError, ValueError, EOFError, TypeError):
        return tokenizer.gen_pfdict(tokenizer.get_dict_file())


def _table_file() -> Path | None:
    """An SQLite copy of jieba's default table (made once per jieba version), or None where
    it cannot be written (jieba then loads its table whole, as usual)."""
    if jieba.dt.dictionary != jieba.DEFAULT_DICT:
        return None
    with jieba.dt.get_dict_file() as handle:
        digest = hashlib.sha256(handle.read()).hexdigest()[:12]
    path = cache_dir() / f"jieba-{jieba.__version__}-{digest}.sqlite"
    if path.exists():
        return path
    try:
        table, total = _full_table()
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(path.name + f".{os.getpid()}.tmp")
        with sqlite3.connect(temporary) as conn:
            conn.execute("create table words (word text primary key, n integer) without rowid")
            conn.executemany("insert into words values (?, ?)", table.items())
            conn.execute("create table total (n integer)")
            conn.execute("insert into total values (?)", [total])
        os.replace(temporary, path)
    except OSError:
        return None
    return path


class _LazyTable(dict):
    """jieba's word table read from :func:`_table_file` one word at a time.

    Loading the whole table (350,000 words and their prefixes) takes most of a second, most
    of a cold ``search``; a query looks up a few hundred strings. jieba reads its table with
    ``in``, ``[]`` and ``get`` and writes it with ``[]=`` (user words), all overridden here;
    the words read and added stay in the dict itself. After :data:`LAZY_LOOKUPS` reads the
    whole table is loaded into jieba's tokenizer as usual, the added words on top.
    """

    def __init__(self, path: Path) -> None:
        super().__init__()
        self.conn = sqlite3.connect(path, check_same_thread=False)
        self.lock = threading.Lock()
        self.absent: set[str] = set()
        self.added: dict[str, int] = {}
        self.lookups = 0

    def total(self) -> int:
        return int(self.conn.execute("select n from total").fetchone()[0])

    def _known(self, word: Any) -> bool:
        if dict.__contains__(self, word):
            return True
        if word in self.absent:
            return False
        with self.lock:
            self.lookups += 1
            if self.lookups > LAZY_LOOKUPS:
                self._load_whole()
            row = self.conn.execute("select n from words where word = ?", [word]).fetchone()
        if row is None:
            self.absent.add(word)
            return False
        dict.__setitem__(self, word, row[0])
        return True

    def _load_whole(self) -> None:
        table, _ = _full_table()
        table.update(self.added)
        if jieba.dt.FREQ is self:
            jieba.dt.FREQ = table  # jieba reads self.FREQ afresh at every lookup
            freeze_loaded_data()

    def __contains__(self, word: object) -> bool:
        return self._known(word)

    def __getitem__(self, word: str) -> int:
        if self._known(word):
            return dict.__getitem__(self, word)
        raise KeyError(word)

    def get(self, word: str, default: Any = None) -> Any:
        return dict.__getitem__(self, word) if self._known(word) else default

    def __setitem__(self, word: str, value: int) -> None:
        self.added[word] = value
        self.absent.discard(word)
        dict.__setitem__(self, word, value)


def _initialize() -> None:
    """Make jieba's default tokenizer ready: the lazy table where it can be, else jieba's
    own full load."""
    tokenizer = jieba.dt
    if tokenizer.initialized:
        return
    path = _table_file()
    if path is None:
        jieba.initialize()
        return
    with tokenizer.lock:
        lazy = _LazyTable(path)
        tokenizer.FREQ, tokenizer.total = lazy, lazy.total()
        tokenizer.initialized = True


def load_user_dictionary() -> None:
    """Load the policy-term dictionary into jieba (once per process).

    jieba keeps one global dictionary, so after this call plain ``jieba.lcut`` sees the same
    words as the pipeline: both segment 营业收入总额 as one token. jieba's own table is read
    lazily (:class:`_LazyTable`).
    """
    global _dictionary_loaded
    with _dictionary_lock:
        if _dictionary_loaded:
            return
        jieba.setLogLevel(logging.WARNING)
        _initialize()
        for raw in USER_DICTIONARY.read_text(encoding="utf-8").splitlines():
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            word, freq, tag = (line.split() + [None, None])[:3]
            jieba.add_word(word, int(freq) if freq else None, tag)
        _dictionary_loaded = True
        if not isinstance(jieba.dt.FREQ, _LazyTable):
            freeze_loaded_data()


def chinese_words(text: str) -> list[str]:
    """Return the non-space tokens the Chinese pipeline makes of ``text``, in order.

    spaCy's Chinese tokenizer keeps every non-empty word of ``jieba.cut(text,
    cut_all=False)`` and turns the whitespace between words into whitespace tokens; jieba
    never puts whitespace and other characters in one word, so dropping the whitespace
    words gives the pipeline's non-space tokens.

    >>> chinese_words("营业收入总额 不低于1000万元")
    ['营业收入总额', '不低于', '1000', '万元']
    """
    load_user_dictionary()
    return [word for word in jieba.cut(text, cut_all=False) if word and not word.isspace()]
