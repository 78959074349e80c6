"""``fiscal forecast``: forecast every series of a long CSV.

``run_cli(["--input", "in.csv", "--horizon", "12", "--output", "out.csv", "--freq", "M"])`` returns the exit code:
0 on success, 2 on bad input (the message, Chinese then English, goes to stderr; no traceback).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from .api import ForecastResult
from .errors import ForecastInputError
from .longform import forecast_long, read_long_csv
from .models import MODELS


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise ForecastInputError(f"命令行参数错误：{message} (bad arguments: {message})")


def _parser() -> argparse.ArgumentParser:
    p = _Parser(
        prog="fiscal forecast",
        description="按序列预测长表 CSV (series_id,date,value)，输出均值和 80%/95% 区间 "
        "(forecast each series of a long CSV; writes mean and 80/95 % intervals)",
    )
    p.add_argument("--input", required=True, help="输入 CSV：series_id,date,value (input CSV)")
    p.add_argument("--horizon", required=True, type=int, help="预测步数 ≥ 1 (steps ahead)")
    p.add_argument("--output", required=True, help="输出 CSV (output CSV)")
    p.add_argument("--freq", choices=["M", "W", "D"], help="频率：月 M、周 W、日 D；默认按日期判断 (default: detected)")
    p.add_argument("--models", help=f"逗号分隔的模型 (comma-separated models): {','.join(MODELS)}")
    p.add_argument("--no-combine", action="store_true", help="不组合，按回测选单一模型 (pick one model by backtest)")
    return p


def run_cli(argv: Sequence[str]) -> int:
    """Run the forecast command; returns the process exit code."""
    try:
        opts = _parser().parse_args(list(argv))
        models = [m.strip() for m in opts.models.split(",") if m.strip()] if opts.models else None
        if opts.horizon < 1:
            raise ForecastInputError(
                f"预测步数必须 ≥ 1，收到 {opts.horizon} (horizon must be >= 1, got {opts.horizon})"
            )
        if models and any(m not in MODELS for m in models):
            bad = [m for m in models if m not in MODELS]
            raise ForecastInputError(f"未知模型 {bad} (unknown models {bad}); 可选 (choose from) {sorted(MODELS)}")
        data = read_long_csv(opts.input, opts.freq)
        started = time.perf_counter()

        def progress(number: int, total: int, sid: str, result: ForecastResult) -> None:
            print(f"[{number}/{total}] {sid}: {result.model}，{len(result.frame)} 步 (steps)", flush=True)
            for note in result.notes:
                print(f"    注意 (note): {note}", flush=True)

        table = forecast_long(
            data, opts.horizon, opts.freq, models=models, combine=not opts.no_combine, progress=progress
        )
        out = Path(opts.output)
        if out.parent and not out.parent.exists():
            raise ForecastInputError(f"输出目录不存在：{out.parent} (output folder does not exist: {out.parent})")
        table.assign(date=table["date"].dt.strftime("%Y-%m-%d")).to_csv(out, index=False, float_format="%.6g")
        print(
            f"完成：{table['series_id'].nunique()} 个序列，{len(table)} 行写入 {out}，用时 {time.perf_counter() - started:.1f} 秒 "
            f"(done: {table['series_id'].nunique()} series, {len(table)} rows written to {out})",
            flush=True,
        )
        return 0
    except ForecastInputError as exc:
        print(f"错误 (error): {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"错误：无法读写文件 (error: cannot read or write a file): {exc}", file=sys.stderr)
        return 2


def main() -> None:  # pragma: no cover - thin wrapper
    sys.exit(run_cli(sys.argv[1:]))


if __name__ == "__main__":  # pragma: no cover
    main()
