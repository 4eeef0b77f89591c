"""The question-shape classifier: ordered rules that say which shape a question asks for, and why.

Rules, not a trained model: on the labelled set (`tests/data/shapes.jsonl`) they beat nearest-prototype
classification with the embedder (see `benchmarks/shape_accuracy.py`), run in microseconds and say why they
chose what they chose.
"""

from __future__ import annotations

import re

from bot.question_parsing import BETTER_THAN, YESNO_OPENING, comparison_sides, strip_filler, topic_phrases
from bot.shapes import QuestionPlan, Shape
from bot.text import normalize


def _any(*patterns: str) -> re.Pattern:
    return re.compile("|".join(f"(?:{p})" for p in patterns), re.IGNORECASE)


_ARTICLE = _any(
    r"\b(?:the|this|your|that)\s+(?:article|guide|source|text|document|post|linode)\b",
    r"\baccording to (?:the|this)\b",
    r"\bper the (?:article|guide)\b",
    r"\b(?:article|guide) (?:say|says|said|claim|claims|mention|mentions|describe|describes|give|gives|list|lists)\b",
    r"\blinode\b",
)
_VERDICT = re.compile(r"\b(?:always|ever|never|necessarily|in general|generally)\b", re.IGNORECASE)

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
            r"\bwhat (?:are|r) (?:some|the|common|popular|typical|main|major|different|a few|good|well[- ]known"
            r"|possible|available|other)\b"
            r"(?:.*\b(?:techniques|methods|algorithms|models|architectures|metrics|functions|optimizers|types|kinds"
            r"|ways|approaches|layers|tricks|options|tools|libraries|families|examples|measures|losses|strategies"
            r"|assumptions|parameters|hyperparameters|components)\b)",
            r"^(?:any|some) (?:\w+ ){0,3}(?:techniques|methods|algorithms|models|metrics|ways|approaches|examples"
            r"|types|kinds|architectures|tricks|strategies)\b",
            r"\b(?:techniques|methods|algorithms|architectures|strategies|approaches|metrics|tricks)\b"
            r".*\bdo you know\b",
            r"\bwhich (?:[\w-]+ ){0,3}(?:techniques|methods|algorithms|models|architectures|metrics|functions"
            r"|optimizers|types|kinds|ways|approaches|losses|measures|options|strategies)\b",
            r"\bwhat (?:\w+ ){0,2}(?:types|kinds)\b",
            r"\bwhat (?:kind|type|sort)s? of (?:\w+ ){0,5}(?:do you know|are there|exist|techniques|methods"
            r"|algorithms|architectures)\b",
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
            r"\bstop\b(?! training)",
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
            r"\b(?:what|which)\b.*\bshould (?:i|we|you) (?:pick|choose|use|set|try|start with|go with)\b",
            r"\bwhat (?:value|values|size|number)\b",
        ),
    ),
)
_LEADING_WHY = re.compile(r"^(?:but |and |so )?why\b", re.IGNORECASE)
_DETECTION = re.compile(
    r"\bhow (?:can|do|would|could|should) (?:i|we|you|one) (?:tell|know|detect|check|see|spot|diagnose|verify|"
    r"find out|recogni[sz]e|notice|decide|determine)\b",
    re.IGNORECASE,
)
_WHAT_IF = re.compile(r"\bwhat (?:happens )?if\b", re.IGNORECASE)
# A question that opens with an auxiliary verb wants a verdict, even when it mentions uses or fixes.
_YESNO_OVERRIDES = frozenset({Shape.USES, Shape.FIX, Shape.WHEN, Shape.WHY, Shape.HOW_IT_WORKS, Shape.HOW_TO})
_DEFINITION_REQUEST = re.compile(
    r"^(?:(?:can|could|would|will) (?:you|u|someone|anyone) (?:please |pls )?(?:explain|describe|tell|define|help|"
    r"clarify|give|show|walk|summari[sz]e|list|name)|(?:do|did|does) (?:you|u|anyone) (?:know|understand)"
    r"(?: (?:about|of))?|(?:have|has) (?:you|u|anyone) heard (?:about|of))\b",
    re.IGNORECASE,
)


def classify(question: str) -> QuestionPlan:
    """The shape of a question and its topic phrases."""
    text = strip_filler(" ".join(normalize(question).split()))
    about_article = bool(_ARTICLE.search(text))
    sides = comparison_sides(text)
    if sides and _VERDICT.search(text) and YESNO_OPENING.match(text):
        return QuestionPlan(Shape.YESNO, tuple(sides), about_article, "yesno: verdict on a comparison")
    if sides:
        return QuestionPlan(Shape.COMPARISON, tuple(sides), about_article, "comparison frame")
    if _DEFINITION_REQUEST.match(text):
        # "Can you explain how X works?" is about X's mechanism; "can you explain X?" is a definition.
        inner = re.sub(_DEFINITION_REQUEST, "", text, count=1).strip()
        if re.match(r"(?:if|whether)\b", inner):  # "do you know if X is ...?" asks for a verdict
            return QuestionPlan(Shape.YESNO, topic_phrases(text), about_article, "yesno: 'do you know if'")
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
    if YESNO_OPENING.match(text) and shape in _YESNO_OVERRIDES and not BETTER_THAN.search(text):
        shape, reason = Shape.YESNO, f"yesno over {shape.value}"
    if shape is None:
        shape, reason = (
            (Shape.YESNO, "auxiliary verb first") if YESNO_OPENING.match(text) else (Shape.DEFINITION, "default")
        )
    return QuestionPlan(shape, topic_phrases(text), about_article, reason)


def _shape_by_rules(text: str) -> tuple[Shape | None, str]:
    for shape, pattern in _RULES:
        match = pattern.search(text)
        if match:
            return shape, f"{shape.value}: {match.group(0).strip()!r}"
    return None, ""
