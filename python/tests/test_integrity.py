"""The Python readers check what the Swift readers check (docs/shard-format.md, "A reader checks" and
"What readers check against the manifest"), with the same messages: each damage below is made to a
real shard set and the Python error is compared with the built `tokenmill`'s, word for word."""
import json
import os
import shutil
import struct
import zlib

import pytest

from conftest import FIXTURES, cat_ids, tokenmill
from tokenmill_shards import Loader, Shard, ShardError, ShardSet, VerifyError, tokenizer_fingerprint
from tokenmill_shards.shards import FOOTER_SIZE, HEADER_SIZE


@pytest.fixture(scope="module")
def small_set(tmp_path_factory):
    """One small shard (blocks of 96 tokens, ~20 documents): its header, index and footer are a few
    hundred bytes, so every one of them can be damaged in turn (one loader-bench run each)."""
    base = tmp_path_factory.mktemp("small")
    text = open(os.path.join(FIXTURES, "corpus", "books", "jargon-file.excerpt.txt"), "rb").read()[:1500]
    (base / "small.txt").write_bytes(text)
    tokenmill("shard", base / "small.txt", "-o", base / "set", "--split", "blank-lines", "--block-tokens", 96, "--threads", 1)
    return str(base / "set")


def swift_error(*args):
    """The error `tokenmill ARGS` stops with (its stderr without ArgumentParser's "Error: ")."""
    r = tokenmill(*args, check=False)
    assert r.returncode == 1, f"tokenmill {args} exited {r.returncode}: {r.stderr}"
    assert r.stderr.startswith("Error: "), r.stderr
    return r.stderr[len("Error: "):].rstrip("\n")


def loader_bench_error(directory):
    return swift_error("loader-bench", directory, "--batch", 1, "--context", 16, "--batches", 2, "--prefetch", 0)


def python_loader_error(directory):
    with pytest.raises(ShardError) as e:
        loader = Loader(directory, batch=1, context=16, seed=0)
        loader.next_batch()
        loader.next_batch()
    return str(e.value)


def le32(v):
    return struct.pack("<I", v)


def edit_manifest(directory, change):
    path = os.path.join(directory, "manifest.json")
    m = json.load(open(path))
    change(m)
    with open(path, "w") as f:
        json.dump(m, f, indent=2)


def test_every_header_index_and_footer_byte_is_checked_with_the_swift_readers_message(small_set, tmp_path):
    damaged = tmp_path / "set"
    shutil.copytree(small_set, damaged)
    path = damaged / "train-000000.tms"
    original = path.read_bytes()
    shard = Shard(str(path))
    assert shard.version == 2 and len(shard.blocks) >= 4 and shard.document_count >= 10
    index, documents = shard.index_offset, shard.document_index_offset
    shard.close()
    # Every byte of header, block table and footer; of the document index, the lowest and the
    # highest byte of each entry (one loader-bench run per byte: ~60 ms; the Swift FaultTests
    # flip every byte in process).
    starts = [o for o in range(documents, len(original) - FOOTER_SIZE) if (o - documents) % 8 in (0, 7)]
    offsets = list(range(HEADER_SIZE)) + list(range(index, documents)) + starts + list(range(len(original) - FOOTER_SIZE, len(original)))
    messages = set()
    for k, offset in enumerate(offsets):
        data = bytearray(original)
        data[offset] ^= (0x01, 0x80, 0xFF)[k % 3]
        path.write_bytes(bytes(data))
        expected = loader_bench_error(str(damaged))
        with pytest.raises(ShardError) as e:
            Shard(str(path))
        assert str(e.value) == expected, f"byte {offset}"
        assert expected.startswith("train-000000.tms: ") and e.value.shard == "train-000000.tms"
        messages.add(expected.split(" (")[0].split(" =")[0])
    path.write_bytes(original)
    Loader(str(damaged), batch=1, context=16, seed=0).next_batch()      # the undamaged shard reads
    # Header, footer and index damage each have their own words.
    assert {"train-000000.tms: header checksum mismatch", "train-000000.tms: footer checksum mismatch",
            "train-000000.tms: index checksum mismatch", "train-000000.tms: header field version",
            "train-000000.tms: not a Tokenmill shard", "train-000000.tms: no shard footer at the end of the file"} <= messages, messages


def make_version_1(path):
    """A version 1 shard is a version 2 one with version 1 in the header (header CRC updated) and 0
    in the footer's CRC field: the only difference between the two versions."""
    data = bytearray(open(path, "rb").read())
    footer = len(data) - FOOTER_SIZE
    data[8:12] = le32(1)
    data[footer + 40:footer + 44] = le32(zlib.crc32(bytes(data[:HEADER_SIZE])))
    data[footer + 44:footer + 48] = le32(0)
    open(path, "wb").write(bytes(data))
    return data


def test_version_1_shards_read_the_same_and_their_footer_is_checked_like_swift(small_set, tmp_path):
    v1 = tmp_path / "v1"
    shutil.copytree(small_set, v1)
    path = v1 / "train-000000.tms"
    data = make_version_1(path)
    assert Shard(str(path)).version == 1 and Shard(os.path.join(small_set, "train-000000.tms")).version == 2
    reference = cat_ids(small_set)
    assert cat_ids(str(v1)) == reference
    assert [d.tolist() for d in ShardSet(str(v1)).documents()] == reference
    footer = len(data) - FOOTER_SIZE
    for offset in range(footer, len(data)):
        damaged = bytearray(data)
        damaged[offset] ^= 0x01
        path.write_bytes(bytes(damaged))
        expected = loader_bench_error(str(v1))
        assert python_loader_error(str(v1)) == expected, f"footer byte {offset - footer}"
    path.write_bytes(bytes(data[:footer + 44]) + le32(7) + bytes(data[footer + 48:]))
    assert "footer field reserved = 7, expected 0 in a version 1 shard" in python_loader_error(str(v1))


def test_a_changed_block_tokens_field_is_the_same_error_never_wrong_ids(small_set, tmp_path):
    damaged = tmp_path / "set"
    shutil.copytree(small_set, damaged)
    path = damaged / "train-000000.tms"
    original = path.read_bytes()
    footer = len(original) - FOOTER_SIZE
    for value in (0, 1, 95, 97, 512, 65536, 0xFFFFFFFF):
        data = bytearray(original)
        data[footer + 32:footer + 36] = le32(value)
        # With the footer CRC recomputed too, the field's own consistency checks must catch it.
        fixed = bytearray(data)
        fixed[footer + 44:footer + 48] = le32(zlib.crc32(bytes(fixed[footer:footer + 44])))
        for variant in (data, fixed):
            path.write_bytes(bytes(variant))
            # `cat` (1 s: it loads the tokenizer) once; loader-bench opens the shards the same way.
            expected = swift_error("cat", damaged, "--ids") if value == 0 else loader_bench_error(str(damaged))
            with pytest.raises(ShardError) as e:
                list(ShardSet(str(damaged)).documents())
            assert str(e.value) == expected, f"block_tokens {value}"
            assert "footer" in expected or variant is fixed
            assert python_loader_error(str(damaged)) == expected


def test_an_id_outside_the_vocabulary_is_refused_like_swift(small_set, tmp_path):
    # The header says a vocabulary of 1000 ids (its CRCs and the manifest updated to match): the
    # ids of the blocks are then out of range, which the reader must refuse, not return.
    damaged = tmp_path / "set"
    shutil.copytree(small_set, damaged)
    path = damaged / "train-000000.tms"
    data = bytearray(path.read_bytes())
    footer = len(data) - FOOTER_SIZE
    data[16:20] = le32(1000)
    data[footer + 40:footer + 44] = le32(zlib.crc32(bytes(data[:HEADER_SIZE])))
    data[footer + 44:footer + 48] = le32(zlib.crc32(bytes(data[footer:footer + 44])))
    path.write_bytes(bytes(data))
    edit_manifest(str(damaged), lambda m: m["tokenizer"].__setitem__("vocabulary_size", 1000))
    expected = swift_error("cat", damaged, "--ids")
    assert "outside the vocabulary of 1000 ids (header field vocabulary_size)" in expected
    with pytest.raises(ShardError) as e:
        list(ShardSet(str(damaged)).documents())
    assert str(e.value) == expected and e.value.block == 0
    swift = tokenmill("verify", damaged, check=False)
    with pytest.raises(VerifyError) as v:
        ShardSet(str(damaged)).verify()
    assert str(v.value) + "\n" == swift.stderr


def _set_file(index, file):
    def change(m):
        m["shards"][index]["file"] = file
    return change


@pytest.mark.parametrize("change, field", [
    (_set_file(0, "../other/train-000000.tms"), 'shards[0].file = "../other/train-000000.tms"'),
    (_set_file(0, "/etc/passwd"), 'shards[0].file = "/etc/passwd"'),
    (_set_file(0, "a//b.tms"), 'shards[0].file = "a//b.tms"'),
    (_set_file(0, "./train-000000.tms"), 'shards[0].file = "./train-000000.tms"'),
    (lambda m: m["tokenizer"].__setitem__("file", "../tokenizer.json"), 'tokenizer.file = "../tokenizer.json"'),
])
def test_manifest_paths_leaving_the_directory_are_refused_like_swift(small_set, tmp_path, change, field):
    damaged = tmp_path / "set"
    shutil.copytree(small_set, damaged)
    edit_manifest(str(damaged), change)
    expected = swift_error("verify", damaged)
    assert f"manifest.json: {field} leaves the shard directory" in expected
    assert loader_bench_error(str(damaged)) == expected
    with pytest.raises(ShardError) as e:
        ShardSet(str(damaged))
    assert str(e.value) == expected
    assert python_loader_error(str(damaged)) == expected


@pytest.mark.parametrize("damage", ["changed", "missing"])
def test_a_changed_or_missing_tokenizer_copy_is_refused_like_swift(small_set, tmp_path, damage):
    damaged = tmp_path / "set"
    shutil.copytree(small_set, damaged)
    copy = damaged / "tokenizer.json"
    if damage == "changed":
        data = bytearray(copy.read_bytes())
        data[len(data) // 2] ^= 0x20
        copy.write_bytes(bytes(data))
    else:
        copy.unlink()
    expected = swift_error("cat", damaged, "--ids")
    assert expected.startswith(f"{damaged}/tokenizer.json")
    with pytest.raises(ShardError) as e:
        ShardSet(str(damaged)).doc(0)
    assert str(e.value) == expected
    assert python_loader_error(str(damaged)) == loader_bench_error(str(damaged)) == expected


def test_the_fingerprint_is_the_sha256_of_the_canonical_tokenizer_json(small_set, tmp_path):
    # `tokenmill convert -o x.json` writes Tokenizer.huggingFaceJSON(): the bytes Swift's
    # ShardFingerprint hashes. The set's copy is those bytes, its header and manifest carry their hash.
    tokenmill("convert", "--tokenizer", "gpt2", "-o", tmp_path / "gpt2.json")
    canonical = (tmp_path / "gpt2.json").read_bytes()
    fingerprint = tokenizer_fingerprint(canonical)
    s = ShardSet(small_set)
    assert s.fingerprint == fingerprint
    assert open(os.path.join(small_set, "tokenizer.json"), "rb").read() == canonical
    assert [sh.fingerprint for sh in s.shards] == [fingerprint] * len(s.shards)
    assert json.loads(tokenmill("inspect", small_set, "--json").stdout)["fingerprint"] == fingerprint


def _flip_block(d, first):
    p = d / first
    b = bytearray(p.read_bytes())
    b[HEADER_SIZE + 100] ^= 0x40
    p.write_bytes(bytes(b))


def _truncate(d, first):
    p = d / first
    p.write_bytes(p.read_bytes()[:-30])


def _footer_field(d, first):
    p = d / first
    b = bytearray(p.read_bytes())
    b[len(b) - FOOTER_SIZE + 32:len(b) - FOOTER_SIZE + 36] = le32(511)
    p.write_bytes(bytes(b))


def _tokenizer_changed(d, first):
    p = d / "tokenizer.json"
    p.write_bytes(p.read_bytes().replace(b'"<|endoftext|>"', b'"<|endoftexx|>"', 1))


def _manifest(change):
    return lambda d, first: edit_manifest(str(d), change)


def _unlisted(d, first):
    os.makedirs(d / "old")
    shutil.copy(d / first, d / "old" / "train-000009.tms")


def _replaced(d, first):
    files = sorted(f for f in os.listdir(d) if f.startswith("train-"))
    shutil.copy(d / files[0], d / files[1])


def _missing(d, first):
    os.unlink(d / first)


def _directory(d, first):
    os.unlink(d / first)
    os.makedirs(d / first)


def _drop_second(m):
    del m["shards"][1]


def _duplicate_first(m):
    m["shards"].append(dict(m["shards"][0]))


def _totals(m):
    m["tokens"] += 1
    m["splits"]["train"]["documents"] -= 2
    m["bytes_out"] += 5


@pytest.mark.parametrize("damage", [_flip_block, _truncate, _footer_field, _tokenizer_changed, _manifest(_drop_second),
                                    _manifest(_duplicate_first), _manifest(_totals), _unlisted, _replaced, _missing, _directory],
                         ids=["block", "truncated", "footer-field", "tokenizer-copy", "entry-removed", "entry-duplicated", "totals",
                              "unlisted-file", "replaced-shard", "missing-shard", "directory-for-shard"])
def test_verify_prints_what_tokenmill_verify_prints_for_each_kind_of_damage(main_set, tmp_path, damage):
    damaged = tmp_path / "damaged"
    shutil.copytree(main_set, damaged)
    first = json.load(open(damaged / "manifest.json"))["shards"][0]["file"]
    damage(damaged, first)
    swift = tokenmill("verify", damaged, check=False)
    assert swift.returncode == 1 and "problem" in swift.stderr
    with pytest.raises(VerifyError) as e:
        ShardSet(str(damaged)).verify()
    assert str(e.value) + "\n" == swift.stderr
    assert e.value.ok == swift.stdout.splitlines()
    assert len(e.value.errors) == swift.stderr.count("\nerror: ") + swift.stderr.startswith("error: ")


def test_read_shards_script_prints_what_tokenmill_prints(main_set, tmp_path):
    import subprocess
    import sys
    from conftest import ROOT
    script = os.path.join(ROOT, "scripts", "read_shards.py")

    def run(*args):
        return subprocess.run([sys.executable, script, *map(str, args)], capture_output=True, text=True)
    assert run(main_set).stdout == tokenmill("cat", main_set, "--ids").stdout
    assert run(main_set, "--verify").stdout == tokenmill("verify", main_set).stdout
    damaged = tmp_path / "damaged"
    shutil.copytree(main_set, damaged)
    _flip_block(damaged, json.load(open(damaged / "manifest.json"))["shards"][1]["file"])
    mine, swift = run(damaged, "--verify"), tokenmill("verify", damaged, check=False)
    assert (mine.returncode, mine.stdout, mine.stderr) == (1, swift.stdout, swift.stderr)
