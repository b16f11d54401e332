"""`dualpower import-roll`, `roll sync/add/leave/move` and `invitations issue` as whole processes
(DESIGN.md 2.10, 4.1) on SQLite and PostgreSQL: hostile roll files (long fields, NUL, control
characters, a byte-order mark inside, bad e-mail, duplicates) exit 2 with one line naming the
line, nothing changed; a sync's dry run, then its application; invitations to CSV and to a
printable sheet, the codes working once."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select
from test_cli import founded, members, one_clear_line, run, scalar, url  # noqa: F401

from dualpower.bootstrap import build
from dualpower.services import invitations
from dualpower.store import tables as t

HEAD = "username,name,email\n"
HOSTILE = [
    (HEAD + "anna,Anna,\nivan," + "I" * 201 + ",\n", 3, "at most 200"),
    (HEAD + "anna," + "N" * 131_000 + ",\n", 2, "at most 200"),
    (HEAD + "anna,An\x00na,\n", 2, "U+0000"),
    (HEAD + "anna,Anna\x07,\n", 2, "U+0007"),
    (HEAD + "anna,An\ufeffna,\n", 2, "U+FEFF"),
    (HEAD + "anna,Anna,\nivan,Ivan\u202eavon,\n", 3, "U+202E"),
    (HEAD + "anna,Anna," + "a" * 250 + "@example.org\n", 2, "at most 254"),
    (HEAD + "anna,Anna,anna@@example.org\n", 2, "bad email"),
    (HEAD + "anna,Anna,anna@exa\x01mple.org\n", 2, "U+0001"),
    (HEAD + "a" * 81 + ",Anna,\n", 2, "bad username"),
    (HEAD + "an\x00na,Anna,\n", 2, "bad username"),
    (HEAD + "anna,Anna,\nivan,Ivan,\nanna,Anna Again,\n", 4, "already on line 2"),
    ("username,name,name\nanna,Anna,Anna\n", 1, "twice"),
    ("username,name,language\nanna,Anna,ru\nivan,Ivan,fr\n", 3, "not one of en, ru"),
]


def _roll(tmp_path: Path, content: str) -> Path:
    path = tmp_path / "roll.csv"
    path.write_text(content, encoding="utf-8")
    return path


def _memberships(url: str) -> int:  # noqa: F811
    return int(scalar(url, select(func.count()).select_from(t.memberships)))  # type: ignore[arg-type]


@pytest.mark.slow  # 26 processes on each database
def test_hostile_roll_files_exit_2_naming_the_line(founded: str, tmp_path: Path) -> None:  # noqa: F811
    before = (members(founded), _memberships(founded))
    for content, line, words in HOSTILE:
        roll = _roll(tmp_path, content)
        for args in (
            ("import-roll", str(roll), "--unit", "Forge"),
            ("roll", "sync", str(roll), "--unit", "Forge"),
        ):
            proc = run(founded, *args)
            assert proc.returncode == 2, (args, content[:60], proc.stderr)
            message = one_clear_line(proc.stderr)
            assert len(message) < 300, message
            assert f"line {line}:" in message and words in message, (content[:60], message)
    assert (members(founded), _memberships(founded)) == before


def test_roll_add_move_leave_and_sync(founded: str, tmp_path: Path) -> None:  # noqa: F811
    proc = run(founded, "roll", "add", "newbie", "New Member", "--unit", "Farm")
    assert proc.returncode == 0, proc.stderr
    assert run(founded, "roll", "move", "newbie", "--to", "Mill").returncode == 0
    proc = run(founded, "roll", "move", "newbie", "--to", "Atlantis")
    assert proc.returncode == 2 and "Atlantis" in one_clear_line(proc.stderr)
    assert run(founded, "roll", "leave", "newbie").returncode == 0
    proc = run(founded, "roll", "add", "bad", "Bad\x07", "--unit", "Farm")
    assert proc.returncode == 2 and "U+0007" in one_clear_line(proc.stderr)
    rows = "".join(f"farm{i},Farm Member {i},\n" for i in range(1, 8))
    roll = _roll(tmp_path, HEAD + rows + "farmnew,Farm New,new@example.org\n")
    before = members(founded), _memberships(founded)
    dry = run(founded, "roll", "sync", str(roll), "--unit", "Farm", "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert "join\tfarmnew" in dry.stdout and "leave\tfarm8" in dry.stdout
    assert "would 1 join" in dry.stdout
    assert (members(founded), _memberships(founded)) == before
    done = run(founded, "roll", "sync", str(roll), "--unit", "Farm")
    assert done.returncode == 0 and "applied" in done.stdout
    assert members(founded) == before[0] + 1
    assert run(founded, "audit", "verify").returncode == 0
    assert run(founded, "check").returncode == 0


def test_invitations_to_csv_and_a_printable_sheet(founded: str, tmp_path: Path) -> None:  # noqa: F811
    for i in range(3):
        assert run(founded, "roll", "add", f"new{i}", f"New {i}", "--unit", "Forge").returncode == 0
    assert run(founded, "invitations", "issue").returncode == 2  # where to? one line
    csv_file, sheet = tmp_path / "codes.csv", tmp_path / "sheet.html"
    proc = run(
        founded,
        "invitations",
        "issue",
        "--unit",
        "Forge",
        "--csv",
        str(csv_file),
        "--sheet",
        str(sheet),
        "--language",
        "ru",
    )
    assert proc.returncode == 0, proc.stderr
    lines = csv_file.read_text().splitlines()
    assert lines[0] == "username,code,expires_at" and len(lines) == 4
    html = sheet.read_text()
    assert html.count('class="slip"') == 3 and "Приглашение" in html
    username, code, _ = lines[1].split(",")
    assert code in html
    again = run(founded, "invitations", "issue", "--csv", str(csv_file))
    assert again.returncode == 2 and "exists" in one_clear_line(again.stderr)
    system = build(founded, migrate=False)
    try:
        done = invitations.redeem(system.uow(), code, "my own password")
        assert done.issued.member.username == username
    finally:
        system.engine.dispose()
    payloads = scalar(founded, select(func.count()).where(t.audit_log.c.payload.contains(code)))
    assert payloads == 0  # the log never holds a code


@pytest.mark.parametrize("hostile", ["a" * 300, "x\x07y"])
def test_hostile_invitation_unit(founded: str, hostile: str) -> None:  # noqa: F811
    proc = run(founded, "invitations", "issue", "--unit", hostile, "--csv", "-")
    assert proc.returncode == 2
    one_clear_line(proc.stderr)
