#!/usr/bin/env python3
# Independent record of the Flyway checksums that tests/unit/source_flyway_test.cpp expects: each
# line as Java's BufferedReader.readLine() returns it (terminators \r\n, \r or \n removed, nothing
# else), the first line's U+FEFF removed, every line's UTF-8 bytes fed to CRC-32, the result read as
# a signed 32-bit int. Run it to print the table the test holds.
import re
import zlib


def flyway_checksum(data: bytes) -> int:
    text = data.decode("utf-8")
    lines = re.split(r"\r\n|\r|\n", text)
    if lines and lines[0].startswith("\ufeff"):
        lines[0] = lines[0][1:]
    crc = 0
    for line in lines:
        crc = zlib.crc32(line.encode("utf-8"), crc)
    return crc - (1 << 32) if crc >= (1 << 31) else crc


CASES = {
    "lf": b"CREATE TABLE t (id int);\nINSERT INTO t VALUES (1);\n",
    "crlf": b"CREATE TABLE t (id int);\r\nINSERT INTO t VALUES (1);\r\n",
    "cr": b"CREATE TABLE t (id int);\rINSERT INTO t VALUES (1);\r",
    "bom": b"\xef\xbb\xbfCREATE TABLE t (id int);\nINSERT INTO t VALUES (1);\n",
    "no_final_newline": b"CREATE TABLE t (id int);\nINSERT INTO t VALUES (1);",
    "empty_lines": b"\n\nCREATE TABLE t (id int);\n\n\n\nINSERT INTO t VALUES (1);\n\n",
    "non_ascii": "INSERT INTO t VALUES ('grüße', '日本語', 'ünïcödé');\n".encode("utf-8"),
    "bom_on_second_line": b"SELECT 1;\n\xef\xbb\xbfSELECT 2;\n",
    "empty": b"",
    "large": b"".join(b"INSERT INTO big VALUES (%d, 'row %d');\r\n" % (i, i) for i in range(200000)),
}

if __name__ == "__main__":
    for name, data in CASES.items():
        print(f'{{"{name}", {flyway_checksum(data)}}},')
