// The content fingerprints migration tools store in their history tables, computed as each tool
// computes them, so a recorded value and a file's can be compared exactly.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sources/source_tool.h"

namespace mexp {

// Flyway: java.util.zip.CRC32 updated with each line BufferedReader.readLine() returns (so every
// '\r' and '\n' is left out and CRLF, CR and LF files agree), the UTF-8 byte-order mark stripped
// from the first line, the value cast to a signed 32-bit int.
std::int32_t flyway_checksum(std::string_view content);
std::string sha256_hex(std::string_view content);
std::string md5_hex(std::string_view content);
std::string sha1_hex(std::string_view content);

// The checksum as the history table stores it as text; nullopt for SourceChecksum::none and
// ::chained (which only the whole source gives).
std::optional<std::string> source_checksum(SourceChecksum kind, std::string_view content);

// Other values the tool accepts as the same file's checksum (Prisma's line-ending variants); empty
// for most kinds.
std::vector<std::string> accepted_checksums(SourceChecksum kind, std::string_view content);

// Why a file cannot be a text migration ("binary: contains NUL bytes", "not valid UTF-8"), or "".
std::string text_content_problem(std::string_view content);

}  // namespace mexp
