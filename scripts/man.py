#!/usr/bin/env python3
"""Man pages from the Markdown documentation: one source, no second copy.

  scripts/man.py PAGE OUT        PAGE: tlsictl.8, tlsid.8 or tlsi.conf.5

Each page is sections of a file in Documentation/ (the table below), turned
into go-md2man's Markdown: a title line, NAME and SYNOPSIS (the few lines
that exist only here), the file's introduction as DESCRIPTION, its "## "
sections as .SH with upper-case names, "### " as .SS; then go-md2man(1)
renders it. The date is SOURCE_DATE_EPOCH's (reproducible builds), else the
documentation file's modification time.
"""
import os
import re
import subprocess
import sys
import time

VERSION = "0.1.0"

PAGES = {
    "tlsictl.8": {
        "doc": "Documentation/tlsictl.md",
        "name": "tlsictl - administer tlsi, inline TLS inspection and intrusion prevention",
        "synopsis": [
            "**tlsictl** [**-j**|**--json**] *OBJECT* [*COMMAND* [*ARGUMENTS*]]",
            "**tlsictl** [**-c**] **-f** *FILE*",
            "**tlsictl** **--unlock** [**-f** *FILE* | *OBJECT* *COMMAND* [*ARGUMENTS*]]",
            "**tlsictl** *OBJECT* **help**",
        ],
        "intro": True,
        # A section's own text left out (its subsections stay, as sections).
        "skip_body": ["Source"],
        "see_also": "**tlsid**(8), **tlsi.conf**(5), **tcpdump**(8)",
    },
    "tlsid.8": {
        "doc": "Documentation/tlsid.md",
        "name": "tlsid - the TLS handshake daemon of tlsi's SSL client inspection",
        "synopsis": [
            "**tlsid** **--ca-cert** *FILE* **--ca-key** *FILE* [*OPTIONS*]",
            "**tlsid** **--cert-repo** *DIR* [**--signing-cert** *NAME*] [*OPTIONS*]",
        ],
        "intro": True,
        "only": ["Options", "Start and stop", "Per-policy settings", "Certificates by name",
                 "Privileges", "The SSL inspection log", "Counters", "Files"],
        "see_also": "**tlsictl**(8), **tlsi.conf**(5), **systemd.service**(5)",
    },
    "tlsi.conf.5": {
        "doc": "Documentation/tlsictl.md",
        "name": "tlsi.conf - tlsi's configuration file, applied by tlsictl -f",
        "synopsis": ["*/etc/tlsi/tlsi.conf*"],
        "intro": False,
        "only": ["Configuration files", "Profile changes and locked objects"],
        # Its first-level section is the page: its text the DESCRIPTION
        # (the second one: a section of its own).
        "as_description": True,
        "see_also": "**tlsictl**(8), **tlsid**(8)",
    },
}


def sections(text):
    """(intro, [(title, body, [(subtitle, subbody)])]) of a Markdown file."""
    intro, secs, cur, sub = [], [], None, None
    in_code = False
    for line in text.splitlines():
        if line.startswith("```"):
            in_code = not in_code
        m = None if in_code else re.match(r"^(#{1,3}) (.*)$", line)
        if m and len(m.group(1)) == 1:
            continue
        if m and len(m.group(1)) == 2:
            cur = [m.group(2), [], []]
            secs.append(cur)
            sub = None
            continue
        if m and len(m.group(1)) == 3 and cur:
            sub = [m.group(2), []]
            cur[2].append(sub)
            continue
        if sub is not None:
            sub[1].append(line)
        elif cur is not None:
            cur[1].append(line)
        else:
            intro.append(line)
    return intro, secs


def cells(row):
    return [c.strip() for c in row.strip().strip("|").split("|")]


def for_man(lines):
    """What reads well in a terminal: two-column tables as tagged
    paragraphs (tbl's boxes overflow 80 columns), a fenced block that
    follows a list kept out of the list's last item."""
    out, i, in_code = [], 0, False
    while i < len(lines):
        line = lines[i]
        if line.startswith("```"):
            if not in_code:
                prev = [l for l in out if l.strip()]
                last_par = []
                for l in reversed(out):
                    if not l.strip() and last_par:
                        break
                    last_par.append(l)
                if any(re.match(r"^\s*(\d+\.|[*-]) ", l) for l in last_par) and prev:
                    out += ["<!-- -->", ""]
            in_code = not in_code
            out.append(line)
            i += 1
            continue
        if (not in_code and line.startswith("|") and i + 1 < len(lines)
                and re.match(r"^\|[-:| ]+\|$", lines[i + 1].strip())
                and len(cells(line)) == 2):
            i += 2  # the header ("option | meaning") says nothing a list needs
            while i < len(lines) and lines[i].startswith("|"):
                term, desc = cells(lines[i])
                out += [term or " ", ": " + desc, ""]
                i += 1
            continue
        out.append(line)
        i += 1
    return out


def page_markdown(page, spec, root):
    path = os.path.join(root, spec["doc"])
    with open(path, encoding="utf-8") as f:
        intro, secs = sections(f.read())
    epoch = int(os.environ.get("SOURCE_DATE_EPOCH", os.path.getmtime(path)))
    date = time.strftime("%B %Y", time.gmtime(epoch))
    name, sect = page.rsplit(".", 1)
    out = ['%% %s %s "%s" "tlsi %s" "tlsi"' % (name.upper(), sect, date, VERSION), ""]
    out += ["# NAME", "", spec["name"], "", "# SYNOPSIS", ""]
    for s in spec["synopsis"]:
        out += [s, ""]
    known = [s[0] for s in secs]
    for want in spec.get("only", []):
        if want not in known:
            sys.exit("man.py: %s: no section `## %s' in %s" % (page, want, spec["doc"]))
    if spec["intro"]:
        out += ["# DESCRIPTION", ""] + intro
    for title, body, subs in secs:
        if "only" in spec and title not in spec["only"]:
            continue
        if spec.get("as_description"):
            # the first section is the DESCRIPTION, the others follow it
            first = title == spec["only"][0]
            out += ["# " + ("DESCRIPTION" if first else title.upper()), ""] + body
            for st, sb in subs:
                out += ["## " + st, ""] + sb
            continue
        if title in spec.get("skip_body", []):
            for st, sb in subs:
                out += ["# " + st.upper(), ""] + sb
            continue
        out += ["# " + title.upper(), ""] + body
        for st, sb in subs:
            out += ["## " + st, ""] + sb
    out += ["# SEE ALSO", "", spec["see_also"], ""]
    return "\n".join(for_man(out))


def main():
    if len(sys.argv) != 3 or sys.argv[1] not in PAGES:
        sys.exit("usage: scripts/man.py %s OUT" % "|".join(PAGES))
    page, dst = sys.argv[1], sys.argv[2]
    root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
    md = page_markdown(page, PAGES[page], root)
    r = subprocess.run(["go-md2man"], input=md.encode(), capture_output=True)
    # (the list separators are HTML comments, which it says it skips)
    err = [l for l in r.stderr.decode().splitlines() if "HTMLBlock" not in l]
    if r.returncode or err:
        sys.exit("man.py: go-md2man: %s" % "\n".join(err))
    tmp = dst + ".tmp"
    with open(tmp, "wb") as f:
        f.write(r.stdout)
    os.replace(tmp, dst)


if __name__ == "__main__":
    main()
