"""When the refresh runs: one job for everything, a nightly schedule at 02:00 and a sensor on the exchange inbox
(the live warehouse's freshness policy is set in ``definitions.py``)."""
