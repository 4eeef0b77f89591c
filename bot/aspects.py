"""Aspects: what a sentence speaks to (uses, drawbacks, causes, steps, ...), read from its heading and words.

"Uses of ..." as a section heading and "used for" in a sentence both speak to uses. Candidates carry both
readings so that scoring can reward the aspect a question asks about without knowing any note.
"""

from __future__ import annotations

import re

from bot.shapes import Shape


def _words(*alternatives: str) -> re.Pattern:
    return re.compile(r"\b(?:" + "|".join(alternatives) + r")\b", re.IGNORECASE)


# What a section heading says about the aspect its sentences answer.
HEADING_ASPECTS: dict[Shape, re.Pattern] = {
    Shape.USES: _words(
        r"uses?", r"applications?", r"use cases?", r"used for", r"good at", r"where \w+ (?:is|are) used"
    ),
    Shape.STRENGTHS: _words(r"advantages?", r"strengths?", r"benefits?", r"pros", r"why use"),
    Shape.WEAKNESSES: _words(
        r"drawbacks?",
        r"disadvantages?",
        r"limitations?",
        r"weakness(?:es)?",
        r"cons",
        r"pitfalls?",
        r"problems?",
        r"failure",
        r"risks?",
        r"costs?",
        r"assumptions",
    ),
    Shape.TRADEOFFS: _words(r"advantages and \w+", r"strengths and \w+", r"pros and cons", r"trade-?offs?"),
    Shape.WHY: _words(r"why", r"causes?", r"reasons?", r"intuition", r"matters?", r"motivation", r"purpose"),
    Shape.HOW_IT_WORKS: _words(
        r"how .*works?",
        r"mechanism",
        r"algorithm",
        r"forward pass",
        r"architecture",
        r"inside",
        r"training",
        r"how \w+ (?:learns?|computes?|finds?|splits?|builds?)",
        r"objective",
        r"formula",
        r"math",
    ),
    Shape.HOW_TO: _words(
        r"choos\w*",
        r"choices?",
        r"tuning",
        r"tune",
        r"selecting",
        r"setting",
        r"in practice",
        r"practical",
        r"tips",
        r"how to",
        r"using",
        r"implementation",
        r"checking",
        r"testing",
        r"detecting",
        r"diagnos\w*",
        r"reading",
        r"interpreting",
        r"picking",
        r"finding",
        r"evaluating",
        r"measuring",
        r"methods",
        r"techniques",
        r"ways",
        r"approaches",
        r"strategies",
    ),
    Shape.FIX: _words(
        r"problems",
        r"pitfalls?",
        r"fix(?:es|ing)?",
        r"remed\w*",
        r"prevent\w*",
        r"avoid\w*",
        r"deal\w*",
        r"handl\w*",
        r"mitigat\w*",
        r"solutions?",
        r"reduc\w*",
        r"cures?",
        r"troubleshoot\w*",
    ),
    Shape.WHEN: _words(r"when", r"choos\w*", r"choice", r"compared", r"versus", r"vs"),
    Shape.COMPARISON: _words(
        r"compared",
        r"versus",
        r"vs",
        r"differences?",
        r"choosing between",
        r"relationship",
        r"relation",
        r"contrast",
        r"alternatives?",
    ),
    Shape.LIST: _words(
        r"types",
        r"kinds",
        r"variants",
        r"examples",
        r"families",
        r"common",
        r"popular",
        r"methods",
        r"techniques",
        r"list",
        r"main",
        r"categories",
    ),
    Shape.STEPS: _words(r"steps?", r"how .*works?", r"algorithm", r"procedure", r"workflow", r"process", r"stages"),
}

# What a sentence's own words say about the aspect it answers.
SENTENCE_CUES: dict[Shape, re.Pattern] = {
    Shape.USES: _words(
        r"used (?:for|in|to|by|with)",
        r"use cases?",
        r"applications?",
        r"applied (?:to|in)",
        r"good (?:at|for)",
        r"well suited",
        r"suits?",
        r"useful (?:for|in|when)",
        r"powers?",
        r"typical uses",
        r"common uses",
    ),
    Shape.STRENGTHS: _words(
        r"advantages?",
        r"strengths?",
        r"benefits?",
        r"works? well",
        r"robust",
        r"interpretable",
        r"efficient",
        r"easy to",
        r"simple",
        r"scales? well",
        r"needs? (?:little|no)",
        r"handles?",
        r"strong",
    ),
    Shape.WEAKNESSES: _words(
        r"drawbacks?",
        r"disadvantages?",
        r"limitations?",
        r"weakness(?:es)?",
        r"downsides?",
        r"sensitive",
        r"struggles?",
        r"fails?",
        r"poorly",
        r"costly",
        r"expensive",
        r"hard to",
        r"prone to",
        r"suffers?",
        r"unstable",
        r"slow(?:er)?",
        r"cannot",
        r"can't",
        r"risk",
    ),
    Shape.TRADEOFFS: _words(r"advantages?", r"drawbacks?", r"trade-?offs?", r"at the cost of", r"but"),
    Shape.WHY: _words(
        r"because",
        r"since",
        r"so that",
        r"which is why",
        r"reasons?",
        r"causes?",
        r"due to",
        r"leads? to",
        r"results? in",
        r"in order to",
        r"so (?:a|an|the|it|they|each|every|no|this|these|models?|networks?)",  # "... a set, so a transformer needs"
    ),
    Shape.HOW_IT_WORKS: _words(
        r"works? by",
        r"computes?",
        r"updates?",
        r"combines?",
        r"passes",
        r"learns?",
        r"maps?",
        r"produces?",
        r"by (?:\w+ing)",
    ),
    Shape.HOW_TO: _words(
        r"choos\w*",
        r"chosen",
        r"pick\w*",
        r"set (?:to|it|the)",
        r"tun(?:e|es|ed|ing)",
        r"start with",
        r"try",
        r"default",
        r"rule of thumb",
        r"recommended",
        r"search\w*",
        r"plot\w*",
        r"check\w*",
        r"compar\w*",
        r"typical values?",
        r"good (?:first|starting)",
        r"use a",
        r"should",
        r"method",
        r"test\w*",
        # how to tell: "overfitting shows as ...", "is detected by ...", "a sign of ..."
        r"shows? (?:up )?as",
        r"detect(?:s|ed|ing)?",
        r"signs? of",
        r"symptoms?",
        r"diagnos\w*",
    ),
    Shape.FIX: _words(
        r"fix(?:es|ed)?",
        r"prevents?",
        r"avoids?",
        r"reduces?",
        r"remed(?:y|ies)",
        r"cures?",
        r"mitigates?",
        r"counter(?:s|acts?)?",
        r"address(?:es)?",
        r"solves?",
        r"helps?",
        r"should",
        r"standard fix",
    ),
    Shape.WHEN: _words(
        r"when",
        r"good choice",
        r"best choice",
        r"prefer(?:red)?",
        r"unless",
        r"worth",
        r"is not always",
        r"works best",
        r"a good (?:default|option|fit)",
        r"is (?:a )?(?:better|reasonable)",
    ),
    Shape.COMPARISON: _words(
        r"while",
        r"whereas",
        r"unlike",
        r"than",
        r"compared (?:with|to)",
        r"instead of",
        r"in contrast",
        r"differ\w*",
        r"differences?",
    ),
    Shape.LIST: re.compile(r"(?::$|\binclude\b|\bsuch as\b|\bexamples? (?:are|include)\b|,[^,]+,[^,]+\band\b)", re.I),
    Shape.STEPS: _words(r"first", r"then", r"next", r"finally", r"steps?", r"repeats?", r"until", r"iterations?"),
}
# A verdict: what settles a yes/no question ("Feature scaling is not needed for random forests, because ...").
SENTENCE_CUES[Shape.YESNO] = _words(
    r"(?:is|are|does|do|can|should|need) not",
    r"not (?:always|needed|necessary|required)",
    r"no need",
    r"(?:is|are) (?:always|never|usually|rarely|often)",
    r"only (?:when|if)",
    r"worth",
    r"cannot",
    r"can't",
    r"unless",
    r"either way",
    r"switched (?:off|on)",
)


def heading_aspects(section: str) -> frozenset[Shape]:
    return frozenset(shape for shape, pattern in HEADING_ASPECTS.items() if section and pattern.search(section))


def cue_aspects(text: str) -> frozenset[Shape]:
    return frozenset(shape for shape, pattern in SENTENCE_CUES.items() if pattern.search(text))


# "Why X matters" answers "why use X?", not "why does my validation loss go up?" (see `asks_cause`).
_IMPORTANCE_HEADING = re.compile(r"\b(?:matters?|important|importance|motivation|purpose|worth)\b", re.IGNORECASE)


def importance_heading(section: str) -> bool:
    return bool(_IMPORTANCE_HEADING.search(section))


_OPPOSITE_ASPECT = {Shape.STRENGTHS: Shape.WEAKNESSES, Shape.WEAKNESSES: Shape.STRENGTHS}


def speaks_against(shape: Shape, cue_aspects: frozenset[Shape]) -> bool:
    """Under "Advantages and drawbacks of X", an advantage does not answer "drawbacks?" (nor the other way)."""
    opposite = _OPPOSITE_ASPECT.get(shape)
    return opposite is not None and opposite in cue_aspects and shape not in cue_aspects
