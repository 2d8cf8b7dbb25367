"""Parses an OpenMetrics file with prometheus_client's strict parser (an
independent implementation) and prints its samples as JSON lines; any
violation of the format raises, and the exit status is non-zero."""
import json
import sys

from prometheus_client.openmetrics.parser import text_string_to_metric_families
from prometheus_client.samples import Timestamp

# The prometheus_client Debian ships (0.16) compares timestamps wrongly (1.997 > 2.036:
# client_python#1037, fixed by #1038), so a series whose samples cross a
# second is refused as "Timestamps went backwards". The fix, as upstream made it:
Timestamp.__gt__ = lambda self, other: (self.sec, self.nsec) > (other.sec, other.nsec)
Timestamp.__lt__ = lambda self, other: (self.sec, self.nsec) < (other.sec, other.nsec)

with open(sys.argv[1], encoding="utf-8", newline="") as f:
    text = f.read()
for family in text_string_to_metric_families(text):
    for sample in family.samples:
        print(json.dumps({
            "family": family.name,
            "type": family.type,
            "name": sample.name,
            "labels": sample.labels,
            "value": sample.value,
            "sec": sample.timestamp.sec if sample.timestamp else None,
            "nsec": sample.timestamp.nsec if sample.timestamp else None,
        }))
