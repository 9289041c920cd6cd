"""The lexicon is data: loaded once, overridable by setting, checked when loaded."""

import re

import pytest

from cad.grading import assess
from cad.grading.lexicon import (
    DEFAULT_PATH,
    LexiconError,
    PatternSet,
    build,
    clear_cache,
    compile_patterns,
    expand,
    get_lexicon,
)


@pytest.fixture
def fresh_lexicon():
    clear_cache()
    yield
    clear_cache()


def test_the_lexicon_is_loaded_once(fresh_lexicon):
    assert get_lexicon() is get_lexicon()


def test_the_default_lexicon_is_the_packaged_file(fresh_lexicon):
    assert get_lexicon().source == str(DEFAULT_PATH)


def test_a_force_can_point_the_setting_at_its_own_lexicon(fresh_lexicon, settings, tmp_path):
    tuned = DEFAULT_PATH.read_text().replace('"hubby",', '"hubby", "beau",')
    path = tmp_path / "force.toml"
    path.write_text(tuned)
    settings.GRADING_LEXICON_PATH = str(path)

    assessment = assess(narrative="My beau punched me", channel="999")

    assert get_lexicon().source == str(path)
    assert assessment.domestic_abuse is True


def test_a_missing_lexicon_file_fails_loudly(fresh_lexicon, settings, tmp_path):
    settings.GRADING_LEXICON_PATH = str(tmp_path / "missing.toml")

    with pytest.raises(LexiconError, match="not found"):
        get_lexicon()


def test_a_bad_pattern_names_its_rule():
    data = {"behaviour": [{"code": "VIOLENCE", "label": "Violence", "patterns": ["hit(me"]}]}

    with pytest.raises(LexiconError, match="behaviour VIOLENCE"):
        build(data)


def test_an_unknown_grade_is_refused():
    data = {"category": [{"code": "X", "grade": "SOON", "patterns": ["x"]}]}

    with pytest.raises(LexiconError, match="unknown grade"):
        build(data)


def test_an_unknown_macro_is_refused():
    data = {"behaviour": [{"code": "V", "patterns": ["hit {victim}"]}]}

    with pytest.raises(LexiconError, match="unknown macro"):
        build(data)


@pytest.mark.parametrize("text", ["ex-husband", "ex husband", "exhusband", "ex  husband"])
def test_a_hyphen_in_a_pattern_matches_hyphen_space_or_nothing(text):
    import re

    assert re.fullmatch(expand("ex-husband", {}), text)


@pytest.mark.parametrize("text", ["won't", "wont"])
def test_an_apostrophe_in_a_pattern_is_optional(text):
    import re

    assert re.fullmatch(expand("won't", {}), text)


def test_patterns_match_whole_words_only():
    lexicon = get_lexicon()
    violence = next(b for b in lexicon.behaviours if b.code == "VIOLENCE")

    assert violence.patterns.search("my ex punched me")
    assert not violence.patterns.search("a punchedy word")


# --- Case: lower-case patterns against the lower-cased text, not re.IGNORECASE ---------------


def _ignorecase_spans(patterns: PatternSet, text: str) -> list[tuple[int, int]]:
    """What the pattern set matched when it was compiled with re.IGNORECASE (the reference)."""
    return [m.span() for m in re.compile(patterns.regex.pattern, re.IGNORECASE).finditer(text)]


def _every_pattern_set(lexicon) -> list[PatternSet]:
    sets = [b.patterns for b in lexicon.behaviours] + [r.patterns for r in lexicon.risks]
    sets += [c.patterns for c in lexicon.categories] + [g.patterns for g in lexicon.relationships]
    sets += list(lexicon.strangers.values()) + list(lexicon.frames.values())
    return sets + [lexicon.domestic, lexicon.history, lexicon.protective_orders]


def test_every_shipped_pattern_set_is_matched_in_lower_case():
    assert all(p.lower_case for p in _every_pattern_set(get_lexicon()))


@pytest.mark.parametrize(
    "text",
    [
        "My EX-HUSBAND is Banging on the Door, he's got a KNIFE",
        "IP states Ex-P has STRANGLED her. Susp Outside. C/B: Screaming heard",
        "Caller İSTANBUL says Her Boyfriend HIT her and took her PHONE",  # İ lower-cases to 2
    ],
)
def test_matching_in_lower_case_finds_what_ignorecase_found(text):
    for patterns in _every_pattern_set(get_lexicon()):
        assert [m.span() for m in patterns.finditer(text)] == _ignorecase_spans(patterns, text)
        found = patterns.search(text)
        expected = _ignorecase_spans(patterns, text)
        assert (found.span() if found else None) == (expected[0] if expected else None)


def test_a_capital_in_a_pattern_still_matches_any_case():
    patterns = compile_patterns(["Non-Mol", "DVPO"], {}, "test")
    assert patterns.lower_case
    assert [m.group() for m in patterns.finditer("He has a NON-MOL and a dvpo")] == [
        "non-mol",
        "dvpo",
    ]


def test_escapes_keep_their_meaning_when_lower_cased():
    # \S and \W are not \s and \w: lower-casing them would change what the pattern matches.
    patterns = compile_patterns([r"no\Wway", r"hit\Sme"], {}, "test")
    assert patterns.lower_case
    assert patterns.search("NO WAY") is not None
    assert patterns.search("noxway") is None
    assert patterns.search("HIT-ME") is not None
    assert patterns.search("hit me") is None


@pytest.mark.parametrize("pattern", [r"(?P<who>ex)", r"\x45x", r"(?i:ex)"])
def test_a_pattern_that_cannot_be_lower_cased_safely_keeps_ignorecase(pattern):
    patterns = compile_patterns([pattern], {}, "test")
    assert not patterns.lower_case
    assert patterns.search("my EX") is not None
