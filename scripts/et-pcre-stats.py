#!/usr/bin/env python3
"""Which PCRE constructs and Suricata modifiers the enabled pcre rules of a
ruleset use (Documentation/engine.md, "Regular expressions").

Usage: scripts/et-pcre-stats.py build/et-open/*.rules   (make et-open first)
Counts are of expressions (one rule may have several) and of rules."""
import re
import sys
from collections import Counter

PCRE_RE = re.compile(r'(?<![a-z_.])pcre:\s*"((?:[^"\\]|\\.)*)"')

# construct name -> regex over the expression body (between the slashes)
CONSTRUCTS = [
    ("class [...]", r'(?<!\\)\['),
    ("negated class [^...]", r'(?<!\\)\[\^'),
    ("POSIX class [:name:]", r'\[:[a-z]+:\]'),
    ("dot .", r'(?<!\\)\.'),
    ("\\d \\D", r'\\[dD]'),
    ("\\w \\W", r'\\[wW]'),
    ("\\s \\S", r'\\[sS]'),
    ("\\h \\H \\v \\V \\R \\N", r'\\[hHvVRN]'),
    ("\\xHH", r'\\x[0-9a-fA-F]'),
    ("\\x{...}", r'\\x\{'),
    ("octal \\0NN", r'\\0[0-7]'),
    ("\\Q...\\E", r'\\Q'),
    ("\\b \\B", r'\\[bB]'),
    ("\\A \\z \\Z \\G", r'\\[AzZG]'),
    ("^ anchor", r'(?<![\\\[])\^'),
    ("$ anchor", r'(?<!\\)\$'),
    ("alternation |", r'(?<!\\)\|'),
    ("group ( )", r'(?<!\\)\((?!\?)'),
    ("non-capturing (?:", r'\(\?:'),
    ("named group (?P< / (?<name>", r'\(\?P?<[A-Za-z]'),
    ("inline flags (?i) (?s)...", r'\(\?[imsx-]+[):]'),
    ("* +", r'(?<!\\)[*+]'),
    ("?", r'(?<![\\(])\?(?![:=!<>P])'),
    ("{n} {n,} {n,m}", r'(?<!\\)\{\d+(,\d*)?\}'),
    ("lazy *? +? ?? {}?", r'(?<!\\)([*+?]|\})\?'),
    ("possessive *+ ++ ?+", r'(?<!\\)([*+?]|\})\+'),
    ("lookahead (?=", r'\(\?='),
    ("negative lookahead (?!", r'\(\?!'),
    ("lookbehind (?<=", r'\(\?<='),
    ("negative lookbehind (?<!", r'\(\?<!'),
    ("atomic (?>", r'\(\?>'),
    ("conditional (?(", r'\(\?\('),
    ("backreference \\1..\\9 \\k \\g", r'\\[1-9]|\\k[<{\']|\\g'),
    ("recursion (?R) (?1)", r'\(\?(R|\d)'),
]

def split_pcre(s):
    neg = s.startswith('!')
    if neg:
        s = s[1:]
    if not s.startswith('/'):
        return None
    end = s.rfind('/')
    if end <= 0:
        return None
    return neg, s[1:end], s[end + 1:]

def main(paths):
    cons, cons_rules, mods = Counter(), Counter(), Counter()
    nexpr = nrules = enabled = 0
    for p in paths:
        with open(p, errors='replace') as f:
            for line in f:
                line = line.strip()
                if not line or line.startswith('#'):
                    continue
                enabled += 1
                exprs = PCRE_RE.findall(line)
                if not exprs:
                    continue
                nrules += 1
                seen = set()
                for e in exprs:
                    sp = split_pcre(e)
                    if not sp:
                        cons['unparsable'] += 1
                        continue
                    neg, body, flags = sp
                    nexpr += 1
                    if neg:
                        mods['! (negated)'] += 1
                    for fl in sorted(set(flags)):
                        mods['/' + fl] += 1
                    for name, rx in CONSTRUCTS:
                        if re.search(rx, body):
                            cons[name] += 1
                            seen.add(name)
                for n in seen:
                    cons_rules[n] += 1
    print(f"enabled rules {enabled}; rules with pcre {nrules}; expressions {nexpr}")
    print("\nconstruct | expressions | rules")
    for name, _ in CONSTRUCTS:
        print(f"{name} | {cons[name]} | {cons_rules[name]}")
    print("\nmodifier | expressions")
    for m, c in sorted(mods.items(), key=lambda x: -x[1]):
        print(f"{m} | {c}")

if __name__ == '__main__':
    main(sys.argv[1:])
