"""The dbt project ``fiscal`` as Dagster assets; ``dbt build`` runs it, so its tests arrive as asset checks."""
