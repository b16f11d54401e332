"""Each check of issue 7 fails when its rule is broken (and of issue 22: a public route leaking a
roll, a pseudonym link hashed into the chain, ...): for every item, copy the repository to a
temporary directory, break the rule there with one small source change, run the item's tests
against the copy, and record whether they failed, as they must. /work/main is never modified.

    .venv/bin/python tools/break_rules.py              # every item
    .venv/bin/python tools/break_rules.py csrf xss     # some items (by key)
    .venv/bin/python tools/break_rules.py --control    # also run each item's tests unbroken

Prints a table (item, mutation, tests, result) and exits 1 if any mutation survived (its tests
passed with the rule broken), or could not be applied (the source changed under it). The tests
run on SQLite (DUALPOWER_TEST_PG_URL is removed from their environment) with the copy's src
first on PYTHONPATH. Standard library only.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYTHON = ROOT / ".venv" / "bin" / "python"
SKIP = shutil.ignore_patterns(
    ".venv", ".git", ".mypy_cache", ".ruff_cache", ".hypothesis", ".pytest_cache", "__pycache__"
)


@dataclass(frozen=True)
class Mutation:
    key: str
    item: str
    what: str  # the broken rule, in words
    path: str
    old: str  # must occur exactly once in the file
    new: str
    tests: tuple[str, ...]
    extra: tuple[str, ...] = ()  # more pytest options


MUTATIONS = [
    Mutation(
        "races",
        "1 races",
        "drop the primary key (election, member) of participations: one ballot per member",
        "src/dualpower/store/migrations/versions/0001_initial_schema.py",
        '        sa.PrimaryKeyConstraint("election_id", "member_id", '
        'name=op.f("pk_participations")),\n',
        "",
        (
            "tests/integration/migrations/test_trust_unique_rules.py",
            "tests/e2e/web/test_trust_races.py::test_ballots_count_once",
        ),
    ),
    Mutation(
        "crash",
        "2 crashes",
        "the ballot batcher answers (receipts) before its transaction commits",
        "src/dualpower/services/ballot_batch.py",
        "                    outcomes = cast_batch_in(uow, requests)\n"
        "                    uow.commit()\n",
        "                    outcomes = cast_batch_in(uow, requests)\n"
        "                    for (_, settle), outcome in zip(batch, outcomes, strict=True):\n"
        "                        _safely(settle, outcome)\n"
        '                    __import__("time").sleep(0.3)\n'
        "                    uow.commit()\n",
        ("tests/integration/test_crash_recovery.py",),
    ),
    Mutation(
        "durability",
        "3 durability",
        "SQLite synchronous=NORMAL instead of FULL",
        "src/dualpower/store/db.py",
        'cursor.execute("PRAGMA synchronous=FULL")',
        'cursor.execute("PRAGMA synchronous=NORMAL")',
        ("tests/integration/store/test_durability_settings.py",),
    ),
    Mutation(
        "merkle",
        "4 tamper evidence",
        "Merkle leaf hashes without the 0x00 prefix (RFC 6962 domain separation)",
        "src/dualpower/audit/merkle.py",
        'return hashlib.sha256(b"\\x00" + data).digest()',
        "return hashlib.sha256(data).digest()",
        ("tests/unit/audit/test_merkle.py", "tests/unit/audit/test_audit_mutations.py"),
    ),
    Mutation(
        "verifier",
        "5 verifier",
        "tools/verify_export.py ignores the elections' tallies",
        "tools/verify_export.py",
        "        check_tally(where, e, r)\n",
        "        pass  # check_tally(where, e, r)\n",
        ("tests/e2e/cli/test_audit_verify_export.py",),
    ),
    Mutation(
        "sessions",
        "6 sessions/login",
        "logout leaves the session token valid",
        "src/dualpower/services/accounts.py",
        "        uow.tokens.remove(_digest(token))",
        "        pass  # uow.tokens.remove(_digest(token))",
        (
            "tests/unit/services/test_limits_sessions_logins.py",
            "tests/e2e/web/test_limits_web.py::test_login_form_replaces_the_session_cookie_and_logout_refuses_it",
        ),
    ),
    Mutation(
        "csrf",
        "7 CSRF",
        "check_csrf accepts any token (the check is skipped)",
        "src/dualpower/web/deps.py",
        "    if not expected or not given or not secrets.compare_digest(expected, given):\n",
        "    if False:\n",
        ("tests/e2e/web/test_csrf_all_routes.py",),
        ("-x",),
    ),
    Mutation(
        "xss",
        "8 stored XSS",
        "Jinja autoescape off",
        "src/dualpower/web/deps.py",
        "    autoescape=True,",
        "    autoescape=False,",
        ("tests/e2e/web/test_xss_all_pages.py",),
        ("-x",),
    ),
    Mutation(
        "limits",
        "9 rate limits",
        "limits.check never refuses (the rate limit is not checked)",
        "src/dualpower/services/limits.py",
        "    if delay is not None:\n        raise refusal(rule, delay)\n",
        "    if False:\n        raise refusal(rule, delay)\n",
        ("tests/e2e/web/test_limits_web.py",),
    ),
    Mutation(
        "apifuzz",
        "10 API fuzzing",
        "a NotFound refusal answers 500 instead of 404",
        "src/dualpower/web/errors.py",
        "    (e.NotFound, 404),",
        "    (e.NotFound, 500),",
        ("tests/e2e/web/test_fuzz_api_schema.py",),
    ),
    Mutation(
        "parsers",
        "11 parser fuzzing",
        "the BLT reader no longer refuses a file without its end-of-ballots line",
        "src/dualpower/counting/readers.py",
        "    if end is None:\n        last = data.count",
        "    if end is None and False:\n        last = data.count",
        ("tests/property/test_fuzz_parsers.py::test_blt_reader_raises_only_ballot_file_errors",),
    ),
    Mutation(
        "secret",
        "12 secret ballots",
        "the audit log records a secret ballot's choices with its voter's participation",
        "src/dualpower/services/elections.py",
        '        uow.record("election.participate", {"election": election.id, "member": voter_id})',
        '        uow.record("election.participate", {"election": election.id, "member": voter_id,'
        ' "choices": ballot["choices"]})',
        ("tests/e2e/web/test_audit_secret_ballot.py",),
    ),
    Mutation(
        "machine",
        "13 state machine",
        "a recall opens no by-election for the emptied seats",
        "src/dualpower/services/recall.py",
        "    by_elections = open_by_elections(uow, ended, known)\n",
        "    by_elections = []  # open_by_elections(uow, ended, known)\n",
        ("tests/property/test_state_machine.py::test_sqlite_state_machine",),
    ),
    # Issue 22, the privacy of the record (DESIGN.md 2.11)
    Mutation(
        "roll",
        "22 privacy",
        "a public route leaks a roll: the unit page lists its members to anyone",
        "src/dualpower/services/views.py",
        '            "members": [_member(m) for m in roll] if may_see else None,',
        '            "members": [_member(m) for m in roll] if True else None,',
        ("tests/e2e/web/test_privacy_crawl.py::test_an_anonymous_visitor_reads_no_private_member",),
    ),
    Mutation(
        "unit_names",
        "22 privacy",
        "any member reads a unit's signers, reporters and voters by name, not only the unit's",
        "src/dualpower/services/visibility.py",
        "    if concerning is None:  # members of the federation\n",
        "    if True:\n",
        ("tests/e2e/web/test_visibility_matrix.py::test_names_by_role",),
    ),
    Mutation(
        "route_roles",
        "22 privacy",
        "a member of another unit reads the unit's reporters and signers: every read route crawled",
        "src/dualpower/services/visibility.py",
        "    if concerning is None:  # members of the federation\n",
        "    if True:\n",
        (
            "tests/e2e/web/test_visibility_by_route.py::test_no_read_route_shows_a_role_what_is_not_for_it",
        ),
    ),
    Mutation(
        "names",
        "22 privacy",
        "every reader is taken for a member: names of signers, authors, voters shown to anyone",
        "src/dualpower/services/visibility.py",
        "    return ask is not None and not ask()",
        "    return False",
        ("tests/e2e/web/test_privacy_crawl.py::test_an_anonymous_visitor_reads_no_private_member",),
    ),
    Mutation(
        "pseudonym",
        "22 privacy",
        "a pseudonym link hashed into the chain: federation.found logs the roll by username",
        "src/dualpower/services/founding.py",
        '"roll": roll,',
        '"roll": [[m.username, m.unit] for m in plan.members],',
        ("tests/unit/services/test_privacy_log.py",),
    ),
    Mutation(
        "forget",
        "22 privacy",
        "member forget keeps the e-mail address",
        "src/dualpower/services/forget.py",
        '            "email": None,\n',
        "",
        (
            "tests/e2e/cli/test_privacy_export.py::test_forget_erases_the_member_and_the_record_still_verifies",
        ),
    ),
    Mutation(
        "lot",
        "22 privacy",
        "the server picks the panel's seed at the draw (secrets), not the report entry's hash",
        "src/dualpower/services/panels.py",
        "        seq, seed = sealed\n",
        "        seq, seed = sealed[0], lot.new_seed()\n",
        ("tests/e2e/cli/test_privacy_lot.py",),
    ),
    Mutation(
        "lot_delay",
        "22 privacy",
        "the seed is the report entry's own hash, not the entry SEED_AFTER places later",
        "src/dualpower/services/panels.py",
        '    return seq + int(payload.get("seed_after", 0))',
        "    return seq",
        ("tests/e2e/cli/test_privacy_lot.py",),
    ),
    Mutation(
        "lot_pool",
        "22 privacy",
        "the panel is drawn from the rolls at the draw, not from the pool published at the filing",
        "src/dualpower/services/panels.py",
        '    if payload is not None and "pool" in payload:\n',
        "    if False:\n",
        ("tests/e2e/cli/test_privacy_lot.py::test_the_pool_is_fixed_when_the_report_is_filed",),
    ),
    Mutation(
        "suspension",
        "22 privacy",
        "a suspended member still drafts motions",
        "src/dualpower/services/motions.py",
        "        may_speak(uow, author_id)  # a suspension from posting holds for motions too\n",
        "        pass\n",
        ("tests/e2e/cli/test_privacy_lot.py::test_a_suspension_holds_for_motions_and_reports",),
    ),
]


def copy_repo(into: Path) -> Path:
    target = into / "repo"
    shutil.copytree(ROOT, target, ignore=SKIP, symlinks=True)
    return target


def mutate(repo: Path, m: Mutation) -> str | None:
    """Apply the mutation; the reason it cannot be applied, or None."""
    path = repo / m.path
    text = path.read_text(encoding="utf-8")
    found = text.count(m.old)
    if found != 1:
        return f"the text to change occurs {found} times in {m.path}"
    path.write_text(text.replace(m.old, m.new), encoding="utf-8")
    return None


def run_tests(repo: Path, m: Mutation) -> tuple[str, str, float]:
    """('failed'|'passed'|'error', summary line, seconds)."""
    env = {k: v for k, v in os.environ.items() if k != "DUALPOWER_TEST_PG_URL"}
    env["PYTHONPATH"] = os.pathsep.join([str(repo / "src"), str(repo / "tests")])
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    command = [str(PYTHON), "-m", "pytest", "-q", "-p", "no:cacheprovider", *m.extra, *m.tests]
    began = time.monotonic()
    done = subprocess.run(command, cwd=repo, env=env, capture_output=True, text=True)
    seconds = time.monotonic() - began
    lines = [ln for ln in done.stdout.splitlines() if ln.strip()]
    summary = lines[-1].strip("= ") if lines else done.stderr.strip()[-200:]
    counts = dict((w, int(n)) for n, w in re.findall(r"(\d+) (failed|passed|error)", summary))
    failing = sorted(
        {
            re.sub(r"\[.*", "", ln.split()[1].split("::")[-1])
            for ln in lines
            if ln.startswith(("FAILED ", "ERROR "))
        }
    )
    if failing:
        summary += "; " + ", ".join(failing[:3]) + (" ..." if len(failing) > 3 else "")
    if counts.get("failed") or counts.get("error"):
        return "failed", summary, seconds
    if done.returncode == 0 and counts.get("passed"):
        return "passed", summary, seconds
    return "error", summary or f"pytest exit {done.returncode}", seconds


def uses_copy(repo: Path) -> bool:
    """The copy's src is what the tests import (not /work/main's editable install)."""
    env = dict(os.environ, PYTHONPATH=str(repo / "src"))
    out = subprocess.run(
        [str(PYTHON), "-c", "import dualpower; print(dualpower.__file__)"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return out.strip().startswith(str(repo))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("keys", nargs="*", help=", ".join(m.key for m in MUTATIONS))
    parser.add_argument("--control", action="store_true", help="also run the tests unbroken")
    parser.add_argument("--keep", action="store_true", help="keep the temporary copies")
    args = parser.parse_args()
    chosen = [m for m in MUTATIONS if not args.keys or m.key in args.keys]
    rows: list[tuple[str, str, str, str]] = []
    bad = 0
    for m in chosen:
        work = Path(tempfile.mkdtemp(prefix=f"break_{m.key}_"))
        try:
            repo = copy_repo(work)
            if not uses_copy(repo):
                raise SystemExit("the tests would import /work/main's src, not the copy's")
            tests = " ".join(t.removeprefix("tests/") for t in m.tests)
            if args.control:
                status, summary, secs = run_tests(repo, m)
                rows.append((m.item, "(none: control)", tests, f"{status}: {summary}"))
                print(f"{m.item} control: {status} ({summary}, {secs:.0f} s)", flush=True)
            problem = mutate(repo, m)
            if problem is not None:
                result = f"NOT APPLIED: {problem}"
                bad += 1
            else:
                status, summary, secs = run_tests(repo, m)
                if status == "failed":
                    result = f"FAILED, as it must ({summary}, {secs:.0f} s)"
                elif status == "passed":
                    result = f"SURVIVED: the tests passed with the rule broken ({summary})"
                    bad += 1
                else:
                    result = f"ERROR (not a test failure): {summary}"
                    bad += 1
            rows.append((m.item, m.what, tests, result))
            print(f"{m.item}: {result}", flush=True)
        finally:
            if not args.keep:
                shutil.rmtree(work, ignore_errors=True)
    print()
    print("| item | mutation (in a temporary copy) | tests | result |")
    print("|---|---|---|---|")
    for row in rows:
        print("| " + " | ".join(cell.replace("|", "/") for cell in row) + " |")
    print(f"\n{len(chosen) - bad} of {len(chosen)} mutations caught")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
