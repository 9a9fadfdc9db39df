"""Keyword search over product titles, Chinese and English (pure: no I/O).

A title is normalised (NFKC, case-folded) and cut into *terms*: runs of letters, runs of
digits (so "iPhone15" is "iphone" + "15") and runs of CJK characters. The index stores,
per product, one entry per *token*:

- a letters/digits word gives its prefixes of 2..5 characters ("bluetooth" → bl, blu, blue, bluet);
- a CJK run gives its character bigrams ("蓝牙耳机" → 蓝牙, 牙耳, 耳机).

A query matches a title when every query term matches: a word term must begin some word of
the title, a CJK term must occur inside a CJK run of the title. The index is complete for
any term of two or more characters — every matching title carries that term's tokens — so a
search reads one token partition and checks the other terms with `matches`. One-character
terms have no token; a query made only of those is answered by filtering the shelf.
"""
import unicodedata
from dataclasses import dataclass
from typing import Iterable, List, Sequence, Tuple

MIN_TOKEN = 2
MAX_PREFIX = 5
MAX_QUERY_CHARS = 50
MAX_QUERY_TERMS = 8
MAX_CANDIDATES = 6
# Tokens one title may index: product + 50 SKUs + 48 tokens + a category check fit in one
# 100-action transaction, and a title change (48 deletes + 48 puts + the product) does too.
MAX_TITLE_TOKENS = 48

WORD = "word"
CJK = "cjk"

_CJK_RANGES: Tuple[Tuple[int, int], ...] = (
    (0x3040, 0x30FF),    # Hiragana, Katakana
    (0x3400, 0x4DBF),    # CJK Extension A
    (0x4E00, 0x9FFF),    # CJK Unified Ideographs
    (0xAC00, 0xD7AF),    # Hangul syllables
    (0xF900, 0xFAFF),    # CJK Compatibility Ideographs
    (0x20000, 0x2FA1F),  # CJK Extensions B+ and supplements
)


@dataclass(frozen=True)
class Term:
    """One searchable piece of text: a letters/digits word or a CJK run."""

    kind: str
    text: str


def normalize(text: str) -> str:
    """NFKC (full-width → half-width) and case-folded."""
    return unicodedata.normalize("NFKC", text or "").casefold()


def is_cjk(char: str) -> bool:
    """True for a Chinese, Japanese kana or Korean syllable character."""
    code = ord(char)
    return any(low <= code <= high for low, high in _CJK_RANGES)


def _char_class(char: str) -> str:
    if is_cjk(char):
        return CJK
    if char.isdecimal():
        return "digit"
    if char.isalpha():
        return "letter"
    return ""


def terms(text: str) -> List[Term]:
    """The terms of a text in order: letter runs, digit runs and CJK runs (everything else separates)."""
    found: List[Term] = []
    run, run_class = "", ""
    for char in normalize(text) + " ":
        cls = _char_class(char)
        if cls != run_class and run:
            found.append(Term(CJK if run_class == CJK else WORD, run))
            run = ""
        run_class = cls
        if cls:
            run += char
    return found


def term_tokens(term: Term) -> List[str]:
    """The index tokens of one title term (prefixes of a word, bigrams of a CJK run)."""
    if term.kind == WORD:
        return [term.text[:n] for n in range(MIN_TOKEN, min(len(term.text), MAX_PREFIX) + 1)]
    return [term.text[i:i + 2] for i in range(len(term.text) - 1)]


def index_tokens(title: str) -> List[str]:
    """Every distinct token a title is indexed under, sorted."""
    return sorted({token for term in terms(title) for token in term_tokens(term)})


def parse_query(query: str) -> List[Term]:
    """The distinct terms of a search query (at most MAX_QUERY_TERMS, in order)."""
    unique: List[Term] = []
    for term in terms(query):
        if term not in unique:
            unique.append(term)
    return unique[:MAX_QUERY_TERMS]


def lookup_tokens(term: Term) -> List[str]:
    """Tokens whose partition holds every title matching `term` (empty for a one-character term)."""
    if len(term.text) < MIN_TOKEN:
        return []
    if term.kind == WORD:
        return [term.text[:MAX_PREFIX]]
    return list(dict.fromkeys(term.text[i:i + 2] for i in range(len(term.text) - 1)))


def candidate_tokens(query_terms: Sequence[Term]) -> List[str]:
    """Tokens worth counting to find the most selective partition, most specific first."""
    tokens = dict.fromkeys(t for term in query_terms for t in lookup_tokens(term))
    return sorted(tokens, key=len, reverse=True)[:MAX_CANDIDATES]  # stable: query order breaks ties


def _term_matches(term: Term, title_terms: Iterable[Term]) -> bool:
    if term.kind == WORD:
        return any(t.kind == WORD and t.text.startswith(term.text) for t in title_terms)
    return any(t.kind == CJK and term.text in t.text for t in title_terms)


def matches(title: str, query_terms: Sequence[Term]) -> bool:
    """True when every query term matches the title (an empty query matches nothing)."""
    if not query_terms:
        return False
    title_terms = terms(title)
    return all(_term_matches(term, title_terms) for term in query_terms)
