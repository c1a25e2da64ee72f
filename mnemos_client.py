"""MnemosClient: the Python client of the Vigil platform API (on httpx).

from mnemos_client import MnemosClient
client = MnemosClient.login(base_url="http://127.0.0.1:8000",
                            email="you@example.com", password="secret")
token_raw = client.tokens.create(hardware_id="SIM-001", name="Dev Token")
device = client.devices.create(hardware_id="SIM-001", display_name="My Sensor")
binding = client.devices.create_binding(device_id=device["id"], channel=0,
                                        quantity_slug="temperature.celsius")
client.ingest(token_raw=token_raw, hardware_id="SIM-001",
              measurements=[{"binding_id": binding["id"], "value": 22.5}])
"""

from __future__ import annotations

import builtins
from typing import Any

import httpx

__all__ = ["MnemosClient", "MnemosError"]


class MnemosError(Exception):
    """The API answered with an error status."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(f"{status}: {message}")
        self.status = status
        self.message = message


class MnemosClient:
    """A session against one Vigil deployment; refreshes its JWT when it expires."""

    def __init__(
        self,
        base_url: str,
        access: str | None = None,
        refresh: str | None = None,
        api_key: str | None = None,
        timeout: float = 30.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.access = api_key or access
        self.refresh_token = refresh
        self._http = httpx.Client(
            base_url=self.base_url, timeout=timeout, transport=transport
        )
        self.tokens = _Tokens(self)
        self.devices = _Devices(self)
        self.sites = _Sites(self)
        self.quantities = _Quantities(self)

    @classmethod
    def login(
        cls, base_url: str, email: str, password: str, **options: Any
    ) -> MnemosClient:
        """Sign in with email and password (``POST /api/v1/auth/login/``)."""
        client = cls(base_url, **options)
        tokens = client.request(
            "POST",
            "/api/v1/auth/login/",
            json={"email": email, "password": password},
            auth=False,
        )
        client.access, client.refresh_token = tokens["access"], tokens["refresh"]
        return client

    def request(self, method: str, path: str, auth: bool = True, **kwargs: Any) -> Any:
        """Call the API; return the decoded JSON body (None for 204)."""
        response = self._send(method, path, auth, kwargs)
        if response.status_code == 401 and auth and self.refresh_token:
            self._refresh()
            response = self._send(method, path, auth, kwargs)
        if response.status_code >= 400:
            raise MnemosError(response.status_code, _error_text(response))
        return None if response.status_code == 204 else response.json()

    def _send(
        self, method: str, path: str, auth: bool, kwargs: dict[str, Any]
    ) -> httpx.Response:
        headers = dict(kwargs.pop("headers", None) or {})
        if auth and self.access and "Authorization" not in headers:
            headers["Authorization"] = f"Bearer {self.access}"
        return self._http.request(method, path, headers=headers, **kwargs)

    def _refresh(self) -> None:
        tokens = self.request(
            "POST",
            "/api/v1/auth/token/refresh/",
            json={"refresh": self.refresh_token},
            auth=False,
        )
        self.access, self.refresh_token = tokens["access"], tokens["refresh"]

    def ingest(
        self, token_raw: str, hardware_id: str, measurements: list[dict[str, Any]]
    ) -> Any:
        """Post measurements with a gateway token (``POST /api/v1/ingest/``)."""
        return self.request(
            "POST",
            "/api/v1/ingest/",
            auth=False,
            json={"hardware_id": hardware_id, "measurements": measurements},
            headers={"Authorization": f"Bearer {token_raw}"},
        )

    def close(self) -> None:
        """Close the connection pool."""
        self._http.close()

    def __enter__(self) -> MnemosClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _error_text(response: httpx.Response) -> str:
    try:
        return str(response.json().get("error", response.text))
    except ValueError:
        return response.text


class _Area:
    def __init__(self, client: MnemosClient) -> None:
        self.client = client


class _Tokens(_Area):
    def create(self, name: str, hardware_id: str | None = None) -> str:
        """Create a gateway token and return the raw ``gw_`` secret (shown once)."""
        body: dict[str, Any] = {"name": name}
        if hardware_id is not None:
            body["hardware_id"] = hardware_id
        return str(
            self.client.request("POST", "/api/v1/ingest/tokens/", json=body)[
                "raw_token"
            ]
        )

    def list(self) -> dict[str, Any]:
        return dict(self.client.request("GET", "/api/v1/ingest/tokens/"))

    def revoke(self, token_id: str) -> None:
        self.client.request("DELETE", f"/api/v1/ingest/tokens/{token_id}/")


class _Devices(_Area):
    def create(
        self, hardware_id: str, display_name: str, **fields: Any
    ) -> dict[str, Any]:
        body = {"hardware_id": hardware_id, "display_name": display_name, **fields}
        return dict(self.client.request("POST", "/api/v1/devices/", json=body))

    def list(self, **filters: Any) -> dict[str, Any]:
        return dict(self.client.request("GET", "/api/v1/devices/", params=filters))

    def get(self, device_id: str) -> dict[str, Any]:
        return dict(self.client.request("GET", f"/api/v1/devices/{device_id}/"))

    def latest(self, device_id: str) -> dict[str, Any]:
        return dict(self.client.request("GET", f"/api/v1/devices/{device_id}/latest/"))

    def bindings(self, device_id: str) -> builtins.list[dict[str, Any]]:
        return list(
            self.client.request("GET", f"/api/v1/devices/{device_id}/bindings/")
        )

    def create_binding(
        self, device_id: str, channel: int, quantity_slug: str, **fields: Any
    ) -> dict[str, Any]:
        body = {"channel": channel, "quantity_slug": quantity_slug, **fields}
        return dict(
            self.client.request(
                "POST", f"/api/v1/devices/{device_id}/bindings/", json=body
            )
        )


class _Sites(_Area):
    def create(self, name: str, **fields: Any) -> dict[str, Any]:
        return dict(
            self.client.request("POST", "/api/v1/sites/", json={"name": name, **fields})
        )

    def list(self, **filters: Any) -> dict[str, Any]:
        return dict(self.client.request("GET", "/api/v1/sites/", params=filters))

    def get(self, site_id: str) -> dict[str, Any]:
        return dict(self.client.request("GET", f"/api/v1/sites/{site_id}/"))


class _Quantities(_Area):
    def list(
        self,
        domain: str | None = None,
        search: str | None = None,
        phenomenon_class: str | None = None,
        **params: Any,
    ) -> dict[str, Any]:
        """List quantities; ``domain`` is the reference's name for phenomenon_class."""
        query = {
            k: v
            for k, v in {
                "phenomenon_class": phenomenon_class or domain,
                "search": search,
                **params,
            }.items()
            if v is not None
        }
        return dict(
            self.client.request("GET", "/api/v1/quantities/canonical/", params=query)
        )

    def get(self, slug: str) -> dict[str, Any]:
        return dict(self.client.request("GET", f"/api/v1/quantities/canonical/{slug}/"))
