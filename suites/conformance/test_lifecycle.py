"""Model lifecycle on models the suite creates itself (prefix conformance-tmp-), removed afterwards.

Never touches a model the suite did not create; pull checks need --allow-destructive.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from ollama_conformance.suites.conformance.support import ndjson_of, need, ok_json
from ollama_conformance.suites.harness.client import Client
from ollama_conformance.suites.harness.expect import (
    expect,
    expect_content_type,
    expect_equal,
    expect_status,
    expect_valid_stream,
)
from ollama_conformance.suites.harness.marks import check

from ollama_conformance import contracts

PREFIX = "conformance-tmp-"
SYSTEM = "You are a conformance test model."


@pytest.fixture(scope="module")
def tmp_names(target) -> Iterator[tuple[str, str]]:
    """Two reserved names for this run; whatever exists under them is deleted at the end."""
    run = uuid.uuid4().hex[:8]
    names = (f"{PREFIX}{run}:latest", f"{PREFIX}{run}-copy:latest")
    yield names
    cleanup = Client(target.base_url, target.config.timeout)
    try:
        for name in names:
            assert name.startswith(PREFIX)  # never delete anything else
            cleanup.request("DELETE", "/api/delete", {"model": name})
    finally:
        cleanup.close()


@pytest.fixture(scope="module")
def created(target, tmp_names) -> str:
    base = need(target, "chat")
    c = Client(target.base_url, target.config.timeout)
    try:
        ex = c.post("/api/create", {"model": tmp_names[0], "from": base, "system": SYSTEM, "stream": False})
    finally:
        c.close()
    if ex.status != 200:
        pytest.skip(f"could not create {tmp_names[0]} from {base}: HTTP {ex.status} {ex.text[:120]}")
    return tmp_names[0]


def _tags(api) -> dict[str, str]:
    body = ok_json(api.get("/api/tags"))
    return {m["name"]: m.get("digest", "") for m in body.get("models") or []}


@check(id="lifecycle.create.stream", endpoint="POST /api/create", category="lifecycle")
def test_create_stream(api, target, tmp_names) -> None:
    """Streamed create of a reserved-name model validates and ends with success."""
    body = {"model": tmp_names[1], "from": need(target, "chat"), "system": SYSTEM}
    ex = api.post("/api/create", body)
    expect_content_type(ex, "application/x-ndjson")
    expect_valid_stream("POST /api/create", ex.content, request=body)
    records = ndjson_of(ex).records
    expect(records[-1:] == [{"status": "success"}], "create does not end with {\"status\":\"success\"}",
           path="$[-1]", excerpt=records[-3:])
    api.request("DELETE", "/api/delete", {"model": tmp_names[1]})


@check(id="lifecycle.show.created", endpoint="POST /api/show", category="lifecycle")
def test_show_created(api, created) -> None:
    """The created model shows the system prompt it was created with."""
    body = ok_json(api.post("/api/show", {"model": created}))
    expect_equal(body.get("system"), SYSTEM, "system of the created model", path="$.system")


@check(id="lifecycle.tags.lists-created", endpoint="GET /api/tags", category="lifecycle")
def test_tags_lists_created(api, created) -> None:
    """/api/tags lists the created model."""
    expect(created in _tags(api), f"{created} missing from /api/tags after create", path="$.models[*].name")


@check(id="lifecycle.copy-delete", endpoint="POST /api/copy", category="lifecycle")
def test_copy_then_delete(api, created, tmp_names) -> None:
    """Copy keeps the digest; delete removes the copy from /api/tags."""
    copy = tmp_names[1]
    ex = api.post("/api/copy", {"source": created, "destination": copy})
    expect_status(ex, 200)
    tags = _tags(api)
    expect(tags.get(copy) == tags.get(created), "the copy's digest differs from its source", path="$.models[*].digest",
           excerpt={copy: tags.get(copy), created: tags.get(created)})
    expect_status(api.request("DELETE", "/api/delete", {"model": copy}), 200)
    expect(copy not in _tags(api), f"{copy} still listed after delete", path="$.models[*].name")


@check(id="lifecycle.delete-twice", endpoint="DELETE /api/delete", category="lifecycle")
def test_delete_twice(api, created, tmp_names) -> None:
    """Deleting a deleted model is 404 model '<name>' not found."""
    name = tmp_names[1]
    api.post("/api/copy", {"source": created, "destination": name})
    expect_status(api.request("DELETE", "/api/delete", {"model": name}), 200)
    ex = api.request("DELETE", "/api/delete", {"model": name})
    expect_status(ex, 404)
    expect_equal(ex.json().get("error"), contracts.message("model_not_found", model=name), "error", path="$.error")


@check(id="lifecycle.load-unload", endpoint="POST /api/generate", category="lifecycle", gap=38)
def test_load_unload_created(api, target, created) -> None:
    """Only the model the suite created is loaded and unloaded (keep_alive 0 => done_reason unload)."""
    if not (target.embedded_mock or target.config.allow_destructive):
        pytest.skip("the created model shares its runner with the model it was made from: needs --allow-destructive")
    # the scheduler keys runners by weights: the created model runs on its base's runner, which
    # /api/ps lists under the name that loaded it (the base's, when the base was loaded first)
    base = need(target, "chat")
    runner = {_tagged(created), _tagged(base)}
    load = ok_json(api.post("/api/generate", {"model": created}))
    expect_equal(load.get("done_reason"), "load", "done_reason of an empty prompt", path="$.done_reason")
    running = [m.get("name") for m in ok_json(api.get("/api/ps")).get("models") or []]
    expect(bool(runner & set(running)), f"neither {created} nor {base} (whose runner it shares) in /api/ps after load",
           path="$.models[*].name", excerpt=running)
    unload = ok_json(api.post("/api/generate", {"model": created, "keep_alive": 0}))
    expect_equal(unload.get("done_reason"), "unload", "done_reason with keep_alive 0", path="$.done_reason")
    running = [m.get("name") for m in ok_json(api.get("/api/ps")).get("models") or []]
    expect(not runner & set(running), f"the runner of {created} still in /api/ps after unload",
           path="$.models[*].name", excerpt=running)


def _tagged(name: str) -> str:
    """A model name as /api/ps writes it: with its tag (":latest" when none is given)."""
    return name if ":" in name.rsplit("/", 1)[-1] else f"{name}:latest"


@check(id="lifecycle.pull.unknown", endpoint="POST /api/pull", category="lifecycle")
def test_pull_unknown_model(api, target) -> None:
    """Pulling an unknown name streams pulling manifest, then the manifest error line."""
    if not target.config.allow_destructive:
        pytest.skip("pull checks need --allow-destructive")
    name = f"{PREFIX}missing-{uuid.uuid4().hex[:6]}"
    ex = api.post("/api/pull", {"model": name})
    records = ndjson_of(ex).records
    expect(records[:1] == [{"status": "pulling manifest"}], "pull does not start with pulling manifest",
           path="$[0]", excerpt=records[:2])
    expect(records[-1:] == [{"error": contracts.message("pull_manifest_missing")}],
           "an unknown model does not end with the manifest error line", path="$[-1]", excerpt=records[-2:])
