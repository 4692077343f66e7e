"""RegSpec's Python adapter: drives a TrainingClient-shaped object under test
for the structured-regularizer conformance suite over protocol v1."""

__version__ = "0.2.0"
