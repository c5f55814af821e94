#!/usr/bin/env python3
"""Writes the Parquet fixtures of Fixtures/formats/parquet/ with pyarrow, the reference writer.

Records: the paragraphs (runs of lines separated by blank lines) of the UTF-8 text files of
Fixtures/corpus, at most 8 per file of at most 2000 characters, in sorted path order, each with an `id` ("<file>:<n>") and
a `url` column; then one whole file (11 KB) as a single value larger than the data page size of
the files that set one; one exact duplicate of an earlier record (deduplication);
and one row whose text is null. The same records are written as records.jsonl (the null row with
"text": null), so that `tokenmill shard` can be compared across the two formats.

Each .parquet file exercises one writer setting (see FILES); all hold the same rows, except
text-only.parquet (no extra columns). Bad files for the error tests (unsupported codec, nested
column, unsupported encoding) are small and listed in BAD.

Run:  python3 -m venv /work/venvs/parquet && /work/venvs/parquet/bin/pip install pyarrow
      /work/venvs/parquet/bin/python scripts/make_parquet_fixtures.py [OUT_DIR]
`--large N_MB OUT.parquet` instead writes a benchmark file of about N_MB of text from
../shared/corpora (the records repeated), zstd, row groups of about 64 MiB of text, with its JSONL twin
(needs `pip install zstandard` for the .zst sources).
"""
import json
import os
import sys

import pyarrow as pa
import pyarrow.parquet as pq

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CORPUS = os.path.join(ROOT, "Fixtures", "corpus")
LARGE_SOURCE = "articles/python-tutorial/stdlib.rst.txt"


def paragraphs(text):
    block = []
    for line in text.split("\n"):
        if line.strip() == "":
            if block:
                yield "\n".join(block)
                block = []
        else:
            block.append(line)
    if block:
        yield "\n".join(block)


def records():
    rows = []
    for dirpath, dirnames, filenames in os.walk(CORPUS):
        dirnames.sort()
        for name in sorted(filenames):
            if not name.endswith(".txt"):
                continue
            path = os.path.join(dirpath, name)
            rel = os.path.relpath(path, CORPUS)
            try:
                text = open(path, "rb").read().decode("utf-8")
            except UnicodeDecodeError:
                continue  # pyarrow strings must be valid UTF-8
            kept = 0
            for n, para in enumerate(paragraphs(text)):
                if kept == 8:
                    break
                if len(para) > 2000:
                    continue  # keeps the fixtures small; the one large value is added below
                kept += 1
                rows.append({"id": f"{rel}:{n}", "url": f"file:Fixtures/corpus/{rel}", "text": para})
    rows.sort(key=lambda r: r["id"])
    large = open(os.path.join(CORPUS, LARGE_SOURCE), "rb").read().decode("utf-8")
    rows.append({"id": f"{LARGE_SOURCE}:whole", "url": f"file:Fixtures/corpus/{LARGE_SOURCE}", "text": large})
    rows.insert(40, dict(rows[3], id=rows[3]["id"] + ":duplicate"))
    rows.insert(10, {"id": "null-text", "url": None, "text": None})
    return rows


def table(rows, columns=("id", "url", "text")):
    return pa.table({c: pa.array([r[c] for r in rows], type=pa.string()) for c in columns})


# name: pyarrow.parquet.write_table keyword arguments
FILES = {
    "none-plain-v1.parquet": dict(compression="none", use_dictionary=False, data_page_version="1.0",
                                  row_group_size=100, write_page_checksum=True),
    "snappy-dictionary-v1.parquet": dict(compression="snappy", use_dictionary=True, data_page_version="1.0",
                                         row_group_size=150),
    "zstd-dictionary-v2.parquet": dict(compression="zstd", use_dictionary=True, data_page_version="2.0",
                                       row_group_size=120, data_page_size=8192),
    "gzip-plain-v2.parquet": dict(compression="gzip", use_dictionary=False, data_page_version="2.0",
                                  row_group_size=200, data_page_size=4096, write_page_checksum=True),
    # A small dictionary limit makes the writer fall back to PLAIN pages after the first
    # dictionary-encoded ones, inside one column chunk.
    "snappy-dictionary-fallback-v1.parquet": dict(compression="snappy", use_dictionary=True, data_page_version="1.0",
                                                  dictionary_pagesize_limit=16384, data_page_size=4096),
}

BAD = {
    "brotli.parquet": dict(compression="brotli"),
    "delta-length.parquet": dict(compression="none", use_dictionary=False,
                                 column_encoding={"text": "DELTA_LENGTH_BYTE_ARRAY"}),
}


def main(out):
    os.makedirs(out, exist_ok=True)
    rows = records()
    with open(os.path.join(out, "records.jsonl"), "w", encoding="utf-8") as f:
        for r in rows:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    full = table(rows)
    for name, kwargs in FILES.items():
        pq.write_table(full, os.path.join(out, name), **kwargs)
    pq.write_table(table(rows, ("text",)), os.path.join(out, "text-only.parquet"), compression="snappy")
    few = table(rows[:5])
    for name, kwargs in BAD.items():
        pq.write_table(few, os.path.join(out, name), **kwargs)
    nested = pa.table({"text": pa.array([[r["text"]] for r in rows[:5]], type=pa.list_(pa.string()))})
    pq.write_table(nested, os.path.join(out, "nested.parquet"))
    repeated_dictionary(out)


def repeated_dictionary(out):
    """zstd-repeated-dictionary.parquet: 100 rows of one dictionary-encoded data page whose
    values gather to more than the reader's 64 MiB bound per batch (ParquetColumnReader
    .gatherLimit): row i is LARGE_SOURCE repeated 80 times (907,200 bytes), except every row
    i % 10 == 3, which is "A short row.", and row 50, which is null. 89 large rows: 80.7 MB."""
    large_text = open(os.path.join(CORPUS, LARGE_SOURCE), encoding="utf-8").read() * 80
    texts = [None if i == 50 else "A short row." if i % 10 == 3 else large_text for i in range(100)]
    pq.write_table(pa.table({"text": pa.array(texts, type=pa.string())}), os.path.join(out, "zstd-repeated-dictionary.parquet"),
                   compression="zstd", use_dictionary=True, dictionary_pagesize_limit=4 << 20)


def large(megabytes, path):
    """About `megabytes` MB of text: the records of ../shared/corpora's text files, repeated."""
    shared = os.path.join(ROOT, "..", "shared", "corpora")
    texts = []
    for dirpath, dirnames, filenames in os.walk(shared):
        dirnames.sort()
        for name in sorted(filenames):
            p = os.path.join(dirpath, name)
            data = open(p, "rb").read()
            if name.endswith(".zst"):
                import zstandard as zstd
                data = zstd.ZstdDecompressor().decompressobj().decompress(data)
                name = name[:-4]
            if not name.endswith(".txt"):
                continue
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError:
                continue
            rel = os.path.relpath(p, shared)
            texts += [(f"{rel}:{n}", para) for n, para in enumerate(paragraphs(text)) if len(para) > 200]
    target = megabytes * 1_000_000
    writer = None
    jsonl = open(path[:-len(".parquet")] + ".jsonl", "w", encoding="utf-8")
    total, copy = 0, 0
    while total < target:
        ids = [f"{i}#{copy}" for i, _ in texts]
        # Each copy gets its copy number appended, so deduplication keeps every record.
        body = [f"{t}\n[{copy}]" for _, t in texts]
        batch = pa.table({"id": pa.array(ids, type=pa.string()), "text": pa.array(body, type=pa.string())})
        if writer is None:
            writer = pq.ParquetWriter(path, batch.schema, compression="zstd")
        # Row groups of about 64 MiB of text, the order of what Hugging Face datasets use.
        average = max(1, sum(len(t.encode()) for t in body) // len(body))
        writer.write_table(batch, row_group_size=max(1, (64 << 20) // average))
        for i, t in zip(ids, body):
            jsonl.write(json.dumps({"id": i, "text": t}, ensure_ascii=False) + "\n")
        total += sum(len(t.encode()) for t in body)
        copy += 1
    writer.close()
    jsonl.close()
    print(f"{path}: {copy} copies, {total} text bytes, {os.path.getsize(path)} bytes on disk")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--large":
        large(int(sys.argv[2]), sys.argv[3])
    else:
        main(sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "Fixtures", "formats", "parquet"))
