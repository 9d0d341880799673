#!/usr/bin/env python3
"""wordcount in Python: the same output as the Rust `wordcount` binary."""
import sys


def main() -> int:
    if len(sys.argv) < 2:
        print("usage: wordcount.py FILE", file=sys.stderr)
        return 2
    with open(sys.argv[1], "rb") as f:
        data = f.read()
    text = data.decode("utf-8", errors="replace")
    freq = {}
    for word in text.split():
        w = word.lower()
        freq[w] = freq.get(w, 0) + 1
    words = sum(freq.values())
    if freq:
        word, n = min(freq.items(), key=lambda item: (-item[1], item[0]))
        top = f"{word} {n}"
    else:
        top = "-"
    lines = data.count(b"\n")
    sys.stdout.write(f"{lines} {words} {len(data)}\ntop: {top}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
