"""Discovery walks the installed framework; profiles are read from the class objects."""

from app.mixins.catalog import Catalog


def test_discovers_at_least_40_mixins_including_runtime_module(catalog: Catalog) -> None:
    assert len(catalog.mixins) >= 40
    assert "MixinNodeDispatch" in catalog.mixins  # lives outside omnibase_core/mixins
    assert catalog.mixins["MixinNodeDispatch"].data["module"].startswith("omnibase_core.runtime")
    assert len({p.ref for p in catalog.mixins.values()}) == len(catalog.mixins)  # de-duplicated


def test_static_profile_facts(catalog: Catalog) -> None:
    lazy = catalog.mixins["MixinLazyValue"].data
    assert lazy["init_required_positional"] == 1 and not lazy["init_chains_super"]
    health = catalog.mixins["MixinHealthCheck"].data
    assert health["init_positional"] == 0 and health["init_chains_super"]
    assert catalog.mixins["MixinNodeIntrospection"].data["abstract_methods"] == [
        "get_metadata_loader"
    ]
    assert "node_id" in catalog.mixins["MixinNodeSetup"].data["ro_property_collisions"]
    assert catalog.mixins["MixinEffectExecution"].data["in_node_base"] == {
        "effect": True,
        "compute": False,
        "reducer": False,
        "orchestrator": False,
    }
    assert catalog.mixins["MixinSerializable"].data["init_is_protocol_noop"]


def test_capability_marks_and_tags(catalog: Catalog) -> None:
    assert not catalog.mixins["MixinHashComputation"].capability
    assert not catalog.mixins["MixinYAMLSerialization"].capability
    assert catalog.mixins["MixinCaching"].capability
    assert "caching" in catalog.mixins["MixinCaching"].primary_tags
    assert "metrics" in catalog.mixins["MixinMetrics"].primary_tags
    assert "health" in catalog.mixins["MixinHealthCheck"].primary_tags
    non_capability = [p for p in catalog.mixins.values() if not p.capability]
    assert 6 <= len(non_capability) <= 14
