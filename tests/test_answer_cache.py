"""The answer cache: a repeated fresh question is answered from memory, with its sources, and shown and
remembered like any answer; follow-ups are never cached; a new index version starts empty."""

from bot.answering import AnswerService
from bot.conversation import Conversation
from bot.generation import ExtractiveGenerator
from bot.index import build_index, load_index
from bot.policy import HarmPolicy
from bot.runtime import LiveService
from tests.conftest import write_note
from tests.fakes import make_settings


def make_service(knowledge, tmp_path, embedder, **overrides):
    settings = make_settings(tmp_path, knowledge_dir=knowledge, index_dir=tmp_path / "index", **overrides)
    build_index(knowledge, settings.index_dir, embedder)
    service = AnswerService(
        settings.answering(), load_index(settings.index_dir), embedder, ExtractiveGenerator(), policy=HarmPolicy()
    )
    return settings, service


def test_a_repeated_question_is_answered_from_the_cache_with_its_sources(knowledge, tmp_path, fake_embedder):
    _, service = make_service(knowledge, tmp_path, fake_embedder, relevance_floor=0.0)
    first = service.answer("What is dropout?")
    fake_embedder.embedded.clear()
    shown: list[str] = []
    conversation = Conversation()
    again = service.answer("  what is DROPOUT? ", conversation, on_text=shown.append)
    assert fake_embedder.embedded == []  # no retrieval, no composition
    assert service.cache.hits == 1
    assert again.answer == first.answer and again.sources == first.sources and again.question == "what is DROPOUT?"
    assert shown == [s.text for s in first.sentences]
    assert len(conversation.turns) == 1 and conversation.turns[0].topic  # a follow-up can build on it
    again.sources.clear()  # a caller changing its copy cannot change the cache
    assert service.answer("What is dropout?").sources == first.sources


def test_follow_ups_are_not_cached(knowledge, tmp_path, fake_embedder):
    _, service = make_service(knowledge, tmp_path, fake_embedder, relevance_floor=0.0)
    conversation = Conversation()
    service.answer("What is pooling?", conversation)
    service.answer("How is it used?", conversation)
    service.answer("How is it used?", conversation)
    assert service.cache.hits == 0 and len(service.cache) == 1


def test_the_cache_is_bounded_and_can_be_turned_off(knowledge, tmp_path, fake_embedder):
    _, small = make_service(knowledge, tmp_path / "a", fake_embedder, answer_cache_size=2, relevance_floor=0.0)
    for question in ("What is dropout?", "What is pooling?", "What is kmeans clustering?"):
        small.answer(question)
    assert len(small.cache) == 2
    _, off = make_service(knowledge, tmp_path / "b", fake_embedder, answer_cache_size=0, relevance_floor=0.0)
    off.answer("What is dropout?")
    off.answer("What is dropout?")
    assert off.cache.hits == 0 and len(off.cache) == 0


def test_a_new_index_version_starts_with_an_empty_cache(knowledge, tmp_path, fake_embedder):
    settings, service = make_service(knowledge, tmp_path, fake_embedder, relevance_floor=0.0)
    live = LiveService(settings, service)
    live.answer("What is dropout?")
    write_note(knowledge, "gans", "Generative adversarial networks")
    build_index(knowledge, settings.index_dir, fake_embedder)
    assert live.refresh()
    assert len(live.current.cache) == 0
