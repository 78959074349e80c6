"""The forecast asset's key, shared with ``warehouse/live`` (which waits for it before the swap)."""

import dagster as dg

FORECAST = dg.AssetKey(["forecast"])
FORECAST_GROUP = "forecast"
