"""Ollama's access middlewares (reference §0.1): CORS origins, preflight, and the Host guard."""

from __future__ import annotations

import pytest
from ollama_conformance.mock_server.app import create_app
from ollama_conformance.mock_server.settings import Settings
from starlette.testclient import TestClient


def _client(**settings) -> TestClient:
    return TestClient(create_app(Settings(validate_emitted=True, **settings)), base_url="http://127.0.0.1:11434")


@pytest.mark.parametrize("origin", ["http://localhost", "https://localhost:3000", "http://127.0.0.1:8080",
                                    "http://0.0.0.0:1", "app://obsidian.md", "file://", "tauri://localhost",
                                    "vscode-webview://abc", "vscode-file://vscode-app"])
def test_default_origins_are_allowed_and_echoed(asgi_client, origin):
    response = asgi_client.get("/api/version", headers={"Origin": origin})
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == origin


@pytest.mark.parametrize("origin", ["http://evil.example", "https://localhost.evil.example", "null"])
def test_other_origins_get_403_with_an_empty_body(asgi_client, origin):
    response = asgi_client.get("/api/version", headers={"Origin": origin})
    assert response.status_code == 403
    assert response.content == b""


def test_no_origin_is_unaffected(asgi_client):
    response = asgi_client.get("/api/version")
    assert response.status_code == 200
    assert "access-control-allow-origin" not in response.headers


def test_ollama_origins_adds_origins_with_wildcards():
    client = _client(origins=("https://*.example.com",))
    assert client.get("/", headers={"Origin": "https://app.example.com"}).status_code == 200
    assert client.get("/", headers={"Origin": "https://app.example.org"}).status_code == 403


def test_star_origin_allows_every_origin():
    response = _client(origins=("*",)).get("/", headers={"Origin": "https://anything.test"})
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == "*"


def test_preflight_is_204_with_the_allowed_headers(asgi_client):
    response = asgi_client.options("/api/chat", headers={"Origin": "http://localhost:5173",
                                                         "Access-Control-Request-Method": "POST"})
    assert response.status_code == 204
    allowed = response.headers["access-control-allow-headers"].lower()
    for header in ("authorization", "content-type", "user-agent", "accept", "x-requested-with", "openai-beta",
                   "x-stainless-os", "x-stainless-helper-method", "x-stainless-poll-helper",
                   "x-stainless-custom-poll-interval"):  # openai-node's stream and polling helpers send these
        assert header in [h.strip() for h in allowed.split(",")], header
    assert "POST" in response.headers["access-control-allow-methods"]


def test_options_to_an_allowed_host_name_is_204_without_a_length(asgi_client):
    response = asgi_client.options("/api/tags", headers={"Host": "localhost:11434"})
    assert response.status_code == 204
    assert "content-length" not in response.headers  # net/http sends none with a 204


def test_options_with_an_ip_host_goes_on_to_the_router(asgi_client):
    # allowedHostsMiddleware lets an allowed IP through with c.Next(); only names get the 204
    assert asgi_client.options("/api/tags").status_code == 405
    assert asgi_client.options("/nope").status_code == 404


def test_preflight_headers_are_written_as_gin_contrib_cors_writes_them(asgi_client):
    response = asgi_client.options("/api/chat", headers={"Origin": "http://localhost:5173"})
    assert response.headers["access-control-allow-methods"] == "GET,POST,PUT,PATCH,DELETE,HEAD,OPTIONS"
    assert response.headers["access-control-allow-headers"].startswith(
        "Authorization,Content-Type,User-Agent,Accept,X-Requested-With,Openai-Beta,X-Stainless-Arch,")
    assert response.headers.get_list("vary") == ["Origin", "Access-Control-Request-Method",
                                                 "Access-Control-Request-Headers"]
    assert response.headers["access-control-max-age"] == "43200"
    assert "content-length" not in response.headers


def test_every_origin_allowed_means_a_star_and_no_vary():
    client = _client(origins=("*",))
    for method in ("GET", "OPTIONS"):
        response = client.request(method, "/api/version", headers={"Origin": "https://anything.test"})
        assert response.headers["access-control-allow-origin"] == "*"
        assert "vary" not in response.headers


def test_configured_origins_are_lowercased_the_request_origin_is_not():
    client = _client(origins=("http://MyApp.com",))
    assert client.get("/", headers={"Origin": "http://myapp.com"}).status_code == 200
    assert client.get("/", headers={"Origin": "http://MyApp.com"}).status_code == 403


@pytest.mark.parametrize("host", ["127.0.0.1:11434", "localhost", "[::1]:11434", "10.1.2.3", "192.168.0.7:80",
                                  "0.0.0.0", "box.local", "svc.internal", "x.localhost"])
def test_host_guard_allows_local_names_and_addresses(asgi_client, host):
    assert asgi_client.get("/", headers={"Host": host}).status_code == 200


@pytest.mark.parametrize("host", ["example.com", "evil.test:11434", "8.8.8.8", "169.254.1.1", "192.0.2.1",
                                  "198.18.0.1", "[fe80::1]:11434", "[::1]"])  # Go's IsPrivate is RFC 1918 and fc00::/7
def test_host_guard_refuses_other_hosts_with_an_empty_403(asgi_client, host):
    response = asgi_client.get("/", headers={"Host": host})
    assert response.status_code == 403
    assert response.content == b""


def test_host_guard_is_off_when_not_listening_on_loopback():
    assert _client(host="0.0.0.0").get("/", headers={"Host": "example.com"}).status_code == 200
