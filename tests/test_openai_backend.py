"""The OpenAI-compatible backend against a small local HTTP server; failures fall back to quoting."""

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import numpy as np
import pytest

from bot.answering import AnswerService
from bot.generation import GeneratorUnavailable, OpenAICompatibleGenerator
from bot.policy import HarmPolicy
from bot.settings import Settings


class CompletionHandler(BaseHTTPRequestHandler):
    reply = "Hello world. Second sentence."
    delay = 0.0
    trickle: bytes = b""  # sent a byte every TRICKLE_S before the reply, as a stalling server would
    requests: list[dict] = []

    def do_POST(self):  # noqa: N802 - the http.server API
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        CompletionHandler.requests.append({"path": self.path, "auth": self.headers.get("Authorization"), **body})
        time.sleep(self.delay)
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.end_headers()
        try:
            for byte in self.trickle:
                self.wfile.write(bytes([byte]))
                self.wfile.flush()
                time.sleep(TRICKLE_S)
            for word in self.reply.split(" "):
                chunk = {"choices": [{"delta": {"content": word + " "}}]}
                self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
                self.wfile.flush()
            self.wfile.write(b"data: [DONE]\n\n")
        except OSError:  # the client gave up (a timeout, or it read all it needed), as it should
            return

    def log_message(self, *args):
        pass


TRICKLE_S = 0.02


@pytest.fixture
def server():
    CompletionHandler.requests = []
    CompletionHandler.delay = 0.0
    CompletionHandler.trickle = b""
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), CompletionHandler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}/v1"
    httpd.shutdown()


def settings_for(url: str, **extra) -> Settings:
    return Settings(generator_backend="openai", openai_base_url=url, openai_model="smollm2", **extra)


def test_streams_chat_completions(server):
    generator = OpenAICompatibleGenerator(settings_for(server, openai_api_key="sk-test").generation())
    text = "".join(generator.stream([{"role": "user", "content": "hi"}], 20))
    assert text.strip() == "Hello world. Second sentence."
    request = CompletionHandler.requests[0]
    assert request["path"] == "/v1/chat/completions"
    assert request["stream"] is True and request["temperature"] == 0 and request["max_tokens"] == 20
    assert request["auth"] == "Bearer sk-test"
    assert "sk-test" not in repr(settings_for(server, openai_api_key="sk-test"))


def test_unreachable_server_raises_generator_unavailable():
    generator = OpenAICompatibleGenerator(settings_for("http://127.0.0.1:9/v1", openai_timeout_s=1).generation())
    with pytest.raises(GeneratorUnavailable, match="unreachable"):
        list(generator.stream([{"role": "user", "content": "hi"}], 20))


def test_slow_server_times_out(server):
    CompletionHandler.delay = 2.0
    generator = OpenAICompatibleGenerator(settings_for(server, openai_timeout_s=0.3).generation())
    started = time.perf_counter()
    with pytest.raises(GeneratorUnavailable):
        list(generator.stream([{"role": "user", "content": "hi"}], 20))
    assert time.perf_counter() - started < 1.9


@pytest.mark.parametrize("trickle", [b": keep-alive\n\n" * 40, b"data: " + b"x" * 400])
def test_keep_alives_or_a_trickle_cannot_stretch_the_deadline(server, trickle):
    """httpx's timeout is per read: a byte now and then resets it. The whole reply must still end in time."""
    CompletionHandler.trickle = trickle
    generator = OpenAICompatibleGenerator(settings_for(server, openai_timeout_s=0.5).generation())
    started = time.perf_counter()
    with pytest.raises(GeneratorUnavailable, match="slower than"):
        list(generator.stream([{"role": "user", "content": "hi"}], 20))
    assert time.perf_counter() - started < len(trickle) * TRICKLE_S / 2


def test_a_failing_server_is_skipped_for_a_while_then_tried_again():
    """Two failures in a row pause the server, so later questions are quoted at once, not after a timeout each."""
    now = [100.0]
    config = settings_for("http://127.0.0.1:9/v1", openai_timeout_s=1).generation()
    generator = OpenAICompatibleGenerator(config, clock=lambda: now[0])
    messages = [{"role": "user", "content": "hi"}]
    for _ in range(OpenAICompatibleGenerator.FAILURES_TO_OPEN):
        with pytest.raises(GeneratorUnavailable, match="unreachable"):
            list(generator.stream(messages, 20))
    with pytest.raises(GeneratorUnavailable, match="trying it again in 30 s"):
        list(generator.stream(messages, 20))
    now[0] += OpenAICompatibleGenerator.PAUSE_AFTER_FAILURES_S + 1
    with pytest.raises(GeneratorUnavailable, match="unreachable"):  # tried again, not skipped
        list(generator.stream(messages, 20))


def test_failures_count_only_in_a_row_even_when_a_good_reply_is_not_read_to_the_end(server):
    """The bot stops reading after the sentence it needs, so a healthy reply closed early must clear the count."""
    generator = OpenAICompatibleGenerator(settings_for(server, openai_timeout_s=0.3).generation())
    messages = [{"role": "user", "content": "hi"}]
    CompletionHandler.delay = 2.0
    with pytest.raises(GeneratorUnavailable):
        list(generator.stream(messages, 20))
    CompletionHandler.delay = 0.0
    reply = generator.stream(messages, 20)
    assert next(reply).strip() == "Hello"
    reply.close()
    CompletionHandler.delay = 2.0
    with pytest.raises(GeneratorUnavailable):
        list(generator.stream(messages, 20))
    CompletionHandler.delay = 0.0
    assert "".join(generator.stream(messages, 20)).strip() == "Hello world. Second sentence."  # not paused


def test_answer_falls_back_to_quotes_with_one_warning(tmp_path, fake_embedder, caplog):
    from bot.index import build_index, load_index
    from tests.test_composition import NOTES

    knowledge = tmp_path / "knowledge"
    knowledge.mkdir()
    for slug, text in NOTES.items():
        (knowledge / f"{slug}.md").write_text(text, encoding="utf-8")
    build_index(knowledge, tmp_path / "index", fake_embedder)
    settings = settings_for("http://127.0.0.1:9/v1", openai_timeout_s=1, relevance_floor=0.0, model_role="join")
    service = AnswerService(
        settings.answering(),
        load_index(tmp_path / "index"),
        fake_embedder,
        OpenAICompatibleGenerator(settings.generation()),
        policy=HarmPolicy(),
    )
    for _ in range(2):
        answer = service.answer("tell me about GANs")
        assert len(answer.sentences) >= 3  # enough for the model's join to be tried
        assert not answer.refused and answer.mode == "extractive"
        assert all(not s.generated for s in answer.sentences)
    warnings = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert len(warnings) == 1 and "unreachable" in warnings[0]
    assert np.isfinite(answer.timings_ms["total"])
