"""The platform's one time zone: fiscal year = calendar year in Beijing time (Asia/Shanghai)."""

from zoneinfo import ZoneInfo

TZ = ZoneInfo("Asia/Shanghai")
