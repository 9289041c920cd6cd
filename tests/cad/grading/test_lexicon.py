"""The lexicon is data: loaded once, overridable by setting, checked when loaded."""

import pytest

from cad.grading import assess
from cad.grading.lexicon import (
    DEFAULT_PATH,
    LexiconError,
    build,
    clear_cache,
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
