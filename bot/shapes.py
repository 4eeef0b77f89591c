"""Question shapes: what kind of answer a question wants, and which topic(s) it is about.

"What are LSTMs good at?" wants uses, not a definition; "cnn vs rnn?" wants both sides; "name some optimizers"
wants a list. Rules, not a trained model: on the labelled set (`tests/data/shapes.jsonl`) they beat
nearest-prototype classification with the embedder (see `benchmarks/shape_accuracy.py`), run in microseconds
and say why they chose what they chose.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum


class Shape(StrEnum):
    DEFINITION = "definition"
    USES = "uses"
    STRENGTHS = "strengths"
    WEAKNESSES = "weaknesses"
    TRADEOFFS = "tradeoffs"
    WHY = "why"
    HOW_IT_WORKS = "how_it_works"
    HOW_TO = "how_to"
    FIX = "fix"
    WHEN = "when"
    COMPARISON = "comparison"
    LIST = "list"
    STEPS = "steps"
    YESNO = "yesno"


ASPECT_SHAPES = frozenset(
    {
        Shape.USES,
        Shape.STRENGTHS,
        Shape.WEAKNESSES,
        Shape.TRADEOFFS,
        Shape.WHY,
        Shape.HOW_IT_WORKS,
        Shape.HOW_TO,
        Shape.FIX,
        Shape.WHEN,
    }
)


@dataclass(frozen=True)
class QuestionPlan:
    """The shape of a question, the topic phrases it names, and whether it asks about the source article."""

    shape: Shape
    topics: tuple[str, ...] = ()
    about_article: bool = False
    reason: str = ""  # the rule that chose the shape, for debugging and tests
    extras: dict[str, str] = field(default_factory=dict, compare=False)


def _any(*patterns: str) -> re.Pattern:
    return re.compile("|".join(f"(?:{p})" for p in patterns), re.IGNORECASE)


# Filler that opens casual questions and says nothing about the shape.
_FILLER = re.compile(
    r"^\s*(?:(?:hey|hi|hello|yo|ok(?:ay)?|so|um+|uh+|quick question|question|pls|please|noob question|"
    r"sorry|btw|also|and|but|lol|guys|folks|everyone|all|mlbot|bot)\b[\s,:!.-]*)+",
    re.IGNORECASE,
)
_ARTICLE = _any(
    r"\b(?:the|this|your|that)\s+(?:article|guide|source|text|document|post|linode)\b",
    r"\baccording to (?:the|this)\b",
    r"\bper the (?:article|guide)\b",
    r"\b(?:article|guide) (?:say|says|said|claim|claims|mention|mentions|describe|describes|give|gives|list|lists)\b",
    r"\blinode\b",
)

# Comparison frames, with the text between their markers captured as the sides.
_BETWEEN = re.compile(r"\b(?:differences?|distinction|similarit(?:y|ies)|contrast)\s+between\s+(.+)", re.I)
_VERSUS = re.compile(r"\b(?:vs\.?|versus)\b", re.I)
_DIFFER = re.compile(r"\b(?:how|in what way) (?:do|does|did) (.+?) and (.+?) (?:differ|compare)\b", re.I)
_DIFFER_FROM = re.compile(
    r"\b(?:how|in what way|what makes)\b.*?\b(?:does|do|is|are)\s+(.+?)\s+(?:differ|different|distinct)\s+"
    r"(?:from|than|to)\s+(.+)",
    re.I,
)
_COMPARE = re.compile(r"\bcompar(?:e|ing|ed|ison of)\s+(.+?)\s+(?:and|with|to|vs\.?|versus)\s+(.+)", re.I)
_BETTER_THAN = re.compile(
    r"\b(?:is|are)\s+(.+?)\s+(?:better|worse|faster|slower|more \w+|less \w+)\s+than\s+(.+)", re.I
)
_EITHER = re.compile(
    r"^(?:(?:should|do|would|can)\s+(?:i|we|you)\s+(?:use|pick|choose|go with|prefer|try)\s+)?"
    r"(.+?)\s+or\s+(.+?)(?:\s*[,?]\s*(?:which|what|for)\b.*|\s*\?)?\s*$",
    re.I,
)
_VERDICT = re.compile(r"\b(?:always|ever|never|necessarily|in general|generally)\b", re.IGNORECASE)
_WHICH_BETTER = re.compile(
    r"\bwhich\b.*\b(?:better|prefer|should i (?:use|pick|choose)|to (?:use|pick|choose))\b", re.I
)

# (shape, pattern) in priority order; the first that matches wins.
_RULES: tuple[tuple[Shape, re.Pattern], ...] = (
    (
        Shape.TRADEOFFS,
        _any(
            r"\bpros\b.*\bcons\b",
            r"\badvantages?\b.*\b(?:dis|draw)\w*",
            r"\bstrengths?\b.*\bweakness",
            r"\bbenefits?\b.*\b(?:drawbacks?|downsides?|costs?|limitations?)\b",
            r"\btrade-?offs?\b",
            r"\bgood and bad\b",
        ),
    ),
    (
        Shape.WEAKNESSES,
        _any(
            r"\bdisadvantages?\b",
            r"\bdrawbacks?\b",
            r"\blimitations?\b",
            r"\bdownsides?\b",
            r"\bweakness(?:es)?\b",
            r"\bcons\b",
            r"\bshortcomings?\b",
            r"\bpitfalls?\b",
            r"\bcriticisms?\b",
            r"\bwhat(?:'s| is) wrong with\b",
            r"\bproblems? (?:with|of)\b",
            r"\bissues? (?:with|of)\b",
            r"\bwhen does\b.*\bfail\b",
            r"\bbad at\b",
            r"\bwhat(?:'s|s| is) (?:so )?(?:bad|wrong) (?:about|with)\b",
            r"\bweak(?:er)? (?:at|points?)\b",
            r"\bwhere does\b.*\b(?:fail|struggle)\b",
            r"\bstruggles? with\b",
        ),
    ),
    (
        Shape.STRENGTHS,
        _any(
            r"\badvantages?\b",
            r"\bbenefits?\b",
            r"\bstrengths?\b",
            r"\bstrong (?:at|points?)\b",
            r"\bupsides?\b",
            r"\bpros\b",
            r"\bwhy (?:would|should|do|might) (?:i|we|you|people|anyone) (?:use|pick|choose|prefer|like)\b",
            r"\bwhy (?:is|are) \S+(?: \S+)? (?:so )?(?:popular|used so much|widely used)\b",
            r"\bwhat makes\b.*\b(?:good|great|popular|powerful)\b",
            r"\bwhat(?:'s|s| is) (?:so )?(?:good|great|nice) about\b",
            r"\bwhy (?:pick|choose|use|prefer|go with)\b",
        ),
    ),
    (
        Shape.LIST,
        _any(
            r"^(?:name|list|enumerate|give (?:me )?(?:some|a few|examples?|a list))\b",
            r"\b(?:examples?|types|kinds|sorts|categories|families|variants|forms|flavou?rs) of\b",
            r"\bwhat (?:are|r) (?:some|the|common|popular|typical|main|major|different|a few|good|well[- ]known)\b"
            r"(?:.*\b(?:techniques|methods|algorithms|models|architectures|metrics|functions|optimizers|types|kinds"
            r"|ways|approaches|layers|tricks|options|tools|libraries|families|examples|measures|losses|strategies)\b)",
            r"\bwhich (?:\w+ ){0,3}(?:techniques|methods|algorithms|models|architectures|metrics|functions|optimizers"
            r"|types|kinds|ways|approaches|losses|measures|options|strategies)\b",
            r"\bwhat (?:\w+ ){0,2}(?:types|kinds)\b",
            r"\bwhat (?:techniques|methods|algorithms|metrics|architectures|optimizers|ways|approaches)\b",
            r"\bcommon (?:\w+ ){0,2}(?:techniques|methods|algorithms|architectures|metrics|functions|optimizers"
            r"|ways)\b",
            r"\bare there\b",
            r"^what (?:are|r) (?:the )?(?:common|typical|popular|usual|standard) \w+(?: \w+)?s\b",
            r"\bmain (?:types|kinds|families|categories)\b",
        ),
    ),
    (
        Shape.USES,
        _any(
            r"\bused (?:for|in|to)\b",
            r"\buse cases?\b",
            r"\bgood (?:for|at)\b",
            r"\buseful (?:for|in)\b",
            r"\bapplications?\b",
            r"\bapplied (?:to|in|for)\b",
            r"\bwhere (?:is|are|do|does|would|can)\b.*\b(?:used|use|applied|useful|found)\b",
            r"\bwhat (?:can|could|do) (?:i|we|you|people|ppl) (?:do|use|build)\b.*\bwith\b",
            r"\bwhat (?:do|does|did) (?:i|we|you|people|ppl|anyone|folks) use\b.*\bfor\b",
            r"\bwhat (?:can|could) (?:i|we|you) use\b.*\bfor\b",
            r"\bwhat (?:is|are) (?:a |an |the )?\S+(?: \S+)?(?: \S+)? for\s*\??$",
            r"\bpurpose of\b",
            r"\bwhat (?:kind of |kinds of |sorts? of )?(?:problems|tasks)\b.*\b(?:solve|for|good|handle|tackle)\b",
            r"\breal[- ]world\b",
            r"\bin industry\b",
            r"\bwhy do (?:we|people|you) use\b",
        ),
    ),
    (
        Shape.STEPS,
        _any(
            r"\bsteps?\b",
            r"\bstep[- ]by[- ]step\b",
            r"\bwalk (?:me )?through\b",
            r"\bprocedure\b",
            r"\bin what order\b",
            r"\bstages?\b",
            r"\bphases?\b",
            r"\bworkflow\b",
            r"\bpipeline\b",
            r"\bwhat happens (?:at|in) each\b",
            r"\bwhat do (?:i|you|we) do first\b",
            r"\bhow (?:do|can|should|would|to) (?:i |we |you |one )?(?:train|build|fit|implement|perform|run|set up|"
            r"create|do)\b(?! (?:with|about)\b)",
        ),
    ),
    (
        Shape.FIX,
        _any(
            r"\bprevent\w*\b",
            r"\bavoid\w*\b",
            r"\bfix\w*\b",
            r"\bdeal(?:ing)? with\b",
            r"\bcombat\w*\b",
            r"\bhandl(?:e|ing)\b",
            r"\bmitigat\w*\b",
            r"\bovercome\b",
            r"\bget rid of\b",
            r"\bcure\b",
            r"\bremed\w*\b",
            r"\breduc(?:e|ing)\b",
            r"\bstop\b",
            r"\btackle\b",
            r"\bcounter\w*\b",
            r"\bwhat (?:do|should|can) (?:i|we|you) do\b",
            r"\b(?:help|solve|solving)\b.*\b(?:overfit|underfit|vanish|explod|leak|imbalanc|drift|noise|missing|outlier)",
            r"\bmy (?:model|network|net|nn|loss|training)\b.*"
            r"\b(?:overfit|underfit|diverg|stuck|nan|not (?:learn|converg)|explod|plateau)",
        ),
    ),
    (
        Shape.WHEN,
        _any(
            r"^when\b",
            r"\bwhen (?:should|would|do|does|is|are|to|can|might|shouldn't|not to)\b",
            r"\bin (?:which|what) (?:cases?|situations?|scenarios?|circumstances)\b",
            r"\bwhat situations?\b",
            r"\bis it (?:a good|worth)\b",
            r"\bgood idea\b",
            r"\bbad choice\b",
            r"\bright choice\b",
            r"\bgood choice\b",
        ),
    ),
    (
        Shape.WHY,
        _any(
            r"^why\b",
            r"\bwhy (?:do|does|is|are|did|would|should|can|can't|cant|doesn't|don't|isn't|aren't|must)\b",
            r"\bwhat causes\b",
            r"\bcause[sd]? of\b",
            r"\bhow come\b",
            r"\bwhat is the (?:reason|point|intuition for why)\b",
            r"\breasons? (?:for|why|behind)\b",
            r"\bwhat makes\b",
            r"\bwhy\b",
        ),
    ),
    (
        Shape.HOW_IT_WORKS,
        _any(
            r"\bhow (?:does|do|did|is|are)\b(?! (?:i|we|you|one)\b).*\b(?:work|works|working|learn|learns|compute|"
            r"computes|find|finds|train|trained|make|makes|handle|handles|decide|decides|choose|chooses|pick|picks|"
            r"split|splits|build|builds|update|updates|generate|generates|produce|produces|combine|combines|"
            r"calculated|computed|done|implemented|used|predict|predicts|classify|classifies|know|reduce|reduces|"
            r"fit|fits|converge|converges|function|operate|operates|process|processes|transform|transforms)\b",
            r"\bhow \S+(?: \S+)? works?\b",
            r"\bmechanism\b",
            r"\bintuition\b",
            r"\bwhat happens\b",
            r"\bunder the hood\b",
            r"\binner workings\b",
            r"\bexplain how\b",
        ),
    ),
    (
        Shape.HOW_TO,
        _any(
            r"\bhow (?:do|can|should|would|could|to|might|must)(?: (?:i|we|you|one))?\b",
            r"\bbest (?:way|practice|approach)\b",
            r"\btips?\b",
            r"\bhow (?:many|much|big|large|small|long)\b",
            r"\bwhat (?:value|values|size|number)\b",
        ),
    ),
)
_YESNO = re.compile(
    r"^(?:is|are|was|were|can|could|does|do|did|should|shall|would|will|has|have|had|must|may|might|isn't|aren't|"
    r"doesn't|don't|shouldn't|won't|can't)\b",
    re.IGNORECASE,
)
_LEADING_WHY = re.compile(r"^(?:but |and |so )?why\b", re.IGNORECASE)
_DETECTION = re.compile(
    r"\bhow (?:can|do|would|could|should) (?:i|we|you|one) (?:tell|know|detect|check|see|spot|diagnose|verify|"
    r"find out|recogni[sz]e|notice)\b",
    re.IGNORECASE,
)
_WHAT_IF = re.compile(r"\bwhat (?:happens )?if\b", re.IGNORECASE)
# A question that opens with an auxiliary verb wants a verdict, even when it mentions uses or fixes.
_YESNO_OVERRIDES = frozenset({Shape.USES, Shape.FIX, Shape.WHEN, Shape.WHY, Shape.HOW_IT_WORKS, Shape.HOW_TO})
_DEFINITION_REQUEST = re.compile(
    r"^(?:can|could|would|will) (?:you|u|someone|anyone) (?:please |pls )?(?:explain|describe|tell|define|help|"
    r"clarify|give|show|walk|summari[sz]e|list|name)\b",
    re.IGNORECASE,
)

# Words that frame a question but are not its topic; what is left is the topic phrase.
_FRAME_WORDS = frozenset(
    """what whats what's wat is are was were a an the do does did i we you u one me my our your can could would should
    will shall how why when where which who whom whose define definition explain explanation describe tell about
    please pls give show mean means meaning of in for to and or vs versus between difference differences different
    differ from than compared compare comparison with exactly simply simple terms words actually really basically
    used use uses using useful good at bad better worse best advantages advantage disadvantages disadvantage
    drawbacks drawback limitations limitation pros cons strengths strength weaknesses weakness benefits benefit
    downsides downside purpose applications application work works working job role kind kinds type types examples
    example name list some few common popular main steps step through walk it its it's they them their this that
    these those there here be been being need needs necessary important matter matters hey hi ok okay so quick
    question guys anyone someone way ways thing things stuff like just also too very much many need really
    help prevent avoid fix deal handle reduce stop choose pick select tune set happen happens cause causes
    causing problem problems issue issues wrong fail fails failing apply applied all any get gets done make
    makes does doing go going own get have has had may might must whether if then again cases case situations
    situation scenario scenarios which one ones tradeoffs trade offs tradeoff off into over under article guide
    text source author according per say says said mention mentions mentioned describes claim claims gives lists
    linode not no yes tell""".split()
)
_PRONOUN_TOPIC = re.compile(r"\b(?:it|its|it's|they|them|their|this|that|these|those)\b", re.IGNORECASE)
_SIDE_SPLIT = re.compile(r"\s*(?:,\s*(?:and|or)\s+|\s+and\s+|\s+or\s+|\s+vs\.?\s+|\s+versus\s+|,\s*)\s*", re.I)
_SIDE_TAIL = re.compile(
    r"\s*(?:[,;]|\b(?:which|what|for|in|when|whats|what's|on|is|are|do|does|and when|and which|and how|"
    r"and why)\b).*$",
    re.IGNORECASE,
)
_TRAILING_PUNCTUATION = re.compile(r"[?!.,;:\s]+$")


def strip_filler(question: str) -> str:
    """'hey quick question, what is dropout' -> 'what is dropout'."""
    stripped = _FILLER.sub("", question).strip()
    return stripped or question.strip()


def classify(question: str) -> QuestionPlan:
    """The shape of a question and its topic phrases."""
    text = strip_filler(" ".join(question.split()))
    about_article = bool(_ARTICLE.search(text))
    sides = comparison_sides(text)
    if sides and _VERDICT.search(text) and _YESNO.match(text):
        return QuestionPlan(Shape.YESNO, tuple(sides), about_article, "yesno: verdict on a comparison")
    if sides:
        return QuestionPlan(Shape.COMPARISON, tuple(sides), about_article, "comparison frame")
    if _DEFINITION_REQUEST.match(text):
        # "Can you explain how X works?" is about X's mechanism; "can you explain X?" is a definition.
        inner = re.sub(_DEFINITION_REQUEST, "", text, count=1)
        shape, reason = _shape_by_rules(inner)
        shape = shape or Shape.DEFINITION
        return QuestionPlan(shape, topic_phrases(text), about_article, reason or "request to explain")
    shape, reason = _shape_by_rules(text)
    if _LEADING_WHY.match(text) and shape not in (Shape.STRENGTHS, Shape.TRADEOFFS, Shape.WEAKNESSES, Shape.USES):
        shape, reason = Shape.WHY, "why: leading 'why'"
    elif _DETECTION.search(text):
        shape, reason = Shape.HOW_TO, "how_to: detection"
    elif _WHAT_IF.search(text) and shape in (None, Shape.HOW_TO):
        shape, reason = Shape.WHY, "why: 'what if'"
    if _YESNO.match(text) and shape in _YESNO_OVERRIDES and not _BETTER_THAN.search(text):
        shape, reason = Shape.YESNO, f"yesno over {shape.value}"
    if shape is None:
        shape, reason = (Shape.YESNO, "auxiliary verb first") if _YESNO.match(text) else (Shape.DEFINITION, "default")
    return QuestionPlan(shape, topic_phrases(text), about_article, reason)


def _shape_by_rules(text: str) -> tuple[Shape | None, str]:
    for shape, pattern in _RULES:
        match = pattern.search(text)
        if match:
            return shape, f"{shape.value}: {match.group(0).strip()!r}"
    return None, ""


def comparison_sides(text: str) -> list[str]:
    """The sides of a comparison question ('cnn vs rnn?' -> ['cnn', 'rnn']), or [] when it is not one."""
    text = _TRAILING_PUNCTUATION.sub("", text)
    candidates: list[str] = []
    if match := _BETWEEN.search(text):
        candidates = _SIDE_SPLIT.split(_SIDE_TAIL.sub("", match.group(1)))
    elif _VERSUS.search(text):
        left, right = _VERSUS.split(text, maxsplit=1)
        left_words = left.split()
        candidates = [" ".join(left_words[-4:]), _SIDE_TAIL.sub("", right)]
        candidates = [_strip_frame(candidates[0]), *(_SIDE_SPLIT.split(candidates[1]))]
    elif match := _DIFFER.search(text):
        candidates = [match.group(1), match.group(2)]
    elif (
        (match := _DIFFER_FROM.search(text)) or (match := _COMPARE.search(text)) or (match := _BETTER_THAN.search(text))
    ):
        candidates = [match.group(1), _SIDE_TAIL.sub("", match.group(2))]
    elif (match := _EITHER.search(text)) and (_WHICH_BETTER.search(text) or len(text.split()) <= 8):
        candidates = [match.group(1), _SIDE_TAIL.sub("", match.group(2))]
        if _YESNO.match(candidates[0]) and not _WHICH_BETTER.search(text) and not text.endswith("?"):
            return []
    sides = [_side(c) for c in candidates]
    sides = [s for s in sides if s and s not in ("not", "no")]
    return sides if len(sides) >= 2 else []


def _side(phrase: str) -> str:
    """A side of a comparison; a pronoun side ('how is that different from stacking?') stays 'it'."""
    if re.fullmatch(r"\s*(?:it|that|this|they|those|these|them)\s*", phrase, re.IGNORECASE):
        return "it"
    return _strip_frame(phrase)


def _strip_frame(phrase: str) -> str:
    kept = [w for w in re.findall(r"[\w+#.'-]+", phrase) if w.lower().strip(".'") not in _FRAME_WORDS]
    return " ".join(kept).strip(" .'-").lower()


def topic_phrases(text: str) -> tuple[str, ...]:
    """What the question is about once its frame words are gone: 'what are LSTMs good at?' -> ('lstms',).

    A question whose only subject is a pronoun ("is it used at test time too?") has no topic of its own.
    """
    text = _TRAILING_PUNCTUATION.sub("", strip_filler(text))
    if sides := comparison_sides(text):
        return tuple(sides)
    phrase = _strip_frame(text)
    return (phrase,) if phrase else ()


def topic_words(question: str) -> str:
    """The question without its frame words ("tell me a joke about cats" -> "joke cats")."""
    return " ".join(w for w in re.findall(r"[\w'-]+", strip_filler(question)) if w.lower() not in _FRAME_WORDS)


def refers_back(question: str) -> bool:
    """True when the question leans on an earlier turn: a pronoun as its subject, or no topic at all."""
    return bool(_PRONOUN_TOPIC.search(question)) or not topic_phrases(question)
