from __future__ import annotations

import re
import string

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.core.dotenv import DotenvError, parse_dotenv

FAKE = "sk-proj-" + "A" * 40


def test_basic_forms() -> None:
    text = (
        "# exported from a laptop\n"
        "\n"
        "OPENAI_API_KEY=" + FAKE + "\n"
        "export ANTHROPIC_API_KEY=sk-ant-api03-fake\n"
        "SPACED = value with spaces   \n"
        "   INDENTED=yes\n"
        "EMPTY=\n"
        "EMPTY_QUOTED=''\n"
        "\tLAST =\tx\t\n"
    )
    assert parse_dotenv(text) == [
        ("OPENAI_API_KEY", FAKE),
        ("ANTHROPIC_API_KEY", "sk-ant-api03-fake"),
        ("SPACED", "value with spaces"),
        ("INDENTED", "yes"),
        ("EMPTY", ""),
        ("EMPTY_QUOTED", ""),
        ("LAST", "x"),
    ]


def test_empty_and_comment_only_files() -> None:
    assert parse_dotenv("") == []
    assert parse_dotenv("\n\n  # nothing\n#A=1\n") == []


def test_unquoted_comments() -> None:
    text = "A=abc # a comment\nB=pa#ss\nC=abc\t# tab before hash\nD=#starts-with-hash\n"
    assert parse_dotenv(text) == [
        ("A", "abc"),
        ("B", "pa#ss"),  # no whitespace before '#': part of the value
        ("C", "abc"),
        ("D", "#starts-with-hash"),
    ]


def test_space_after_equals_is_syntax_not_a_comment_separator() -> None:
    # Matches python-dotenv: the spaces after '=' belong to the '=', so this is a value.
    assert parse_dotenv("A= #value\n") == [("A", "#value")]


def test_unquoted_value_keeps_inner_equals_and_quotes() -> None:
    assert parse_dotenv('URL=https://x.test/?a=1&b="2"\n') == [("URL", 'https://x.test/?a=1&b="2"')]


def test_single_quotes_are_literal() -> None:
    text = "A='  a\\nb \"c\" # not a comment  '\nB='x' # comment\n"
    assert parse_dotenv(text) == [("A", '  a\\nb "c" # not a comment  '), ("B", "x")]


def test_double_quote_escapes() -> None:
    text = 'A="line1\\nline2\\ttab \\"q\\" back\\\\slash"\n'
    assert parse_dotenv(text) == [("A", 'line1\nline2\ttab "q" back\\slash')]


def test_unknown_escapes_are_kept_as_written() -> None:
    assert parse_dotenv('P="C:\\Users\\me\\x"\n') == [("P", "C:\\Users\\me\\x")]


def test_multiline_double_quoted() -> None:
    text = 'PEM="-----BEGIN KEY-----\nAAAA\n\n-----END KEY-----" # trailing comment\nNEXT=1\n'
    assert parse_dotenv(text) == [
        ("PEM", "-----BEGIN KEY-----\nAAAA\n\n-----END KEY-----"),
        ("NEXT", "1"),
    ]


def test_multiline_single_quoted() -> None:
    assert parse_dotenv("A='one\ntwo'\nB=2") == [("A", "one\ntwo"), ("B", "2")]


def test_quoted_value_keeps_hash_and_surrounding_spaces() -> None:
    assert parse_dotenv('A=" # x "   \n') == [("A", " # x ")]


def test_crlf_and_bom() -> None:
    text = '\ufeffA=1\r\nB="two\r\nlines"\r\nC=3 # c\r\n'
    assert parse_dotenv(text) == [("A", "1"), ("B", "two\nlines"), ("C", "3")]


def test_export_handling() -> None:
    assert parse_dotenv("export\tA=1\nexport=2\nexport   B = 3\n") == [
        ("A", "1"),
        ("export", "2"),
        ("B", "3"),
    ]


def _error(text: str) -> DotenvError:
    with pytest.raises(DotenvError) as info:
        parse_dotenv(text)
    return info.value


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("A=1\n\n# c\nB=2\nC=3\nD=4\n" + FAKE + "\n", 7, "line 7: missing '='"),
        ("export A\n", 1, "line 1: missing '='"),
        (
            "A=1\nB=2\nA-B=3\n",
            3,
            "line 3: variable name contains '-' (use only letters, digits and '_')",
        ),
        ("=" + FAKE + "\n", 1, "line 1: variable name is empty"),
        ("1A=x\n", 1, "line 1: variable name starts with a digit"),
        (
            "MY KEY=x\n",
            1,
            "line 1: variable name contains ' ' (use only letters, digits and '_')",
        ),
        ("X" * 129 + "=x\n", 1, "line 1: variable name is longer than 128 characters"),
        ('A=1\nB="' + FAKE + "\nC=3\n", 2, "line 2: unterminated quoted value"),
        ("A='" + FAKE, 1, "line 1: unterminated quoted value"),
        ('A="ends with backslash\\"\n', 1, "line 1: unterminated quoted value"),
        (
            '\nA="' + FAKE + '" ' + FAKE + "\n",
            2,
            "line 2: unexpected text after the closing quote",
        ),
        ("A='x\ny' z\n", 2, "line 2: unexpected text after the closing quote"),
        (
            "OPENAI_API_KEY=" + FAKE + "\nA=1\nB=2\nOPENAI_API_KEY=" + FAKE + "\n",
            4,
            "line 4: 'OPENAI_API_KEY' is defined twice (first on line 1)",
        ),
    ],
)
def test_errors(text: str, line: int, message: str) -> None:
    error = _error(text)
    assert str(error) == message
    assert error.line == line
    assert isinstance(error, ValueError)
    assert "AAAA" not in str(error)


def test_pasted_secret_with_padding_is_not_echoed() -> None:
    # A bare base64 secret: the text before '=' is secret, not a name, so it is not quoted.
    error = _error("c2VjcmV0+c2VjcmV0/ZmFrZQ==\n")
    assert str(error) == "line 1: variable name contains '+' (use only letters, digits and '_')"


def test_duplicate_line_numbers_count_multiline_values() -> None:
    error = _error('A="x\ny\nz"\nB=1\nA=2\n')
    assert str(error) == "line 5: 'A' is defined twice (first on line 1)"


# --- properties -----------------------------------------------------------------------------

NAMES = st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,40}", fullmatch=True)
# Printable text plus the two control characters .env files commonly carry in values.
VALUES = st.text(alphabet=st.characters(exclude_categories=("Cc", "Cs"), include_characters="\n\t"))


def _quote(value: str) -> str:
    escaped = (
        value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\t", "\\t")
    )
    return '"' + escaped + '"'


@given(
    st.dictionaries(NAMES, VALUES, max_size=8),
    st.lists(st.tuples(st.booleans(), st.sampled_from(["=", " = ", "\t=  "])), min_size=8),
)
def test_round_trip_double_quoted(env: dict[str, str], styles: list[tuple[bool, str]]) -> None:
    lines = []
    for (name, value), (export, equals) in zip(env.items(), styles, strict=False):
        lines.append(("export " if export else "") + name + equals + _quote(value))
    assert parse_dotenv("\n".join(lines)) == list(env.items())


# Every 4-character window of these values holds two non-ASCII characters, while a message holds
# at most one (an offending character in a name). So a shared window can only come from the
# parser echoing a value, never from chance overlap with the message's own words or key names.
_ASCII = st.sampled_from(string.ascii_letters + string.digits + string.punctuation + " ")
_WIDE = st.characters(min_codepoint=0xA1, exclude_categories=("Cs", "Zs"))
SECRETS = st.lists(st.tuples(_ASCII, _WIDE, _WIDE), min_size=2, max_size=30).map(
    lambda triples: "".join(a + b + c for a, b, c in triples)
)
DEFECTS = [
    "unterminated",
    "duplicate",
    "bad_name",
    "no_equals",
    "junk_after_quote",
    "pasted",
    "pasted_padded",
]


def _windows(value: str) -> set[str]:
    return {value[i : i + 4] for i in range(len(value) - 3)}


@given(
    st.lists(SECRETS, min_size=1, max_size=5),
    SECRETS,
    st.sampled_from(DEFECTS),
    st.integers(min_value=0, max_value=5),
)
def test_error_messages_never_contain_a_value(
    values: list[str], secret: str, defect: str, position: int
) -> None:
    lines = [f"KEY_{i}={_quote(v)}" for i, v in enumerate(values)]
    bad = {
        "unterminated": 'BROKEN="' + _quote(secret)[1:-1],
        "duplicate": "KEY_0=" + _quote(secret),
        "bad_name": "BAD-NAME=" + _quote(secret),
        "no_equals": "BROKEN " + _quote(secret).replace("=", ""),
        "junk_after_quote": "BROKEN=" + _quote(values[0]) + " x" + secret,
        "pasted": secret,
        # A bare base64 secret: the text before '=' is the secret itself.
        "pasted_padded": secret + "==",
    }[defect]
    if defect == "unterminated":
        lines.append(bad)  # last, so no later quote can close it
    else:
        lines.insert(min(position, len(lines)), bad)
        if defect == "duplicate":
            lines.insert(0, "KEY_0=1")
    text = "\n".join(lines) + "\n"

    try:
        parse_dotenv(text)
    except DotenvError as error:
        message = str(error)
        assert re.fullmatch(r"line \d+: .+", message)
        for value in [*values, secret]:
            leaked = [w for w in _windows(value) if w in message]
            assert not leaked, message
    else:
        # A bare pasted value may happen to be a comment or "NAME=..."; padded, it can only be
        # a comment (its second character is never ASCII). Every other defect is reported.
        assert defect == "pasted" or (defect == "pasted_padded" and secret.startswith("#"))
