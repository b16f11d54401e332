"""The language switch: a plain link in every page's header (/language?to=ru&next=/recalls) sets
the `dp_lang` cookie and goes back to the page it came from. No JavaScript; nothing changes on the
server, so there is no CSRF token (a forged link can only change the language of the pages)."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import RedirectResponse

from dualpower.web import i18n

pages = APIRouter(include_in_schema=False)

ONE_YEAR = 365 * 24 * 3600


def _back_to(target: str | None) -> str:
    # Only a path on this site: no scheme, no host, no "//evil.example".
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/"


@pages.get("/language")
def switch_language(request: Request, to: str = "", next: str | None = None) -> RedirectResponse:
    """Remember the language in a cookie and return to the page; an unknown language is 404."""
    if to not in i18n.LANGUAGES:
        raise HTTPException(404, "no such language")
    response = RedirectResponse(_back_to(next), status_code=303)
    response.set_cookie(
        i18n.COOKIE,
        to,
        max_age=ONE_YEAR,
        samesite="lax",
        secure=request.url.scheme == "https",
        httponly=True,
    )
    return response
