"""Light-weight phrase reading for names: the main verb of a requirement and the noun it acts on.

No tagger: a closed vocabulary of action verbs, a few suffix rules for adjectives/adverbs and the
sentence shape ("As a X, I want to ...", "Given ..., Then ...", "System MUST ...") are enough to
turn "The system must store the vector embeddings in a database" into ("store", "embeddings").
Everything is memoised per text, so the cost stays linear in the PRD.
"""

import re
from functools import lru_cache

from app.analysis import lexicon, naming

# Action verbs (base forms) that make a good operation/step name.
_ACTION = naming.wordset(
    "send notify deliver publish persist store save write upload download fetch insert emit ingest "
    "clone export load pull read record call integrate retrieve redirect delete update create "
    "stream alert push sync deploy post register submit log receive accept charge refund query "
    "import enqueue cache serve display show calculate compute validate transform score parse rank "
    "convert hash filter classify detect determine render split chunk vectorize embed analyze "
    "analyse evaluate predict multiply estimate normalize sort verify synthesize clamp translate "
    "infer compare check generate format match select resolve decide map encrypt round price "
    "apply aggregate accumulate count track increment decrement consolidate merge group "
    "deduplicate reset expire sum total tally summarize maintain lock unlock transition audit "
    "orchestrate coordinate schedule dispatch trigger route retry compensate escalate run process "
    "batch approve manage queue execute retrain approve reject return review cancel assign list "
    "search find extract collect issue grant revoke authenticate authorize login sign upload "
    "spawn restore watch monitor measure visualize clean structure test automate archive "
    "purchase pay buy sell refresh reconcile open close complete start stop pause resume enter "
    "reach notify return edit remove add rotate view expose fail block spin heal recover invite "
    "configure set reserve book confirm restrict limit tune label tag link attach upload rollback "
    "replay backfill snapshot migrate index encode decode compress decrypt sanitize escape mask "
    "redact throttle announce broadcast subscribe unsubscribe poll ping scan crawl scrape "
    "transcribe summarise summarize answer respond reply increase decrease end spawn fall "
    "balance tune finish succeed"
)
# Nouns that are also verbs: a verb only at the start of a clause or after a modal / "to".
_AMBIGUOUS = naming.wordset(
    "score record store count total check map round format match filter sort group track lock log "
    "push post load update cache batch process queue stream alert call price sum audit reset "
    "import export query display return review list search issue test structure index snapshot "
    "label tag link limit block set book fail start stop pause rollback tally transition answer "
    "purchase reply answer clean sign run deploy sync view balance end fall increase decrease"
)
_WEAK = naming.wordset(
    "perform support extend be being been is are was were have has had do does did allow allows "
    "enable enables provide provides ensure ensures handle handles use uses using want need make "
    "get gets let lets include includes contain contains keep keeps help helps try tries see "
    "offer offers become becomes go goes take takes give gives work works require requires "
    "required rely relies implement implements implemented exceed exceeds wait waits identify "
    "identifies involve involves occur occurs appear appears modify modifies grant grants "
    "lose loses gain gains mark marks seem seems remain remains exist exists depend depends"
)
_MODAL = naming.wordset(
    "must shall should will can may might could would to and or then also please cannot never"
)
_DETERMINER = naming.wordset(
    "a an the all any each every some no its their his her our your my this that these those "
    "both either neither several many few more most other another such same one two three"
)
_PREPOSITION = naming.wordset(
    "of to for from in on at by with into onto within without via through across over under "
    "about after before during until per as than like between among against upon toward towards "
    "if when where while whether so because unless once since and or but nor then that which "
    "who whom whose"
)
_NOT_NOUN = naming.wordset(
    "it they them we us you he she i me itself themselves something anything everything nothing "
    "etc e g ie eg i e also only just even very really already still always never automatically "
    "new existing current valid invalid single multiple similar related relevant appropriate "
    "specific given secure local global raw real high low available possible necessary "
    "additional optional required able ready own full partial main key basic simple "
    "first last next previous initial final other same due free primary secondary "
    "natural internal external frequent frequently accordingly even once twice time times "
    "way ways thing things lot lots kind kinds type types part parts number numbers amount "
    "value values level levels case cases point points ability capability feature features "
    "mvp epic story requirement requirements purpose purposes goal goals option options "
    "needed supported specified configured defined successful successfully clear robust "
    "easy fast quick reliable scalable consistent accurate correct proper properly "
    "unprocessed processed structured automated centralized asynchronous synchronous "
    "whatever whichever however user's system's based not no yes rather together efficient "
    "independent persistent consistent different sufficient urgent recent frequent "
    "transparent relevant important significant redundant constant up down out off back "
    "away ahead well"
) | (lexicon.STOPWORDS - naming.wordset("user users data service system systems"))
_ADJ_SUFFIX = (
    "ly",
    "ous",
    "ive",
    "ful",
    "less",
    "able",
    "ible",
    "ical",
    "ic",
    "ial",
    "nal",
    "ral",
    "tal",
    "ary",
)
# "Generic" heads that read better with their modifier: "paid status", "checkout page".
_GENERIC_HEAD = naming.wordset(
    "status state data details detail info information list page record records entry entries "
    "id ids name names date dates event events result results request requests response "
    "responses message messages item items file files key keys code codes settings config "
    "review reviews history model models table tables view views report reports level"
)
_TOKEN = re.compile(r"[a-z][a-z0-9]*(?:[-'][a-z0-9]+)*|[.,;:()!?\u2014\u2013\u2192]| - ")
_STORY = re.compile(r"\bi\s+(?:want|need|would like|wish)\s+(?:to\s+)?(?:be able to\s+)?(.*)", re.I)
_SO_THAT = re.compile(r"\s*[,.]?\s*\b(?:so that|in order to|so i can|so we can)\b.*$", re.I)
_THEN = re.compile(r"\bthen\b[,:]?\s+(.*)$", re.I)
_MODAL_CLAUSE = re.compile(
    r"\b(?:must|shall|should|will|can|may)\s+(?:not\s+)?(?:be able to\s+|also\s+)?(.*)$", re.I
)
_LABEL = re.compile(r"^[A-Za-z][\w &/()-]{0,40}?\s*(?:[:\u2014\u2013]| - |\.)\s+(?=\S)")

# Nominalised verbs: "storage" -> store, "validation" -> validate, "retraining" -> retrain.
_NOMINAL: dict[str, str] = {}
for _base in sorted(_ACTION):
    _stem = _base[:-1] if _base.endswith("e") else _base
    for _form in (
        f"{_base}ion",
        f"{_stem}ion",
        f"{_stem}ation",
        f"{_base}ation",
        f"{_stem}ing",
        f"{_base}ment",
        f"{_stem}al",
        f"{_stem}age",
    ):
        if _form != _base and len(_form) > 4 and _form not in ("payment", "stage", "posting"):
            _NOMINAL.setdefault(_form, _base)
_NOMINAL.update(
    {
        "analysis": "analyze",
        "delivery": "deliver",
        "deletion": "delete",
        "ingestion": "ingest",
        "retrieval": "retrieve",
        "notification": "notify",
        "notifications": "notify",
        "approval": "approve",
        "verification": "verify",
        "classification": "classify",
        "summary": "summarize",
        "generation": "generate",
        "balancing": "balance",
        "tuning": "tune",
        "retraining": "retrain",
        "prediction": "predict",
        "lineage": "track",
        "login": "authenticate",
        "authentication": "authenticate",
        "authorization": "authorize",
        "dedup": "deduplicate",
        "deduplication": "deduplicate",
        "expiration": "expire",
        "expiry": "expire",
        "monitoring": "monitor",
        "visualization": "visualize",
    }
)
_ACTION = _ACTION | frozenset({"balance", "tune"})


def _inflections(base: str) -> set[str]:
    stem = base[:-1] if base.endswith("e") else base
    forms = {base, f"{base}s", f"{base}es", f"{stem}ed", f"{stem}ing", f"{base}d"}
    if base.endswith("y") and base[-2:-1] not in ("a", "e", "o"):
        forms |= {f"{base[:-1]}ies", f"{base[:-1]}ied"}
    cvc = len(base) > 2 and base[-2] in "aeiou" and base[-3] not in "aeiou"
    if cvc and base[-1] in "bdglmnprt":
        forms |= {f"{base}{base[-1]}ed", f"{base}{base[-1]}ing"}
    return forms


_IRREGULAR = {"sent": "send", "built": "build", "ran": "run"}
VERB_FORMS: dict[str, str] = {f: b for b in sorted(_ACTION) for f in _inflections(b)}
VERB_FORMS.update(_IRREGULAR)


def is_adjective(word: str) -> bool:
    if word in _NOT_NOUN:
        return True
    if len(word) > 4 and word.endswith("ed") and not word.endswith("eed"):
        return True
    return len(word) > 4 and word.endswith(_ADJ_SUFFIX) and word not in _NOMINAL


def is_noun(word: str) -> bool:
    """Could ``word`` head a noun phrase (not a function word, adjective, adverb or verb form)?"""
    return (
        1 < len(word) <= 20
        and word.isalpha()
        and word not in _DETERMINER
        and word not in _PREPOSITION
        and word not in _MODAL
        and word not in _WEAK
        and not is_adjective(word)
        and not (
            word in VERB_FORMS
            and (VERB_FORMS[word] not in _AMBIGUOUS or word.endswith(("ing", "ed")))
        )
    )


def focus(text: str) -> str:
    """The clause that states the action: story goal, Then clause, after the modal, no label."""
    text = text.strip()
    if story := _STORY.search(text):
        return _SO_THAT.sub("", story.group(1))
    if then := _THEN.search(text):
        text = then.group(1)
    if (modal := _MODAL_CLAUSE.search(text)) and len(modal.group(1).split()) >= 2:
        return modal.group(1)
    if (label := _LABEL.match(text)) and len(text[label.end() :].split()) >= 2:
        return text[label.end() :]
    return text


def _tokens(text: str) -> list[str]:
    return _TOKEN.findall(text.lower().replace("\u2019", "'"))


def _verb_at(tokens: list[str], i: int) -> str:
    word = tokens[i]
    base = VERB_FORMS.get(word, "")
    if not base or base in _WEAK:
        return ""
    if i and tokens[i - 1] in _DETERMINER:
        return ""  # "an execute() method", "the record"
    if base in _AMBIGUOUS or word in _AMBIGUOUS:
        prev = tokens[i - 1] if i else ""
        clause_start = not prev or prev in ".;(\u2014\u2013\u2192" or prev == " - "
        # a noun after a determiner/adjective/preposition: "the record", "high score"
        if prev in _DETERMINER or (prev and prev in _PREPOSITION and prev not in _MODAL):
            return ""
        if word == base and not clause_start and prev not in _MODAL:
            return ""
        if word != base and (clause_start or prev in _DETERMINER or prev in ",:"):
            return ""  # "Blocks spawn ...", "Records include ...": a plural noun
        nxt = tokens[i + 1] if i + 1 < len(tokens) else ""
        if word == base and nxt.endswith("ing") and nxt in VERB_FORMS:
            return ""  # "Load balancing", "Score tracking": a compound noun
    if word.endswith("ed") and i + 1 < len(tokens) and is_noun(tokens[i + 1]):
        prev = tokens[i - 1] if i else ""
        if not prev or prev in _DETERMINER or prev in ",;:.(":
            return ""  # "hashed password", "scheduled retraining": adjectival participle
    return base


def _singular(word: str) -> str:
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(("sses", "xes", "ches", "shes")):
        return word[:-2]
    if word.endswith("s") and not word.endswith(("ss", "us", "is")) and len(word) > 3:
        return word[:-1]
    return word


def _noun_phrase(
    tokens: list[str], start: int, domain: frozenset[str], *, compound: bool = False
) -> list[str]:
    """Head noun (and one useful modifier) of the first noun phrase at or after ``start``."""
    phrase: list[str] = []
    for offset, word in enumerate(tokens[start : start + 12]):
        prev = tokens[start + offset - 1] if start + offset > 0 else ""
        if not phrase and word in VERB_FORMS and prev in (",", "or", "and", "either"):
            continue  # "approves, rejects, or returns the request"
        if word in ".;:()!?\u2014\u2013\u2192" or word == " - ":
            if phrase:
                break
            continue
        if word == ",":
            if phrase:
                break
            continue
        if word in _PREPOSITION or word in _MODAL:
            if phrase or word not in _CLAUSE_LINK:
                break  # "before the cascade fires" is not the object
            continue
        if word.endswith("'s"):
            continue
        if is_noun(word):
            phrase.append(word)
        elif phrase:
            break
    if not phrase:
        return []
    head = phrase[-1]
    if len(phrase) > 1:
        modifier = phrase[-2]
        if (
            compound
            or head in _GENERIC_HEAD
            or _singular(modifier) in domain
            or (modifier in domain and _singular(head) not in domain)
        ):
            return [modifier, head]
        if _singular(head) not in domain and any(_singular(w) in domain for w in phrase[:-1]):
            return [next(w for w in phrase if _singular(w) in domain)]
    return [head]


_CLAUSE_LINK = naming.wordset("and or to then when if where while whether once that which so")
_ROLE = naming.wordset(
    "user users manager managers accountant accountants employee employees admin admins "
    "administrator administrators customer customers developer developers engineer engineers "
    "analyst analysts operator operators owner owners reviewer reviewers approver approvers "
    "member members client clients team teams person people we i you they he she someone "
    "system systems service services platform application app"
)


def _intransitive(tokens: list[str], index: int) -> bool:
    nxt = tokens[index + 1] if index + 1 < len(tokens) else ""
    if nxt in ("and", "or"):
        after = tokens[index + 2] if index + 2 < len(tokens) else ""
        return after not in VERB_FORMS and after not in ("either", "then")
    return (
        not nxt
        or (nxt in _PREPOSITION and nxt != ",")
        or nxt in ".;:()!?"
        or nxt[0].isdigit()
        or nxt in ("every", "each", "immediately", "automatically", "again")
    )


def _subject(tokens: list[str], index: int, domain: frozenset[str]) -> list[str]:
    start = index
    while start > 0 and tokens[start - 1] not in ".,;:()!?" and index - start < 4:
        start -= 1
    words = [w for w in tokens[start:index] if is_noun(w)]
    found = _noun_phrase(words, 0, domain) if words else []
    return [] if found and found[-1] in _ROLE else found


@lru_cache(maxsize=16384)
def verb_object(
    text: str, domain: frozenset[str] = frozenset(), prefer: frozenset[str] = frozenset()
) -> tuple[str, list[str]]:
    """(main action verb, object words) of a requirement; ("", []) parts when not found.

    ``prefer`` are verbs (base forms) to take first when the text has one of them; participles
    ("amount paid", "webhook delivered") only count when there is no other verb.
    """
    found: list[tuple[list[str], list[tuple[int, str]]]] = []
    for candidate in dict.fromkeys((focus(text), text)):
        tokens = _tokens(candidate)
        found.append((tokens, [(i, v) for i in range(len(tokens)) if (v := _verb_at(tokens, i))]))
    choice: tuple[list[str], int, str] | None = None
    for preferred, finite in ((True, True), (False, True), (True, False), (False, False)):
        for tokens, verbs in found:
            hit = next(
                (
                    (i, v)
                    for i, v in verbs
                    if (v in prefer or not preferred)
                    and (not tokens[i].endswith("ed") or not finite)
                ),
                None,
            )
            if hit is not None:
                choice = (tokens, *hit)
                break
        if choice is not None:
            break
    if choice is None:
        return "", []
    tokens, index, verb = choice
    if verb in ("log", "sign") and tokens[index + 1 : index + 2] in (["in"], ["on"]):
        verb, tokens = "authenticate", [*tokens[: index + 1], "user"]
    obj = _noun_phrase(tokens, index + 1, domain)
    if not obj or _intransitive(tokens, index):
        subject = _subject(tokens, index, domain)
        if not subject and tokens is found[0][0] and len(found) > 1:
            full = found[-1][0]
            where = [i for i, w in enumerate(full) if w == tokens[index]]
            subject = _subject(full, where[-1], domain) if where else []
        obj = subject or obj
    return verb, obj


@lru_cache(maxsize=16384)
def nominal_action(text: str, domain: frozenset[str] = frozenset()) -> tuple[str, list[str]]:
    """Verb from a nominalised action ("Centralized model storage" -> store, [model])."""
    tokens = _tokens(focus(text))
    for i, word in enumerate(tokens):
        verb = _NOMINAL.get(word)
        if not verb:
            continue
        before = _noun_phrase(tokens[max(0, i - 3) : i], 0, domain)
        after = _noun_phrase(tokens, i + 1, domain) if i + 1 < len(tokens) else []
        if tokens[i + 1 : i + 2] == ["of"]:
            return verb, after or before
        return verb, before or after
    return "", []


@lru_cache(maxsize=16384)
def head_noun(text: str, domain: frozenset[str] = frozenset()) -> list[str]:
    """The first noun phrase of ``text`` (for names of requirements without any action)."""
    return _noun_phrase(_tokens(focus(text)), 0, domain, compound=True)


def singular(word: str) -> str:
    return _singular(word)


_STORY_ROLE = re.compile(r"\bas an?\s+[^,.]{1,60},\s*i\s+(?:want|need|would like|wish)\b", re.I)
_GENERIC_TOPIC = naming.wordset(
    "service services system systems request requests response responses time times health "
    "engineer engineers user users developer developers admin admins team teams logic data api "
    "apis endpoint endpoints feature features item items status state states error errors value "
    "values process result results detail details support application app platform tool tools "
    "core main workflow workflows flow flows pipeline pipelines step steps stage stages machine "
    "lifecycle processing management manager handling operation operations thing things level "
    "number type mode format local global real world epic story goal page screen option section "
    "member members product tenant check checks change changes update updates list version "
    "rule rules logs information output input inputs outputs support failure failures issue "
    "issues problem problems"
)


def topic_words(text: str, domain: frozenset[str] = frozenset()) -> list[str]:
    """Candidate topic nouns of a requirement (singular), story roles and function words removed."""
    tokens = _tokens(_STORY_ROLE.sub(" ", text))
    return [
        singular(w)
        for w in tokens
        if len(w) > 3
        and is_noun(w)
        and w not in _GENERIC_TOPIC
        and singular(w) not in _GENERIC_TOPIC
    ]


def generic_topic(word: str) -> bool:
    """Too vague to name a node: service, system, time, ... and abstract nouns (reusability)."""
    return (
        word in _GENERIC_TOPIC
        or singular(word) in _GENERIC_TOPIC
        or (len(word) > 6 and word.endswith(("ity", "ness", "ance", "ence", "ism")))
    )
