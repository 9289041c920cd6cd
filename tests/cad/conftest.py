import pytest

from tests.cad.factories import fake_assessment


@pytest.fixture
def engine(monkeypatch):
    """engine(domestic_abuse=True, recommended="IMMEDIATE", minimum="IMMEDIATE") makes the
    grading engine return that assessment for every call in the test."""

    def _set(**kwargs):
        monkeypatch.setattr("cad.services.assessment.assess", fake_assessment(**kwargs))

    return _set
