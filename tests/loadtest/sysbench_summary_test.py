"""bench/system/run.py's summary: the headline figures and ratios from a run's points, on
points made up to be worked out by hand (no servers are started)."""
import importlib.util
import os
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
SPEC = importlib.util.spec_from_file_location(
    "run", os.path.join(HERE, "..", "..", "bench", "system", "run.py"))
run = importlib.util.module_from_spec(SPEC)
SPEC.loader.exec_module(run)


def point(target, size, repeat, cost_us, packets_per_second, loss=0.0):
    cpu_share = cost_us * packets_per_second / 1e6
    return {"target": target, "scenario": "webinar", "size": size, "repeat": repeat,
            "packets_per_second": packets_per_second, "cpu_us_per_packet": cost_us,
            "server_cpu_share": cpu_share,
            "packets_per_second_per_core": round(packets_per_second / cpu_share),
            "loss_percent": loss, "undelivered_percent": loss,
            "tracks_expected": 2 * size, "tracks_received": 2 * size}


class Summary(unittest.TestCase):
    def test_the_largest_loss_free_point_counts_every_repeat(self):
        # Podium's second repeat at 600 was disturbed (4.0 us); its first received a few
        # packets fewer. The headline is the median of the two, not the busier one.
        points = [point("podium", 400, 0, 2.0, 90_000), point("podium", 400, 1, 2.0, 90_000),
                  point("podium", 600, 0, 2.5, 135_000), point("podium", 600, 1, 4.0, 136_000),
                  point("janus", 400, 0, 8.0, 90_000), point("janus", 400, 1, 10.0, 90_000)]
        summary = run.summarize(points)
        podium = summary["podium"]["webinar"]
        self.assertEqual(podium["at_size"], 600)
        self.assertEqual(podium["repeats_at_size"], 2)
        self.assertAlmostEqual(podium["cpu_us_per_packet"], 3.25)
        self.assertAlmostEqual(podium["packets_per_second_per_core"], (400_000 + 250_000) / 2)
        janus = summary["janus"]["webinar"]
        self.assertAlmostEqual(janus["cpu_us_per_packet"], 9.0)
        ratios = summary["ratios_podium_to_janus"]["webinar"]
        self.assertAlmostEqual(ratios["packets_per_core"], round(325_000 / 112_500, 2))
        # At the audience both ran: medians 9.0 and 2.0.
        self.assertEqual(ratios["cpu_per_packet_janus_over_podium_same_size"], {"400": 4.5})

    def test_a_repeat_with_loss_is_not_the_headline(self):
        points = [point("podium", 400, 0, 2.0, 90_000), point("podium", 600, 0, 2.5, 135_000, loss=1.0)]
        podium = run.summarize(points)["podium"]["webinar"]
        self.assertEqual(podium["at_size"], 400)
        self.assertEqual(podium["largest_size_under_0_5_percent_loss"], 400)
        self.assertAlmostEqual(podium["cpu_us_per_packet"], 2.0)


if __name__ == "__main__":
    unittest.main()
