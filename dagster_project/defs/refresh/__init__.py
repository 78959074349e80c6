"""When the refresh runs: one job for everything, a nightly schedule, a sensor on the exchange inbox."""
