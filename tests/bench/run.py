"""`make bench`: one table, measured in one run, KeyLedger's CLI beside KeePassXC's.

  python -m tests.bench.run                  sizes 10000,100000; the peer where it exists
  python -m tests.bench.run --sizes 1000,5000   other sizes (open+list and evidence export
                                                for each, the rest at the largest)
  python -m tests.bench.run --smoke          200 secrets, one run each, no peer, no targets:
                                                checks only that every operation answers right

Every figure is a whole process (fork to exit, wall clock), the median of --runs runs after one
untimed warm-up run that also checks the output (the list has N rows, …). Peak memory is the
child's ru_maxrss from os.wait4. app/ is byte-compiled first, as an install is. Databases are
built once, untimed, and cached under --cache-dir (default /tmp/keyledger-bench) keyed by size
and by a digest of the code that defines the vault format; each bench run works on a scratch
copy, so `add` never changes the cache.

The peer is KeePassXC's `keepassxc-cli` on a KDBX4 file with the same entries whose Argon2id is
tuned (passes at our memory and lanes) to cost what our unlock's Argon2id costs on this machine.
keepassxc-cli cannot write such a file itself (db-create/import write KDBX 3.1 with AES-KDF), so
pykeepass builds it; it is pip-installed into the cache folder (--target), never into the venv.

Listing reads the secrets' metadata from a sealed cache beside the working copy, which the
warm-up run writes (services/catalog_cache.py). The "first open" rows remove it before each run:
the figure of a laptop's first unlock. The console probe runs --runs times (medians; the worst
keystroke of all) and once more without the cache.

A benchmark, not a test: targets are reported, and only --strict turns a missed one into a
non-zero exit. An operation that fails or answers wrongly always exits 1.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from tests.bench.build import PASSPHRASE

ROOT = Path(__file__).resolve().parents[2]  # the repository: tests/bench/run.py
PY = sys.executable
DEFAULT_CACHE = Path("/tmp/keyledger-bench")
KEEPASSXC = "keepassxc-cli"

# Code whose change can change what a vault file holds: a cached vault built before is rebuilt.
FORMAT_SOURCES = (
    "app/storage/*.py",
    "app/core/ledger.py",
    "app/crypto/*.py",
    "app/services/create.py",
    "app/services/secrets.py",
    "app/services/vault.py",
)

# Targets from the issue: KeyLedger / KeePassXC whole-process time, or absolute limits.
TARGET_LIST_SMALL = 0.6  # open+list 10k
TARGET_LIST_LARGE = 0.15  # open+list 100k
TARGET_ADD = 0.1  # add one at 100k
TARGET_VERIFY_S = 1.0  # verify 100k events
TARGET_RSS_MB = 300.0  # 100k secrets listed
TARGET_GUI_UNLOCK_S = 1.5  # console: unlock to a populated table, 100k
TARGET_FILTER_MS = 50.0  # console: filter per keystroke, 100k


QUICK_S = 2.0
SHORT_RUNS = 7


def log(message: str) -> None:
    print(f"bench: {message}", file=sys.stderr, flush=True)


# -- running and measuring one process -------------------------------------------------------
@dataclass
class Proc:
    seconds: float
    maxrss_kib: int
    returncode: int
    stdout: str
    stderr: str


class OperationFailed(Exception):
    pass


def expect(ok: bool, message: str) -> None:
    """An output check (not `assert`, which -O would drop)."""
    if not ok:
        raise OperationFailed(message)


def run_process(
    argv: list[str],
    env: dict[str, str],
    *,
    stdin: str = "",
    keep_stdout: bool = False,
) -> Proc:
    """Run argv to its end: wall time from fork to reaping, and the child's peak RSS."""
    with contextlib.ExitStack() as stack:
        stdin_file = stack.enter_context(tempfile.TemporaryFile())
        stdin_file.write(stdin.encode("utf-8"))
        stdin_file.seek(0)
        err_file = stack.enter_context(tempfile.TemporaryFile())
        out_file = (
            stack.enter_context(tempfile.TemporaryFile())
            if keep_stdout
            else stack.enter_context(open(os.devnull, "wb"))  # noqa: SIM115
        )
        started = time.perf_counter()
        child = subprocess.Popen(
            argv, stdin=stdin_file, stdout=out_file, stderr=err_file, env=env, cwd=ROOT
        )
        _, status, usage = os.wait4(child.pid, 0)
        seconds = time.perf_counter() - started
        child.returncode = os.waitstatus_to_exitcode(status)
        out = ""
        if keep_stdout:
            out_file.seek(0)
            out = out_file.read().decode("utf-8", "replace")
        err_file.seek(0)
        err = err_file.read().decode("utf-8", "replace")
    return Proc(seconds, int(usage.ru_maxrss), child.returncode, out, err)


@dataclass
class Measure:
    seconds: float  # median
    maxrss_kib: int  # largest of the timed runs
    runs: list[float] = field(default_factory=list)


def measure(
    label: str,
    make_argv: Callable[[int], tuple[list[str], str]],
    env: dict[str, str],
    runs: int,
    check: Callable[[Proc], None],
    *,
    warm_up: bool = True,
) -> Measure:
    """Median of `runs` timed runs; with warm_up, one untimed checked run first.

    make_argv(i) gives the command and its stdin for run i (0 is the warm-up where there is one).
    Without warm_up every timed run is checked (for commands that change the database). Where
    the warm-up took under QUICK_S, SHORT_RUNS runs are timed instead: sub-second figures are
    the noisiest on a shared machine and the cheapest to repeat.
    """
    times: list[float] = []
    peak = 0
    first = 0
    if warm_up:
        argv, stdin = make_argv(0)
        proc = run_process(argv, env, stdin=stdin, keep_stdout=True)
        _check(label, proc, check)
        first = 1
        if proc.seconds < QUICK_S and runs > 1:
            runs = max(runs, SHORT_RUNS)
    for i in range(first, first + runs):
        argv, stdin = make_argv(i)
        proc = run_process(argv, env, stdin=stdin, keep_stdout=not warm_up)
        if warm_up:
            if proc.returncode != 0:
                raise OperationFailed(f"{label}: exit {proc.returncode}: {proc.stderr.strip()}")
        else:
            _check(label, proc, check)
        times.append(proc.seconds)
        peak = max(peak, proc.maxrss_kib)
    return Measure(statistics.median(times), peak, times)


def _check(label: str, proc: Proc, check: Callable[[Proc], None]) -> None:
    if proc.returncode != 0:
        tail = proc.stderr.strip().splitlines()[-3:]
        raise OperationFailed(f"{label}: exit {proc.returncode}: {' / '.join(tail)}")
    try:
        check(proc)
    except OperationFailed as exc:
        raise OperationFailed(f"{label}: {exc}") from None


# -- KeyLedger -------------------------------------------------------------------------------
def format_digest() -> str:
    digest = hashlib.sha256()
    for pattern in FORMAT_SOURCES:
        for path in sorted(ROOT.glob(pattern)):
            digest.update(path.relative_to(ROOT).as_posix().encode() + b"\0")
            digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def base_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KEYLEDGER_")}
    env["PYTHON_KEYRING_BACKEND"] = "keyring.backends.fail.Keyring"
    return env


@dataclass
class KeyLedgerVault:
    root: Path  # vault.klv, data/, kit.txt

    @property
    def published(self) -> Path:
        return self.root / "vault.klv"

    def drop_cache(self) -> None:
        """Remove the sealed metadata cache (services/catalog_cache.py): the next unlock is
        a first one."""
        for cache in (self.root / "data" / "working").glob("*.catalog"):
            cache.unlink()

    def working_copy(self) -> Path:
        found = sorted((self.root / "data" / "working").glob("*.db"))
        if len(found) != 1:
            raise OperationFailed(f"expected one working copy under {self.root}, found {found}")
        return found[0]

    def env(self) -> dict[str, str]:
        env = base_env()
        env["KEYLEDGER_DATA_DIR"] = str(self.root / "data")
        env["KEYLEDGER_PASSPHRASE"] = PASSPHRASE
        env["KEYLEDGER_SECRET_KEY_FILE"] = str(self.root / "kit.txt")
        return env

    def cli(self, *args: str) -> list[str]:
        return [PY, "-m", "app", "--vault", str(self.published), *args]


def cached_keyledger(cache: Path, n: int, rebuild: bool) -> Path:
    digest = format_digest()
    target = cache / f"keyledger-{n}-{digest}"
    for stale in cache.glob(f"keyledger-{n}-*"):
        if stale != target or rebuild:
            shutil.rmtree(stale, ignore_errors=True)
    if (target / "done").exists():
        return target
    shutil.rmtree(target, ignore_errors=True)
    building = cache / f".building-keyledger-{n}-{os.getpid()}"
    shutil.rmtree(building, ignore_errors=True)
    building.mkdir(parents=True)
    log(f"building a KeyLedger vault of {n:,} secrets (once; cached in {target})")
    started = time.perf_counter()
    proc = subprocess.run(
        [PY, "-m", "tests.bench.build", "keyledger", str(building), str(n)],
        env=base_env(),
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    if proc.returncode != 0:
        shutil.rmtree(building, ignore_errors=True)
        raise OperationFailed(f"building the {n} vault failed: {proc.stderr.strip()[-2000:]}")
    (building / "done").write_text(f"{time.perf_counter() - started:.1f} s\n", encoding="utf-8")
    building.rename(target)
    return target


@contextlib.contextmanager
def scratch_copy(source: Path, scratch: Path) -> Iterator[Path]:
    target = scratch / source.name
    shutil.copytree(source, target)
    try:
        yield target
    finally:
        shutil.rmtree(target, ignore_errors=True)


def probe(kind: str, target: Path, *extra: str, env: dict[str, str]) -> dict[str, float]:
    proc = subprocess.run(
        [PY, "-m", "tests.bench.probe", kind, str(target), *extra],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    if proc.returncode != 0:
        raise OperationFailed(f"probe {kind}: {proc.stderr.strip()[-1000:]}")
    result: dict[str, float] = json.loads(proc.stdout)
    return result


def list_rows_check(n: int) -> Callable[[Proc], None]:
    def check(proc: Proc) -> None:
        lines = [line for line in proc.stdout.splitlines() if line.strip()]
        expect(bool(lines) and lines[0].split()[:2] == ["ENV", "NAME"], "no table header")
        rows = lines[1:]
        expect(len(rows) == n, f"listed {len(rows)} secrets, expected {n}")
        expect(all(r.startswith("dev ") for r in rows), "a row is not in dev")

    return check


@dataclass
class KeyLedgerResults:
    kdf: dict[str, float] | None = None
    lists: dict[int, Measure] = field(default_factory=dict)
    list_first: Measure | None = None  # at the largest size, every run without the cache
    add: Measure | None = None
    verify_cli: Measure | None = None
    verify_line: str = ""
    verify_pass: float | None = None
    verify_events: int = 0
    gui: dict[str, float] | None = None
    gui_first: float | None = None  # unlock to table without the cache
    exports: dict[int, Measure] = field(default_factory=dict)  # evidence export, by size
    errors: list[str] = field(default_factory=list)


def bench_keyledger(
    sizes: list[int], runs: int, cache: Path, scratch: Path, rebuild: bool
) -> KeyLedgerResults:
    res = KeyLedgerResults()
    largest = max(sizes)
    for n in sizes:
        try:
            built = cached_keyledger(cache, n, rebuild)
        except OperationFailed as exc:
            res.errors.append(str(exc))
            continue
        with scratch_copy(built, scratch) as root:
            vault = KeyLedgerVault(root)
            env = vault.env()
            if res.kdf is None:
                with _recording(res.errors):
                    res.kdf = probe("kdf", vault.published, "5", env=env)
            log(f"KeyLedger open+list {n:,}")
            with _recording(res.errors):
                res.lists[n] = measure(
                    f"KeyLedger open+list {n}",
                    lambda _i, v=vault: (v.cli("secret", "list", "--env", "dev"), ""),
                    env,
                    runs,
                    list_rows_check(n),
                )
            if n == largest:
                log(f"KeyLedger open+list {n:,}, first open (no metadata cache)")

                def first_list(_i: int, v: KeyLedgerVault = vault) -> tuple[list[str], str]:
                    v.drop_cache()
                    return v.cli("secret", "list", "--env", "dev"), ""

                with _recording(res.errors):
                    res.list_first = measure(
                        f"KeyLedger open+list {n}, no cache",
                        first_list,
                        env,
                        runs,
                        list_rows_check(n),
                    )
            log(f"KeyLedger evidence export {n:,}")
            with _recording(res.errors):
                from tests.bench import evidence_bench

                res.exports[n] = evidence_bench.measure_export(vault, n, runs, scratch)
            if n != largest:
                continue
            log(f"KeyLedger verify {n:,}")
            with _recording(res.errors):
                res.verify_cli = measure(
                    f"KeyLedger verify {n}",
                    lambda _i, v=vault: (v.cli("verify"), ""),
                    env,
                    runs,
                    _verify_check(res),
                )
            with _recording(res.errors):
                passes = [probe("verify", vault.working_copy(), env=env) for _ in range(runs)]
                res.verify_pass = statistics.median(p["seconds"] for p in passes)
                res.verify_events = int(passes[0]["events"])
            log(f"KeyLedger console unlock and filter @{n:,}")
            with _recording(res.errors):
                res.gui, res.gui_first = measure_console(vault, env, n, runs)
            log(f"KeyLedger add one @{n:,}")
            with _recording(res.errors):
                res.add = measure(
                    f"KeyLedger add one @{n}",
                    lambda i, v=vault: (
                        v.cli(
                            "secret",
                            "add",
                            "dev",
                            f"BENCH_ADDED_{i}",
                            "--env-var",
                            f"BENCH_ADDED_{i}",
                        ),
                        "sk-proj-" + os.urandom(24).hex() + "\n",
                    ),
                    env,
                    runs,
                    _added_check,
                    warm_up=False,
                )
    return res


def measure_console(
    vault: KeyLedgerVault, env: dict[str, str], n: int, runs: int
) -> tuple[dict[str, float], float]:
    """The console probe `runs` times (medians; the worst keystroke of all), then once with
    no metadata cache (unlock to table only)."""
    gui_env = {**env, "QT_QPA_PLATFORM": "offscreen"}
    found = []
    for _ in range(runs):
        gui = probe("gui", vault.published, env=gui_env)
        expect(int(gui["rows"]) == n, f"the console showed {gui['rows']} rows, not {n}")
        found.append(gui)
    vault.drop_cache()
    first = probe("gui", vault.published, env=gui_env)
    expect(int(first["rows"]) == n, f"the console showed {first['rows']} rows, not {n}")
    median = {k: statistics.median(g[k] for g in found) for k in found[0]}
    median["filter_max_ms"] = max(g["filter_max_ms"] for g in found)
    return median, first["unlock_to_table_s"]


def _verify_check(res: KeyLedgerResults) -> Callable[[Proc], None]:
    def check(proc: Proc) -> None:
        line = proc.stdout.strip()
        expect(bool(re.match(r"OK: \d+ commits, \d+ events", line)), f"unexpected output {line!r}")
        res.verify_line = line

    return check


def _added_check(proc: Proc) -> None:
    expect(proc.stdout.startswith("Added BENCH_ADDED_"), f"unexpected output {proc.stdout!r}")


@contextlib.contextmanager
def _recording(errors: list[str]) -> Iterator[None]:
    try:
        yield
    except OperationFailed as exc:
        log(f"FAILED: {exc}")
        errors.append(str(exc))


# -- KeePassXC -------------------------------------------------------------------------------
@dataclass
class PeerResults:
    status: str = "not installed"  # or "ok", or why it is unavailable
    version: str = ""
    kdf_seconds: float | None = None
    kdf_params: tuple[int, int, int] | None = None  # memory bytes, iterations, lanes
    lists: dict[int, Measure] = field(default_factory=dict)
    add: Measure | None = None
    errors: list[str] = field(default_factory=list)


def pykeepass_path(cache: Path) -> Path:
    target = cache / "pydeps"
    if not (target / "pykeepass" / "__init__.py").exists():
        log(f"installing pykeepass into {target} (only to build the KDBX4 files)")
        subprocess.run(
            [PY, "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
            + ["--target", str(target), "pykeepass"],
            check=True,
            capture_output=True,
        )
    return target


def build_kdbx(path: Path, n: int, params: tuple[int, int, int], deps: Path) -> None:
    if path.exists():
        return
    if n:
        log(f"building a KDBX4 file of {n:,} entries (once; cached in {path})")
    env = base_env()
    env["PYTHONPATH"] = os.pathsep.join([str(deps), str(ROOT)])
    tmp = path.with_name(f".building-{path.name}-{os.getpid()}")
    proc = subprocess.run(
        [PY, "-m", "tests.bench.build", "kdbx", str(tmp), str(n), *map(str, params)],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    if proc.returncode != 0:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise OperationFailed(f"building {path.name} failed: {proc.stderr.strip()[-2000:]}")
    info = subprocess.run(
        [KEEPASSXC, "db-info", "-q", str(tmp)],
        input=PASSPHRASE + "\n",
        capture_output=True,
        text=True,
    )
    head = tmp.read_bytes()[8:12]
    version = (int.from_bytes(head[2:4], "little"), int.from_bytes(head[0:2], "little"))
    if info.returncode != 0 or "KDF: Argon2id" not in info.stdout or version != (4, 0):
        tmp.unlink()
        raise OperationFailed(f"{path.name} is not KDBX4 with Argon2id: {info.stdout[:300]}")
    tmp.rename(path)


def kdbx_path(cache: Path, n: int, params: tuple[int, int, int]) -> Path:
    memory, iterations, lanes = params
    return cache / f"kdbx-{n}-m{memory // 1024}k-t{iterations}-p{lanes}.kdbx"


def peer_open_seconds(path: Path, runs: int) -> float:
    """Median whole-process time of `keepassxc-cli db-info` (open, KDF, decrypt) on a file."""
    times = []
    env = base_env()
    for _ in range(runs):
        proc = run_process([KEEPASSXC, "db-info", "-q", str(path)], env, stdin=PASSPHRASE + "\n")
        if proc.returncode != 0:
            raise OperationFailed(f"keepassxc-cli db-info {path.name}: {proc.stderr.strip()}")
        times.append(proc.seconds)
    return statistics.median(times)


def peer_kdf(
    cache: Path, ours: dict[str, float], deps: Path, rebuild: bool
) -> tuple[tuple[int, int, int], float]:
    """Argon2id passes that make KeePassXC's KDF cost what ours does, and that cost.

    KeePassXC's KDF time is read as db-info on an empty KDBX4 with the parameters minus db-info
    on one with a negligible KDF (1 MiB, one pass). Memory and lanes stay ours; the passes are
    interpolated from one and from our pass count, then the nearest of the neighbours wins.
    """
    memory = int(ours["memory_kib"]) * 1024
    lanes = int(ours["lanes"])
    target = float(ours["seconds"])
    runs = 5

    def empty(iterations: int, mem: int = memory) -> Path:
        path = kdbx_path(cache, 0, (mem, iterations, lanes))
        build_kdbx(path, 0, (mem, iterations, lanes), deps)
        return path

    base = peer_open_seconds(empty(1, 1024 * 1024), runs)

    def cost(iterations: int) -> float:
        return max(0.0, peer_open_seconds(empty(iterations), runs) - base)

    saved = cache / f"peer-kdf-m{memory // 1024}k-p{lanes}.json"
    if saved.exists() and not rebuild:
        iterations = int(json.loads(saved.read_text(encoding="utf-8"))["iterations"])
        return (memory, iterations, lanes), cost(iterations)
    log("tuning KeePassXC's Argon2id to our KDF time")
    ours_t = max(2, int(ours["iterations"]))
    costs = {1: cost(1), ours_t: cost(ours_t)}
    slope = max((costs[ours_t] - costs[1]) / (ours_t - 1), 1e-4)
    guess = min(64, max(1, round(1 + (target - costs[1]) / slope)))
    for candidate in (guess - 1, guess, guess + 1):
        if 1 <= candidate <= 64 and candidate not in costs:
            costs[candidate] = cost(candidate)
    iterations = min(costs, key=lambda i: abs(costs[i] - target))
    saved.write_text(json.dumps({"iterations": iterations, "costs": costs}), encoding="utf-8")
    return (memory, iterations, lanes), costs[iterations]


def ls_check(n: int) -> Callable[[Proc], None]:
    def check(proc: Proc) -> None:
        lines = proc.stdout.splitlines()
        entries = [line for line in lines if line.startswith("  ") and not line.endswith("/")]
        expect(len(entries) == n, f"listed {len(entries)} entries, expected {n}")

    return check


def bench_peer(
    sizes: list[int],
    runs: int,
    cache: Path,
    scratch: Path,
    ours_kdf: dict[str, float] | None,
    rebuild: bool,
) -> PeerResults:
    res = PeerResults()
    if shutil.which(KEEPASSXC) is None:
        return res
    try:
        res.version = subprocess.run(
            [KEEPASSXC, "--version"], capture_output=True, text=True
        ).stdout.strip()
        if ours_kdf is None:
            raise OperationFailed("our KDF time is unknown, so the peer's cannot be matched")
        deps = pykeepass_path(cache)
        res.kdf_params, res.kdf_seconds = peer_kdf(cache, ours_kdf, deps, rebuild)
        res.status = "ok"
    except (OperationFailed, subprocess.CalledProcessError, OSError) as exc:
        res.status = f"unavailable ({exc})"
        log(f"peer {res.status}")
        return res
    largest = max(sizes)
    env = base_env()
    for n in sizes:
        built = kdbx_path(cache, n, res.kdf_params)
        try:
            if rebuild and built.exists():
                built.unlink()
            build_kdbx(built, n, res.kdf_params, deps)
        except OperationFailed as exc:
            res.errors.append(str(exc))
            continue
        db = scratch / built.name
        shutil.copyfile(built, db)
        try:
            log(f"KeePassXC ls -R {n:,}")
            with _recording(res.errors):
                res.lists[n] = measure(
                    f"KeePassXC ls -R {n}",
                    lambda _i, db=db: ([KEEPASSXC, "ls", "-R", "-q", str(db)], PASSPHRASE + "\n"),
                    env,
                    runs,
                    ls_check(n),
                )
            if n != largest:
                continue
            log(f"KeePassXC add one @{n:,}")
            with _recording(res.errors):
                res.add = measure(
                    f"KeePassXC add one @{n}",
                    lambda i, db=db: (
                        [KEEPASSXC, "add", "-q", "-p", str(db), f"dev/BENCH_ADDED_{i}"],
                        f"{PASSPHRASE}\nsk-proj-{os.urandom(24).hex()}\n",
                    ),
                    env,
                    runs,
                    lambda _proc: None,
                    warm_up=False,
                )
        finally:
            db.unlink()
    return res


# -- the table -------------------------------------------------------------------------------
def size_label(n: int) -> str:
    if n >= 1000 and n % 1000 == 0:
        return f"{n // 1000}k"
    return str(n)


def fmt_s(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    return f"{seconds:.3f} s" if seconds < 10 else f"{seconds:.1f} s"


def fmt_mb(kib: int | None) -> str:
    return "—" if kib is None else f"{kib * 1024 / 1e6:.0f} MB"


@dataclass
class Row:
    op: str
    ours: str
    peer: str
    ratio: str
    target: str
    result: str


def ratio_row(
    op: str,
    ours: Measure | None,
    peer: Measure | None,
    peer_status: str,
    limit: float | None,
    smoke: bool,
) -> Row:
    ours_s = ours.seconds if ours else None
    if peer is not None:
        peer_text = fmt_s(peer.seconds)
    elif peer_status == "ok":
        peer_text = "failed"
    else:
        peer_text = peer_status.split(" (")[0]
    ratio = ours_s / peer.seconds if ours_s is not None and peer is not None else None
    target = "—" if smoke or limit is None else f"≤ {limit:g}×"
    if ours is None:
        result = "ERROR"
    elif smoke:
        result = "ok"
    elif limit is None:
        result = "—"
    elif ratio is None:
        result = "n/a"
    else:
        result = "PASS" if ratio <= limit else "FAIL"
    return Row(
        op, fmt_s(ours_s), peer_text, "—" if ratio is None else f"{ratio:.3f}×", target, result
    )


def absolute_row(
    op: str, value: float | None, text: str, limit: float, unit: str, smoke: bool, peer: str = "—"
) -> Row:
    if value is None:
        result = "ERROR"
    elif smoke:
        result = "ok"
    else:
        result = "PASS" if value <= limit else "FAIL"
    target = "—" if smoke else f"≤ {limit:g} {unit}"
    return Row(op, text, peer, "—", target, result)


def build_rows(
    sizes: list[int], ours: KeyLedgerResults, peer: PeerResults, smoke: bool
) -> list[Row]:
    largest = max(sizes)
    big = size_label(largest)
    rows = []
    for n in sizes:
        limit = TARGET_LIST_SMALL if n < 100_000 else TARGET_LIST_LARGE
        rows.append(
            ratio_row(
                f"open+list {size_label(n)}",
                ours.lists.get(n),
                peer.lists.get(n),
                peer.status,
                limit,
                smoke,
            )
        )
    first = ratio_row(
        f"open+list {big}, first open (no metadata cache)",
        ours.list_first,
        peer.lists.get(largest),
        peer.status,
        None,
        smoke,
    )
    if ours.list_first is not None or not smoke:
        rows.append(first)
    rows.append(ratio_row(f"add one @{big}", ours.add, peer.add, peer.status, TARGET_ADD, smoke))
    verify = ours.verify_cli.seconds if ours.verify_cli else None
    rows.append(
        absolute_row(
            f"verify {big} events (CLI: shared file + working copy)",
            verify,
            fmt_s(verify),
            TARGET_VERIFY_S,
            "s",
            smoke,
        )
    )
    one = absolute_row(
        f"verify {big} events (one pass, in-process)",
        ours.verify_pass,
        fmt_s(ours.verify_pass),
        TARGET_VERIFY_S,
        "s",
        smoke,
    )
    if not smoke and one.result != "ERROR":
        one.result += " (info)"
    rows.append(one)
    gui = ours.gui or {}
    unlock = gui.get("unlock_to_table_s")
    rows.append(
        absolute_row(
            f"console: unlock to table, {big}",
            unlock,
            fmt_s(unlock),
            TARGET_GUI_UNLOCK_S,
            "s",
            smoke,
        )
    )
    if not smoke or ours.gui_first is not None:
        rows.append(
            Row(
                f"console: unlock to table, {big}, no metadata cache",
                fmt_s(ours.gui_first),
                "—",
                "—",
                "—",
                "—" if ours.gui_first is not None else "ERROR",
            )
        )
    keystroke = gui.get("filter_max_ms")
    rows.append(
        absolute_row(
            f"console: filter per keystroke (worst), {big}",
            keystroke,
            "—" if keystroke is None else f"{keystroke:.0f} ms",
            TARGET_FILTER_MS,
            "ms",
            smoke,
        )
    )
    from tests.bench import evidence_bench

    rows += evidence_bench.rows(sizes, ours.exports, smoke)
    listed = ours.lists.get(largest)
    peer_list = peer.lists.get(largest)
    rss = listed.maxrss_kib if listed else None
    rows.append(
        absolute_row(
            f"peak RSS, list {big}",
            None if rss is None else rss * 1024 / 1e6,
            fmt_mb(rss),
            TARGET_RSS_MB,
            "MB",
            smoke,
            peer=fmt_mb(peer_list.maxrss_kib) if peer_list else "—",
        )
    )
    if rss is not None and peer_list is not None:
        rows[-1].ratio = f"{rss / peer_list.maxrss_kib:.3f}×"
    return rows


def render(rows: list[Row]) -> str:
    headers = Row("operation", "KeyLedger", "KeePassXC", "ratio", "target", "result")
    cells = [[getattr(r, f) for f in Row.__dataclass_fields__] for r in [headers, *rows]]
    widths = [max(len(c[i]) for c in cells) for i in range(len(cells[0]))]
    lines = []
    for index, row in enumerate(cells):
        lines.append(
            "  ".join(
                c.ljust(w) if i == 0 else c.rjust(w) if i < 4 else c.ljust(w)
                for i, (c, w) in enumerate(zip(row, widths, strict=True))
            ).rstrip()
        )
        if index == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def kdf_lines(ours: KeyLedgerResults, peer: PeerResults) -> list[str]:
    lines = []
    if ours.kdf:
        k = ours.kdf
        lines.append(
            f"KDF  KeyLedger: Argon2id m={int(k['memory_kib']) // 1024} MiB"
            f" t={int(k['iterations'])} p={int(k['lanes'])}: {k['seconds'] * 1000:.0f} ms"
            " (in-process, median of 5)"
        )
    if peer.kdf_params and peer.kdf_seconds is not None:
        memory, iterations, lanes = peer.kdf_params
        lines.append(
            f"KDF  KeePassXC: KDBX4 Argon2id m={memory >> 20} MiB t={iterations} p={lanes}:"
            f" {peer.kdf_seconds * 1000:.0f} ms (db-info minus db-info with a 1 MiB, 1-pass KDF)"
        )
    return lines


def parse_sizes(text: str) -> list[int]:
    try:
        sizes = sorted({int(s.replace("_", "")) for s in text.split(",") if s.strip()})
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a list of sizes: {text!r}") from None
    if not sizes or min(sizes) < 1:
        raise argparse.ArgumentTypeError("sizes must be positive")
    return sizes


def compile_app() -> None:
    """Write app/'s bytecode (__pycache__, git-ignored) before anything is timed, as an install
    does (pip and the bundle ship compiled modules): where PYTHONDONTWRITEBYTECODE is set, every
    measured process would otherwise compile each module it imports (~0.1 s a start)."""
    subprocess.run([PY, "-m", "compileall", "-q", str(ROOT / "app")], check=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tests.bench.run", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--sizes", type=parse_sizes, default=[10_000, 100_000])
    parser.add_argument("--runs", type=int, default=3, help="timed runs per figure (median)")
    parser.add_argument("--smoke", action="store_true", help="200 secrets, one run, no peer")
    parser.add_argument("--no-peer", action="store_true", help="skip KeePassXC")
    parser.add_argument("--cache-dir", type=Path, default=DEFAULT_CACHE)
    parser.add_argument("--rebuild", action="store_true", help="rebuild cached databases")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    args = parser.parse_args(argv)
    if args.smoke:
        args.sizes, args.runs, args.no_peer = [200], 1, True
    cache: Path = args.cache_dir
    cache.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    compile_app()
    with tempfile.TemporaryDirectory(prefix="run-", dir=cache) as tmp:
        scratch = Path(tmp)
        ours = bench_keyledger(args.sizes, args.runs, cache, scratch, args.rebuild)
        peer = PeerResults(status="skipped") if args.no_peer else PeerResults()
        if not args.no_peer:
            peer = bench_peer(args.sizes, args.runs, cache, scratch, ours.kdf, args.rebuild)
    rows = build_rows(args.sizes, ours, peer, args.smoke)
    mode = "smoke check" if args.smoke else "benchmark"
    print(
        f"KeyLedger {mode}: whole-process wall time, median of {args.runs} run(s)"
        + (
            f" ({max(args.runs, SHORT_RUNS)} where one takes < {QUICK_S:g} s)"
            if args.runs > 1
            else ""
        )
        + " after a checked warm-up; ratio = KeyLedger / KeePassXC"
    )
    print(render(rows))
    for line in kdf_lines(ours, peer):
        print(line)
    if ours.verify_line:
        print(f"verify said: {ours.verify_line}")
    if peer.version:
        print(f"peer: keepassxc-cli {peer.version} ({peer.status}); KDBX4 built with pykeepass")
    elif not args.no_peer:
        print("peer: keepassxc-cli not installed (apt-get install keepassxc); ratios not measured")
    errors = ours.errors + peer.errors
    for error in errors:
        print(f"error: {error}")
    print(f"({time.perf_counter() - started:.0f} s, machine: {os.cpu_count()} CPUs)")
    if ours.errors or any(r.result == "ERROR" for r in rows):
        return 1
    if args.strict and any(r.result == "FAIL" for r in rows):
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
