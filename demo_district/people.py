"""Fiscal-supported staff of a unit: who they are (names, valid 身份证号), their 人员身份, grade and step."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date

from stdnum import luhn
from stdnum.cn import ric

from .catalogue import GIVEN, SURNAMES

# birth-place codes python-stdnum accepts for any birth year (city codes without a validity range)
BIRTH_PLACES = ("320500", "320100", "320200", "320400", "320300", "320600", "340100", "330100", "330200")


@dataclass
class Person:
    per_id: str
    agency_code: str
    birth: date
    sex: str                 # 1 男 2 女
    ide: str
    staf: str
    grade: str
    step: str
    working: bool = True


def name(rng: random.Random) -> str:
    given = rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.6 else "")
    return rng.choice(SURNAMES) + given[:2]


def iden_no(rng: random.Random, birth: date, sex: str, serial: int) -> str:
    seq = (serial % 499) * 2 + (1 if sex == "1" else 2)       # odd for men, even for women
    body = f"{rng.choice(BIRTH_PLACES)}{birth:%Y%m%d}{seq:03d}"
    return body + ric.calc_check_digit(body + "0")


def card_no(rng: random.Random) -> str:
    """A 19-digit UnionPay card number (BIN 62) with a valid Luhn check digit, as real cards have."""
    body = "62" + "".join(str(rng.randint(0, 9)) for _ in range(17))[:16]
    return body + luhn.calc_check_digit(body)


# (人员身份, 编制类型, [(grade, step range)]) by unit kind; weights of each row
ADMIN_MIX = [(0.82, "11", "1", ["G11", "G10", "G09", "G08", "G07", "G06"], (18, 26)),
             (0.10, "31", "3", ["W04", "W03", "W05"], (8, 20)),
             (0.08, "90", "9", [""], (0, 0))]
INST_MIX = [(0.12, "21", "2", ["M08", "M07", "M09", "M06"], (15, 35)),
            (0.78, "22", "2", ["P12", "P11", "P10", "P09", "P08", "P07"], (10, 40)),
            (0.06, "23", "3", ["W04", "W03", "W05"], (8, 25)),
            (0.04, "90", "9", [""], (0, 0))]
CANZHENG_MIX = [(0.9, "12", "2", ["G11", "G10", "G09", "G08", "G07"], (18, 26)),
                (0.1, "90", "9", [""], (0, 0))]


def profile(rng: random.Random, agency_type: str) -> tuple[str, str, str, str]:
    """(人员身份, 编制类型, grade, step) for a new or existing member of an agency of this type."""
    mix = ADMIN_MIX if agency_type == "1" else CANZHENG_MIX if agency_type == "2" else INST_MIX
    _w, ide, staf, grades, steps = rng.choices(mix, weights=[m[0] for m in mix])[0]
    if ide == "90":
        return ide, staf, "", ""
    prefix = "L" if ide in ("11", "12") else "S"       # 公务员 级别 L01-27; everyone else 薪级 S01-65
    return ide, staf, rng.choice(grades), f"{prefix}{rng.randint(*steps):02d}"


def birth_for(rng: random.Random, today: date) -> tuple[date, str]:
    age = int(rng.triangular(23, 59, 40))
    sex = "1" if rng.random() < 0.52 else "2"
    if sex == "2" and age > 54:
        age = rng.randint(30, 54)
    return date(today.year - age, rng.randint(1, 12), rng.randint(1, 28)), sex


def retirement_age(p: Person) -> int:
    return 60 if p.sex == "1" else (50 if p.ide in ("23", "31") else 55)
