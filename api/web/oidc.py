"""The municipality's identity provider, spoken to through authlib: OpenID Connect's authorization code flow
with PKCE (S256), state and nonce, and the ID token checked against the provider's published keys (JWKS).

The discovery document and the keys are fetched over HTTP(S) and kept in memory for an hour; the keys are
fetched again when a token names a key we do not hold (the provider rotated), at most once a minute. This
module knows the protocol only: who may sign in, and as what, is decided in `sso.py`.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import requests
import structlog
from authlib.common.urls import add_params_to_uri
from authlib.integrations.requests_client import OAuth2Session, OAuthError
from authlib.oidc.core import CodeIDToken
from joserfc import jwt
from joserfc.errors import ClaimError, InvalidKeyIdError, JoseError
from joserfc.jwk import KeySet

from api.settings import Settings

log = structlog.get_logger()

CALLBACK_PATH = "/ui/login/oidc/callback"
LOGGED_OUT_PATH = "/ui/login"
TIMEOUT_SECONDS = 10
KEEP_SECONDS = 3600
REFETCH_KEYS_AFTER_SECONDS = 60
LEEWAY_SECONDS = 60
# Asymmetric only: an ID token must be signed with the provider's key, never with our client secret (HS256).
SIGNING_ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512")


class ProviderUnavailable(Exception):
    """The provider did not answer, or answered with something that is not OpenID Connect."""


class TokenRefused(Exception):
    """The provider's answer failed a check; `check` names which (for the audit log, never shown)."""

    def __init__(self, check: str) -> None:
        super().__init__(check)
        self.check = check


@dataclass(frozen=True)
class Identity:
    """Who the provider says signed in, from a verified ID token."""

    issuer: str
    subject: str
    email: str | None
    email_verified: bool
    name: str
    groups: tuple[str, ...]
    acr: str | None
    amr: tuple[str, ...]
    id_token: str


def provider_name(settings: Settings) -> str:
    return settings.oidc_provider_name or urlsplit(settings.oidc_issuer).hostname or settings.oidc_issuer


def redirect_uri(settings: Settings) -> str:
    """Where the provider sends the browser back; registered at the provider exactly like this."""
    return settings.public_base_url.rstrip("/") + CALLBACK_PATH


def _discovery_url(settings: Settings) -> str:
    return settings.oidc_discovery_url or (
        settings.oidc_issuer.rstrip("/") + "/.well-known/openid-configuration"
    )


def _scope(settings: Settings) -> str:
    scopes = settings.oidc_scopes.split()
    return " ".join(scopes if "openid" in scopes else ["openid", *scopes])


class _Fetched:
    """JSON documents by URL, kept for an hour; shared by the threads of one process."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._documents: dict[str, tuple[float, dict[str, Any]]] = {}

    def get(self, url: str, *, max_age: float = KEEP_SECONDS) -> dict[str, Any]:
        with self._lock:
            held = self._documents.get(url)
        if held is not None and time.monotonic() - held[0] < max_age:
            return held[1]
        try:
            response = requests.get(url, timeout=TIMEOUT_SECONDS, headers={"Accept": "application/json"})
            response.raise_for_status()
            document = response.json()
        except (requests.RequestException, ValueError) as exc:
            log.warning("oidc_provider_unavailable", error=type(exc).__name__)
            raise ProviderUnavailable(type(exc).__name__) from exc
        if not isinstance(document, dict):
            raise ProviderUnavailable("not a JSON object")
        with self._lock:
            self._documents[url] = (time.monotonic(), document)
        return document

    def forget(self) -> None:
        with self._lock:
            self._documents.clear()


_fetched = _Fetched()


def forget_provider_documents() -> None:
    """Drop the discovery documents and keys held (tests; a process sees changes within the hour anyway)."""
    _fetched.forget()


def metadata(settings: Settings) -> dict[str, Any]:
    """The provider's discovery document; its issuer must be OIDC_ISSUER exactly (OpenID Discovery 4.3)."""
    document = _fetched.get(_discovery_url(settings))
    if document.get("issuer") != settings.oidc_issuer:
        log.warning("oidc_discovery_issuer_mismatch")
        raise ProviderUnavailable("the discovery document names another issuer")
    missing = [k for k in ("authorization_endpoint", "token_endpoint", "jwks_uri") if not document.get(k)]
    if missing:
        raise ProviderUnavailable(f"the discovery document lacks {', '.join(missing)}")
    return document


def _client(settings: Settings, document: dict[str, Any]) -> OAuth2Session:
    methods = document.get("token_endpoint_auth_methods_supported") or ["client_secret_basic"]
    method = "client_secret_basic" if "client_secret_basic" in methods else "client_secret_post"
    return OAuth2Session(
        client_id=settings.oidc_client_id,
        client_secret=settings.oidc_client_secret,
        token_endpoint_auth_method=method,
        scope=_scope(settings),
        redirect_uri=redirect_uri(settings),
        code_challenge_method="S256",
    )


def authorization_url(
    settings: Settings, *, state: str, nonce: str, code_verifier: str, language: str
) -> str:
    """The provider's sign-in page for this request (code flow, PKCE S256, state, nonce)."""
    document = metadata(settings)
    extra = {"nonce": nonce, "ui_locales": language}
    if settings.oidc_acr_values:
        extra["acr_values"] = settings.oidc_acr_values
    with _client(settings, document) as client:
        url, _ = client.create_authorization_url(
            document["authorization_endpoint"], state=state, code_verifier=code_verifier, **extra
        )
    return url


def identify(settings: Settings, *, code: str, code_verifier: str, nonce: str) -> Identity:
    """Exchange the code (with the PKCE verifier) and return who the verified ID token names.

    Raises ProviderUnavailable when the provider does not answer, and TokenRefused when the code is not
    accepted or the ID token fails a check: signature (a key of the provider's JWKS, asymmetric algorithms
    only), issuer, audience and authorised party, expiry and issue time, nonce, at_hash.
    """
    document = metadata(settings)
    try:
        with _client(settings, document) as client:
            token = client.fetch_token(
                document["token_endpoint"],
                grant_type="authorization_code",
                code=code,
                code_verifier=code_verifier,
                timeout=TIMEOUT_SECONDS,
            )
    except OAuthError as exc:
        log.info("oidc_code_refused", error=exc.error)
        raise TokenRefused("code") from exc
    except (requests.RequestException, ValueError) as exc:
        log.warning("oidc_provider_unavailable", error=type(exc).__name__)
        raise ProviderUnavailable(type(exc).__name__) from exc
    raw = token.get("id_token")
    if not isinstance(raw, str):
        raise TokenRefused("id_token")
    claims = _verified_claims(settings, document, raw, nonce=nonce, access_token=token.get("access_token"))
    return _identity(settings, claims, raw)


def _decode(document: dict[str, Any], raw: str) -> jwt.Token:
    def attempt(max_age: float) -> jwt.Token:
        keys = KeySet.import_key_set(_fetched.get(document["jwks_uri"], max_age=max_age))
        return jwt.decode(raw, keys, algorithms=list(SIGNING_ALGORITHMS))

    try:
        try:
            return attempt(KEEP_SECONDS)
        except InvalidKeyIdError:
            return attempt(REFETCH_KEYS_AFTER_SECONDS)  # the provider may have rotated its keys
    except (JoseError, ValueError) as exc:
        log.info("oidc_token_refused", check="signature", error=type(exc).__name__)
        raise TokenRefused("signature") from exc


def _verified_claims(
    settings: Settings, document: dict[str, Any], raw: str, *, nonce: str, access_token: str | None
) -> CodeIDToken:
    token = _decode(document, raw)
    claims = CodeIDToken(
        token.claims,
        token.header,
        {
            "iss": {"essential": True, "value": settings.oidc_issuer},
            "aud": {"essential": True, "value": settings.oidc_client_id},
            "nonce": {"essential": True, "value": nonce},
            "sub": {"essential": True},
        },
        {"nonce": nonce, "client_id": settings.oidc_client_id, "access_token": access_token},
    )
    try:
        claims.validate(leeway=LEEWAY_SECONDS)
    except ClaimError as exc:
        log.info("oidc_token_refused", check=exc.claim, error=type(exc).__name__)
        raise TokenRefused(exc.claim) from exc
    return claims


def _strings(value: object) -> tuple[str, ...]:
    """A claim that is a list of strings or one string (providers differ)."""
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list):
        return tuple(v for v in value if isinstance(v, str))
    return ()


def _identity(settings: Settings, claims: CodeIDToken, raw: str) -> Identity:
    email = claims.get("email")
    name = claims.get("name") or " ".join(
        part for part in (claims.get("given_name"), claims.get("family_name")) if isinstance(part, str)
    )
    return Identity(
        issuer=str(claims["iss"]),
        subject=str(claims["sub"]),
        email=email.strip().lower() if isinstance(email, str) and email.strip() else None,
        email_verified=claims.get("email_verified") in (True, "true"),
        name=name if isinstance(name, str) else "",
        groups=_strings(claims.get(settings.oidc_group_claim)),
        acr=claims.get("acr") if isinstance(claims.get("acr"), str) else None,
        amr=_strings(claims.get("amr")),
        id_token=raw,
    )


def end_session_url(settings: Settings, id_token: str) -> str | None:
    """The provider's logout (RP-initiated logout) for this session, when it advertises one."""
    try:
        endpoint = metadata(settings).get("end_session_endpoint")
    except ProviderUnavailable:
        return None  # our session is over all the same
    if not isinstance(endpoint, str) or not endpoint:
        return None
    back = settings.public_base_url.rstrip("/") + LOGGED_OUT_PATH
    return add_params_to_uri(
        endpoint,
        [
            ("id_token_hint", id_token),
            ("post_logout_redirect_uri", back),
            ("client_id", settings.oidc_client_id),
        ],
    )
