"""The checklist's tests for the example client, against the adapter's fake backend.

    cd adapters/python && python -m unittest discover -s tests -v

Needs torch and tinker (0.7.0 or 0.38.0). The conformance suite checks far
more; these show the API as a user sees it.
"""

from __future__ import annotations

import asyncio
import importlib.util
import os
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, ROOT)

import torch  # noqa: E402
from tinker import types  # noqa: E402

from regspec_adapter.backend import FakeBackend  # noqa: E402
from regspec_adapter.driver import Engine  # noqa: E402


def _load_example():
    path = os.path.join(ROOT, "examples", "structured_regularizers.py")
    spec = importlib.util.spec_from_file_location("structured_regularizers_example", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


example = _load_example()
ENGINE = Engine(example.StructuredTrainingClient)

DATA = [
    types.Datum(
        model_input=types.ModelInput.from_ints([3, 5]),
        loss_fn_inputs={
            "target_tokens": types.TensorData(data=[5, 7], dtype="int64", shape=[2]),
            "weights": types.TensorData(data=[1.0, 1.0], dtype="float32", shape=[2]),
        },
    )
]
LOGPROBS = [[-1.0, -2.0]]


def nll(data, logprobs):
    total = sum(-(d.loss_fn_inputs["weights"].to_torch().to(lp.dtype) * lp).sum() for d, lp in zip(data, logprobs))
    return total, {"tokens": 2.0}


def l2(data, logprobs):
    loss = sum(lp.square().sum() for lp in logprobs)
    return loss, {"sum_sq": float(loss.detach())}


def mean_lp(data, logprobs):
    return torch.cat([lp.reshape(-1) for lp in logprobs]).mean(), {}


class StructuredRegularizersTest(unittest.TestCase):
    def setUp(self):
        self.backend = FakeBackend(LOGPROBS)
        self.client = ENGINE.build_client(self.backend)

    def call(self, *args, **kwargs):
        async def go():
            future = await self.client.forward_backward_custom_async(*args, **kwargs)
            return await future

        return asyncio.run_coroutine_threadsafe(go(), ENGINE.loop).result()

    def sent_weights(self):
        return self.backend.backward_requests[-1]["data"][0]["loss_fn_inputs"]["weights"]["data"]

    def test_multiple_sync_regularizers_compose(self):
        result = self.call(
            DATA,
            nll,
            regularizers=[
                {"fn": l2, "weight": 0.1, "name": "l2"},
                {"fn": mean_lp, "weight": 0.0, "name": "mean_lp"},
            ],
        )
        m = result.metrics
        self.assertAlmostEqual(m["loss_total"], 3.5)
        self.assertAlmostEqual(m["regularizers"]["l2"]["contribution"], 0.5)
        self.assertEqual(list(m["regularizers"]), ["l2", "mean_lp"])
        self.assertEqual(m["base_loss"], {"value": 3.0, "custom": {"tokens": 2.0}})
        self.assertAlmostEqual(m["loss:sum"], 4.0, places=5)
        self.assertEqual([round(w, 5) for w in self.sent_weights()], [1.2, 1.4])

    def test_single_async_regularizer_awaited(self):
        async def async_reg(data, logprobs):
            await asyncio.sleep(0.01)
            return torch.tensor(1.0), {"async": True}

        result = self.call(DATA, regularizers=[{"fn": async_reg, "weight": 0.5, "name": "async_test"}])
        entry = result.metrics["regularizers"]["async_test"]
        self.assertEqual(entry["custom"]["async"], 1.0)
        self.assertEqual(entry["contribution"], 0.5)
        self.assertNotIn("base_loss", result.metrics)

    def test_mixed_sync_async(self):
        async def slow_var(data, logprobs):
            await asyncio.sleep(0.02)
            x = torch.cat([lp.reshape(-1) for lp in logprobs])
            return (x - x.mean()).square().mean(), {}

        result = self.call(
            DATA,
            nll,
            regularizers=[{"fn": slow_var, "weight": 0.5, "name": "var"}, {"fn": l2, "weight": 0.1, "name": "l2"}],
            track_grad_norms=True,
            max_concurrency=2,
        )
        self.assertEqual(list(result.metrics["regularizers"]), ["var", "l2"])
        self.assertAlmostEqual(result.metrics["regularizers"]["var"]["value"], 0.25)
        self.assertIn("total_grad_norm", result.metrics)

    def test_backward_compat_legacy(self):
        def old_style_loss(data, logprobs):
            return torch.mean(logprobs[0]), {"legacy": 1.0}

        result = self.call(DATA, old_style_loss)
        self.assertEqual(result.metrics["legacy"], 1.0)
        self.assertNotIn("loss_total", result.metrics)
        self.assertIn("loss:sum", result.metrics)

    def test_future_form(self):
        future = self.client.forward_backward_custom(DATA, nll, regularizers=[{"fn": l2, "weight": 0.1, "name": "l2"}])
        self.assertAlmostEqual(future.result().metrics["loss_total"], 3.5)

    def test_missing_loss(self):
        with self.assertRaises(example.RegularizerError) as caught:
            self.call(DATA)
        self.assertEqual(caught.exception.kind, "missing_loss")
        self.assertEqual(self.backend.forward_requests, [])

    def test_zero_weight_still_reports(self):
        result = self.call(DATA, regularizers=[{"fn": l2, "weight": 0, "name": "off"}])
        entry = result.metrics["regularizers"]["off"]
        self.assertEqual((entry["value"], entry["weight"], entry["contribution"]), (5.0, 0, 0.0))
        self.assertEqual(self.sent_weights(), [0.0, 0.0])

    def test_invalid_entry_names_index_and_name(self):
        with self.assertRaises(example.RegularizerError) as caught:
            self.call(DATA, regularizers=[{"fn": l2, "weight": True, "name": "l2"}])
        self.assertEqual((caught.exception.kind, caught.exception.label), ("invalid_regularizer", "l2"))
        self.assertIn("regularizers[0]", str(caught.exception))

    def test_timeout(self):
        async def slow(data, logprobs):
            await asyncio.sleep(5)
            return torch.tensor(0.0), {}

        with self.assertRaises(example.RegularizerError) as caught:
            self.call(DATA, nll, regularizers=[{"fn": slow, "weight": 1.0, "name": "judge"}], timeout=0.05)
        self.assertEqual((caught.exception.kind, caught.exception.label), ("timeout", "judge"))
        self.assertEqual(self.backend.backward_requests, [])


if __name__ == "__main__":
    unittest.main()
