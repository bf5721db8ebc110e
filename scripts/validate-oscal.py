#!/usr/bin/env python3
"""Validates an OSCAL JSON document against NIST's OSCAL complete JSON schema.

Usage: validate-oscal.py SCHEMA DOCUMENT

The schema's patterns use \\p{L} and \\p{N} (Unicode letter and digit classes), which Python's
`re` does not know: they are matched with the `regex` module when it is installed (scripts/setup.sh
installs it), else translated to the equivalent `re` classes.
Exit status: 0 valid, 1 invalid (every error is printed), 2 bad usage or unreadable input.
"""
import json
import re
import sys

try:
    import jsonschema
except ImportError:
    print("validate-oscal: python jsonschema is not installed (run scripts/setup.sh)", file=sys.stderr)
    sys.exit(2)
try:
    import regex as unicode_re
except ImportError:
    unicode_re = None


def search(pattern, text):
    if unicode_re is not None:
        return unicode_re.search(pattern, text)
    return re.search(pattern.replace(r"\p{L}", r"[^\W\d_]").replace(r"\p{N}", r"\d"), text)


def pattern_keyword(validator, pattern, instance, schema):
    if validator.is_type(instance, "string") and not search(pattern, instance):
        yield jsonschema.ValidationError(f"{instance!r} does not match {pattern!r}")


def main():
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    try:
        with open(sys.argv[1], encoding="utf-8") as f:
            schema = json.load(f)
        with open(sys.argv[2], encoding="utf-8") as f:
            document = json.load(f)
    except (OSError, ValueError) as e:
        print(f"validate-oscal: {e}", file=sys.stderr)
        return 2
    base = jsonschema.validators.validator_for(schema)
    validator_class = jsonschema.validators.extend(base, {"pattern": pattern_keyword})
    validator = validator_class(schema, format_checker=base.FORMAT_CHECKER)
    errors = sorted(validator.iter_errors(document), key=lambda e: list(e.absolute_path))
    if errors:
        # The schema's top level is a oneOf over every model: show the errors of the
        # assessment-results branch, which are the useful ones.
        for e in errors:
            for c in (e.context or [e]):
                print(f"INVALID at /{'/'.join(str(p) for p in c.absolute_path)}: {c.message}")
        return 1
    print(f"valid: {sys.argv[2]} against {schema.get('$id', sys.argv[1])}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
