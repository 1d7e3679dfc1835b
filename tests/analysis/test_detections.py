"""Detections: every decision with its confidence, and thresholds that change what is emitted."""

from pathlib import Path

import pytest

from app.analysis import patterns
from app.analysis.detections import operation_pattern
from app.analysis.service import analyse

FIXTURES = Path(__file__).resolve().parents[1] / "generation" / "fixtures"
ORDER_PRD = (FIXTURES / "order_service.md").read_text()


def test_every_kind_considered_once_with_its_confidence() -> None:
    plan = analyse(ORDER_PRD)
    kinds = [d for d in plan.detections if d.pattern in patterns.KIND_PATTERNS]
    assert sorted(d.pattern for d in kinds) == sorted(patterns.KIND_PATTERNS)
    emitted = {patterns.kind_pattern(k.kind) for k in plan.kinds}
    assert {d.pattern for d in kinds if d.emitted} == emitted
    assert all(0.0 <= d.confidence <= 1.0 for d in plan.detections)
    assert all(d.confidence >= 0.5 for d in kinds if d.emitted)  # the default threshold


def test_detection_ids_unique_and_patterns_in_the_vocabulary() -> None:
    plan = analyse(ORDER_PRD)
    ids = [d.id for d in plan.detections]
    assert len(ids) == len(set(ids))
    assert {d.pattern for d in plan.detections} <= patterns.all_patterns()
    nodes = {n.name: {op.name for op in n.operations} for n in plan.nodes}
    for detection in plan.detections:
        if detection.operation is not None:
            assert detection.node is not None and detection.operation in nodes[detection.node]


def test_a_raised_kind_threshold_suppresses_the_kind_and_keeps_it_as_a_candidate() -> None:
    plan = analyse(ORDER_PRD)
    orchestrator = next(d for d in plan.detections if d.pattern == "kind.orchestrator")
    assert orchestrator.emitted
    raised = analyse(ORDER_PRD, thresholds={"kind.orchestrator": orchestrator.confidence + 0.01})
    again = next(d for d in raised.detections if d.pattern == "kind.orchestrator")
    assert not again.emitted and again.confidence == orchestrator.confidence
    assert "ORCHESTRATOR" not in {node.kind for node in raised.nodes}


def test_a_lowered_kind_threshold_emits_a_candidate_with_support() -> None:
    prd = (Path(__file__).parent / "fixtures" / "ears_alerts.md").read_text()
    plan = analyse(prd)
    reducer = next(d for d in plan.detections if d.pattern == "kind.reducer")
    assert not reducer.emitted and 0 < reducer.confidence < 0.5
    relaxed = analyse(prd, thresholds={"kind.reducer": reducer.confidence})
    assert next(d for d in relaxed.detections if d.pattern == "kind.reducer").emitted
    assert "REDUCER" in {node.kind for node in relaxed.nodes}


def test_a_lifecycle_threshold_drops_machines_below_it() -> None:
    plan = analyse(ORDER_PRD)
    machines = [d for d in plan.detections if d.pattern == "lifecycle"]
    assert machines and all(d.emitted for d in machines)
    strict = analyse(ORDER_PRD, thresholds={"lifecycle": 1.0})
    assert strict.state_machines == []
    assert [d.id for d in strict.detections if d.pattern == "lifecycle"] == [d.id for d in machines]
    assert not any(d.emitted for d in strict.detections if d.pattern == "lifecycle")


@pytest.mark.parametrize(
    ("kind", "name", "expected"),
    [
        ("EFFECT", "update_address", "operation.update"),
        ("EFFECT", "address_book_entries", "operation.create"),  # "book", never "add"
        ("COMPUTE", "additional_fees", "operation.transform"),  # no verb: the kind's fallback
        ("EFFECT", "send_reminder_email", "operation.notify"),
        ("REDUCER", "apply_order_transition", "operation.transition"),
        ("ORCHESTRATOR", "schedule_payment", "operation.coordinate"),
        ("EFFECT", "charge_card", "operation.call_external"),
        ("COMPUTE", "validate_signature", "operation.validate"),
        ("REDUCER", "deleted_items_total", "operation.aggregate"),
    ],
)
def test_operation_patterns_match_whole_words(kind: str, name: str, expected: str) -> None:
    assert operation_pattern(kind, name)[0] == expected


def test_same_prd_same_detections() -> None:
    assert analyse(ORDER_PRD).detections == analyse(ORDER_PRD).detections
