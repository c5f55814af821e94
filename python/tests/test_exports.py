"""`tokenmill export` writes what Megatron-LM, llm.c and nanoGPT read; `tokenmill import` brings
those files back as shards with the same documents."""
import importlib.util
import os
import struct

import numpy as np
import pytest

from conftest import cat_ids, tokenmill
from tokenmill_shards import ShardSet

MEGATRON_DTYPES = {1: np.uint8, 2: np.int8, 3: np.int16, 4: np.int32, 5: np.int64, 6: np.float64, 7: np.float32, 8: np.uint16}


def megatron_read(prefix):
    """The reader logic of megatron.core.datasets.indexed_dataset (`_IndexReader` + `IndexedDataset.get`),
    written from the format: header `MMIDIDX\\0\\0`, <Q version, <B dtype code, <Q sequence count, <Q
    document count; int32 lengths, int64 pointers, int64 document indices. Returns the sequences
    and the document indices."""
    with open(prefix + ".idx", "rb") as f:
        idx = f.read()
    assert idx[:9] == b"MMIDIDX\x00\x00"
    (version,) = struct.unpack_from("<Q", idx, 9)
    assert version == 1
    (code,) = struct.unpack_from("<B", idx, 17)
    dtype = MEGATRON_DTYPES[code]
    sequence_count, document_count = struct.unpack_from("<QQ", idx, 18)
    offset = 34
    lengths = np.frombuffer(idx, dtype=np.int32, count=sequence_count, offset=offset)
    offset += lengths.nbytes
    pointers = np.frombuffer(idx, dtype=np.int64, count=sequence_count, offset=offset)
    offset += pointers.nbytes
    documents = np.frombuffer(idx, dtype=np.int64, count=document_count, offset=offset)
    assert offset + documents.nbytes == len(idx)
    binary = np.memmap(prefix + ".bin", mode="r", order="C")
    sequences = [np.frombuffer(binary, dtype=dtype, count=int(n), offset=int(p)) for n, p in zip(lengths, pointers)]
    return sequences, documents


def split_docs(directory, split):
    s = ShardSet(directory, split=split)
    return [s.doc(i).tolist() for i in range(len(s))], s


@pytest.fixture(scope="module")
def exports(main_set, tmp_path_factory):
    out = {}
    for fmt in ("megatron", "llmc", "nanogpt"):
        d = tmp_path_factory.mktemp(fmt)
        tokenmill("export", main_set, "--format", fmt, "-o", d, *(["--file-tokens", 200_000] if fmt == "llmc" else []))
        out[fmt] = str(d)
    return out


def test_megatron_export_reads_back_as_the_documents_of_cat(main_set, exports):
    for split in ("train", "val"):
        docs, s = split_docs(main_set, split)
        sequences, documents = megatron_read(os.path.join(exports["megatron"], split))
        assert documents.tolist() == list(range(len(docs) + 1))
        assert all(seq[-1] == s.end_of_text for seq in sequences)          # preprocess_data.py --append-eod
        assert [seq[:-1].tolist() for seq in sequences] == docs
    assert [d for split in ("train", "val") for d in split_docs(main_set, split)[0]] == cat_ids(main_set)


@pytest.mark.skipif(importlib.util.find_spec("megatron") is None, reason="megatron-core is not installed (it pulls torch); the test above reads the files with its reader logic")
def test_megatron_core_reads_the_export(main_set, exports):
    from megatron.core.datasets.indexed_dataset import IndexedDataset
    ds = IndexedDataset(os.path.join(exports["megatron"], "train"))
    docs, _ = split_docs(main_set, "train")
    assert [ds[i][:-1].tolist() for i in range(len(ds))] == docs


def test_llmc_export_passes_llmc_header_checks_and_is_the_shard_stream(main_set, exports):
    for split in ("train", "val"):
        files = sorted(f for f in os.listdir(exports["llmc"]) if f.startswith(split + "_"))
        assert len(files) >= (2 if split == "train" else 1)
        stream = []
        for f in files:
            path = os.path.join(exports["llmc"], f)
            header = np.fromfile(path, dtype=np.int32, count=256)
            # llm.c's dataloader.h: magic, version, and the token count against the file size.
            assert header[0] == 20240520 and header[1] == 1
            assert os.path.getsize(path) == 256 * 4 + int(header[2]) * 2
            tokens = np.fromfile(path, dtype=np.uint16, offset=1024)
            assert tokens[0] == ShardSet(main_set).end_of_text                    # files start at a document
            stream.append(tokens)
        s = ShardSet(main_set, split=split)
        assert np.array_equal(np.concatenate(stream), s.tokens(0, s.token_count))


def test_nanogpt_export_is_what_prepare_py_writes(main_set, exports):
    for split in ("train", "val"):
        docs, s = split_docs(main_set, split)
        # nanoGPT's prepare.py: ids = enc.encode_ordinary(text); ids.append(enc.eot_token); all concatenated as uint16.
        prepared = np.array([t for d in docs for t in d + [s.end_of_text]], dtype=np.uint16)
        with open(os.path.join(exports["nanogpt"], f"{split}.bin"), "rb") as f:
            assert f.read() == prepared.tobytes()


@pytest.mark.parametrize("fmt", ["megatron", "llmc", "nanogpt"])
def test_import_of_each_export_gives_the_same_documents(main_set, exports, fmt, tmp_path):
    d = exports[fmt]
    if fmt == "megatron":
        train, val = [os.path.join(d, "train")], [os.path.join(d, "val")]
    elif fmt == "llmc":
        train = sorted(os.path.join(d, f) for f in os.listdir(d) if f.startswith("train_"))
        val = sorted(os.path.join(d, f) for f in os.listdir(d) if f.startswith("val_"))
    else:
        train, val = [os.path.join(d, "train.bin")], [os.path.join(d, "val.bin")]
    out = tmp_path / "imported"
    args = ["import", "--format", fmt, *train, *[x for v in val for x in ("--val", v)], "-o", out, "--shard-tokens", 100_000,
            "--block-tokens", 4096, "--json"]
    r = tokenmill(*args)
    assert '"repairs":{}' in r.stdout.replace(" ", "")
    for split in ("train", "val"):
        assert split_docs(str(out), split)[0] == split_docs(main_set, split)[0]
    assert ShardSet(str(out)).verify()
    assert tokenmill("verify", out).returncode == 0


def test_import_refuses_ids_outside_the_vocabulary(tmp_path):
    path = tmp_path / "bad.bin"
    np.array([50256, 10, 60000, 50256], dtype=np.uint16).tofile(path)
    r = tokenmill("import", "--format", "nanogpt", path, "-o", tmp_path / "out", check=False)
    assert r.returncode != 0 and "bad.bin: token 2" in r.stderr and "60000" in r.stderr


PEERS = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "..", "shared", "bench", "peers.py")


@pytest.mark.skipif(importlib.util.find_spec("tiktoken") is None or not os.path.exists(PEERS),
                    reason="needs tiktoken and ../shared/bench/peers.py (the nanoGPT/llm.c preparation peer)")
def test_exports_equal_the_peer_preparation_of_the_same_files(tmp_path):
    """../shared/bench/peers.py shard: tiktoken encode_ordinary per file, EOT before each document,
    llm.c header — the llmc export of `tokenmill shard` on the same files is the same file, and the
    nanogpt export is its token stream with the EOT moved after each document (prepare.py)."""
    import subprocess
    import sys
    from conftest import FIXTURES
    files = sorted(os.path.join(FIXTURES, "corpus", "books", f) for f in os.listdir(os.path.join(FIXTURES, "corpus", "books")))
    subprocess.run([sys.executable, PEERS, "shard", "--vocab", "gpt2", "--threads", "2", "--out", tmp_path / "peer", *files],
                   check=True, capture_output=True)
    tokenmill("shard", *files, "-o", tmp_path / "tm", "--form", "none", "--keep-controls", "--no-dedup", "--threads", 2)
    tokenmill("export", tmp_path / "tm", "--format", "llmc", "-o", tmp_path / "llmc")
    tokenmill("export", tmp_path / "tm", "--format", "nanogpt", "-o", tmp_path / "nanogpt")
    peer = (tmp_path / "peer" / "shard_000000.bin").read_bytes()
    assert (tmp_path / "llmc" / "train_000000.bin").read_bytes() == peer
    tokens = np.frombuffer(peer, dtype=np.uint16, offset=1024)
    assert (tmp_path / "nanogpt" / "train.bin").read_bytes() == np.append(tokens[1:], tokens[0]).tobytes()
