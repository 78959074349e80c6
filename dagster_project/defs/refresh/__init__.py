"""When the refresh runs: one job for everything, a nightly schedule at 02:00, a sensor on the exchange inbox,
and a morning freshness check on the live warehouse."""
