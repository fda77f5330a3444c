#!/usr/bin/env python3
"""Golden outputs of Python's json.dumps(ensure_ascii=False) and str() for the values pyjson.ts must
reproduce: floats across magnitudes, control characters, unicode, nesting. Writes
fixtures/pyjson.json: [{"value": <JSON text>, "compact": dumps(v), "indent4": dumps(v, indent=4), "str": str(v) or null}]."""
import json, random, os

random.seed(31)
values = [0, 1, -1, 0.5, -0.5, 0.1, 0.2 + 0.1, 1e-4, 1.5e-4, 1e-5, 1.5e-7, 123456.789, 1e15 + 0.5, 2.5e-300,
          5e-324, 1.7976931348623157e308 / 1e300, 3.141592653589793, -2.718281828459045e-12, 9007199254740991,
          1e16, -1.5e17, 9.1e15, 2.0 ** 60, 1e21, 1.7976931348623157e308, [1e100, {"x": -3e20}],
          "", "plain", 'quote " backslash \\ slash / tab \t nl \n cr \r bs \b ff \f', "\u0000\u001f\u007f\u0080",
          "\u2028\u2029 é 日本 🤖 \U0001d518", True, False, None, [], {}, [[]], {"a": {}}, [1, [2, [3, {"k": [None]}]]],
          {"z": 1, "a": 2, "m": {"y": [True, False], "b": "x"}}]
for _ in range(200):
    e = random.randint(-12, 25)
    values.append(random.choice([-1, 1]) * random.random() * 10 ** e)
for _ in range(50):
    values.append(round(random.uniform(-1000, 1000), random.randint(0, 6)))

out = []
for v in values:
    if isinstance(v, float) and v.is_integer() and abs(v) <= 2 ** 53:
        continue  # JSON cannot tell 3.0 from 3; pyjson.ts writes safe integers as ints
    out.append({
        "value": json.dumps(v),
        "compact": json.dumps(v, ensure_ascii=False),
        "indent4": json.dumps(v, ensure_ascii=False, indent=4),
        "str": str(v) if isinstance(v, (int, float, bool)) or v is None else None,
    })
path = os.path.join(os.path.dirname(__file__), "..", "fixtures", "pyjson.json")
with open(path, "w") as f:
    json.dump(out, f, ensure_ascii=False, indent=1)
print(f"{len(out)} values -> fixtures/pyjson.json")
