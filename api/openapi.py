"""The OpenAPI document is a deliverable: `python -m api.openapi --write` refreshes docs/openapi.json,
and a test fails when the committed document and the code disagree."""

from __future__ import annotations

import json
import sys

from api.main import create_app
from api.settings import ROOT, Settings

DOCUMENT = ROOT / "docs" / "openapi.json"


def current() -> str:
    app = create_app(Settings(environment="test", database_url="sqlite://"))
    return json.dumps(app.openapi(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


if __name__ == "__main__":
    if "--write" in sys.argv:
        DOCUMENT.write_text(current())
        print(f"wrote {DOCUMENT.relative_to(ROOT)}")
    else:
        print(current())
