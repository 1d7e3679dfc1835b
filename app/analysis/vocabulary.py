"""Closed word lists behind the phrase reader (app/analysis/phrases.py)."""

from app.analysis import lexicon, naming

# Action verbs (base forms) that make a good operation/step name.
ACTION = naming.wordset(
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
AMBIGUOUS = naming.wordset(
    "score record store count total check map round format match filter sort group track lock log "
    "push post load update cache batch process queue stream alert call price sum audit reset "
    "import export query display return review list search issue test structure index snapshot "
    "label tag link limit block set book fail start stop pause rollback tally transition answer "
    "purchase reply answer clean sign run deploy sync view balance end fall increase decrease"
)
WEAK = naming.wordset(
    "perform support extend be being been is are was were have has had do does did allow allows "
    "enable enables provide provides ensure ensures handle handles use uses using want need make "
    "get gets let lets include includes contain contains keep keeps help helps try tries see "
    "offer offers become becomes go goes take takes give gives work works require requires "
    "required rely relies implement implements implemented exceed exceeds wait waits identify "
    "identifies involve involves occur occurs appear appears modify modifies grant grants "
    "lose loses gain gains mark marks seem seems remain remains exist exists depend depends"
)
MODAL = naming.wordset(
    "must shall should will can may might could would to and or then also please cannot never"
)
DETERMINER = naming.wordset(
    "a an the all any each every some no its their his her our your my this that these those "
    "both either neither several many few more most other another such same one two three"
)
PREPOSITION = naming.wordset(
    "of to for from in on at by with into onto within without via through across over under "
    "about after before during until per as than like between among against upon toward towards "
    "if when where while whether so because unless once since and or but nor then that which "
    "who whom whose"
)
NOT_NOUN = naming.wordset(
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
ADJ_SUFFIX = (
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
GENERIC_HEAD = naming.wordset(
    "status state data details detail info information list page record records entry entries "
    "id ids name names date dates event events result results request requests response "
    "responses message messages item items file files key keys code codes settings config "
    "review reviews history model models table tables view views report reports level"
)

# Nominalised verbs: "storage" -> store, "validation" -> validate, "retraining" -> retrain.
NOMINAL: dict[str, str] = {}
for _base in sorted(ACTION):
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
            NOMINAL.setdefault(_form, _base)
NOMINAL.update(
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
ACTION = ACTION | frozenset({"balance", "tune"})

GENERIC_TOPIC = naming.wordset(
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

CLAUSE_LINK = naming.wordset("and or to then when if where while whether once that which so")

ROLE = naming.wordset(
    "user users manager managers accountant accountants employee employees admin admins "
    "administrator administrators customer customers developer developers engineer engineers "
    "analyst analysts operator operators owner owners reviewer reviewers approver approvers "
    "member members client clients team teams person people we i you they he she someone "
    "system systems service services platform application app"
)
