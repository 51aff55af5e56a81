"""Rasa's server app as `rasa run --enable-api` builds it (rasa.core.run.configure_app) with the channels of
bot/credentials.yml and the JWT secret rasa_server.py hands it, but with a stand-in agent instead of a
model: it answers "heard: <text>" and keeps what it heard. Run from bot/: `python channel_server.py PORT`;
with `--unready` the agent has no model loaded (as Rasa before its model is, or after it was unloaded).
"""

from __future__ import annotations

import os
import sys

from rasa.core.run import configure_app, create_http_input_channels


class EchoAgent:
    model_id = "echo"

    def __init__(self, ready: bool = True) -> None:
        self.ready = ready

    def is_ready(self) -> bool:
        return self.ready

    async def parse_message(self, text: str) -> dict:
        return {"text": text, "intent": {"name": "heard", "confidence": 1.0}}

    async def handle_message(self, message) -> None:  # noqa: ANN001 - Rasa's UserMessage
        await message.output_channel.send_text_message(message.sender_id, f"heard: {message.text}")


def main() -> None:
    channels = create_http_input_channels(None, "credentials.yml")
    app = configure_app(channels, jwt_secret=os.environ["RASA_JWT_SECRET"], jwt_method="HS256")
    app.ctx.agent = EchoAgent(ready="--unready" not in sys.argv)
    app.run("127.0.0.1", int(sys.argv[1]), access_log=False)


if __name__ == "__main__":
    main()
