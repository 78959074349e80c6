"""Exceptions raised for malformed forecasting input."""

from __future__ import annotations


class ForecastInputError(ValueError):
    """Input that the forecaster refuses: the message names the column/row and the rule broken.

    Messages are Chinese first with English in parentheses, e.g.
    ``"输入文件缺少列 value (input file lacks column value)"``.
    """
