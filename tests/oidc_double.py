"""A local OpenID Connect provider on 127.0.0.1 for the tests: the municipality's identity provider.

It serves a discovery document, a JWKS with its RSA key, an authorization endpoint that signs in whoever
`person` is (as a provider with a live session does) and sends the browser back with a code, a token
endpoint that checks the client's secret, the redirect URI and the PKCE verifier and issues a real
RS256-signed ID token, and a logout endpoint. `tamper` bends the ID token the way a broken or hostile
provider would (another nonce, issuer, audience, an expired token, a foreign key, an HS256 signature).
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from authlib.oidc.core.util import create_half_hash
from joserfc import jwt
from joserfc.jwk import OctKey, RSAKey

from tests.doubles import _Background, _Handler

CLIENT_ID = "inburgering-assistent"
CLIENT_SECRET = "client-secret-of-the-test-provider-0123456789"
KEY_ID = "double-2026"


@dataclass
class Person:
    """Who is signed in at the provider, and the claims it gives them."""

    sub: str
    email: str | None
    groups: list[str]
    name: str = "Fatima de Vries"
    email_verified: bool = True
    acr: str | None = None
    amr: list[str] | None = None


@dataclass
class Grant:
    person: Person
    nonce: str
    code_challenge: str
    redirect_uri: str


@dataclass
class OidcDouble(_Background):
    client_id: str = CLIENT_ID
    client_secret: str = CLIENT_SECRET
    person: Person | None = None
    # Claims to change in the next ID tokens (None removes one), or "sign_with": "foreign" | "hs256".
    tamper: dict[str, Any] = field(default_factory=dict)
    # Change the state the browser is sent back with (a forged or mixed-up answer).
    state_override: str | None = None
    end_session: bool = True
    authorize_requests: list[dict[str, str]] = field(default_factory=list)
    token_requests: list[dict[str, Any]] = field(default_factory=list)
    logouts: list[dict[str, str]] = field(default_factory=list)

    def __post_init__(self) -> None:
        _Background.__init__(self)
        self.key = RSAKey.generate_key(2048, parameters={"kid": KEY_ID, "use": "sig", "alg": "RS256"})
        self.grants: dict[str, Grant] = {}
        self.lock = threading.Lock()

    @property
    def issuer(self) -> str:
        return self.url

    def discovery(self) -> dict[str, Any]:
        document = {
            "issuer": self.issuer,
            "authorization_endpoint": f"{self.url}/authorize",
            "token_endpoint": f"{self.url}/token",
            "jwks_uri": f"{self.url}/jwks",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "code_challenge_methods_supported": ["S256"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
            "scopes_supported": ["openid", "email", "profile"],
        }
        if self.end_session:
            document["end_session_endpoint"] = f"{self.url}/logout"
        return document

    def start(self, port: int = 0) -> OidcDouble:
        owner = self

        class Handler(_Handler):
            def do_GET(self) -> None:  # noqa: N802
                url = urlsplit(self.path)
                query = {k: v[0] for k, v in parse_qs(url.query).items()}
                if url.path == "/.well-known/openid-configuration":
                    return self._send(200, owner.discovery())
                if url.path == "/jwks":
                    return self._send(200, {"keys": [owner.key.as_dict(private=False)]})
                if url.path == "/authorize":
                    return self._redirect(owner.authorize(query))
                if url.path == "/logout":
                    owner.logouts.append(query)
                    return self._redirect(query.get("post_logout_redirect_uri") or f"{owner.url}/")
                return self._send(404, {"error": "not_found"})

            def do_POST(self) -> None:  # noqa: N802
                form = {k: v[0] for k, v in parse_qs(self._body().decode()).items()}
                if urlsplit(self.path).path != "/token":
                    return self._send(404, {"error": "not_found"})
                status, payload = owner.token(form, self.headers.get("Authorization", ""))
                return self._send(status, payload)

            def _redirect(self, target: str | tuple[int, str]) -> None:
                if isinstance(target, tuple):  # a refusal the provider shows itself
                    return self._send(*target)
                self.send_response(302)
                self.send_header("Location", target)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self._start(Handler, port)
        return self

    # --- the endpoints ------------------------------------------------------------------------------

    def authorize(self, query: dict[str, str]) -> str | tuple[int, dict[str, str]]:
        self.authorize_requests.append(query)
        problems = [
            name
            for name, ok in (
                ("client_id", query.get("client_id") == self.client_id),
                ("response_type", query.get("response_type") == "code"),
                ("scope", "openid" in query.get("scope", "").split()),
                ("redirect_uri", bool(query.get("redirect_uri"))),
                ("state", bool(query.get("state"))),
                ("nonce", bool(query.get("nonce"))),
                ("code_challenge", bool(query.get("code_challenge"))),
                ("code_challenge_method", query.get("code_challenge_method") == "S256"),
            )
            if not ok
        ]
        if problems:
            return 400, {"error": "invalid_request", "error_description": ", ".join(problems)}
        back = {"state": self.state_override or query["state"]}
        if self.person is None:
            back["error"] = "access_denied"
        else:
            code = secrets.token_urlsafe(24)
            with self.lock:
                self.grants[code] = Grant(
                    self.person, query["nonce"], query["code_challenge"], query["redirect_uri"]
                )
            back["code"] = code
        return f"{query['redirect_uri']}?{urlencode(back)}"

    def _client_ok(self, form: dict[str, str], authorization: str) -> bool:
        if authorization.startswith("Basic "):
            client_id, _, secret = base64.b64decode(authorization[6:]).decode().partition(":")
        else:
            client_id, secret = form.get("client_id", ""), form.get("client_secret", "")
        return client_id == self.client_id and secrets.compare_digest(secret, self.client_secret)

    def token(self, form: dict[str, str], authorization: str) -> tuple[int, dict[str, Any]]:
        self.token_requests.append({**form, "authorization": authorization.split(" ")[0]})
        if not self._client_ok(form, authorization):
            return 401, {"error": "invalid_client"}
        with self.lock:
            grant = self.grants.pop(form.get("code", ""), None)  # a code works once
        verifier = form.get("code_verifier", "")
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
        if (
            form.get("grant_type") != "authorization_code"
            or grant is None
            or form.get("redirect_uri") != grant.redirect_uri
            or challenge != grant.code_challenge
        ):
            return 400, {"error": "invalid_grant"}
        access_token = secrets.token_urlsafe(32)
        return 200, {
            "access_token": access_token,
            "token_type": "Bearer",
            "expires_in": 300,
            "id_token": self.id_token(grant.person, grant.nonce, access_token),
        }

    def id_token(self, person: Person, nonce: str, access_token: str) -> str:
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": self.issuer,
            "sub": person.sub,
            "aud": self.client_id,
            "exp": now + 300,
            "iat": now,
            "auth_time": now,
            "nonce": nonce,
            "name": person.name,
            "groups": person.groups,
            "at_hash": create_half_hash(access_token, "RS256").decode(),
        }
        if person.email is not None:
            claims["email"] = person.email
            claims["email_verified"] = person.email_verified
        if person.acr is not None:
            claims["acr"] = person.acr
        if person.amr is not None:
            claims["amr"] = person.amr
        tamper = dict(self.tamper)
        sign_with = tamper.pop("sign_with", None)
        for name, value in tamper.items():
            if value is None:
                claims.pop(name, None)
            else:
                claims[name] = value(now) if callable(value) else value
        if sign_with == "hs256":  # a token "signed" with the client secret instead of the provider's key
            secret = OctKey.import_key(self.client_secret)
            return jwt.encode({"alg": "HS256", "kid": KEY_ID}, claims, secret, algorithms=["HS256"])
        key = self.key
        if sign_with == "foreign":  # same key id, another key: the signature cannot verify
            key = RSAKey.generate_key(2048, parameters={"kid": KEY_ID})
        return jwt.encode({"alg": "RS256", "kid": KEY_ID}, claims, key)
