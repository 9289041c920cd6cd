import pytest

from premises.demo import seed_premises


@pytest.fixture
def gazetteer(db):
    """The demo's invented gazetteer (Acacia House's flats 20A-22C at 5 Mill Lane, LS6 2AB, and
    the other demo addresses), with its search vocabulary."""
    seed_premises()
