#!/usr/bin/env python3
"""Writes quants.gguf, the fixture of the GGUF reader and dequantisation tests.

Run from this directory:  python3 make_gguf_fixtures.py   (needs numpy and the PyPI `gguf` package)

The file holds
  - metadata of every GGUF value type, including an array of strings and a nested array;
  - `source`: a 2 x 256 float32 matrix (numpy dims (2, 256): 2 rows of 256 columns);
  - for every type T in TYPES: `T.data`, one row of 256 values in T's block format, and
    `T.ref`, the float32 values that `gguf.quants.dequantize` gives for it.
Types that gguf can quantise are quantised from the first row of `source` (so the Swift
quantisers can be compared byte for byte with `T.data`); the K-quants, which gguf only
dequantises, get random block bytes with finite half-precision scales.
The data section uses a 64-byte alignment to exercise `general.alignment`.
"""
import numpy as np
import gguf
from gguf import GGMLQuantizationType as T

TYPES = [T.F32, T.F16, T.BF16, T.Q8_0, T.Q4_0, T.Q4_1, T.Q5_0, T.Q5_1, T.Q4_K, T.Q5_K, T.Q6_K]
rng = np.random.default_rng(20240607)


def half_bytes(values):
    return np.asarray(values, dtype=np.float16).view(np.uint8)


def random_k_block(qtype):
    """One 256-value super-block of random bits whose half-precision scales are finite."""
    if qtype in (T.Q4_K, T.Q5_K):
        size = 144 if qtype == T.Q4_K else 176
        block = rng.integers(0, 256, size=size, dtype=np.uint8)
        block[0:2] = half_bytes([rng.uniform(0.001, 0.05)])
        block[2:4] = half_bytes([rng.uniform(0.001, 0.05)])
        return block
    block = rng.integers(0, 256, size=210, dtype=np.uint8)  # Q6_K: d is the last 2 bytes
    block[208:210] = half_bytes([rng.uniform(0.001, 0.05)])
    return block


def main():
    source = (rng.standard_normal((2, 256)) * 0.7).astype(np.float32)
    source[0, 5] = 0.0
    source[0, 40:72] = 0.25  # a constant block: zero range
    writer = gguf.GGUFWriter("quants.gguf", arch="fixture")
    writer.add_custom_alignment(64)
    writer.add_uint8("test.u8", 200)
    writer.add_int8("test.i8", -100)
    writer.add_uint16("test.u16", 60000)
    writer.add_int16("test.i16", -30000)
    writer.add_uint32("test.u32", 4_000_000_000)
    writer.add_int32("test.i32", -2_000_000_000)
    writer.add_float32("test.f32", 0.15625)
    writer.add_bool("test.bool", True)
    writer.add_string("test.string", "héllo, GGUF")
    writer.add_uint64("test.u64", 18_000_000_000_000_000_000)
    writer.add_int64("test.i64", -9_000_000_000_000_000_000)
    writer.add_float64("test.f64", -2.5e-300)
    writer.add_array("test.strings", ["a", "", "ünïcode"])
    writer.add_array("test.ints", [1, -2, 3])
    writer.add_key_value("test.nested", [[1, 2], [3]], gguf.GGUFValueType.ARRAY)
    writer.add_tensor("source", source)
    for qtype in TYPES:
        if qtype in (T.Q4_K, T.Q5_K, T.Q6_K):
            data = random_k_block(qtype).reshape(1, -1)
        else:
            data = gguf.quants.quantize(source[:1], qtype)
        ref = gguf.quants.dequantize(data, qtype).astype(np.float32).reshape(1, 256)
        raw = np.ascontiguousarray(data).view(np.uint8).reshape(1, -1)
        writer.add_tensor(f"{qtype.name}.data", raw, raw_dtype=qtype)
        writer.add_tensor(f"{qtype.name}.ref", ref)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()


if __name__ == "__main__":
    main()
