#!/usr/bin/env python3
"""Make the Wikipedia XML dump fixtures and their reference page lists.

Real dumps, not hand-written: gensim's wheel on PyPI ships shortened English Wikipedia dumps
as test data. This script takes them from the wheel (downloading it with pip when no wheel is
given), cuts the large one to a prefix of whole pages so that it stays under ~1 MB, and writes
the reference that the Swift tests compare against.

    python3 scripts/make_wiki_fixture.py [path/to/gensim-4.4.0-*.whl]

Writes, under Fixtures/formats/wikipedia/:
  enwiki-pages-articles1-prefix.xml.bz2   the <siteinfo> and the first PAGES <page> elements of
                                          gensim/test/test_data/enwiki-latest-pages-articles1.xml-
                                          p000000010p000030302-shortened.bz2, plus the later pages
                                          outside namespace 0 (one, "Wikipedia:Adding Wikipedia
                                          articles to Nupedia", ns 4, so that the namespace filter
                                          is exercised), byte for byte, closed with </mediawiki>,
                                          bzip2-compressed (level 9)
  enwiki-table-markup.xml.bz2             gensim/test/test_data/enwiki-table-markup.xml.bz2,
                                          copied unchanged (articles with tables)
  *.reference.json                        for each: {"pages": all <page> elements,
                                          "other_namespaces": pages whose <ns> is not 0,
                                          "redirects": namespace-0 pages with <redirect>,
                                          "articles": [[id, title], ...]} where
                                          the articles are the pages in namespace 0 that are not
                                          redirects, in file order, read with the standard
                                          library's xml.etree.ElementTree.iterparse.
Only the standard library is needed (pip for the download).
"""
import bz2, glob, hashlib, io, json, os, subprocess, sys, tempfile, zipfile
import xml.etree.ElementTree as ET

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "Fixtures", "formats", "wikipedia")
GENSIM = "gensim==4.4.0"
DATA = "gensim/test/test_data/"
BIG = "enwiki-latest-pages-articles1.xml-p000000010p000030302-shortened.bz2"
TABLES = "enwiki-table-markup.xml.bz2"
PAGES = 120  # whole pages kept from the big dump: ~0.8 MB compressed


def wheel_path(argv):
    if len(argv) > 1:
        return argv[1]
    tmp = tempfile.mkdtemp(prefix="gensim-wheel-")
    subprocess.run([sys.executable, "-m", "pip", "download", GENSIM, "--no-deps", "-d", tmp], check=True)
    return glob.glob(os.path.join(tmp, "gensim-*.whl"))[0]


def prefix_of_pages(xml: bytes, count: int) -> bytes:
    """The dump's header and its first `count` pages, then every later page outside namespace 0,
    each copied byte for byte with its indentation, closed as a well-formed document."""
    end = 0
    for _ in range(count):
        end = xml.index(b"</page>", end) + len(b"</page>")
    kept = [xml[:end]]
    while (start := xml.find(b"<page>", end)) >= 0:
        close = xml.index(b"</page>", start) + len(b"</page>")
        page = xml[start:close]
        if b"<ns>0</ns>" not in page:
            kept.append(b"\n  " + page)
        end = close
    return b"".join(kept) + b"\n</mediawiki>\n"


def reference(xml: bytes) -> dict:
    pages = redirects = other = 0
    articles = []
    for _, element in ET.iterparse(io.BytesIO(xml), events=("end",)):
        tag = element.tag.rsplit("}", 1)[-1]
        if tag != "page":
            continue
        pages += 1
        ns = title = page_id = None
        redirect = False
        for child in element:
            name = child.tag.rsplit("}", 1)[-1]
            if name == "ns": ns = child.text
            elif name == "title": title = child.text
            elif name == "id": page_id = int(child.text)
            elif name == "redirect": redirect = True
        if ns != "0":
            other += 1
        elif redirect:
            redirects += 1
        else:
            articles.append([page_id, title])
        element.clear()
    return {"pages": pages, "redirects": redirects, "other_namespaces": other, "articles": articles}


def main():
    wheel = wheel_path(sys.argv)
    os.makedirs(OUT, exist_ok=True)
    with zipfile.ZipFile(wheel) as z:
        big = z.read(DATA + BIG)
        tables = z.read(DATA + TABLES)
    outputs = {
        "enwiki-pages-articles1-prefix.xml.bz2": bz2.compress(prefix_of_pages(bz2.decompress(big), PAGES), 9),
        TABLES: tables,
    }
    for name, data in outputs.items():
        with open(os.path.join(OUT, name), "wb") as f:
            f.write(data)
        ref = reference(bz2.decompress(data))
        with open(os.path.join(OUT, name.replace(".xml.bz2", ".reference.json")), "w", encoding="utf-8") as f:
            json.dump(ref, f, ensure_ascii=False, indent=0)
            f.write("\n")
        print(f"{name}: {len(data)} bytes, sha256 {hashlib.sha256(data).hexdigest()}, "
              f"{ref['pages']} pages, {len(ref['articles'])} articles, {ref['redirects']} redirects")
    print(f"source {os.path.basename(wheel)}: {BIG} sha256 {hashlib.sha256(big).hexdigest()}")


if __name__ == "__main__":
    main()
