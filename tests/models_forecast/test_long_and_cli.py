"""Long CSV round trip through run_cli, frequency detection, and clear errors for malformed input."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from models_forecast import ForecastInputError, forecast_long, read_long_csv
from models_forecast.cli import run_cli
from models_forecast.series import detect_freq

from .helpers import BOUNDS

RNG = np.random.default_rng(11)


def _long_csv(path: Path) -> Path:
    months = pd.date_range("2019-01-01", periods=48, freq="MS")
    a = 200 + 20 * np.sin(np.arange(48) * np.pi / 6) + RNG.normal(0, 2, 48)
    b = 50 + np.arange(48) * 0.5 + RNG.normal(0, 1, 48)
    weeks = pd.date_range("2023-01-06", periods=40, freq="W-FRI")
    c = 10 + RNG.normal(0, 1, 40)
    rows = (
        [("tax", d.strftime("%Y-%m"), f"{v:.2f}") for d, v in zip(months, a, strict=True)]
        + [("fees", d.strftime("%Y-%m-%d"), f"{v:.2f}") for d, v in zip(months, b, strict=True) if d.month != 7]
        + [("weekly", d.strftime("%Y-%m-%d"), f"{v:.2f}") for d, v in zip(weeks, c, strict=True)]
    )
    rows[5] = ("tax", rows[5][1], "")  # an empty value is a gap
    pd.DataFrame(rows, columns=["series_id", "date", "value"]).to_csv(path, index=False)
    return path


def test_cli_round_trip(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src, out = _long_csv(tmp_path / "in.csv"), tmp_path / "out.csv"
    code = run_cli(["--input", str(src), "--horizon", "6", "--output", str(out)])
    printed = capsys.readouterr()
    assert code == 0, printed.err
    assert "[1/3] tax" in printed.out and "[3/3] weekly" in printed.out
    table = pd.read_csv(out, parse_dates=["date"])
    assert list(table.columns) == ["series_id", "date", "model", "mean", "lo80", "hi80", "lo95", "hi95"]
    assert table.groupby("series_id").size().to_dict() == {"tax": 6, "fees": 6, "weekly": 6}
    values = table[BOUNDS].to_numpy(float)
    assert np.all(np.isfinite(values)) and np.all(np.diff(values, axis=1) >= 0)
    tax = table[table.series_id == "tax"]["date"]
    assert list(tax) == list(pd.date_range("2023-01-01", periods=6, freq="MS"))
    weekly = table[table.series_id == "weekly"]["date"]
    assert list(weekly) == list(pd.date_range("2023-10-13", periods=6, freq="W-FRI"))
    assert "缺失" in printed.out  # the gap and the missing July dates are reported


def test_forecast_long_with_given_frequency_and_notes(tmp_path: Path) -> None:
    data = read_long_csv(_long_csv(tmp_path / "in.csv"), freq="M")
    subset = data[data.series_id == "fees"]
    table = forecast_long(subset, 3, "M", models=["ses", "theta"])
    assert table["series_id"].unique().tolist() == ["fees"]
    assert table.attrs["models"]["fees"] == "comb(ses,theta)"
    assert any("missing dates" in n for n in table.attrs["notes"]["fees"])


@pytest.mark.parametrize(
    ("dates", "expected"),
    [
        (["2024-01-01", "2024-02-01", "2024-04-01"], "M"),
        (["2024-01-31", "2024-02-29", "2024-03-31"], "M"),
        (["2024-01-05", "2024-01-12", "2024-02-02"], "W"),
        (["2024-01-01", "2024-01-02", "2024-01-04"], "D"),
    ],
)
def test_frequency_detection(dates: list[str], expected: str) -> None:
    assert detect_freq(pd.DatetimeIndex(dates)) == expected


BAD = {
    "missing column": ("series_id,day,value\na,2024-01-01,1\n", "value|date", "lacks column date"),
    "unparseable date": ("series_id,date,value\na,2024-01-01,1\na,not-a-date,2\n", "line 3", "cannot parse"),
    "non-numeric value": (
        "series_id,date,value\na,2024-01-01,1\na,2024-02-01,1.2.3\n",
        "line 3",
        "not a finite number",
    ),
    "duplicate key": ("series_id,date,value\na,2024-01-01,1\nb,2024-01-01,1\na,2024-01-01,3\n", "line 4", "duplicate"),
    "empty series_id": ("series_id,date,value\n,2024-01-01,1\n", "line 2", "series_id is empty"),
    "irregular dates": (
        "series_id,date,value\n"
        + "".join(f"a,{d},1\n" for d in ["2024-01-01", "2024-01-15", "2024-03-03", "2024-05-20"]),
        "series a",
        "irregular dates",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_malformed_csv_is_refused_clearly(case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text, where, rule = BAD[case]
    src = tmp_path / "bad.csv"
    src.write_text(text, encoding="utf-8")
    with pytest.raises(ForecastInputError) as info:
        forecast_long(read_long_csv(src), 3)
    message = str(info.value)
    assert rule in message
    assert any(w in message for w in where.split("|"))
    assert message[0] > "\u2e80"  # Chinese first
    code = run_cli(["--input", str(src), "--horizon", "3", "--output", str(tmp_path / "out.csv")])
    err = capsys.readouterr().err
    assert code != 0 and rule in err and "Traceback" not in err
    assert not (tmp_path / "out.csv").exists()


@pytest.mark.parametrize(
    ("argv", "rule"),
    [
        (["--horizon", "0"], "horizon must be >= 1"),
        (["--horizon", "3", "--freq", "Q"], "bad arguments"),
        (["--horizon", "x"], "bad arguments"),
        (["--horizon", "3", "--models", "magic"], "unknown models"),
    ],
)
def test_cli_refuses_bad_arguments(
    argv: list[str], rule: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src = _long_csv(tmp_path / "in.csv")
    code = run_cli(["--input", str(src), "--output", str(tmp_path / "out.csv"), *argv])
    assert code == 2
    assert rule in capsys.readouterr().err


def test_cli_missing_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = run_cli(["--input", str(tmp_path / "nope.csv"), "--horizon", "3", "--output", str(tmp_path / "o.csv")])
    assert code == 2 and "not found" in capsys.readouterr().err


def test_forecast_long_refuses_horizon_below_one() -> None:
    df = pd.DataFrame({"series_id": ["a", "a"], "date": ["2024-01-01", "2024-02-01"], "value": [1.0, 2.0]})
    with pytest.raises(ForecastInputError, match="horizon"):
        forecast_long(df, 0)
