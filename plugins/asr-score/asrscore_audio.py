"""Audio side of the ASR scorer: a RIFF/WAVE reader (integer PCM and IEEE float,
plain or extensible headers), mono mixing and a windowed-sinc resampler (numpy only)."""

import struct

import numpy as np

TARGET_RATE = 16000


class AudioError(Exception):
    """A file that cannot be read as audio; the message says what is wrong."""


# MARK: - WAV reading

def _parse_fmt(chunk, path):
    if len(chunk) < 16:
        raise AudioError(f"{path}: 'fmt ' chunk is {len(chunk)} bytes, expected at least 16")
    tag, channels, rate, _, block_align, bits = struct.unpack("<HHIIHH", chunk[:16])
    if tag == 0xFFFE:
        if len(chunk) < 40:
            raise AudioError(f"{path}: extensible 'fmt ' chunk is {len(chunk)} bytes, expected 40")
        tag = struct.unpack("<H", chunk[24:26])[0]
    if tag not in (1, 3):
        raise AudioError(f"{path}: WAV format tag {tag} is not PCM (1) or float (3); convert it with "
                         "`sox in.wav -b 16 out.wav`")
    if channels < 1 or rate < 1 or bits not in (8, 16, 24, 32, 64):
        raise AudioError(f"{path}: unsupported WAV header (channels {channels}, rate {rate}, bits {bits})")
    if tag == 3 and bits not in (32, 64):
        raise AudioError(f"{path}: float WAV with {bits} bits per sample is not supported")
    if block_align != channels * bits // 8:
        raise AudioError(f"{path}: block align {block_align} does not match {channels} channels of {bits} bits")
    return tag, channels, rate, bits


def _decode_samples(raw, tag, bits):
    if tag == 3:
        return np.frombuffer(raw, dtype="<f4" if bits == 32 else "<f8").astype(np.float32)
    if bits == 8:
        return (np.frombuffer(raw, dtype=np.uint8).astype(np.float32) - 128.0) / 128.0
    if bits == 16:
        return np.frombuffer(raw, dtype="<i2").astype(np.float32) / 32768.0
    if bits == 24:
        b = np.frombuffer(raw, dtype=np.uint8).reshape(-1, 3).astype(np.int32)
        v = b[:, 0] | (b[:, 1] << 8) | (b[:, 2] << 16)
        v = np.where(v >= 1 << 23, v - (1 << 24), v)
        return v.astype(np.float32) / float(1 << 23)
    if bits == 32:
        return (np.frombuffer(raw, dtype="<i4").astype(np.float64) / 2147483648.0).astype(np.float32)
    raise AudioError(f"integer PCM with {bits} bits per sample is not supported")


def read_wav(path):
    """(samples [frames, channels] float32 in [-1, 1], sample rate) of a RIFF/WAVE file."""
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as error:
        raise AudioError(f"{path}: cannot read ({error.strerror})") from None
    if len(data) < 12 or data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        raise AudioError(f"{path}: not a RIFF/WAVE file")
    offset, fmt, pcm = 12, None, None
    while offset + 8 <= len(data):
        chunk_id = data[offset:offset + 4]
        size = struct.unpack("<I", data[offset + 4:offset + 8])[0]
        body_start = offset + 8
        body_end = min(len(data), body_start + size)  # streamed writers may leave the size unset
        if chunk_id == b"fmt ":
            fmt = _parse_fmt(data[body_start:body_end], path)
        elif chunk_id == b"data":
            pcm = data[body_start:body_end]
        offset = body_start + size + (size & 1)
    if fmt is None:
        raise AudioError(f"{path}: WAV file has no 'fmt ' chunk")
    if pcm is None:
        raise AudioError(f"{path}: WAV file has no 'data' chunk")
    tag, channels, rate, bits = fmt
    frame_bytes = channels * bits // 8
    usable = len(pcm) - len(pcm) % frame_bytes
    samples = _decode_samples(pcm[:usable], tag, bits).reshape(-1, channels)
    return samples, rate


# MARK: - Mono 16 kHz

def resample(signal, source_rate, target_rate=TARGET_RATE, half_width=16):
    """Band-limited resampling of a mono float signal with a Hann-windowed sinc kernel."""
    if source_rate == target_rate or len(signal) == 0:
        return signal.astype(np.float32)
    ratio = target_rate / source_rate
    cutoff = min(1.0, ratio)                  # fraction of the input Nyquist frequency kept
    width = int(np.ceil(half_width / cutoff))  # kernel half-width in input samples
    out_len = int(np.floor(len(signal) * ratio))
    padded = np.concatenate([np.zeros(width, np.float64), signal.astype(np.float64), np.zeros(width + 1)])
    taps = np.arange(-width + 1, width + 1)
    out = np.empty(out_len, np.float32)
    chunk = 4096
    for start in range(0, out_len, chunk):
        n = np.arange(start, min(out_len, start + chunk))
        t = n / ratio                          # output time in input samples
        base = np.floor(t).astype(np.int64)
        idx = base[:, None] + taps[None, :]    # [chunk, 2·width]
        x = t[:, None] - idx
        kernel = cutoff * np.sinc(cutoff * x) * (0.5 + 0.5 * np.cos(np.pi * np.clip(x / width, -1, 1)))
        out[n] = np.sum(kernel * padded[idx + width], axis=1)
    return out


def load_mono_16k(path):
    """(int16 PCM bytes at 16 kHz mono, duration in seconds) ready for the recogniser."""
    samples, rate = read_wav(path)
    mono = samples.mean(axis=1) if samples.shape[1] > 1 else samples[:, 0]
    audio = resample(mono, rate)
    pcm = np.clip(np.round(audio * 32767.0), -32768, 32767).astype("<i2")
    return pcm.tobytes(), len(mono) / rate
