"""Rasa's server as we run it, from bot/: `python rasa_server.py run --enable-api --model ... -p 5005`.

Rasa's HTTP API and the gateway channel (gateway_channel.py) accept only JWTs signed with RASA_JWT_SECRET.
The secret is read from the environment and handed to Rasa's own `--jwt-secret` here, so it never shows
in the process list. Rasa also needs ACTION_SERVER_SECRET and BOT_SERVICE_TOKEN, which endpoints.yml
sends to the action server and to the case API's /nlg: it refuses to start without any of the three.
"""

from __future__ import annotations

import sys

from startup import MissingSecret, require_secrets

JWT_METHOD = "HS256"


def rasa_arguments(argv: list[str], jwt_secret: str) -> list[str]:
    """`rasa run` with the API on and authenticated; other ways of authenticating are refused."""
    if argv[:1] != ["run"] or "--enable-api" not in argv:
        raise MissingSecret("refusing to start: use `rasa_server.py run --enable-api ...`")
    if any(arg.startswith(("--auth-token", "--jwt-secret", "--jwt-method")) for arg in argv):
        raise MissingSecret("refusing to start: the JWT secret comes from RASA_JWT_SECRET only")
    return [*argv, "--jwt-secret", jwt_secret, "--jwt-method", JWT_METHOD]


def main() -> None:
    secrets = require_secrets("RASA_JWT_SECRET", "ACTION_SERVER_SECRET", "BOT_SERVICE_TOKEN")
    sys.argv = [sys.argv[0], *rasa_arguments(sys.argv[1:], secrets["RASA_JWT_SECRET"])]
    from rasa.__main__ import main as rasa_main

    rasa_main()


if __name__ == "__main__":
    main()
