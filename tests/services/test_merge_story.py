"""The sentences that tell a person what a merge settled, one per kind of record."""

from __future__ import annotations

import pytest

from app.services.merge_story import sentence


class Names:
    def secret_name(self, secret_id: str) -> str:
        return {"s1": "OpenAI prod"}[secret_id]

    def env_name(self, env_id: str) -> str:
        return {"e1": "prod"}[env_id]

    def handle(self, member_id: str) -> str:
        return {"m1": "bob"}[member_id]


@pytest.mark.parametrize(
    ("record", "said"),
    [
        (
            ["kept-edited", "s1"],
            "OpenAI prod was deleted on one copy and changed on the other: kept, with the change",
        ),
        (["deleted-on-both", "s1"], "OpenAI prod was deleted on both copies: deleted once"),
        (
            ["changed-on-both", "s1"],
            "OpenAI prod was changed on both copies: both versions kept, the later one current",
        ),
        (
            ["revocation-wins", "m1", "e1"],
            "bob was given access to prod on one copy and lost it on the other: revoked",
        ),
        (
            ["key-replaced", "m1", "e1"],
            "bob was handed prod's key on one copy while the other copy replaced it: only the"
            " new key counts",
        ),
    ],
)
def test_each_record_reads_as_a_sentence(record: list[str], said: str):
    assert sentence(record, Names()) == said
