"""Mixin compatibility: which framework mixins a node can compose, predicted and measured."""
