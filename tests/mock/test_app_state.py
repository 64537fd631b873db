"""State hooks the other parts rely on: responders order, seeded randomness, profile, multipart."""

from __future__ import annotations

from ollama_conformance.mock_server.reply import Reply
from ollama_conformance.mock_server.settings import Settings
from ollama_conformance.mock_server.state import State


def test_reply_for_asks_scenario_responders_first_and_the_default_last():
    state = State(Settings())
    order: list[str] = []

    def responder(name: str, answer: bool):
        def respond(ctx):
            order.append(name)
            return Reply(content=name) if answer else None
        return respond

    state.default_responder = responder("default", True)
    late = responder("late", True)
    state.responders = [responder("scenario", False), state.default_responder, late]
    assert state.reply_for(None).content == "late"  # the default waits even if listed earlier
    assert order == ["scenario", "late"]
    state.responders.remove(late)
    assert state.reply_for(None).content == "default"


def test_seeded_random_is_reproducible_per_key():
    a, b = State(Settings(seed=7)), State(Settings(seed=7))
    assert a.random("faults").random() == b.random("faults").random()
    assert a.random("faults").random() != a.random("text").random()
    assert State(Settings(seed=8)).random("faults").random() != a.random("faults").random()


def test_default_profile_is_current_ollama():
    state = State(Settings())
    assert (state.profile.name, state.profile.version) == ("ollama-0.32", "0.32.15")


def test_multipart_audio_fields_reach_the_handler(asgi_client):
    seen = []
    asgi_client.app.state.mock.interceptors.append(
        lambda info, body: seen.append(body) if info.endpoint == "POST /v1/audio/transcriptions" else None)
    asgi_client.post("/v1/audio/transcriptions", files={"file": ("a.wav", b"RIFF1234", "audio/wav")},
                     data={"model": "whisper"})
    assert seen == [{"file": b"RIFF1234", "model": "whisper"}]


def test_journal_gets_every_request_with_method_path_body_and_status(asgi_client):
    entries = []

    class Journal:
        def record(self, entry):
            entries.append(entry)

    asgi_client.app.state.mock.journal = Journal()
    asgi_client.post("/api/show", json={"model": "nope"})
    assert entries[-1]["method"] == "POST" and entries[-1]["path"] == "/api/show"
    assert entries[-1]["body"] == {"model": "nope"} and entries[-1]["status"] == 404
    assert entries[-1]["endpoint"] == "POST /api/show"
