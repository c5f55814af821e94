#!/usr/bin/env python3
"""Check a Tokenmill GPT checkpoint against Hugging Face GPT-2 semantics.

    check_hf_checkpoint.py CHECKPOINT_DIR --ids IDS.json --logits LOGITS.f32 [--tol 1e-4]

IDS.json is a list of token ids; LOGITS.f32 holds Tokenmill's logits for them ([T, V] float32 LE).
With `transformers` installed: `GPT2LMHeadModel.from_pretrained(CHECKPOINT_DIR)` must load the
checkpoint without missing or unexpected weights and give the same logits, and
`AutoTokenizer.from_pretrained(CHECKPOINT_DIR)` must load its tokenizer files with config.json's
bos/eos ids. Without it (torch or
numpy only): a from-scratch GPT-2 forward that reads model.safetensors with HF's names and
Conv1D layout ([in, out]) — checks the names, shapes and transposes, not transformers itself.
Prints one line (max absolute difference, max difference relative to the largest logit, max
elementwise relative difference, argmax agreement) and exits 0 when the largest
|difference| / max |logit| is within --tol. With --require-transformers, exits 2 when
transformers cannot be imported instead of falling back to the numpy forward.
"""
import argparse, json, os, struct, sys
import numpy as np


def read_safetensors(path):
    with open(path, "rb") as f:
        data = f.read()
    n = struct.unpack("<Q", data[:8])[0]
    header = json.loads(data[8:8 + n])
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        assert info["dtype"] == "F32", (name, info["dtype"])
        a, b = info["data_offsets"]
        out[name] = np.frombuffer(data[8 + n + a: 8 + n + b], dtype="<f4").reshape(info["shape"])
    return out


def reference_forward(sd, cfg, ids):
    """GPT-2 forward in numpy (float64) from HF-layout tensors: Conv1D is x @ W + b, W [in, out]."""
    sd = {k.removeprefix("transformer."): v.astype(np.float64) for k, v in sd.items()}
    C, NH, L = cfg["n_embd"], cfg["n_head"], cfg["n_layer"]
    eps = cfg.get("layer_norm_epsilon", 1e-5)
    T = len(ids)

    def ln(x, p):
        m = x.mean(-1, keepdims=True)
        v = ((x - m) ** 2).mean(-1, keepdims=True)
        return (x - m) / np.sqrt(v + eps) * sd[p + ".weight"] + sd[p + ".bias"]

    def gelu(x):
        return 0.5 * x * (1 + np.tanh(np.sqrt(2 / np.pi) * (x + 0.044715 * x ** 3)))

    x = sd["wte.weight"][ids] + sd["wpe.weight"][np.arange(T)]
    mask = np.triu(np.ones((T, T), dtype=bool), 1)
    for l in range(L):
        p = f"h.{l}."
        h = ln(x, p + "ln_1")
        qkv = h @ sd[p + "attn.c_attn.weight"] + sd[p + "attn.c_attn.bias"]
        q, k, v = np.split(qkv, 3, axis=-1)
        hs = C // NH
        q, k, v = (t.reshape(T, NH, hs).transpose(1, 0, 2) for t in (q, k, v))
        att = q @ k.transpose(0, 2, 1) / np.sqrt(hs)
        att[:, mask] = -np.inf
        att = np.exp(att - att.max(-1, keepdims=True))
        att /= att.sum(-1, keepdims=True)
        y = (att @ v).transpose(1, 0, 2).reshape(T, C)
        x = x + y @ sd[p + "attn.c_proj.weight"] + sd[p + "attn.c_proj.bias"]
        h = ln(x, p + "ln_2")
        x = x + gelu(h @ sd[p + "mlp.c_fc.weight"] + sd[p + "mlp.c_fc.bias"]) @ sd[p + "mlp.c_proj.weight"] + sd[p + "mlp.c_proj.bias"]
    return ln(x, "ln_f") @ sd["wte.weight"].T


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("checkpoint")
    ap.add_argument("--ids", required=True)
    ap.add_argument("--logits", required=True)
    ap.add_argument("--tol", type=float, default=1e-4)
    ap.add_argument("--require-transformers", action="store_true")
    a = ap.parse_args()
    ids = json.load(open(a.ids))
    cfg = json.load(open(os.path.join(a.checkpoint, "config.json")))
    assert cfg["model_type"] == "gpt2"
    want = np.fromfile(a.logits, dtype="<f4").reshape(len(ids), cfg["vocab_size"])
    try:
        import torch
        from transformers import GPT2LMHeadModel
        model = GPT2LMHeadModel.from_pretrained(a.checkpoint, output_loading_info=True)
        model, info = model
        bad = {k: v for k, v in info.items() if v and k in ("missing_keys", "unexpected_keys", "mismatched_keys")}
        # attn.bias / masked_bias are causal-mask buffers, not weights.
        for k in ("missing_keys", "unexpected_keys"):
            if k in bad:
                bad[k] = [n for n in bad[k] if not n.endswith(("attn.bias", "attn.masked_bias"))]
                if not bad[k]:
                    del bad[k]
        if bad:
            print(f"transformers: loading info {bad}")
            sys.exit(1)
        model.eval()
        with torch.no_grad():
            got = model(torch.tensor([ids])).logits[0].double().numpy()
        how = "transformers GPT2LMHeadModel.from_pretrained"
        if os.path.exists(os.path.join(a.checkpoint, "tokenizer.json")):
            # The tokenizer files beside it load too, with config.json's end-of-text token.
            from transformers import AutoTokenizer
            tok = AutoTokenizer.from_pretrained(a.checkpoint)
            if tok.eos_token_id != cfg.get("eos_token_id") or tok.bos_token_id != cfg.get("bos_token_id"):
                print(f"transformers AutoTokenizer: bos/eos {tok.bos_token_id}/{tok.eos_token_id}, config.json "
                      f"{cfg.get('bos_token_id')}/{cfg.get('eos_token_id')}")
                sys.exit(1)
            how += f" (AutoTokenizer loads, eos {tok.eos_token_id})"
    except ImportError:
        if a.require_transformers:
            print("transformers is not installed")
            sys.exit(2)
        got = reference_forward(read_safetensors(os.path.join(a.checkpoint, "model.safetensors")), cfg, ids)
        how = "numpy GPT-2 reference on HF names/layout (transformers not installed)"
    diff = np.abs(got - want)
    err = float(diff.max() / max(1e-12, np.abs(got).max()))
    rel = float((diff / np.maximum(np.abs(got), 1e-3)).max())
    same_argmax = int((got.argmax(-1) == want.argmax(-1)).sum())
    print(f"{how}: max |Δlogit| = {diff.max():.2e}, max |Δlogit| / max |logit| = {err:.2e}, "
          f"max elementwise |Δ|/max(|logit|, 1e-3) = {rel:.2e}, max |logit| = {np.abs(got).max():.3f}, "
          f"argmax equal at {same_argmax}/{len(ids)} positions, over {len(ids)}×{cfg['vocab_size']} logits")
    sys.exit(0 if err <= a.tol else 1)


if __name__ == "__main__":
    main()
