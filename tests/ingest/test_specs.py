"""The exchange standard: the specs load, and the document in ``ingest/specs/README.md`` is generated from them."""

from __future__ import annotations

from ingest.exchange import SPECS_DIR, load_specs, spec_markdown


def test_every_feed_has_a_spec_whose_key_is_among_its_stored_columns() -> None:
    specs = load_specs()
    assert set(specs) == {"tax_revenue", "bank_receipt", "hr_roster"}
    for spec in specs.values():
        stored = {c.name for c in spec.columns if c.stored} | {"file_date"}
        assert set(spec.key) <= stored, spec.feed
        assert len(set(spec.headers)) == len(spec.headers), spec.feed


def test_the_readme_is_the_generated_standard() -> None:
    readme = (SPECS_DIR / "README.md").read_text(encoding="utf-8")
    assert readme == spec_markdown(load_specs()) + "\n", (
        "ingest/specs/README.md is out of date: regenerate it with "
        "python -c 'from ingest.exchange import *; print(spec_markdown(load_specs()))' > ingest/specs/README.md")
