"""Prepare the test CAS server's database: ``python -m tests.identity.cas_site.prepare <spec.json>``.

Migrates (Django's ``migrate``), creates the people (Django's ORM ``create_user``, as ``createsuperuser`` would)
and the one service pattern allowing the identity provider's CAS callback, releasing the attributes named in
the spec (CAS sends no attribute a pattern does not release; ``rename`` renames one for this service, as a
bureau's CAS would publish a mapped attribute such as the platform's user id).

spec: ``{"users": [{"username", "password", "first_name", "email"}], "service_pattern": "<regex>",
"attributes": {"<django field>": "<name sent>"}}``.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.identity.cas_site.settings")

import django


def main(spec_file: str) -> None:
    django.setup()
    from cas_server.models import ReplaceAttributName, ServicePattern
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    spec = json.loads(Path(spec_file).read_text(encoding="utf-8"))
    call_command("migrate", interactive=False, verbosity=0)
    users = get_user_model()
    for u in spec["users"]:
        users.objects.create_user(u["username"], email=u.get("email", ""), password=u["password"],
                                  first_name=u.get("first_name", ""))
    pattern = ServicePattern.objects.create(pos=100, name="财政一体化平台（fiscal platform）",
                                            pattern=spec["service_pattern"])
    for name, replace in spec.get("attributes", {}).items():
        ReplaceAttributName.objects.create(name=name, replace=replace if replace != name else "",
                                           service_pattern=pattern)


if __name__ == "__main__":
    main(sys.argv[1])
