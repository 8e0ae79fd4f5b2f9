#!/usr/bin/env python3
"""Writes the libFuzzer dictionaries in fuzz/dicts/ (one per target subject:
.ci/fuzz gives `fuzz/dicts/<subject>.dict` to every `<verb>_<subject>` target).

    python3 scripts/fuzz-dicts.py
"""
import os

os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fuzz", "dicts"))


def esc(b):
    return "".join("\\x%02x" % c for c in b)


def lengths():
    out = [
        "# Length fields at the edges, in every width (1, 2, 4, 8 bytes) and byte order:",
        "# 0, 1, the fuzz maximum 256 and 257 (with the header counted too: +width),",
        "# the edges of u8/u16/i32 fields, 2^31, 2^32-1, 2^63, 2^64-1, and -1.",
        "# Written by scripts/fuzz-dicts.py.",
    ]
    vals = sorted({0, 1, 2, 7, 8, 9, 254, 255, 256, 257, 258, 260, 264, 265, 65533, 65534, 65535, 65536,
                   2**31 - 1, 2**31, 2**32 - 1, 2**32, 2**63 - 1, 2**63, 2**64 - 1})
    seen = set()
    for w in (1, 2, 4, 8):
        for e in ("be", "le"):
            if w == 1 and e == "le":
                continue
            for v in vals:
                if v >= 2 ** (8 * w):
                    continue
                b = v.to_bytes(w, "big" if e == "be" else "little")
                if b not in seen:
                    seen.add(b)
                    out.append(f'w{w}{e}_{v}="{esc(b)}"')
    for w in (1, 2, 4, 8):
        b = b"\xff" * w
        if b not in seen:
            seen.add(b)
            out.append(f'w{w}_minus1="{esc(b)}"')
    return out


def toks(header, prefix, items):
    return "\n".join([header, "# Written by scripts/fuzz-dicts.py."]
                     + [f'{prefix}{i}="{esc(t)}"' for i, t in enumerate(items)]) + "\n"


def write(name, text):
    with open(name, "w") as f:
        f.write(text)


write("length_prefix.dict", "\n".join(lengths()) + "\n")
json_tokens = [b'"total_size"', b'"filename"', b'"sha256"', b'"md5"', b'{"total_size":', b"{}", b"null", b"true",
               b"-1", b"1e3", b"0.5", b'"\\u0000"', b":", b",", b"{", b"}", b"[", b"]", b'"']
write("json_header.dict", "\n".join(["# JSON header keys and tokens, then the length fields of length_prefix.dict."]
                                    + [f'json{i}="{esc(t)}"' for i, t in enumerate(json_tokens)]
                                    + lengths()[3:]) + "\n")
write("delimiter.dict", toks("# The fuzz targets' delimiters and their parts.", "d",
                             [b"\n", b"\r\n", b"\r", b"<END>", b"<END", b"END>", b"<", b"<E"]))
write("lines.dict", toks("# Lines: \\n, \\r (LinesCodec strips one before \\n), bytes that are not UTF-8, multi-byte UTF-8.",
                         "l", [b"\n", b"\r\n", b"\r", b"\r\r\n", b"\xff", b"\xc3", b"\xc3\xa9", b"\xe4\xb8\xad",
                               b"\xf0\x9f\x98\x80", b"\xed\xa0\x80"]))
write("resp.dict", toks("# RESP2/RESP3 type bytes, lengths at the edges, tokens.", "r",
                        [b"\r\n", b"*", b"$", b"+", b"-", b":", b"_", b"#", b",", b"(", b"!", b"=", b"%", b"~", b"|",
                         b">", b"-1", b"*-1\r\n", b"$-1\r\n", b"*0\r\n", b"$0\r\n\r\n", b"9223372036854775807",
                         b"9223372036854775808", b"18446744073709551615", b"inf", b"-inf", b"nan", b"txt:",
                         b"#t\r\n", b"#f\r\n", b"_\r\n", b"PING", b"SET", b"GET", b"\n"]))
write("http.dict", toks("# HTTP/1.x methods, versions, statuses, framing headers, chunk sizes at the edges.", "h",
                        [b"GET ", b"HEAD ", b"POST ", b"PUT ", b"CONNECT ", b"OPTIONS ", b" HTTP/1.1\r\n",
                         b" HTTP/1.0\r\n", b"HTTP/1.1 ", b"HTTP/1.0 ", b"200 OK\r\n", b"100 Continue\r\n",
                         b"101 Switching Protocols\r\n", b"204 No Content\r\n", b"304 Not Modified\r\n",
                         b"Content-Length: ", b"content-length:", b"Transfer-Encoding: chunked\r\n",
                         b"Transfer-Encoding: ", b"chunked", b"gzip, chunked", b"Connection: close\r\n", b"Upgrade: ",
                         b"Host: a\r\n", b"\r\n", b"\r\n\r\n", b"\n\n", b"0\r\n\r\n", b";ext=1",
                         b"18446744073709551616", b"9223372036854775808", b"FFFFFFFFFFFFFFFF", b"256", b"257", b" ",
                         b"\t"]))
write("framing.dict", toks("# Framing spec words (parse_framing).", "s",
                           [b"naive", b"raw", b"udp", b"handshake", b"delimiter", b"length-prefix", b"json-header",
                            b"resp", b"http", b":", b",", b"=", b'"', b"\\x", b"\\r\\n", b"max=", b"read-size=",
                            b"includes-header", b"width=", b"endian=", b"little", b"big", b"signed=", b"true",
                            b"false", b"verify=", b"ignore", b"if-present", b"require", b"digest=", b"md5", b"sha256",
                            b"header-max=", b"body-max=", b"depth=", b"method=", b"HEAD", b"head-max=", b"request",
                            b"response", b"KiB", b"MiB", b"GiB", b"TiB", b"u8", b"i8", b"u16be", b"u16le", b"u32be",
                            b"i32le", b"u64le", b"i64le", b"18446744073709551615"]))
