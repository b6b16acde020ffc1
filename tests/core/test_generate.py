import pytest

from app.core.errors import InvalidInput
from app.core.generate import ALPHABET, DEFAULT_LENGTH, token


def test_tokens_are_long_distinct_and_env_safe():
    made = {token() for _ in range(200)}
    assert len(made) == 200
    assert all(len(t) == DEFAULT_LENGTH and set(t) <= set(ALPHABET) for t in made)


@pytest.mark.parametrize("length", [0, 15, 257])
def test_lengths_outside_the_range_are_refused(length):
    with pytest.raises(InvalidInput, match="between 16 and 256"):
        token(length)
