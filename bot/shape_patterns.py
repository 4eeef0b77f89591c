"""Shape rules: the ordered patterns that say which shape a question asks for (data for `shape_rules`).

The first pattern that matches wins, so the order is part of the rules: "pros and cons" is a trade-off before
it is a list, and a symptom report ("my loss isn't decreasing") is a fix before it is a definition.
"""

from __future__ import annotations

import re

from bot.shapes import Shape


def any_of(*patterns: str) -> re.Pattern:
    return re.compile("|".join(f"(?:{p})" for p in patterns), re.IGNORECASE)


# (shape, pattern) in priority order; the first that matches wins.
SHAPE_RULES: tuple[tuple[Shape, re.Pattern], ...] = (
    (
        Shape.TRADEOFFS,
        any_of(
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
        any_of(
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
        any_of(
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
        any_of(
            r"^(?:name|list|enumerate|give (?:me )?(?:some|a few|examples?|a list))\b",
            r"\b(?:examples?|types|kinds|sorts|categories|families|variants|forms|flavou?rs|mechanisms) of\b",
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
            r"\b(?:tricks|techniques|methods|ways|options|alternatives|approaches|tools|models|algorithms|metrics"
            r"|optimizers) (?:\w+ ){0,4}(?:besides|other than|apart from|aside from)\b",  # "tricks ... besides dropout"
            r"^which (?:[\w-]+ ){0,2}[\w-]+s (?:are|r) (?:commonly|usually|typically|often|most|widely|generally)\b",
            r"\bwhat (?:kind|type|sort)s? of (?:\w+ ){0,5}(?:do you know|are there|exist|techniques|methods"
            r"|algorithms|architectures)\b",
            r"\bwhat (?:(?!(?:is|are|do|does|makes?|the|these|those)\b)[\w-]+ ){0,2}(?:techniques|methods|algorithms"
            r"|metrics|architectures|optimizers|ways"
            r"|approaches)\b",
            r"\bcommon (?:\w+ ){0,2}(?:techniques|methods|algorithms|architectures|metrics|functions|optimizers"
            r"|ways)\b",
            r"\bare there\b",
            r"^what (?:are|r) (?:the )?(?:common|typical|popular|usual|standard) \w+(?: \w+)?s\b",
            r"\bmain (?:types|kinds|families|categories)\b",
            r"^(?:(?:possible|common|good|best|other|different|main) )?(?:approaches|ways|methods|options|solutions"
            r"|strategies|techniques) (?:to|for)\b",  # "Possible approaches to solving the cold start problem?"
        ),
    ),
    (
        Shape.USES,
        any_of(
            r"\bused (?:for|in|to)\b",
            r"\buse cases?\b",
            r"\bgood (?:for|at)\b",
            r"\buseful (?:for|in)\b",
            r"\bapplications?\b",
            r"\bapplied (?:to|in|for)\b",
            r"\bwhere (?:is|are|do|does|would|can)\b.*\b(?:used|use|applied|useful|found)\b",
            r"\bwhat (?:can|could|do) (?:i|we|you|people|ppl) (?:do|use|build)\b.*\bwith\b",
            r"\bwhat (?:do|does|did) (?:i|we|you|people|ppl|anyone|folks) use\b.*\bfor\b",
            r"\bwhat (?:can|could|would) (?:i|we|you) use\b.*\bfor\b",
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
        any_of(
            r"(?<!\bone )(?<!\ba )(?<!\btime )(?<!\beach )(?<!\bevery )(?<!\bsingle )\bsteps?\b",  # not "by one step"
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
            r"\bhow (?:do|can|should|would|to) (?:i |we |you |one )?(?:(?:train|build|fit|implement|perform|run|set up|"
            r"create)\b(?! (?:with|about)\b)|do\b(?! (?:with|about|it|this|that)\b))",  # "how would you do it?": how_to
        ),
    ),
    (
        Shape.FIX,
        any_of(
            r"\bprevent\w*\b",
            r"\bavoid\w*\b",
            r"\bfix\w*\b",
            r"(?<!the )\bdeal(?:ing)? with\b",  # "what's the deal with the gates?" asks what they are
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
            # a symptom report: "my loss isn't decreasing, what should I check?", "my lstm predicts the same value"
            r"\bmy\b.*\b(?:isn'?t|is not|not|doesn'?t|does not|won'?t|never|stopped|stops) (?:decreas|improv|learn"
            r"|converg|going down|go down|chang)\w*",
            r"\bmy\b.*\b(?:always |just |only )?predicts? (?:the )?(?:same|majority)\b",
            r"\bout of memory\b",
            r"\bwhat (?:should|can|do) (?:i|we) (?:check|try|look at|change)\b",
            # "val accuracy is stuck at 50%, whats wrong?", "what could cause that?"
            r"\bwhat(?:'s|s| is)? (?:wrong|going on|happening)(?: (?:here|there|with (?:it|this|that|my \w+)))?\W*$",
            r"\bwhat (?:could|might|would|can) (?:cause|be causing|be wrong|have gone wrong)\b",
            # "my logistic regression keeps giving a ConvergenceWarning": an error or warning it keeps raising
            r"\bmy\b.*\b(?:keeps?|kept) (?:giving|throwing|raising|showing)\b",
            r"\bmy\b.*\b(?:gives?|giving|throws?|throwing|raises?|raising|shows?|showing) (?:a |an |this |the )?"
            r"\S*(?:warning|error|exception)s?\b",
            r"\bmy\b.*\bhelp\W*$",
            # "loss isnt decreasing at all, stuck from epoch 1. ideas?": a symptom, then a call for help
            r"\b(?:loss|accuracy|acc|model|training|network|net)\b.*\b(?:isn'?t|not|doesn'?t|won'?t|stuck|stopped|"
            r"plateau\w*|diverg\w*|explod\w*|nan)\b.*\b(?:ideas?|help|tips?|suggestions?|advice)\W*$",
        ),
    ),
    (
        Shape.WHEN,
        any_of(
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
        any_of(
            r"^why\b",
            r"\bwhy (?:do|does|is|are|did|would|should|can|can't|cant|doesn't|don't|isn't|aren't|must)\b",
            r"\bwhat causes\b",
            r"\bwhat (?:went|goes|could go|is going) wrong\b",
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
        any_of(
            r"\bhow (?:does|do|did|is|are)\b(?! (?:i|we|you|one)\b).*\b(?:work|works|working|learn|learns|compute|"
            r"computes|find|finds|train|trained|make|makes|handle|handles|decide|decides|choose|chooses|pick|picks|"
            r"split|splits|build|builds|update|updates|generate|generates|produce|produces|combine|combines|"
            r"calculated|computed|done|implemented|used|predict|predicts|classify|classifies|know|reduce|reduces|"
            r"fit|fits|converge|converges|function|operate|operates|process|processes|transform|transforms|remember|"
            r"remembers|store|stores|capture|captures|represent|represents|measure|measures)\b",
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
        any_of(
            r"\bhow (?:do|can|should|would|could|to|might|must)(?: (?:i|we|you|one))?\b",
            r"\bbest (?:way|practice|approach)\b",
            r"\btips?\b",
            r"\bhow (?:many|much|big|large|small|long)\b",
            r"\b(?:what|which)\b.*\bshould (?:i|we|you) (?:pick|choose|use|set|try|start with|go with)\b",
            r"\bwhat (?:value|values|size|number)\b",
        ),
    ),
)
