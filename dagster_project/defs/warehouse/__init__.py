"""The warehouse refresh as assets: build file → core and exchange into ``raw`` → (dbt) → swap in."""
