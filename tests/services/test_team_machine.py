"""A state machine over invite / join / approve / grant / revoke / remove / requests / secrets.

The model keeps, per scope (the vault key and each environment), the epoch counter and who held
the scope during each epoch: an active member for the vault key, a grant holder for an
environment. After every step the published file is read with sqlite3 alone (tests/raw_keys.py)
and, for every member who ever had keys (removed ones too, with the keys they had):

- the keys wrapped to them are exactly the (scope, epoch) pairs during which they held it;
- the keys they can obtain at all (wraps, then every chain their keys open) are exactly the
  epochs up to the last one they held: an older epoch is chained under the newer by design
  (granted members read history), a later one never opens, so a member never decrypts an
  environment epoch that began after their access ended, and a current holder holds the
  current epoch;
- the values they open are exactly those of the environments whose current epoch they hold
  (every value lives under its environment's current epoch);
- and `verify` passes, and the grants table matches the model.

Argon2id is not what this tests, and at 64 MiB it costs ~0.6 s per member created or opened here,
so a stand-in (SHA-256 of passphrase and salt) replaces it for this test only; fsync too. Revoking
one's own grant, or an admin's by an admin, is refused and left out (test_team_refusals.py).
"""

from __future__ import annotations

import hashlib
import itertools
import os
import sqlite3
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

import app.crypto.kdf
from app.core.clock import FixedClock
from app.core.errors import Conflict, NotPermitted
from app.crypto.kdf import KdfParams
from app.services import access, requests, team
from app.services.create import create_vault
from app.services.environments import list_environments
from app.services.secrets import add_secret, rotate_secret
from app.services.vault import MemberKeys, Vault, open_member_keys
from app.services.verify import verify
from tests.conftest import PASSPHRASE, open_step_ups
from tests.raw_keys import (
    current_values,
    follow_chains,
    read_raw,
    readable_values,
    wrapped_keys,
)

HANDLES = ("bob", "carol", "dave")
ENVS = ("dev", "staging", "prod")
MAX_PEOPLE = 3  # besides the owner: each costs a join, a file read per step and key trials
PICK = st.integers(min_value=0, max_value=1 << 16)


@dataclass
class Person:
    handle: str
    role: str
    status: str  # invited, pending, active, removed, lapsed (invite expired unused)
    code: str = ""
    expires: datetime | None = None
    invite_grants: tuple[tuple[str, str], ...] = ()  # (environment name, access)
    id: str = ""
    secret_key: bytes = b""
    fingerprint: str = ""
    keys: MemberKeys | None = None
    vault: Vault | None = None


def _fast_argon2id(passphrase: bytes, params: KdfParams) -> bytes:
    params.check()
    return hashlib.sha256(b"test-kdf|" + params.salt + passphrase).digest()


class TeamMachine(RuleBasedStateMachine):
    root: Path
    counter = itertools.count()

    def __init__(self) -> None:
        super().__init__()
        self.path = self.root / f"run{next(self.counter)}" / "team.kl"
        self.path.parent.mkdir(parents=True)
        self.clock = FixedClock(datetime(2026, 11, 30, 9, 0, tzinfo=UTC))
        owner, _ = create_vault(
            self.path, "Acme AI", "alice", PASSPHRASE, kdf_seconds=0, clock=self.clock
        )
        open_step_ups(owner)
        self.owner = owner
        alice = Person("alice", "owner", "active", id=owner.member.id, keys=owner._keys)
        alice.vault = owner
        self.people: list[Person] = [alice]
        self.env_ids = {e.name: e.id for e in list_environments(owner)}
        self.epoch: dict[str, int] = {"vault": 1, **dict.fromkeys(self.env_ids.values(), 1)}
        self.during: dict[tuple[str, int], set[str]] = defaultdict(set)
        for scope in self.epoch:
            self.during[(scope, 1)].add(alice.id)
        self.grants: dict[str, dict[str, str]] = {
            alice.id: dict.fromkeys(self.env_ids.values(), "write")
        }
        self.until: dict[tuple[str, str], datetime | None] = {  # (member, env) -> end
            (alice.id, env_id): None for env_id in self.env_ids.values()
        }
        self.values: dict[str, list[str]] = defaultdict(list)  # env id -> every version's value
        self.secrets: dict[str, list[str]] = defaultdict(list)  # env name -> secret names
        self.serial = itertools.count(1)
        self.opened: dict[tuple[str, str], bytes | None] = {}  # unwraps done so far

    def teardown(self) -> None:
        for person in self.people:
            if person.vault is not None:
                person.vault.lock()

    # -- who is who --------------------------------------------------------------------------
    def active(self) -> list[Person]:
        return [p for p in self.people if p.status == "active"]

    def admins(self) -> list[Person]:
        return [p for p in self.active() if p.role in ("owner", "admin")]

    def holds(self, person: Person, env: str, write: bool = False) -> bool:
        access_ = self.grants.get(person.id, {}).get(self.env_ids[env])
        return access_ is not None and (not write or access_ == "write")

    def vault_of(self, person: Person) -> Vault:
        if person.vault is None:
            person.vault = Vault.unlock(
                self.path, person.handle, PASSPHRASE, person.secret_key, self.clock
            )
            open_step_ups(person.vault)
        return person.vault

    def pass_days(self, days: int) -> None:
        if days:
            self.clock.advance(days=days)
            for person in self.active():
                if person.vault is not None:
                    open_step_ups(person.vault)  # windows close with time; not tested here

    def new_epoch(self, scope: str, holders: set[str]) -> None:
        self.epoch[scope] += 1
        self.during[(scope, self.epoch[scope])] = set(holders)

    def env_holders(self, env_id: str) -> set[str]:
        return {p.id for p in self.active() if env_id in self.grants.get(p.id, {})}

    def give(self, person: Person, env: str, access_: str, until: datetime | None = None) -> None:
        env_id = self.env_ids[env]
        self.grants.setdefault(person.id, {})[env_id] = access_
        self.until[(person.id, env_id)] = until
        self.during[(env_id, self.epoch[env_id])].add(person.id)

    def take(self, person: Person, env_id: str) -> None:
        """A revocation of one grant: a new epoch for the environment's remaining holders."""
        del self.grants[person.id][env_id]
        del self.until[(person.id, env_id)]
        self.new_epoch(env_id, self.env_holders(env_id))

    # -- rules -------------------------------------------------------------------------------
    @initialize(
        role=st.sampled_from(("member", "admin")),
        grants=st.dictionaries(st.sampled_from(ENVS), st.sampled_from(("read", "write"))),
    )
    def a_first_teammate(self, role: str, grants: dict[str, str]) -> None:
        """Start with a team of two, so every example reaches grants and revocations."""
        self.invite("bob", role, grants, 0)
        self.join(0, 0)
        self.approve(0)

    @precondition(lambda self: len(self.people) - 1 < MAX_PEOPLE)
    @rule(
        handle=st.sampled_from(HANDLES),
        role=st.sampled_from(("member", "member", "admin", "auditor")),
        grants=st.dictionaries(st.sampled_from(ENVS), st.sampled_from(("read", "write"))),
        pick=PICK,
    )
    def invite(self, handle: str, role: str, grants: dict[str, str], pick: int) -> None:
        if any(
            p.handle == handle and p.status in ("invited", "pending", "active") for p in self.people
        ):
            return
        if role == "auditor":
            grants = {}
        inviters = [a for a in self.admins() if role != "admin" or a.role == "owner"]
        actor = inviters[pick % len(inviters)]
        specs = [f"{env}:{a}" for env, a in sorted(grants.items())]
        found, code = team.invite(
            self.vault_of(actor), handle, role, team.parse_grants(self.vault_of(actor), specs)
        )
        assert found.status == "open"
        self.people.append(
            Person(
                handle,
                role,
                "invited",
                code=code,
                expires=self.clock.now() + timedelta(days=team.INVITE_DAYS),
                invite_grants=tuple(sorted(grants.items())),
            )
        )

    @precondition(lambda self: any(p.status == "invited" for p in self.people))
    @rule(pick=PICK, days_later=st.sampled_from((0, 0, 0, 1, 8)))
    def join(self, pick: int, days_later: int) -> None:
        invited = [p for p in self.people if p.status == "invited"]
        person = invited[pick % len(invited)]
        assert person.expires is not None
        self.pass_days(days_later)
        if self.clock.now() > person.expires:
            with pytest.raises(NotPermitted, match="expired"):
                team.join(
                    self.path,
                    person.code,
                    person.handle,
                    PASSPHRASE,
                    kdf_seconds=0,
                    clock=self.clock,
                )
            person.status = "lapsed"
            return
        joined = team.join(
            self.path, person.code, person.handle, PASSPHRASE, kdf_seconds=0, clock=self.clock
        )
        person.id, person.secret_key, person.fingerprint = (
            joined.member_id,
            joined.secret_key,
            joined.fingerprint,
        )
        person.status = "pending"
        raw = read_raw(self.path)
        _, _, kdf_text, sealed = raw.members[person.id]
        person.keys = open_member_keys(
            raw.vault_id, person.id, kdf_text, sealed, PASSPHRASE, person.secret_key
        )

    def approvals(self) -> list[tuple[Person, Person]]:
        return [
            (actor, person)
            for person in self.people
            if person.status == "pending"
            for actor in self.admins()
            if (person.role != "admin" or actor.role == "owner")
            and all(self.holds(actor, env) for env, _ in person.invite_grants)
        ]

    @precondition(lambda self: self.approvals())
    @rule(pick=PICK)
    def approve(self, pick: int) -> None:
        choices = self.approvals()
        actor, person = choices[pick % len(choices)]
        approved = team.approve(self.vault_of(actor), person.handle, person.fingerprint)
        assert approved.status == "active"
        person.status = "active"
        self.during[("vault", self.epoch["vault"])].add(person.id)
        for env, access_ in person.invite_grants:
            self.give(person, env, access_)

    def grantable(self) -> list[tuple[Person, Person, str]]:
        return [
            (actor, target, env)
            for actor in self.admins()
            for target in self.active()
            for env in ENVS
            if target is not actor and target.role != "auditor" and self.holds(actor, env)
        ]

    @precondition(lambda self: self.grantable())
    @rule(pick=PICK, write=st.booleans(), days=st.sampled_from((None, None, 2)))
    def grant(self, pick: int, write: bool, days: int | None) -> None:
        choices = self.grantable()
        actor, target, env = choices[pick % len(choices)]
        access_ = "write" if write else "read"
        until = None if days is None else self.clock.now() + timedelta(days=days)
        env_id = self.env_ids[env]
        held = self.grants.get(target.id, {}).get(env_id)
        if (held, self.until.get((target.id, env_id))) == (access_, until):
            with pytest.raises(Conflict, match="already has"):
                access.grant(self.vault_of(actor), target.handle, env, access_, until)
            return
        found = access.grant(self.vault_of(actor), target.handle, env, access_, until)
        assert (found.member_id, found.access) == (target.id, access_)
        self.give(target, env, access_, until)

    def revocable(self) -> list[tuple[Person, Person, str]]:
        # Nobody revokes their own grant, and only the owner revokes an admin's (both refused:
        # test_team_refusals.py).
        return [
            (actor, target, env)
            for actor in self.admins()
            for target in self.active()
            for env in ENVS
            if target is not actor
            and (target.role not in ("owner", "admin") or actor.role == "owner")
            and self.holds(actor, env)
            and self.holds(target, env)
        ]

    @precondition(lambda self: self.revocable())
    @rule(pick=PICK)
    def revoke(self, pick: int) -> None:
        choices = self.revocable()
        actor, target, env = choices[pick % len(choices)]
        done = access.revoke(self.vault_of(actor), target.handle, env)
        assert done.environments == (env,)
        self.take(target, self.env_ids[env])

    def removable(self) -> list[tuple[Person, Person]]:
        return [
            (actor, target)
            for actor in self.admins()
            for target in self.people
            if target.status in ("active", "pending")
            and target is not actor
            and target.role != "owner"
            and (target.role != "admin" or actor.role == "owner")
            and all(e in self.grants.get(actor.id, {}) for e in self.grants.get(target.id, {}))
        ]

    @precondition(lambda self: self.removable())
    @rule(pick=PICK)
    def remove(self, pick: int) -> None:
        choices = self.removable()
        actor, target = choices[pick % len(choices)]
        was_active = target.status == "active"
        done = access.remove_member(self.vault_of(actor), target.handle)
        target.status = "removed"
        if target.vault is not None:
            target.vault.lock()
            target.vault = None
        theirs = self.grants.pop(target.id, {})
        for env_id in theirs:
            del self.until[(target.id, env_id)]
        assert {self.env_ids[name] for name in done.environments} == set(theirs)
        if not was_active:
            return
        for env_id in theirs:
            self.new_epoch(env_id, self.env_holders(env_id))
        self.new_epoch("vault", {p.id for p in self.active()})

    def requestable(self) -> list[tuple[Person, Person, str, str]]:
        found = []
        for requester in self.active():
            if requester.role not in ("member", "admin"):
                continue
            for env in ENVS:
                held = self.grants.get(requester.id, {}).get(self.env_ids[env])
                want = "write" if held == "read" else "read"
                if held == "write":
                    continue
                found += [
                    (requester, decider, env, want)
                    for decider in self.admins()
                    if decider is not requester and self.holds(decider, env)
                ]
        return found

    @precondition(lambda self: self.requestable())
    @rule(pick=PICK, approve=st.booleans())
    def request(self, pick: int, approve: bool) -> None:
        choices = self.requestable()
        requester, decider, env, want = choices[pick % len(choices)]
        asked = requests.request_access(self.vault_of(requester), env, want, "incident 42")
        if requester.role == "admin":
            with pytest.raises(NotPermitted, match="your own request"):
                requests.approve_request(self.vault_of(requester), asked.id)
        if approve:
            requests.approve_request(self.vault_of(decider), asked.id)
            self.give(requester, env, want)  # an approval grants without an end
        else:
            denied = requests.deny_request(self.vault_of(decider), asked.id, "not now")
            assert denied.status == "denied"

    @precondition(lambda self: any(u is not None for u in self.until.values()))
    @rule(pick=PICK, days=st.sampled_from((1, 3)))
    def expire(self, pick: int, days: int) -> None:
        """Time passes and an admin unlocks: each grant past its end is revoked, one by one in
        the access list's order, by an admin who holds that environment's key (an admin's own
        grants wait for the owner)."""
        admins = self.admins()
        actor = admins[pick % len(admins)]
        self.pass_days(days)
        now = self.clock.now()
        handles = {p.id: p.handle for p in self.active()}
        due = sorted(
            (
                (handles[member], ENVS.index(env), member, env)
                for (member, env_id), until in self.until.items()
                if until is not None and until < now and member != actor.id
                for env in ENVS
                if self.env_ids[env] == env_id
            ),
        )
        done = access.expire_grants(self.vault_of(actor))
        expected = []
        for handle, _, member, env in due:
            person = next(p for p in self.active() if p.id == member)
            outranked = person.role in ("owner", "admin") and actor.role != "owner"
            if self.holds(actor, env) and not outranked:
                self.take(person, self.env_ids[env])
                expected.append((handle, (env,)))
        assert [(r.handle, r.environments) for r in done] == expected

    def writers(self) -> list[tuple[Person, str]]:
        now = self.clock.now()
        return [
            (p, env)
            for p in self.active()
            for env in ENVS
            if self.holds(p, env, write=True)
            and (self.until[(p.id, self.env_ids[env])] or now + timedelta(days=1)) > now
        ]

    @precondition(lambda self: self.writers())
    @rule(pick=PICK, rotate=st.booleans())
    def write_secret(self, pick: int, rotate: bool) -> None:
        choices = self.writers()
        actor, env = choices[pick % len(choices)]
        n = next(self.serial)
        value = f"value-{env}-{n:04d}-okapi"
        names = self.secrets[env]
        if rotate and names:
            rotate_secret(self.vault_of(actor), env, names[n % len(names)], value, "scheduled")
        else:
            names.append(f"key-{n}")
            add_secret(self.vault_of(actor), env, names[-1], value)
        self.values[self.env_ids[env]].append(value)

    # -- what the file gives each member -----------------------------------------------------
    @invariant()
    def the_file_gives_each_member_exactly_their_epochs(self) -> None:
        conn = sqlite3.connect(self.path, isolation_level=None)
        try:
            verify(conn)
            stored = {
                (m, e): a
                for m, e, a in conn.execute("SELECT member_id, env_id, access FROM grants")
            }
        finally:
            conn.close()
        model = {(m, e): a for m, held in self.grants.items() for e, a in held.items()}
        assert stored == model
        raw = read_raw(self.path)
        current = current_values(raw)
        assert all(epoch == self.epoch[env] for env, epoch in current.values())
        seen: dict[tuple[str, int], bytes] = {}
        for person in self.people:
            if person.keys is None:
                continue
            wraps = wrapped_keys(raw, person.id, person.keys, others=False, opened=self.opened)
            wrapped = set(wraps)
            expected = {k for k, members in self.during.items() if person.id in members}
            assert wrapped == expected, f"{person.handle}: wrapped {wrapped} != held {expected}"
            held = follow_chains(raw, wraps)
            top: dict[str, int] = {}
            for scope, epoch in expected:
                top[scope] = max(epoch, top.get(scope, 0))
            reach = {(s, e) for s, last in top.items() for e in range(1, last + 1)}
            assert set(held) == reach, (
                f"{person.handle} obtains {sorted(set(held) - reach)} beyond their epochs and"
                f" lacks {sorted(reach - set(held))}"
            )
            if person.status == "active":  # a holder holds the current epoch
                now = {("vault", self.epoch["vault"])}
                now |= {(e, self.epoch[e]) for e in self.grants.get(person.id, {})}
                assert now <= set(held), f"{person.handle} lacks {sorted(now - set(held))}"
            for key_id, key in held.items():
                assert seen.setdefault(key_id, key) == key, f"two keys for {key_id}"
            readable = {env for env, last in top.items() if last == self.epoch[env]}
            opened = readable_values(raw, held)
            assert set(opened) == {ref for ref, (env, _) in current.items() if env in readable}
            expected_values = [v for env in readable for v in self.values.get(env, [])]
            assert sorted(opened.values()) == sorted(expected_values)


def test_a_member_never_obtains_an_epoch_they_were_not_granted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr(app.crypto.kdf, "argon2id", _fast_argon2id)
    # Every step publishes the file; durability is not what this tests.
    monkeypatch.setattr(os, "fsync", lambda fd: None)
    machine = type("Machine", (TeamMachine,), {"root": tmp_path})
    run_state_machine_as_test(
        machine,
        settings=settings(
            max_examples=30,
            stateful_step_count=15,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        ),
    )
