# flyway_checksum FILE: Flyway's checksum of a SQL migration (CRC-32 over the lines without their
# endings, BOM stripped, signed 32-bit), written independently of sources/checksums.cpp.
flyway_checksum() { python3 -c '
import re, sys, zlib
text = open(sys.argv[1], encoding="utf-8").read().lstrip("\ufeff")
crc = 0
for line in re.split(r"\r\n|\r|\n", text): crc = zlib.crc32(line.encode(), crc)
print(crc - (1 << 32) if crc >= 1 << 31 else crc)' "$1"; }
