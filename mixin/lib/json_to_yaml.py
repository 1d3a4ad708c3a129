#!/usr/bin/env python3
"""Prints the JSON document on stdin as YAML, the form the rendered rules files take: keys sorted,
two-space indentation with lists indented under their key, multi-line strings (PromQL) as literal
blocks, no line folding. jsonnet's own std.manifestYamlDoc gives the same layout but takes seconds
of CPU per render on Debian's jsonnet 0.18, so the mixin renders JSON and this prints it."""
import json
import sys

import yaml


class Dumper(yaml.SafeDumper):
    # Indent a list under its key ("rules:\n  - alert: ..."), as promtool's own examples do.
    def increase_indent(self, flow=False, indentless=False):
        return super().increase_indent(flow, False)


def represent_str(dumper, text):
    style = "|" if "\n" in text else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", text, style=style)


Dumper.add_representer(str, represent_str)
yaml.dump(json.load(sys.stdin), sys.stdout, Dumper=Dumper, sort_keys=True, indent=2,
          width=float("inf"), allow_unicode=True, default_flow_style=False)
