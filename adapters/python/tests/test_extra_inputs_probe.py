"""The capability `extra_inputs` is probed: announced for a client that passes
`ref_logprobs` on to its loss, not for one that rejects it up front as tinker 0.16 to
0.25 do, and kept when the probe tells nothing (a client whose plain call fails too).

    cd adapters/python && python -m unittest tests.test_extra_inputs_probe
"""

from __future__ import annotations

import os
import sys
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

import torch  # noqa: E402,F401  (the catalogue fns are torch code)

from regspec_adapter.driver import Engine  # noqa: E402

REJECTED = "forward_backward_custom only supports loss_fn_inputs keys {'target_tokens', 'weights'}"


def factory(reject_extra: bool, broken: bool = False):
    """A client built by a factory: a legacy call that runs the loss on the served logprobs."""

    def make(backend):
        class Client:
            def forward_backward_custom(self, data, loss_fn):
                if broken:
                    raise RuntimeError("this client fails every call")
                if reject_extra and any(set(d.loss_fn_inputs) - {"target_tokens", "weights"} for d in data):
                    raise ValueError(REJECTED)
                out = backend.forward(data, "cross_entropy")
                logprobs = [torch.tensor(o["logprobs"].data, dtype=torch.float64, requires_grad=True) for o in out.loss_fn_outputs]
                loss, metrics = loss_fn(data, logprobs)
                loss.backward()
                return type("Output", (), {"metrics": dict(metrics)})()

        return Client()

    return make


class ExtraInputsProbeTest(unittest.TestCase):
    def probe(self, **kwargs) -> bool:
        engine = Engine(factory(**kwargs))
        return engine.accepts_extra_inputs()

    def test_a_client_that_passes_extra_inputs_has_the_capability(self):
        self.assertTrue(self.probe(reject_extra=False))

    def test_a_client_that_rejects_them_up_front_lacks_it(self):
        self.assertFalse(self.probe(reject_extra=True))

    def test_a_probe_that_tells_nothing_keeps_it(self):
        self.assertTrue(self.probe(reject_extra=True, broken=True))


if __name__ == "__main__":
    unittest.main()
