"""bench/system/fanout_queue_model.py: the model's departures, load and queueing, on cases
small enough to work out by hand."""
import importlib.util
import os
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
SPEC = importlib.util.spec_from_file_location(
    "fanout_queue_model", os.path.join(HERE, "..", "..", "bench", "system", "fanout_queue_model.py"))
model = importlib.util.module_from_spec(SPEC)
SPEC.loader.exec_module(model)


def run(**overrides):
    args = dict(publishers=1, subscribers=10, fps=1, packets=1, keyframe_packets=1, keyframe_interval=0,
                audio_rate=0, cost_us=100, seconds=10, seed=1)
    args.update(overrides)
    return model.simulate(**args)


class FanoutQueueModel(unittest.TestCase):
    def test_copies_leave_one_subscriber_after_another(self):
        # One packet a second to ten subscribers at 100 us a copy: copies leave at
        # 100, 200, ..., 1000 us, and nothing ever waits.
        load, p50, p99, p999 = run()
        self.assertAlmostEqual(load, 10 * 100 / 1e6)
        self.assertAlmostEqual(p50, 500)
        self.assertAlmostEqual(p99, 1000)
        self.assertAlmostEqual(p999, 1000)

    def test_a_frame_of_several_packets_leaves_per_subscriber(self):
        # Five packets a frame: subscriber j gets all five at (j + 1) x 500 us.
        load, p50, p99, _ = run(packets=5)
        self.assertAlmostEqual(load, 10 * 5 * 100 / 1e6)
        self.assertAlmostEqual(p50, 2500)
        self.assertAlmostEqual(p99, 5000)

    def test_a_frame_waits_for_the_one_before(self):
        # Two publishers 0.618 s apart, each frame taking 1 s of work: the second waits
        # 0.382 s, so its last copy leaves 1.382 s after it arrived.
        load, _, _, p999 = run(publishers=2, cost_us=100_000, seconds=1)
        self.assertAlmostEqual(load, 2.0)
        self.assertAlmostEqual(p999, 1_382_000, delta=1)

    def test_audio_adds_one_packet_frames_at_its_rate(self):
        load, _, _, _ = run(audio_rate=50, fps=30, packets=2, seconds=10)
        # (30 frames x 2 packets + 50 audio packets) x 10 copies x 100 us, per second
        # (give or take the frame that falls on the end of the run).
        self.assertAlmostEqual(load, (30 * 2 + 50) * 10 * 100 / 1e6, delta=0.0003)


if __name__ == "__main__":
    unittest.main()
