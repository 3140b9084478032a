"""One deployment, several brands: each site key has its own name, voice, languages, policy, help center, tools."""

from __future__ import annotations

from pathlib import Path

import pytest

from agent.conversations.service import ChatService
from agent.engine import prompts
from agent.engine.sites import SiteError
from agent.settings import Settings, SiteSettings
from tests.conftest import decision, in_services, scripted

POLICY = "# Ada Outdoor policy\n\n- Tents may be returned within 60 days, used or not."


def with_site(settings: Settings, tmp_path: Path, **site) -> Settings:
    policy = tmp_path / "policy.md"
    policy.write_text(POLICY)
    ada = SiteSettings(name="Ada", description="the assistant of Ada Outdoor, a camping shop", tone="Be warm.",
                       languages=["Spanish", "English"], policy_file=policy, **site)
    return settings.model_copy(update={"web": settings.web.model_copy(update={"sites": {"demo": [], "ada": ada}})})


def talk(settings, retriever, clock, model, text: str, site_key: str | None):
    async def go(chat: ChatService):
        conversation, _ = chat.create_conversation("mohamed_khan_3010", site_key)
        return await chat.handle_message(conversation, text)

    return in_services(settings, go, model=model, retriever=retriever, clock=clock)


def test_a_sites_router_and_answers_speak_for_its_brand_and_follow_its_policy(settings, retriever, clock,
                                                                            tmp_path) -> None:
    model = scripted(decision("search_help_center", query="return a tent"), "Sí, dentro de 60 días.")
    talk(with_site(settings, tmp_path), retriever, clock, model, "¿Puedo devolver una tienda?", "ada")
    router, answer = model.calls[0]["messages"][0].text, model.calls[-1]["messages"][0].text
    assert router.startswith("You are the router of Ada, the assistant of Ada Outdoor, a camping shop.")
    assert "Tents may be returned within 60 days" in router and "Tents may be returned within 60 days" in answer
    assert answer.startswith("You are Ada, the assistant of Ada Outdoor, a camping shop. Be warm.")
    assert "Answer in the customer's language if it is one of: Spanish, English; otherwise in Spanish." in answer


def test_a_conversation_without_a_site_keeps_the_default_brand(settings, retriever, clock, tmp_path) -> None:
    model = scripted(decision("reply"), "Hello!")
    talk(with_site(settings, tmp_path), retriever, clock, model, "I have a question", None)
    assert model.calls[0]["messages"][0].text.startswith("You are the router of Concierge, the support assistant")
    assert "Ada" not in "\n".join(m.text for call in model.calls for m in call["messages"])


def test_a_site_keyed_default_brands_the_conversations_that_name_no_site(settings, retriever, clock,
                                                                        tmp_path) -> None:
    airline = SiteSettings(name="Hat", description="the assistant of Hat Airlines")
    web = settings.web.model_copy(update={"sites": {"default": airline}})
    model = scripted(decision("reply"), "Hello!")
    talk(settings.model_copy(update={"web": web}), retriever, clock, model, "I have a question", None)
    assert model.calls[0]["messages"][0].text.startswith("You are the router of Hat, the assistant of Hat Airlines.")
    assert model.calls[-1]["messages"][0].text.startswith("You are Hat, the assistant of Hat Airlines.")


def test_a_sites_tool_allow_list_keeps_other_tools_out_of_prompt_and_grammar(settings, retriever, clock,
                                                                            tmp_path) -> None:
    model = scripted(decision("reply"), "OK.")
    only = with_site(settings, tmp_path, tools=["get_order_details"])
    talk(only, retriever, clock, model, "cancel #W7390432", "ada")
    schema = model.calls[0]["kwargs"]["response_format"]["json_schema"]["schema"]
    actions = {v["properties"]["action"]["const"] for v in schema["anyOf"]}
    assert actions == {"search_help_center", "get_order_details", "handoff", "reply"}
    assert "cancel_pending_order" not in model.calls[0]["messages"][0].text


def test_a_sites_help_center_is_its_own_collection(settings, retriever, clock, tmp_path) -> None:
    model = scripted(decision("search_help_center", query="shipping times"), "unused")
    # Nothing was ingested into this site's collection: its customers hear so, the default site's do not.
    own = with_site(settings, tmp_path, collection="ada-help-center")
    assert talk(own, retriever, clock, model, "How long does shipping take?", "ada").text == prompts.HELP_CENTER_DOWN
    default = talk(own, retriever, clock, model, "How long does shipping take?", "demo")
    assert default.citations


def test_an_unreadable_policy_file_stops_start_up_naming_the_setting(settings, retriever, clock, tmp_path) -> None:
    broken = with_site(settings, tmp_path)
    broken.web.sites["ada"] = broken.web.sites["ada"].model_copy(update={"policy_file": tmp_path / "missing.md"})
    with pytest.raises(SiteError, match=r"Site 'ada': cannot read its policy_file .*CONCIERGE_WEB__SITES"):
        talk(broken, retriever, clock, scripted(decision("reply")), "hi", "ada")


def test_a_bare_list_of_origins_is_still_a_site() -> None:
    site = Settings(web={"sites": {"shop-1": ["https://shop.example"]}}).site("shop-1")
    assert site is not None and site.origins == ["https://shop.example"] and site.name == "Concierge"
    assert Settings().site("nope") is None
