"""The adapter's telemetry sink: events in the protocol's form (docs/protocol.md 6.1)."""

import unittest

from regspec_adapter.catalogue import FnRegistry
from regspec_adapter.driver import TelemetryRecorder
from regspec_adapter.wire import AdapterCannotRun


class TelemetryRecorderTest(unittest.TestCase):
    def test_events_keep_their_order_and_exactly_their_fields(self):
        sink = TelemetryRecorder()
        sink({"event": "call_started", "mode": "structured", "fn_count": 1, "extra": "dropped"})
        sink({"event": "fn_started", "label": "l2"})
        sink({"event": "fn_stopped", "label": "l2", "duration": 0.5, "value": 3, "contribution": None})
        sink({"event": "call_stopped", "duration": 1, "loss_total": 3.0})
        self.assertEqual(
            sink.wire_events(FnRegistry(), None),
            [
                {"event": "call_started", "mode": "structured", "fn_count": 1},
                {"event": "fn_started", "label": "l2"},
                {"event": "fn_stopped", "label": "l2", "duration": 0.5, "value": 3.0, "contribution": None},
                {"event": "call_stopped", "duration": 1.0, "loss_total": 3.0},
            ],
        )

    def test_failures_without_a_kind_take_the_calls_error(self):
        sink = TelemetryRecorder()
        sink({"event": "fn_failed", "label": "l2", "kind": "timeout"})
        sink({"event": "call_failed", "duration": 0.1, "message": "too slow"})
        error = {"kind": "timeout", "label": "l2", "message": "too slow", "type": "RegularizerError"}
        events = sink.wire_events(FnRegistry(), error)
        self.assertEqual(events[0], {"event": "fn_failed", "label": "l2", "kind": "timeout"})
        self.assertEqual(events[1], {"event": "call_failed", "duration": 0.1, "kind": "timeout", "label": "l2"})

    def test_an_event_the_protocol_does_not_know_is_refused(self):
        sink = TelemetryRecorder()
        sink({"event": "call_exploded"})
        with self.assertRaises(AdapterCannotRun):
            sink.wire_events(FnRegistry(), None)
        sink = TelemetryRecorder()
        sink("not an event")
        with self.assertRaises(AdapterCannotRun):
            sink.wire_events(FnRegistry(), None)


if __name__ == "__main__":
    unittest.main()
