"""Multi-step workflows: ordered steps under workflow/flow/pipeline/loop sections -> Flow."""

import re
from collections.abc import Iterator

from app.analysis import lexicon, naming, phrases
from app.analysis.inline import clean
from app.analysis.markdown import Block
from app.analysis.plan import Flow, FlowStep, NodeKind, Requirement, StepType
from app.analysis.sections import Role, role

_FLOW_SECTION = re.compile(
    r"workflow|\bflows?\b|pipeline|process(?:ing)? steps|procedure|\bsteps\b|saga|sequence|\bloop\b"
    r"|journey|lifecycle",
    re.I,
)
# "the onboarding workflow: verify email, create the account, send a welcome mail" and
# "approval flow: submit -> review -> approve": a step list written inline in one requirement
_INLINE = re.compile(
    r"\b(?P<name>[\w-]+(?:\s[\w-]+)?)\s(?:workflow|flow|pipeline|process|saga)\b"
    r"[^:.;]{0,40}:\s*(?P<steps>[^.;]{10,400})",
    re.I,
)
# where a name can start: a word boundary before a word character or "-"; _inline_matches tries
# each run of [\w-] once (finditer tried every position of a run, each rescanning the rest of
# it: quadratic in a long word)
_NAME_START = re.compile(r"\b(?=[\w-])")
_RUN = re.compile(r"[\w-]+")
_INLINE_HINT = re.compile(r"(?:workflow|flow|pipeline|process|saga)\b[^:.;]{0,40}:", re.I)
_INLINE_SPLIT = re.compile(r"\s*(?:,|→|->|=>|\bthen\b)\s*(?:and\s+|then\s+)?", re.I)
_LABEL = re.compile(r"^(?:the\s+)?([A-Za-z][\w &/-]{0,40}?)\s*[:—–-]\s+\S")
_STOP = naming.wordset("a an the it its their to for of and or as is are be by with then")
_STEP: dict[NodeKind, StepType] = {
    "EFFECT": "effect",
    "COMPUTE": "compute",
    "REDUCER": "reducer",
    "ORCHESTRATOR": "orchestrator",
}
_PREFERENCE: tuple[NodeKind, ...] = ("EFFECT", "REDUCER", "COMPUTE", "ORCHESTRATOR")


def step_type(text: str) -> StepType:
    """The kind with the strongest keyword evidence in ``text``; compute when nothing matches."""
    hits = lexicon.kind_hits(text)
    best: StepType = "compute"
    best_score = 0.0
    for kind in _PREFERENCE:
        score = sum({w: v for _, v, w in hits.get(kind, [])}.values())
        if score > best_score:
            best, best_score = _STEP[kind], score
    return best


def _step_name(text: str) -> str:
    """verb_object of the step ("Manager approves the request" -> approve_request), or its label."""
    if label := _LABEL.match(text):
        words = [w for w in naming.words(label.group(1)) if w not in _STOP]
        if words:
            return naming.safe_name(" ".join(words[:3]), fallback="step")
    verb, obj = phrases.verb_object(text)
    if verb:
        return naming.safe_name(" ".join([verb, *obj]), fallback="step", max_words=3)
    words = [w for w in naming.words(text) if w not in _STOP]
    return naming.safe_name(" ".join(words[:3]), fallback="step")


def from_texts(name: str, texts: list[str], rids: list[str]) -> Flow:
    steps: list[FlowStep] = []
    taken: list[str] = []
    for text in texts:
        step = naming.unique(_step_name(text), taken)
        taken.append(step)
        depends = [steps[-1].name] if steps else []
        steps.append(
            FlowStep(name=step, step_type=step_type(text), depends_on=depends, description=text)
        )
    return Flow(name=name, steps=steps, requirement_ids=rids)


def extract(blocks: list[Block], block_req: dict[int, str]) -> list[Flow]:
    groups: dict[tuple[str, ...], tuple[list[str], list[str]]] = {}
    for i, block in enumerate(blocks):
        if block.kind not in ("item", "para") or not block.path or block.parent >= 0:
            continue
        if role(block.path) is Role.SKIP or not _FLOW_SECTION.search(block.path[-1]):
            continue
        text = clean(block.text)
        ordered = block.kind == "item" and block.ordered
        labelled = block.kind == "para" and _LABEL.match(text) is not None
        if not (ordered or labelled) or text.endswith(":"):
            continue
        texts, rids = groups.setdefault(block.path, ([], []))
        texts.append(text)
        if i in block_req:
            rids.append(block_req[i])
    flows: list[Flow] = []
    names = naming.UniqueNames()
    for path, (texts, rids) in groups.items():
        if len(texts) < 3:
            continue
        name = names.add(naming.safe_name(path[-1], fallback="workflow"))
        flows.append(from_texts(name, texts[:12], rids))
    return flows


def _inline_matches(text: str) -> Iterator[re.Match[str]]:
    """``_INLINE.finditer(text)``, trying one start per run of name characters: a match from
    a position depends only on where its run ends, so when the run's first start fails, all do."""
    pos = 0
    while start := _NAME_START.search(text, pos):
        if match := _INLINE.match(text, start.start()):
            yield match
            pos = match.end()
        elif run := _RUN.match(text, start.start()):
            pos = run.end()
        else:  # unreachable: a start is at a name character
            pos = start.start() + 1


def inline(requirements: list[Requirement]) -> list[Flow]:
    """Flows whose steps a single requirement lists after "... workflow:" (three or more)."""
    flows: list[Flow] = []
    names = naming.UniqueNames()
    for req in requirements:
        if ":" not in req.text or not _INLINE_HINT.search(req.text):
            continue  # the full pattern tries every word as a name: skip texts it cannot match
        for match in _inline_matches(req.text):
            steps = [s.strip(" `'\"*") for s in _INLINE_SPLIT.split(match.group("steps"))]
            steps = [s for s in steps if s]
            if not 3 <= len(steps) <= 12 or any(len(s.split()) > 8 for s in steps):
                continue
            words = [w for w in naming.words(match.group("name")) if w not in _STOP]
            base = naming.safe_name(" ".join([*words, "workflow"]), fallback="workflow")
            name = names.add(base)
            flows.append(from_texts(name, steps, [req.id]))
    return flows


def synthesise(name: str, steps: list[tuple[str, StepType, str]], rids: list[str]) -> Flow:
    """A flow that coordinates the plan's other nodes, for PRDs without an explicit step list."""
    built: list[FlowStep] = []
    for step, kind, description in steps:
        depends = [built[-1].name] if built else []
        built.append(
            FlowStep(name=step, step_type=kind, depends_on=depends, description=description)
        )
    return Flow(name=name, steps=built, requirement_ids=rids)
