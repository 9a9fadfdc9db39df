"""The title tokenizer and matcher: Chinese bigrams, English prefixes, mixed text, completeness."""
from hypothesis import given, settings
from hypothesis import strategies as st

from crowdcart.domain import search
from crowdcart.domain.search import CJK, WORD, Term


def found(title: str, query: str) -> bool:
    """Would a search for `query` return `title` (index lookup + verification)?"""
    terms = search.parse_query(query)
    tokens = set(search.index_tokens(title))
    lookups = [t for term in terms for t in search.lookup_tokens(term)]
    return all(t in tokens for t in lookups) and search.matches(title, terms)


def test_terms_split_letters_digits_and_cjk_runs():
    assert search.terms("无线蓝牙耳机 Pro") == [Term(CJK, "无线蓝牙耳机"), Term(WORD, "pro")]
    assert search.terms("iPhone15 256GB，深空黑") == [
        Term(WORD, "iphone"), Term(WORD, "15"), Term(WORD, "256"), Term(WORD, "gb"), Term(CJK, "深空黑")]


def test_full_width_and_case_are_normalised():
    assert search.terms("ＢＬＵＥＴＯＯＴＨ　１２３") == [Term(WORD, "bluetooth"), Term(WORD, "123")]


def test_index_tokens_are_cjk_bigrams_and_word_prefixes():
    assert search.index_tokens("蓝牙耳机") == sorted(["蓝牙", "牙耳", "耳机"])
    assert search.index_tokens("Bluetooth") == ["bl", "blu", "blue", "bluet"]
    assert search.index_tokens("猫 a") == []  # one-character terms have no token


def test_chinese_query_finds_a_longer_title():
    assert found("无线蓝牙耳机 Pro", "蓝牙耳机")
    assert found("无线蓝牙耳机 Pro", "耳机")
    assert not found("无线蓝牙耳机 Pro", "蓝耳")  # not contiguous


def test_english_query_is_case_insensitive_and_prefix_based():
    assert found("Bluetooth Speaker", "bluetooth")
    assert found("Bluetooth Speaker", "BLUE spea")
    assert not found("Bluetooth Speaker", "tooth")  # words match from their start


def test_mixed_queries_need_every_term():
    title = "无线蓝牙耳机 Pro Max"
    assert found(title, "蓝牙 pro")
    assert found(title, "max 耳机")
    assert not found(title, "蓝牙 mini")
    assert not found(title, "音箱 pro")


def test_long_words_use_their_prefix_token_and_are_verified():
    term = search.parse_query("bluetooth")[0]
    assert search.lookup_tokens(term) == ["bluet"]
    assert not search.matches("Bluetail lamp", [term])


def test_query_parsing_dedupes_and_caps_terms():
    assert search.parse_query("pro PRO Pro") == [Term(WORD, "pro")]
    many = " ".join(f"w{i}x" for i in range(20))
    assert len(search.parse_query(many)) <= search.MAX_QUERY_TERMS
    assert search.parse_query("!!! ...") == []
    assert not search.matches("anything", [])


def test_candidates_prefer_specific_tokens():
    terms = search.parse_query("耳机 bluetooth")
    assert search.candidate_tokens(terms)[0] == "bluet"
    assert search.candidate_tokens(search.parse_query("a 猫")) == []


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="abcXYZ0123 蓝牙耳机音箱无线", min_size=1, max_size=30), st.data())
def test_index_is_complete_for_every_substring_query(title, data):
    """Any term of ≥2 characters cut from a title finds that title through its lookup tokens."""
    for term in search.terms(title):
        if len(term.text) < 2:
            continue
        start = data.draw(st.integers(0, len(term.text) - 2)) if term.kind == CJK else 0
        end = data.draw(st.integers(start + 2, len(term.text)))
        query = term.text[start:end]
        assert found(title, query), (title, query)
