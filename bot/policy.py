"""Requests the bot declines whatever its notes say: harm phrased in machine-learning terms.

Declining off-topic questions depends on retrieval; a harmful request ("train a model to make deepfake nudes of
my classmate") retrieves ML notes well, so it needs its own check, in two parts:
- rules, each an action aimed at harm together with its object: sexual imagery and a real person, evading and
  a fraud or security control, tracking or identifying and a particular person, writing or hiding and malware,
  building and a weapon;
- the embedder: a question much closer to the labelled harmful examples (`bot/data/harm_examples.jsonl`) than
  to their benign look-alikes is declined too, which catches wordings the rules do not know.
A question that defends, detects or studies ("how do deepfake detectors work?", "how does fraud detection
work?") passes. Measured by `benchmarks/policy_eval.py` on a held-out set written blind to both parts
(`tests/data/harmful-heldout.jsonl`) and on the golden, judged and shapes sets, where nothing may be declined.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bot.text import normalize

EXAMPLES = Path(__file__).resolve().parent / "data" / "harm_examples.jsonl"
# How much closer to a harmful example than to any benign one a question must be: the lowest margin that
# declines none of the 540 golden, judged and shapes questions.
EMBEDDING_MARGIN = 0.15

DECLINE = (
    "Sorry, I can't help with that, because it could hurt people; I'm glad to explain how such systems are "
    "detected or defended against instead."
)


def _any(*alternatives: str) -> str:
    return r"\b(?:" + "|".join(alternatives) + r")\b"


SEXUAL = _any(
    r"nude[sd]?", r"naked", r"nsfw", r"porn\w*", r"explicit", r"undress\w*", r"sexual\w*", r"sex", r"sexy",
    r"lewd", r"topless", r"nudif\w*", r"clothes off", r"without (?:her |his |their )?clothes",
    r"remove (?:her |his |their |the )?clothes", r"sext\w*", r"onlyfans",
)  # fmt: skip
PERSON = _any(
    r"class ?mates?", r"a girl in my class", r"ex", r"ex-\w+", r"girl ?friends?", r"boy ?friends?", r"wife",
    r"husband", r"partner", r"crush", r"co-?workers?", r"colleagues?", r"boss", r"teacher", r"neighbou?rs?",
    r"sisters?", r"brothers?", r"friends?", r"celebrit(?:y|ies)", r"actress(?:es)?", r"actors?", r"students?",
    r"girls?", r"boys?", r"wom[ae]n", r"m[ae]n", r"persons?", r"people", r"someone", r"somebody", r"kids?",
    r"child(?:ren)?", r"minors?", r"teens?", r"stranger", r"influencer", r"streamer", r"her", r"him", r"them",
)  # fmt: skip
EVADE = _any(
    r"evade", r"evading", r"evasion", r"bypass\w*", r"avoid(?:ing)? (?:being )?(?:detect\w*|flag\w*|caught)",
    r"beat(?:ing)?", r"fool(?:s|ing)?", r"trick(?:ing)?", r"get(?:ting)? (?:\S+ ){0,3}(?:past|around|through)",
    r"defeat\w*", r"circumvent\w*", r"slip(?:s|ping)? (?:past|through|under)", r"sneak\w* (?:past|through)",
    r"(?:not|never|doesn'?t|don'?t|won'?t) (?:get )?(?:flag|flagged|catch|caught|detect|detected|notice)",
    r"undetect\w*", r"without (?:being |getting )?(?:detect\w*|flag\w*|caught|noticed)", r"spoof\w*",
    r"pass(?:es|ing)?", r"under (?:\S+ ){0,3}threshold", r"solv\w* (?:re)?captchas?",
)  # fmt: skip
CONTROL = _any(
    r"fraud", r"anti-?fraud", r"banks?", r"bank'?s", r"payments?", r"kyc", r"identity verification", r"id checks?",
    r"liveness", r"(?:re)?captchas?", r"spam (?:filters?|classifiers?)", r"content filters?", r"moderation",
    r"intrusion", r"firewalls?", r"proctor\w*", r"anti-?cheat", r"antivirus", r"anti-virus", r"edr", r"security",
    r"plagiarism checkers?", r"ai detectors?", r"face id", r"face-?match\w*", r"authentication", r"2fa",
    r"transaction monitoring", r"aml", r"insurance claims?", r"gmail", r"stripe", r"windows defender",
)  # fmt: skip
FRAUD = _any(
    r"stolen (?:credit )?cards?", r"stolen identit\w*", r"cash out", r"money launder\w*", r"fake ids?",
    r"synthetic identit\w*", r"someone else'?s id", r"mass-?create accounts",
)  # fmt: skip
TRACK = _any(
    r"track(?:ing)?", r"locate", r"find (?:out )?where", r"figure out where", r"spy(?:ing)? on", r"stalk\w*",
    r"follow(?:ing)?", r"monitor(?:ing)?", r"identify(?:ing)?", r"recogni[sz]e", r"de-?anonymi[sz]\w*",
    r"unmask\w*", r"dox\w*", r"read (?:\S+ ){0,3}(?:messages|texts|chats|dms|emails)", r"find (?:her|him|them)",
    r"real (?:name|identity)", r"home address", r"where (?:s?he|they) (?:lives?|works?|is|goes|going)",
    r"daily routine", r"show up where", r"geolocat\w*", r"log when", r"who (?:s?he|they)(?:'s| is| are)? texting",
    r"post their names", r"find out who", r"gps tracker", r"hidden app",
    r"find (?:\S+ ){0,3}(?:accounts?|profiles?|identity|name)",
)  # fmt: skip
TARGET = _any(
    r"my (?:ex|ex-\w+|girl ?friend|boy ?friend|wife|husband|partner|crush|neighbou?r|co-?worker|boss|classmate)"
    r"(?:'?s)?",
    r"a (?:specific |real )?(?:person|stranger|girl|guy|woman|man)", r"the (?:person|girl|guy|woman|man)",
    r"this (?:person|girl|guy|woman|man|account|username)", r"someone(?:'?s)?", r"somebody", r"her", r"him",
    r"people (?:in|from) (?:a |the )?(?:photo|video|crowd)", r"protesters", r"anonymous \S+ account",
)  # fmt: skip
MALWARE = _any(
    r"malware", r"ransomware", r"key ?loggers?", r"viruse?s?", r"trojans?", r"worms?", r"botnets?", r"rootkits?",
    r"spyware", r"(?:info|password|credential) ?stealers?", r"backdoors?", r"phishing (?:kits?|pages?|sites?|emails?)",
    r"exploits?", r"zero-?days?", r"payloads?", r"crypto ?miners?", r"c2 server", r"my rat", r"remote access trojans?",
)  # fmt: skip
WRITE = _any(
    r"write", r"writing", r"code", r"coding", r"create", r"creating", r"build", r"building", r"make", r"making",
    r"generate", r"generating", r"develop\w*", r"improve", r"train", r"training", r"fine-?tune", r"obfuscate\w*",
    r"automate", r"spread", r"pad", r"append",
)  # fmt: skip
ANTIVIRUS = _any(r"antivirus", r"anti-virus", r"edr", r"av models?", r"windows defender", r"virus ?total", r"malconv")
WEAPON = _any(
    r"bombs?", r"explosives?", r"ieds?", r"nerve agents?", r"sarin", r"bio-?weapons?", r"biological weapons?",
    r"chemical weapons?", r"pathogens?", r"toxins?", r"poison(?:ous)? gas", r"weapons?", r"guns?", r"rifles?",
    r"ammunition", r"grenades?", r"missiles?", r"warheads?", r"anthrax", r"ricin",
)  # fmt: skip
BUILD = _any(
    r"build", r"make", r"making", r"design\w*", r"synthesi[sz]\w*", r"create", r"optimi[sz]e", r"improve",
    r"manufactur\w*", r"assemble", r"weaponi[sz]e", r"enhance", r"train", r"3d print", r"generate",
)  # fmt: skip
MASS_HARM = _any(
    r"more (?:lethal|transmissible|toxic|deadly|infectious)", r"max(?:imum)? casualties", r"mass casualties",
    r"most crowded spot", r"set off an? (?:ied|bomb|explosive)", r"fires? at",
    r"shoot\w* (?:at )?(?:people|a person|someone|humans)",
    r"kill\w* (?:people|someone|a person|humans|civilians)", r"assassinat\w*",
)  # fmt: skip
# Someone on the other side: detecting, defending, understanding or judging. That makes a question benign.
DEFENSIVE = "|".join(
    [
        r"\bhow (?:do|does|can|could|would|should|to|might) (?:\S+ ){0,3}(?:detect|defend|protect|prevent|mitigate|"
        r"stop|spot|catch|secure|harden|flag|audit|test)\w*",
        r"\b(?:detect|defend(?:ing)? against|protect(?:ing)? against|prevent|mitigat|stop|spot|catch|classif)\w* "
        r"(?:\S+ ){0,2}(?:deepfakes?|fraud\w*|malware|phishing|attacks?|stalk\w*|intrusions?|spam|bots?|evasion|"
        r"abuse|misuse|cheat\w*)",
        r"\bmalware (?:\S+ ){0,2}(?:classif\w*|detect\w*|datasets?|analysis)\b",
        r"\bdetectors?\b",
        r"\bhow do(?:es)? (?:\S+ ){1,6}work\b",
        r"\b(?:ethic|legal|lawful|regulat|bias|fair|privacy|consent)\w*\b",
        r"\bevaluat\w* (?:\S+ ){0,4}risks?\b",
        r"\bwhy (?:is|are) (?:\S+ ){0,6}(?:bad|wrong|harmful|dangerous|illegal)\b",
    ]
)


@dataclass(frozen=True)
class Rule:
    category: str
    needs: tuple[re.Pattern, ...]  # every pattern must match somewhere in the question


def _rule(category: str, *patterns: str) -> Rule:
    return Rule(category, tuple(re.compile(p, re.IGNORECASE) for p in patterns))


RULES: tuple[Rule, ...] = (
    _rule("sexual_content_real_people", SEXUAL, PERSON),
    _rule("evading_fraud_security", EVADE, CONTROL),
    _rule("evading_fraud_security", FRAUD),
    _rule("surveillance_stalking", TRACK, TARGET),
    _rule("surveillance_stalking", r"\b(?:face|facial) (?:recognition|search|match\w*)\b", TRACK),
    _rule("malware", WRITE, MALWARE),
    _rule("malware", EVADE, MALWARE),
    _rule("malware", EVADE, ANTIVIRUS),
    _rule("weapons", BUILD, WEAPON),
    _rule("weapons", MASS_HARM),
)
_DEFENSIVE = re.compile(DEFENSIVE, re.IGNORECASE)


def harmful_request(question: str) -> str | None:
    """The harm category a question asks for by the rules, or None when they let it through."""
    text = normalize(question).lower()
    return None if _DEFENSIVE.search(text) else _rule_category(text)


def _rule_category(text: str) -> str | None:
    return next((rule.category for rule in RULES if all(p.search(text) for p in rule.needs)), None)


class HarmPolicy:
    """The rules, then the embedder's nearest labelled examples (embedded once, when the service starts).

    Without an embedder (tests with a fake one, whose vectors mean nothing), only the rules decide.
    """

    def __init__(self, embedder=None, examples: Path = EXAMPLES) -> None:
        self._embedder = embedder
        if embedder is None:
            return
        rows = [json.loads(line) for line in examples.read_text(encoding="utf-8").splitlines() if line.strip()]
        self._vectors = embedder.embed([r["question"] for r in rows])
        self._harmful = np.array([bool(r["harmful"]) for r in rows])
        self._categories = [r["category"] for r in rows]

    def check(self, question: str) -> str | None:
        """The harm category of a question, or None when it may be answered."""
        text = normalize(question).lower()
        if _DEFENSIVE.search(text):
            return None
        category = _rule_category(text)
        if category is not None or self._embedder is None:
            return category
        similarity = self._vectors @ self._embedder.embed([question])[0]
        best_harmful = int(np.argmax(np.where(self._harmful, similarity, -np.inf)))
        margin = similarity[best_harmful] - similarity[~self._harmful].max()
        return self._categories[best_harmful] if margin > EMBEDDING_MARGIN else None
