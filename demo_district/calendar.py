"""Working days of the Chinese calendar, near enough for a simulation: weekends, and the statutory
holidays (New Year, Spring Festival week, Qingming, Labour Day, Dragon Boat, Mid-Autumn, National Day)
at their dates of 2016-2027. Make-up working weekends are ignored."""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache

SPRING_FESTIVAL = {2015: date(2015, 2, 19), 2016: date(2016, 2, 8), 2017: date(2017, 1, 28),
                   2018: date(2018, 2, 16), 2019: date(2019, 2, 5), 2020: date(2020, 1, 25),
                   2021: date(2021, 2, 12), 2022: date(2022, 2, 1), 2023: date(2023, 1, 22),
                   2024: date(2024, 2, 10), 2025: date(2025, 1, 29), 2026: date(2026, 2, 17),
                   2027: date(2027, 2, 6), 2028: date(2028, 1, 26)}


@lru_cache(maxsize=64)
def holidays(year: int) -> frozenset[date]:
    days: set[date] = {date(year, 1, 1), date(year, 4, 4), date(year, 4, 5)}
    sf = SPRING_FESTIVAL.get(year, date(year, 2, 5))
    days |= {sf + timedelta(days=i) for i in range(-1, 6)}
    days |= {date(year, 5, d) for d in range(1, 6)}
    days |= {date(year, 6, 10)}                        # Dragon Boat (approximate)
    days |= {date(year, 9, 17)}                        # Mid-Autumn (approximate)
    days |= {date(year, 10, d) for d in range(1, 8)}
    return frozenset(days)


def is_workday(d: date) -> bool:
    return d.weekday() < 5 and d not in holidays(d.year)


def workdays(start: date, end: date) -> list[date]:
    """Working days in [start, end]."""
    out, d = [], start
    while d <= end:
        if is_workday(d):
            out.append(d)
        d += timedelta(days=1)
    return out


def month_workdays(year: int, month: int) -> list[date]:
    first = date(year, month, 1)
    last = (date(year + (month == 12), month % 12 + 1, 1) - timedelta(days=1))
    return workdays(first, last)


def next_workday(d: date) -> date:
    d += timedelta(days=1)
    while not is_workday(d):
        d += timedelta(days=1)
    return d
