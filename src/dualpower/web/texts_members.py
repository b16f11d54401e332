"""The words of the join, reset and credentials pages and of the printed invitation slips, in
English and Russian (kept here, beside the pages, rather than in the shared catalogue)."""

from __future__ import annotations

from fastapi import Request

from dualpower.web import i18n

_EN = {
    "join_title": "Set your password",
    "join_lead": "Type the code from your invitation or reset mail, and choose a password of at "
    "least 8 characters. The code works once.",
    "code": "Code",
    "password": "New password",
    "confirm": "New password again",
    "submit_join": "Set my password",
    "mismatch": "the two passwords differ",
    "reset_title": "Forgotten password",
    "reset_lead": "Give your username or e-mail address: a reset code is mailed to the address "
    "on the roll.",
    "who": "Username or e-mail address",
    "submit_reset": "Mail me a code",
    "reset_sent": "If that member has an e-mail address, a code was sent to it. Then set your "
    "password:",
    "have_code": "I have a code",
    "creds_title": "My sessions and tokens",
    "creds_lead": "Every page session and API token open in your name. End any you do not "
    "recognise; a new password ends all but this one.",
    "kind": "Kind",
    "opened": "Opened",
    "expires": "Expires",
    "session": "page session",
    "api": "API token",
    "this_one": "this one",
    "operator_set": "opened with a password the operator set",
    "end": "End",
    "end_others": "End all the others",
    "change_title": "Change my password",
    "current": "Current password",
    "submit_change": "Change password",
    "changed": "Your password was changed; %(n)s other sessions and tokens ended.",
    "a password has at least 8 characters": "a password has at least 8 characters",
    "the code is unknown, used or expired": "the code is unknown, used or expired",
    "the current password is wrong": "the current password is wrong",
    "slip_title": "Invitation",
    "slip_lead": "Set your own password at",
    "slip_user": "Username",
    "slip_code": "Code (once)",
    "slip_until": "Valid until",
    "slip_unit": "Unit",
    "roll_title": "Roll of %(unit)s",
    "roll_lead": "%(n)s members. A member who leaves or moves loses the seats of this unit they "
    "hold; by-elections open.",
    "add_member": "Add a member",
    "username": "Username",
    "name": "Name",
    "email": "E-mail address (optional)",
    "add": "Add",
    "move_to": "Move to",
    "move": "Move",
    "leave": "Ends membership",
    "member": "Member",
}

_RU = {
    "join_title": "Задайте свой пароль",
    "join_lead": "Введите код из приглашения или письма о сбросе и выберите пароль не короче 8 "
    "символов. Код действует один раз.",
    "code": "Код",
    "password": "Новый пароль",
    "confirm": "Новый пароль ещё раз",
    "submit_join": "Задать пароль",
    "mismatch": "пароли не совпадают",
    "reset_title": "Забыли пароль",
    "reset_lead": "Укажите имя пользователя или адрес почты: код сброса придёт на адрес из "
    "списка членов.",
    "who": "Имя пользователя или адрес почты",
    "submit_reset": "Прислать код",
    "reset_sent": "Если у этого члена есть адрес почты, код отправлен на него. Затем задайте "
    "пароль:",
    "have_code": "У меня есть код",
    "creds_title": "Мои сеансы и токены",
    "creds_lead": "Все сеансы и токены API, открытые от вашего имени. Завершите незнакомые; "
    "новый пароль завершает все, кроме этого.",
    "kind": "Вид",
    "opened": "Открыт",
    "expires": "Истекает",
    "session": "сеанс на сайте",
    "api": "токен API",
    "this_one": "этот",
    "operator_set": "открыт с паролем, заданным оператором",
    "end": "Завершить",
    "end_others": "Завершить все остальные",
    "change_title": "Сменить пароль",
    "current": "Текущий пароль",
    "submit_change": "Сменить пароль",
    "changed": "Пароль изменён; завершено других сеансов и токенов: %(n)s.",
    "a password has at least 8 characters": "пароль должен быть не короче 8 символов",
    "the code is unknown, used or expired": "код неизвестен, уже использован или истёк",
    "the current password is wrong": "текущий пароль неверен",
    "slip_title": "Приглашение",
    "slip_lead": "Задайте свой пароль на",
    "slip_user": "Имя пользователя",
    "slip_code": "Код (один раз)",
    "slip_until": "Действует до",
    "slip_unit": "Ячейка",
    "roll_title": "Список членов: %(unit)s",
    "roll_lead": "Членов: %(n)s. Выбывший или переведённый член теряет места от этой ячейки; "
    "назначаются довыборы.",
    "add_member": "Добавить члена",
    "username": "Имя пользователя",
    "name": "Имя",
    "email": "Адрес почты (необязательно)",
    "add": "Добавить",
    "move_to": "Перевести в",
    "move": "Перевести",
    "leave": "Прекратить членство",
    "member": "Член",
}

TEXTS = {"en": _EN, "ru": _RU}


def texts(language: str) -> dict[str, str]:
    return TEXTS.get(language, _EN)


def language(request: Request) -> str:
    return i18n.language_of(
        request.cookies.get(i18n.COOKIE), request.headers.get("accept-language")
    )
