"""Treasury revenue of the district by 收入分类 with the rhythms of real collections (pure functions).

VAT is declared monthly in the first half of the month; corporate income tax is prepaid in the month
after each quarter and settled by the end of May; individual income tax peaks in the March-June annual
reconciliation; property and land-use taxes are collected twice a year; deed tax follows the housing
market (strong 2016-2021, falling since); land-sale fund revenue arrives as a few large auctions.
Amounts are fen at scale 1 (about 260亿 of general-budget revenue collected in the district in 2024).

Revenue by level (分税制): the treasury books only the district's own share. The shared taxes are split at
入库: 增值税 50 % central, 50 % local; 企业所得税 and 个人所得税 60 % central, 40 % local (国发〔2016〕26号,
国发〔2001〕37号). Of the local part the district keeps 70 % and the province and the city take 30 % together
(an assumption standing for the province's 省以下 rule, which each province sets — ⚠ set from the
province's own 体制 document). The other taxes and the non-tax revenue are the district's in full.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

from .calendar import month_workdays


@dataclass(frozen=True)
class Category:
    code: str
    name: str
    base_2024: float            # 亿元 at scale 1
    growth: float               # yearly nominal growth
    monthly: tuple[float, ...]  # seasonal weights, Jan..Dec
    first_half: bool = False    # collected mostly in the declaration period (days 1-15)
    noise: float = 0.06
    district_share: float = 1.0  # what the district keeps of what is collected in it (the rest is other levels')


FLAT = (1.0,) * 12
CATEGORIES: tuple[Category, ...] = (
    Category("10101", "增值税", 92, 0.045, (1.35, 0.75, 0.95, 1.0, 0.95, 1.0, 1.05, 0.95, 1.0, 1.05, 0.95, 1.0),
             first_half=True, district_share=0.5 * 0.7),
    Category("10104", "企业所得税", 52, 0.05, (1.9, 0.35, 0.4, 2.0, 1.9, 0.4, 1.7, 0.35, 0.4, 1.7, 0.4, 0.5),
             first_half=True, district_share=0.4 * 0.7),
    Category("10106", "个人所得税", 16, 0.06, (1.2, 0.8, 1.05, 1.15, 1.2, 1.2, 0.95, 0.85, 0.9, 0.9, 0.85, 0.95),
             first_half=True, district_share=0.4 * 0.7),
    Category("10109", "城市维护建设税", 13, 0.045, (1.3, 0.75, 0.95, 1.0, 0.95, 1.0, 1.05, 0.95, 1.0, 1.05, 0.95,
                                               1.05), first_half=True),
    Category("10110", "房产税", 8, 0.03, (0.2, 0.1, 0.2, 3.6, 0.6, 0.3, 0.3, 0.2, 0.2, 3.6, 0.6, 0.2)),
    Category("10111", "印花税", 4, 0.04, FLAT, first_half=True),
    Category("10112", "城镇土地使用税", 3, 0.01, (0.2, 0.1, 0.2, 3.7, 0.5, 0.3, 0.2, 0.2, 0.2, 3.7, 0.5, 0.2)),
    Category("10113", "土地增值税", 15, 0.02, (0.8, 0.6, 0.9, 1.0, 1.1, 1.2, 0.9, 0.9, 1.0, 1.1, 1.1, 1.4),
             noise=0.25),
    Category("10119", "契税", 20, -0.08, (0.7, 0.5, 1.1, 1.1, 1.1, 1.2, 0.9, 0.9, 1.1, 1.0, 1.1, 1.3), noise=0.15),
    Category("10114", "车船税", 1, 0.03, FLAT),
    Category("10118", "耕地占用税", 1, -0.03, FLAT, noise=0.4),
    Category("10121", "环境保护税", 0.5, 0.02, (1.5, 0.5, 0.5, 1.5, 0.5, 0.5, 1.5, 0.5, 0.5, 1.5, 0.5, 0.5)),
    Category("1030202", "教育费附加收入", 5.5, 0.045, (1.3, 0.75, 0.95, 1.0, 0.95, 1.0, 1.05, 0.95, 1.0, 1.05, 0.95,
                                                  1.05), first_half=True),
    Category("1030203", "地方教育附加收入", 3.7, 0.045, (1.3, 0.75, 0.95, 1.0, 0.95, 1.0, 1.05, 0.95, 1.0, 1.05, 0.95,
                                                   1.05), first_half=True),
    Category("10304", "行政事业性收费收入", 5, 0.0, (0.7, 0.6, 0.9, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.1, 1.7)),
    Category("10305", "罚没收入", 4, 0.02, (0.6, 0.5, 0.8, 0.9, 0.9, 1.0, 1.0, 1.0, 1.0, 1.1, 1.3, 1.9), noise=0.2),
    Category("10307", "国有资源（资产）有偿使用收入", 15, 0.03, (0.6, 0.5, 0.8, 0.9, 0.9, 1.2, 0.8, 0.8, 1.0, 1.0, 1.3, 2.2),
             noise=0.3),
    Category("10399", "其他收入", 3, 0.0, FLAT, noise=0.3),
)
LAND = Category("1030148", "国有土地使用权出让收入", 150, 0.0, FLAT)

# one-off shocks every forecaster in China remembers: COVID (2020), the 2022 VAT credit refunds
SHOCKS: dict[tuple[int, str], tuple[float, ...]] = {
    (2020, "*"): (0.97, 0.75, 0.8, 0.9, 0.95, 1.0, 1.0, 1.0, 1.02, 1.02, 1.03, 1.03),
    (2022, "10101"): (1.0, 1.0, 1.0, 0.35, 0.3, 0.55, 0.9, 0.95, 0.95, 1.0, 1.0, 1.0),
    (2022, "10109"): (1.0, 1.0, 1.0, 0.5, 0.45, 0.65, 0.9, 0.95, 0.95, 1.0, 1.0, 1.0),
}


def annual(cat: Category, year: int, scale: float) -> float:
    """Expected annual amount in fen the district's treasury books for a category (its own share of what is
    collected in the district, before seasonal and random shape)."""
    years = year - 2024
    level = cat.base_2024 * (1 + cat.growth) ** years
    if cat.code == "10119" and year <= 2021:          # deed tax rose with the housing boom until 2021
        level = cat.base_2024 * (1.08 ** (2021 - 2024)) * (1.06 ** (year - 2021)) * 1.35
    return level * 1e8 * 100 * scale * cat.district_share


def month_amount(cat: Category, year: int, month: int, scale: float, rng: random.Random) -> int:
    w = cat.monthly[month - 1] / sum(cat.monthly) * 12
    shock = SHOCKS.get((year, cat.code)) or SHOCKS.get((year, "*"))
    if shock:
        w *= shock[month - 1]
    value = annual(cat, year, scale) / 12 * w * math.exp(rng.gauss(0, cat.noise))
    return max(0, int(value))


def split_over_days(total: int, days: list[date], first_half: bool, rng: random.Random) -> Iterator[tuple[date, int]]:
    """Spread a month's collection over its working days (declaration period first for declared taxes)."""
    if total <= 0 or not days:
        return
    weights = [(3.0 if first_half and d.day <= 15 else 1.0) * rng.uniform(0.6, 1.4) for d in days]
    s = sum(weights)
    given = 0
    for i, (d, w) in enumerate(zip(days, weights, strict=True)):
        amt = total - given if i == len(days) - 1 else int(total * w / s)
        given += amt
        if amt:
            yield d, amt


def land_market(year: int) -> float:
    """The land market cooled after 2021: a quarter less each year."""
    return 0.75 ** (year - 2021) if year >= 2022 else 1.0


def land_auctions(year: int, scale: float, rng: random.Random) -> list[tuple[date, int]]:
    """A handful of land auctions a year, lumpy and weighted to the second half."""
    n = rng.randint(4, 8)
    total = annual(LAND, year, scale) * rng.uniform(0.6, 1.4) * land_market(year)
    months = sorted(rng.choices(range(1, 13), weights=[1, 0.5, 1, 1, 1, 1.2, 1, 1, 1.3, 1.3, 1.5, 2], k=n))
    shares = [rng.uniform(0.3, 1.7) for _ in months]
    out = []
    for m, sh in zip(months, shares, strict=True):
        days = month_workdays(year, m)
        out.append((rng.choice(days), int(total * sh / sum(shares))))
    return out
