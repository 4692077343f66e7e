"""Python exceptions -> the language-neutral error kinds (docs/protocol.md section 6).

The rules, in the order they are tried (the table in README.md says the same):

1. An exception with a `kind` attribute naming a known kind (a string, or an
   enum whose value is one) is taken at its word, with its `label` and
   `message` attributes when they are strings.
2. An error of the adapter's fake backend is a server error: kind null.
3. The very exception object a catalogue fn raised, propagated unchanged:
   `loss_fn_failed`, labelled with that fn's label.
4. Type and message patterns (`PATTERNS`).
5. Anything else: kind null, with its type name and message.

When the kind is one that belongs to a fn (`loss_fn_failed`,
`non_scalar_loss`, `non_finite_loss`, `invalid_metrics`, `timeout`), the
exception carries no label, and the call had exactly one fn (legacy mode), the
label is `loss_fn`: there is no other fn it can be about.
"""

from __future__ import annotations

import asyncio
import re
from typing import Any, Callable

from .backend import BackendError
from .catalogue import FnRegistry

KINDS = (
    "missing_loss",
    "invalid_regularizer",
    "empty_data",
    "missing_target_tokens",
    "non_scalar_loss",
    "non_finite_loss",
    "non_finite_gradient",
    "invalid_metrics",
    "loss_fn_failed",
    "no_gradient",
    "timeout",
)

FN_KINDS = {"loss_fn_failed", "non_scalar_loss", "non_finite_loss", "invalid_metrics", "timeout"}


def _is(*types: type) -> Callable[[BaseException], bool]:
    return lambda exc: isinstance(exc, types)


def _any(exc: BaseException) -> bool:
    return True


# (kind, type predicate, message pattern); first match wins. Patterns are
# searched case-insensitively in str(exc).
PATTERNS: list[tuple[str, Callable[[BaseException], bool], str]] = [
    ("timeout", _is(TimeoutError, asyncio.TimeoutError), r""),
    ("empty_data", _is(ValueError, TypeError), r"no data provided"),
    ("missing_loss", _is(ValueError, TypeError), r"(?=.*\bloss_fn\b)(?=.*\bregularizers\b)"),
    ("missing_target_tokens", _is(KeyError), r"^'target_tokens'$"),
    ("missing_target_tokens", _is(ValueError, TypeError), r"target_tokens.*(must be provided|missing|required)|(no|without|lacks?) (loss_fn_inputs\.)?target_tokens"),
    ("no_gradient", _any, r"no gradient computed"),
    ("no_gradient", _is(RuntimeError), r"does not require grad and does not have a grad_fn"),
    ("non_scalar_loss", _is(RuntimeError, ValueError, TypeError), r"grad can be implicitly created only for scalar outputs|only one element tensors can be converted|cannot be converted to scalar|non-?scalar loss"),
    ("non_finite_gradient", _is(ValueError, ArithmeticError), r"gradient.*(non-?finite|not finite|infinite|\bnan\b|float32)|non-?finite gradient"),
    ("non_finite_loss", _is(ValueError, ArithmeticError), r"non-?finite|must be finite|overflow"),
    ("invalid_metrics", _is(ValueError, TypeError), r"\bmetrics?\b"),
    ("invalid_regularizer", _is(ValueError, TypeError), r"\bregularizers?\b"),
]


def _message(exc: BaseException) -> str:
    msg = getattr(exc, "message", None)
    if isinstance(msg, str):
        return msg
    if isinstance(exc, KeyError) and len(exc.args) == 1:
        return repr(exc.args[0]) if not isinstance(exc.args[0], str) else f"'{exc.args[0]}'"
    text = str(exc)
    return text if text else type(exc).__name__


def classify(exc: BaseException, registry: FnRegistry | None, fn_labels: list[str]) -> dict[str, Any]:
    """The protocol's `error` object for an exception the call raised."""
    kind: str | None = None
    label: str | None = None
    message = _message(exc)

    declared = getattr(exc, "kind", None)
    declared = getattr(declared, "value", declared)
    if isinstance(declared, str) and declared in KINDS:
        kind = declared
        lab = getattr(exc, "label", None)
        label = lab if isinstance(lab, str) else None
    elif isinstance(exc, BackendError):
        kind = None
    else:
        raised, fn_label = registry.label_of(exc) if registry is not None else (False, None)
        if raised:
            kind, label = "loss_fn_failed", fn_label
        else:
            text = str(exc)
            for candidate, type_ok, pattern in PATTERNS:
                if type_ok(exc) and re.search(pattern, text, re.IGNORECASE | re.DOTALL):
                    kind = candidate
                    break
            lab = getattr(exc, "label", None)
            label = lab if isinstance(lab, str) else None

    if kind in FN_KINDS and label is None and len(fn_labels) == 1:
        label = fn_labels[0]
    return {"kind": kind, "label": label, "message": message, "type": type(exc).__name__}
