"""Candidate sentences for an answer, each scored for the question's shape and topic.

A candidate knows where it comes from (note, section, position), what aspect its section and its own words
speak to ("Uses of ..." and "used for" speak to uses), whether it leans on the sentence before it, and whether
it is a whole list. The score adds those to its similarity with the question, so the plans in `composition`
only have to pick.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

import numpy as np

from bot.index import LoadedIndex
from bot.models import Chunk, ListSpan
from bot.shapes import Shape
from bot.text import content_words
from bot.topics import stems, tokens

# How much each signal adds to a candidate's cosine similarity with the question.
SECTION_WEIGHT = 0.14  # the sentence sits in a section whose heading speaks to the aspect asked
CUE_WEIGHT = 0.06  # the sentence's own words speak to it ("used for", "because", "the main drawback")
TOPIC_NOTE_WEIGHT = 0.10  # the sentence is from a note the question names
MENTION_WEIGHT = 0.05  # the sentence names a topic of the question
DEFINITION_WEIGHT = 0.12  # a note's opening sentence, for "what is X?"
SECTION_OPENING_WEIGHT = 0.04  # the first sentence of a section that speaks to the aspect asked
HEADING_MATCH_WEIGHT = 0.06  # a section whose heading names the question's topic (twice for its first sentence)
DEPENDENT_PENALTY = 0.20  # "This is why ...": usable only right after its antecedent
ARTICLE_PENALTY = 0.08  # the article's own sentences, when the question is not about the article
OPPOSITE_PENALTY = 0.25  # about underfitting when overfitting was asked
OPPOSITE_ASPECT_PENALTY = 0.08  # about advantages when drawbacks were asked, or the other way round
MIN_STANDALONE_WORDS = 5
LEANS_BACK_WORDS = 8  # "other" or "also" this early in a sentence points back to something before it
LEAD_OPENER_PENALTY = 0.06  # a note's definition, when the question asks something else about the topic

_WANTED: dict[Shape, dict[Shape, float]] = {
    Shape.USES: {Shape.USES: 1.0, Shape.WHEN: 0.4, Shape.STRENGTHS: 0.3},
    Shape.STRENGTHS: {Shape.STRENGTHS: 1.0, Shape.TRADEOFFS: 0.8, Shape.WHEN: 0.3},
    Shape.WEAKNESSES: {Shape.WEAKNESSES: 1.0, Shape.TRADEOFFS: 0.8, Shape.FIX: 0.3},
    Shape.TRADEOFFS: {Shape.TRADEOFFS: 1.0, Shape.STRENGTHS: 0.9, Shape.WEAKNESSES: 0.9},
    Shape.WHY: {Shape.WHY: 1.0, Shape.HOW_IT_WORKS: 0.3},
    Shape.HOW_IT_WORKS: {Shape.HOW_IT_WORKS: 1.0, Shape.STEPS: 0.6, Shape.WHY: 0.2},
    Shape.HOW_TO: {Shape.HOW_TO: 1.0, Shape.STEPS: 0.5, Shape.LIST: 0.4, Shape.FIX: 0.4, Shape.WHEN: 0.3},
    Shape.FIX: {Shape.FIX: 1.0, Shape.HOW_TO: 0.4, Shape.STEPS: 0.3, Shape.WEAKNESSES: 0.2},
    Shape.WHEN: {Shape.WHEN: 1.0, Shape.COMPARISON: 0.4, Shape.USES: 0.4, Shape.STRENGTHS: 0.3},
    Shape.YESNO: {Shape.YESNO: 1.0, Shape.WHEN: 0.2},
    Shape.COMPARISON: {Shape.COMPARISON: 1.0, Shape.WHEN: 0.4},
    Shape.LIST: {Shape.LIST: 1.0},
    Shape.STEPS: {Shape.STEPS: 1.0, Shape.HOW_IT_WORKS: 0.7},
    Shape.DEFINITION: {Shape.HOW_IT_WORKS: 0.15},
}


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

# A sentence opening like these leans on the one before it: it never leads, and follows only its antecedent.
DEPENDENT_OPENING = re.compile(
    r"^(?:this|that|these|those|it|its|it's|they|their|them|such|otherwise|however|but|also|and|so|then|therefore|"
    r"thus|hence|instead|in contrast|by comparison|by contrast|for example|for instance|for those|specifically|"
    r"more specifically|similarly|likewise|as a result|here|the rest|the same|in that case|in this case|"
    r"that's|that is why|think of it|one example)\b",
    re.IGNORECASE,
)
# "Diffusion models also generate ...", "... are other formal tests": fine after a sentence, odd as an opening.
LEANS_BACK = re.compile(
    r"^(?:\S+\s+){1,4}?(?:also|too|as well)\b|\b(?:other|another|the same|these|those|such|further)\b", re.IGNORECASE
)
ITEM_LABEL = re.compile(r"^[^:]{1,40}:\s")  # "Adam: ..." names a list item; the clause is not a sentence
# Problems that come in opposite pairs: a question about one should not be answered about the other.
OPPOSITES = (
    ("overfit", "underfit"),
    ("vanish", "explod"),
    ("high bias", "high variance"),
    ("false positive", "false negative"),
)


# Words students use for the same thing, matched as one ("test time" asks about "inference").
SYNONYMS: tuple[tuple[re.Pattern, str], ...] = tuple(
    (re.compile(pattern, re.IGNORECASE), canonical)
    for pattern, canonical in (
        (r"\b(?:test|prediction|inference|serving) time\b|\bat inference\b|\bat test\b", "inference"),
        (r"\bnn\b|\bneural nets?\b", "neural network"),
        (r"\blr\b", "learning rate"),
        (r"\bhyperparams?\b", "hyperparameter"),
        (r"\bdisadvantages?\b|\bdownsides?\b|\bcons\b|\bweakness(?:es)?\b|\blimitations?\b", "drawback"),
        (r"\bbenefits?\b|\bpros\b|\bstrengths?\b", "advantage"),
        (r"\bapplications?\b|\buse cases?\b", "uses"),
    )
)


def expand_synonyms(text: str) -> str:
    for pattern, canonical in SYNONYMS:
        text = pattern.sub(lambda m, c=canonical: f"{m.group(0)} {c}", text)
    return text


@dataclass(eq=False)  # candidates are compared by identity: two with the same text are still two places
class Candidate:
    """One sentence (or one whole list) that could go into an answer."""

    text: str
    vector: np.ndarray
    chunk_id: str
    slug: str
    section: str
    position: int  # the chunk's row in the index
    sentence: int  # the sentence's index in its chunk (a list: its first sentence)
    order: tuple[int, int]  # place in its note: (chunk rank in the note, sentence)
    heading_aspects: frozenset[Shape] = frozenset()  # what its section's heading speaks to
    cue_aspects: frozenset[Shape] = frozenset()  # what its own words speak to
    dependent: bool = False
    leans_back: bool = False  # reads best after another sentence: a poor opening, a fine follower
    item_fragment: bool = False  # a list item such as "Adam: combines momentum with ...": only whole in its list
    opens_note: bool = False
    opens_section: bool = False
    items: list[str] = field(default_factory=list)  # a list's items (its intro is `text`)
    ordered: bool = False
    similarity: float = 0.0  # cosine with the question
    score: float = 0.0
    mentions: frozenset[int] = frozenset()  # indices of the question's topics it names
    in_topic_note: bool = False  # from a note the question names
    names_other: bool = False  # names a topic of the notes that the question does not ("... while a transformer")
    defines: bool = False  # opens with a topic of the question and "is" / "are": "Hyperparameters are ..."
    lead_bonus: float = 0.0  # the part of `score` that only matters for leading (a definition's bonus)

    @property
    def aspects(self) -> frozenset[Shape]:
        return self.heading_aspects | self.cue_aspects

    @property
    def is_list(self) -> bool:
        return bool(self.items)

    @property
    def words(self) -> int:
        return len(self.text.split()) + sum(len(i.split()) for i in self.items)

    @property
    def standalone(self) -> bool:
        if self.is_list:
            return True
        if self.dependent or self.item_fragment or self.text.endswith(":"):
            return False
        return len(self.text.split()) >= MIN_STANDALONE_WORDS

    def follows(self, other: Candidate) -> bool:
        """Whether this sentence comes right after `other` in the same note."""
        return self.position == other.position and self.sentence == other.sentence + max(1, len(other.items) + 1)


# "is a", "are the", "refers to", "means": a definition, not "is used for" or "is not always".
_DEFINING_VERB = re.compile(
    r"^(?:(?:is|are) (?:a|an|the|any|one|values?|sets?|settings?|numbers?|methods?|models?)\b|refers to|means)\b"
)


def _heading_match(section: str, topic_words: set[str]) -> float:
    """How much of the question's topic a section's heading names ("Computing requirements of ML and DL" for
    "computing requirements for ML and DL"): 0 below two shared words."""
    if not section or len(topic_words) < 2:
        return 0.0
    shared = topic_words & set(content_words(section))
    return len(shared) / len(topic_words) if len(shared) >= 2 else 0.0


def _defines(text: str, phrases: tuple[str, ...]) -> bool:
    """'Hyperparameters are values ...' defines 'hyperparameter': the phrase, then 'is', 'are' or 'refers to'."""
    opening = stems(text)[:8]
    words = tokens(text)[:8]
    for phrase in phrases:
        name = stems(phrase)
        if name and opening[: len(name)] == name and _DEFINING_VERB.match(" ".join(words[len(name) :])):
            return True
    return False


def heading_aspects(section: str) -> frozenset[Shape]:
    return frozenset(shape for shape, pattern in HEADING_ASPECTS.items() if section and pattern.search(section))


def cue_aspects(text: str) -> frozenset[Shape]:
    return frozenset(shape for shape, pattern in SENTENCE_CUES.items() if pattern.search(text))


def gather(index: LoadedIndex, positions: list[int]) -> list[Candidate]:
    """Every sentence of the given chunks, plus each of their lists as one candidate."""
    candidates: list[Candidate] = []
    rank_in_note: dict[str, int] = {}
    for position in dict.fromkeys(positions):
        chunk = index.chunks[position]
        note_positions = index.note_positions.get(chunk.slug, [position])
        rank_in_note[chunk.id] = note_positions.index(position) if position in note_positions else 0
        rows = index.sentence_rows(position)
        vectors = np.asarray(index.sentence_vectors[rows.start : rows.stop])
        earlier = index.chunks[position - 1] if rank_in_note[chunk.id] > 0 else None
        previous_section = earlier.section_of(len(earlier.sentences) - 1) if earlier else None
        items = {i for span in chunk.lists for i in range(span.start + int(span.intro), span.end)}
        for i, sentence in enumerate(chunk.sentences):
            section = chunk.section_of(i)
            candidates.append(
                Candidate(
                    text=sentence,
                    vector=vectors[i],
                    chunk_id=chunk.id,
                    slug=chunk.slug,
                    section=section,
                    position=position,
                    sentence=i,
                    order=(rank_in_note[chunk.id], i),
                    heading_aspects=heading_aspects(section),
                    cue_aspects=cue_aspects(sentence),
                    dependent=bool(DEPENDENT_OPENING.match(sentence)),
                    leans_back=bool(LEANS_BACK.search(" ".join(sentence.split()[:LEANS_BACK_WORDS]))),
                    item_fragment=i in items and bool(ITEM_LABEL.match(sentence) or sentence[-1:] not in ".!?"),
                    opens_note=rank_in_note[chunk.id] == 0 and i == 0 and not section,
                    opens_section=bool(section) and section != (chunk.section_of(i - 1) if i else previous_section),
                )
            )
        for span in chunk.lists:
            candidates.append(_list_candidate(chunk, position, span, vectors, rank_in_note[chunk.id]))
    return candidates


def _list_candidate(chunk: Chunk, position: int, span: ListSpan, vectors: np.ndarray, rank: int) -> Candidate:
    first_item = span.start + int(span.intro)
    intro = chunk.sentences[span.start] if span.intro else ""
    # A list is what its intro says it is ("Common regularization techniques include:"); without one, its items.
    vector = vectors[span.start] if span.intro else vectors[span.start : span.end].mean(axis=0)
    section = chunk.section_of(span.start)
    return Candidate(
        text=intro,
        vector=vector / (np.linalg.norm(vector) or 1.0),
        chunk_id=chunk.id,
        slug=chunk.slug,
        section=section,
        position=position,
        sentence=span.start,
        order=(rank, span.start),
        heading_aspects=heading_aspects(section) | {Shape.LIST} | ({Shape.STEPS} if span.ordered else set()),
        cue_aspects=cue_aspects(intro),
        items=chunk.sentences[first_item : span.end],
        ordered=span.ordered,
    )


def score(
    candidates: list[Candidate],
    shape: Shape,
    question: str,
    question_vector: np.ndarray,
    topic_slugs: set[str],
    mentions: list[frozenset[int]],
    *,
    rank_of: dict[int, int],
    rank_penalty: float,
    word_weight: float,
    article_slugs: set[str],
    about_article: bool,
    topic_phrases: tuple[str, ...] = (),
    restatement_slugs: frozenset[str] = frozenset(),
) -> None:
    """Fill in each candidate's similarity and score (in place)."""
    asked = set(content_words(expand_synonyms(question)))
    matched = [
        asked & set(content_words(expand_synonyms(f"{c.section} {c.text} {' '.join(c.items)}"))) for c in candidates
    ]
    total = len(candidates) or 1
    weight = {w: math.log((1 + total) / (1 + sum(w in m for m in matched))) for w in asked}
    denominator = sum(weight.values()) or 1.0
    wanted = _WANTED.get(shape, {})
    lowered_question = question.lower()
    topic_words = set(content_words(" ".join(topic_phrases)))
    opposite = {Shape.STRENGTHS: Shape.WEAKNESSES, Shape.WEAKNESSES: Shape.STRENGTHS}.get(shape)
    opposites = [b for a, b in OPPOSITES if a in lowered_question and b not in lowered_question]
    opposites += [a for a, b in OPPOSITES if b in lowered_question and a not in lowered_question]
    for candidate, words, mention in zip(candidates, matched, mentions, strict=True):
        candidate.mentions = mention
        candidate.similarity = float(np.dot(candidate.vector, question_vector))
        value = candidate.similarity + word_weight * sum(weight[w] for w in words) / denominator
        from_heading = max((wanted.get(a, 0.0) for a in candidate.heading_aspects), default=0.0)
        value += SECTION_WEIGHT * from_heading
        value += CUE_WEIGHT * max((wanted.get(a, 0.0) for a in candidate.cue_aspects), default=0.0)
        if candidate.opens_section and from_heading:
            value += SECTION_OPENING_WEIGHT * from_heading  # a section's first sentence answers its heading
        if opposite is not None and opposite in candidate.cue_aspects and shape not in candidate.cue_aspects:
            value -= OPPOSITE_ASPECT_PENALTY  # "The main advantages of ..." when the drawbacks were asked
        titled = _heading_match(candidate.section, topic_words)
        value += HEADING_MATCH_WEIGHT * titled * (1 + candidate.opens_section)
        candidate.in_topic_note = candidate.slug in topic_slugs
        value += TOPIC_NOTE_WEIGHT * candidate.in_topic_note
        value += MENTION_WEIGHT * bool(mention)
        value -= rank_penalty * rank_of.get(candidate.position, len(rank_of))
        candidate.defines = _defines(candidate.text, topic_phrases)
        candidate.lead_bonus = 0.0
        if shape not in (Shape.DEFINITION, Shape.COMPARISON) and candidate.opens_note:
            candidate.lead_bonus = -LEAD_OPENER_PENALTY  # "How does a GAN learn?" is not "What is a GAN?"
            value -= LEAD_OPENER_PENALTY
        if shape == Shape.DEFINITION and (
            (candidate.opens_note and candidate.slug in topic_slugs) or candidate.defines
        ):
            candidate.lead_bonus = DEFINITION_WEIGHT
            value += DEFINITION_WEIGHT
        if shape == Shape.YESNO and len(topic_phrases) > 1 and len(mention) == len(topic_phrases):
            value += MENTION_WEIGHT  # a verdict on "is A better than B?" names both
        if candidate.dependent:
            value -= DEPENDENT_PENALTY
        if candidate.slug in article_slugs and not about_article:
            value -= ARTICLE_PENALTY
        elif about_article and candidate.slug in article_slugs - restatement_slugs:
            value -= ARTICLE_PENALTY  # the article's own sentences often lean on their neighbours
        text = f"{candidate.text} {' '.join(candidate.items)}".lower()
        if any(o in text for o in opposites):
            value -= OPPOSITE_PENALTY
        candidate.score = value
