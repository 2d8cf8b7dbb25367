"""Parses an OpenMetrics file with prometheus_client's strict parser (an
independent implementation) and prints its samples as JSON lines; any
violation of the format raises, and the exit status is non-zero."""
import json
import sys

from prometheus_client.openmetrics.parser import text_string_to_metric_families

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
