"""One typed settings object, read from the environment.

Every field has a description: the README's configuration table is generated from this class
(`python -m api.settings --markdown`) and a test checks the two agree.
"""

from __future__ import annotations

import json
import sys
import uuid
from functools import lru_cache
from itertools import combinations
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import Field, ValidationInfo, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

ROOT = Path(__file__).resolve().parent.parent
PLACEHOLDER_SECRETS = {"", "changethis", "dev-admin-token", "dev-bot-token", "dev-session-secret"}
MIN_SECRET_LENGTH = 32
# Each role has its own secret: a leaked one opens one door. Those the API must hold in production first.
REQUIRED_SECRETS = ("case_api_admin_token", "bot_service_token", "session_secret", "rasa_jwt_secret")
OPTIONAL_SECRETS = (
    "action_server_secret",
    "twilio_auth_token",
    "oidc_client_secret",
    "metrics_token",
    "klantinteracties_token",
    "translation_api_key",
)
# The roles of api.staff.models.Role (settings sit below every package; tests/test_oidc_login.py compares).
StaffRole = Literal["klantmanager", "coordinator", "admin"]
LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1"}


class Settings(BaseSettings):
    # An error names the setting, never the value it was given (a refused start must not print secrets).
    model_config = SettingsConfigDict(
        env_file=None, extra="ignore", populate_by_name=True, hide_input_in_errors=True
    )

    environment: Literal["development", "test", "production"] = Field(
        "development",
        description="development, test or production; production refuses to start without an https "
        "PUBLIC_BASE_URL, with placeholder, short (< 32 characters) or shared secrets, or with the "
        "simulator.",
    )
    host: str = Field(
        "127.0.0.1",
        description="Interface the case API listens on under `make run` (production: uvicorn's --host).",
    )
    port: int = Field(8000, description="Port of the case API.")
    database_url: str = Field(
        f"sqlite:///{ROOT / 'var' / 'inburgering.sqlite3'}",
        description="SQLAlchemy URL of the case database; SQLite under var/ by default, or postgresql+psycopg://.",
    )
    case_api_admin_token: str = Field(
        "dev-admin-token",
        description="Bearer token of the built-in admin, for bootstrap only: it creates staff accounts and "
        "issues and revokes their tokens, and reads no personal data.",
    )
    bot_service_token: str = Field(
        "dev-bot-token",
        description="Bearer token of the bot: the action server's calls to /api/v1/bot and Rasa's to /nlg.",
    )
    session_secret: str = Field(
        "dev-session-secret",
        description="Secret that signs calendar links and keys the login-throttling counts (staff session "
        "cookies are random tokens, stored hashed).",
    )
    rasa_jwt_secret: str = Field(
        "",
        description="Secret that signs the short-lived JWTs the API sends to Rasa's HTTP API and its "
        "gateway channel; Rasa verifies them with the same value. `make run` makes one per start when empty.",
    )
    action_server_secret: str = Field(
        "",
        description="Bearer secret Rasa sends to the action server; only those two need it. `make run` makes "
        "one per start when empty; when the API is given it, production checks it like the others.",
    )
    session_timeout_minutes: int = Field(30, description="Idle minutes before a staff session expires.")
    staff_token_days: int = Field(
        90,
        ge=1,
        description="Days a staff API token works after it is issued; then the API answers 401 "
        "(code token_expired) until the admin issues a new one. Staff rotate their own before then "
        "(POST /api/v1/staff/me/token).",
    )
    rasa_url: str = Field(
        "http://127.0.0.1:5005", description="Base URL of the Rasa server (gateway channel and HTTP API)."
    )
    rasa_timeout_seconds: float = Field(10.0, description="How long the gateway waits for Rasa per message.")
    action_server_url: str = Field(
        "http://127.0.0.1:5055",
        description="Base URL of the action server: Rasa calls its /webhook (RASA_ACTION_ENDPOINT_URL), "
        "the API's readiness check its /health. `make run` starts it on this URL's port.",
    )
    case_api_url: str = Field(
        "",
        description="URL at which Rasa (/nlg, its RASA_NLG_URL) and the action server (/api/v1/bot) reach "
        "this API; empty: http://HOST:PORT (127.0.0.1 when HOST is 0.0.0.0).",
    )
    public_base_url: str = Field(
        "http://127.0.0.1:8000",
        description="The URL Twilio calls; used to validate signatures and to build status-callback URLs. "
        "Unset: http://127.0.0.1:PORT.",
    )
    twilio_account_sid: str = Field("", description="Twilio account SID; empty selects the local transport.")
    twilio_auth_token: str = Field("", description="Twilio auth token (signatures and API calls).")
    twilio_sms_from: str = Field("", description="SMS sender number in E.164.")
    twilio_whatsapp_from: str = Field("", description="WhatsApp sender, e.g. whatsapp:+31...")
    twilio_messaging_service_sid: str = Field(
        "", description="Messaging Service SID; preferred over senders."
    )
    twilio_api_base_url: str = Field(
        "https://api.twilio.com",
        description="Base URL of Twilio's REST API; tests point it at a local double.",
    )
    twilio_timeout_seconds: float = Field(
        10.0,
        description="Seconds a Twilio send may take; slower ones are ambiguous (looked up, then retried).",
    )
    whatsapp_templates_path: str = Field(
        str(ROOT / "config" / "whatsapp_templates.json"),
        description="JSON file with the approved WhatsApp templates (ContentSid per purpose and language).",
    )
    reminder_policy_path: Path = Field(
        ROOT / "config" / "reminder_policy.json",
        description="JSON file with the reminder policy (reminders per appointment kind, send window, "
        "holidays); re-read when it changes.",
    )
    broadcast_cost_path: Path = Field(
        ROOT / "config" / "broadcasts.json",
        description="JSON file with the prices a broadcast preview estimates its cost from; re-read when it "
        "changes.",
    )
    whatsapp_sms_fallback: bool = Field(
        False, description="Send a failed WhatsApp message again by SMS (costs an SMS; off by default)."
    )
    handoff_holding_reply: bool = Field(
        True, description="While a klantmanager has the conversation, answer the person's first message once."
    )
    gateway_concurrency: int = Field(
        8,
        description="Bot turns one API process runs at once; the rest wait, so the endpoints that Rasa's "
        "actions and NLG call always have threads.",
    )
    outbox_batch_size: int = Field(50, description="Outbox rows one worker claims at a time.")
    outbox_send_concurrency: int = Field(8, description="Parallel sends per worker process.")
    outbox_max_attempts: int = Field(8, description="Attempts before a retryable send failure is final.")
    worker_poll_seconds: float = Field(1.0, description="Pause of the worker loop when nothing is due.")
    outage_reply_after_seconds: float = Field(
        60.0,
        ge=0,
        description="How long a message waits for the bot before the person gets the holding reply "
        '("the assistant is not available now"); a bot that is only starting answers before then.',
    )
    health_timeout_seconds: float = Field(
        2.0, gt=0, description="How long each check of GET /health/ready waits for Rasa or the action server."
    )
    worker_heartbeat_max_age_seconds: float = Field(
        60.0,
        gt=0,
        description="GET /health/ready fails when no worker has written its heartbeat for this long.",
    )
    outbox_max_age_seconds: float = Field(
        300.0,
        gt=0,
        description="GET /health/ready fails when an outbox row has been due for longer than this "
        "without being sent.",
    )
    metrics_token: str = Field(
        "",
        description="Bearer token that GET /metrics (Prometheus) demands; empty: /metrics answers 404. "
        "Production checks it like the other secrets.",
    )
    timezone: str = Field("Europe/Amsterdam", description="Time zone in which times are shown and planned.")
    municipality_phone: str = Field(
        "14 0513",
        description="Phone number of the municipality shown to people (14 + area code). Required in "
        "production; the default is the demo municipality Heerenveen's.",
    )
    retention_chat_days: int = Field(
        28,
        ge=1,
        description="Days message texts, outbox rows (number and text), task notes, escalation summaries and "
        "Rasa's tracker events are kept; longer only while an absence's evidence needs them "
        "(docs/privacy.md; Tilburg keeps chats 28 days).",
    )
    retention_absence_appeal_days: int = Field(
        42,
        ge=1,
        description="Days absence details (reason, the person's words, the assessment note) and the evidence "
        "around them are kept after the assessment is final: the objection period (bezwaar), 6 weeks "
        "under the Awb (not yet in the facts file; check locally).",
    )
    retention_absence_unassessed_days: int = Field(
        182,
        ge=1,
        description="Days after the appointment that a no-show or reported absence nobody assessed keeps its "
        "evidence; an assessment 'eerst horen' keeps it until the assessment is final.",
    )
    retention_case_file_years: int = Field(
        5,
        ge=1,
        description="Years a person's case file is kept after their obligation ended (obligationEndedOn); "
        "then the daily purge erases the person (Wi2021: 5 years).",
    )
    retention_audit_days: int = Field(
        730,
        ge=1,
        description="Days audit events (who read or changed what, and when) are kept; a local choice, see "
        "docs/privacy.md.",
    )
    retention_purge_hour: int = Field(
        3,
        ge=0,
        le=23,
        description="Local hour from which the worker runs the daily purge (once a day, whichever worker "
        "is first).",
    )
    rasa_tracker_store_url: str = Field(
        "",
        description="SQLAlchemy URL of Rasa's SQL tracker store (the database of RASA_TRACKER_DB_*), so the "
        "purge and erasure delete tracker events; empty: no tracker store to purge (development keeps "
        "trackers in Rasa's memory until it restarts).",
    )
    offer_other_request: bool = Field(
        False,
        description="After answering a message that holds two requests, offer the other one as a numbered "
        "option. Off by default: on the realistic evaluation set it offered the right one in only 1 of 10 "
        "such messages (docs/benchmarks.md, second_request).",
    )
    notify_by_email: bool = Field(
        False,
        description="E-mail staff when an urgent question waits, when a question is handed to them, and "
        "(URGENT_REMINDER_MINUTES) the coordinators when nobody took it; sent by the worker through SMTP_*. "
        "Off by default. The mail names nobody: it says something waits and links to the inbox.",
    )
    smtp_host: str = Field(
        "", description="Mail server for staff notifications; required with NOTIFY_BY_EMAIL."
    )
    smtp_port: int = Field(587, description="Port of SMTP_HOST (587 with starttls, 465 with ssl).")
    smtp_from: str = Field(
        "", description="Sender address of staff notifications; required with NOTIFY_BY_EMAIL."
    )
    smtp_tls: Literal["starttls", "ssl", "none"] = Field(
        "starttls",
        description="starttls (upgrade on SMTP_PORT), ssl (TLS from the start) or none (only for a relay on "
        "the same host or network).",
    )
    smtp_username: str = Field("", description="Login at SMTP_HOST; empty: no login.")
    smtp_password: str = Field("", description="Password of SMTP_USERNAME (kept out of logs).")
    smtp_timeout_seconds: float = Field(10.0, description="Seconds one SMTP conversation may take.")
    urgent_reminder_minutes: int = Field(
        0,
        ge=0,
        description="Minutes after the first mail about an urgent question that nobody took before the "
        "team's coordinators get a reminder; 0: no reminder.",
    )
    inbox_poll_seconds: int = Field(
        10,
        ge=2,
        le=300,
        description="How often an open inbox asks whether anything changed (a fingerprint, no personal "
        "data); the list itself is fetched, and its read audited, only when something did.",
    )
    translation_provider: Literal["off", "libretranslate"] = Field(
        "off",
        description="Machine translation of free text for staff (ADR 0018): off (nothing is sent anywhere) "
        "or libretranslate (a LibreTranslate server at TRANSLATION_URL, self-hosted or with the "
        "municipality's own key). What it receives is in docs/privacy.md.",
    )
    translation_url: str = Field(
        "",
        description="Base URL of the translation service, e.g. http://127.0.0.1:5000 for a LibreTranslate on "
        "the same host; required when TRANSLATION_PROVIDER is not off (https in production unless local).",
    )
    translation_api_key: str = Field(
        "", description="The municipality's API key for the translation service; empty when it needs none."
    )
    translation_timeout_seconds: float = Field(
        5.0,
        gt=0,
        description="Seconds one call to the translation service may take; slower counts as unavailable "
        "(the page shows the original, a draft reply is kept).",
    )
    simulator_enabled: bool = Field(True, description="Serve the phone simulator (never in production).")
    max_request_bytes: int = Field(
        1_048_576,
        description="Largest request body the API accepts (413 beyond it); Twilio's webhooks and Rasa's "
        "NLG calls have limits of their own.",
    )
    login_failures_per_account: int = Field(
        5, description="Failed staff logins for one email address within the window before it is refused."
    )
    login_failures_per_address: int = Field(
        20,
        description="Failed staff logins from one client address within the window before it is refused "
        "(raise it when many staff share one office address).",
    )
    login_failure_window_minutes: int = Field(
        15, description="Minutes over which failed staff logins are counted (and the longest wait)."
    )
    klantinteracties_url: str = Field(
        "",
        description="Base URL of the municipality's Klantinteracties API (Open Klant: "
        "https://.../klantinteracties/api/v1); closed escalations, reported absences and tasks are then "
        "recorded there as contacts and internal tasks (docs/adr/0016). Empty: off, nothing leaves our "
        "database.",
    )
    klantinteracties_token: str = Field(
        "", description="API token for the Klantinteracties API (sent as `Authorization: Token ...`)."
    )
    klantinteracties_actor_uuid: str = Field(
        "",
        description="UUID of the Actor in the register that our tasks are assigned to (e.g. the "
        "inburgering team as organisatorische eenheid); required with KLANTINTERACTIES_URL.",
    )
    klantinteracties_timeout_seconds: float = Field(
        10.0, description="Seconds one request to the Klantinteracties API may take; slower ones are retried."
    )
    klantinteracties_max_attempts: int = Field(
        12,
        ge=1,
        description="Attempts of one export before a retryable failure (5xx, timeout) is final; with the "
        "backoff (30 s doubling, at most an hour) that is about six hours of outage.",
    )
    log_level: str = Field("INFO", description="Log level of the structured logs.")
    oidc_issuer: str = Field(
        "",
        description="Issuer URL of the municipality's OpenID Connect provider (exactly as its discovery "
        "document states it); staff then sign in there. Empty: no single sign-on. docs/production.md, "
        "docs/adr/0015.",
    )
    oidc_discovery_url: str = Field(
        "",
        description="URL of the provider's discovery document; empty: OIDC_ISSUER + "
        "/.well-known/openid-configuration.",
    )
    oidc_provider_name: str = Field(
        "",
        description="Name on the sign-in button (`Inloggen via <name>`); empty: the issuer's host name.",
    )
    oidc_client_id: str = Field("", description="Client id of the case API at the provider.")
    oidc_client_secret: str = Field(
        "", description="Client secret of the case API at the provider (sent to its token endpoint only)."
    )
    oidc_scopes: str = Field(
        "openid email profile",
        description="Scopes asked for, separated by spaces (openid is always included).",
    )
    oidc_group_claim: str = Field(
        "groups",
        description="Claim of the ID token that lists the staff member's groups (a list or one string).",
    )
    # NoDecode: the environment's string is read by `_role_groups` below, where an empty one (compose passes
    # `${OIDC_ROLE_GROUPS:-}` when single sign-on is off) is no mapping rather than a start-up failure.
    oidc_role_groups: Annotated[dict[str, StaffRole], NoDecode] = Field(
        default_factory=dict,
        description="JSON object from group value to role (klantmanager, coordinator or admin), e.g. "
        '`{"inburgering-km": "klantmanager"}`. The groups decide the role at every sign-in; none or two '
        "different roles: refused.",
    )
    oidc_create_accounts: bool = Field(
        False,
        description="Create a staff account at the first sign-in of someone with a verified e-mail address "
        "and a role group but no account yet; off: the admin creates accounts first (linked by e-mail).",
    )
    oidc_acr_values: str = Field(
        "",
        description="Authentication context classes, separated by spaces, asked for and required in the ID "
        "token's acr claim (one of them), e.g. the provider's value for a second factor; empty: not checked.",
    )
    oidc_required_amr: str = Field(
        "",
        description="Authentication methods, separated by spaces, that must all appear in the ID token's amr "
        "claim (e.g. mfa); empty: not checked.",
    )
    password_login_in_production: bool = Field(
        False,
        description="Allow staff to sign in with a password in production (off: only through the provider). "
        "Development and test always allow it.",
    )

    @field_validator("oidc_role_groups", mode="before")
    @classmethod
    def _role_groups(cls, value: object) -> object:
        if isinstance(value, str):
            return json.loads(value) if value.strip() else {}
        return value

    @field_validator("reminder_policy_path", "broadcast_cost_path", mode="before")
    @classmethod
    def _empty_path_means_default(cls, value: object, info: ValidationInfo) -> object:
        # An empty variable (`REMINDER_POLICY_PATH=`) has always meant the file in config/.
        return cls.model_fields[info.field_name].default if value in ("", None) else value

    @model_validator(mode="after")
    def _addresses_follow_the_port(self) -> Settings:
        # PORT=8123 alone moves the API: the URLs Twilio and the bot use follow unless they are set.
        if "public_base_url" not in self.model_fields_set:
            self.public_base_url = f"http://127.0.0.1:{self.port}"
        return self

    @property
    def api_url(self) -> str:
        """Where Rasa and the action server reach this API (CASE_API_URL, else HOST:PORT on loopback)."""
        if self.case_api_url:
            return self.case_api_url.rstrip("/")
        host = "127.0.0.1" if self.host in ("0.0.0.0", "::", "") else self.host
        return f"http://{host}:{self.port}"

    @property
    def oidc_configured(self) -> bool:
        return bool(self.oidc_issuer)

    @property
    def password_login_allowed(self) -> bool:
        """Password sign-in is for development; production needs PASSWORD_LOGIN_IN_PRODUCTION (closed)."""
        return self.environment != "production" or self.password_login_in_production

    @property
    def twilio_configured(self) -> bool:
        return bool(self.twilio_account_sid and self.twilio_auth_token)

    @property
    def klantinteracties_enabled(self) -> bool:
        return bool(self.klantinteracties_url)

    @property
    def secret_values(self) -> list[str]:
        """Every configured secret, for the log redactor: none of them may ever appear in a log line."""
        held = [value for name in REQUIRED_SECRETS + OPTIONAL_SECRETS if (value := getattr(self, name))]
        return held + ([self.smtp_password] if self.smtp_password else [])

    @model_validator(mode="after")
    def _mail_needs_a_server(self) -> Settings:
        if self.notify_by_email and not (self.smtp_host and self.smtp_from):
            raise ValueError("NOTIFY_BY_EMAIL needs SMTP_HOST and SMTP_FROM")
        return self

    @model_validator(mode="after")
    def _production_fails_closed(self) -> Settings:
        problems = klantinteracties_problems(self)
        problems += production_problems(self) if self.environment == "production" else []
        if self.translation_provider != "off" and not self.translation_url:
            problems.append("TRANSLATION_URL must be set when TRANSLATION_PROVIDER is not off")
        if problems:
            raise ValueError("; ".join(problems))
        return self


def production_problems(settings: Settings) -> list[str]:
    """What keeps these settings out of production, in order; it names settings, never their values."""
    problems = [
        f"{name.upper()} must be set to a real secret in production"
        for name in REQUIRED_SECRETS
        if getattr(settings, name) in PLACEHOLDER_SECRETS
    ]
    held = {name: getattr(settings, name) for name in REQUIRED_SECRETS + OPTIONAL_SECRETS}
    held = {name: value for name, value in held.items() if value}
    problems += [
        f"{name.upper()} must be at least {MIN_SECRET_LENGTH} characters in production"
        for name, value in held.items()
        if len(value) < MIN_SECRET_LENGTH
    ]
    problems += [
        f"{a.upper()} and {b.upper()} must be different secrets"
        for (a, first), (b, second) in combinations(held.items(), 2)
        if first == second
    ]
    url = urlsplit(settings.public_base_url)
    if url.scheme != "https" or not url.hostname:
        problems.append("PUBLIC_BASE_URL must be an https URL in production (cookies are Secure only then)")
    if settings.simulator_enabled:
        problems.append("SIMULATOR_ENABLED must be false in production")
    translation = urlsplit(settings.translation_url)
    if settings.translation_provider != "off" and not (
        translation.scheme == "https" or translation.hostname in LOOPBACK_HOSTS
    ):
        problems.append(
            "TRANSLATION_URL must be an https URL (or one on this host) when TRANSLATION_PROVIDER is on"
        )
    if "municipality_phone" not in settings.model_fields_set:
        problems.append("MUNICIPALITY_PHONE must be set in production (people are told to call it)")
    return problems + oidc_problems(settings)


def oidc_problems(settings: Settings) -> list[str]:
    """Single sign-on half configured is refused in production rather than half working."""
    if not settings.oidc_configured:
        return []
    problems = []
    issuer = urlsplit(settings.oidc_issuer)
    if issuer.scheme != "https" or not issuer.hostname:
        problems.append("OIDC_ISSUER must be an https URL in production")
    if settings.oidc_discovery_url and not settings.oidc_discovery_url.startswith("https://"):
        problems.append("OIDC_DISCOVERY_URL must be an https URL in production")
    if not settings.oidc_client_id or not settings.oidc_client_secret:
        problems.append("OIDC_CLIENT_ID and OIDC_CLIENT_SECRET must be set when OIDC_ISSUER is")
    if not settings.oidc_role_groups:
        problems.append("OIDC_ROLE_GROUPS must map at least one group to a role when OIDC_ISSUER is")
    return problems


def klantinteracties_problems(settings: Settings) -> list[str]:
    """The register export needs its token and the actor tasks go to; in production over https only."""
    if not settings.klantinteracties_enabled:
        return []
    problems = [
        f"{name.upper()} must be set when KLANTINTERACTIES_URL is"
        for name in ("klantinteracties_token", "klantinteracties_actor_uuid")
        if not getattr(settings, name)
    ]
    if settings.klantinteracties_actor_uuid:
        try:
            uuid.UUID(settings.klantinteracties_actor_uuid)
        except ValueError:
            problems.append("KLANTINTERACTIES_ACTOR_UUID must be a UUID")
    url = urlsplit(settings.klantinteracties_url)
    if settings.environment == "production" and (url.scheme != "https" or not url.hostname):
        problems.append("KLANTINTERACTIES_URL must be an https URL in production")
    return problems


@lru_cache
def get_settings() -> Settings:
    return Settings()


def markdown_table() -> str:
    """The README's configuration table, generated from the fields above."""
    rows = ["| Variable | Default | Description |", "|---|---|---|"]
    for name, field in Settings.model_fields.items():
        # Paths under the checkout are shown relative to it, so the table is the same on every machine.
        default = str(field.get_default(call_default_factory=True)).replace(f"{ROOT}/", "")
        rows.append(f"| `{name.upper()}` | `{default}` | {field.description} |")
    return "\n".join(rows)


def write_readme_table() -> None:
    """Rewrite the table between the settings-table markers in README.md."""
    readme = ROOT / "README.md"
    text = readme.read_text()
    start_marker, end_marker = "<!-- settings-table -->", "<!-- /settings-table -->"
    start = text.index(start_marker) + len(start_marker)
    end = text.index(end_marker)
    readme.write_text(f"{text[:start]}\n{markdown_table()}\n{text[end:]}")


if __name__ == "__main__":
    if "--readme" in sys.argv:
        write_readme_table()
    else:
        print(markdown_table())
