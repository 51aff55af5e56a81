"""The Klantinteracties register as a spec-validating double: Prism serving ../shared/standards/.

Prism answers from the document and refuses (422) every request the document does not allow, and it
reports lesser request problems in its `sl-violations` header, which `Recorder` turns into test failures
too. Two things in the document Prism cannot read as OpenAPI means them, so the double serves a copy
with exactly these corrections (the original stays untouched):

1. A `readOnly` property in `required` is required in responses only (OpenAPI 3.0.3, Schema Object);
   Prism applies that rule except inside `allOf`/`oneOf` (stoplightio/prism #1941), which is where
   every Partij lives, so `POST /partijen` would need `url`, `uuid` and `betrokkenen` from the client.
2. A `oneOf` with a `discriminator` (Partij, Actor): Prism ignores discriminators and a persoon-Partij
   matches all three branches, so no body could pass. Each branch is pinned to its mapping's value of
   the discriminator property, which is what the mapping says.

Prism runs without `--errors`: that flag only adds the validation of Prism's own generated responses,
which break the document's patterns (postcodes, BAG ids) and would make the double answer 500.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from api.settings import ROOT
from tests.doubles import prism_mock

SPEC_CANDIDATES = [
    ROOT.parent / "shared" / "standards" / "klantinteracties-openapi.yaml",
    Path("/work/shared/standards/klantinteracties-openapi.yaml"),
]


def spec_path() -> Path:
    spec = next((p for p in SPEC_CANDIDATES if p.exists()), None)
    if spec is None:
        pytest.skip(
            "the Klantinteracties document (shared/standards/klantinteracties-openapi.yaml) is not there"
        )
    return spec


def _read_only_not_required(node: Any) -> None:
    if isinstance(node, dict):
        properties = node.get("properties")
        if isinstance(properties, dict) and isinstance(node.get("required"), list):
            node["required"] = [
                name
                for name in node["required"]
                if not (isinstance(properties.get(name), dict) and properties[name].get("readOnly"))
            ]
            if not node["required"]:
                del node["required"]
        for value in node.values():
            _read_only_not_required(value)
    elif isinstance(node, list):
        for value in node:
            _read_only_not_required(value)


def _pin_discriminators(node: Any) -> None:
    if isinstance(node, dict):
        discriminator = node.get("discriminator")
        if discriminator and discriminator.get("mapping") and "oneOf" in node:
            name = discriminator["propertyName"]
            value_of = {ref: value for value, ref in discriminator["mapping"].items()}
            node["oneOf"] = [
                {
                    "allOf": [
                        branch,
                        {
                            "type": "object",
                            "required": [name],
                            "properties": {name: {"type": "string", "enum": [value_of[branch["$ref"]]]}},
                        },
                    ]
                }
                for branch in node["oneOf"]
            ]
            del node["discriminator"]
        for value in node.values():
            _pin_discriminators(value)
    elif isinstance(node, list):
        for value in node:
            _pin_discriminators(value)


def served_spec(original: Path, target: Path) -> Path:
    """The document with the two corrections above, written to `target`."""
    spec = yaml.safe_load(original.read_text())
    _read_only_not_required(spec)
    _pin_discriminators(spec)
    target.write_text(yaml.safe_dump(spec, sort_keys=False, allow_unicode=True))
    return target


@pytest.fixture(scope="module")
def register_double(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The base URL of Prism serving the Klantinteracties document (module-wide: it starts in seconds)."""
    spec = served_spec(spec_path(), tmp_path_factory.mktemp("klantinteracties") / "openapi.yaml")
    with prism_mock(spec, "prism-klantinteracties.log") as url:
        yield url


@dataclass
class Call:
    method: str
    path: str
    query: dict[str, str]
    body: Any
    status: int
    violations: list[dict[str, Any]]


@dataclass
class Recorder(httpx.BaseTransport):
    """Passes requests to the double and keeps them, with what Prism said was wrong with each request."""

    inner: httpx.BaseTransport = field(default_factory=httpx.HTTPTransport)
    calls: list[Call] = field(default_factory=list)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.inner.handle_request(request)
        response.read()
        reported = json.loads(response.headers.get("sl-violations") or "[]")
        body = json.loads(request.content) if request.content else None
        self.calls.append(
            Call(
                method=request.method,
                path=request.url.path,
                query=dict(request.url.params),
                body=body,
                status=response.status_code,
                # Prism also reports where its own made-up answer breaks the document: not our concern.
                violations=[v for v in reported if (v.get("location") or [""])[0] != "response"],
            )
        )
        return response

    def creates(self, path: str | None = None) -> list[Call]:
        return [c for c in self.calls if c.method == "POST" and (path is None or c.path == path)]

    def assert_valid(self) -> None:
        """Every request passed the document: no 4xx from Prism and no reported request problem."""
        refused = [(c.method, c.path, c.status, c.violations) for c in self.calls if c.status >= 400]
        assert not refused, refused
        problems = [(c.method, c.path, c.violations) for c in self.calls if c.violations]
        assert not problems, problems


class FakeRegister:
    """A hand-written register that remembers what it was given: for retries, crashes and duplicates.

    It serves what the export uses (digitale adressen, partijen, maak-klantcontact, onderwerpobjecten,
    betrokkenen, interne taken) with their filters, and `fail(method, path, *steps)` scripts the next
    answers to one endpoint: "503", "400", "timeout" (nothing done, no answer) or "lost" (done, then the
    answer is lost: the ambiguous case).
    """

    def __init__(self) -> None:
        self.store: dict[str, dict[str, dict[str, Any]]] = {
            name: {}
            for name in (
                "digitaleadressen",
                "partijen",
                "klantcontacten",
                "betrokkenen",
                "onderwerpobjecten",
                "internetaken",
            )
        }
        self.script: dict[tuple[str, str], list[str]] = {}
        self.requests: list[tuple[str, str]] = []
        self.bodies: list[Any] = []
        self._n = 0

    def fail(self, method: str, path: str, *steps: str) -> None:
        self.script.setdefault((method, path), []).extend(steps)

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)

    def count(self, collection: str) -> int:
        return len(self.store[collection])

    def _new(self, collection: str, body: dict[str, Any]) -> dict[str, Any]:
        self._n += 1
        uid = f"00000000-0000-4000-8000-{self._n:012d}"
        item = {**body, "uuid": uid, "url": f"https://register.example/{collection}/{uid}"}
        self.store[collection][uid] = item
        return item

    def handle(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        key = (request.method, "/internetaken/{uuid}" if path.startswith("/internetaken/") else path)
        self.requests.append(key)
        steps = self.script.get(key) or []
        step = steps.pop(0) if steps else "ok"
        if step == "503":
            return httpx.Response(503, json={"title": "Service Unavailable"})
        if step == "400":
            params = [{"name": "adres", "code": "invalid", "reason": "Voer een geldig telefoonnummer in."}]
            return httpx.Response(400, json={"title": "Invalid input.", "invalidParams": params})
        if step == "timeout":
            raise httpx.ReadTimeout("no answer", request=request)
        body = json.loads(request.content) if request.content else None
        self.bodies.append(body)
        response = self._serve(request.method, path, dict(request.url.params), body)
        if step == "lost":
            raise httpx.ReadTimeout("answer lost", request=request)
        return response

    def _list(self, collection: str, keep: Any) -> httpx.Response:
        found = [item for item in self.store[collection].values() if keep(item)]
        return httpx.Response(
            200, json={"count": len(found), "next": None, "previous": None, "results": found}
        )

    def _serve(self, method: str, path: str, query: dict[str, str], body: Any) -> httpx.Response:
        ref = {"uuid": None}
        if method == "GET" and path == "/digitaleadressen":
            return self._list("digitaleadressen", lambda a: a.get("referentie") == query.get("referentie"))
        if method == "POST" and path == "/digitaleadressen":
            return httpx.Response(201, json=self._new("digitaleadressen", body))
        if method == "POST" and path == "/partijen":
            partij = self._new("partijen", body)
            for address in body.get("digitaleAdressen") or []:
                linked = self.store["digitaleadressen"][address["uuid"]]
                linked["verstrektDoorPartij"] = {"uuid": partij["uuid"], "url": partij["url"]}
            return httpx.Response(201, json=partij)
        if method == "POST" and path == "/maak-klantcontact":
            contact = self._new("klantcontacten", body["klantcontact"])
            fk = {"uuid": contact["uuid"], "url": contact["url"]}
            betrokkene = self._new("betrokkenen", {**body["betrokkene"], "hadKlantcontact": fk})
            subject = self._new("onderwerpobjecten", {**body["onderwerpobject"], "klantcontact": fk})
            return httpx.Response(
                201, json={"klantcontact": contact, "betrokkene": betrokkene, "onderwerpobject": subject}
            )
        if method == "GET" and path == "/onderwerpobjecten":
            prefix = "onderwerpobjectidentificator"
            wanted = {k[len(prefix)].lower() + k[len(prefix) + 1 :]: v for k, v in query.items()}
            return self._list(
                "onderwerpobjecten",
                lambda o: all((o.get(prefix) or {}).get(k) == v for k, v in wanted.items()),
            )
        if method == "GET" and path == "/betrokkenen":
            uid = query.get("hadKlantcontact__uuid")
            return self._list("betrokkenen", lambda b: (b.get("hadKlantcontact") or ref)["uuid"] == uid)
        if method == "POST" and path == "/internetaken":
            return httpx.Response(201, json=self._new("internetaken", body))
        if method == "GET" and path == "/internetaken":
            uid = query.get("aanleidinggevendKlantcontact__uuid")
            return self._list("internetaken", lambda t: t["aanleidinggevendKlantcontact"]["uuid"] == uid)
        if method == "PATCH" and path.startswith("/internetaken/"):
            task = self.store["internetaken"].get(path.rsplit("/", 1)[1])
            if task is None:
                return httpx.Response(404, json={"title": "Niet gevonden."})
            task.update(body)
            return httpx.Response(200, json=task)
        return httpx.Response(404, json={"title": "Niet gevonden."})


def failed_export(
    db: Any, person: Any, *, code: str = "400", detail: str = "Invalid input.; adres:invalid"
) -> Any:
    """A reported absence the register refused, and the task waiting on it (committed)."""
    from api.db import utcnow
    from api.klantinteracties.models import ExportKind, ExportStatus, RegisterExport

    now = utcnow()
    contact = RegisterExport(
        kind=ExportKind.absence,
        status=ExportStatus.failed,
        inburgeraar_id=person.id,
        reference=f"failed-{person.id}-{now.timestamp()}",
        channel="sms",
        topic="vervoer",
        occurred_at=now,
        attempts=1,
        last_error_code=code,
        last_error=detail,
    )
    db.add(contact)
    db.flush()
    db.add(
        RegisterExport(
            kind=ExportKind.task,
            inburgeraar_id=person.id,
            cause_id=contact.id,
            reference=f"waiting-{person.id}-{now.timestamp()}",
            channel="sms",
            topic="absence_reported",
            occurred_at=now,
        )
    )
    db.commit()
    return contact
