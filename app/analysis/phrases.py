"""Light-weight phrase reading for names: the main verb of a requirement and the noun it acts on.

No tagger: a closed vocabulary of action verbs, a few suffix rules for adjectives/adverbs and the
sentence shape ("As a X, I want to ...", "Given ..., Then ...", "System MUST ...") are enough to
turn "The system must store the vector embeddings in a database" into ("store", "embeddings").
Everything is memoised per text, so the cost stays linear in the PRD.
"""

import re
from functools import lru_cache

from app.analysis.vocabulary import (
    ACTION,
    ADJ_SUFFIX,
    AMBIGUOUS,
    CLAUSE_LINK,
    DETERMINER,
    GENERIC_HEAD,
    GENERIC_TOPIC,
    MODAL,
    NOMINAL,
    NOT_NOUN,
    PREPOSITION,
    ROLE,
    WEAK,
)

_TOKEN = re.compile(r"[a-z][a-z0-9]*(?:[-'][a-z0-9]+)*|[.,;:()!?\u2014\u2013\u2192]| - ")
_STORY = re.compile(r"\bi\s+(?:want|need|would like|wish)\s+(?:to\s+)?(?:be able to\s+)?(.*)", re.I)
_SO_THAT = re.compile(r"\s*[,.]?\s*\b(?:so that|in order to|so i can|so we can)\b.*$", re.I)
_THEN = re.compile(r"\bthen\b[,:]?\s+(.*)$", re.I)
_MODAL_CLAUSE = re.compile(
    r"\b(?:must|shall|should|will|can|may)\s+(?:not\s+)?(?:be able to\s+|also\s+)?(.*)$", re.I
)
_LABEL = re.compile(r"^[A-Za-z][\w &/()-]{0,40}?\s*(?:[:\u2014\u2013]| - |\.)\s+(?=\S)")


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
VERB_FORMS: dict[str, str] = {f: b for b in sorted(ACTION) for f in _inflections(b)}
VERB_FORMS.update(_IRREGULAR)


def is_adjective(word: str) -> bool:
    if word in NOT_NOUN:
        return True
    if len(word) > 4 and word.endswith("ed") and not word.endswith("eed"):
        return True
    return len(word) > 4 and word.endswith(ADJ_SUFFIX) and word not in NOMINAL


@lru_cache(maxsize=65536)  # a PRD's vocabulary is small and asked about thousands of times
def is_noun(word: str) -> bool:
    """Could ``word`` head a noun phrase (not a function word, adjective, adverb or verb form)?"""
    return (
        1 < len(word) <= 20
        and word.isalpha()
        and word not in DETERMINER
        and word not in PREPOSITION
        and word not in MODAL
        and word not in WEAK
        and not is_adjective(word)
        and not (
            word in VERB_FORMS
            and (VERB_FORMS[word] not in AMBIGUOUS or word.endswith(("ing", "ed")))
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
    if not base or base in WEAK:
        return ""
    if i and tokens[i - 1] in DETERMINER:
        return ""  # "an execute() method", "the record"
    if base in AMBIGUOUS or word in AMBIGUOUS:
        prev = tokens[i - 1] if i else ""
        clause_start = not prev or prev in ".;(\u2014\u2013\u2192" or prev == " - "
        # a noun after a determiner/adjective/preposition: "the record", "high score"
        if prev in DETERMINER or (prev and prev in PREPOSITION and prev not in MODAL):
            return ""
        if word == base and not clause_start and prev not in MODAL:
            return ""
        if word != base and (clause_start or prev in DETERMINER or prev in ",:"):
            return ""  # "Blocks spawn ...", "Records include ...": a plural noun
        nxt = tokens[i + 1] if i + 1 < len(tokens) else ""
        if word == base and nxt.endswith("ing") and nxt in VERB_FORMS:
            return ""  # "Load balancing", "Score tracking": a compound noun
    if word.endswith("ed") and i + 1 < len(tokens) and is_noun(tokens[i + 1]):
        prev = tokens[i - 1] if i else ""
        if not prev or prev in DETERMINER or prev in ",;:.(":
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
        if word in PREPOSITION or word in MODAL:
            if phrase or word not in CLAUSE_LINK:
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
            or head in GENERIC_HEAD
            or _singular(modifier) in domain
            or (modifier in domain and _singular(head) not in domain)
        ):
            return [modifier, head]
        if _singular(head) not in domain and any(_singular(w) in domain for w in phrase[:-1]):
            return [next(w for w in phrase if _singular(w) in domain)]
    return [head]


def _intransitive(tokens: list[str], index: int) -> bool:
    nxt = tokens[index + 1] if index + 1 < len(tokens) else ""
    if nxt in ("and", "or"):
        after = tokens[index + 2] if index + 2 < len(tokens) else ""
        return after not in VERB_FORMS and after not in ("either", "then")
    return (
        not nxt
        or (nxt in PREPOSITION and nxt != ",")
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
    return [] if found and found[-1] in ROLE else found


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
        verb = NOMINAL.get(word)
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


def topic_words(text: str, domain: frozenset[str] = frozenset()) -> list[str]:
    """Candidate topic nouns of a requirement (singular), story roles and function words removed."""
    tokens = _tokens(_STORY_ROLE.sub(" ", text))
    return [
        singular(w)
        for w in tokens
        if len(w) > 3 and is_noun(w) and w not in GENERIC_TOPIC and singular(w) not in GENERIC_TOPIC
    ]


def generic_topic(word: str) -> bool:
    """Too vague to name a node: service, system, time, ... and abstract nouns (reusability)."""
    return (
        word in GENERIC_TOPIC
        or singular(word) in GENERIC_TOPIC
        or (len(word) > 6 and word.endswith(("ity", "ness", "ance", "ence", "ism")))
    )
