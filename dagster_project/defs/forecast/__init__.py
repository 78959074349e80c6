"""Forecasts and early warnings (schema ``forecast``) as an asset between the dbt build and the swap."""
