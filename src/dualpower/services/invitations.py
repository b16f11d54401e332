"""Invitations and password resets (DESIGN.md 2.10): a member gets in with a one-time code and
sets their own password; a forgotten password is reset the same way.

- `issue_invitations`: a code for every member on the roll without a password (of one unit, or
  all), to print or to mail; a logged operator act that names how many, never a code. A new
  code replaces the member's unused one.
- `request_reset`: a code by mail for a member with an address; the answer is the same whether
  or not such a member or address exists.
- `redeem`: the code and a new password; the code works once and until it expires, the member's
  other sessions and tokens end, and an API token or page session is issued. Wrong codes are
  counted per client address (services/limits.py, CODE_FAILURES) and answered alike.
"""

from __future__ import annotations

from dataclasses import dataclass

from dualpower.domain import invitations as codes
from dualpower.domain.errors import BadCredentials, NotFound
from dualpower.domain.invitations import CodeMailed, IssuedCode
from dualpower.services import accounts, credentials, limits
from dualpower.services.roll import _find_unit
from dualpower.store.uow import UnitOfWork

BAD_CODE = "the code is unknown, used or expired"


@dataclass(frozen=True)
class Redeemed:
    issued: accounts.Issued
    purpose: str


def issue_invitations(
    uow: UnitOfWork,
    unit_ref: str | None = None,
    *,
    usernames: list[str] | None = None,
    mail: bool = False,
    actor: str,
) -> list[IssuedCode]:
    """Codes for the members without a password (of `unit_ref`, or everyone; or the members
    named). With `mail`, every member with an address is mailed after commit (the others' codes
    are returned to print). Returns the codes, shown once, each with its member's own language
    (None: they have none, and their slip takes the sheet's)."""
    with uow:
        unit_id = None
        federation = uow.federations.only()
        if unit_ref is not None:
            unit = _find_unit(uow, federation.id, unit_ref) if federation else None
            if unit is None:
                raise NotFound(f"no base unit {unit_ref!r}")
            unit_id = unit.id
        rows = uow.invitations.invitees(unit_id, all_=usernames is not None)
        if usernames is not None:
            wanted = set(usernames)
            rows = [r for r in rows if r.username in wanted]
            missing = wanted - {r.username for r in rows}
            if missing:
                raise NotFound(f"no member on a roll named {sorted(missing)[0]!r}")
        now = uow.now()
        expires_at = now + codes.lifetime("join")
        issued = [
            IssuedCode(
                r.id,
                r.username,
                r.display_name,
                r.email,
                r.unit_name,
                codes.new_code(),
                expires_at,
                language=r.language,
            )
            for r in rows
        ]
        uow.invitations.withdraw_unused([c.member_id for c in issued], "join")
        uow.invitations.add_many(
            [
                {
                    "member_id": c.member_id,
                    "code_hash": codes.digest(c.code),
                    "purpose": "join",
                    "created_at": now,
                    "expires_at": expires_at,
                }
                for c in issued
            ]
        )
        mailed = tuple(c for c in issued if mail and c.email)
        uow.record(
            "invitation.issue",
            {"unit": unit_id, "codes": len(issued), "mailed": len(mailed)},
            actor=actor,
            is_operator=True,
        )
        if mailed:
            uow.emit(CodeMailed(mailed))
        uow.commit()
    return issued


def request_reset(uow: UnitOfWork, who: str) -> None:
    """Mail a reset code to the member named (username or e-mail address) when they have an
    address; nothing happens otherwise, and the caller answers the same either way."""
    who = who.strip()
    if not who or len(who) > 254:
        return
    with uow:
        members = uow.members
        found = members.identity_of(email=who) if "@" in who else members.identity_of(username=who)
        if found is None or not found[3]:
            return
        member_id, username, display_name, email = found
        now = uow.now()
        code = IssuedCode(
            member_id,
            username,
            display_name,
            email,
            "",
            codes.new_code(),
            now + codes.lifetime("reset"),
            purpose="reset",
        )
        uow.invitations.withdraw_unused([member_id], "reset")
        uow.invitations.add_many(
            [
                {
                    "member_id": member_id,
                    "code_hash": codes.digest(code.code),
                    "purpose": "reset",
                    "created_at": now,
                    "expires_at": code.expires_at,
                }
            ]
        )
        uow.record("invitation.reset", {"member": member_id}, actor=str(member_id))
        uow.emit(CodeMailed((code,)))
        uow.commit()


def redeem(
    uow: UnitOfWork,
    code: str,
    password: str,
    *,
    kind: str = "api",
    address: str = "",
    replacing: str | None = None,
) -> Redeemed:
    """Set the member's own password with a code (once), end their other sessions and tokens,
    and issue a token (`kind` "api") or a page session."""
    credentials.check_new_password(password)
    normal = codes.normalise(code)
    if not normal or len(normal) > 64:
        raise BadCredentials(BAD_CODE)
    with UnitOfWork(uow.engine, clock=uow.clock, read_only=True) as reader:
        limits.check(reader, limits.CODE_FAILURES, address or "-")
        found = reader.invitations.find(codes.digest(normal))
    now = uow.now()
    if found is None or found[4] is not None or found[3] <= now:
        _count_failure(uow, address)
        raise BadCredentials(BAD_CODE)
    invitation_id, member_id, purpose = found[0], found[1], found[2]
    new_hash = accounts.hash_password(password)  # argon2 outside any transaction
    with uow:
        member = uow.members.get(member_id)
        if member is None or not uow.invitations.use(invitation_id, uow.now()):
            raise BadCredentials(BAD_CODE)  # a concurrent request used it first
        if replacing:
            uow.tokens.remove(accounts._digest(replacing))
        uow.credentials.clear_operator_password(member.id)  # the new session is the member's own
        issued = accounts._issue(uow, member, kind)
        act = "member.join" if purpose == "join" else "member.reset_password"
        credentials.set_own_password_in(uow, member, new_hash, keep_token=issued.token, act=act)
        uow.commit()
    return Redeemed(issued, purpose)


def _count_failure(uow: UnitOfWork, address: str) -> None:
    with uow:
        limits.count(uow, limits.CODE_FAILURES, address or "-")
        uow.commit()
