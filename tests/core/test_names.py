from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.core.names import (
    check_env_name,
    check_env_var,
    check_secret_name,
    env_var_problem,
    suggest_env_var,
)


@pytest.mark.parametrize("name", ["A", "_", "OPENAI_API_KEY", "lower_case", "_1", "X" * 128])
def test_env_var_accepts(name: str) -> None:
    assert check_env_var(name) == name


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("", "variable name is empty"),
        ("X" * 129, "variable name is longer than 128 characters"),
        ("A-B", "variable name 'A-B' contains '-' (use only letters, digits and '_')"),
        ("MY KEY", "variable name 'MY KEY' contains ' ' (use only letters, digits and '_')"),
        ("CAFÉ", "variable name 'CAFÉ' contains 'É' (use only letters, digits and '_')"),
        ("A\tB", "variable name 'A\\tB' contains '\\t' (use only letters, digits and '_')"),
        ("1ABC", "variable name '1ABC' starts with a digit"),
    ],
)
def test_env_var_rejects(name: str, message: str) -> None:
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        check_env_var(name)


def test_env_var_problem_never_repeats_the_name() -> None:
    for name in ["", "X" * 129, "ABCD-EFGH", "1ABCDEFG", "ABCD EFGH"]:
        problem = env_var_problem(name)
        assert problem is not None
        assert "ABCD" not in problem
        assert "XXXX" not in problem
    assert env_var_problem("GOOD_NAME") is None


@pytest.mark.parametrize(
    ("name", "expected"),
    [("OpenAI prod", "OpenAI prod"), ("  padded  ", "padded"), ("x" * 200, "x" * 200)],
)
def test_secret_name_accepts(name: str, expected: str) -> None:
    assert check_secret_name(name) == expected


def test_secret_name_accepts_unicode() -> None:
    assert check_secret_name("Clé de prod 🔑") == "Clé de prod 🔑"


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("", "secret name is empty"),
        ("   \t ", "secret name is empty"),
        ("x" * 201, "secret name is longer than 200 characters"),
        ("a\nb", "secret name contains a control character ('\\n')"),
        ("a\x00b", "secret name contains a control character ('\\x00')"),
        ("a\x7fb", "secret name contains a control character ('\\x7f')"),
        ("a\u2028b", "secret name contains a control character ('\\u2028')"),
        ("prod\u202etxt", "secret name contains a text-direction character ('\\u202e')"),
    ],
)
def test_secret_name_rejects(name: str, message: str) -> None:
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        check_secret_name(name)


@pytest.mark.parametrize("name", ["prod", "staging-eu", "dev_2", "a", "a" * 32])
def test_env_name_accepts(name: str) -> None:
    assert check_env_name(name) == name


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("", "environment name is empty"),
        ("a" * 33, "environment name is longer than 32 characters"),
        ("Prod", "environment name 'Prod' must start with a lowercase letter"),
        ("2prod", "environment name '2prod' must start with a lowercase letter"),
        ("-prod", "environment name '-prod' must start with a lowercase letter"),
        (
            "prod eu",
            "environment name 'prod eu' may only contain lowercase letters, digits, '-' and '_'",
        ),
        (
            "proD",
            "environment name 'proD' may only contain lowercase letters, digits, '-' and '_'",
        ),
    ],
)
def test_env_name_rejects(name: str, message: str) -> None:
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        check_env_name(name)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("OpenAI prod key", "OPENAI_PROD_KEY"),
        ("  stripe -- live!  ", "STRIPE_LIVE"),
        ("2fa seed", "_2FA_SEED"),
        ("Café clé", "CAFE_CLE"),
        ("", "SECRET"),
        ("🔑 !!", "SECRET"),
        ("already_OK", "ALREADY_OK"),
    ],
)
def test_suggest_env_var(name: str, expected: str) -> None:
    assert suggest_env_var(name) == expected


@given(st.text())
def test_suggestion_is_always_a_valid_env_var(name: str) -> None:
    suggestion = suggest_env_var(name)
    assert check_env_var(suggestion) == suggestion
