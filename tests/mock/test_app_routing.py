"""The route table: every index route answers; gin's 404 / 405 / HEAD / trailing-slash rules."""

from __future__ import annotations

import pytest

from ollama_conformance import contracts


def test_every_index_route_is_in_the_table_and_not_a_router_error(asgi_client):
    for endpoint in contracts.operations():
        method, path = endpoint.split(" ", 1)
        path = path.replace("{digest}", "sha256:" + "0" * 64).replace("{model}", "llama3.2")
        response = asgi_client.request(method, path, content=b"{}" if method in ("POST", "DELETE") else None)
        assert response.status_code not in (404, 405) or response.headers.get("content-type") != "text/plain", endpoint
        assert response.status_code != 501, f"{endpoint} is not wired"


def test_root_says_ollama_is_running(asgi_client):
    response = asgi_client.get("/")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/plain; charset=utf-8"
    assert response.text == "Ollama is running"


@pytest.mark.parametrize("path", ["/", "/api/version", "/api/tags"])
def test_head_is_allowed_where_the_index_says_and_has_no_body(asgi_client, path):
    response = asgi_client.head(path)
    assert response.status_code == 200
    assert response.content == b""
    assert int(response.headers["content-length"]) == len(asgi_client.get(path).content)


@pytest.mark.parametrize("path", ["/api/ps", "/api/status", "/v1/models"])
def test_head_on_a_get_only_route_is_405(asgi_client, path):
    assert asgi_client.head(path).status_code == 405


@pytest.mark.parametrize("method,path", [("GET", "/api/chat"), ("GET", "/api/show"), ("DELETE", "/v1/models/x"),
                                         ("POST", "/api/tags"), ("PUT", "/api/generate")])
def test_known_path_with_wrong_method_is_gin_405(asgi_client, method, path):
    response = asgi_client.request(method, path)
    assert response.status_code == 405
    assert response.headers["content-type"] == "text/plain"
    assert response.text == "405 method not allowed"


@pytest.mark.parametrize("path", ["/api/nope", "/api/tokenize", "/v1/files", "/v1/messages/count_tokens",
                                  "/v1/models/a/b", "/api/signin"])
def test_unknown_path_is_gin_404(asgi_client, path):
    response = asgi_client.post(path, content=b"{}")
    assert response.status_code == 404
    assert response.headers["content-type"] == "text/plain"
    assert response.text == "404 page not found"


def test_trailing_slash_get_redirects_301(asgi_client):
    response = asgi_client.get("/api/tags/", follow_redirects=False)
    assert response.status_code == 301
    assert response.headers["location"] == "/api/tags"


def test_trailing_slash_redirect_keeps_the_query_and_escapes_it_in_the_body(asgi_client):
    response = asgi_client.get("/api/tags/?a=1&b=2", follow_redirects=False)
    assert response.headers["location"] == "/api/tags?a=1&b=2"
    assert response.text == '<a href="/api/tags?a=1&amp;b=2">Moved Permanently</a>.\n\n'


def test_trailing_slash_redirect_keeps_the_raw_query_bytes(asgi_client):
    response = asgi_client.get("/api/tags/?q=%C3%A9", follow_redirects=False)
    assert response.headers["location"] == "/api/tags?q=%C3%A9"


def test_trailing_slash_head_redirect_has_go_s_html_type_and_no_body(asgi_client):
    response = asgi_client.head("/api/tags/", follow_redirects=False)
    assert response.status_code == 307
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert response.content == b""


def test_trailing_slash_post_redirects_307(asgi_client):
    response = asgi_client.post("/api/chat/", content=b"{}", follow_redirects=False)
    assert response.status_code == 307
    assert response.headers["location"] == "/api/chat"


def test_every_response_names_the_profile(asgi_client):
    for response in (asgi_client.get("/"), asgi_client.get("/nope"), asgi_client.get("/api/chat"),
                     asgi_client.post("/api/show", content=b"")):
        assert response.headers["x-ollama-mock-profile"] == "ollama-0.32"


def test_mock_info_says_what_it_is(asgi_client):
    body = asgi_client.get("/_mock/info").json()
    assert body["mock"] == "ollama-conformance"
    assert body["profile"] == "ollama-0.32"
    assert body["profile_version"] == "0.32.15"
    assert isinstance(body["version"], str) and body["version"]


def test_mock_prefix_is_reserved_unknown_mock_route_is_404(asgi_client):
    assert asgi_client.get("/_mock/nothing").status_code == 404


def test_version_reports_the_profile_version(asgi_client):
    response = asgi_client.get("/api/version")
    assert response.headers["content-type"] == "application/json; charset=utf-8"
    assert response.content == b'{"version":"0.32.15"}'


def test_status_reports_cloud_not_disabled(asgi_client):
    assert asgi_client.get("/api/status").json() == {"cloud": {"disabled": False, "source": "none"}}


def test_extensions_can_add_routes_through_state(monkeypatch):
    from ollama_conformance.mock_server import app as app_module
    from ollama_conformance.mock_server.settings import Settings
    from ollama_conformance.mock_server.wire import plain
    from starlette.testclient import TestClient

    async def hello(scope, receive, send):
        await plain(send, 200, "text/plain", b"hi")

    def install(state, settings):
        state.extra_routes.append(("/_mock/hello", {"GET": hello}))

    monkeypatch.setattr(app_module, "_install_extensions", install)
    client = TestClient(app_module.create_app(Settings()), base_url="http://127.0.0.1:11434")
    assert client.get("/_mock/hello").text == "hi"
    assert client.post("/_mock/hello").status_code == 405


# --- before any middleware: Go's ServeMux cleans the path, gin redirects a trailing slash ---------


def _raw(app, method: str, path: str, *headers: tuple[bytes, bytes], query: bytes = b"") -> tuple[int, dict, bytes]:
    """The answer to a request whose path reaches the app exactly as given (clients normalise `//`)."""
    import asyncio

    sent: list[dict] = []

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message):
        sent.append(message)

    scope = {"type": "http", "method": method, "path": path, "raw_path": path.encode(), "root_path": "",
             "query_string": query, "headers": [(b"host", b"127.0.0.1:11434"), *headers]}
    asyncio.run(app(scope, receive, send))
    start = sent[0]
    return start["status"], {k.decode(): v.decode() for k, v in start["headers"]}, b"".join(m.get("body", b"") for m in sent[1:])


@pytest.mark.parametrize(("path", "target"), [("//api/tags", "/api/tags"), ("/api/./tags", "/api/tags"),
                                              ("/api/../api/tags", "/api/tags"), ("/api//tags/.", "/api/tags")])
def test_a_path_that_is_not_clean_is_moved_permanently(asgi_client, path, target):
    status, headers, body = _raw(asgi_client.app, "GET", path, query=b"a=1&b=2")
    assert status == 301 and headers["location"] == target + "?a=1&b=2"
    assert body == f'<a href="{target}?a=1&amp;b=2">Moved Permanently</a>.\n\n'.encode()


def test_a_post_to_a_double_slash_path_is_a_301_too(asgi_client):
    # a client whose base URL ends in "/" sends //api/chat; Ollama's mux answers 301 for every method
    status, headers, body = _raw(asgi_client.app, "POST", "//api/chat")
    assert (status, headers["location"], body) == (301, "/api/chat", b"")
    assert "content-type" not in headers


def test_redirects_come_before_the_host_and_cors_checks(asgi_client):
    for path in ("/api/tags/", "//api/tags"):
        status, headers, _ = _raw(asgi_client.app, "GET", path, (b"origin", b"http://localhost:3000"))
        assert status == 301 and "access-control-allow-origin" not in headers
    status, _, _ = _raw(asgi_client.app, "GET", "/api/tags/", (b"origin", b"http://evil.example"))
    assert status == 301
    assert asgi_client.get("/api/tags/", headers={"Host": "evil.example"}, follow_redirects=False).status_code == 301
    assert asgi_client.get("/nope", headers={"Host": "evil.example"}).status_code == 403  # a 404 runs the middleware


@pytest.mark.parametrize(("method", "path", "allow"), [("GET", "/api/chat", "POST"), ("POST", "/api/tags", "HEAD, GET"),
                                                       ("HEAD", "/api/ps", "GET"), ("GET", "/api/delete", "DELETE"),
                                                       ("PUT", "/", "HEAD, GET")])
def test_a_405_lists_the_paths_methods_in_allow(asgi_client, method, path, allow):
    response = asgi_client.request(method, path)
    assert response.status_code == 405
    assert response.headers["allow"] == allow


@pytest.mark.parametrize(("raw", "location"), [("/api/tags%2F", "/api/tags"), ("/v1/models/gemma3%3A1b/", "/v1/models/gemma3:1b")])
def test_a_trailing_slash_redirect_never_points_at_itself(asgi_client, raw, location):
    import asyncio
    from urllib.parse import unquote

    sent: list[dict] = []

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message):
        sent.append(message)

    scope = {"type": "http", "method": "GET", "path": unquote(raw), "raw_path": raw.encode(), "root_path": "",
             "query_string": b"", "headers": [(b"host", b"127.0.0.1:11434")]}
    asyncio.run(asgi_client.app(scope, receive, send))
    assert sent[0]["status"] == 301 and dict(sent[0]["headers"])[b"location"] == location.encode()


def test_an_escaped_dot_is_not_cleaned(asgi_client):
    status, _, _ = _raw(asgi_client.app, "GET", "/api/%2e/tags")
    assert status == 404  # Go's ServeMux cleans the escaped path: nothing to clean, gin finds no route


def _raw_exchange(base_url: str, request: bytes) -> bytes:
    import socket

    host, port = base_url.removeprefix("http://").rsplit(":", 1)
    with socket.create_connection((host, int(port)), timeout=10) as client:
        client.sendall(request)
        data = b""
        while chunk := client.recv(65536):
            data += chunk
    return data


@pytest.mark.parametrize(("target", "status"), [("http://{host}/api/version", b"200"),
                                                ("http://evil.example/api/version", b"403")])
def test_an_absolute_form_target_is_read_as_net_http_reads_it(make_mock, target: str, status: bytes) -> None:
    # its path is the path and its host the Host (so the Host guard judges the URL's host)
    mock = make_mock()
    host = mock.base_url.removeprefix("http://")
    answer = _raw_exchange(mock.base_url, f"GET {target.format(host=host)} HTTP/1.1\r\nHost: {host}\r\n"
                                          "Connection: close\r\n\r\n".encode())
    assert answer.split(b"\r\n")[0] == b"HTTP/1.1 " + status + (b" OK" if status == b"200" else b" Forbidden")


def test_headers_up_to_net_https_limit_are_read(make_mock) -> None:
    # net/http reads 1 MiB of headers; h11's default stopped at 16 KiB with a 400
    mock = make_mock()
    host = mock.base_url.removeprefix("http://")
    answer = _raw_exchange(mock.base_url, f"GET /api/version HTTP/1.1\r\nHost: {host}\r\nX-Big: {'x' * 200_000}\r\n"
                                          "Connection: close\r\n\r\n".encode())
    assert answer.startswith(b"HTTP/1.1 200 OK")
