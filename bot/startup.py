"""What the bot's processes demand of their secrets before they start, and the check of a presented one.

Rasa (rasa_server.py) and the action server (action_server.py) take their secrets from the environment,
as the case API does, and refuse to start when one is missing, when a secret of their own is shorter than
MIN_LENGTH, or when one value serves two roles. The message names variables, never values.
"""

from __future__ import annotations

import hmac
import os
from collections.abc import Mapping
from itertools import combinations

MIN_LENGTH = 32
# Made for the bot by `make run` or the operator: always long. BOT_SERVICE_TOKEN is the API's, checked there.
OWN_SECRETS = ("RASA_JWT_SECRET", "ACTION_SERVER_SECRET")


class MissingSecret(SystemExit):
    """Raised instead of starting; as a SystemExit it ends the process with the message and status 1."""


def require_secrets(*names: str, env: Mapping[str, str] = os.environ) -> dict[str, str]:
    """The named secrets from the environment, or MissingSecret saying what is wrong with them."""
    values = {name: env.get(name, "") for name in names}
    problems = [f"{name} is not set" for name, value in values.items() if not value]
    problems += [
        f"{name} must be at least {MIN_LENGTH} characters"
        for name, value in values.items()
        if value and name in OWN_SECRETS and len(value) < MIN_LENGTH
    ]
    problems += [
        f"{a} and {b} must be different secrets"
        for (a, first), (b, second) in combinations(values.items(), 2)
        if first and first == second
    ]
    if problems:
        raise MissingSecret("refusing to start: " + "; ".join(problems))
    return values


def bearer_matches(authorization: str | None, secret: str) -> bool:
    """Whether an Authorization header carries `Bearer <secret>`, compared in constant time."""
    expected = f"Bearer {secret}".encode()
    return bool(secret) and hmac.compare_digest((authorization or "").encode(), expected)
